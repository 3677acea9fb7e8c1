#!/usr/bin/env bash
# The whole job on the real crash day: `backstop run` over the 2025-10-10 scenario (all
# eight COIN-M tapes and the BTCUSDT depth profile) with 1, 3 and 10 policies in one
# pass, median wall and CPU (user) time of RUNS runs (default 5), events per second and
# peak memory, beside `backstop replay` of the same files (the floor a run stands on).
# One pass shares the decoding between policies; K policies must cost far less than K runs.
#
# With several build folders, the runs of each build alternate (build 1, build 2, build 1,
# ...), so that old and new code see the same load on a shared machine; a table per build.
#
# usage: bench/run.sh [BUILD_DIR ...]   (default build/release; env RUNS, DATA)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=("$root/build/release")
runs=${RUNS:-5}
data=${DATA:-$root/../shared/data}
scen=$root/data/scenarios/binance-2025-10-10.json
[ -d "$data/binance-delivery-2025-10-10" ] || { echo "no crash-day data in $data: skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
inputs=("$data/binance-delivery-2025-10-10"
        "$data/binance-2025-10-10-depth-and-mark/BTCUSDT-bookDepth-2025-10-10.csv.gz")

# Policies: the three shipped venue models, and seven renamed variants of them for 10.
policies=("$root"/data/policies/binance-like.json "$root"/data/policies/dydx-like.json
          "$root"/data/policies/hyperliquid-like.json)
for i in 1 2 3 4 5 6 7; do
  src=${policies[$(( (i - 1) % 3 ))]}
  sed "0,/\"name\": *\"[^\"]*\"/s//\"name\": \"variant-$i\"/" "$src" > "$work/variant-$i.json"
done
all=("${policies[@]}" "$work"/variant-*.json)

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
one() { # EXE K: runs the scenario with the first K policies (0: a replay of the same files);
        # prints "wall user peak_kib events"
  local exe=$1 k=$2 args=() i
  for ((i = 0; i < k; i++)); do args+=(--policy "${all[$i]}"); done
  if [ "$k" -eq 0 ]; then
    /usr/bin/time -f "%e %U %M" -o "$work/time" "$exe" replay --quiet "${inputs[@]}" > /dev/null
    echo "$(cat "$work/time") 0"
    return
  fi
  /usr/bin/time -f "%e %U %M" -o "$work/time" "$exe" run -o "$work/out" \
    --data "${inputs[0]}" --data "${inputs[1]}" "${args[@]}" "$scen" > "$work/stdout" 2> "$work/stderr"
  echo "$(cat "$work/time") $(sed -n 's/^run [^:]*: \([0-9]*\) events.*/\1/p' "$work/stdout")"
}
for k in 0 1 3 10; do
  for _ in $(seq "$runs"); do
    for b in "${!builds[@]}"; do one "${builds[$b]}/backstop" "$k" >> "$work/samples-$b-$k"; done
  done
done
for b in "${!builds[@]}"; do
  echo "${builds[$b]}"
  printf "%-10s %10s %10s %12s %14s %16s %14s\n" policies "wall (s)" "user (s)" "M events/s" \
    "peak RSS (MB)" "time / 1 policy" "time / replay"
  t1="" t0=""
  for k in 0 1 3 10; do
    f=$work/samples-$b-$k
    t=$(awk '{print $1}' "$f" | median)
    u=$(awk '{print $2}' "$f" | median)
    m=$(awk '{print $3}' "$f" | median)
    ev=$(awk 'NR==1 {print $4}' "$f")
    if [ "$k" -eq 0 ]; then t0=$t; fi
    if [ "$k" -eq 1 ]; then t1=$t; fi
    awk -v k="$k" -v t="$t" -v u="$u" -v m="$m" -v ev="$ev" -v t1="$t1" -v t0="$t0" 'BEGIN {
      name = "replay"; rate = "-"; ratio = "-"
      if (k > 0) { name = k; ratio = sprintf("%.2fx", t / t1) }
      if (ev > 0) rate = sprintf("%.2f", ev / t / 1e6)
      printf "%-10s %10.2f %10.2f %12s %14.0f %15s %13.2fx\n", name, t, u, rate, m / 1024, ratio, t / t0 }'
  done
done
