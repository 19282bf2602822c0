#!/usr/bin/env bash
# Builds the device library's libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined) and runs each:
#   Devices/c/scripts/fuzz.sh [seconds per target, default 300]
# fuzz_response: a gateway's answer (headers, trailers, framed message, both violation trailers);
# fuzz_journal: a journal image (torn, damaged or hostile). Corpora grow in Devices/c/.fuzz/<target>;
# a crash fails the run and is left as Devices/c/.fuzz/crash-<target>-*.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
seconds=${1:-300}
make fuzz 2>&1 | grep -v "Cannot export local symbol" | grep -E "error" && exit 1
status=0
for target in response journal; do
    mkdir -p ".fuzz/$target"
    echo "== fuzz_$target: $seconds s"
    if ! build-fuzz/fuzz_$target -max_total_time="$seconds" -max_len=16384 -print_final_stats=1 \
        -artifact_prefix=".fuzz/crash-$target-" ".fuzz/$target" "fuzz/seeds/$target" 2>"$here/.fuzz/$target.log"; then
        tail -40 ".fuzz/$target.log"
        status=1
    else
        grep -E "^stat::number_of_executed_units|DONE" ".fuzz/$target.log" | tail -2
    fi
done
exit $status
