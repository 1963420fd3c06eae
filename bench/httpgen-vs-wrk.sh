#!/usr/bin/env bash
# kb-agent load against Debian's wrk: requests/s and requests per CPU-second, keep-alive GET /
# on a local one-worker nginx, 50 and 1000 connections, one generator thread, alternating rounds.
# Env: ROUNDS (3), DURATION (seconds, 10), CONNS ("50 1000"), TOOLS ("ours wrk"; "wrk" alone
# needs no Swift build), KB_AGENT (.build/release/kb-agent), OUT (bench/out/httpgen-vs-wrk-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNS=${CONNS:-50 1000} TOOLS=${TOOLS:-ours wrk}
AGENT=${KB_AGENT:-.build/release/kb-agent}
OUT=${OUT:-bench/out/httpgen-vs-wrk-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
TIMEFORMAT='%U %S'
ulimit -n "$(ulimit -Hn)"

if [[ " $TOOLS " == *" ours "* && -z ${KB_AGENT:-} ]]; then
  command -v swift >/dev/null || PATH=/opt/swift/usr/bin:$PATH
  swift build -c release --product kb-agent >&2
fi

ngx=$(mktemp -d /tmp/kb-bench.XXXXXX)
gen=""  # the subshell timing the running generator
on_exit() {
  if [[ -n $gen ]]; then  # timeout forwards TERM to the generator and KILLs it 5 s later
    pkill -TERM -P "$gen" 2>/dev/null || true
    wait "$gen" 2>/dev/null || true
  fi
  scripts/nginx.sh stop "$ngx" || true
  rm -rf "$ngx"
}
trap on_exit EXIT
trap 'exit 130' INT TERM
port=$(scripts/nginx.sh start "$ngx" --workers 1 --worker-connections 4096 | sed -n 's/^PORT=//p')
url=http://127.0.0.1:$port/

# run TOOL CONNS ROUND: one measured run; appends "conns tool round requests rps cpu_s errors"
# to results. Errors: ours = sum of the JSON "errors" kinds; wrk = socket errors + non-2xx.
run() {
  local tool=$1 c=$2 r=$3 out="$OUT/$1-c$2-r$3" cpu requests rps errors
  local cmd=("$AGENT" load "$url" -c "$c" -t 1 -d "${DURATION}s" --json)
  [[ $tool == wrk ]] && cmd=(wrk -c "$c" -t 1 -d "${DURATION}s" "$url")
  # bash's time reports the rusage of the children it waited for: the generator (and timeout).
  # In the background and waited for: the wait builtin returns at once to run our INT/TERM trap,
  # where a foreground command would first run to its end.
  { time timeout --foreground -k 5 $((DURATION + 30)) "${cmd[@]}" >"$out.out" 2>"$out.err"; } 2>"$out.time" &
  gen=$!
  wait "$gen" || { echo "bench: $tool -c $c failed, see $out.err" >&2; return 1; }
  gen=""
  cpu=$(<"$out.time")
  if [[ $tool == wrk ]]; then
    requests=$(awk '/requests in/ {print $1}' "$out.out")
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out.out")
    errors=$(awk '/Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10}
                  /Non-2xx/ {n += $NF} END {print n + 0}' "$out.out")
  else
    read -r requests rps errors <<<"$(python3 -c 'import json, sys
j = json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1])
print(j["requests"], j["rps"], sum(j["errors"].values()))' "$out.out")"
  fi
  [[ -n $requests && -n $rps ]] || { echo "bench: no result in $out.out" >&2; return 1; }
  echo "$c $tool $r $requests $rps $(awk '{print $1 + $2}' <<<"$cpu") $errors" | tee -a "$OUT/results" >&2
}

echo "bench: nginx $url (1 worker), ${ROUNDS} rounds of ${DURATION}s, raw output in $OUT" >&2
echo "# conns tool round requests rps cpu_s errors" >&2
: >"$OUT/results"
for c in $CONNS; do
  for ((r = 1; r <= ROUNDS; r++)); do
    order=$TOOLS
    ((r % 2)) || order=$(tr ' ' '\n' <<<"$TOOLS" | tac | tr '\n' ' ')  # alternate who goes first
    for tool in $order; do run "$tool" "$c" "$r"; done
  done
done

python3 - "$OUT/results" <<'EOF'
import collections, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    c, tool, _, requests, rps, cpu, errors = line.split()
    runs[(int(c), tool)].append((float(rps), float(requests) / max(float(cpu), 1e-9), int(errors)))
avg = lambda xs: sum(xs) / len(xs) if xs else float("nan")
ratio = lambda a, b: a / b if b else float("nan")
for c in sorted({c for c, _ in runs}):
    o, w = runs.get((c, "ours"), []), runs.get((c, "wrk"), [])
    o_rps, w_rps = avg([x[0] for x in o]), avg([x[0] for x in w])
    o_eff, w_eff = avg([x[1] for x in o]), avg([x[1] for x in w])
    print(f"\n{c} connections, 1 thread, mean of {max(len(o), len(w))} rounds")
    print(f"{'':14}{'ours':>12}{'wrk':>12}{'ours/wrk':>10}")
    print(f"{'requests/s':14}{o_rps:12.0f}{w_rps:12.0f}{ratio(o_rps, w_rps):10.2f}")
    print(f"{'req/CPU-s':14}{o_eff:12.0f}{w_eff:12.0f}{ratio(o_eff, w_eff):10.2f}")
    print(f"{'errors (sum)':14}{sum(x[2] for x in o):12}{sum(x[2] for x in w):12}")
EOF
