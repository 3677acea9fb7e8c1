#!/usr/bin/env bash
# The whole job on the real crash day: `backstop run` over the 2025-10-10 scenario (all
# eight COIN-M tapes and the BTCUSDT depth profile) with 1, 3 and 10 policies in one
# pass, median wall time of RUNS runs (default 3), events per second and peak memory.
# One pass shares the decoding between policies; K policies must cost far less than K runs.
#
# usage: bench/run.sh [BUILD_DIR]   (default build/release; env RUNS, DATA)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
exe=${1:-$root/build/release}/backstop
runs=${RUNS:-3}
data=${DATA:-$root/../shared/data}
scen=$root/data/scenarios/binance-2025-10-10.json
[ -d "$data/binance-delivery-2025-10-10" ] || { echo "no crash-day data in $data: skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Policies: the three shipped venue models, and seven renamed variants of them for 10.
policies=("$root"/data/policies/binance-like.json "$root"/data/policies/dydx-like.json
          "$root"/data/policies/hyperliquid-like.json)
for i in 1 2 3 4 5 6 7; do
  src=${policies[$(( (i - 1) % 3 ))]}
  sed "0,/\"name\": *\"[^\"]*\"/s//\"name\": \"variant-$i\"/" "$src" > "$work/variant-$i.json"
done
all=("${policies[@]}" "$work"/variant-*.json)

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
one() { # K: runs the scenario with the first K policies; prints "seconds peak_kib events"
  local k=$1 args=() i
  for ((i = 0; i < k; i++)); do args+=(--policy "${all[$i]}"); done
  /usr/bin/time -f "%e %M" -o "$work/time" "$exe" run --quiet -o "$work/out" \
    --data "$data/binance-delivery-2025-10-10" \
    --data "$data/binance-2025-10-10-depth-and-mark/BTCUSDT-bookDepth-2025-10-10.csv.gz" \
    "${args[@]}" "$scen" > "$work/stdout"
  echo "$(cat "$work/time") $(sed -n 's/^run [^:]*: \([0-9]*\) events.*/\1/p' "$work/stdout")"
}
printf "%-10s %10s %12s %14s %16s\n" policies "wall (s)" "M events/s" "peak RSS (MB)" "time / 1 policy"
t1=""
for k in 1 3 10; do
  for _ in $(seq "$runs"); do one "$k"; done > "$work/samples"
  t=$(awk '{print $1}' "$work/samples" | median)
  m=$(awk '{print $2}' "$work/samples" | median)
  ev=$(awk 'NR==1 {print $3}' "$work/samples")
  [ -n "$t1" ] || t1=$t
  awk -v k="$k" -v t="$t" -v m="$m" -v ev="$ev" -v t1="$t1" 'BEGIN {
    printf "%-10d %10.2f %12.2f %14.0f %15.2fx\n", k, t, ev / t / 1e6, m / 1024, t / t1 }'
done
