#!/usr/bin/env bash
# Creates <repo>/.venv with the Python packages the tests check against: `hdrhistogram` (the
# reference HdrHistogram the Proto tests cross-check ours with), `schemathesis` (fuzzes the
# server against docs/openapi.yaml), `prometheus_client` (parses /metrics) and selenium (drives the
# web UI in chromium). Pinned;
# idempotent; silent on success.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
pins=(hdrhistogram==0.10.8 schemathesis==4.32.5 prometheus_client==0.26.0)

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi

missing=()
for pin in "${pins[@]}"; do
    name="${pin%%==*}"
    want="${pin##*==}"
    have="$("$venv/bin/python" -c "import importlib.metadata as m; print(m.version('$name'))" 2>/dev/null || true)"
    [[ "$have" == "$want" ]] || missing+=("$pin")
done
if ((${#missing[@]})); then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}"
fi

# The web UI's browser test: selenium, pinned with its dependencies (Tests/Browser/requirements.txt).
requirements="$repo/Tests/Browser/requirements.txt"
selenium=$(sed -n 's/^selenium==//p' "$requirements")
if [[ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("selenium"))' 2>/dev/null)" != "$selenium" ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
fi
