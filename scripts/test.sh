#!/usr/bin/env bash
# The project's test command, as the README shows it and CI runs it:
# installs what the tests need, checks the generated code against Proto/, then runs every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Debian packages: protoc for the generated-code check, SQLite's headers for GRDB, openssl for the
# province-PKI test, strace for the durability test (it counts the store's fsyncs), Python for the interop
# client. sudo only when not root.
missing=()
command -v protoc >/dev/null || missing+=(protobuf-compiler)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing+=(libsqlite3-dev)
command -v openssl >/dev/null || missing+=(openssl)
command -v strace >/dev/null || missing+=(strace)
command -v python3 >/dev/null || missing+=(python3 python3-pip)
# The C device library (Devices/c): protobuf-c, nghttp2 and OpenSSL's headers, pkg-config, valgrind, and clang
# for its fuzz targets when the Swift toolchain's is not on PATH.
command -v protoc-c >/dev/null || missing+=(protobuf-c-compiler)
for pkg in libprotobuf-c-dev libnghttp2-dev libssl-dev; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v clang >/dev/null || missing+=(clang)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# PyPI: the non-Swift interop client (grpcio and its tools), pinned.
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore \
    -r Tests/Interop/requirements.txt -r Plugins/sdk/python/requirements.txt

scripts/check-generated.sh
# The store's PostgreSQL engine is tested against a real server: a throwaway one, stopped and removed on exit.
postgres_dir=$(mktemp -d "${TMPDIR:-/tmp}/govcase-postgres.XXXXXX")
trap '"$root"/scripts/postgres-test-server.sh stop "$postgres_dir" || true; rm -rf "$postgres_dir"' EXIT
scripts/postgres-test-server.sh start "$postgres_dir" >/dev/null
GOVCASE_TEST_POSTGRES="$(cat "$postgres_dir/connection")"
export GOVCASE_TEST_POSTGRES GOVCASE_TEST_POSTGRES_DIR="$postgres_dir"
swift test "$@"

# The C client library for window evaluation devices, against the gateway just built (Devices/c/README.md).
Devices/c/scripts/test.sh

# A Swift plugin scaffolded, built, tested and started as its author would (several minutes: its own build).
if [ "${GOVCASE_SWIFT_SCAFFOLD:-1}" != 0 ]; then
    scripts/check-swift-scaffold.sh
fi

# A short run of each libFuzzer target, a minute in all (GOVCASE_FUZZ_SECONDS per target; 0 skips it):
# a crash fails the run. scripts/fuzz.sh runs them for longer; docs/fuzzing.md has the figures.
fuzz_seconds=${GOVCASE_FUZZ_SECONDS:-15}
if [ "$fuzz_seconds" -gt 0 ]; then
    scripts/fuzz.sh "$fuzz_seconds"
fi
