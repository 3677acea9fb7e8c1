/*
 * A feed: one market data file read as a stream of events (engine/event.h).
 * Feed = byte source (plain, gzip, zstd, zip) + row reader + the decoder its header row
 * (and file name) selects.
 *
 * Supported formats (messages about an unknown file list them):
 *   Tardis CSV: incremental_book_L2, trades, quotes, derivative_ticker, liquidations,
 *     book_snapshot_N (any N). Exchange and symbol come from each row.
 *   Binance public data: bookDepth, klines (mark-price, index-price or trade-price).
 *     Exchange and symbol come from the file name: BTCUSDT-bookDepth-2025-10-10.csv.gz,
 *     BTCUSD_PERP-markPriceKlines-1m-2025-10-10.zip; USDT/USDC symbols are
 *     "binance-futures", *USD_PERP and other COIN-M symbols "binance-delivery".
 *     Kline files without a header row (Binance's files before 2022: 12 columns, the
 *     first a 13-digit time in ms) are read as klines too.
 *   Tardis `liquidations` and `trades` share a header; the file name
 *   (<exchange>_liquidations_<date>_<symbol>.csv...) tells them apart.
 *
 * Events per row:
 *   incremental_book_L2  BK_EV_SNAPSHOT for is_snapshot=true (the first row of a run of
 *                        snapshot rows carries BK_EVF_RESET), BK_EV_BOOK otherwise.
 *   book_snapshot_N      BK_EV_SNAPSHOT per non-empty level, asks[0..N) then
 *                        bids[0..N); the first carries BK_EVF_RESET.
 *   trades               BK_EV_TRADE, side = taker (unknown: BK_SIDE_NONE).
 *   liquidations         BK_EV_LIQ, side of the liquidation order.
 *   quotes               BK_EV_QUOTE (an empty side is 0/0).
 *   derivative_ticker    one event per non-empty field, in this order: BK_EV_FUNDING
 *                        (aux = funding_timestamp), BK_EV_OI, BK_EV_LAST, BK_EV_INDEX,
 *                        BK_EV_MARK. Every field but the times may be empty.
 *   bookDepth            BK_EV_DEPTH: aux = percentage, qty = depth, price = notional,
 *                        side BID for a negative percentage, else ASK. Times are UTC
 *                        "2025-10-10 00:00:07" (spaces around them are tolerated: a
 *                        Binance file has one). weighted_avg_price is ignored.
 *   klines               four events per bar on a fixed path: open at open_time; then
 *                        low and high (low first when close >= open, else high first) at
 *                        open_time + L/3 and open_time + 2L/3 where L = close_time + 1 ms -
 *                        open_time (integer µs, rounded down); close at close_time. The
 *                        middle two carry BK_EVF_SYNTH. Kind BK_EV_MARK for mark-price
 *                        klines, BK_EV_INDEX for index-price, BK_EV_LAST for trade klines.
 * local_ts equals ts when the format has no local timestamp.
 *
 * Strict parsing: every row must have as many fields as the header; numbers go through
 * bk_fx_parse (no nan, inf, hex, exponent, empty), integers through bk_int_parse. A bad
 * field is BK_EDATA "file:line: column 'price': expected a decimal number, got \"nan\"";
 * a number the parser refuses says which rule it broke ("more than 8 decimal places",
 * "out of range: larger than 92233720368.54775807"), and the echoed value shows NUL and
 * control bytes escaped (\x00).
 *
 * Values: every price (trades, book levels, quotes, ticker last/index/mark, klines) must
 * be above 0 and every amount (book, trades, quotes, open interest, bookDepth depth and
 * notional) 0 or more; a book amount of 0 deletes the level. A timestamp column in
 * microseconds (Tardis) or milliseconds (klines) whose value falls in the 2000-2100 span
 * of another unit (seconds, milliseconds, microseconds, nanoseconds) is refused with the
 * unit it looks like; any other value, negative or far future, is data. Exchange and
 * symbol names may not hold NUL or control bytes. At most BK_FEED_INSTRUMENTS_MAX
 * instruments may be interned into one table.
 *
 * Time order: an exchange timestamp lower than the previous one in the same file is
 * raised to it, flagged BK_EVF_CLAMPED and counted; with opts.strict it is an error.
 *
 * Ownership: instruments is borrowed and must outlive the feed; bk_feed_open's caller
 * calls bk_feed_free. One thread per feed.
 */
#ifndef BK_FEEDS_FEED_H
#define BK_FEEDS_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/event.h"
#include "engine/inputfile.h"
#include "engine/instrument.h"

#define BK_FEED_GAP_DEFAULT_US (5 * INT64_C(1000000)) /* gaps longer than 5 s count */
#define BK_FEED_SYMBOLS_MAX 64                         /* symbols listed in bk_feed_info */
/* Instruments one run may hold (all feeds sharing an instrument table): each holds a
 * book and market state, about 35 KB once its book has levels, so 10,000 stay near
 * 350 MB; a file that names more symbols is refused at the first one past the limit. */
#define BK_FEED_INSTRUMENTS_MAX 10000

