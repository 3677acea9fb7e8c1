/*
 * Marks derived from trades (engine/derived_mark.h): the lower median of a trailing
 * window, taken when a bucket closes, over trade sequences whose medians are worked out
 * by hand in the comments, and against a naive median (every trade kept, the window's
 * prices sorted) on random tapes. Times are in µs, prices whole numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "engine/derived_mark.h"
#include "engine/fixed.h"
#include "tests/testutil.h"

/* Feeds a trade that must not close a bucket. */
static void quiet(bk_derived_mark *d, int64_t ts, int64_t px) {
  int64_t at = -1;
  assert_true(bk_dmark_close(d, ts, &at) == 0);
  assert_true(at == -1);
  assert_int_equal(bk_dmark_add(d, ts, BK_FX(px)), BK_OK);
}

/* Feeds a trade that must close the bucket ending at `end` with median `want`. */
static void closes(bk_derived_mark *d, int64_t ts, int64_t px, int64_t end, int64_t want) {
  int64_t at = -1;
  assert_true(bk_dmark_close(d, ts, &at) == BK_FX(want));
  assert_true(at == end);
  assert_int_equal(bk_dmark_add(d, ts, BK_FX(px)), BK_OK);
}

static void a_bucket_closes_on_the_first_trade_past_it_with_the_lower_median(void **state) {
  (void)state;
  bk_derived_mark d;
  bk_dmark_init(&d, 1000, 100);
  quiet(&d, 10, 100);  /* opens the bucket ending at 100 */
  quiet(&d, 50, 104);
  quiet(&d, 90, 102);
  /* 100 102 104: the median 102; the closing trade is not in it */
  closes(&d, 130, 101, 100, 102);
  /* the trade at 130 opened the bucket ending at 200; 100 101 102 104: the lower of the
     middle two, 101 (not 101.5, not 102) */
  closes(&d, 260, 90, 200, 101);
  /* a trade exactly at the end closes it: 90 100 101 102 104 -> 101 */
  closes(&d, 300, 95, 300, 101);
  /* 300 is a multiple of the step: its bucket ends at 400 */
  quiet(&d, 399, 95);
  closes(&d, 400, 95, 400, 100); /* 90 95 95 100 101 102 104 -> 100 */
  bk_dmark_fini(&d);
}

static void trades_older_than_the_window_leave_the_median(void **state) {
  (void)state;
  bk_derived_mark d;
  bk_dmark_init(&d, 100, 100);
  quiet(&d, 0, 10);
  quiet(&d, 20, 30);
  closes(&d, 150, 50, 100, 10);  /* window [0, 100]: 10 30 -> 10 */
  closes(&d, 250, 70, 200, 50);  /* window [100, 200]: only 50 (20 is older) */
  closes(&d, 400, 90, 300, 70);  /* window [200, 300]: only 70 */
  /* long after every trade the newest still counts, alone */
  assert_true(bk_dmark_median(&d, 10000) == BK_FX(90));
  bk_dmark_fini(&d);
}

/* A crash's window holds hundreds of trades; every one counts, not only the newest. */
static void every_trade_of_the_window_counts(void **state) {
  (void)state;
  bk_derived_mark d;
  bk_dmark_init(&d, 1000000, 1000);
  assert_true(bk_dmark_median(&d, 0) == 0); /* no trade yet */
  for (int64_t i = 0; i < 300; i++) quiet(&d, i, i + 1); /* prices 1 .. 300 */
  /* all 300 are in the window [-999000, 1000]: the lower median is the 150th, 150 */
  closes(&d, 1000, 1, 1000, 150);
  /* 999 more at 7, one a µs from 1001 to 1999, inside the bucket the trade at 1000
     opened: the window at 2000 is [-998000, 2000), 1,300 trades: 1 1 2 3 4 5 6, then 1,000
     sevens (places 7 to 1006), then 8 .. 300; the lower median, place 649, is 7 */
  for (int64_t i = 1001; i < 2000; i++) quiet(&d, i, 7);
  closes(&d, 2000, 500, 2000, 7);
  /* a million µs later only the trade at 2000 is in the window: 500 */
  assert_true(bk_dmark_median(&d, 2000 + 1000000) == BK_FX(500));
  bk_dmark_fini(&d);
}

