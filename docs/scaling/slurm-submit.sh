#!/bin/sh
# Runs a backstop sweep on a Slurm cluster: a job array of N shards, then a merge job
# that starts only when every shard succeeded. Prints the merge job's id.
#   sh slurm-submit.sh GRID.json OUT N [BACKSTOP]
# Submit from the folder the grid's and OUT's relative paths start from: jobs run there.
# Each job writes its log beside OUT (OUT.slurm-<job>_<task>.log).
set -eu
[ $# -ge 3 ] || { echo "usage: sh slurm-submit.sh GRID.json OUT N [BACKSTOP]" >&2; exit 64; }
grid=$1 out=$2 n=$3 backstop=${4:-backstop}
here=$(dirname "$0")
array=$(sbatch --parsable --array="0-$((n - 1))" --output="$out.slurm-%A_%a.log" \
  "$here/shard.sbatch" "$grid" "$out" "$backstop")
array=${array%%;*} # --parsable prints "id" or "id;cluster"
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$out.slurm-%j.log" "$here/merge.sbatch" "$out" "$n" "$backstop")
echo "${merge%%;*}"
