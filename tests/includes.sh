#!/bin/sh
# Include circles between the project's modules: a module is a source file and its
# header (engine/risk.c with engine/risk.h); module a includes module b when a.c or a.h
# includes b.h. A circle (a includes b, b includes a, directly or through others) means
# neither can be read or built alone; a state both need belongs in a header of its own
# (engine/risk_state.h, reports/run.h). A feeds/source_int.h-style internal header, the
# part of one module its helpers share, counts as its owner's (source_int.h: source).
#   sh tests/includes.sh SOURCE_DIR      (ctest: no_include_circles)
set -eu
cd "$1"
for f in engine/*.[ch] feeds/*.[ch] strategies/*.[ch] config/*.[ch] reports/*.[ch] cli/*.[ch]; do
  [ -e "$f" ] || continue
  sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f" | while read -r inc; do
    printf '%s %s\n' "${f%.[ch]}" "$inc"
  done
done | sed 's/_int\b//g' | awk '$1 != $2' | sort -u >"${TMPDIR:-/tmp}/bk-includes.$$"
edges="${TMPDIR:-/tmp}/bk-includes.$$"
trap 'rm -f "$edges"' EXIT
awk '
  { n[$1]; n[$2]; r[$1, $2] = 1; e[++m] = $1 " " $2 }
  END {
    for (k in n) for (i in n) if ((i, k) in r) for (j in n) if ((k, j) in r) r[i, j] = 1
    found = 0
    for (i in n) {
      if (!((i, i) in r) || (i in done)) continue
      found++
      printf "includes: circle %d:", found
      for (j in n) if ((i, j) in r && (j, i) in r) { grp[j] = found; done[j]; printf " %s", j }
      printf "\n"
      for (x = 1; x <= m; x++) {
        split(e[x], f, " ")
        if (grp[f[1]] == found && grp[f[2]] == found) printf "  %s includes %s\n", f[1], f[2]
      }
    }
    if (!found) printf "includes: no circle among %d modules (%d includes)\n", length(n), m
    exit found > 0
  }' "$edges"
