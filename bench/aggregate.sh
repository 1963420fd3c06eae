#!/usr/bin/env bash
# Decode + merge of N agents' one-second interval histograms as the controller does it, for
# N = 1,000 and 10,000, on one thread. Goal: 10,000 agents (2,000 samples each) in under 50 ms.
#   bench/aggregate.sh [REQUESTS_PER_AGENT_INTERVAL ...]   (default: 2000 and 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
swift build -c release --product kb-bench-aggregate >/dev/null
for n in "${@:-2000 20000}"; do
  for requests in $n; do .build/release/kb-bench-aggregate "$requests"; echo; done
done
