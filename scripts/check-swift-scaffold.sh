#!/usr/bin/env bash
# Proves `govcase adapters new <id> --language swift` end to end, as a plugin author would use it: scaffolds a
# plugin into a new folder, builds the package (its own build of GovCasePluginKit and the gRPC stack: several
# minutes the first time), runs its vector tests, starts it alone with `govcase adapters check`, and runs the
# conformance kit's adapter role on it with its vectors (every case must pass: none failed, none skipped).
# The test command (scripts/test.sh) runs it after the Swift tests; GOVCASE_SWIFT_SCAFFOLD=0 skips it there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

swift build --product govcase >/dev/null
govcase="$(swift build --show-bin-path)/govcase"
# protoc-gen-swift generates the record's code; scripts/generate-protos.sh (run by check-generated) builds it.
[ -x .build-protoc/debug/protoc-gen-swift ] ||
    swift build -q --package-path scripts/protoc-plugins --scratch-path .build-protoc --product protoc-gen-swift

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$govcase" adapters new city-swift --language swift --checkout "$root" --out "$work/city-swift"
cd "$work/city-swift"
swift build
swift test
"$govcase" adapters check manifest.yaml
status=0
"$govcase" conformance run --role adapter --manifest manifest.yaml --vectors vectors --report "$work/report" || status=$?
python3 - "$work/report/report.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
failed = [r["id"] + ": " + r["seen"] for r in results if r["outcome"] == "failed"]
passed = sum(r["outcome"] == "passed" for r in results)
skipped = [r["id"] + ": " + r["seen"] for r in results if r["outcome"] == "skipped"]
print(f"conformance: {passed} passed, {len(skipped)} skipped, {len(failed)} failed")
sys.exit("\n".join(failed + skipped) if failed or skipped else 0)
PY
echo "the Swift scaffold builds, passes its vectors, starts and passes every conformance case (kit exit $status)"
