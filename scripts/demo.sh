#!/usr/bin/env bash
# A 10-second kb-agent load against a local nginx that this script starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

AGENT=${KB_AGENT:-.build/release/kb-agent}
[[ -x $AGENT ]] || { echo "demo.sh: $AGENT not found; run 'make build' first" >&2; exit 1; }

dir=$(mktemp -d /tmp/kb-demo.XXXXXX)
cleanup() { scripts/nginx.sh stop "$dir" || true; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(scripts/nginx.sh start "$dir" --workers 1 | sed -n 's/^PORT=//p')
url=http://127.0.0.1:$port/
echo "demo: nginx on $url; kb-agent load -c 50 -t 2 -d 10s --interval 1s"
"$AGENT" load "$url" -c 50 -t 2 -d 10s --interval 1s
