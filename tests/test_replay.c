/*
 * The replay loop: message boundaries (the book is read only when a message is whole),
 * crossed-book detection at message end, observer order, top-of-book change reporting,
 * the [from, to) window, and a replay of the real Binance BTCUSDT book of 2023-04-05
 * whose top of book is compared with the exchange's own best bid/ask stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "engine/fixed.h"
#include "engine/market.h"
#include "engine/replay.h"
#include "tests/testutil.h"

static int64_t P(const char *s) {
  int64_t v = 0;
  const char *why = NULL;
  if (bk_fx_parse(s, strlen(s), &v, &why)) fail_msg("'%s' did not parse: %s", s, why);
  return v;
}

static bk_event ev(int kind, uint32_t instr, int64_t ts, int side, const char *price,
                   const char *qty) {
  bk_event e;
  memset(&e, 0, sizeof e);
  e.kind = (uint8_t)kind;
  e.instr = instr;
  e.ts = ts;
  e.local_ts = ts;
  e.side = (uint8_t)side;
  e.price = price ? P(price) : 0;
  e.qty = qty ? P(qty) : 0;
  return e;
}

static bk_event snap(uint32_t instr, int64_t ts, int side, const char *price, const char *qty,
                     int reset) {
  bk_event e = ev(BK_EV_SNAPSHOT, instr, ts, side, price, qty);
  if (reset) e.flags = BK_EVF_RESET;
  return e;
}

/* What an observer saw. */
typedef struct seen {
  bk_replay *r;
  size_t n_msg, n_ev;
  uint32_t msg_instr[64];
  int64_t msg_ts[64];
  int msg_kind[64];
  uint64_t msg_seq[64];   /* book seq when the message was announced */
  int tob_changed[64];
  bk_tob tob[64];
  uint64_t ev_seq_ok;     /* on_event found the event already applied */
  bk_rc fail_at_msg;      /* returned from on_message number stop_after */
  size_t stop_after;
} seen;

static bk_rc on_msg(void *ctx, uint32_t instr, int64_t ts, int kind) {
  seen *s = ctx;
  assert_true(s->n_msg < 64);
  size_t i = s->n_msg++;
  s->msg_instr[i] = instr;
  s->msg_ts[i] = ts;
  s->msg_kind[i] = kind;
  const bk_instr_state *st = bk_market_instr(bk_replay_market(s->r), instr);
  s->msg_seq[i] = st ? bk_book_seq(st->book) : 0;
  s->tob_changed[i] = bk_replay_tob_changed(s->r, instr, &s->tob[i]);
  if (s->fail_at_msg && s->n_msg == s->stop_after) return s->fail_at_msg;
  return BK_OK;
}

static bk_rc on_ev(void *ctx, const bk_event *e) {
  seen *s = ctx;
  s->n_ev++;
  const bk_instr_state *st = bk_market_instr(bk_replay_market(s->r), e->instr);
  assert_non_null(st);
  if (e->kind == BK_EV_TRADE && st->trade_price == e->price && st->trade_ts == e->ts)
    s->ev_seq_ok++;
  if (e->kind == BK_EV_MARK && st->mark == e->price) s->ev_seq_ok++;
  return BK_OK;
}

static void push_ok(bk_replay *r, bk_event e) {
  bk_rc rc = bk_replay_push(r, &e);
  if (rc) fail_msg("push refused (%s): %s", bk_rc_name(rc), bk_replay_err(r)->msg);
}

static void setup(bk_market **m, bk_replay **r, seen *s) {
  memset(s, 0, sizeof *s);
  *m = bk_market_new(NULL);
  *r = bk_replay_new(*m);
  assert_non_null(*m);
  assert_non_null(*r);
  s->r = *r;
  bk_observer o = {on_msg, on_ev, s};
  assert_int_equal(bk_replay_observe(*r, &o), BK_OK);
}

