#!/bin/sh
# Builds the libFuzzer targets (clang, BK_FUZZ=ON) and runs each for a bounded time on a
# scratch copy of its corpus, two at a time. Any finding (crash, sanitizer report, failed
# check, leak, timeout) fails the script; its input is left in the artifacts folder to be
# committed under tests/fuzz/corpus/<name>/ once fixed. Prints each target's executions.
#   sh tests/fuzz/run.sh [SECONDS_EACH] [BUILD_DIR]      (defaults: 60, build/fuzz)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
build=${2:-$src/build/fuzz}
cmake -S "$src" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
  -DBK_FUZZ=ON -DBK_WERROR=OFF >/dev/null
cmake --build "$build" -j2 --target fuzzers >"$build/fuzzers-build.log" 2>&1 ||
  { tail -n 30 "$build/fuzzers-build.log" >&2; echo "fuzz: build failed" >&2; exit 1; }
work=$build/fuzz-run
rm -rf "$work"
mkdir -p "$work"
# Targets that read files rewrite one per input: on /dev/shm when it is there, that costs
# no disk. Each target gets its own folder, so a report it wrote there can be shown.
scratch=$work/scratch
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  scratch=/dev/shm/bk-fuzz-run-$$
  trap 'rm -rf "$scratch"' EXIT
fi
run_one() {
  name=$1
  mkdir -p "$work/$name/new" "$work/$name/artifacts" "$scratch/$name"
  # new inputs go to a folder of this run; the committed corpus is only read
  dict=""
  [ -f "$src/tests/fuzz/$name.dict" ] && dict="-dict=$src/tests/fuzz/$name.dict"
  BK_FUZZ_SCRATCH="$scratch/$name" "$build/tests/fuzz/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 $dict \
    -print_final_stats=1 -artifact_prefix="$work/$name/artifacts/" \
    "$work/$name/new" "$src/tests/fuzz/corpus/$name" >"$work/$name.log" 2>&1
}
names=$(cd "$src/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fail=0
set -- $names
while [ $# -gt 0 ]; do
  a=$1
  shift
  b=""
  if [ $# -gt 0 ]; then b=$1; shift; fi
  ra=0 rb=0
  run_one "$a" & pa=$!
  if [ -n "$b" ]; then run_one "$b" & pb=$!; fi
  wait $pa || ra=$?
  if [ -n "$b" ]; then wait $pb || rb=$?; fi
  for n in $a $b; do
    r=$ra
    [ "$n" = "$b" ] && r=$rb
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$n.log" | tail -n 1)
    if [ "$r" -ne 0 ]; then
      # a report raised while the target had stderr redirected is in its scratch folder
      for f in "$work/$n.log" "$scratch/$n"/*/stderr.txt; do
        [ -f "$f" ] && { grep -E "INFO: Seed|runtime error|finding|ERROR|SUMMARY" "$f" | head -n 8 >&2 || true; }
        [ -f "$f" ] && [ "$f" != "$work/$n.log" ] && cp "$f" "$work/$n/"
      done
      echo "fuzz: fuzz_$n FAILED after ${execs:-?} executions; input in $work/$n/artifacts" >&2
      fail=1
    else
      echo "fuzz: fuzz_$n ${execs:-?} executions in ${secs} s, no finding"
    fi
  done
done
exit $fail