typedef struct bk_feed_opts {
  size_t read_size;     /* bytes per read (0 = 1 MiB); any value gives the same events */
  size_t max_line;      /* longest line accepted (0 = 1 MiB) */
  int threaded;         /* decompress in a second thread (same events) */
  int strict;           /* a timestamp going backwards is an error, not clamped */
  int reference_csv;    /* split every row with libcsv instead of the fast splitter */
  int64_t gap_us;       /* gaps between rows longer than this are counted (0 = 5 s) */
  const char *exchange; /* Binance public data: overrides the exchange the name implies */
  const char *symbol;   /* Binance public data: the symbol when the name has none */
  int no_hash;          /* do not hash the file as it is read (info.file.sha256 stays
                           NULL); commands that write no manifest save its cost */
} bk_feed_opts;

/* What a feed has seen so far (complete once bk_feed_next returned BK_EOF). Rows, events,
 * times and the other counters count what was decoded, events held by bk_feed_peek
 * included. */
typedef struct bk_feed_info {
  bk_input_file file;     /* path, format, codec, rows, events, time span, gaps, clamped;
                             sha256 and bytes_hashed after bk_feed_seal (NULL before) */
  uint64_t blank_lines;   /* empty lines skipped */
  uint64_t snapshot_runs; /* snapshots started (events with BK_EVF_RESET) */
  uint32_t symbols[BK_FEED_SYMBOLS_MAX]; /* instrument ids seen, in order of appearance */
  size_t n_symbols;       /* entries in symbols (stops growing at the max) */
  uint64_t bytes_in;      /* compressed bytes read so far, and the file's size */
  uint64_t bytes_total;
} bk_feed_info;

typedef struct bk_feed bk_feed;

/* Default options: 1 MiB reads and lines, no thread, clamping, fast splitter, 5 s gaps. */
void bk_feed_opts_init(bk_feed_opts *o);

/* Opens path, reads its header row and selects a decoder. opts may be NULL. Errors:
 * BK_ENOINPUT (missing, a directory, unreadable), BK_EFORMAT (an unknown header: the
 * message lists the supported formats), BK_EDATA (corrupt compression, bad header),
 * BK_ENOMEM. On error *out is NULL and err (may be NULL) says why, naming the file. */
bk_rc bk_feed_open(const char *path, bk_instruments *instruments, const bk_feed_opts *opts,
                   bk_feed **out, bk_err *err);

/* Decodes the next event into *ev. Returns BK_OK, BK_EOF at the end of the file, or an
 * error (BK_EDATA for bad rows or corrupt compression, BK_EIO, BK_ENOMEM, BK_EDATA for a
 * backwards timestamp with strict) whose detail bk_feed_error gives. Errors and EOF are
 * sticky; *ev is unchanged when the call does not return BK_OK. Use:
 *   while ((rc = bk_feed_next(f, &ev)) == BK_OK) ...; if (rc != BK_EOF) fail */
bk_rc bk_feed_next(bk_feed *f, bk_event *ev);

/* Decodes up to cap (> 0) next events into evs: the same events bk_feed_next would give
 * one by one, in fewer calls (Tardis incremental_book_L2 rows of the common shape are
 * decoded in a tight loop). Returns BK_OK with *n in [1, cap]; or, with *n == 0, BK_EOF
 * or the error bk_feed_next would return. An error met after some events is returned by
 * the next call, once those events are handed out. */
bk_rc bk_feed_next_batch(bk_feed *f, bk_event *evs, size_t cap, size_t *n);

/* Detail of the last error (rc BK_OK and an empty message when none). */
const bk_err *bk_feed_error(const bk_feed *f);

/* As bk_feed_next_batch, and lines[i] (when lines is not NULL) gets the file line of
 * the row that evs[i] came from. */
bk_rc bk_feed_next_batch_at(bk_feed *f, bk_event *evs, uint64_t *lines, size_t cap,
                            size_t *n);

/* Looks ahead: decodes events until max are held (fewer at the end of the file or at an
 * error) and hands back the first max held, *n of them in *evs with the file line of each
 * one's row in *lines (both valid until the next call on f). The events stay held: the
 * next calls of bk_feed_next and bk_feed_next_batch(_at) hand them out first, with their
 * lines, exactly as they would have come without the look. Memory: max events and lines,
 * freed once they are handed out. Returns BK_OK (also at the end of the file), or the
 * error met while decoding ahead (BK_ENOMEM, or what bk_feed_next would return; sticky:
 * the next calls hand out the held events, then return it). */
bk_rc bk_feed_peek(bk_feed *f, size_t max, const bk_event **evs, const uint64_t **lines,
                   size_t *n);

/* Ends reading and seals the digest of the file's bytes as read (bk_source_seal): the
 * info then holds sha256 and bytes_hashed. The feed hands out no more events. BK_EIO
 * when reading the rest of the file fails (bk_feed_error says why). */
bk_rc bk_feed_seal(bk_feed *f);

/* The file line of the row of the event bk_feed_next handed out last (0 before any). */
uint64_t bk_feed_line(const bk_feed *f);

/* The bytes f asks of its file per read (its opts', or what its merge chose). */
size_t bk_feed_read_size(const bk_feed *f);

/* Counters for `inspect` and progress; valid until bk_feed_free. bytes_in is current. */
const bk_feed_info *bk_feed_info_get(const bk_feed *f);

/* Frees f, its source and its thread. NULL is a no-op. */
void bk_feed_free(bk_feed *f);

#endif