static void rows_with_one_timestamp_are_one_message(void **state) {
  (void)state;
  bk_market *m;
  bk_replay *r;
  seen s;
  setup(&m, &r, &s);
  /* As the real file opens: a snapshot and then updates under the same (ts, local_ts). */
  push_ok(r, snap(0, 100, BK_ASK, "28157.3", "0.056", 1));
  push_ok(r, snap(0, 100, BK_BID, "28157.2", "1", 0));
  push_ok(r, ev(BK_EV_BOOK, 0, 100, BK_BID, "28157.1", "2"));
  assert_int_equal(s.n_msg, 0); /* still open */
  push_ok(r, ev(BK_EV_BOOK, 0, 200, BK_BID, "28157.1", "3"));
  assert_int_equal(s.n_msg, 1);
  assert_true(s.msg_ts[0] == 100 && s.msg_kind[0] == BK_EV_BOOK && s.msg_seq[0] == 4);
  /* same ts, other local_ts: another message */
  bk_event e = ev(BK_EV_BOOK, 0, 200, BK_BID, "28157.1", "4");
  e.local_ts = 201;
  push_ok(r, e);
  assert_int_equal(s.n_msg, 2);
  /* same key, another instrument: another message (instrument 1 is skipped: no snapshot) */
  e.instr = 1;
  push_ok(r, e);
  assert_int_equal(s.n_msg, 3);
  /* same key, another class: the trade is its own group */
  bk_event t = ev(BK_EV_TRADE, 1, 200, BK_BUY, "28157.3", "0.01");
  t.local_ts = 201;
  push_ok(r, t);
  push_ok(r, t);
  assert_int_equal(s.n_msg, 4);
  assert_int_equal(bk_replay_finish(r), BK_OK);
  assert_int_equal(s.n_msg, 5);
  assert_true(s.msg_kind[4] == BK_EV_TRADE && s.msg_instr[4] == 1);
  assert_int_equal(bk_replay_finish(r), BK_OK); /* nothing pending: no call */
  assert_int_equal(s.n_msg, 5);
  assert_int_equal(s.n_ev, 8);
  assert_int_equal(s.ev_seq_ok, 2); /* on_event ran after the apply */
  const bk_replay_stats *st = bk_replay_stats_get(r);
  assert_int_equal(st->groups, 5);
  assert_int_equal(st->messages, 4);
  assert_int_equal(bk_market_counts(m)->messages, 4);
  assert_int_equal(bk_market_counts(m)->skipped_before_snapshot, 1);
  bk_replay_free(r);
  bk_market_free(m);
  bk_replay_free(NULL);
}

static void crossing_inside_a_message_is_not_a_crossed_book(void **state) {
  (void)state;
  bk_market *m;
  bk_replay *r;
  seen s;
  setup(&m, &r, &s);
  push_ok(r, snap(0, 1, BK_BID, "100", "1", 1));
  push_ok(r, snap(0, 1, BK_ASK, "101", "1", 0));
  /* the market drops a tick: the new ask arrives before the old bid's delete */
  push_ok(r, ev(BK_EV_BOOK, 0, 2, BK_ASK, "100", "2"));
  push_ok(r, ev(BK_EV_BOOK, 0, 2, BK_BID, "100", NULL));
  push_ok(r, ev(BK_EV_BOOK, 0, 2, BK_BID, "99.5", "1"));
  /* a message that leaves the book crossed (stale level the feed never deleted) */
  push_ok(r, ev(BK_EV_BOOK, 0, 3, BK_BID, "100.5", "1"));
  push_ok(r, ev(BK_EV_MARK, 0, 4, 0, "100", NULL));
  assert_int_equal(bk_replay_finish(r), BK_OK);
  const bk_replay_stats *st = bk_replay_stats_get(r);
  assert_int_equal(st->messages, 3);
  assert_int_equal(st->crossed, 1);
  assert_int_equal(bk_market_counts(m)->crossed, 1);
  assert_int_equal(s.n_msg, 4);
  bk_replay_free(r);
  bk_market_free(m);
}

static void top_of_book_change_is_reported_once(void **state) {
  (void)state;
  bk_market *m;
  bk_replay *r;
  seen s;
  setup(&m, &r, &s);
  push_ok(r, snap(0, 1, BK_BID, "100", "1", 1));
  push_ok(r, snap(0, 1, BK_ASK, "101", "1", 0));
  push_ok(r, ev(BK_EV_BOOK, 0, 2, BK_BID, "99", "5"));     /* below the top: no change */
  push_ok(r, ev(BK_EV_BOOK, 0, 3, BK_ASK, "101", "1.5"));  /* amount at the top changes */
  push_ok(r, ev(BK_EV_BOOK, 0, 4, BK_BID, "100", NULL));   /* best bid goes ... */
  push_ok(r, ev(BK_EV_BOOK, 0, 4, BK_BID, "100", "1"));    /* ... and comes back: same top */
  push_ok(r, ev(BK_EV_TRADE, 0, 5, BK_BUY, "101", "0.1"));
  push_ok(r, ev(BK_EV_BOOK, 0, 6, BK_ASK, "101", NULL));   /* ask side empties */
  assert_int_equal(bk_replay_finish(r), BK_OK);
  assert_int_equal(s.n_msg, 6);
  int want[] = {1, 0, 1, 0, 0, 1};
  for (int i = 0; i < 6; i++)
    if (s.tob_changed[i] != want[i]) fail_msg("group %d: changed %d", i, s.tob_changed[i]);
  assert_true(s.tob[0].bid == P("100") && s.tob[0].ask == P("101") && s.tob[0].ask_qty == P("1"));
  assert_true(s.tob[2].ask_qty == P("1.5"));
  assert_true(s.tob[5].bid == P("100") && s.tob[5].ask == 0 && s.tob[5].ask_qty == 0);
  assert_int_equal(bk_replay_tob_changed(r, 0, NULL), 0);
  assert_int_equal(bk_replay_tob_changed(r, 42, NULL), 0); /* unknown instrument */
  bk_replay_free(r);
  bk_market_free(m);
}

