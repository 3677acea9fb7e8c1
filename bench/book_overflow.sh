#!/usr/bin/env bash
# The book's overflow under a snapshot that sends its bids best-first far below the
# dense window: the order that made the old sorted overflow array quadratic (every new
# level went to its front).
#
# Writes one incremental_book_L2 snapshot: an ask at 100,000.1, then ROWS bids (default
# 400,000) from 100,000 down by 0.1, all in one message, so all but the first 32,768 land
# beyond the 65,536-tick window; then times `backstop replay` on it (median of RUNS runs,
# default 3) and prints peak RSS.
#
# usage: bench/book_overflow.sh [BUILD_DIR]   (default build/release; env ROWS, RUNS, WORK)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/release}
exe=$build/backstop
rows=${ROWS:-400000}
runs=${RUNS:-3}
work=${WORK:-$here/../build/bench-data}
mkdir -p "$work"
file=$work/book_overflow_$rows.csv
if [ ! -s "$file" ]; then
  awk -v n="$rows" 'BEGIN {
    print "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount"
    t = "1680000000000000"
    print "binance-futures,BTCUSDT," t "," t ",true,ask,100000.1,1"
    for (i = 0; i < n; i++)
      printf "binance-futures,BTCUSDT,%s,%s,true,bid,%d.%d,1\n", t, t, (1000000 - i) / 10, (1000000 - i) % 10
  }' > "$file.tmp"
  mv "$file.tmp" "$file"
fi
echo "file: $file ($rows best-first bids)"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for _ in $(seq "$runs"); do
  /usr/bin/time -f %e "$exe" replay "$file" 2>&1 >/dev/null | tail -1
done | median | awk '{print "replay: " $1 " s (median)"}'
/usr/bin/time -f "peak RSS %M KB" "$exe" replay "$file" 2>&1 >/dev/null | tail -1
