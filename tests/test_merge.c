/*
 * The time-ordered merge and the per-file time rules: ties broken by local timestamp,
 * then feed rank, then file order; the heap checked against a plain sort on seeded
 * random feeds; backwards timestamps clamped and counted, or an error with strict;
 * gaps counted; folders expanded in name order, skipping only what they hold that no
 * decoder reads; events a feed decoded ahead (bk_feed_peek) handed out as if it had not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/fixed.h"
#include "feeds/feed.h"
#include "feeds/merge.h"
#include "tests/testutil.h"

static const char *fixture(const char *name, char *buf, size_t cap) {
  const char *root = getenv("BK_SOURCE_DIR");
  snprintf(buf, cap, "%s/tests/fixtures/feeds%s%s", root && *root ? root : ".", *name ? "/" : "",
           name);
  return buf;
}

static bk_feed *open_feed(const char *path, bk_instruments *in, const bk_feed_opts *o) {
  bk_feed *f;
  bk_err err;
  bk_rc rc = bk_feed_open(path, in, o, &f, &err);
  if (rc) fail_msg("%s", err.msg);
  return f;
}

typedef struct out {
  bk_event ev;
  size_t rank;
} out;

static size_t drain(bk_merge *m, out *v, size_t cap, bk_rc *rc) {
  size_t n = 0;
  bk_event ev;
  size_t rank;
  while ((*rc = bk_merge_next(m, &ev, &rank)) == BK_OK) {
    assert_true(n < cap);
    v[n].ev = ev;
    v[n++].rank = rank;
  }
  return n;
}

static void ties_go_to_local_time_then_feed_rank(void **state) {
  (void)state;
  char pt[512], pq[512];
  fixture("binance-futures_trades_2023-04-05_BTCUSDT.csv", pt, sizeof pt);
  fixture("binance-futures_quotes_2023-04-05_ETHUSDT.csv", pq, sizeof pq);
  for (int order = 0; order < 2; order++) {
    bk_instruments in;
    bk_instruments_init(&in);
    bk_merge *m;
    assert_non_null(m = bk_merge_new());
    assert_int_equal(bk_merge_add(m, open_feed(order ? pq : pt, &in, NULL)), BK_OK);
    assert_int_equal(bk_merge_add(m, open_feed(order ? pt : pq, &in, NULL)), BK_OK);
    out v[16];
    bk_rc rc;
    size_t n = drain(m, v, 16, &rc);
    assert_int_equal(rc, BK_EOF);
    assert_int_equal(n, 6);
    /* trades: (1000,1400) (2000,2000) (2000,2100); quotes: (1000,1400) (2000,2000) (2000,2050) */
    const uint8_t k0[6] = {BK_EV_TRADE, BK_EV_QUOTE, BK_EV_TRADE, BK_EV_QUOTE, BK_EV_QUOTE, BK_EV_TRADE};
    const uint8_t k1[6] = {BK_EV_QUOTE, BK_EV_TRADE, BK_EV_QUOTE, BK_EV_TRADE, BK_EV_QUOTE, BK_EV_TRADE};
    const int64_t lts[6] = {1400, 1400, 2000, 2000, 2050, 2100};
    for (size_t i = 0; i < 6; i++) {
      assert_int_equal(v[i].ev.kind, order ? k1[i] : k0[i]);
      assert_true(v[i].ev.local_ts == lts[i]);
      assert_int_equal(v[i].rank, (v[i].ev.kind == BK_EV_TRADE) == !order ? 0 : 1);
    }
    assert_int_equal(bk_merge_next(m, &v[0].ev, NULL), BK_EOF); /* sticky */
    bk_merge_free(m);
    bk_instruments_fini(&in);
  }
}

/* The slow, obvious reference: every event with its key, sorted. */
typedef struct keyed {
  int64_t ts, lts;
  size_t rank, seq;
  int64_t price;
} keyed;

