#!/usr/bin/env bash
# Installs what the build, the tests and the benchmarks need on Debian 12, as root.
# Idempotent and silent when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(nginx wrk curl libcurl4-openssl-dev libssl-dev zlib1g-dev libdeflate-dev libzmq3-dev libsodium-dev libsqlite3-dev libmariadb-dev pkg-config openssl python3-venv procps iproute2)
# The agent image (image/build.sh: diskimage-builder's tools) and the qemu cloud (VMs, config
# drives, the per-connection forward to the controller, DHCP on the run's bridge).
PACKAGES+=(qemu-utils qemu-system-x86 debootstrap fdisk sudo genisoimage socat dnsmasq-base systemd)
# The HTML report's and the web UI's browser tests (headless chromium; selenium drives the UI).
PACKAGES+=(chromium chromium-driver)

# apt_retry CMD...: re-run while another apt/dpkg holds its lock, for at most 5 minutes.
apt_retry() {
  local end=$((SECONDS + 300)) out
  until out=$("$@" 2>&1); do
    if ! grep -qiE 'could not get lock|unable to acquire|is another process using it' <<<"$out"; then
      echo "$out" >&2
      return 1
    fi
    ((SECONDS < end)) || { echo "deps.sh: apt lock still held after 5 minutes" >&2; return 1; }
    sleep 5
  done
}

missing=()
for p in "${PACKAGES[@]}"; do
  # nginx-light (which pulls nginx) is as good as nginx.
  [[ $p == nginx ]] && dpkg -s nginx-light >/dev/null 2>&1 && continue
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || { echo "deps.sh: missing ${missing[*]}; run as root to install" >&2; exit 1; }
  echo "deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The nginx package would start a system nginx on port 80; tests start their own.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
    trap 'exit 130' INT TERM
  fi
  apt_retry apt-get update -q
  apt_retry apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ -x scripts/python-env.sh ]]; then
  scripts/python-env.sh
elif [[ -f scripts/python-env.sh ]]; then
  bash scripts/python-env.sh
fi

if ! command -v swift >/dev/null && [[ ! -x /opt/swift/usr/bin/swift ]]; then
  echo "deps.sh: swift not found on PATH nor in /opt/swift/usr/bin; install a Swift 6 toolchain" >&2
  echo "         (https://www.swift.org/install/linux/) and put its usr/bin on PATH" >&2
  exit 1
fi
