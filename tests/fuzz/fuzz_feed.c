/*
 * Fuzz target: every CSV decoder behind bk_feed_open (feeds/feed.h): Tardis
 * incremental_book_L2, trades, liquidations, quotes, derivative_ticker, book_snapshot_N,
 * and Binance bookDepth and klines. The header row in the input picks the decoder; the
 * file name, picked by the input's first byte, supplies what Binance and liquidations
 * files take from their names.
 *
 * Each input is decoded twice: with the defaults, and with a read size (down to 1 byte),
 * a line limit, the libcsv reference splitter and the decompression thread chosen by the
 * input's second byte. Both must give the same events and end the same way (the
 * header's promise that options never change events). Each event must also keep the
 * feed's own promises: timestamps never go backwards, instrument ids are known, kinds
 * and sides are in range; and the info counters must add up.
 *
 * Input: byte 0 = file name, byte 1 = options, the rest = the file.
 */
#include <stdio.h>
#include <string.h>

#include "engine/event.h"
#include "engine/instrument.h"
#include "feeds/feed.h"
#include "tests/fuzz/fuzz.h"

#define EVENTS_MAX 200000 /* klines make 4 events a row; 4 KiB inputs stay far below */

static const char *const names[] = {
    "binance-futures_incremental_book_L2_2023-04-05_BTCUSDT.csv",
    "binance-futures_trades_2023-04-05_BTCUSDT.csv",
    "binance-futures_liquidations_2023-04-05_BTCUSDT.csv",
    "binance-futures_quotes_2023-04-05_BTCUSDT.csv",
    "binance-futures_derivative_ticker_2023-04-05_BTCUSDT.csv",
    "binance-futures_book_snapshot_5_2023-04-05_BTCUSDT.csv",
    "BTCUSDT-bookDepth-2025-10-10.csv",
    "BTCUSD_PERP-markPriceKlines-1m-2025-10-10.csv",
    "BTCUSDT-indexPriceKlines-5m-2025-10-10.csv",
    "BTCUSDT-1m-2025-10-10.csv",
    "data.csv",
};
#define N_NAMES (sizeof names / sizeof *names)

static int same_event(const bk_event *a, const bk_event *b) {
  return a->ts == b->ts && a->local_ts == b->local_ts && a->price == b->price &&
         a->qty == b->qty && a->aux == b->aux && a->aux2 == b->aux2 && a->instr == b->instr &&
         a->kind == b->kind && a->side == b->side && a->flags == b->flags;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  const char *name = names[data[0] % N_NAMES];
  uint8_t o = data[1];
  const char *path = bk_fz_file(name, data + 2, size - 2);

  bk_feed_opts dflt, alt;
  bk_feed_opts_init(&dflt);
  bk_feed_opts_init(&alt);
  alt.read_size = (o & 0x0f) ? (size_t)(o & 0x0f) * 3 - 2 : 0; /* 1, 4, ... 43 or 1 MiB */
  alt.reference_csv = (o >> 4) & 1;
  alt.threaded = (o >> 5) & 1;
  if ((o >> 6) & 1) alt.max_line = 200;
  bk_instruments ia, ib;
  bk_instruments_init(&ia);
  bk_instruments_init(&ib);
  bk_feed *fa = NULL, *fb = NULL;
  bk_err ea, eb;
  bk_rc ra = bk_feed_open(path, &ia, &dflt, &fa, &ea);
  bk_rc rb = bk_feed_open(path, &ib, &alt, &fb, &eb);
  if (ra) BK_FZ_CHECK(fa == NULL && ea.msg[0], "failed open: feed left or no message");
  /* A line limit of 200 may fail a long header the default reads. */
  if (!alt.max_line)
    BK_FZ_CHECK(ra == rb, "open: %d (%s) vs %d (%s)", ra, ra ? ea.msg : "",
                rb, rb ? eb.msg : "");
  if (ra || rb) goto out;

  uint64_t n = 0;
  int64_t last_ts = INT64_MIN;
  bk_event a, b;
  for (; n < EVENTS_MAX; n++) {
    ra = bk_feed_next(fa, &a);
    rb = bk_feed_next(fb, &b);
    if (alt.max_line && rb == BK_EDATA && ra != rb) break; /* a row over 200 bytes */
    BK_FZ_CHECK(ra == rb, "event %llu: %d (%s) vs %d (%s)", (unsigned long long)n, ra,
                bk_feed_error(fa)->msg, rb, bk_feed_error(fb)->msg);
    if (ra != BK_OK) break;
    BK_FZ_CHECK(same_event(&a, &b), "event %llu differs between option sets",
                (unsigned long long)n);
    BK_FZ_CHECK(a.ts >= last_ts, "event %llu: ts %lld after %lld", (unsigned long long)n,
                (long long)a.ts, (long long)last_ts);
    last_ts = a.ts;
    BK_FZ_CHECK(a.instr < ia.n, "event %llu: instrument %u of %zu", (unsigned long long)n,
                a.instr, ia.n);
    BK_FZ_CHECK(a.kind > BK_EV_NONE && a.kind < BK_EV_KINDS, "kind %u", a.kind);
    BK_FZ_CHECK(a.side <= BK_ASK, "side %u", a.side);
  }
  if (ra != BK_OK && ra != BK_EOF)
    BK_FZ_CHECK(bk_feed_error(fa)->msg[0] && bk_feed_error(fa)->rc == ra,
                "error %d without its detail", ra);
  if (ra == BK_EOF) {
    const bk_feed_info *info = bk_feed_info_get(fa);
    BK_FZ_CHECK(info->file.events == n, "info says %llu events, %llu handed out",
                (unsigned long long)info->file.events, (unsigned long long)n);
    BK_FZ_CHECK(bk_feed_next(fa, &a) == BK_EOF, "EOF is not sticky");
    if (n)
      BK_FZ_CHECK(info->file.first_ts <= info->file.last_ts, "first_ts after last_ts");
  }
out:
  bk_feed_free(fa);
  bk_feed_free(fb);
  bk_instruments_fini(&ia);
  bk_instruments_fini(&ib);
  return 0;
}
