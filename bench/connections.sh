#!/usr/bin/env bash
# Memory per held connection: kb-agent holds 19000 keep-alive connections (from 4 loopback
# source addresses, rate-limited so the run is about holding, not pushing) against a local
# two-worker nginx, then 100 the same way; prints errors, both RSS and bytes per connection.
# Env: CONNS (19000), BASE (100), DURATION (seconds, 20), SAMPLE_AT (seconds, 12), RATE (1900),
# SOURCES (127.0.0.2-127.0.0.5), KB_AGENT (.build/release/kb-agent), OUT (bench/out/connections-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-19000} BASE=${BASE:-100} DURATION=${DURATION:-20} SAMPLE_AT=${SAMPLE_AT:-12}
RATE=${RATE:-1900} SOURCES=${SOURCES:-127.0.0.2-127.0.0.5}
AGENT=${KB_AGENT:-.build/release/kb-agent}
OUT=${OUT:-bench/out/connections-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"
[[ $(ulimit -n) == unlimited || $(ulimit -n) -gt $((CONNS + 100)) ]] ||
  echo "connections: warning: open-file limit $(ulimit -n) is below $CONNS connections" >&2

if [[ -z ${KB_AGENT:-} ]]; then
  command -v swift >/dev/null || PATH=/opt/swift/usr/bin:$PATH
  swift build -c release --product kb-agent >&2
fi

ngx=$(mktemp -d /tmp/kb-conns.XXXXXX)
agent=""
on_exit() {
  if [[ -n $agent ]] && kill -0 "$agent" 2>/dev/null; then
    kill -TERM "$agent" 2>/dev/null || true
    sleep 2
    kill -KILL "$agent" 2>/dev/null || true
  fi
  scripts/nginx.sh stop "$ngx" || true
  rm -rf "$ngx"
}
trap on_exit EXIT
trap 'exit 130' INT TERM
port=$(scripts/nginx.sh start "$ngx" --workers 2 --worker-connections 12000 --reuseport |
  sed -n 's/^PORT=//p')
url=http://127.0.0.1:$port/

# measure N: runs kb-agent with N connections; writes "rss_kB errors requests nginx_active" to
# $OUT/cN.result (not to stdout: a subshell would hide $agent from the exit trap).
measure() {
  local n=$1 out="$OUT/c$1" rss active end
  "$AGENT" load "$url" -c "$n" -t 2 -d "${DURATION}s" -R "$RATE" --source "$SOURCES" --json \
    >"$out.json" 2>"$out.err" &
  agent=$!
  sleep "$SAMPLE_AT"
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$agent/status" 2>/dev/null) ||
    { echo "connections: kb-agent -c $n ended before ${SAMPLE_AT}s, see $out.err" >&2; return 1; }
  active=$(python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=5).read().split()[2].decode())' "${url}nginx_status")
  end=$((SECONDS + DURATION + 30))
  while kill -0 "$agent" 2>/dev/null; do
    ((SECONDS < end)) || { echo "connections: kb-agent -c $n did not end in time" >&2; return 1; }
    sleep 0.5
  done
  wait "$agent" || { echo "connections: kb-agent -c $n failed, see $out.err" >&2; return 1; }
  agent=""
  python3 -c 'import json, sys
j = json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1])
print(sys.argv[2], sum(j["errors"].values()), j["requests"], sys.argv[3])' "$out.json" "$rss" "$active" \
    >"$out.result"
}

echo "connections: nginx $url (2 workers, reuseport); -c $CONNS, then -c $BASE; raw output in $OUT" >&2
measure "$CONNS"
measure "$BASE"
read -r rss_n err_n req_n act_n <"$OUT/c$CONNS.result"
read -r rss_b err_b req_b act_b <"$OUT/c$BASE.result"
python3 - "$CONNS" "$BASE" "$rss_n" "$rss_b" "$err_n" "$err_b" "$req_n" "$req_b" "$act_n" "$act_b" <<'EOF'
import sys
n, b, rss_n, rss_b, err_n, err_b, req_n, req_b, act_n, act_b = map(int, sys.argv[1:])
print(f"{'connections':24}{n:>12}{b:>12}")
print(f"{'nginx active at sample':24}{act_n:>12}{act_b:>12}")
print(f"{'requests':24}{req_n:>12}{req_b:>12}")
print(f"{'errors (must be 0)':24}{err_n:>12}{err_b:>12}")
print(f"{'kb-agent VmRSS (kB)':24}{rss_n:>12}{rss_b:>12}")
print(f"bytes per connection: {(rss_n - rss_b) * 1024 / (n - b):.0f}")
EOF
((err_n == 0 && err_b == 0)) || { echo "connections: errors are not 0" >&2; exit 1; }
