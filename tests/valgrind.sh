#!/bin/sh
# A fast subset of the suite under valgrind (memcheck: invalid reads and writes, use of
# uninitialised values, leaks), complementing the ASan build: valgrind sees the
# uninstrumented shared libraries (zstd, zlib, libzip, libcsv) and the real allocator.
# Runs a few unit-test programs, the fuzz corpora, and the command itself: synth,
# inspect, and replay with one and two decoding threads.
#   sh tests/valgrind.sh [BUILD_DIR]      (default: build/dev, built with tests)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build/dev}" && pwd)
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 1; }
tmp=$build/tests/tmp/valgrind
rm -rf "$tmp"
mkdir -p "$tmp"
export BK_SHARED_DATA="${BK_SHARED_DATA:-$src/../shared/data}"
export BK_SOURCE_DIR="$src" BK_BACKSTOP="$build/backstop" BK_TMPDIR="$tmp/tests"
day=$tmp/day
mkdir -p "$day"
start=$(date +%s)
vg() {
  valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --track-origins=yes "$@"
}
check() { # name, command...
  name=$1
  shift
  t0=$(date +%s)
  if vg "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
    echo "valgrind: $name clean ($(( $(date +%s) - t0 )) s)"
  else
    rc=$?
    tail -n 40 "$tmp/$name.err" >&2
    echo "valgrind: $name FAILED (exit $rc)" >&2
    exit 1
  fi
}
for t in test_fixed test_merge test_market test_margin test_waterfall; do
  check "$t" "$build/tests/$t"
done
for f in "$build"/tests/fuzz/fuzz_*; do
  name=$(basename "$f")
  check "$name" "$f" "$src/tests/fuzz/corpus/${name#fuzz_}"
done
check synth "$build/backstop" synth -o "$day" --hours 1 --rate 3 --seed 3
check inspect "$build/backstop" inspect "$day"
check replay-t1 "$build/backstop" replay --quiet --threads 1 --tob-csv "$tmp/tob1.csv" "$day"
check replay-t2 "$build/backstop" replay --quiet --threads 2 --tob-csv "$tmp/tob2.csv" "$day"
cmp -s "$tmp/tob1.csv" "$tmp/tob2.csv" || { echo "valgrind: tob differs across threads" >&2; exit 1; }
echo "valgrind: all clean ($(( $(date +%s) - start )) s)"
