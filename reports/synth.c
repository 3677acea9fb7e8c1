/*
 * A synthetic perpetual-futures day, written as Tardis CSV (see synth.h).
 *
 * Why: the default run and the benchmarks must work on a fresh machine without any
 * downloaded data, and a crash day with known shape makes liquidations happen where we
 * expect them. The model is deliberately simple and integer-only (so the files are the
 * same on every machine):
 * - a fair price in ticks (0.1) follows a random walk; at 60 % of the day a crash takes it
 *   down by crash_bp over five minutes, and it recovers half of that over thirty;
 * - the book keeps DEPTH levels a side around the best bid/ask; each message either moves
 *   the best prices toward the fair price (removing levels that are passed, adding new
 *   ones, trimming levels that fall out of the depth) or rewrites one to three levels,
 *   mostly within a few ticks of the top; depth thins and the spread widens in the crash;
 * - trades hit the best level and are echoed by a book row; taker sells dominate the crash;
 * - a derivative_ticker row each second carries mark, index, funding and open interest.
 * Tuned for throughput: rows are formatted by hand (no printf), so the 20 M-row benchmark
 * file is quick to make.
 */
#include "reports/synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/clock.h"
#include "engine/event.h"
#include "engine/fixed.h"
#include "engine/rng.h"
#include "reports/outfile.h"

#define LADDER (1 << 18) /* ticks covered by the generator's own book */
#define DEPTH 400        /* levels kept a side */
#define START_TICKS INT64_C(280000) /* 28,000.0 at a 0.1 tick */
#define MAX_MOVE 40      /* ticks the best may move in one message */

typedef struct gen {
  const bk_synth_opts *o;
  uint64_t rng;
  int64_t *amt[3];      /* [BK_BID], [BK_ASK]: amount in lots of 0.001 at tick - base */
  int64_t base;         /* tick of index 0 */
  int64_t bb, ba;       /* best bid and ask, ticks */
  int64_t walk;         /* random-walk part of the fair price, ticks */
  int64_t t, ts, lts;   /* simulated time, exchange and local timestamps of the message */
  int64_t last_trade;   /* ticks */
  int64_t oi;           /* open interest, lots */
  uint64_t trade_id, book_rows;
  bk_outfile *book, *trades, *ticker;
  char line[256];
} gen;

void bk_synth_defaults(bk_synth_opts *o) {
  memset(o, 0, sizeof *o);
  o->exchange = "synthetic";
  o->symbol = "SYNUSDT";
  o->start_us = INT64_C(1760054400000000); /* 2025-10-10T00:00:00Z */
  o->duration_us = INT64_C(6) * 3600 * BK_US_PER_S;
  o->seed = 20251010;
  o->msgs_per_s = 8;
  o->crash_bp = 1500;
  o->zst = 1;
}

static uint64_t rnd(gen *g) { return bk_rng_next(&g->rng); }

/* Modulo, slightly biased for n far from a power of two: kept because the shipped sample
 * tape was drawn this way (bk_rng_below would give a different tape). */
static int64_t below(gen *g, int64_t n) { return (int64_t)(rnd(g) % (uint64_t)n); }

/* Crash shape in per mille of the full drop at time t: 0 before, rising to 1000 over five
 * minutes from 60 % of the day, then easing back to 500 over thirty minutes. */
static int64_t crash_shape(const gen *g) {
  if (g->o->crash_bp == 0) return 0;
  int64_t t0 = g->o->duration_us / 10 * 6, dt = g->t - t0;
  int64_t fall = 5 * 60 * BK_US_PER_S, rec = 30 * 60 * BK_US_PER_S;
  if (dt < 0) return 0;
  if (dt < fall) return dt * 1000 / fall;
  if (dt < fall + rec) return 1000 - (dt - fall) * 500 / rec;
  return 500;
}

/* --- hand formatting ---------------------------------------------------------------- */

static char *put_str(char *p, const char *s) {
  while (*s) *p++ = *s++;
  return p;
}

