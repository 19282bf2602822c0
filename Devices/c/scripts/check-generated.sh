#!/usr/bin/env bash
# Fails if the committed protobuf-c code in Devices/c/generated/ differs from what scripts/generate.sh makes.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
scripts/generate.sh >/dev/null
if ! git diff --exit-code --stat -- generated || [ -n "$(git status --porcelain -- generated)" ]; then
    echo "error: Devices/c/generated does not match Proto/; run Devices/c/scripts/generate.sh and commit it." >&2
    exit 1
fi
echo "Device C code matches Proto/."
