#!/usr/bin/env bash
# Memory against the length of the data: the default scenario's policies over synthetic
# days of 48 and 192 hours (`backstop synth --hours H --rate 2`). The ledger keeps running
# totals, not postings, so peak RSS must stay within 20 % while the data grows 4x; what
# still grows is the fund samples (one row per policy per report interval) and the
# liquidation records.
#
# usage: bench/memory.sh [BUILD_DIR]   (default build/release)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
exe=${1:-$root/build/release}/backstop
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf "%-8s %12s %10s %14s %10s\n" hours events "wall (s)" "peak RSS (MB)" "fund rows"
for h in 48 192; do
  mkdir -p "$work/syn$h"
  "$exe" synth -o "$work/syn$h" --hours "$h" --rate 2 > /dev/null
  sed "s|\"data\": \\[\"out/sample\"\\]|\"data\": [\"$work/syn$h\"]|" \
    "$root/data/scenarios/default.json" > "$work/s$h.json"
  /usr/bin/time -f "%e %M" -o "$work/time" "$exe" run --quiet -o "$work/r$h" "$work/s$h.json" \
    > "$work/out"
  events=$(sed -n 's/^run [^:]*: \([0-9]*\) events.*/\1/p' "$work/out")
  read -r wall rss < "$work/time"
  printf "%-8s %12s %10s %14s %10s\n" "$h" "$events" "$wall" "$((rss / 1024))" \
    "$(($(wc -l < "$work/r$h/fund.csv") - 1))"
done
