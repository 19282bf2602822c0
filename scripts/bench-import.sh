#!/usr/bin/env bash
# Measures `govcase import`: rows per second and the peak resident memory (VmHWM) of the importer and of the
# gateway, for a GB18030 CSV of N rows (default 1,000,000) made here, beside gRPC ingest's own figures in
# BENCHMARKS.md. Not a CI step. Usage: scripts/bench-import.sh [rows] [debug|release]
set -euo pipefail
rows=${1:-1000000}
config=${2:-release}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
flock -o /tmp/govcase-build.lock swift build -c "$config" --product govcase >/dev/null
bin="$root/.build/$config/govcase"
work=$(mktemp -d)
trap 'kill $gateway 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$work/rows.csv" "$rows" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w", encoding="gb18030", newline="") as f:
    f.write("序号,工单编号,来电时间,诉求类型,来源渠道,诉求内容,来电人,联系电话,所属区划,被反映对象\r\n")
    for i in range(n):
        day, minute = 1 + i % 28, i % 1440
        f.write(f'{i},BENCH-{i:08d},2025-02-{day:02d} {minute // 60:02d}:{minute % 60:02d}:00,投诉,电话,'
                f'"景区门票价格与公示不符，\r\n要求退还差价{i % 100}元",𠂇先生,138{i % 100000000:08d},500151,某景区\r\n')
PY
size=$(stat -c %s "$work/rows.csv")

"$bin" pki init --out "$work/dev" --port 0 >/dev/null
"$bin" serve --config "$work/dev/gateway.yaml" >"$work/serve.log" 2>&1 &
gateway=$!
for _ in $(seq 1 200); do grep -q "serving on" "$work/serve.log" && break; sleep 0.1; done
port=$(grep -o 'serving on [0-9.]*:[0-9]*' "$work/serve.log" | sed 's/.*://')

start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$work/import.rss" "$bin" import --adapter hotline-12345 --gateway "127.0.0.1:$port" \
    --deployment "$work/dev" --as hotline-tongnan "$work/rows.csv" >"$work/import.log" 2>&1 || true
end=$(date +%s.%N)
gateway_rss=$(awk '/VmHWM/ {print $2}' "/proc/$gateway/status")
tail -1 "$work/import.log"
python3 - "$rows" "$size" "$start" "$end" "$(cat "$work/import.rss")" "$gateway_rss" "$config" <<'PY'
import sys
rows, size, start, end, imp, gw, config = sys.argv[1:]
seconds = float(end) - float(start)
print(f"{config} build: {int(rows):,} rows ({int(size) / 1e6:.0f} MB GB18030) in {seconds:.1f} s: "
      f"{int(rows) / seconds:,.0f} rows/s; peak RSS importer {int(imp) / 1024:.0f} MiB, gateway {int(gw) / 1024:.0f} MiB")
PY
