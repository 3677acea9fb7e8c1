#!/bin/sh
# The GNU parallel recipe (docs/scaling/parallel.sh): a grid of 4 cells run as 3 shards,
# 2 at a time, then merged; the merged sweep must equal the sweep run in one process,
# byte for byte. Exits 77 (skipped) when GNU parallel is not installed.
#   sh tests/parallel.sh BACKSTOP SOURCE_DIR SCRATCH_DIR
set -u
backstop=$1 src=$2 scratch=$3
command -v parallel >/dev/null 2>&1 ||
  { echo "parallel test skipped: GNU parallel is not installed (Debian: apt-get install parallel)" >&2; exit 77; }
fail() { echo "parallel test FAILED: $*" >&2; exit 1; }
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch" || exit 1
"$backstop" synth -o day --hours 1 --rate 1 --seed 3 --quiet || fail "synth"
cat > scen.json <<JSON
{ "name": "tiny", "data": ["day"], "seed": 7,
  "instruments": { "SYNUSDT": { "kind": "linear", "tick": "0.1", "contract_size": "1",
    "settle": "USDT", "tiers": [ { "floor": "0", "mmr": "0.004", "max_leverage": "125" } ] } },
  "population": { "model": "synthetic", "accounts_per_contract": 20 },
  "policies": [ "$src/data/policies/binance-like.json" ] }
JSON
cat > grid.json <<JSON
{ "name": "tiny-grid", "scenarios": ["scen.json"],
  "windows": [ { "from": "2025-10-10T00:10:00Z" } ],
  "policies": [ "$src/data/policies/binance-like.json", "$src/data/policies/dydx-like.json" ],
  "seeds": [ 1, 2 ] }
JSON
"$backstop" sweep grid.json --quiet -o one/tiny-grid || fail "the sweep in one process"
mkdir -p par
sh "$src/docs/scaling/parallel.sh" grid.json par/tiny-grid 3 2 "$backstop" || fail "the recipe"
diff -r one/tiny-grid par/tiny-grid || fail "the merged sweep differs from the one-process sweep"
n=$(find par/tiny-grid -type f | wc -l)
# every cell holds a whole run folder: its manifest and summary, as many files as each
# of the one-process sweep's cells (grid.json and sweep.csv beside them)
per=$(find one/tiny-grid/cells/00000 -type f | wc -l)
[ "$per" -ge 9 ] && [ "$n" -eq $((2 + 4 * per)) ] ||
  fail "expected grid.json, sweep.csv and 4 cells of $per files, found $n files"
for c in 00000 00001 00002 00003; do
  [ -s par/tiny-grid/cells/$c/manifest.json ] && [ -s par/tiny-grid/cells/$c/summary.csv ] ||
    fail "cell $c lacks its manifest or summary"
done
echo "parallel recipe: 3 shards merged equal the one-process sweep ($n files)"
