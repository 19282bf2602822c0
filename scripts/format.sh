#!/usr/bin/env bash
# Formats the project's own Swift (not the generated code) with the toolchain's swift-format.
# `scripts/format.sh --lint` reports instead of rewriting.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=(format --in-place)
[ "${1:-}" = "--lint" ] && mode=(lint)
find Sources Tests Plugins -name '*.swift' -not -path '*/Generated/*' -print0 |
    xargs -0 swift format "${mode[@]}" --configuration .swift-format
