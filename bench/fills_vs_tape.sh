#!/bin/sh
# Long liquidations that filled on the book above the last real trade: for each
# liquidation of a long (rows of liquidations.csv with book_contracts > 0) of one policy
# and instrument between two times, the average fill price against the last trade of the
# tape at or before the liquidation's time, and against the highest trade of the BAND_S
# seconds up to it (default 1, the depth model's default band; the newest trade always
# counts). Prints the count, how many filled above each, and the largest excess in per
# cent.
#
#   bench/fills_vs_tape.sh OUT/liquidations.csv TRADES.csv.gz POLICY INSTRUMENT FROM TO [BAND_S]
#   bench/fills_vs_tape.sh out/binance-2025-10-10/liquidations.csv \
#     ../shared/data/binance-delivery-2025-10-10/binance-delivery_trades_2025-10-10_DOTUSD_PERP.csv.gz \
#     binance-like DOTUSD_PERP 2025-10-10T21:15 2025-10-10T21:25
#
# Times compare as text against the time column (ISO 8601), so FROM and TO may be cut
# short. The tape is a Tardis trades file (timestamp in µs, price in column 7), in time
# order, as the project reads it.
set -eu
[ $# -eq 6 ] || [ $# -eq 7 ] || {
  echo "usage: $0 LIQUIDATIONS.csv TRADES.csv[.gz] POLICY INSTRUMENT FROM TO [BAND_S]" >&2
  exit 64
}
liq=$1 tape=$2 pol=$3 sym=$4 from=$5 to=$6 band=${7:-1}
cat_tape() { case $1 in *.gz) gzip -dc "$1" ;; *.zst) zstd -dc "$1" ;; *) cat "$1" ;; esac; }
# liquidations of longs first (tagged L), then the tape (tagged T), merged by time; a
# liquidation sorts after the trades of its own microsecond (they happened before it),
# and trades of one microsecond keep the tape's order (the last row is the last trade)
{
  awk -F, -v pol="$pol" -v sym="$sym" -v from="$from" -v to="$to" '
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["policy"] == pol && $c["instrument"] == sym && $c["side"] == "long" &&
    $c["book_contracts"] + 0 > 0 && $c["time"] >= from && $c["time"] < to {
      print $c["ts_us"] ",1," NR ",L," $c["avg_fill_price"] }' "$liq"
  cat_tape "$tape" | awk -F, 'NR > 1 { print $3 ",0," NR ",T," $7 }'
} | sort -t, -k1,1n -k2,2n -k3,3n | awk -F, -v band="$band" '
  $4 == "T" { n_t++; ts[n_t] = $1; px[n_t] = $5; next }
  n_t > 0 {
    n++; fill = $5 + 0; last = px[n_t]; hi = last
    for (i = n_t; i > 0 && ts[i] >= $1 - band * 1e6; i--) if (px[i] + 0 > hi) hi = px[i] + 0
    if (fill > last + 0) { above++; x = (fill / last - 1) * 100; if (x > worst) worst = x }
    if (fill > hi) { above_hi++; y = (fill / hi - 1) * 100; if (y > worst_hi) worst_hi = y }
  }
  END {
    printf "long liquidations %d; above the last trade %d (worst %+.2f %%); ", n, above, worst
    printf "above the high of the last %s s %d (worst %+.2f %%)\n", band, above_hi, worst_hi
  }'
