#!/usr/bin/env bash
# 10^6 accounts on a real day of the BTCUSDT book: an accounts file of N accounts
# (default 1,000,000) in long/short pairs of equal size around the day's price, leverage
# 2 to 125x, run over Binance's BTCUSDT 2023-04-05 tapes (full L2 book, marks from the
# ticker) with one policy. Prints wall time, peak memory, and what the run did.
#
# usage: bench/million.sh [BUILD_DIR]   (default build/release; env N, DATA)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
exe=${1:-$root/build/release}/backstop
n=${N:-1000000}
data=${DATA:-$root/../shared/data}/binance-futures-btcusdt-2023-04-05
[ -d "$data" ] || { echo "no BTCUSDT data in $data: skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Pair k: a long and a short of 0.001 × (1 + 31k mod 100) BTC, entries within ±300 USD of
# 28,145 (the day's price), leverage 2 + (7919k mod 124), deposit = notional / leverage
# rounded up to a cent.
awk -v n="$n" 'BEGIN {
  print "account,settle,deposit,contract,size,entry"
  for (i = 0; i < n; i++) {
    k = int(i / 2)
    size = 0.001 * (1 + (31 * k) % 100)
    entry = 28145 + (((104729 * i) % 6001) - 3000) / 10
    lev = 2 + (7919 * k) % 124
    dep = int(size * entry / lev * 100 + 0.999999) / 100
    printf "a%d,USDT,%.2f,BTCUSDT,%s%.3f,%.1f\n", i, dep, (i % 2 ? "-" : ""), size, entry
  }
}' > "$work/accounts.csv"
"$exe" init "$data" -o "$work/inferred.json" --quiet
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
s = json.load(open(w + "/inferred.json"))
s["population"] = {"model": "accounts", "file": w + "/accounts.csv"}
s["policies"] = s["policies"][:1]
json.dump(s, open(w + "/scenario.json", "w"), indent=1)
PY
/usr/bin/time -f "%e %M" -o "$work/time" "$exe" run -o "$work/out" "$work/scenario.json" > "$work/stdout"
read -r wall rss < "$work/time"
echo "accounts: $n ($(du -h "$work/accounts.csv" | cut -f1) accounts file)"
echo "wall: $wall s, peak RSS: $((rss / 1024)) MB"
grep -E "^population|^replayed|^binance-like|outcomes" "$work/stdout" || true
