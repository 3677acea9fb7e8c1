#!/bin/sh
# Include circles between the project's modules: a module is a source file and its
# header (engine/risk.c with engine/risk.h); module a includes module b when a.c or a.h
# includes b.h. A circle (a includes b, b includes a, directly or through others) means
# neither can be read or built alone; a state both need belongs in a header of its own
# (engine/risk_state.h, reports/run.h). A feeds/source_int.h-style internal header, the
# part of one module its helpers share, counts as its owner's (source_int.h: source).
#   sh tests/includes.sh SOURCE_DIR      (ctest: no_include_circles)
set -eu
circles="$(cd "$(dirname "$0")" && pwd)/circles.awk"
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
cd "$1"
for f in engine/*.[ch] feeds/*.[ch] strategies/*.[ch] config/*.[ch] reports/*.[ch] cli/*.[ch]; do
  [ -e "$f" ] || continue
  sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f" | while read -r inc; do
    printf '%s %s\n' "${f%.[ch]}" "$inc"
  done
done | sed 's/_int\b//g' | awk '$1 != $2' | sort -u >"$edges"
awk -v tag=includes -v verb=includes -f "$circles" "$edges" || exit 1
echo "includes: no circle among $(awk '{ print $1; print $2 }' "$edges" | sort -u | wc -l) modules ($(wc -l <"$edges") includes)"
