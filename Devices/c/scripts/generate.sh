#!/usr/bin/env bash
# Regenerates the committed protobuf-c code in Devices/c/generated/ from the contracts in Proto/ (and the
# well-known types and google.rpc subset the device needs). protoc-c comes from Debian's protobuf-c-compiler.
# Re-running on unchanged protos changes nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
if ! command -v protoc-c >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq protobuf-c-compiler libprotobuf-c-dev >/dev/null
fi
# The well-known types ship as .proto files with protoc (protobuf-compiler's /usr/include).
wkt=$(dirname "$(command -v protoc)")/../include
[ -f "$wkt/google/protobuf/timestamp.proto" ] || wkt=/usr/include
out=generated
rm -rf "$out" && mkdir -p "$out"
# What a device sends and reads: the ingest service's messages and everything they import.
contracts=(
    govcase/gateway/v1/ingest.proto
    govcase/core/v1/violation.proto
    govcase/sources/national/v1/national.proto
    govcase/sources/culturetourism/v1/culturetourism.proto
    govcase/sources/hotline12345/v1/hotline12345.proto
)
protoc-c -I"$root/Proto" -I"$wkt" --c_out="$out" "${contracts[@]}"
protoc-c -I"$wkt" --c_out="$out" google/protobuf/timestamp.proto google/protobuf/any.proto
protoc-c -Iproto -I"$wkt" --c_out="$out" google/rpc/status.proto
{
    echo "# SHA-256 of each proto the code in this folder was generated from; written by scripts/generate.sh."
    echo "protoc-c $(protoc-c --version 2>&1 | head -1 | awk '{print $NF}')"
    for f in "${contracts[@]}"; do echo "$(sha256sum "$root/Proto/$f" | cut -d' ' -f1)  Proto/$f"; done
    echo "$(sha256sum proto/google/rpc/status.proto | cut -d' ' -f1)  Devices/c/proto/google/rpc/status.proto"
} > "$out/MANIFEST"
echo "Generated $(find "$out" -name '*.pb-c.c' | wc -l) protobuf-c sources into Devices/c/$out."