static char *put_int(char *p, int64_t v) {
  char tmp[24];
  int n = 0;
  if (v < 0) {
    *p++ = '-';
    v = -v;
  }
  do tmp[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  while (n) *p++ = tmp[--n];
  return p;
}

/* v / 10^decimals with exactly `decimals` digits after the point (v >= 0). */
static char *put_dec(char *p, int64_t v, int decimals) {
  int64_t unit = 1;
  for (int k = 0; k < decimals; k++) unit *= 10;
  p = put_int(p, v / unit);
  *p++ = '.';
  int64_t frac = v % unit;
  for (int64_t u = unit / 10; u > 0; u /= 10) *p++ = (char)('0' + frac / u % 10);
  return p;
}

static char *put_head(gen *g, char *p, int64_t ts, int64_t lts) {
  p = put_str(p, g->o->exchange);
  *p++ = ',';
  p = put_str(p, g->o->symbol);
  *p++ = ',';
  p = put_int(p, ts);
  *p++ = ',';
  p = put_int(p, lts);
  *p++ = ',';
  return p;
}

static bk_rc emit(bk_outfile *f, gen *g, char *end) {
  *end++ = '\n';
  return bk_outfile_write(f, g->line, (size_t)(end - g->line));
}

/* --- the book ----------------------------------------------------------------------- */

static int64_t *level(gen *g, int side, int64_t tick) {
  int64_t i = tick - g->base;
  return (i >= 0 && i < LADDER) ? &g->amt[side][i] : NULL;
}

static bk_rc book_row(gen *g, int snapshot, int side, int64_t tick, int64_t lots) {
  int64_t *a = level(g, side, tick);
  if (!a) return BK_OK; /* outside the generator's window: never written */
  *a = lots;
  char *p = put_head(g, g->line, g->ts, g->lts);
  p = put_str(p, snapshot ? "true," : "false,");
  p = put_str(p, side == BK_BID ? "bid," : "ask,");
  p = put_dec(p, tick, 1);
  *p++ = ',';
  p = put_dec(p, lots, 3);
  g->book_rows++;
  return emit(g->book, g, p);
}

/* A fresh level size in lots: mostly small, sometimes a wall; thinner in the crash. */
static int64_t new_lots(gen *g) {
  int64_t lots = 1 + below(g, 1500);
  if (below(g, 50) == 0) lots += below(g, 40000);
  int64_t keep = 1000 - crash_shape(g) * 8 / 10; /* down to 20 % at the bottom */
  lots = lots * keep / 1000;
  return lots > 0 ? lots : 1;
}

/* Moves the best bid to nb and the best ask to na in one message: removes levels that are
 * passed or fall out of DEPTH, adds levels that come into it. */
static bk_rc move_best(gen *g, int64_t nb, int64_t na) {
  bk_rc rc = BK_OK;
  /* asks: remove those below the new best ask, add those between */
  for (int64_t k = g->ba; k < na && !rc; k++)
    if (*level(g, BK_ASK, k)) rc = book_row(g, 0, BK_ASK, k, 0);
  for (int64_t k = na; k < g->ba && !rc; k++) rc = book_row(g, 0, BK_ASK, k, new_lots(g));
  /* bids: remove those above the new best bid, add those between */
  for (int64_t k = g->bb; k > nb && !rc; k--)
    if (*level(g, BK_BID, k)) rc = book_row(g, 0, BK_BID, k, 0);
  for (int64_t k = nb; k > g->bb && !rc; k--) rc = book_row(g, 0, BK_BID, k, new_lots(g));
  /* trim what fell out of DEPTH, fill what came into it */
  for (int64_t k = g->ba + DEPTH; k < na + DEPTH && !rc; k++) rc = book_row(g, 0, BK_ASK, k, new_lots(g));
  for (int64_t k = na + DEPTH; k < g->ba + DEPTH && !rc; k++)
    if (*level(g, BK_ASK, k)) rc = book_row(g, 0, BK_ASK, k, 0);
  for (int64_t k = g->bb - DEPTH; k > nb - DEPTH && !rc; k--) rc = book_row(g, 0, BK_BID, k, new_lots(g));
  for (int64_t k = nb - DEPTH; k > g->bb - DEPTH && !rc; k--)
    if (*level(g, BK_BID, k)) rc = book_row(g, 0, BK_BID, k, 0);
  g->bb = nb;
  g->ba = na;
  return rc;
}

static int64_t fair(const gen *g) {
  int64_t drop = START_TICKS * g->o->crash_bp / 10000 * crash_shape(g) / 1000;
  return START_TICKS + g->walk - drop;
}

static bk_rc trade(gen *g) {
  int64_t shape = crash_shape(g);
  int sell = below(g, 1000) < 500 + (shape > 0 && shape < 1000 ? 350 : 0);
  int side = sell ? BK_BID : BK_ASK; /* the resting side hit */
  int64_t tick = sell ? g->bb : g->ba;
  int64_t *a = level(g, side, tick);
  if (!a || *a <= 1) return BK_OK;
  int64_t lots = 1 + below(g, *a - 1);
  if (lots > 300) lots = 1 + below(g, 300);
  char *p = put_head(g, g->line, g->ts, g->lts);
  p = put_int(p, (int64_t)++g->trade_id);
  p = put_str(p, sell ? ",sell," : ",buy,");
  p = put_dec(p, tick, 1);
  *p++ = ',';
  p = put_dec(p, lots, 3);
  bk_rc rc = emit(g->trades, g, p);
  g->last_trade = tick;
  g->oi += below(g, 3) == 0 ? -lots : lots;
  if (g->oi < 1000) g->oi = 1000;
  if (!rc) rc = book_row(g, 0, side, tick, *a - lots);
  return rc;
}

static bk_rc ticker(gen *g, int64_t ts) {
  /* mark and index in cents: the mid, and the mid with a small basis */
  int64_t mid_c = (g->bb + g->ba) * 5;
  int64_t index_c = mid_c + below(g, 11) - 5;
  int64_t period = INT64_C(8) * 3600 * BK_US_PER_S;
  int64_t next_funding = (ts / period + 1) * period;
  int64_t rate = 10000 - crash_shape(g) * 30; /* 1e-8 units: 0.0001, down in the crash */
  char *p = put_head(g, g->line, ts, ts + 3000 + below(g, 5000));
  p = put_int(p, next_funding);
  *p++ = ',';
  if (rate < 0) {
    *p++ = '-';
    rate = -rate;
  }
  p = put_dec(p, rate, 8);
  *p++ = ',';
  *p++ = ','; /* predicted_funding_rate: empty */
  p = put_dec(p, g->oi, 3);
  *p++ = ',';
  p = put_dec(p, g->last_trade, 1);
  *p++ = ',';
  p = put_dec(p, index_c, 2);
  *p++ = ',';
  p = put_dec(p, mid_c, 2);
  return emit(g->ticker, g, p);
}

size_t bk_synth_nfiles(const bk_synth_opts *o) { return o->book_only ? 1 : 3; }

void bk_synth_path(const bk_synth_opts *o, size_t i, char *buf, size_t cap) {
  static const char *const kind[] = {"incremental_book_L2", "trades", "derivative_ticker"};
  char date[32];
  bk_time_format(o->start_us, date, sizeof date);
  date[10] = '\0';
  snprintf(buf, cap, "%s/%s_%s_%s_%s.csv%s", o->out_dir, o->exchange, kind[i], date,
           o->symbol, o->zst ? ".zst" : "");
}

static bk_rc open_out(const bk_synth_opts *o, size_t i, bk_outfile **out, bk_err *err) {
  char path[4096];
  bk_synth_path(o, i, path, sizeof path);
  return bk_outfile_open(path, out, err);
}

static bk_rc generate(gen *g) {
  static const char book_head[] =
      "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n";
  static const char trade_head[] =
      "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n";
  static const char tick_head[] =
      "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,"
      "predicted_funding_rate,open_interest,last_price,index_price,mark_price\n";
  const bk_synth_opts *o = g->o;
  bk_rc rc = bk_outfile_write(g->book, book_head, sizeof book_head - 1);
  if (!rc && g->trades) rc = bk_outfile_write(g->trades, trade_head, sizeof trade_head - 1);
  if (!rc && g->ticker) rc = bk_outfile_write(g->ticker, tick_head, sizeof tick_head - 1);
  /* the opening snapshot */
  g->ts = o->start_us;
  g->lts = o->start_us + 5000;
  for (int64_t k = 0; k < DEPTH && !rc; k++) rc = book_row(g, 1, BK_ASK, g->ba + k, new_lots(g));
  for (int64_t k = 0; k < DEPTH && !rc; k++) rc = book_row(g, 1, BK_BID, g->bb - k, new_lots(g));
  int64_t next_tick_s = o->start_us / BK_US_PER_S + 1;
  int64_t mean_gap = BK_US_PER_S / (o->msgs_per_s > 0 ? o->msgs_per_s : 1);
  while (!rc && g->t < o->duration_us) {
    if (o->max_book_rows && g->book_rows >= o->max_book_rows) break;
    g->t += 1 + below(g, 2 * mean_gap);
    int64_t now = o->start_us + g->t;
    while (g->ticker && next_tick_s * BK_US_PER_S <= now && !rc)
      rc = ticker(g, next_tick_s++ * BK_US_PER_S);
    g->ts = now / 1000 * 1000; /* the venue stamps milliseconds */
    g->lts = now + 2000 + below(g, 10000);
    if (below(g, 8) == 0) g->walk += below(g, 3) - 1;
    int64_t spread = 1 + crash_shape(g) / 100;
    int64_t nb = fair(g), na = nb + spread;
    if (nb != g->bb || na != g->ba) {
      if (nb > g->bb + MAX_MOVE) nb = g->bb + MAX_MOVE;
      if (nb < g->bb - MAX_MOVE) nb = g->bb - MAX_MOVE;
      na = nb + spread;
      rc = move_best(g, nb, na);
    } else {
      int64_t rows = 1 + below(g, 3);
      for (int64_t r = 0; r < rows && !rc; r++) {
        int side = below(g, 2) ? BK_BID : BK_ASK;
        int64_t d = 0;
        while (d < DEPTH - 1 && below(g, 10) < 7) d++;
        int64_t tick = side == BK_BID ? g->bb - d : g->ba + d;
        int64_t *a = level(g, side, tick);
        if (!a) continue;
        rc = book_row(g, 0, side, tick, (d > 0 && *a && below(g, 4) == 0) ? 0 : new_lots(g));
      }
    }
    if (!rc && g->trades && below(g, 10) < 3) rc = trade(g);
  }
  return rc;
}

bk_rc bk_synth_run(const bk_synth_opts *o, bk_err *err) {
  gen *g = calloc(1, sizeof *g);
  if (!g) return bk_err_set(err, BK_ENOMEM, "synth: out of memory");
  bk_rc rc = BK_OK;
  g->o = o;
  g->rng = o->seed;
  g->base = START_TICKS - LADDER / 4 * 3;
  g->bb = START_TICKS;
  g->ba = START_TICKS + 1;
  g->last_trade = START_TICKS;
  g->oi = 5000000; /* 5,000 in lots of 0.001 */
  for (int s = BK_BID; s <= BK_ASK; s++)
    if (!(g->amt[s] = calloc(LADDER, sizeof(int64_t)))) {
      rc = bk_err_set(err, BK_ENOMEM, "synth: out of memory");
      goto out;
    }
  if ((rc = open_out(o, 0, &g->book, err)) ||
      (!o->book_only &&
       ((rc = open_out(o, 1, &g->trades, err)) || (rc = open_out(o, 2, &g->ticker, err)))))
    goto out;
  rc = generate(g);
  if (rc) {
    bk_err_set(err, rc, "synth: cannot write %s", bk_outfile_path(g->book));
    goto out;
  }
  bk_outfile *files[3] = {g->book, g->trades, g->ticker};
  g->book = g->trades = g->ticker = NULL;
  rc = bk_outfile_commit_all(files, 3, err); /* all three files, or none */
out:
  bk_outfile_abort(g->book);
  bk_outfile_abort(g->trades);
  bk_outfile_abort(g->ticker);
  free(g->amt[BK_BID]);
  free(g->amt[BK_ASK]);
  free(g);
  return rc;
}