static void window_warms_up_before_from_and_ends_at_to(void **state) {
  (void)state;
  bk_market *m;
  bk_replay *r;
  seen s;
  setup(&m, &r, &s);
  bk_replay_window(r, 100, 200);
  push_ok(r, snap(0, 50, BK_BID, "100", "1", 1)); /* the snapshot before the window */
  push_ok(r, snap(0, 50, BK_ASK, "101", "1", 0));
  push_ok(r, ev(BK_EV_TRADE, 0, 60, BK_BUY, "101", "1"));
  assert_int_equal(s.n_msg, 0);
  assert_int_equal(s.n_ev, 0);
  push_ok(r, ev(BK_EV_BOOK, 0, 100, BK_BID, "100.5", "2"));
  push_ok(r, ev(BK_EV_BOOK, 0, 150, BK_BID, "100.5", "3"));
  assert_int_equal(s.n_msg, 1); /* only the in-window message; the warm-up ones were silent */
  assert_true(s.msg_ts[0] == 100);
  assert_int_equal(s.tob_changed[0], 1);
  assert_true(s.tob[0].bid == P("100.5") && s.tob[0].ask == P("101"));
  bk_event late = ev(BK_EV_BOOK, 0, 200, BK_BID, "100.5", "9");
  assert_int_equal(bk_replay_push(r, &late), BK_EOF);
  assert_int_equal(s.n_msg, 2); /* the pending message completed */
  assert_int_equal(bk_replay_push(r, &late), BK_EOF);
  assert_int_equal(bk_replay_finish(r), BK_OK);
  assert_int_equal(s.n_msg, 2);
  bk_level l;
  assert_int_equal(bk_book_best(bk_market_instr(m, 0)->book, BK_BID, &l), 1);
  assert_true(l.qty == P("3")); /* the event at `to` was not applied */
  const bk_replay_stats *st = bk_replay_stats_get(r);
  assert_int_equal(st->pushed, 7);
  assert_int_equal(st->warmup, 3);
  assert_int_equal(st->in_window, 2);
  assert_int_equal(st->after, 2);
  assert_true(st->first_ts == 100 && st->last_ts == 150);
  bk_replay_free(r);
  bk_market_free(m);
}

static void observer_error_and_bad_event_stop_the_replay(void **state) {
  (void)state;
  bk_market *m;
  bk_replay *r;
  seen s;
  setup(&m, &r, &s);
  s.fail_at_msg = BK_EINVARIANT;
  s.stop_after = 2;
  push_ok(r, ev(BK_EV_MARK, 0, 1, 0, "100", NULL));
  push_ok(r, ev(BK_EV_MARK, 0, 2, 0, "101", NULL));
  bk_event e = ev(BK_EV_MARK, 0, 3, 0, "102", NULL);
  assert_int_equal(bk_replay_push(r, &e), BK_EINVARIANT);
  assert_true(strstr(bk_replay_err(r)->msg, "observer 0") != NULL);
  bk_event bad = snap(0, 4, BK_BID, "100", "1", 1);
  bad.qty = -5;
  assert_int_equal(bk_replay_push(r, &bad), BK_EDATA);
  assert_true(strstr(bk_replay_err(r)->msg, "amount") != NULL);
  /* observers beyond the limit are refused */
  bk_observer o = {NULL, NULL, NULL};
  for (int i = 1; i < BK_REPLAY_OBSERVERS; i++) assert_int_equal(bk_replay_observe(r, &o), BK_OK);
  assert_int_equal(bk_replay_observe(r, &o), BK_ERANGE);
  /* liquidation prints and unknown kinds pass through, counted */
  push_ok(r, ev(BK_EV_LIQ, 0, 5, BK_SELL, "99", "1"));
  e = ev(BK_EV_NONE, 0, 6, 0, NULL, NULL);
  e.kind = 99;
  push_ok(r, e);
  assert_int_equal(bk_replay_stats_get(r)->unused, 2);
  bk_replay_free(r);
  bk_market_free(m);
}

