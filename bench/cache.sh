#!/usr/bin/env bash
# Replay from the event cache against replay from the compressed CSV.
#
# Times `backstop replay --quiet DATA` RUNS times (default 5) without the cache and with
# it (BK_CACHE_DIR, written once beforehand), and prints the medians of wall time and of
# CPU time (user + system: on a shared machine the wall time carries other jobs' load)
# and their ratios, the cache file's size, the time of the run that wrote it, and what a
# full SHA-256 of the inputs would add to every cached replay (the staleness check reads
# only 8 KiB a file).
#
# usage: bench/cache.sh [BUILD_DIR] [DATA]
#   (default build/release and ../shared/data/binance-futures-btcusdt-2023-04-05;
#    env RUNS, WORK: the cache folder, default build/bench-cache)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/release}
data=${2:-$here/../../shared/data/binance-futures-btcusdt-2023-04-05}
exe=$build/backstop
runs=${RUNS:-5}
work=${WORK:-$here/../build/bench-cache}
rm -rf "$work"
mkdir -p "$work"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# one line per run: wall seconds, CPU seconds (bash's time: milliseconds)
timed() {
  local TIMEFORMAT='%3R %3U %3S'
  for _ in $(seq "$runs"); do
    { time "$@" > /dev/null 2>&1; } 2>&1 | awk '{print $1, $2 + $3}'
  done
}

unset BK_CACHE_DIR
"$exe" replay --quiet "$data" # warm the page cache
csv=$(timed "$exe" replay --quiet "$data")
export BK_CACHE_DIR=$work
write=$(runs=1 timed "$exe" replay --quiet "$data" | cut -d' ' -f1)
cached=$(timed "$exe" replay --quiet "$data")
unset BK_CACHE_DIR
size=$(du -cb "$work"/*.bkev | tail -1 | cut -f1)
inputs=$(find "$data" -maxdepth 1 -type f ! -name '.*' -exec cat {} + | wc -c)
sha=$(timed sh -c "find '$data' -maxdepth 1 -type f ! -name '.*' -exec sha256sum {} +" |
      cut -d' ' -f1 | median)

cw=$(echo "$csv" | cut -d' ' -f1 | median); cc=$(echo "$csv" | cut -d' ' -f2 | median)
kw=$(echo "$cached" | cut -d' ' -f1 | median); kc=$(echo "$cached" | cut -d' ' -f2 | median)
echo "data: $data ($inputs bytes of input)"
echo "medians of $runs runs:"
awk -v cw="$cw" -v cc="$cc" -v kw="$kw" -v kc="$kc" 'BEGIN {
  printf "  from .csv.zst : %.3f s wall, %.3f s CPU\n", cw, cc
  printf "  from the cache: %.3f s wall, %.3f s CPU\n", kw, kc
  printf "  faster: %.1fx wall, %.1fx CPU\n", cw / kw, (kc > 0 ? cc / kc : 0)
}'
echo "writing the cache: $write s; its size: $size bytes"
echo "sha256sum of every input (what a full-hash staleness check would read): $sha s"
