#!/usr/bin/env bash
# Concurrent connections held by a whole local run (`kloudbuster run --cloud local`): CLIENTS
# client VMs (kb-agent processes, each on its own loopback address) hold CONNS connections each
# to their own nginx server VM for HOLD seconds at a low rate, so the run is about holding, not
# pushing. While it runs, every 2 s: established TCP sockets on the host (`ss`, both ends
# counted), the kernel's slab (/proc/meminfo), and the resident memory of every kb-agent and
# nginx process. At the end: the run's exit status and errors (must be 0), the peak, how long
# it was held, and memory per connection in user space and in the kernel.
# Env: CLIENTS (10), CONNS (10000 per client), RATE (500 per client), HOLD (seconds, 60),
# THREADS (1), MIN_FREE_MB (1500: below this much available memory the run is stopped), KB (.build/release/kloudbuster), KB_AGENT (.build/release/kb-agent),
# OUT (bench/out/connections-run-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-10} CONNS=${CONNS:-10000} RATE=${RATE:-500} HOLD=${HOLD:-60} THREADS=${THREADS:-1}
MIN_FREE_MB=${MIN_FREE_MB:-1500}
KB=${KB:-.build/release/kloudbuster} AGENT=${KB_AGENT:-.build/release/kb-agent}
OUT=${OUT:-bench/out/connections-run-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"

if [[ -z ${KB_AGENT:-} || -z ${KB:-} ]]; then
  command -v swift >/dev/null || PATH=/opt/swift/usr/bin:$PATH
  swift build -c release --product kb-agent >&2
  swift build -c release --product kloudbuster >&2
fi

cat >"$OUT/config.yaml" <<YAML
server:
  number_tenants: 1
  routers_per_tenant: 1
  networks_per_router: 1
  vms_per_network: $CLIENTS
client:
  http_tool_configs:
    threads: $THREADS
    connections: $CONNS
    rate_limit: $RATE
    timeout: 30
    report_interval: 5
    duration: $HOLD
YAML

run=""
on_exit() {
  # kloudbuster cleans up after itself on TERM; give it the time to.
  if [[ -n $run ]] && kill -0 "$run" 2>/dev/null; then
    kill -TERM "$run" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$run" 2>/dev/null || break; sleep 1; done
    kill -KILL "$run" 2>/dev/null || true
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

slab() { awk '/^Slab:/ {print $2}' /proc/meminfo; }
rss() { ps -C "$1" -o rss= | awk '{s += $1} END {print s + 0}'; }
established() { ss -Htn state established | wc -l; }

base_slab=$(slab) base_est=$(established)
echo "connections-run: $CLIENTS clients × $CONNS connections at $RATE req/s each for ${HOLD}s; raw output in $OUT" >&2
KB_AGENT_BINARY=$AGENT "$KB" run --cloud local -c "$OUT/config.yaml" --json "$OUT/result.json" \
  >"$OUT/run.out" 2>"$OUT/run.err" &
run=$!
: >"$OUT/samples"
while kill -0 "$run" 2>/dev/null; do
  echo "$SECONDS $(established) $(slab) $(rss kb-agent) $(rss nginx)" >>"$OUT/samples"
  # Stop before the OOM killer picks a victim: the measured limit is then memory.
  available=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
  if ((available < MIN_FREE_MB * 1024)); then
    echo "connections-run: only $((available / 1024)) MB of memory left; stopping the run (memory is the limit)" >&2
    kill -TERM "$run" 2>/dev/null || true
  fi
  sleep 2
done
status=0
wait "$run" || status=$?
run=""
python3 - "$OUT" "$CLIENTS" "$CONNS" "$base_slab" "$base_est" "$status" <<'PY'
import json, sys
out, clients, conns, base_slab, base_est, status = sys.argv[1], *map(int, sys.argv[2:])
samples = [list(map(int, l.split())) for l in open(f"{out}/samples") if l.strip()]
wanted = clients * conns
peak = max(samples, key=lambda s: s[1])
held = [s for s in samples if s[1] - base_est >= 2 * wanted * 0.99]
held_s = held[-1][0] - held[0][0] if len(held) > 1 else 0
sockets = peak[1] - base_est
try:
    result = json.load(open(f"{out}/result.json"))
    stage = result["kb_result"][0]
    errors = sum(result["errors"].values())
    verdict = result.get("verdict", "?")
    requests = stage["http_total_req"]
except (OSError, ValueError, KeyError, IndexError) as e:
    errors, verdict, requests = None, f"no result ({e})", 0
print(f"connections wanted            {wanted:>12}  ({clients} clients x {conns})")
print(f"established sockets at peak   {sockets:>12}  (both ends; {sockets // 2} connections)")
print(f"held at >= 99% of wanted      {held_s:>12} s")
print(f"requests                      {requests:>12}")
print(f"errors (must be 0)            {errors if errors is not None else '-':>12}")
print(f"verdict, exit status          {str(verdict):>12}  {status}")
print(f"kernel slab growth            {(peak[2] - base_slab) / 1024:>12.0f} MB  ({(peak[2] - base_slab) * 1024 / max(sockets, 1):.0f} B per socket)")
print(f"kb-agent RSS (all)            {peak[3] / 1024:>12.0f} MB  ({peak[3] * 1024 / max(wanted, 1):.0f} B per connection)")
print(f"nginx RSS (all)               {peak[4] / 1024:>12.0f} MB  ({peak[4] * 1024 / max(wanted, 1):.0f} B per connection)")
sys.exit(0 if status == 0 and errors == 0 and sockets >= 2 * wanted * 0.99 else 1)
PY
