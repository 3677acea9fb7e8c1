#!/usr/bin/env bash
# Uncertainty in one pass: `backstop run --draws 100` against one draw, one policy (the
# Binance-like one), median of 3 runs each. The draws share one decode of the market;
# each keeps its own population, risk state and shadow, so what grows with the draws is
# the simulation's work per event and per mark and its memory, not the reading. On the
# 2025-10-10 crash day when its data is present (../shared/data), else on the default
# scenario's synthetic day.
#
# usage: bench/draws.sh [BUILD_DIR] [DRAWS]   (default build/release, 100)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
exe=${1:-$root/build/release}/backstop
draws=${2:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scenario=$root/data/scenarios/binance-2025-10-10.json
[ -d "$root/../shared/data/binance-delivery-2025-10-10" ] || scenario=
policy=$root/data/policies/binance-like.json

# median wall (s) and peak RSS (MB) of 3 runs of `run` with the given extra options
measure() {
  local i
  for i in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$work/time" "$exe" run --quiet -o "$work/out" \
      --policy "$policy" "$@" ${scenario:+"$scenario"} > /dev/null
    cat "$work/time"
  done | sort -n | sed -n 2p
}

printf "scenario: %s\n" "${scenario:-built-in default}"
printf "%-6s %10s %14s %12s\n" draws "wall (s)" "peak RSS (MB)" "× one draw"
read -r w1 m1 <<< "$(measure)"
printf "%-6s %10s %14s %12s\n" 1 "$w1" "$((m1 / 1024))" "1.00"
read -r wn mn <<< "$(measure --draws "$draws")"
printf "%-6s %10s %14s %12s\n" "$draws" "$wn" "$((mn / 1024))" \
  "$(awk -v a="$wn" -v b="$w1" 'BEGIN { printf "%.2f", a / b }')"
