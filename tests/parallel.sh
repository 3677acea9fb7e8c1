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
. "$src/tests/sweep_grid.sh"
grid_setup
mkdir -p par
sh "$src/docs/scaling/parallel.sh" grid.json par/tiny-grid 3 2 "$backstop" || fail "the recipe"
grid_check par/tiny-grid
echo "parallel recipe: 3 shards merged equal the one-process sweep ($n files)"
