#!/bin/sh
# The Slurm recipe (docs/scaling/) on a real single-node Slurm cluster that this test
# starts: munged and slurmctld/slurmd as background processes with every file in a
# scratch folder, a job array of 3 shards and the merge job after it, submitted with
# docs/scaling/slurm-submit.sh; the merged sweep must equal the sweep run in one process,
# byte for byte. Every daemon started is stopped by its pid at the end, also on failure.
# Exits 77 (skipped) when Slurm or munge is not installed or the daemons cannot start.
#   sh tests/slurm.sh BACKSTOP SOURCE_DIR SCRATCH_DIR
set -u
backstop=$1 src=$2 scratch=$3
skip() { echo "slurm test skipped: $*" >&2; exit 77; }
for c in munged slurmctld slurmd sbatch scontrol sinfo; do
  command -v "$c" >/dev/null 2>&1 ||
    skip "$c is not installed (Debian: apt-get install slurm-wlm munge)"
done
[ "$(id -u)" -eq 0 ] || skip "slurmd runs jobs as their user and must start as root"

rm -rf "$scratch"
mkdir -p "$scratch" && chmod 711 "$scratch" || exit 1
T=$(cd "$scratch" && pwd)
pids=""
# The step daemons of this cluster's jobs (slurmd starts them, detached): those whose
# environment holds this test's SLURM_CONF.
steps() {
  for d in /proc/[0-9]*; do
    [ "$(cat "$d/comm" 2>/dev/null)" = slurmstepd ] &&
      tr '\0' '\n' 2>/dev/null <"$d/environ" | grep -qx "SLURM_CONF=$T/slurm.conf" &&
      echo "${d#/proc/}"
  done
}
stop() {
  i=0 # a finished job's step daemon leaves by itself within moments
  while [ -n "$(steps)" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
  pids="$(steps) $pids"
  for p in $pids; do kill "$p" 2>/dev/null; done
  for p in $pids; do
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$p" 2>/dev/null
  done
}
trap stop EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "slurm test FAILED: $*" >&2; for f in "$T"/*.log; do echo "== $f" >&2; tail -n 20 "$f" >&2; done; exit 1; }

# munge: a fresh key and socket in the scratch folder
dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 2>/dev/null && chmod 400 "$T/munge.key"
munged -F -f --socket="$T/munge.sock" --key-file="$T/munge.key" --pid-file="$T/munged.pid" \
  --log-file="$T/munged.log" --seed-file="$T/munged.seed" 2>>"$T/munged.log" &
pids="$pids $!"
i=0
while [ ! -S "$T/munge.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$T/munge.sock" ] || skip "munged did not start: $(tail -n 3 "$T/munged.log" 2>/dev/null)"

# Slurm: one node, ports of this process's own so that parallel runs do not meet
port=$((20000 + $$ % 20000))
mkdir -p "$T/state" "$T/spool"
cat > "$T/slurm.conf" <<CONF
ClusterName=bktest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge.sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm.conf"
slurmctld -D -i -f "$T/slurm.conf" 2>>"$T/slurmctld.log" &
pids="$pids $!"
slurmd -D -N localhost -f "$T/slurm.conf" 2>>"$T/slurmd.log" &
pids="$pids $!"
i=0
until sinfo -h -N -o %T 2>/dev/null | grep -q idle; do
  i=$((i + 1))
  [ $i -lt 60 ] || skip "the node did not come up in 30 s: $(tail -n 3 "$T/slurmd.log" "$T/slurmctld.log" 2>/dev/null)"
  sleep 0.5
done

# the sweep: a synthetic hour, 2 policies x 2 seeds = 4 cells, in 3 shards
cd "$T" || exit 1
. "$src/tests/sweep_grid.sh"
grid_setup
mkdir -p slurm
job=$(sh "$src/docs/scaling/slurm-submit.sh" grid.json slurm/tiny-grid 3 "$backstop") ||
  fail "sbatch"
state=""
i=0
while [ $i -lt 180 ]; do
  state=$(scontrol show job "$job" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
  case "$state" in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;; esac
  i=$((i + 1))
  sleep 0.5
done
[ "$state" = COMPLETED ] || fail "the merge job $job ended $state"
grid_check slurm/tiny-grid
echo "slurm test: a 3-task array and its merge (job $job) wrote the one-process sweep's $n files"
