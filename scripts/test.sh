#!/usr/bin/env bash
# The project's test command, as the README shows it and CI runs it:
# installs what the tests need, checks the generated code against Proto/, then runs every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Debian packages: protoc for the generated-code check, SQLite's headers for GRDB. sudo only when not root.
missing=()
command -v protoc >/dev/null || missing+=(protobuf-compiler)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing+=(libsqlite3-dev)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

scripts/check-generated.sh
swift test "$@"
