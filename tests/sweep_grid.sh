# Sourced by the sweep recipe tests (tests/slurm.sh, tests/parallel.sh), in their scratch
# folder with $backstop, $src and fail() set:
#   grid_setup      a synthetic hour, its scenario and a grid of 2 policies x 2 seeds =
#                   4 cells (grid.json), and that grid swept in one process (one/tiny-grid)
#   grid_check DIR  DIR (a merged sweep) must equal the one-process sweep byte for byte,
#                   every cell a whole run folder; sets n to its number of files
grid_setup() {
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
}

grid_check() {
  diff -r one/tiny-grid "$1" || fail "the merged sweep differs from the one-process sweep"
  n=$(find "$1" -type f | wc -l)
  # as many files as the one-process cells hold, grid.json and sweep.csv beside them
  per=$(find one/tiny-grid/cells/00000 -type f | wc -l)
  [ "$per" -ge 9 ] && [ "$n" -eq $((2 + 4 * per)) ] ||
    fail "expected grid.json, sweep.csv and 4 cells of $per files, found $n files"
  for c in 00000 00001 00002 00003; do
    [ -s "$1/cells/$c/manifest.json" ] && [ -s "$1/cells/$c/summary.csv" ] ||
      fail "cell $c lacks its manifest or summary"
  done
}
