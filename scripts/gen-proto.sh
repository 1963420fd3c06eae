#!/usr/bin/env bash
# Regenerates Sources/Proto/Wire/Generated/*.pb.swift from Sources/Proto/Wire/Schema/*.proto.
#   scripts/gen-proto.sh
# Run by hand after editing the .proto, then commit both files; CI never runs it (the generated
# file is committed so builds need neither protoc nor the plugin).
#
# protoc comes from Debian (protobuf-compiler). protoc-gen-swift must match the SwiftProtobuf
# runtime the package resolves, so it is built from the local mirror at that exact tag, once,
# into the git-ignored .build-protoc/ (about 10 minutes on a 2-core machine); later runs reuse it.
set -euo pipefail

SWIFT_PROTOBUF_TAG=1.39.0
MIRROR=${SWIFT_PROTOBUF_MIRROR:-/opt/swift-packages/apple/swift-protobuf.git}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="$ROOT/.build-protoc"
SRC="$WORK/src"
PLUGIN="$SRC/.build/release/protoc-gen-swift"
WIRE="$ROOT/Sources/Proto/Wire"

die() { echo "gen-proto.sh: $*" >&2; exit 1; }

if ! command -v protoc >/dev/null; then
  # dpkg's lock may be held by another install running on this machine; wait a bounded time.
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if apt-get install -y protobuf-compiler >/dev/null; then break; fi
    [[ $attempt == 10 ]] && die "could not install protobuf-compiler (apt-get failed 10 times)"
    sleep 15
  done
fi

if [[ ! -x $PLUGIN ]] || [[ $("$PLUGIN" --version 2>/dev/null) != *"$SWIFT_PROTOBUF_TAG"* ]]; then
  [[ -d $SRC/.git ]] || git clone --quiet "$MIRROR" "$SRC" || die "cannot clone $MIRROR"
  git -C "$SRC" fetch --quiet --tags 2>/dev/null || true
  git -C "$SRC" checkout --quiet "$SWIFT_PROTOBUF_TAG" \
    || die "tag $SWIFT_PROTOBUF_TAG not in $SRC; update the mirror or SWIFT_PROTOBUF_TAG"
  echo "gen-proto.sh: building protoc-gen-swift $SWIFT_PROTOBUF_TAG (about 10 minutes)" >&2
  (cd "$SRC" && swift build -c release --product protoc-gen-swift)
fi

# One .pb.swift per .proto, so each stays a readable size; stale outputs go first.
rm -f "$WIRE/Generated/"*.pb.swift
mkdir -p "$WIRE/Generated"
protoc \
  --plugin=protoc-gen-swift="$PLUGIN" \
  --swift_opt=Visibility=Public \
  --swift_out="$WIRE/Generated" \
  -I "$WIRE/Schema" \
  "$WIRE/Schema/"*.proto

echo "gen-proto.sh: wrote $(cd "$WIRE/Generated" && echo *.pb.swift) in $WIRE/Generated" >&2
