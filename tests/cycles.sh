#!/bin/sh
# Circles between the project's source files: a.c uses something b.c defines while b.c,
# directly or through other files, uses something a.c defines. Such files can only be
# understood, tested and moved together; the layers already forbid circles between
# folders, this finds them inside a folder too. The graph is read from the compiled
# libraries (nm: each object's undefined symbols against the objects that define them),
# so it is what the code uses, not what it happens to include.
#   sh tests/cycles.sh LIBRARY.a...      (ctest: no_cycles_between_files)
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for lib in "$@"; do
  folder=$(basename "$lib" .a)
  folder=${folder#libbk_}
  # "lib.a:member.c.o:<address> <type> <symbol>"; run beside the library so its path has
  # no colon of its own
  (cd "$(dirname "$lib")" && nm -A "$(basename "$lib")") |
    awk -F: -v folder="$folder" '{
      n = split($3, f, " ")
      if (n < 2) next
      sub(/\.o$/, "", $2)
      print (f[n - 1] == "U" ? "U" : (f[n - 1] ~ /^[A-Z]$/ ? "D" : "L")), folder "/" $2, f[n]
    }'
done >"$tmp/symbols"

# Known circles left for their owners, as "user definer" edges left out of the graph.
# feeds/source.c picks the codec (source_gz.c, source_zst.c, source_zip.c: their operation
# tables) and the codecs read (and hash) the file through source.c's reader.
cat >"$tmp/known" <<'KNOWN'
feeds/source_gz.c feeds/source.c
feeds/source_zst.c feeds/source.c
feeds/source_zip.c feeds/source.c
KNOWN

awk '
  FILENAME == ARGV[1] { known[$1 " " $2] = 1; next }
  $1 == "D" { def[$3] = $2; next }
  $1 == "U" { use[++n] = $2 " " $3 }
  END {
    for (i = 1; i <= n; i++) {
      split(use[i], u, " ")
      if ((u[2] in def) && def[u[2]] != u[1] && !((u[1] " " def[u[2]]) in known))
        print u[1], def[u[2]]
    }
  }' "$tmp/known" "$tmp/symbols" | sort -u >"$tmp/edges"

# Circles are the groups of files that reach each other (tests/circles.awk), each printed
# with the uses between its files.
awk -v tag=cycles -v verb="->" -f "$(dirname "$0")/circles.awk" "$tmp/edges" >"$tmp/report" &&
  status=0 || status=1
files=$(awk '{ print $2 }' "$tmp/symbols" | sort -u | wc -l)
edges=$(wc -l <"$tmp/edges")
if [ $status -eq 0 ]; then
  echo "cycles: none among $files files ($edges uses between them)"
else
  cat "$tmp/report" >&2
  echo "cycles: break them: move what both sides use into a file of its own" >&2
fi
exit $status
