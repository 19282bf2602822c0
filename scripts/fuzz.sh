#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ with the fuzzer and address sanitizers and runs each for a while.
#
#   scripts/fuzz.sh [seconds per target, default 600] [target ...]
#
# Seeds come from the repository (scripts/fuzz_seeds.py); each target's corpus grows in .fuzz/corpus/<target>
# and crashes land in .fuzz/crashes/<target>/. A run that finds a crash exits non-zero and names the input;
# replay it with `Fuzz/.build/debug/<target> <input>`. docs/fuzzing.md records the long runs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz-crl fuzz-source-records fuzz-record-json fuzz-configuration fuzz-plugin-protocol)

# Swift's backtracer would intercept the sanitizer's crash reports.
export SWIFT_BACKTRACE=enable=no
# SwiftPM passes `-sanitize=fuzzer -sanitize=address` to swiftc as two flags, and swiftc keeps only the last:
# Swift code would get no coverage counters. The combined flag, last, instruments it for both.
(cd Fuzz && swift build --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address)
swift build --product govcase >/dev/null
types=$(mktemp)
.build/debug/govcase adapters list > "$types"
python3 scripts/fuzz_seeds.py "$PWD" .fuzz/seeds "$types"
rm -f "$types"

status=0
for target in "${targets[@]}"; do
  mkdir -p ".fuzz/corpus/$target" ".fuzz/crashes/$target"
  echo "== $target: $seconds s"
  if ! Fuzz/.build/debug/"$target" ".fuzz/corpus/$target" ".fuzz/seeds/$target" \
      -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix=".fuzz/crashes/$target/" 2>".fuzz/$target.log"; then
    status=1
    echo "!! $target found a failure; see .fuzz/$target.log and .fuzz/crashes/$target/"
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)|cov:" ".fuzz/$target.log" \
    | tail -5
done
exit $status
