#!/bin/sh
# Runs a backstop sweep on one machine as N shards, J at a time, with GNU parallel, then
# merges them; stops without merging when a shard fails.
#   sh parallel.sh GRID.json OUT N [J] [BACKSTOP]
set -eu
[ $# -ge 3 ] || { echo "usage: sh parallel.sh GRID.json OUT N [J] [BACKSTOP]" >&2; exit 64; }
grid=$1 out=$2 n=$3 jobs=${4:-$(nproc)} backstop=${5:-backstop}
seq 0 $((n - 1)) |
  parallel --halt now,fail=1 -j "$jobs" "$backstop" sweep "$grid" --quiet --shard {}/"$n" -o "$out"
seq 0 $((n - 1)) | sed "s|.*|$out.shard-&-of-$n|" | xargs "$backstop" merge -o "$out"
