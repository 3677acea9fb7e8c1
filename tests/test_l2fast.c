/*
 * The incremental_book_L2 fast path (feeds/feed.c, l2_fast) against the reference:
 * libcsv splitting every row and the general decoder. Both must give the same events,
 * the same counters and the same error, on every real L2 file (threaded or not, any
 * read size) and on fuzzed files whose rows are mutated in the ways real files and
 * broken files differ from the common shape (another symbol, CRLF, quotes, signs, long
 * numbers, bad fields, blank lines, backwards timestamps, strict mode).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/instrument.h"
#include "engine/fixed.h"
#include "feeds/feed.h"
#include "feeds/merge.h"
#include "tests/testutil.h"

typedef struct run {
  bk_event *v;
  size_t n, cap;
  bk_rc rc;
  char msg[512];
  bk_feed_info info;
  char names[8][80]; /* exchange:symbol of the first instruments interned */
} run;

static void run_free(run *r) { free(r->v); }

static void push(run *r, const bk_event *ev) {
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 1024;
    r->v = realloc(r->v, r->cap * sizeof *r->v);
    assert_non_null(r->v);
  }
  r->v[r->n++] = *ev;
}

/* Decodes all of path with opts into a fresh instrument table, one event per call
 * (batch 0) or with bk_feed_next_batch in batches of `batch` events. */
static run decode_with(const char *path, const bk_feed_opts *o, size_t batch) {
  run r;
  memset(&r, 0, sizeof r);
  bk_instruments in;
  bk_instruments_init(&in);
  bk_feed *f;
  bk_err err;
  bk_err_clear(&err);
  r.rc = bk_feed_open(path, &in, o, &f, &err);
  if (r.rc) {
    snprintf(r.msg, sizeof r.msg, "%s", err.msg);
    bk_instruments_fini(&in);
    return r;
  }
  bk_event ev, evs[300];
  size_t n = 0;
  if (!batch)
    while ((r.rc = bk_feed_next(f, &ev)) == BK_OK) push(&r, &ev);
  else
    while ((r.rc = bk_feed_next_batch(f, evs, batch, &n)) == BK_OK) {
      assert_true(n >= 1 && n <= batch);
      for (size_t i = 0; i < n; i++) push(&r, &evs[i]);
    }
  assert_int_equal(n, 0); /* EOF and errors come with no event */
  snprintf(r.msg, sizeof r.msg, "%s", bk_feed_error(f)->msg);
  r.info = *bk_feed_info_get(f);
  r.info.file.path = r.info.file.format = r.info.file.codec = NULL;
  for (size_t i = 0; i < in.n && i < 8; i++)
    snprintf(r.names[i], sizeof r.names[i], "%s:%s", in.v[i].exchange, in.v[i].symbol);
  bk_feed_free(f);
  bk_instruments_fini(&in);
  return r;
}

static run decode(const char *path, const bk_feed_opts *o) { return decode_with(path, o, 0); }

/* Fails unless a (fast path) and b (reference) agree in every respect. */
static void expect_same(const char *what, const run *a, const run *b) {
  if (a->rc != b->rc) fail_msg("%s: rc %d vs %d (%s | %s)", what, a->rc, b->rc, a->msg, b->msg);
  if (strcmp(a->msg, b->msg) != 0) fail_msg("%s: error \"%s\" vs \"%s\"", what, a->msg, b->msg);
  if (a->n != b->n) fail_msg("%s: %zu vs %zu events", what, a->n, b->n);
  for (size_t i = 0; i < a->n; i++)
    if (memcmp(&a->v[i], &b->v[i], sizeof a->v[i]) != 0) fail_msg("%s: event %zu differs", what, i);
  const bk_feed_info *x = &a->info, *y = &b->info;
  const bk_input_file *xf = &x->file, *yf = &y->file;
  if (xf->rows != yf->rows || x->blank_lines != y->blank_lines ||
      xf->events != yf->events || xf->first_ts != yf->first_ts ||
      xf->last_ts != yf->last_ts || x->snapshot_runs != y->snapshot_runs ||
      xf->clamped != yf->clamped || xf->gaps != yf->gaps ||
      xf->longest_gap_us != yf->longest_gap_us ||
      xf->longest_gap_end != yf->longest_gap_end || x->n_symbols != y->n_symbols ||
      memcmp(x->symbols, y->symbols, sizeof x->symbols) != 0)
    fail_msg("%s: counters differ (rows %llu vs %llu, blank %llu vs %llu)", what,
             (unsigned long long)xf->rows, (unsigned long long)yf->rows,
             (unsigned long long)x->blank_lines, (unsigned long long)y->blank_lines);
  /* how far the source got before an error depends on the read size; at the end it is all */
  if (a->rc == BK_EOF && x->bytes_in != y->bytes_in) fail_msg("%s: bytes read differ", what);
  if (memcmp(a->names, b->names, sizeof a->names) != 0) fail_msg("%s: instruments differ", what);
}

