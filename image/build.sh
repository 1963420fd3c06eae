#!/usr/bin/env bash
# `make image`: builds the KloudBuster agent VM image, image/out/kloudbuster-agent-<version>.qcow2,
# with its package manifest (.manifest) and checksum (.sha256) beside it.
#
# Two layers, so that changing the agent does not rebuild an operating system:
#   base   Debian bookworm built by diskimage-builder from the elements in image/elements
#          (debian-minimal, vm, kb-agent: nginx, libzmq5, libsodium23, libdeflate0, the kb-agent
#          unit, DHCP), cached in $KB_IMAGE_CACHE keyed by everything it is made from (the
#          elements' files, diskimage-builder's version, the release and the mirrors);
#   agent  kb-agent built with --static-swift-stdlib and stripped (cached the same way, keyed by
#          the toolchain, the C headers' packages, the manifest, the resolved dependencies and
#          the agent's sources), copied into a copy of the base; its shared libraries are
#          checked against the image's packages there.
#
# Everything downloaded comes from the Debian mirror apt is configured with on this machine
# and from PyPI (diskimage-builder). Needs root (loop devices, chroot) and about 3 GB free in
# the cache folder. Options (environment):
#   KB_IMAGE_CACHE  cache folder (default /var/cache/kloudbuster-image; outside the clone so a
#                   new clone reuses it)
#   KB_IMAGE_OUT    output folder (default image/out)
#   KB_IMAGE_REBUILD_BASE=1  ignore a cached base
#   KB_IMAGE_REBUILD_AGENT=1  ignore a cached kb-agent
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

cache=${KB_IMAGE_CACHE:-/var/cache/kloudbuster-image}
out=${KB_IMAGE_OUT:-$root/image/out}
dib_version=3.43.0
release=bookworm
export PATH=/opt/swift/usr/bin:$PATH:/usr/sbin:/sbin

say() { printf 'image: %s\n' "$*" >&2; }
fail() { printf 'image: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }
started=$(now)

[[ $(id -u) == 0 ]] || fail "needs root (loop devices, mounts and a chroot); run as root"
scripts/deps.sh
mkdir -p "$cache" "$out"

# The mirrors apt uses here: deb822 .sources files or one-line sources.list entries.
apt_uris() {
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p' || true
      cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' || true
    } | tr ' ' '\n' | sed '/^$/d'
    return 0
}
mirror=$(apt_uris | grep -v -- '-security' | head -n 1)
security=$(apt_uris | grep -- '-security' | head -n 1)
[[ -n $mirror ]] || fail "no Debian mirror in /etc/apt/sources.list{,.d}: the image is built only from the mirror this machine uses"
security=${security:-$mirror-security}

