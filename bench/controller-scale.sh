#!/usr/bin/env bash
# The controller under many agents: `kloudbuster run --swarm-samples` has `kb-agent swarm`
# processes play AGENTS agents (half servers, half clients; each with its own CURVE key and its
# own two ZeroMQ connections, as real agents), whose clients report SAMPLES invented latencies
# every second for DURATION seconds. The controller is the real one. For each count in AGENTS
# it prints the join time (all started -> all joined), the controller's CPU per interval
# (utime + stime from /proc, sampled every 0.5 s over the stage, per second of it), its peak resident memory
# (VmHWM), and the share of the clients' interval reports merged in time (the "agents" column of
# each interval line against clients x intervals; late reports are merged later, still counted
# as not in time).
# Env: AGENTS ("1000 4000"), DURATION (60), SAMPLES (2000), KB (.build/release/kloudbuster),
# KB_AGENT (.build/release/kb-agent), OUT (bench/out/controller-scale-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."

AGENTS=${AGENTS:-1000 4000} DURATION=${DURATION:-60} SAMPLES=${SAMPLES:-2000}
KB=${KB:-.build/release/kloudbuster} AGENT=${KB_AGENT:-.build/release/kb-agent}
OUT=${OUT:-bench/out/controller-scale-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"

if [[ -z ${KB_AGENT:-} || -z ${KB:-} ]]; then
  command -v swift >/dev/null || PATH=/opt/swift/usr/bin:$PATH
  swift build -c release --product kb-agent >&2
  swift build -c release --product kloudbuster >&2
fi

run=""
on_exit() {
  if [[ -n $run ]] && kill -0 "$run" 2>/dev/null; then
    kill -TERM "$run" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$run" 2>/dev/null || break; sleep 1; done
    kill -KILL "$run" 2>/dev/null || true
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

printf '%8s %10s %14s %12s %10s %10s %8s\n' agents "join (s)" "ms CPU/intvl" "peak RSS MB" "in time" verdict status
for agents in $AGENTS; do
  pairs=$((agents / 2))
  networks=$(((pairs + 249) / 250))
  per_network=$(((pairs + networks - 1) / networks))
  dir="$OUT/$agents"
  mkdir -p "$dir"
  cat >"$dir/config.yaml" <<YAML
server:
  number_tenants: 1
  routers_per_tenant: 1
  networks_per_router: $networks
  vms_per_network: $per_network
client:
  http_tool_configs:
    connections: 10
    rate_limit: $SAMPLES
    report_interval: 1
    duration: $DURATION
YAML
  clients=$((networks * per_network))
  # Each console line gets the seconds since the start, for the join time.
  KB_AGENT_BINARY=$AGENT stdbuf -oL "$KB" run --cloud local -c "$dir/config.yaml" --swarm-samples "$SAMPLES" \
    --state-dir "$dir/state" --json "$dir/result.json" 2>"$dir/run.err" \
    | while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done >"$dir/run.out" &
  run=$!
  pid=""
  for _ in $(seq 100); do pid=$(pgrep -n -f "^[^ ]*kloudbuster run --cloud local -c $dir/" || true); [[ -n $pid ]] && break; sleep 0.1; done
  : >"$dir/samples"
  while kill -0 "$run" 2>/dev/null; do
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [[ -n $hwm ]] && echo "$(date +%s.%N) $(cpu_ticks "$pid") $hwm" >>"$dir/samples"
    sleep 0.5
  done
  status=0
  wait "$run" || status=$?
  run=""
  python3 - "$dir" "$agents" "$clients" "$DURATION" "$(getconf CLK_TCK)" "$status" <<'PY'
import json, re, sys
d, agents, clients, duration, hz, status = sys.argv[1], *map(int, sys.argv[2:])
lines = [l.rstrip("\n").split(" ", 1) for l in open(f"{d}/run.out") if " " in l]
def when(pattern):
    return next((float(t) for t, text in lines if re.search(pattern, text)), None)
joined = when(r"^all \d+ agents joined")
started = max((float(t) for t, text in lines if re.match(r"started \d+ of \d+ agents", text)), default=None)
join = f"{joined - started:.1f}" if started and joined else "-"
intervals = [text.split() for _, text in lines if re.match(r"\d\d:\d\d:\d\d\s+1\s+\d+", text)]
in_time = sum(int(f[2]) for f in intervals)
expected = clients * max(len(intervals), duration)
samples = [(float(t), int(c), int(h)) for t, c, h in (l.split() for l in open(f"{d}/samples") if l.strip())]
loading, done = when(r"loading for"), when(r"^Run kb-")
stage = [s for s in samples if loading and done and loading <= s[0] <= done]
# CPU seconds per second of the stage: one interval is one second.
cpu = (stage[-1][1] - stage[0][1]) / hz * 1000 / (stage[-1][0] - stage[0][0]) if len(stage) > 1 else float("nan")
hwm = max((s[2] for s in samples), default=0) / 1024
try:
    verdict = json.load(open(f"{d}/result.json")).get("verdict", "?")
    verdict = verdict if isinstance(verdict, str) else f"NOT OK ({len(verdict)})"
except (OSError, ValueError):
    verdict = "none"
print(f"{agents:>8} {join:>10} {cpu:>14.1f} {hwm:>12.0f} {100 * in_time / max(expected, 1):>9.1f}% {str(verdict):>10} {status:>8}")
PY
done
