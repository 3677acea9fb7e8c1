/*
 * Marks derived from trades (engine/derived_mark.h): the lower median of a trailing
 * window, taken when a bucket closes, over trade sequences whose medians are worked out
 * by hand in the comments. Times are in µs, prices whole numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/derived_mark.h"
#include "engine/fixed.h"
#include "tests/testutil.h"

/* Feeds a trade that must not close a bucket. */
static void quiet(bk_derived_mark *d, int64_t ts, int64_t px) {
  int64_t at = -1;
  assert_true(bk_dmark_trade(d, ts, BK_FX(px), &at) == 0);
  assert_true(at == -1);
}

/* Feeds a trade that must close the bucket ending at `end` with median `want`. */
static void closes(bk_derived_mark *d, int64_t ts, int64_t px, int64_t end, int64_t want) {
  int64_t at = -1;
  assert_true(bk_dmark_trade(d, ts, BK_FX(px), &at) == BK_FX(want));
  assert_true(at == end);
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
}

static void the_ring_keeps_the_newest_trades(void **state) {
  (void)state;
  bk_derived_mark d;
  bk_dmark_init(&d, 1000000, 1000);
  assert_true(bk_dmark_median(&d, 0) == 0); /* no trade yet */
  for (int64_t i = 0; i < 300; i++) quiet(&d, i, i + 1); /* prices 1 .. 300 */
  assert_int_equal(d.n, BK_DMARK_TRADES);
  /* the newest 255 are 46 .. 300; their median is the 128th: 46 + 127 = 173 */
  closes(&d, 1000, 1, 1000, 173);
}

/* The median is selected, not sorted: against a naive count on random rings of every
 * length, with many equal prices. The lower median m is the value with fewer than
 * (n + 1) / 2 prices below it and at least (n + 1) / 2 prices at or below it. */
static void the_median_matches_a_naive_count_on_random_rings(void **state) {
  (void)state;
  uint64_t seed = 12345;
  for (int round = 0; round < 2000; round++) {
    bk_derived_mark d;
    bk_dmark_init(&d, INT64_MAX / 4, INT64_MAX / 4);
    size_t n = 1 + (size_t)(bk_t_rand(&seed) % (BK_DMARK_TRADES + 40));
    int64_t spread = 1 + (int64_t)(bk_t_rand(&seed) % (round % 3 ? 1000 : 4));
    for (size_t i = 0; i < n; i++)
      (void)bk_dmark_trade(&d, (int64_t)i, (int64_t)(bk_t_rand(&seed) % (uint64_t)spread),
                           &(int64_t){0});
    int64_t m = bk_dmark_median(&d, (int64_t)n);
    size_t held = n < BK_DMARK_TRADES ? n : BK_DMARK_TRADES, below = 0, upto = 0;
    for (size_t i = 0; i < held; i++) {
      below += d.px[i] < m;
      upto += d.px[i] <= m;
    }
    assert_true(below < (held + 1) / 2);
    assert_true(upto >= (held + 1) / 2);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_bucket_closes_on_the_first_trade_past_it_with_the_lower_median),
      cmocka_unit_test(trades_older_than_the_window_leave_the_median),
      cmocka_unit_test(the_ring_keeps_the_newest_trades),
      cmocka_unit_test(the_median_matches_a_naive_count_on_random_rings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
