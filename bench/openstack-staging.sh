#!/usr/bin/env bash
# Staging time of VMS VMs on the loopback OpenStack harness at vm_creation_concurrency CONC,
# against the same VMs created one at a time, in one invocation (bench/README.md).
# Needs the harness up (scripts/openstack-local.sh up); starts the VM simulator itself.
set -euo pipefail
cd "$(dirname "$0")/.."

VMS=${VMS:-20}          # servers + clients
CONC=${CONC:-10}
OUT=${OUT:-bench/out/openstack-staging}
KB=${KB:-.build/release/kloudbuster}
AGENT=${KB_AGENT:-.build/release/kb-agent}

[[ -f .openstack/admin-openrc.sh ]] || { echo "the harness is not up: scripts/openstack-local.sh up" >&2; exit 1; }
if [[ ! -x $KB || ! -x $AGENT ]]; then
    swift build -c release --product kloudbuster >&2
    swift build -c release --product kb-agent >&2
fi
mkdir -p "$OUT"
# shellcheck disable=SC1091 # the simulator authenticates from the OS_* environment
source .openstack/admin-openrc.sh
per_network=$((VMS / 4))   # 1 tenant × 1 router × 2 networks per side
head -c 1048576 /dev/zero > "$OUT/agent.img"

python3 scripts/openstack/vm_simulator.py --agent-binary "$AGENT" --state-dir "$OUT/vms" --log "$OUT/simulator.log" \
    > "$OUT/simulator.out" 2>&1 &
sim=$!
trap 'kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true' EXIT

stage() {   # stage CONCURRENCY -> prints the staging seconds
    local conc=$1
    cat > "$OUT/c$conc.yaml" <<YAML
vm_image_file: $OUT/agent.img
vm_creation_concurrency: $conc
server:
  flavor: {vcpus: 1, ram: 512, disk: 1}
  number_tenants: 1
  routers_per_tenant: 1
  networks_per_router: 2
  vms_per_network: $per_network
client:
  flavor: {vcpus: 1, ram: 512, disk: 1}
  http_tool_configs: {duration: 2, rate_limit: 10, connections: 2}
YAML
    "$KB" run --cloud openstack --rc .openstack/admin-openrc.sh -c "$OUT/c$conc.yaml" --state-dir "$OUT/state" \
        > "$OUT/c$conc.log" 2>&1 || { echo "run at concurrency $conc failed, see $OUT/c$conc.log" >&2; tail -5 "$OUT/c$conc.log" >&2; }
    grep -oE 'staged [0-9]+ tenant\(s\) and [0-9]+ VM\(s\) in [0-9.]+ s' "$OUT/c$conc.log" | grep -oE '[0-9.]+ s$' | tr -d ' s'
}

parallel=$(stage "$CONC")
serial=$(stage 1)
echo "VMs staged: $((per_network * 4)) (tenants, users, networks, routers, security groups included)"
printf 'concurrency %-3s %8.1f s\n' "$CONC" "$parallel"
printf 'concurrency 1   %8.1f s\n' "$serial"
awk -v a="$serial" -v b="$parallel" 'BEGIN { printf "speed-up        %8.2fx\n", a / b }'
