#!/usr/bin/env bash
# Fails if the committed generated Swift or Python differs from what scripts/generate-protos.sh makes from Proto/
# (and proves protoc compiles every proto with no warnings: the generator runs with --fatal_warnings).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/generate-protos.sh
generated=(Sources/GovCaseProto Plugins/sdk/python/govcase Plugins/examples/province-json/province_json_pb2.py)
if ! git diff --exit-code --stat -- "${generated[@]}" || [ -n "$(git status --porcelain -- "${generated[@]}")" ]; then
    echo "error: the generated code in ${generated[*]} does not match Proto/; commit the regenerated files." >&2
    exit 1
fi
echo "Generated code matches Proto/."
# The device library's protobuf-c code (protoc-c from apt), likewise.
Devices/c/scripts/check-generated.sh
