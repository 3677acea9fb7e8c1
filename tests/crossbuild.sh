#!/bin/sh
# Determinism across builds: the same commands must write byte-identical outputs whether
# backstop was built with gcc or clang, at -O0 or -O2, and whether it decodes in one
# thread or two. Builds four trees (only the backstop target), runs in each:
#   synth (a seeded day, zstd), inspect of that day,
#   run, the built-in default scenario (its reports), with --threads 1 and 2,
#   replay --tob-csv of that day with --threads 1 and 2,
#   replay --tob-csv of the real Binance BTCUSDT 2023-04-05 data with --threads 1 and 2
#     (when ../shared/data is present; its absence fails under BK_REQUIRE_DATA=1),
# then compares every output file against the first build's, and threads 2 against 1.
# Commands run from their output folder with relative paths, so printed paths agree.
#   sh tests/crossbuild.sh [BUILD_ROOT]      (default: build/cross)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-$src/build/cross}
mkdir -p "$root"
root=$(cd "$root" && pwd) # the runs below cd into their output folders
data=${BK_SHARED_DATA:-$src/../shared/data}
real=$data/binance-futures-btcusdt-2023-04-05
configs="gcc-O0 gcc-O2 clang-O0 clang-O2"
jobs=${BK_JOBS:-2}
start=$(date +%s)

for c in $configs; do
  cc=${c%-*}
  opt=${c#*-}
  # Warnings are not errors here: the point is the outputs, and each compiler warns
  # differently (the dev and asan presets hold the warning line).
  log=$root/build-$c.log
  mkdir -p "$root"
  if ! { cmake -S "$src" -B "$root/$c" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=None \
           -DCMAKE_C_FLAGS="-$opt" -DBUILD_TESTING=OFF -DBK_WERROR=OFF &&
         cmake --build "$root/$c" -j"$jobs" --target backstop; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "crossbuild: $c failed to build (log: $log)" >&2
    exit 1
  fi
  echo "crossbuild: built $c"
done

for c in $configs; do
  out=$root/out/$c
  rm -rf "$out"
  mkdir -p "$out/day"
  bs=$root/$c/backstop
  (
    cd "$out"
    "$bs" synth -o day --hours 1 --rate 20 --seed 7 >synth.txt
    # the built-in default run: writes its sample day to out/sample, then the reports
    for t in 1 2; do
      "$bs" run --quiet --threads $t -o run-t$t >run-t$t.txt 2>run-t$t.err
    done
    "$bs" inspect day >inspect.txt
    for t in 1 2; do
      "$bs" replay --quiet --threads $t --tob-csv tob-synth-t$t.csv day >replay-synth-t$t.txt
      if [ -d "$real" ]; then
        "$bs" replay --quiet --threads $t --tob-csv tob-real-t$t.csv "$real" >replay-real-t$t.txt
      fi
    done
  )
  echo "crossbuild: ran $c"
done

fail=0
first=${configs%% *}
files=$(cd "$root/out/$first" && find . -type f | sort)
[ -n "$files" ] || { echo "crossbuild: no outputs" >&2; exit 1; }
for c in $configs; do
  for f in $files; do
    if ! cmp -s "$root/out/$first/$f" "$root/out/$c/$f"; then
      echo "crossbuild: $c differs from $first: $f" >&2
      fail=1
    fi
  done
  for kind in synth real; do
    for pre in tob replay; do
      ext=csv
      [ $pre = replay ] && ext=txt
      a=$root/out/$c/$pre-$kind-t1.$ext
      b=$root/out/$c/$pre-$kind-t2.$ext
      [ -f "$a" ] || continue
      cmp -s "$a" "$b" || { echo "crossbuild: $c: threads 2 differs from 1: $pre-$kind" >&2; fail=1; }
    done
  done
  # reports of the run (the manifest records the command line, so it differs by design)
  for f in $(cd "$root/out/$c/run-t1" && ls | grep -v '^manifest.json$'); do
    cmp -s "$root/out/$c/run-t1/$f" "$root/out/$c/run-t2/$f" ||
      { echo "crossbuild: $c: run with threads 2 differs from 1: $f" >&2; fail=1; }
  done
  sed 's/run-t2/run-t1/g' "$root/out/$c/run-t2.txt" | cmp -s "$root/out/$c/run-t1.txt" - ||
    { echo "crossbuild: $c: run summary with threads 2 differs from 1" >&2; fail=1; }
done
n=$(echo "$files" | wc -l)
if [ ! -d "$real" ]; then
  if [ "${BK_REQUIRE_DATA:-0}" != 0 ]; then
    echo "crossbuild: $real absent and BK_REQUIRE_DATA is set" >&2
    fail=1
  else
    echo "crossbuild: $real absent: real-data replays skipped"
  fi
fi
if [ $fail -ne 0 ]; then
  echo "crossbuild: FAILED" >&2
  exit 1
fi
echo "crossbuild: $n outputs identical across $configs and 1/2 threads ($(( $(date +%s) - start )) s)"
