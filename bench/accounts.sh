#!/usr/bin/env bash
# The crash day with 10^4 and 10^5 synthetic accounts (1,250 and 12,500 per coin over the
# eight COIN-M tapes), one policy: wall time and peak memory, median of RUNS runs
# (default 3). ADL, socialization and funding visit a contract's holders once per event,
# and a mark visits only the accounts it crosses, so 10x the accounts must cost well under
# 10x the time (a scan of every account per liquidation would cost 100x).
#
# usage: bench/accounts.sh [BUILD_DIR]   (default build/release; env RUNS, DATA)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
exe=${1:-$root/build/release}/backstop
runs=${RUNS:-3}
data=${DATA:-$root/../shared/data}
[ -d "$data/binance-delivery-2025-10-10" ] || { echo "no crash-day data in $data: skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
printf "%-10s %10s %14s %12s\n" accounts "wall (s)" "peak RSS (MB)" "liquidations"
for per in 1250 12500; do
  sed "s/\"accounts_per_contract\": *[0-9]*/\"accounts_per_contract\": $per/" \
    "$root/data/scenarios/binance-2025-10-10.json" > "$work/scenario.json"
  : > "$work/times"
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$exe" run --quiet -o "$work/out" \
      --policy "$root/data/policies/binance-like.json" \
      --data "$data/binance-delivery-2025-10-10" \
      --data "$data/binance-2025-10-10-depth-and-mark/BTCUSDT-bookDepth-2025-10-10.csv.gz" \
      "$work/scenario.json" > /dev/null
    cat "$work/time" >> "$work/times"
  done
  wall=$(cut -d' ' -f1 "$work/times" | median)
  rss=$(cut -d' ' -f2 "$work/times" | median)
  liqs=$(($(wc -l < "$work/out/liquidations.csv") - 1))
  printf "%-10s %10s %14s %12s\n" $((per * 8)) "$wall" "$((rss / 1024))" "$liqs"
done