/* ---- real data: Binance BTCUSDT 2023-04-05, book vs the exchange's own quotes ---------- */

static char *unzstd(const char *path, size_t *len) {
  size_t clen;
  char *c = bk_t_slurp(path, &clen);
  assert_non_null(c);
  ZSTD_DStream *z = ZSTD_createDStream();
  assert_non_null(z);
  size_t cap = clen * 8, n = 0;
  char *out = malloc(cap + 1);
  assert_non_null(out);
  ZSTD_inBuffer in = {c, clen, 0};
  while (in.pos < in.size) {
    if (cap - n < (1 << 20)) {
      cap *= 2;
      out = realloc(out, cap + 1);
      assert_non_null(out);
    }
    ZSTD_outBuffer o = {out + n, cap - n, 0};
    size_t rc = ZSTD_decompressStream(z, &o, &in);
    if (ZSTD_isError(rc)) fail_msg("%s: %s", path, ZSTD_getErrorName(rc));
    n += o.pos;
  }
  ZSTD_freeDStream(z);
  free(c);
  out[n] = '\0';
  *len = n;
  return out;
}

/* Splits line [s, e) at commas into up to max fields; returns the count. */
static size_t split(const char *s, const char *e, const char **f, size_t *fl, size_t max) {
  size_t n = 0;
  while (n < max) {
    const char *c = memchr(s, ',', (size_t)(e - s));
    if (!c) c = e;
    f[n] = s;
    fl[n] = (size_t)(c - s);
    n++;
    if (c == e) break;
    s = c + 1;
  }
  return n;
}

static int64_t num(const char *s, size_t n, int integer) {
  int64_t v;
  bk_rc rc = integer ? bk_int_parse(s, n, &v, NULL) : bk_fx_parse(s, n, &v, NULL);
  if (rc) fail_msg("bad number '%.*s'", (int)n, s);
  return v;
}

/* Events of a Tardis incremental_book_L2 file (rank 0) or quotes file (rank 1). */
static size_t load(const char *path, int quotes, bk_event **out) {
  size_t len;
  char *t = unzstd(path, &len);
  size_t cap = 1 << 16, n = 0;
  bk_event *v = malloc(cap * sizeof *v);
  assert_non_null(v);
  const char *p = strchr(t, '\n') + 1, *end = t + len;
  int prev_snap = 0;
  while (p < end) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e) e = end;
    const char *f[8];
    size_t fl[8];
    assert_int_equal(split(p, e, f, fl, 8), 8);
    if (n + 1 > cap) {
      cap *= 2;
      v = realloc(v, cap * sizeof *v);
      assert_non_null(v);
    }
    bk_event *x = &v[n++];
    memset(x, 0, sizeof *x);
    x->ts = num(f[2], fl[2], 1);
    x->local_ts = num(f[3], fl[3], 1);
    if (quotes) { /* ask_amount,ask_price,bid_price,bid_amount */
      x->kind = BK_EV_QUOTE;
      x->aux2 = fl[4] ? num(f[4], fl[4], 0) : 0;
      x->aux = fl[5] ? num(f[5], fl[5], 0) : 0;
      x->price = fl[6] ? num(f[6], fl[6], 0) : 0;
      x->qty = fl[7] ? num(f[7], fl[7], 0) : 0;
    } else { /* is_snapshot,side,price,amount */
      int is_snap = fl[4] == 4 && memcmp(f[4], "true", 4) == 0;
      x->kind = is_snap ? BK_EV_SNAPSHOT : BK_EV_BOOK;
      if (is_snap && !prev_snap) x->flags = BK_EVF_RESET;
      prev_snap = is_snap;
      x->side = fl[5] == 3 && memcmp(f[5], "bid", 3) == 0 ? BK_BID : BK_ASK;
      x->price = num(f[6], fl[6], 0);
      x->qty = num(f[7], fl[7], 0);
    }
    p = e + 1;
  }
  free(t);
  *out = v;
  return n;
}

typedef struct tob_hist {
  bk_replay *r;
  int64_t *ts;
  bk_tob *tob;
  size_t n, cap;
  uint64_t book_msgs;
} tob_hist;

