#!/usr/bin/env bash
# The device library's tests, as CI runs them (from scripts/test.sh, after the Swift build, so the gateway
# binary exists): the build as a vendor makes it, the journal alone, the suite against a real `govcase serve`,
# the same suite under AddressSanitizer+UBSan and under valgrind (no error, no leak), and a short run of each
# libFuzzer target. GOVCASE_DEVICE_VALGRIND=0 skips valgrind; GOVCASE_FUZZ_SECONDS (default 15, 0 skips) sets
# the fuzzing time per target; GOVCASE names the gateway binary (default .build/debug/govcase).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "== Devices/c: build"
make -j2 programs >/dev/null
mkdir -p "$scratch/plain" "$scratch/asan"
build/test_journal "$scratch/plain"
echo "== Devices/c: against govcase serve"
python3 tests/run_tests.py --build build

echo "== Devices/c: AddressSanitizer and UBSan"
make -j2 asan >/dev/null
build-asan/test_journal "$scratch/asan"
python3 tests/run_tests.py --build build-asan

if [ "${GOVCASE_DEVICE_VALGRIND:-1}" != 0 ]; then
    echo "== Devices/c: valgrind"
    python3 tests/run_tests.py --build build --wrap "valgrind -q --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
fi

seconds=${GOVCASE_FUZZ_SECONDS:-15}
if [ "$seconds" -gt 0 ]; then
    scripts/fuzz.sh "$seconds"
fi
