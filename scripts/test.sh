#!/usr/bin/env bash
# The project's test command, as the README shows it and CI runs it:
# installs what the tests need, checks the generated code against Proto/, then runs every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# protoc (Debian's protobuf-compiler) for the generated-code check; sudo only when not root.
if ! command -v protoc >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq protobuf-compiler >/dev/null
fi

scripts/check-generated.sh
swift test "$@"