static int keyed_cmp(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
  if (x->lts != y->lts) return x->lts < y->lts ? -1 : 1;
  if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void heap_merge_equals_a_plain_sort_on_random_feeds(void **state) {
  (void)state;
  uint64_t st = bk_t_seed();
  enum { FEEDS = 7, ROWS = 300 };
  static keyed ref[FEEDS * ROWS];
  size_t nref = 0;
  bk_instruments in;
  bk_instruments_init(&in);
  bk_merge *m;
  assert_non_null(m = bk_merge_new());
  for (size_t k = 0; k < FEEDS; k++) {
    char name[64], p[512];
    snprintf(name, sizeof name, "rand_%zu_trades.csv", k);
    bk_t_tmp(name, p, sizeof p);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n", f);
    int64_t ts = 0, lts = 0;
    size_t rows = bk_t_rand(&st) % ROWS;
    for (size_t r = 0; r < rows; r++) {
      int64_t dt = (int64_t)(bk_t_rand(&st) % 4); /* many equal timestamps */
      ts += dt;
      lts = dt ? ts + (int64_t)(bk_t_rand(&st) % 3) : lts + (int64_t)(bk_t_rand(&st) % 2);
      int64_t price = (int64_t)(k * 1000 + r + 1);
      fprintf(f, "x,S%zu,%lld,%lld,%zu,buy,%lld,1\n", k % 3, (long long)ts, (long long)lts, r,
              (long long)price);
      ref[nref++] = (keyed){ts, lts, k, r, BK_FX(price)};
    }
    fclose(f);
    assert_int_equal(bk_merge_add(m, open_feed(p, &in, NULL)), BK_OK);
  }
  qsort(ref, nref, sizeof *ref, keyed_cmp);
  static out v[FEEDS * ROWS];
  bk_rc rc;
  size_t n = drain(m, v, FEEDS * ROWS, &rc);
  assert_int_equal(rc, BK_EOF);
  assert_int_equal(n, nref);
  for (size_t i = 0; i < n; i++) {
    if (v[i].ev.ts != ref[i].ts || v[i].ev.local_ts != ref[i].lts || v[i].rank != ref[i].rank ||
        v[i].ev.price != ref[i].price)
      fail_msg("event %zu differs from the sorted reference", i);
  }
  printf("  %zu events from %d feeds\n", n, FEEDS);
  assert_int_equal(in.n, 3); /* S0, S1, S2 on exchange x */
  bk_merge_free(m);
  bk_instruments_fini(&in);
}

static void backwards_time_is_clamped_and_counted_or_an_error_with_strict(void **state) {
  (void)state;
  char p[512];
  fixture("bitmex_trades_2020-03-01_XBTUSD.csv", p, sizeof p);
  bk_instruments in;
  bk_instruments_init(&in);
  bk_feed *f = open_feed(p, &in, NULL);
  bk_event ev[3];
  for (int i = 0; i < 3; i++) assert_int_equal(bk_feed_next(f, &ev[i]), BK_OK);
  assert_int_equal(bk_feed_next(f, &ev[0]), BK_EOF);
  assert_true(ev[1].ts == 1000 && ev[1].local_ts == 1600); /* 900 raised to 1000 */
  assert_int_equal(ev[1].flags, BK_EVF_CLAMPED);
  assert_int_equal(ev[0].flags, 0);
  assert_int_equal(ev[2].flags, 0);
  const bk_feed_info *info = bk_feed_info_get(f);
  assert_true(info->file.clamped == 1);
  assert_true(info->file.first_ts == 1000 && info->file.last_ts == 2000);
  bk_feed_free(f);
  bk_feed_opts o;
  bk_feed_opts_init(&o);
  o.strict = 1;
  f = open_feed(p, &in, &o);
  assert_int_equal(bk_feed_next(f, &ev[0]), BK_OK);
  bk_event keep = ev[0];
  assert_int_equal(bk_feed_next(f, &ev[0]), BK_EDATA);
  assert_memory_equal(&keep, &ev[0], sizeof keep); /* unchanged on error */
  printf("  %s\n", bk_feed_error(f)->msg);
  assert_non_null(strstr(bk_feed_error(f)->msg,
                         "bitmex_trades_2020-03-01_XBTUSD.csv:3: timestamp 900 goes backwards"));
  assert_int_equal(bk_feed_next(f, &ev[0]), BK_EDATA); /* sticky */
  bk_feed_free(f);
  bk_instruments_fini(&in);
}

static void gaps_longer_than_the_threshold_are_counted(void **state) {
  (void)state;
  const char text[] = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
                      "x,S,0,0,1,buy,1,1\n"
                      "x,S,1000000,0,1,buy,1,1\n"
                      "x,S,8000000,0,1,buy,1,1\n"       /* 7 s */
                      "x,S,28000000,0,1,buy,1,1\n"      /* 20 s */
                      "x,S,33000000,0,1,buy,1,1\n";     /* exactly 5 s: not a gap */
  char p[512];
  bk_t_write(bk_t_tmp("gaps_trades.csv", p, sizeof p), text, sizeof text - 1);
  bk_instruments in;
  bk_instruments_init(&in);
  bk_feed *f = open_feed(p, &in, NULL);
  bk_event ev;
  bk_rc rc;
  while ((rc = bk_feed_next(f, &ev)) == BK_OK) {}
  assert_int_equal(rc, BK_EOF);
  const bk_feed_info *info = bk_feed_info_get(f);
  assert_true(info->file.gaps == 2);
  assert_true(info->file.longest_gap_us == 20000000);
  assert_true(info->file.longest_gap_end == 28000000);
  assert_true(info->file.rows == 5 && info->file.events == 5);
  bk_feed_free(f);
  bk_feed_opts o;
  bk_feed_opts_init(&o);
  o.gap_us = 500000; /* 0.5 s: four gaps */
  f = open_feed(p, &in, &o);
  while ((rc = bk_feed_next(f, &ev)) == BK_OK) {}
  assert_true(bk_feed_info_get(f)->file.gaps == 4);
  bk_feed_free(f);
  bk_instruments_fini(&in);
}

static void folder_expands_in_name_order_and_skips_unsupported_files(void **state) {
  (void)state;
  char dir[512];
  fixture("", dir, sizeof dir);
  const char *paths[] = {dir};
  bk_instruments in;
  bk_instruments_init(&in);
  bk_merge *m;
  size_t skipped = 99;
  bk_err err;
  bk_rc rc = bk_merge_open_paths(paths, 1, &in, NULL, &m, &skipped, &err);
  if (rc) fail_msg("%s", err.msg);
  assert_int_equal(skipped, 1); /* notes_unsupported.csv */
  assert_int_equal(bk_merge_count(m), 10);
  /* the eleven files listed (ten read, one skipped) share 12 MiB: 12 MiB / (11 × 6
     buffers) = 190,650 bytes, so each reads 128 KiB (halving from 1 MiB until below) */
  for (size_t i = 0; i < bk_merge_count(m); i++)
    assert_int_equal(bk_feed_read_size(bk_merge_feed(m, i)), 128 << 10);
  for (size_t i = 1; i < bk_merge_count(m); i++)
    assert_true(strcmp(bk_feed_info_get(bk_merge_feed(m, i - 1))->file.path,
                       bk_feed_info_get(bk_merge_feed(m, i))->file.path) < 0);
  static out v[1024], w[1024];
  size_t n = drain(m, v, 1024, &rc);
  assert_int_equal(rc, BK_EOF);
  uint64_t events = 0;
  for (size_t i = 0; i < bk_merge_count(m); i++)
    events += bk_feed_info_get(bk_merge_feed(m, i))->file.events;
  assert_true(n == events && n > 30);
  for (size_t i = 1; i < n; i++) assert_true(v[i - 1].ev.ts <= v[i].ev.ts);
  bk_merge_free(m);
  /* the same again: the same stream, byte for byte */
  assert_int_equal(bk_merge_open_paths(paths, 1, &in, NULL, &m, NULL, &err), BK_OK);
  assert_int_equal(drain(m, w, 1024, &rc), n);
  assert_memory_equal(v, w, n * sizeof *v);
  bk_merge_free(m);
  /* a named unsupported file is an error, and so is a missing path */
  char p[512];
  const char *bad[] = {fixture("notes_unsupported.csv", p, sizeof p)};
  assert_int_equal(bk_merge_open_paths(bad, 1, &in, NULL, &m, NULL, &err), BK_EFORMAT);
  assert_null(m);
  assert_non_null(strstr(err.msg, "notes_unsupported.csv"));
  /* two files keep the default 1 MiB, and a read size asked for is kept */
  char q[512];
  const char *two[] = {fixture("binance-futures_trades_2023-04-05_BTCUSDT.csv", p, sizeof p),
                       fixture("binance-futures_quotes_2023-04-05_BTCUSDT.csv", q, sizeof q)};
  assert_int_equal(bk_merge_open_paths(two, 2, &in, NULL, &m, NULL, &err), BK_OK);
  assert_int_equal(bk_feed_read_size(bk_merge_feed(m, 0)), 1 << 20);
  bk_merge_free(m);
  bk_feed_opts fo;
  bk_feed_opts_init(&fo);
  fo.read_size = 4096;
  assert_int_equal(bk_merge_open_paths(paths, 1, &in, &fo, &m, NULL, &err), BK_OK);
  assert_int_equal(bk_feed_read_size(bk_merge_feed(m, 9)), 4096);
  bk_merge_free(m);
  const char *missing[] = {dir, "/nonexistent/backstop/feed.csv.zst"};
  assert_int_equal(bk_merge_open_paths(missing, 2, &in, NULL, &m, NULL, &err), BK_ENOINPUT);
  assert_non_null(strstr(err.msg, "/nonexistent/backstop/feed.csv.zst"));
  bk_instruments_fini(&in);
}

static void a_feed_error_stops_the_merge_and_names_the_file(void **state) {
  (void)state;
  const char text[] = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
                      "x,S,1,1,1,buy,1,1\n"
                      "x,S,5,5,1,buy,nan,1\n";
  char p[512], q[512];
  bk_t_write(bk_t_tmp("broken_trades.csv", p, sizeof p), text, sizeof text - 1);
  fixture("binance-futures_trades_2023-04-05_BTCUSDT.csv", q, sizeof q);
  const char *paths[] = {q, p};
  bk_instruments in;
  bk_instruments_init(&in);
  bk_merge *m;
  bk_err err;
  assert_int_equal(bk_merge_open_paths(paths, 2, &in, NULL, &m, NULL, &err), BK_OK);
  out v[16];
  bk_rc rc;
  size_t n = drain(m, v, 16, &rc);
  assert_int_equal(rc, BK_EDATA);
  assert_int_equal(n, 1); /* x,S at ts 1; the other feed's first event at 1000 waits */
  assert_non_null(strstr(bk_merge_error(m)->msg, "broken_trades.csv:3: column 'price'"));
  bk_merge_free(m);
  bk_instruments_fini(&in);
}

/* Writes rows whose timestamp is T0 plus the rank of the feed times 10^6 plus the line the
 * row is on, so each event says where it must have come from. */
#define T0 1680652800000000LL
static void write_lined(const char *path, int rank, int kind, int rows) {
  char *buf = malloc(200 + (size_t)rows * 160);
  assert_non_null(buf);
  size_t len = 0;
  long long line = 1;
  if (kind == 0)
    len += (size_t)sprintf(buf, "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n");
  else if (kind == 1)
    len += (size_t)sprintf(buf, "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n");
  else
    len += (size_t)sprintf(buf, "exchange,symbol,timestamp,local_timestamp,funding_timestamp,"
                                "funding_rate,predicted_funding_rate,open_interest,last_price,"
                                "index_price,mark_price\n");
  for (int i = 0; i < rows; i++) {
    line++;
    if (i % 17 == 5) { /* a blank line: skipped, but it moves the line numbers on */
      buf[len++] = '\n';
      line++;
    }
    long long ts = T0 + rank * 1000000LL + line;
    if (kind == 0)
      len += (size_t)sprintf(buf + len, "binance-futures,BTCUSDT,%lld,%lld,false,%s,%d.5,1\n",
                             ts, ts, i & 1 ? "bid" : "ask", 28000 + (i & 1 ? -i : i));
    else if (kind == 1)
      len += (size_t)sprintf(buf + len, "binance-futures,BTCUSDT,%lld,%lld,%d,buy,28000.5,1\n",
                             ts, ts, i);
    else /* three events a row: funding, index, mark */
      len += (size_t)sprintf(buf + len, "binance-futures,BTCUSDT,%lld,%lld,,0.0001,,,,28000.1,28000.2\n",
                             ts, ts);
  }
  bk_t_write(path, buf, len);
  free(buf);
}

static void every_event_comes_with_its_feed_and_file_line(void **state) {
  (void)state;
  char p[3][512];
  bk_t_tmp("lined_incremental_book_L2.csv", p[0], sizeof p[0]);
  bk_t_tmp("lined_trades.csv", p[1], sizeof p[1]);
  bk_t_tmp("lined_derivative_ticker.csv", p[2], sizeof p[2]);
  for (int k = 0; k < 3; k++) write_lined(p[k], k, k, 300);
  for (int nfeeds = 1; nfeeds <= 3; nfeeds += 2) { /* one feed: no heap; three: the heap */
    for (int threaded = 0; threaded < 2; threaded++) {
      bk_instruments in;
      bk_instruments_init(&in);
      bk_feed_opts o;
      bk_feed_opts_init(&o);
      o.threaded = threaded;
      bk_merge *m;
      assert_non_null(m = bk_merge_new());
      for (int k = 0; k < nfeeds; k++) assert_int_equal(bk_merge_add(m, open_feed(p[k], &in, &o)), BK_OK);
      bk_event evs[7];
      bk_merge_src src[7];
      size_t n, total = 0;
      bk_rc rc;
      while ((rc = bk_merge_next_batch_at(m, evs, src, 7, &n)) == BK_OK) {
        for (size_t i = 0; i < n; i++) {
          long long rel = evs[i].ts - T0;
          if ((long long)src[i].feed != rel / 1000000 || (long long)src[i].line != rel % 1000000)
            fail_msg("%d feeds: event %zu at +%lld said feed %zu line %llu", nfeeds, total + i,
                     rel, src[i].feed, (unsigned long long)src[i].line);
        }
        total += n;
      }
      assert_int_equal(rc, BK_EOF);
      assert_true(total == (nfeeds == 1 ? 300u : 300u + 300u + 900u));
      bk_merge_free(m);
      bk_instruments_fini(&in);
    }
  }
}

/* Every event of nfeeds lined files (write_lined) in merge order, with where it came
 * from, after feed k was looked ahead into by peek[k] events (0: not at all). Checks that
 * each look holds the file's first events, with their lines. Returns the count. */
static size_t merged_after_peeks(char p[][512], int nfeeds, int threaded, const size_t *peek,
                                 bk_event *evs, bk_merge_src *src, size_t cap) {
  bk_instruments in;
  bk_instruments_init(&in);
  bk_feed_opts o;
  bk_feed_opts_init(&o);
  o.threaded = threaded;
  bk_merge *m;
  assert_non_null(m = bk_merge_new());
  for (int k = 0; k < nfeeds; k++) assert_int_equal(bk_merge_add(m, open_feed(p[k], &in, &o)), BK_OK);
  for (int k = 0; k < nfeeds; k++) {
    if (!peek[k]) continue;
    const bk_event *ahead;
    const uint64_t *lines;
    size_t n;
    assert_int_equal(bk_feed_peek(bk_merge_feed(m, (size_t)k), peek[k], &ahead, &lines, &n), BK_OK);
    size_t in_file = k == 2 ? 900 : 300; /* the ticker rows hold three events each */
    assert_true(n == (peek[k] < in_file ? peek[k] : in_file));
    for (size_t i = 0; i < n; i++) {
      long long rel = ahead[i].ts - T0;
      assert_true(rel / 1000000 == k && (uint64_t)(rel % 1000000) == lines[i]);
      assert_true(i == 0 || lines[i] >= lines[i - 1]);
    }
  }
  size_t n, total = 0;
  bk_rc rc;
  while ((rc = bk_merge_next_batch_at(m, evs + total, src + total, 7, &n)) == BK_OK) {
    total += n;
    assert_true(total + 7 <= cap);
  }
  assert_int_equal(rc, BK_EOF);
  bk_merge_free(m);
  bk_instruments_fini(&in);
  return total;
}

static void events_looked_at_ahead_are_handed_out_as_if_never_looked_at(void **state) {
  (void)state;
  char p[3][512];
  bk_t_tmp("ahead_incremental_book_L2.csv", p[0], sizeof p[0]);
  bk_t_tmp("ahead_trades.csv", p[1], sizeof p[1]);
  bk_t_tmp("ahead_derivative_ticker.csv", p[2], sizeof p[2]);
  for (int k = 0; k < 3; k++) write_lined(p[k], k, k, 300);
  enum { CAP = 1600 };
  static bk_event want[CAP], got[CAP];
  static bk_merge_src wsrc[CAP], gsrc[CAP];
  /* a look shorter than a batch, longer than one, and past the end of the file */
  static const size_t peeks[][3] = {{5, 0, 1}, {257, 299, 450}, {1000, 1000, 1000}};
  for (int nfeeds = 1; nfeeds <= 3; nfeeds += 2) {
    for (int threaded = 0; threaded < 2; threaded++) {
      static const size_t none[3] = {0, 0, 0};
      size_t nw = merged_after_peeks(p, nfeeds, threaded, none, want, wsrc, CAP);
      assert_true(nw == (nfeeds == 1 ? 300u : 1500u));
      for (size_t c = 0; c < sizeof peeks / sizeof *peeks; c++) {
        size_t ng = merged_after_peeks(p, nfeeds, threaded, peeks[c], got, gsrc, CAP);
        assert_true(ng == nw);
        for (size_t i = 0; i < nw; i++)
          if (memcmp(&got[i], &want[i], sizeof got[i]) || gsrc[i].feed != wsrc[i].feed ||
              gsrc[i].line != wsrc[i].line)
            fail_msg("%d feeds, threaded %d, peeks %zu: event %zu differs", nfeeds, threaded,
                     c, i);
      }
    }
  }
}

static void a_second_look_keeps_what_the_first_held(void **state) {
  (void)state;
  char p[512];
  bk_t_tmp("again_trades.csv", p, sizeof p);
  write_lined(p, 0, 1, 40);
  bk_instruments in;
  bk_instruments_init(&in);
  bk_feed *f = open_feed(p, &in, NULL);
  const bk_event *ahead;
  const uint64_t *lines;
  size_t n;
  assert_int_equal(bk_feed_peek(f, 10, &ahead, &lines, &n), BK_OK);
  assert_int_equal(n, 10);
  bk_event ev;
  for (int i = 0; i < 3; i++) assert_int_equal(bk_feed_next(f, &ev), BK_OK);
  /* the third row is on line 4 (the header is line 1) */
  assert_true(ev.ts == T0 + 4 && bk_feed_line(f) == 4);
  assert_int_equal(bk_feed_peek(f, 20, &ahead, &lines, &n), BK_OK);
  assert_int_equal(n, 20);
  /* rows 4 to 23 (from 1): on lines 5 and 6, then a blank line 7, then rows 6 to 22 on
     lines 8 to 24, a blank line 25, row 23 on line 26 */
  assert_true(ahead[0].ts == T0 + 5 && lines[0] == 5);
  assert_true(ahead[1].ts == T0 + 6 && lines[1] == 6);
  assert_true(ahead[2].ts == T0 + 8 && lines[2] == 8);
  assert_true(ahead[18].ts == T0 + 24 && lines[18] == 24);
  assert_true(ahead[19].ts == T0 + 26 && lines[19] == 26);
  assert_int_equal(bk_feed_line(f), 4); /* looking ahead hands nothing out */
  size_t left = 0;
  while (bk_feed_next(f, &ev) == BK_OK) left++;
  assert_int_equal(left, 37);
  bk_feed_free(f);
  bk_instruments_fini(&in);
}

static void a_bad_row_met_ahead_comes_after_the_events_before_it(void **state) {
  (void)state;
  const char text[] = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
                      "x,S,1,1,1,buy,1,1\n"
                      "x,S,2,2,2,buy,2,1\n"
                      "x,S,5,5,3,buy,nan,1\n"
                      "x,S,6,6,4,buy,3,1\n";
  char p[512];
  bk_t_write(bk_t_tmp("ahead_broken_trades.csv", p, sizeof p), text, sizeof text - 1);
  bk_instruments in;
  bk_instruments_init(&in);
  bk_feed *f = open_feed(p, &in, NULL);
  const bk_event *ahead;
  const uint64_t *lines;
  size_t n;
  assert_int_equal(bk_feed_peek(f, 10, &ahead, &lines, &n), BK_EDATA);
  assert_int_equal(n, 2);
  assert_true(lines[0] == 2 && lines[1] == 3);
  assert_non_null(strstr(bk_feed_error(f)->msg, "ahead_broken_trades.csv:4: column 'price'"));
  bk_event ev;
  assert_int_equal(bk_feed_next(f, &ev), BK_OK);
  assert_true(ev.ts == 1);
  assert_int_equal(bk_feed_next(f, &ev), BK_OK);
  assert_true(ev.ts == 2 && bk_feed_line(f) == 3);
  assert_int_equal(bk_feed_next(f, &ev), BK_EDATA);
  assert_int_equal(bk_feed_next(f, &ev), BK_EDATA);
  bk_feed_free(f);
  bk_instruments_fini(&in);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ties_go_to_local_time_then_feed_rank),
      cmocka_unit_test(heap_merge_equals_a_plain_sort_on_random_feeds),
      cmocka_unit_test(backwards_time_is_clamped_and_counted_or_an_error_with_strict),
      cmocka_unit_test(gaps_longer_than_the_threshold_are_counted),
      cmocka_unit_test(folder_expands_in_name_order_and_skips_unsupported_files),
      cmocka_unit_test(a_feed_error_stops_the_merge_and_names_the_file),
      cmocka_unit_test(every_event_comes_with_its_feed_and_file_line),
      cmocka_unit_test(events_looked_at_ahead_are_handed_out_as_if_never_looked_at),
      cmocka_unit_test(a_second_look_keeps_what_the_first_held),
      cmocka_unit_test(a_bad_row_met_ahead_comes_after_the_events_before_it),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
