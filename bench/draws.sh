#!/usr/bin/env bash
# Uncertainty in one pass: `backstop run --draws N` against one draw, one policy (the
# Binance-like one, with its shadow), on the default scenario's synthetic day and on the
# 2025-10-10 crash day when its data is present (../shared/data). The draws share one
# decode of the market and one set of market models (derived marks, depth models); each
# keeps its own population, risk state, shadow and consumed depth, and draws other than 0
# keep only their totals. Prints the median of RUNS runs (default 3) of wall time, CPU
# time (user + system: steadier than the wall on a shared machine) and peak RSS, and the
# ratio of N draws to one.
#
# usage: bench/draws.sh [BUILD_DIR] [DRAWS]   (default build/release, 100)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
exe=${1:-$root/build/release}/backstop
draws=${2:-100}
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
policy=$root/data/policies/binance-like.json
crash=$root/data/scenarios/binance-2025-10-10.json

# The middle value of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Median wall (s), CPU (s) and peak RSS (MB) of RUNS runs of `run` with the given options.
measure() {
  local i
  : > "$work/all"
  for i in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$exe" run --quiet -o "$work/out" \
      --policy "$policy" "$@" > /dev/null
    cat "$work/time" >> "$work/all"
  done
  printf "%s %s %s\n" "$(awk '{ print $1 }' "$work/all" | median)" \
    "$(awk '{ printf "%.2f\n", $2 + $3 }' "$work/all" | median)" \
    "$(awk '{ print int($4 / 1024) }' "$work/all" | median)"
}

# One day: one draw, then DRAWS draws, and their ratios.
day() {
  local w1 c1 m1 wn cn mn
  printf "\n%s (median of %s runs)\n" "$1" "$runs"
  shift
  printf "%-6s %9s %8s %14s %11s %10s\n" draws "wall (s)" "CPU (s)" "peak RSS (MB)" \
    "wall ×1" "CPU ×1"
  read -r w1 c1 m1 <<< "$(measure "$@")"
  printf "%-6s %9s %8s %14s %11s %10s\n" 1 "$w1" "$c1" "$m1" 1.00 1.00
  read -r wn cn mn <<< "$(measure --draws "$draws" "$@")"
  printf "%-6s %9s %8s %14s %11s %10s\n" "$draws" "$wn" "$cn" "$mn" \
    "$(awk -v a="$wn" -v b="$w1" 'BEGIN { printf "%.1f", a / b }')" \
    "$(awk -v a="$cn" -v b="$c1" 'BEGIN { printf "%.1f", a / b }')"
}

printf "load average: %s\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
day "built-in default scenario (synthetic day)"
if [ -d "$root/../shared/data/binance-delivery-2025-10-10" ]; then
  day "crash day: $crash" "$crash"
else
  printf "\ncrash day skipped: ../shared/data/binance-delivery-2025-10-10 is absent\n"
fi
printf "load average: %s\n" "$(cut -d' ' -f1-3 /proc/loadavg)"
