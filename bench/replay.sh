#!/usr/bin/env bash
# Replay throughput against the decompression floor.
#
# Makes a synthetic incremental_book_L2 file of ROWS rows (default 20 M) with
# `backstop synth --book-only`, compressed with zstd, then times, median of RUNS runs
# (default 5): `zstd -dc FILE > /dev/null` (the floor: what it costs just to decompress)
# and `backstop replay FILE`, and prints the ratio. Peak memory is read from GNU time on a
# file of ROWS/4 rows and on the full file: it must not grow with the file's length.
#
# usage: bench/replay.sh [BUILD_DIR]   (default build/release; env ROWS, RUNS, WORK)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/release}
exe=$build/backstop
rows=${ROWS:-20000000}
runs=${RUNS:-5}
work=${WORK:-$here/../build/bench-data}
mkdir -p "$work/full" "$work/quarter"

gen() { # dir rows
  local f
  f=$(ls "$1"/*incremental_book_L2*.csv.zst 2>/dev/null | head -1 || true)
  if [ -z "$f" ]; then
    "$exe" synth --book-only --rows "$2" --rate 200 -o "$1" >&2
    f=$(ls "$1"/*incremental_book_L2*.csv.zst | head -1)
  fi
  echo "$f"
}
file=$(gen "$work/full" "$rows")
quarter=$(gen "$work/quarter" $((rows / 4)))
lines=$(zstd -dc "$file" | wc -l)
echo "file: $file ($(( $(stat -c %s "$file") / 1000000 )) MB compressed, $((lines - 1)) rows)"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
timeit() { # runs a command RUNS times, prints the median wall seconds
  for _ in $(seq "$runs"); do
    /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1
  done | median
}
floor=$(timeit sh -c "zstd -dc '$file' > /dev/null")
replay=$(timeit "$exe" replay --quiet "$file")
rss_q=$(/usr/bin/time -f %M "$exe" replay --quiet "$quarter" 2>&1 >/dev/null | tail -1)
rss_f=$(/usr/bin/time -f %M "$exe" replay --quiet "$file" 2>&1 >/dev/null | tail -1)
awk -v f="$floor" -v r="$replay" -v n="$((lines - 1))" -v q="$rss_q" -v full="$rss_f" 'BEGIN {
  printf "zstd -dc floor : %.2f s  (%.1f M rows/s)\n", f, n / f / 1e6
  printf "backstop replay: %.2f s  (%.1f M rows/s)\n", r, n / r / 1e6
  printf "ratio replay / floor: %.2f\n", r / f
  printf "peak RSS: %d KiB on a quarter of the rows, %d KiB on all of them\n", q, full
}'
