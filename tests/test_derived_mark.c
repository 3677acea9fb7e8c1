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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_bucket_closes_on_the_first_trade_past_it_with_the_lower_median),
      cmocka_unit_test(trades_older_than_the_window_leave_the_median),
      cmocka_unit_test(the_ring_keeps_the_newest_trades),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
