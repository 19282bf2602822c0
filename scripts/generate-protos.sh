#!/usr/bin/env bash
# Regenerates the committed Swift code for every contract in Proto/, reproducibly:
#   1. installs protoc (Debian's protobuf-compiler) if missing;
#   2. builds protoc-gen-swift and protoc-gen-grpc-swift-2 from the mirrored packages into .build-protoc/;
#   3. regenerates Sources/GovCaseProto/Generated, its descriptor set and Proto/CHECKSUM;
#   4. regenerates the Python of the govcase.* contracts for plugin authors, in Plugins/sdk/python/govcase,
#      with grpcio-tools pinned in Plugins/sdk/python/requirements.txt (grpc.* comes from grpcio's own packages).
# Run from anywhere; re-running on unchanged protos changes nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! command -v protoc >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq protobuf-compiler >/dev/null
fi

tools="$root/.build-protoc"
for product in protoc-gen-swift protoc-gen-grpc-swift-2; do
    swift build -q --package-path scripts/protoc-plugins --scratch-path "$tools" --product "$product"
done
bin=$(swift build --package-path scripts/protoc-plugins --scratch-path "$tools" --show-bin-path)

out=Sources/GovCaseProto/Generated
rm -rf "$out" && mkdir -p "$out"
# Sorted, relative paths keep the output independent of the checkout's location and file order.
mapfile -t protos < <(cd Proto && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)

(cd Proto && protoc \
    --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
    --plugin=protoc-gen-grpc-swift="$bin/protoc-gen-grpc-swift-2" \
    --swift_out="$root/$out" \
    --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
    --grpc-swift_out="$root/$out" \
    --grpc-swift_opt=Visibility=Public,FileNaming=PathToUnderscores,Client=true,Server=true \
    --fatal_warnings \
    "${protos[@]}")

# The gRPC generator writes a file for every proto; keep only those with services.
grep -l 'This file contained no services' "$out"/*.grpc.swift | xargs -r rm

# The descriptor set serves gRPC reflection: swift-protobuf keeps no descriptors at run time.
mkdir -p Sources/GovCaseProto/Resources
(cd Proto && protoc --include_imports \
    --descriptor_set_out="$root/Sources/GovCaseProto/Resources/descriptors.pb" "${protos[@]}")

# The manifest ties the generated code to the protos it came from; a test recomputes it.
{
    echo "// DO NOT EDIT. Written by scripts/generate-protos.sh."
    echo "// SHA-256 of each proto file the code in this folder was generated from."
    echo "public enum GeneratedProtoManifest {"
    echo "    /// Proto path (relative to Proto/) → SHA-256 of its contents."
    echo "    public static let sha256: [String: String] = ["
    for f in "${protos[@]}"; do
        echo "        \"$f\": \"$(sha256sum "Proto/$f" | cut -d' ' -f1)\","
    done
    echo "    ]"
    echo "}"
} > "$out/GeneratedProtoManifest.swift"
echo "Generated $(ls "$out" | wc -l) Swift files from ${#protos[@]} protos."

if ! python3 -c 'import grpc_tools' 2>/dev/null; then
    echo "error: grpcio-tools is missing: python3 -m pip install -r Plugins/sdk/python/requirements.txt" >&2
    exit 1
fi
py=Plugins/sdk/python
rm -rf "$py/govcase"
mapfile -t govcase_protos < <(printf '%s\n' "${protos[@]}" | grep '^govcase/')
(cd Proto && python3 -m grpc_tools.protoc -I. --python_out="$root/$py" --grpc_python_out="$root/$py" \
    "${govcase_protos[@]}")
# Keep only the gRPC modules of files with services, like the Swift above.
find "$py/govcase" -name '*_pb2_grpc.py' -exec grep -L 'Stub' {} + | xargs -r rm
echo "Generated $(find "$py/govcase" -name '*.py' | wc -l) Python files from ${#govcase_protos[@]} protos."

# The example plugin's own source format.
(cd Plugins/examples/province-json && python3 -m grpc_tools.protoc -I. --python_out=. province_json.proto)
