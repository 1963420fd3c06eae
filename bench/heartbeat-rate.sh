#!/usr/bin/env bash
# Amphora heartbeats built and sent per CPU-second: the agent's encoder (kb-bench-heartbeat)
# against a Python stdlib loop doing the same (json.dumps + zlib.compress + hmac sha256
# hexdigest + sendto), both to one local UDP sink, same bodies. Goal: 20x or more.
#   bench/heartbeat-rate.sh        knobs: ROUNDS (3), COUNT (500000, Swift), PY_COUNT (50000),
#                                  AMPHORAE (1000), PYTHONS, SWIFT_SCRATCH (.build),
#                                  KB_BENCH_HEARTBEAT, OUT
# PYTHONS: the interpreters to run the peer with; by default Debian's /usr/bin/python3 and the
# python3 on PATH when that is another one. Ratios are against the fastest of them.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH

ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-500000}
PY_COUNT=${PY_COUNT:-50000}
AMPHORAE=${AMPHORAE:-1000}
if [[ -z ${PYTHONS:-} ]]; then
  PYTHONS=/usr/bin/python3
  onpath=$(command -v python3 || true)
  if [[ -n $onpath && $("$onpath" -c 'import sys; print(sys.executable)') != "$(/usr/bin/python3 -c 'import sys; print(sys.executable)')" ]]; then
    PYTHONS="$PYTHONS $onpath"
  fi
fi
OUT=${OUT:-bench/out/heartbeat-rate-$(date +%Y%m%d-%H%M%S)}
BIN=${KB_BENCH_HEARTBEAT:-}
if [[ -z $BIN ]]; then
  scratch=${SWIFT_SCRATCH:-.build}
  swift build -c release --scratch-path "$scratch" --product kb-bench-heartbeat >&2
  BIN=$scratch/release/kb-bench-heartbeat
fi
mkdir -p "$OUT"
: >"$OUT/runs.jsonl"

# The sink reads and counts; it exits 5 s after the last datagram.
"$BIN" sink "$OUT/sink.port" 5 >"$OUT/sink.json" &
SINK=$!
trap 'kill "$SINK" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s $OUT/sink.port ]] && break; sleep 0.1; done
[[ -s $OUT/sink.port ]] || { echo "heartbeat-rate: the sink did not start" >&2; exit 1; }
PORT=$(cat "$OUT/sink.port")

# The peer: what an amphora's health sender does per message (a dict built from its counters,
# then octavia's status_message.wrap_envelope with stdlib json), for the same bodies as
# kb-bench-heartbeat's: 2 listeners, 1 pool each, 2 members each, v3, counters changing.
cat >"$OUT/python_loop.py" <<'PY'
import hashlib, hmac, json, socket, sys, time, zlib

port, count, amphorae = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

def uuid(kind, index):
    k = str(kind)
    return f"{k * 8}-{k * 4}-4{k * 3}-8{k * 3}-{index:012x}"

amps = [(uuid(1, a), [(uuid(2, 2 * a + l), uuid(3, 2 * a + l), [uuid(4, 2 * (2 * a + l)), uuid(4, 2 * (2 * a + l) + 1)])
                      for l in range(2)]) for a in range(amphorae)]
key = b"insecure"
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dest = ("127.0.0.1", port)
size = errors = 0
start = time.process_time()
for seq in range(count):
    amp_id, listeners = amps[seq % amphorae]
    stats = ({"tx": (seq & 0xFFFF) * 1024, "rx": (seq & 0xFFF) * 512, "conns": seq & 7, "totconns": seq & 63, "ereq": 0},
             {"tx": (seq & 0xFFF) * 100, "rx": (seq & 0xFF) * 64, "conns": 1, "totconns": seq & 15, "ereq": seq & 1})
    msg = {"id": amp_id, "seq": seq, "listeners": {}, "pools": {}, "ver": 3}
    for (listener, pool, members), counters in zip(listeners, stats):
        msg["listeners"][listener] = {"status": "OPEN", "stats": counters}
        msg["pools"][f"{pool}:{listener}"] = {"status": "UP", "members": {m: "no check" for m in members}}
    payload = zlib.compress(json.dumps(msg).encode("utf-8"), 9)
    datagram = payload + hmac.new(key, payload, hashlib.sha256).hexdigest().encode("utf-8")
    try:
        sock.sendto(datagram, dest)
    except OSError:
        errors += 1
    size += len(datagram)
cpu = time.process_time() - start
print(json.dumps({"tool": f"python {sys.version.split()[0]} ({sys.executable})", "count": count, "cpu_s": cpu, "per_cpu_s": count / cpu,
                  "mean_bytes": size // count, "send_errors": errors}))
PY

run() {  # run ROUND COMMAND...
  local line
  line=$("${@:2}")
  echo "$line" >>"$OUT/runs.jsonl"
  echo "round $1: $line" >&2
}

for round in $(seq "$ROUNDS"); do
  for python in $PYTHONS; do
    run "$round" "$python" "$OUT/python_loop.py" "$PORT" "$PY_COUNT" "$AMPHORAE"
  done
  run "$round" "$BIN" send "$PORT" $((COUNT / 10)) zlib each "$AMPHORAE"
  run "$round" "$BIN" send "$PORT" "$COUNT" cached each "$AMPHORAE"
  run "$round" "$BIN" send "$PORT" "$COUNT" cached batch "$AMPHORAE"
done
wait "$SINK" || true
trap - EXIT

/usr/bin/python3 - "$OUT/runs.jsonl" "$OUT/sink.json" "$ROUNDS" <<'PY' | tee "$OUT/summary.txt"
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
sink = json.load(open(sys.argv[2]))
sent = sum(r["count"] - r["send_errors"] for r in runs)
labels = {"swift-zlib": "ours: zlib level 9, send each", "swift-cached": "ours: cached prefix, send each",
          "swift-cached-gso": "ours: cached prefix, GSO batches"}
rates = {}
for run in runs:
    rates.setdefault(run["tool"], []).append(run)
pythons = [tool for tool in rates if tool.startswith("python")]
base = max(statistics.median(r["per_cpu_s"] for r in rates[tool]) for tool in pythons)
print(f"heartbeats built and sent per CPU-second, median of {sys.argv[3]} rounds")
print("(v3, 2 listeners, 1 pool each, 2 members each; ratio against the fastest Python)")
print(f"{'':52} {'hb/CPU-s':>9} {'us/hb':>7} {'bytes':>6} {'ratio':>6}")
for tool in pythons + list(labels):
    rate = statistics.median(r["per_cpu_s"] for r in rates[tool])
    label = labels[tool] if tool in labels else "Python " + tool.split(" ", 1)[1]
    print(f"{label:52} {rate:9.0f} {1e6 / rate:7.2f} {rates[tool][0]['mean_bytes']:6d} {rate / base:5.1f}x")
print(f"sink received {sink['received']} of {sent} datagrams sent")
PY
