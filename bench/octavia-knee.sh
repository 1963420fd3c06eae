#!/usr/bin/env bash
# The knee of the real Octavia health manager on this machine: `kloudbuster octavia stress
# --ramp` raises the heartbeat rate step by step until the HM falls behind (an amphora older
# than the interval, a UDP receive-buffer drop, a THIS IS NOT GOOD in its log). The peer is the
# Python stresshm tool's figure on the same machine (it kept up to roughly 300-400 hb/s), and
# ../shared/reference/octavia/hm_capacity_2core_results.csv.
#   bench/octavia-knee.sh      knobs: LBS (1000), SHAPE (2/1/2: listeners/pools/members),
#                              START (100 hb/s), FACTOR (1.5), STEP (30s), AGENTS (1),
#                              VERSION (3), OUT, SWIFT_SCRATCH (.build)
# Uses the harness in $OCTAVIA_DB_URL/$OCTAVIA_HM/... when exported, else brings it up (and
# down again at the end). Run it on a quiet machine: the HM, MariaDB and the senders share it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH

LBS=${LBS:-1000}
SHAPE=${SHAPE:-2/1/2}
START=${START:-100}
FACTOR=${FACTOR:-1.5}
STEP=${STEP:-30s}
AGENTS=${AGENTS:-1}
VERSION=${VERSION:-3}
OUT=${OUT:-bench/out/octavia-knee-$(date +%Y%m%d-%H%M%S)}
scratch=${SWIFT_SCRATCH:-.build}
IFS=/ read -r LISTENERS POOLS MEMBERS <<<"$SHAPE"

swift build -c release --scratch-path "$scratch" --product kloudbuster >&2
swift build -c release --scratch-path "$scratch" --product kb-agent >&2
mkdir -p "$OUT"

if [[ -z ${OCTAVIA_DB_URL:-} ]]; then
  scripts/octavia-local.sh up >"$OUT/harness.env"
  trap 'scripts/octavia-local.sh down >&2 || true' EXIT
  # shellcheck disable=SC1091
  source "$OUT/harness.env"
fi

echo "octavia-knee: $LBS load balancers of shape $SHAPE, from $START hb/s x$FACTOR per $STEP step; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
KB_AGENT_BINARY=$scratch/release/kb-agent "$scratch/release/kloudbuster" octavia stress \
  --state-dir "$OUT/state" --load-balancers "$LBS" --listeners "$LISTENERS" --pools "$POOLS" --members "$MEMBERS" \
  --rate "$START" --ramp --ramp-factor "$FACTOR" --duration "$STEP" --agents "$AGENTS" --heartbeat-version "$VERSION" \
  --json "$OUT/knee.json" --i-know-this-is-not-production | tee "$OUT/console.txt"

python3 - "$OUT/knee.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("rate_hb_s  interval_s  sent/s  fresh_p99_s  fresh_max_s  >interval  missing  udp_drops  not_good  drain_s  kept_up")
for s in r["steps"]:
    f = s["freshness"]
    print(f'{s["rate_hb_per_s"]:9.0f}  {s["interval_s"]:10.2f}  {s["sent_per_s"]:6.0f}  {f["p99_s"]:11.2f}  {f["max_s"]:11.2f}  '
          f'{f["older_than_interval"]:9d}  {f["missing"]:7d}  {str(s.get("udp_receive_buffer_errors")):>9}  '
          f'{(s.get("hm_log") or {}).get("this_is_not_good", "-")!s:>8}  {s["drain_s"]:7.1f}  {s["kept_up"]}')
print(f'knee: {r.get("knee_rate_hb_per_s")} hb/s (a higher step fell behind: {r.get("knee_found")})')
PY