static bk_rc record_tob(void *ctx, uint32_t instr, int64_t ts, int kind) {
  tob_hist *h = ctx;
  if (kind != BK_EV_BOOK) return BK_OK;
  h->book_msgs++;
  bk_tob t;
  if (!bk_replay_tob_changed(h->r, instr, &t)) return BK_OK;
  if (h->n == h->cap) {
    h->cap = h->cap ? 2 * h->cap : 4096;
    h->ts = realloc(h->ts, h->cap * sizeof *h->ts);
    h->tob = realloc(h->tob, h->cap * sizeof *h->tob);
    if (!h->ts || !h->tob) return BK_ENOMEM;
  }
  h->ts[h->n] = ts;
  h->tob[h->n] = t;
  h->n++;
  return BK_OK;
}

static void real_binance_book_matches_the_exchange_quotes(void **state) {
  (void)state;
  char pb[1024], pq[1024];
  bk_t_data("binance-futures-btcusdt-2023-04-05/"
            "binance-futures_incremental_book_L2_2023-04-05_BTCUSDT.csv.zst",
            pb, sizeof pb);
  bk_t_data("binance-futures-btcusdt-2023-04-05/"
            "binance-futures_quotes_2023-04-05_BTCUSDT.csv.zst",
            pq, sizeof pq);
  bk_event *bv, *qv;
  size_t nb = load(pb, 0, &bv), nq = load(pq, 1, &qv);
  assert_true(nb > 250000 && nq > 37000);

  bk_market *m = bk_market_new(NULL);
  bk_replay *r = bk_replay_new(m);
  tob_hist h = {r, NULL, NULL, 0, 0, 0};
  bk_observer o = {record_tob, NULL, &h};
  assert_int_equal(bk_replay_observe(r, &o), BK_OK);
  /* merge by (ts, local_ts, rank): book rows first on a tie */
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  size_t i = 0, j = 0;
  while (i < nb || j < nq) {
    int take_book = j == nq || (i < nb && (bv[i].ts < qv[j].ts ||
                                           (bv[i].ts == qv[j].ts && bv[i].local_ts <= qv[j].local_ts)));
    push_ok(r, take_book ? bv[i++] : qv[j++]);
  }
  assert_int_equal(bk_replay_finish(r), BK_OK);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;

  const bk_mkt_counts *c = bk_market_counts(m);
  const bk_instr_state *st = bk_market_instr(m, 0);
  printf("%zu book rows and %zu quotes replayed in %.3f s; %llu book messages, %llu crossed, "
         "%zu top-of-book changes; %zu bids and %zu asks at the end, tick %lld\n",
         nb, nq, sec, (unsigned long long)c->messages, (unsigned long long)c->crossed, h.n,
         bk_book_count(st->book, BK_BID), bk_book_count(st->book, BK_ASK),
         (long long)bk_book_tick(st->book));
  assert_int_equal(c->skipped_before_snapshot, 0); /* the day file opens with a snapshot */
  assert_int_equal(c->events[BK_EV_QUOTE], nq);
  assert_true(bk_book_tick(st->book) == P("0.1"));
  assert_true(c->crossed * 100 < c->messages); /* a correct rebuild is almost never crossed */

  /* Each quote: did the rebuilt book show the same best bid and ask prices at some
   * moment within 50 ms of it? (The data README expects about 96 %.) */
  size_t match = 0, k = 0;
  const int64_t win = 50000;
  for (j = 0; j < nq; j++) {
    int64_t lo = qv[j].ts - win, hi = qv[j].ts + win;
    while (k < h.n && h.ts[k] < lo) k++;
    size_t a = k ? k - 1 : 0; /* the state in force at lo */
    for (size_t x = a; x < h.n && h.ts[x] <= hi; x++)
      if (h.tob[x].bid == qv[j].price && h.tob[x].ask == qv[j].aux) {
        match++;
        break;
      }
  }
  double share = (double)match / (double)nq;
  printf("quotes matched by the rebuilt book within 50 ms: %zu of %zu (%.1f %%)\n", match, nq,
         100.0 * share);
  assert_true(share > 0.90);
  free(h.ts);
  free(h.tob);
  free(bv);
  free(qv);
  bk_replay_free(r);
  bk_market_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rows_with_one_timestamp_are_one_message),
      cmocka_unit_test(crossing_inside_a_message_is_not_a_crossed_book),
      cmocka_unit_test(top_of_book_change_is_reported_once),
      cmocka_unit_test(window_warms_up_before_from_and_ends_at_to),
      cmocka_unit_test(observer_error_and_bad_event_stop_the_replay),
      cmocka_unit_test(real_binance_book_matches_the_exchange_quotes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
