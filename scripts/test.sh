#!/usr/bin/env bash
# `make test`: build the tests and the agent image (image/build.sh) while the OpenStack and
# Octavia harnesses come up, run every test against them (KB_REQUIRE_OPENSTACK=1,
# KB_REQUIRE_OCTAVIA=1, KB_REQUIRE_QEMU=1, KB_REQUIRE_BROWSER=1, KB_REQUIRE_CHROMIUM=1: a missing harness, image or
# browser fails its tests instead of skipping them), and bring both harnesses down whatever
# happened. Everything printed also goes to $TEST_LOG.
set -euo pipefail
cd "$(dirname "$0")/.."

log=${TEST_LOG:-.run/test.log}
flags=${SWIFT_TEST_FLAGS:---no-parallel}
mkdir -p "$(dirname "$log")" .run

scripts/openstack-local.sh up > .run/openstack-up.out 2> .run/openstack-up.log &
openstack_pid=$!
scripts/octavia-local.sh up > .run/octavia-up.out 2> .run/octavia-up.log &
octavia_pid=$!
image/build.sh > .run/image.out 2> .run/image.log &
image_pid=$!
stop_harnesses() {
    kill "$openstack_pid" "$octavia_pid" "$image_pid" 2>/dev/null || true
    scripts/openstack-local.sh down > .run/openstack-down.log 2>&1 || true
    scripts/octavia-local.sh down > .run/octavia-down.log 2>&1 || true
}
trap stop_harnesses EXIT

swift build --build-tests 2>&1 | tee "$log"
for harness in openstack octavia; do
    pid_var=${harness}_pid
    if ! wait "${!pid_var}"; then
        echo "test.sh: the $harness harness did not come up; the end of its log (.run/$harness-up.log):" | tee -a "$log"
        tail -n 40 ".run/$harness-up.log" | tee -a "$log"
        exit 1
    fi
done
if ! wait "$image_pid"; then
    echo "test.sh: the agent image could not be built; the end of its log (.run/image.log):" | tee -a "$log"
    tail -n 40 .run/image.log | tee -a "$log"
    exit 1
fi
tail -n 2 .run/image.log | tee -a "$log"
# shellcheck disable=SC1091 # written by octavia-local.sh up: OCTAVIA_DB_URL, OCTAVIA_HM, ...
source .run/octavia-up.out
# shellcheck disable=SC2086 # flags are words
KB_REQUIRE_OPENSTACK=1 KB_REQUIRE_OCTAVIA=1 KB_REQUIRE_QEMU=1 KB_REQUIRE_BROWSER=1 KB_REQUIRE_CHROMIUM=1 KB_AGENT_IMAGE=$PWD/image/out/kloudbuster-agent.qcow2 \
    swift test $flags 2>&1 | tee -a "$log"
