#!/usr/bin/env bash
# Fails if the committed generated Swift differs from what scripts/generate-protos.sh makes from Proto/
# (and proves protoc compiles every proto with no warnings: the generator runs with --fatal_warnings).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/generate-protos.sh
if ! git diff --exit-code --stat -- Sources/GovCaseProto || [ -n "$(git status --porcelain -- Sources/GovCaseProto)" ]; then
    echo "error: the generated code in Sources/GovCaseProto does not match Proto/; commit the regenerated files." >&2
    exit 1
fi
echo "Generated code matches Proto/."
