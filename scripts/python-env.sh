#!/usr/bin/env bash
# Creates <repo>/.venv with the Python `hdrhistogram` package, the reference implementation the
# Proto tests cross-check our HdrHistogram against, and selenium for the web UI's browser test
# (Tests/Browser/requirements.txt). Idempotent; silent on success.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
version="0.10.8"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi

if ! "$venv/bin/python" -c "import hdrh.histogram, hdrh.log" >/dev/null 2>&1 \
    || [[ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("hdrhistogram"))' 2>/dev/null)" != "$version" ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "hdrhistogram==$version"
fi

# The browser test's packages, pinned; reinstalled when the pinned selenium is not the one there.
requirements="$repo/Tests/Browser/requirements.txt"
selenium=$(sed -n 's/^selenium==//p' "$requirements")
if [[ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("selenium"))' 2>/dev/null)" != "$selenium" ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
fi