static void fast_path_gives_the_reference_events_on_every_real_l2_file(void **state) {
  (void)state;
  static const char *files[] = {
      "binance-futures-btcusdt-2023-04-05/binance-futures_incremental_book_L2_2023-04-04_BTCUSDT.csv.zst",
      "binance-futures-btcusdt-2023-04-05/binance-futures_incremental_book_L2_2023-04-05_BTCUSDT.csv.zst",
      "tardis-format-samples/tardis_deribit_incremental_book_L2_BTC-PERPETUAL.csv"};
  uint64_t rows = 0;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[1024];
    bk_t_data(files[i], path, sizeof path);
    bk_feed_opts ref;
    bk_feed_opts_init(&ref);
    ref.reference_csv = 1;
    run b = decode(path, &ref);
    assert_int_equal(b.rc, BK_EOF);
    static const size_t sizes[] = {0, 4096, 777};
    for (int threaded = 0; threaded < 2; threaded++)
      for (size_t k = 0; k < 3; k++) {
        bk_feed_opts o;
        bk_feed_opts_init(&o);
        o.threaded = threaded;
        o.read_size = sizes[k];
        run a = decode_with(path, &o, k == 1 ? 256 : 0);
        char what[1200];
        snprintf(what, sizeof what, "%s (threads %d, read size %zu)", files[i], threaded + 1,
                 sizes[k]);
        expect_same(what, &a, &b);
        run_free(&a);
      }
    rows += b.info.file.rows;
    run_free(&b);
  }
  printf("  %llu real rows decoded the same by both paths\n", (unsigned long long)rows);
  assert_true(rows > 300000);
}

/* ---- fuzzed files ---- */

/* Appends a row of the common shape, or a mutation of it, to t; returns its length. */
static size_t put_row(uint64_t *st, char *t, int64_t *ts, int *mutated) {
  char ex[16] = "synthetic", sym[16] = "SYNUSDT";
  char f_ts[40], f_lts[40], f_snap[16], f_side[16], f_px[40], f_amt[40];
  *ts += (int64_t)(bk_t_rand(st) % 3000);
  snprintf(f_ts, sizeof f_ts, "%lld", (long long)*ts);
  snprintf(f_lts, sizeof f_lts, "%lld", (long long)(*ts + 5000));
  snprintf(f_snap, sizeof f_snap, "%s", bk_t_rand(st) % 8 ? "false" : "true");
  snprintf(f_side, sizeof f_side, "%s", bk_t_rand(st) % 2 ? "bid" : "ask");
  snprintf(f_px, sizeof f_px, "%u.%u", 27000 + (unsigned)(bk_t_rand(st) % 2000),
           (unsigned)(bk_t_rand(st) % 10));
  snprintf(f_amt, sizeof f_amt, "%u.%03u", (unsigned)(bk_t_rand(st) % 20),
           (unsigned)(bk_t_rand(st) % 1000));
  const char *eol = "\n", *extra = "";
  *mutated = bk_t_rand(st) % 40 == 0;
  if (*mutated) {
    /* each mutation either keeps the row valid in an unusual shape or breaks it */
    switch (bk_t_rand(st) % 30) {
    case 0: strcpy(sym, "OTHERUSDT"); break;
    case 1: strcpy(ex, "deribit"); break;
    case 2: eol = "\r\n"; break;
    case 3: strcpy(f_side, "\"bid\""); break;
    case 4: snprintf(f_px, sizeof f_px, "-%s", "1.5"); break;
    case 5: strcpy(f_px, "123456789012.5"); break;           /* 12 integer digits */
    case 6: strcpy(f_amt, "0.123456789"); break;             /* 9 fraction digits */
    case 7: strcpy(f_amt, "1e3"); break;
    case 8: strcpy(f_px, ""); break;
    case 9: strcpy(f_ts, "1234567890123456789"); break;      /* 19 digits */
    case 10: strcpy(f_ts, "17600"); break;                   /* short and backwards */
    case 11: strcpy(f_snap, "TRUE"); break;
    case 12: strcpy(f_side, "buy"); break;
    case 13: extra = ",x"; break;
    case 14: strcpy(f_amt, "5."); break;
    case 15: strcpy(f_px, ".5"); break;
    case 16: strcpy(f_amt, " 1.0"); break;
    case 17: strcpy(f_lts, "+1760000000000000"); break;
    case 18: strcpy(f_px, "0001234.50000000"); break;        /* valid, leading zeros */
    case 19: strcpy(f_amt, "0"); break;                       /* valid, no point */
    case 20: f_ts[bk_t_rand(st) % 16] = "a/:x"[bk_t_rand(st) % 4]; break; /* a non-digit */
    case 21: strcpy(f_lts, "9"); break;                       /* valid, one digit */
    case 22: strcpy(f_px, "9999999999.99999999"); break;     /* valid, the widest */
    case 23: strcpy(f_px, "99999999999"); break;             /* 11 digits */
    case 24: strcpy(sym, "SYNUSD"); break;                    /* a prefix of the cached one */
    case 25: strcpy(f_snap, "tru"); break;
    case 26: strcpy(f_side, "bidd"); break;
    case 27: strcpy(f_amt, "1.5,"); break;
    case 28: strcpy(f_ts, "000000001760054400"); break;      /* valid, 18 digits */
    default: eol = "\n\n"; break;                             /* a blank line follows */
    }
  }
  return (size_t)sprintf(t, "%s,%s,%s,%s,%s,%s,%s,%s%s%s", ex, sym, f_ts, f_lts, f_snap, f_side,
                         f_px, f_amt, extra, eol);
}