/* The naive median: every trade kept, the window's prices copied and sorted. */
typedef struct naive {
  int64_t *ts, *px;
  size_t n;
} naive;

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int64_t naive_median(const naive *t, int64_t now, int64_t window) {
  if (t->n == 0) return 0;
  int64_t *v = malloc(t->n * sizeof *v);
  assert_non_null(v);
  size_t k = 0;
  for (size_t i = 0; i < t->n; i++)
    if (t->ts[i] >= now - window) v[k++] = t->px[i];
  if (k == 0) v[k++] = t->px[t->n - 1]; /* the newest, however old */
  qsort(v, k, sizeof *v, cmp64);
  int64_t m = v[(k - 1) / 2];
  free(v);
  return m;
}

/* Random tapes against the naive median: bursts of thousands of trades and quiet spells,
 * few or many distinct prices, windows short and long against the step. Every bucket's
 * close and its end must match, and the heaps must stay near the window's size. */
static void random_tapes_match_a_naive_median(void **state) {
  (void)state;
  uint64_t seed = 12345;
  for (int round = 0; round < 60; round++) {
    int64_t step = 1 + (int64_t)(bk_t_rand(&seed) % 50);
    int64_t window = 1 + (int64_t)(bk_t_rand(&seed) % 2000);
    int64_t spread = 1 + (int64_t)(bk_t_rand(&seed) % (round % 3 ? 1000 : 3));
    size_t n = 500 + (size_t)(bk_t_rand(&seed) % 4000);
    naive t = {malloc(n * sizeof(int64_t)), malloc(n * sizeof(int64_t)), 0};
    assert_non_null(t.ts);
    assert_non_null(t.px);
    bk_derived_mark d;
    bk_dmark_init(&d, window, step);
    int64_t ts = (int64_t)(bk_t_rand(&seed) % 100), open_end = -1, closed = 0;
    int64_t trend = (int64_t)(bk_t_rand(&seed) % 3) - 1;
    for (size_t i = 0; i < n; i++) {
      uint64_t r = bk_t_rand(&seed) % 100;
      ts += r < 70 ? 0 : r < 95 ? (int64_t)(bk_t_rand(&seed) % 5) : (int64_t)(bk_t_rand(&seed) % 3000);
      int64_t px = (int64_t)(bk_t_rand(&seed) % (uint64_t)spread) + trend * (int64_t)i;
      int64_t at = -1, got = bk_dmark_close(&d, ts, &at);
      if (open_end >= 0 && ts >= open_end) { /* the naive rule: this trade closes it */
        assert_true(at == open_end);
        assert_true(got == naive_median(&t, open_end, window));
        open_end = -1;
        closed++;
      } else {
        assert_true(got == 0 && at == -1);
      }
      assert_int_equal(bk_dmark_add(&d, ts, px), BK_OK);
      t.ts[t.n] = ts;
      t.px[t.n++] = px;
      if (open_end < 0) open_end = (ts / step + 1) * step;
      size_t live = (size_t)(d.next - d.first);
      assert_true(d.livelo + d.livehi == live);
      assert_true(d.nlo <= 2 * d.livelo + 34 + 2 * live && d.nhi <= 2 * d.livehi + 34 + 2 * live);
    }
    assert_true(closed > 0);
    /* later medians, each after the last trade, as `now` moves on */
    for (int64_t later = ts; later < ts + 3 * window; later += window / 3 + 1)
      assert_true(bk_dmark_median(&d, later) == naive_median(&t, later, window));
    bk_dmark_fini(&d);
    free(t.ts);
    free(t.px);
  }
}

/* The window's memory follows the window, not the tape: a day of trades through a
 * window of ten keeps a few dozen entries. */
static void memory_follows_the_window(void **state) {
  (void)state;
  bk_derived_mark d;
  bk_dmark_init(&d, 10, 1);
  uint64_t seed = 7;
  for (int64_t i = 0; i < 1000000; i++) {
    int64_t at = 0;
    (void)bk_dmark_close(&d, i, &at);
    /* rising prices leave dead entries at the bottom of the lower half */
    assert_int_equal(bk_dmark_add(&d, i, i + (int64_t)(bk_t_rand(&seed) % 5)), BK_OK);
  }
  assert_true(d.next - d.first <= 12);
  assert_true(d.qcap <= 16 && d.caplo <= 64 && d.caphi <= 64);
  bk_dmark_fini(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_bucket_closes_on_the_first_trade_past_it_with_the_lower_median),
      cmocka_unit_test(trades_older_than_the_window_leave_the_median),
      cmocka_unit_test(every_trade_of_the_window_counts),
      cmocka_unit_test(random_tapes_match_a_naive_median),
      cmocka_unit_test(memory_follows_the_window),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