work=$(mktemp -d "$cache/work.XXXXXX")
loop= mnt= base_pid=
cleanup() {
    set +e
    [[ -n $base_pid ]] && kill "$base_pid" 2>/dev/null && wait "$base_pid"
    [[ -n $mnt ]] && mountpoint -q "$mnt" && umount -R "$mnt"
    [[ -n $loop ]] && losetup -d "$loop" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# --- the base ----------------------------------------------------------------------------------
key=$( { echo "dib $dib_version $release $mirror $security"
         (cd image && find elements stand-ins -type f -print0 | sort -z | xargs -0 sha256sum)
         sed -n '/^# base-recipe-begin/,/^# base-recipe-end/p' image/build.sh
       } | sha256sum | cut -c1-16)
base=$cache/base-$release-$key.qcow2
build_base() {
    say "building the base image with diskimage-builder $dib_version (a few minutes; log: $cache/base-$key.log)"
    base_started=$(now)
    venv=$cache/dib-$dib_version
    if [[ ! -x $venv/bin/disk-image-create ]]; then
        rm -rf "$venv"
        /usr/bin/python3 -m venv "$venv"
        "$venv/bin/pip" install -q "diskimage-builder==$dib_version" >&2
    fi
    # base-recipe-begin (part of the cache key)
    export DIB_RELEASE=$release
    export DIB_DISTRIBUTION_MIRROR=$mirror
    export DIB_DEBIAN_SECURITY_MIRROR=${security%/}
    export DIB_IMAGE_CACHE=$cache/dib-cache
    export DIB_DEBOOTSTRAP_CACHE=1
    export DIB_APT_LOCAL_CACHE=1
    export DIB_GRUB_TIMEOUT=0
    export DIB_GRUB_TIMEOUT_STYLE=hidden
    export DIB_DEBIAN_COMPONENTS=main
    export DIB_BLOCK_DEVICE=mbr
    export ELEMENTS_PATH=$root/image/elements
    export TMPDIR=$work
    elements=(debian-minimal vm block-device-mbr kb-agent)
    # base-recipe-end
    # This kernel has no device-mapper: image/stand-ins maps kpartx onto loop partitions.
    PATH=$root/image/stand-ins:$venv/bin:$PATH \
        disk-image-create -a amd64 -t qcow2 --no-tmpfs -o "$work/base" "${elements[@]}" \
        > "$cache/base-$key.log" 2>&1 \
        || { tail -n 30 "$cache/base-$key.log" >&2; fail "diskimage-builder failed; its log: $cache/base-$key.log"; }
    mv "$work/base.qcow2" "$base.tmp" && mv "$base.tmp" "$base"
    # Older bases are of no use to anyone: keep the one just built.
    find "$cache" -maxdepth 1 -name 'base-*.qcow2' ! -name "${base##*/}" -delete
    say "base image built in $(( $(now) - base_started )) s"
}
if [[ -s $base && ${KB_IMAGE_REBUILD_BASE:-0} != 1 ]]; then
    say "base image cached: $base"
    true & base_pid=$!
else
    build_base & base_pid=$!
fi


# --- the agent (while the base builds: it does not need the agent) -----------------------------
# Cached too, keyed by everything the binary is made from: the toolchain, the C libraries'
# headers, the manifest and the resolved dependencies, and the sources of kb-agent's targets.
# Building it takes minutes of both CPUs, which `make test` also needs for the tests. The
# resolved dependencies count by identity and revision: Package.resolved's bytes differ between
# checkouts that resolved the same versions (a pin's URL with or without .git, its originHash).
swift package resolve --scratch-path .build-static >&2
agent_key=$( { swift --version 2>&1
               dpkg-query -W -f '${Package} ${Version}\n' libzmq3-dev libsodium-dev libssl-dev zlib1g-dev libdeflate-dev 2>&1 || true
               sha256sum Package.swift
               python3 -c 'import json
for pin in sorted(json.load(open("Package.resolved"))["pins"], key=lambda p: p["identity"]):
    print(pin["identity"], pin["state"].get("revision"), pin["state"].get("version"))'
               find Sources/Agent Sources/Proto Sources/CHttpGen Sources/CZlib Sources/CDeflate Sources/CZeroMQ Sources/CCrypto Sources/kb-agent \
                    -type f -print0 | sort -z | xargs -0 sha256sum
             } | sha256sum | cut -c1-16)
cached_agent=$cache/kb-agent-$agent_key
if [[ -x $cached_agent && ${KB_IMAGE_REBUILD_AGENT:-0} != 1 ]]; then
    say "kb-agent cached: $cached_agent"
else
    say "building kb-agent (release, static Swift runtime)"
    swift build -c release --static-swift-stdlib --product kb-agent --scratch-path .build-static >&2
    built=$(swift build -c release --static-swift-stdlib --product kb-agent --scratch-path .build-static --show-bin-path)/kb-agent
    strip -o "$cached_agent.tmp" "$built"
    mv "$cached_agent.tmp" "$cached_agent"
    find "$cache" -maxdepth 1 -name 'kb-agent-*' ! -name "${cached_agent##*/}" -delete
fi
cp "$cached_agent" "$work/kb-agent"
version=$("$work/kb-agent" --version | awk '{print $NF}')
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || fail "kb-agent --version printed '$version', not a version"
name=kloudbuster-agent-$version
if ! wait "$base_pid"; then
    base_pid=
    fail "the base image could not be built (above)"
fi
base_pid=

# --- the agent into a copy of the base ---------------------------------------------------------
say "installing kb-agent $version into a copy of the base"
qemu-img convert -O raw "$base" "$work/disk.raw"
loop=$(losetup --show -f -P "$work/disk.raw")
part=${loop}p1
partx -u "$loop" 2>/dev/null || true
if [[ ! -b $part ]]; then
    sys=/sys/block/${loop#/dev/}/${loop#/dev/}p1/dev
    [[ -e $sys ]] || fail "the base image has no first partition on $loop"
    mknod "$part" b "$(cut -d: -f1 "$sys")" "$(cut -d: -f2 "$sys")"
fi
mnt=$work/root
mkdir -p "$mnt"
mount "$part" "$mnt"
install -m 0755 "$work/kb-agent" "$mnt/usr/local/bin/kb-agent"

# Every library kb-agent loads must come from a package of the image.
mount --bind /proc "$mnt/proc"
libraries=$(chroot "$mnt" ldd /usr/local/bin/kb-agent)
umount "$mnt/proc"
if grep -q 'not found' <<<"$libraries"; then
    fail "kb-agent needs libraries the image lacks:"$'\n'"$(grep 'not found' <<<"$libraries")"
fi
owners=()
while read -r path; do
    owner=$(chroot "$mnt" dpkg -S "$(chroot "$mnt" readlink -f "$path")" 2>/dev/null | cut -d: -f1 | head -n 1) \
        || owner=$(chroot "$mnt" dpkg -S "$path" 2>/dev/null | cut -d: -f1 | head -n 1) || true
    [[ -n $owner ]] || fail "kb-agent loads $path, which no package of the image owns"
    owners+=("$path $owner")
done < <(awk '/=>/ {print $3} !/=>/ && $1 ~ /^\// {print $1}' <<<"$libraries")
chroot "$mnt" dpkg-query -W -f '${Package} ${Version}\n' | sort > "$work/$name.manifest"
shadow_bad=$(awk -F: '$2 !~ /^[!*]*$/ {print $1}' "$mnt/etc/shadow")
[[ -z $shadow_bad ]] || fail "accounts with a password in the image: $shadow_bad"
# Blocks the build freed hold old data; trimmed, the loop device punches holes in disk.raw.
fstrim "$mnt" 2>/dev/null || true
umount "$mnt"
losetup -d "$loop"
loop=

# Compressed (as diskimage-builder makes the base): a third of the size to upload and copy;
# reads decompress in qemu's block layer, which costs a VM under TCG nothing measurable.
# -m/-W: compress on every CPU (about twice as fast here).
qemu-img convert -c -m 8 -W -O qcow2 "$work/disk.raw" "$work/$name.qcow2"
(cd "$work" && sha256sum "$name.qcow2" > "$name.qcow2.sha256")
printf '%s\n' "${owners[@]}" > "$work/$name.libraries"
mv "$work/$name.manifest" "$work/$name.libraries" "$work/$name.qcow2.sha256" "$out/"
mv "$work/$name.qcow2" "$out/"
ln -sfn "$name.qcow2" "$out/kloudbuster-agent.qcow2"
size=$(du -m --apparent-size "$out/$name.qcow2" | cut -f1)
say "$out/$name.qcow2: $size MiB, $(wc -l < "$out/$name.manifest") packages, built in $(( $(now) - started )) s"
echo "$out/$name.qcow2"