static void fast_path_matches_the_reference_on_fuzzed_rows(void **state) {
  (void)state;
  uint64_t st = bk_t_seed();
  enum { FILES = 300, ROWS = 60 };
  char *text = malloc((size_t)ROWS * 200 + 200);
  assert_non_null(text);
  size_t clean_files = 0, broken = 0, total_rows = 0;
  for (int file = 0; file < FILES; file++) {
    size_t n = (size_t)sprintf(text, "exchange,symbol,timestamp,local_timestamp,is_snapshot,"
                                     "side,price,amount\n");
    int64_t ts = 1760054400000000;
    int any = 0;
    for (int r = 0; r < ROWS; r++) {
      int m;
      n += put_row(&st, text + n, &ts, &m);
      any |= m;
    }
    if (bk_t_rand(&st) % 4 == 0 && n > 0) n--; /* no LF after the last row */
    char path[512];
    bk_t_write(bk_t_tmp("fuzz_l2.csv", path, sizeof path), text, n);
    bk_feed_opts ref;
    bk_feed_opts_init(&ref);
    ref.reference_csv = 1;
    ref.strict = (int)(bk_t_rand(&st) % 2);
    run b = decode(path, &ref);
    bk_feed_opts o = ref;
    o.reference_csv = 0;
    o.threaded = (int)(bk_t_rand(&st) % 2);
    static const size_t sizes[] = {0, 1, 7, 100, 333};
    o.read_size = sizes[bk_t_rand(&st) % 5];
    size_t batch = bk_t_rand(&st) % 2 ? 0 : 1 + bk_t_rand(&st) % 300;
    run a = decode_with(path, &o, batch);
    char what[200];
    snprintf(what, sizeof what, "fuzzed file %d (threads %d, read size %zu, strict %d, batch %zu)",
             file, o.threaded + 1, o.read_size, o.strict, batch);
    expect_same(what, &a, &b);
    clean_files += !any;
    broken += b.rc != BK_EOF;
    total_rows += b.info.file.rows;
    run_free(&a);
    run_free(&b);
  }
  free(text);
  printf("  %d files, %zu rows, %zu ending in an error, %zu without a mutation\n", FILES,
         total_rows, broken, clean_files);
  assert_true(broken > FILES / 4 && broken < FILES);
  assert_true(total_rows > (size_t)FILES * ROWS / 4);
}

