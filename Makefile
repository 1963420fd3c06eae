# make run | test | build | deps | bench | clean. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# The toolchain lives in /opt/swift on the project's machines; use it when swift is not on PATH.
ifeq ($(shell command -v swift 2>/dev/null),)
export PATH := /opt/swift/usr/bin:$(PATH)
endif

# Serial: suites that time things (rates, stalls, start times) must not compete with others
# for the two cooperative threads of this machine; it costs about 20 s.
SWIFT_TEST_FLAGS ?= --no-parallel
TEST_LOG ?= .run/test.log

.PHONY: deps build image run demo-load test bench clean

deps:
	scripts/deps.sh

build: deps
	swift build -c release --product kb-agent
	swift build -c release --product kloudbuster

# The agent VM image, image/out/kloudbuster-agent-<version>.qcow2 (root; see image/build.sh).
image: deps
	image/build.sh

# The default local scale test: nginx servers and CHttpGen clients as agent processes on
# loopback addresses, joined over ZeroMQ; everything it starts is deleted at the end.
run: deps build
	.build/release/kloudbuster run

# kb-agent load on its own against a local nginx, the way one runs wrk.
demo-load: deps build
	scripts/demo.sh

# Builds the tests and the agent image while the OpenStack harness (scripts/openstack-local.sh)
# comes up, runs every test against them (VM tests boot the image), brings the harness down.
# Everything printed also goes to $(TEST_LOG).
test: deps
	TEST_LOG=$(TEST_LOG) SWIFT_TEST_FLAGS="$(SWIFT_TEST_FLAGS)" scripts/test.sh

bench: deps
	bench/httpgen-vs-wrk.sh

clean:
	rm -rf .build .run bench/out
