# Circles in a directed graph read as "from to" lines: the groups of nodes that reach
# each other (transitive closure, Warshall: a hundred nodes take no time). Each circle is
# printed with its edges, "<tag>: circle K: nodes" then "  from <verb> to"; with none,
# nothing is printed. Exits 1 when there is a circle. Used by tests/cycles.sh (calls
# between files) and tests/includes.sh (includes between modules):
#   awk -v tag=NAME -v verb=WORD -f tests/circles.awk EDGES
{ n[$1]; n[$2]; r[$1, $2] = 1; e[++m] = $1 " " $2 }
END {
  for (k in n) for (i in n) if ((i, k) in r) for (j in n) if ((k, j) in r) r[i, j] = 1
  found = 0
  for (i in n) {
    if (!((i, i) in r) || (i in done)) continue
    found++
    printf "%s: circle %d:", tag, found
    for (j in n) if ((i, j) in r && (j, i) in r) { grp[j] = found; done[j]; printf " %s", j }
    printf "\n"
    for (x = 1; x <= m; x++) {
      split(e[x], f, " ")
      if (grp[f[1]] == found && grp[f[2]] == found) printf "  %s %s %s\n", f[1], verb, f[2]
    }
  }
  exit found > 0
}
