#!/usr/bin/env bash
# kb-agent load against its peers: requests/s, requests per CPU-second and context switches per
# request, keep-alive GET / on a local one-worker nginx, 50 and 1000 connections, one generator
# thread, alternating rounds. Closed loop against Debian's wrk; at a fixed rate (RATE) ours with
# and without a send window, and wrk2 when WRK2 names a binary built by hand (no script of the
# project builds it).
# Env: ROUNDS (3), DURATION (seconds, 10), CONNS ("50 1000"), MODES ("closed rate"), RATE (30000),
# WINDOW (1ms), WRK2 (unset), TOOLS (closed-loop tools, "ours wrk"; MODES=closed TOOLS=wrk needs
# no Swift build), KB_AGENT (.build/release/kb-agent), OUT (bench/out/httpgen-vs-wrk-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNS=${CONNS:-50 1000} TOOLS=${TOOLS:-ours wrk}
MODES=${MODES:-closed rate} RATE=${RATE:-30000} WINDOW=${WINDOW:-1ms} WRK2=${WRK2:-}
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time for context switches: apt-get install time" >&2; exit 2; }
[[ -z $WRK2 || -x $WRK2 ]] || { echo "bench: WRK2=$WRK2 is not an executable" >&2; exit 2; }
AGENT=${KB_AGENT:-.build/release/kb-agent}
OUT=${OUT:-bench/out/httpgen-vs-wrk-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"

if [[ ( " $TOOLS " == *" ours "* || " $MODES " == *" rate "* ) && -z ${KB_AGENT:-} ]]; then
  command -v swift >/dev/null || PATH=/opt/swift/usr/bin:$PATH
  swift build -c release --product kb-agent >&2
fi

ngx=$(mktemp -d /tmp/kb-bench.XXXXXX)
gen=""  # GNU time, running the generator under timeout
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

# run MODE TOOL CONNS ROUND: one measured run; appends "mode conns tool round requests rps cpu_s
# errors cswitches" to results. Errors: ours = sum of the JSON "errors" kinds; wrk and wrk2 =
# socket errors + non-2xx. CPU (user + system) and context switches (voluntary + involuntary)
# are GNU time's rusage of the generator, taken the same way for every tool.
run() {
  local mode=$1 tool=$2 c=$3 r=$4 out="$OUT/$1-$2-c$3-r$4" requests rps errors
  local cmd=("$AGENT" load "$url" -c "$c" -t 1 -d "${DURATION}s" --json)
  case $mode-$tool in
    closed-wrk) cmd=(wrk -c "$c" -t 1 -d "${DURATION}s" "$url") ;;
    rate-ours) cmd+=(-R "$RATE") ;;
    rate-ours-window) cmd+=(-R "$RATE" --send-window "$WINDOW") ;;
    rate-wrk2) cmd=("$WRK2" -c "$c" -t 1 -d "${DURATION}s" -R "$RATE" "$url") ;;
  esac
  # In the background and waited for: the wait builtin returns at once to run our INT/TERM trap,
  # where a foreground command would first run to its end. timeout forwards TERM to the
  # generator and KILLs it 5 s later.
  /usr/bin/time -f '%U %S %w %c' -o "$out.time" \
    timeout --foreground -k 5 $((DURATION + 30)) "${cmd[@]}" >"$out.out" 2>"$out.err" &
  gen=$!
  wait "$gen" || { echo "bench: $tool -c $c failed, see $out.err" >&2; return 1; }
  gen=""
  if [[ $tool == wrk* ]]; then
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
  local cpu switches
  read -r cpu switches <<<"$(awk 'END {print $1 + $2, $3 + $4}' "$out.time")"
  echo "$mode $c $tool $r $requests $rps $cpu $errors $switches" | tee -a "$OUT/results" >&2
}

echo "bench: nginx $url (1 worker), ${ROUNDS} rounds of ${DURATION}s, raw output in $OUT" >&2
echo "# mode conns tool round requests rps cpu_s errors cswitches" >&2
: >"$OUT/results"
for mode in $MODES; do
  tools=$TOOLS
  [[ $mode == rate ]] && tools="ours ours-window${WRK2:+ wrk2}"
  for c in $CONNS; do
    for ((r = 1; r <= ROUNDS; r++)); do
      order=$tools
      ((r % 2)) || order=$(tr ' ' '\n' <<<"$tools" | tac | tr '\n' ' ')  # alternate who goes first
      for tool in $order; do run "$mode" "$tool" "$c" "$r"; done
    done
  done
done

python3 - "$OUT/results" "$RATE" "$WINDOW" <<'EOF'
import collections, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    mode, c, tool, _, requests, rps, cpu, errors, cs = line.split()
    runs[(mode, int(c), tool)].append(
        (float(rps), float(requests) / max(float(cpu), 1e-9), int(errors), float(cs) / max(float(requests), 1)))
avg = lambda xs: sum(xs) / len(xs) if xs else float("nan")
for mode, c in sorted({(m, c) for m, c, _ in runs}):
    tools = [t for m, cc, t in runs if (m, cc) == (mode, c)]
    order = [t for t in ["ours", "ours-window", "wrk", "wrk2"] if t in tools]
    peer = "wrk2" if "wrk2" in tools else "wrk" if "wrk" in tools else None
    title = "closed loop" if mode == "closed" else f"at {sys.argv[2]} requests/s (window {sys.argv[3]})"
    print(f"\n{c} connections, 1 thread, {title}, mean of {max(len(runs[(mode, c, t)]) for t in order)} rounds")
    others = [t for t in order if peer and t != peer]
    print(f"{'':16}" + "".join(f"{t:>13}" for t in order) + "".join(f"{t + '/' + peer:>18}" for t in others))
    for name, k, fmt in [("requests/s", 0, "{:13.0f}"), ("req/CPU-s", 1, "{:13.0f}"), ("cswitch/req", 3, "{:13.3f}")]:
        values = {t: avg([x[k] for x in runs[(mode, c, t)]]) for t in order}
        ratios = "".join(f"{values[t] / values[peer] if values[peer] else float('nan'):18.2f}" for t in others)
        print(f"{name:16}" + "".join(fmt.format(values[t]) for t in order) + ratios)
    print(f"{'errors (sum)':16}" + "".join(f"{sum(x[2] for x in runs[(mode, c, t)]):13}" for t in order))
EOF
