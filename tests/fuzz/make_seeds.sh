#!/bin/sh
# Writes the seed inputs of the fuzz corpora (tests/fuzz/corpus/<target>/seed-*):
# hand-typed rows, a few excerpts of a seeded `backstop synth` day, and small compressed
# files made with gzip, zstd and zip. Run it again after changing a target's input
# layout; inputs found by fuzzing (crash-*, new-*) are kept as they are.
#   sh tests/fuzz/make_seeds.sh path/to/backstop
set -eu
here=$(cd "$(dirname "$0")" && pwd)
backstop=${1:?usage: make_seeds.sh path/to/backstop}
c=$here/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$c/fixed" "$c/rows" "$c/feed" "$c/source"
rm -f "$c"/*/seed-*

# fuzz_fixed: text for the parsers, then 25-byte operand blocks (rounding byte + 3 int64).
i=0
for s in 0 1 -0.25 +3.5 .5 5. 28159.75642857 0.00000001 1.500000000000 \
         92233720368.54775807 -92233720368.54775808 92233720368.54775808 \
         1000000000000000 1.000000001 -0.000000011 118886.556783564 1e5 nan inf 0x10 \
         -- - . 1.2.3 1680652800016000 -1680652800016000 2025-10-10 \
         2025-10-10T21:21:00.123456Z "2025-10-10 00:00:07" 2025-10-10T21:21 9999-12-31T23:59:59.999999Z; do
  printf '%s' "$s" > "$c/fixed/seed-text-$i"; i=$((i + 1))
done
printf '\000\000\000\000\000\000\000\000\200\377\377\377\377\377\377\377\377\001\000\000\000\000\000\000\000' > "$c/fixed/seed-ops-min"
printf '\001\377\377\377\377\377\377\377\177\000\341\365\005\000\000\000\000\003\000\000\000\000\000\000\000' > "$c/fixed/seed-ops-max"
printf '\003\000\341\365\005\000\000\000\000\200\360\372\002\000\000\000\000\007\000\000\000\000\000\000\000' > "$c/fixed/seed-ops-half"
printf '\002\377\377\377\377\377\377\377\377\000\341\365\005\000\000\000\000\375\377\377\377\377\377\377\377' > "$c/fixed/seed-ops-neg"

# fuzz_rows: byte 0 read size, byte 1 line limit, then CSV.
row() { name=$1; shift; printf "$@" > "$c/rows/seed-$name"; }
row plain '\000\377a,b,c\n1,2,3\n'
row quoted '\005\377a,b\n"x,y","z"\n"he said ""hi""",2\n'
row multiline '\001\377a,b\n"line one\nline two",2\n3,4\n'
row crlf '\003\377a,b\r\n1,2\r\n"q\r\nr",3\r\n'
row blank '\310\377a,b\n\n1,2\n\n\n3,4'
row badquote '\002\377a,b\nx"y,2\n"open,3\n'
row afterquote '\002\377a,b\n"x"y,2\n'
row empties '\007\377,,\n,\n\n,,,,\n'
row longline '\001\001a,b\n0123456789012345678901234567890123456789,1\n'
row noeol '\011\377exchange,symbol\nbinance,BTCUSDT'

# fuzz_feed: byte 0 file name (see names[] in fuzz_feed.c), byte 1 options, then the file.
"$backstop" synth -o "$tmp" --rows 1200 --hours 1 --rate 50 --plain >/dev/null
feed() { idx=$1; opt=$2; name=$3; shift 3; { printf "\\$idx\\$opt"; cat; } > "$c/feed/seed-$name"; }
{ head -n 12 "$tmp"/synthetic_incremental_book_L2_*.csv; tail -n 12 "$tmp"/synthetic_incremental_book_L2_*.csv; } |
  feed 000 000 synth-book
head -n 12 "$tmp"/synthetic_trades_*.csv | feed 001 041 synth-trades
head -n 6 "$tmp"/synthetic_derivative_ticker_*.csv | feed 004 061 synth-ticker
feed 000 021 book-reset <<'X'
exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount
binance-futures,BTCUSDT,1680652800016000,1680652800005184,true,ask,28157.3,0.056
binance-futures,BTCUSDT,1680652800016000,1680652800005184,true,bid,28157.2,1.5
binance-futures,BTCUSDT,1680652800017000,1680652800006000,false,bid,28157.2,0
binance-futures,BTCUSDT,1680652800015000,1680652800007000,false,ask,28157.4,0.024
binance-futures,BTCUSDT,1680652800018000,1680652800008000,true,ask,28160,1
X
feed 001 000 trades <<'X'
exchange,symbol,timestamp,local_timestamp,id,side,price,amount
binance-futures,BTCUSDT,1680652804962000,1680652806996641,3535188229,sell,28155.1,0.001
binance-futures,BTCUSDT,1680652804964000,1680652806997675,3535188230,buy,28155.2,0.012
binance-delivery,AAVEUSD_PERP,1760054400543000,1760054400737905,43162911,unknown,273.7,1
X
feed 002 000 liquidations <<'X'
exchange,symbol,timestamp,local_timestamp,id,side,price,amount
binance-futures,BTCUSDT,1680652804962000,1680652806996641,,sell,28155.1,0.5
binance-futures,BTCUSDT,1680652804964000,1680652806997675,,buy,28155.2,0.012
X
feed 003 002 quotes <<'X'
exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount
binance-futures,BTCUSDT,1680652800001000,1680652799986659,3.73,28155.2,28155.1,0.06
binance-futures,BTCUSDT,1680652800093000,1680652800070436,,,28155.1,0.06
X
feed 004 000 ticker <<'X'
exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price
binance-futures,BTCUSDT,1680652800010000,1680652800091265,1680652800000000,0.0000276,,,,28165.04857143,28155.1
binance-futures,BTCUSDT,1680652801000000,1680652801050102,1680681600000000,0.0000276,,81234.5,28155.2,28165.15571429,28155.2
X
feed 005 000 snapshot5 <<'X'
exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,asks[1].price,asks[1].amount,bids[1].price,bids[1].amount
binance-futures,BTCUSDT,1598918403696000,1598918403810979,11657.08,1.714,11657.07,10.896,11657.54,5.4,11656.97,0.2
binance-futures,BTCUSDT,1598918403888000,1598918403894256,11657.08,1.476,11657.07,10.896,,,11656.97,0.2
X
feed 006 000 bookdepth <<'X'
timestamp,percentage,depth,notional,weighted_avg_price
2025-10-10 00:00:07,-5,8243.012,979983314.2056,118886.556783564
2025-10-10 00:00:07,-4,7493.886,892953256.8666,119157.571501168
 2025-10-10 00:00:37 ,5,9243.012,1179983314.2056,128886.556783564
X
feed 007 000 markklines <<'X'
open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore
1760054400000,121582.79100450,121697.39454348,121582.79100450,121650.06081884,0,1760054699999,0,300,0,0,0
1760054700000,121630.98107971,121646.29468116,121527.72365942,121637.43334333,0,1760054999999,0,300,0,0,0
X
feed 010 000 indexklines <<'X'
open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore
1760054400000,121582.79,121697.39,121582.79,121580.06,0,1760054459999,0,300,0,0,0
X
feed 011 000 tradeklines <<'X'
open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore
1760054400000,121582.7,121697.3,121582.7,121650.0,12.5,1760054459999,1500000,300,6,700000,0
X

# fuzz_source: byte 0 small read size, then the file.
src() { name=$1; { printf '\003'; cat "$2"; } > "$c/source/seed-$name"; }
head -n 40 "$tmp"/synthetic_incremental_book_L2_*.csv > "$tmp/a.csv"
tail -n 20 "$tmp"/synthetic_incremental_book_L2_*.csv > "$tmp/b.csv"
src plain "$tmp/a.csv"
gzip -9 -n -c "$tmp/a.csv" > "$tmp/a.gz"; gzip -1 -n -c "$tmp/b.csv" > "$tmp/b.gz"
src gzip "$tmp/a.gz"
cat "$tmp/a.gz" "$tmp/b.gz" > "$tmp/ab.gz"; src gzip2 "$tmp/ab.gz"
zstd -q -19 -c "$tmp/a.csv" > "$tmp/a.zst"; zstd -q -1 --no-check -c "$tmp/b.csv" > "$tmp/b.zst"
src zstd "$tmp/a.zst"
cat "$tmp/a.zst" "$tmp/b.zst" > "$tmp/ab.zst"; src zstd2 "$tmp/ab.zst"
printf '\120\052\115\030\004\000\000\000skip' > "$tmp/skip"; cat "$tmp/skip" "$tmp/b.zst" > "$tmp/sb.zst"
src zstd-skippable "$tmp/sb.zst"
(cd "$tmp" && zip -q -X one.zip a.csv && zip -q -X two.zip a.csv b.csv)
src zip "$tmp/one.zip"
src zip-two-files "$tmp/two.zip"
# fuzz_policy: the shipped policies, and one inline policy of the default scenario.
src_root=$(cd "$here/../.." && pwd)
mkdir -p "$c/policy" "$c/margin" "$c/scenario"
for f in "$src_root"/data/policies/*.json; do cp "$f" "$c/policy/seed-$(basename "$f" .json)"; done
printf '%s' '{ "name": "x", "fees": { "maker": "0.0002", "taker": "0.0005", "fund_share": "0.1" },
  "liquidation": { "penalty_mode": "fee", "penalty": "0.01", "participation": "0.5",
                   "price_limit": "bankruptcy", "remainder": "takeover" },
  "fund": { "initial": "250000", "offload": "gradual", "offload_share": "0.1" },
  "waterfall": { "trigger": "negative_equity", "action": "adl", "adl_ranking": "bitmex" } }' \
  > "$c/policy/seed-inline"
printf '%s' '{ "name": "dup", "name": "dup" }' > "$c/policy/seed-duplicate-key"
printf '%s' '{ "fees": { "maker": 0.0002 } }' > "$c/policy/seed-number-for-money"

# fuzz_margin: byte 0 = output format (odd: JSON), then the account file.
for f in "$src_root"/tests/fixtures/risk/*.json; do
  { printf '\000'; cat "$f"; } > "$c/margin/seed-$(basename "$f" .json)"
done
{ printf '\001'; printf '%s' '{ "instruments": { "BTCUSDT": { "kind": "linear", "tick": "0.01",
  "contract_size": "1", "settle": "USDT", "tiers": [ { "floor": "0", "mmr": "0.025" } ] } },
  "account": { "mode": "cross", "collateral": { "USDT": "90000000000" },
  "positions": [ { "instrument": "BTCUSDT", "size": "92233720368",
                   "entry": "92233720368", "mark": "1" } ] } }'; } > "$c/margin/seed-notional-overflow"
{ printf '\000'; printf '%s' '{ "instruments": { "BTCUSD": { "kind": "inverse", "tick": "0.5",
  "contract_size": "100", "settle": "BTC", "tiers": [ { "floor": "0", "mmr": "0.005" } ] } },
  "account": { "mode": "isolated", "collateral": { "BTC": "1" },
  "positions": [ { "instrument": "BTCUSD", "size": "-92233720368", "entry": "0.00000001",
                   "mark": "92233720368", "margin": "0.00000001" } ] } }'; } > "$c/margin/seed-inverse-extremes"

# fuzz_scenario: paths resolve against data/scenarios.
cp "$src_root/data/scenarios/default.json" "$c/scenario/seed-default"
printf '%s' '{ "name": "s", "data": ["../../tests/fixtures"], "policies": ["../policies/binance-like.json"] }' \
  > "$c/scenario/seed-policy-file"
printf '%s' '{ "name": "s", "data": ["nowhere"], "policies": ["missing.json"] }' > "$c/scenario/seed-missing"
printf '%s' '{ "name": "s", "data": ["default.json"], "policies": ["default.json"] }' > "$c/scenario/seed-self"
printf '%s' '{ "name": "s", "window": { "from": "2025-10-10T02:00:00Z", "to": "2025-10-10T01:00:00Z" },
  "policies": ["../policies/dydx-like.json"] }' > "$c/scenario/seed-window-backwards"
# fuzz_run: a scenario over the target's own ten-minute tape (see fuzz_run.c), then a NUL
# byte and an accounts file. Policies are inline: the scenario sits in a scratch folder.
mkdir -p "$c/run"
tape='"data": ["synthetic_trades_2025-10-10_SYNUSDT.csv",
    "synthetic_incremental_book_L2_2025-10-10_SYNUSDT.csv",
    "synthetic_derivative_ticker_2025-10-10_SYNUSDT.csv"]'
linear='"instruments": { "SYNUSDT": { "kind": "linear", "tick": "0.5", "contract_size": "1",
    "settle": "USDT", "tiers": [ { "floor": "0", "mmr": "0.004", "max_leverage": "125" },
    { "floor": "50000", "mmr": "0.01", "max_leverage": "50" } ] } }'
shipped() { sed '1s/^{/{ /' "$src_root/data/policies/$1.json"; }
accounts='{"accounts": [
  {"id": "hi", "settle": "USDT", "deposit": "1500", "positions": [{"contract": "SYNUSDT", "size": "2", "entry": "28000"}]},
  {"id": "mid", "settle": "USDT", "deposit": "6000", "positions": [{"contract": "SYNUSDT", "size": "1", "entry": "28000"}]},
  {"id": "short", "settle": "USDT", "deposit": "3000", "positions": [{"contract": "SYNUSDT", "size": "-3", "entry": "28000"}]},
  {"id": "lo", "settle": "USDT", "deposit": "50000", "positions": [{"contract": "SYNUSDT", "size": "1.5", "entry": "27990"}]} ]}'
printf '%s' "{ \"name\": \"synthetic\", $tape, \"window\": { \"from\": \"2025-10-10T00:02:00Z\" },
  \"seed\": 7, $linear,
  \"population\": { \"model\": \"synthetic\", \"accounts_per_contract\": 60 },
  \"policies\": [ $(shipped binance-like), $(shipped dydx-like), $(shipped hyperliquid-like) ],
  \"report\": { \"interval_s\": \"30\" } }" > "$c/run/seed-synthetic"
{ printf '%s' "{ \"name\": \"accounts\", $tape, $linear,
  \"population\": { \"model\": \"accounts\", \"file\": \"accounts.json\" },
  \"policies\": [
    { \"name\": \"social-oi\", \"liquidation\": { \"remainder\": \"waterfall\" },
      \"fund\": { \"initial\": \"10\" },
      \"waterfall\": { \"trigger\": \"drawdown\", \"drawdown\": \"0.3\", \"window_s\": \"60\",
                     \"action\": \"socialize\", \"socialize_over\": \"open_interest\" } },
    { \"name\": \"netpos\", \"fund\": { \"initial\": \"100000\" },
      \"waterfall\": { \"trigger\": \"net_position\", \"net_position_cap\": \"0.5\" } },
    $(shipped dydx-like) ] }"; printf '\000%s' "$accounts"; } > "$c/run/seed-accounts"
printf '%s' "{ \"name\": \"prints\", \"data\": [\"synthetic_trades_2025-10-10_SYNUSDT.csv\",
    \"synthetic_liquidations_2025-10-10_SYNUSDT.csv\"], \"window\": { \"from\": \"2025-10-10T00:03:00Z\" },
  \"population\": { \"model\": \"liquidation_prints\", \"leverage\": \"25\", \"lot\": \"0.001\" },
  \"depth_model\": { \"points\": [ { \"pct\": \"0.5\", \"minutes\": \"0.5\" },
                                 { \"pct\": \"3\", \"minutes\": \"4\" } ] },
  \"policies\": [ { \"name\": \"p\" } ] }" > "$c/run/seed-liquidation-prints"
printf '%s' "{ \"name\": \"inverse\", $tape, \"window\": { \"from\": \"2025-10-10T00:02:00Z\",
    \"to\": \"2025-10-10T00:09:00Z\" },
  \"instruments\": { \"SYNUSDT\": { \"kind\": \"inverse\", \"tick\": \"0.5\", \"contract_size\": \"100\",
    \"settle\": \"SYN\", \"tiers\": [ { \"floor\": \"0\", \"mmr\": \"0.005\" } ] } },
  \"population\": [ { \"model\": \"synthetic\", \"accounts_per_contract\": 30,
    \"leverage\": { \"levels\": [\"5\", \"50\"], \"weights\": [1, 1] } } ],
  \"marks\": { \"window_s\": \"3\", \"step_ms\": \"500\" },
  \"policies\": [ { \"name\": \"a\" }, { \"name\": \"b\", \"liquidation\": { \"penalty\": \"0.02\" } } ] }" \
  > "$c/run/seed-inverse"

echo "seeds written to $c"