/* Merges paths with bk_merge_next (batch 0) or bk_merge_next_batch. */
static run merge_all(const char *const *paths, size_t np, size_t batch) {
  run r;
  memset(&r, 0, sizeof r);
  bk_instruments in;
  bk_instruments_init(&in);
  bk_feed_opts o;
  bk_feed_opts_init(&o);
  bk_merge *m;
  bk_err err;
  assert_int_equal(bk_merge_open_paths(paths, np, &in, &o, &m, NULL, &err), BK_OK);
  bk_event ev, evs[300];
  size_t n;
  if (!batch)
    while ((r.rc = bk_merge_next(m, &ev, NULL)) == BK_OK) push(&r, &ev);
  else
    while ((r.rc = bk_merge_next_batch(m, evs, batch, &n)) == BK_OK)
      for (size_t i = 0; i < n; i++) push(&r, &evs[i]);
  snprintf(r.msg, sizeof r.msg, "%s", bk_merge_error(m)->msg);
  bk_merge_free(m);
  bk_instruments_fini(&in);
  return r;
}

static void merge_batches_give_the_events_of_one_by_one_calls(void **state) {
  (void)state;
  char a[1024], b[1024];
  bk_t_data("binance-futures-btcusdt-2023-04-05/binance-futures_incremental_book_L2_2023-04-04_BTCUSDT.csv.zst", a, sizeof a);
  bk_t_data("binance-futures-btcusdt-2023-04-05/binance-futures_trades_2023-04-05_BTCUSDT.csv.zst", b, sizeof b);
  const char *two[] = {a, b};
  for (size_t np = 1; np <= 2; np++) {
    run one = merge_all(two, np, 0);
    assert_int_equal(one.rc, BK_EOF);
    for (size_t batch = 1; batch <= 256; batch += 85) {
      run many = merge_all(two, np, batch);
      char what[64];
      snprintf(what, sizeof what, "%zu feed(s), batch %zu", np, batch);
      if (many.rc != one.rc || many.n != one.n) fail_msg("%s: %zu vs %zu events", what, many.n, one.n);
      for (size_t i = 0; i < one.n; i++)
        if (memcmp(&one.v[i], &many.v[i], sizeof one.v[i]) != 0) fail_msg("%s: event %zu", what, i);
      run_free(&many);
    }
    if (np == 1) { /* one feed: the merge hands out the feed's own events */
      bk_feed_opts o;
      bk_feed_opts_init(&o);
      run f = decode(a, &o);
      assert_int_equal(f.n, one.n);
      assert_memory_equal(f.v, one.v, f.n * sizeof f.v[0]);
      run_free(&f);
    }
    printf("  %zu feed(s): %zu events\n", np, one.n);
    run_free(&one);
  }
}

static void a_merge_batch_hands_out_events_before_a_broken_row(void **state) {
  (void)state;
  char path[512];
  static const char text[] =
      "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
      "x,Y,1000000,1000001,true,bid,10.5,1\n"
      "x,Y,1000000,1000001,true,ask,11.5,2\n"
      "x,Y,1000002,1000003,false,ask,nan,2\n"
      "x,Y,1000004,1000005,false,ask,11.5,0\n";
  bk_t_write(bk_t_tmp("broken_l2.csv", path, sizeof path), text, sizeof text - 1);
  const char *p1[] = {path};
  for (size_t batch = 0; batch <= 3; batch++) {
    run r = merge_all(p1, 1, batch);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.rc, BK_EDATA);
    assert_non_null(strstr(r.msg, "broken_l2.csv:4: column 'price'"));
    assert_true(r.v[0].price == BK_FX(10) + BK_FX(1) / 2 && r.v[1].qty == BK_FX(2));
    run_free(&r);
  }
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fast_path_matches_the_reference_on_fuzzed_rows),
      cmocka_unit_test(a_merge_batch_hands_out_events_before_a_broken_row),
  };
  /* tests that read the shared real data: `test_l2fast --data` (ctest: test_l2fast_data) */
  const struct CMUnitTest data_tests[] = {
      cmocka_unit_test(fast_path_gives_the_reference_events_on_every_real_l2_file),
      cmocka_unit_test(merge_batches_give_the_events_of_one_by_one_calls),
  };
  if (bk_t_data_mode(argc, argv))
    return bk_t_data_exit(cmocka_run_group_tests_name("real data", data_tests, NULL, NULL));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
