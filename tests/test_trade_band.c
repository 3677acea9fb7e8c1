/*
 * The trade band (engine/trade_band.h): the lowest and highest trade of a trailing window,
 * on a short tape worked out by hand, and against a plain scan of every trade on seeded
 * random tapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "engine/trade_band.h"
#include "tests/testutil.h"

#define SEC INT64_C(1000000)

static void assert_band(bk_trade_band *b, int64_t now, const char *lo, const char *hi) {
  int64_t l = 0, h = 0;
  assert_int_equal(bk_band_at(b, now, &l, &h), 1);
  if (l != P(lo) || h != P(hi))
    fail_msg("band at %lld: [%lld, %lld], want [%s, %s]", (long long)now, (long long)l,
             (long long)h, lo, hi);
}

static void the_band_spans_the_window_and_keeps_the_newest_trade(void **state) {
  (void)state;
  bk_trade_band b;
  bk_band_init(&b, SEC);
  int64_t lo = 7, hi = 7;
  assert_int_equal(bk_band_at(&b, 0, &lo, &hi), 0); /* no trade: no band */
  assert_true(lo == 7 && hi == 7);
  /* 10 at 0 s, 12 at 0.4 s, 9 at 0.8 s, 11 at 1.2 s */
  assert_int_equal(bk_band_trade_at(&b, 0, P("10")), BK_OK);
  assert_int_equal(bk_band_trade_at(&b, 4 * SEC / 10, P("12")), BK_OK);
  assert_int_equal(bk_band_trade_at(&b, 8 * SEC / 10, P("9")), BK_OK);
  assert_band(&b, SEC, "9", "12");               /* [0, 1 s]: all three */
  assert_int_equal(bk_band_trade_at(&b, 12 * SEC / 10, P("11")), BK_OK);
  assert_band(&b, 12 * SEC / 10, "9", "12");     /* [0.2, 1.2]: 12, 9, 11 */
  assert_band(&b, 15 * SEC / 10, "9", "11");     /* [0.5, 1.5]: 9, 11 */
  assert_band(&b, 19 * SEC / 10, "11", "11");    /* [0.9, 1.9]: 11 */
  assert_band(&b, 3600 * SEC, "11", "11");       /* nothing left: the newest trade */
  bk_band_fini(&b);
}

/* The band by a plain scan: the extremes of the trades in [now - window, now] and the
 * newest. */
static void scan(const int64_t *ts, const int64_t *px, size_t n, int64_t window, int64_t now,
                 int64_t *lo, int64_t *hi) {
  *lo = *hi = px[n - 1];
  for (size_t i = 0; i < n; i++)
    if (ts[i] >= now - window && ts[i] <= now) {
      if (px[i] < *lo) *lo = px[i];
      if (px[i] > *hi) *hi = px[i];
    }
}

static void the_band_matches_a_plain_scan_on_random_tapes(void **state) {
  (void)state;
  enum { TRADES = 4000 };
  int64_t *ts = malloc(TRADES * sizeof *ts), *px = malloc(TRADES * sizeof *px);
  assert_true(ts && px);
  for (unsigned seed = 1; seed <= 20; seed++) {
    srand(seed);
    bk_trade_band b;
    int64_t window = (rand() % 5 + 1) * SEC / 10; /* 0.1 to 0.5 s */
    bk_band_init(&b, window);
    int64_t t = 0, now = 0, p = P("100");
    for (size_t i = 0; i < TRADES; i++) {
      t += rand() % 3 == 0 ? 0 : rand() % (SEC / 20);  /* bursts at one time, gaps */
      p += (rand() % 21 - 10) * P("0.01");
      if (p < P("1")) p = P("1");
      ts[i] = t;
      px[i] = p;
      assert_int_equal(bk_band_trade_at(&b, t, p), BK_OK);
      if (rand() % 4) continue; /* ask now and then, at or after the trade */
      now = t + (rand() % 2 ? 0 : rand() % SEC);
      int64_t lo, hi, want_lo, want_hi;
      assert_int_equal(bk_band_at(&b, now, &lo, &hi), 1);
      scan(ts, px, i + 1, window, now, &want_lo, &want_hi);
      if (lo != want_lo || hi != want_hi)
        fail_msg("seed %u, trade %zu: [%lld, %lld], want [%lld, %lld]", seed, i,
                 (long long)lo, (long long)hi, (long long)want_lo, (long long)want_hi);
      t = now; /* time never goes back */
    }
    bk_band_fini(&b);
  }
  free(ts);
  free(px);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_band_spans_the_window_and_keeps_the_newest_trade),
      cmocka_unit_test(the_band_matches_a_plain_scan_on_random_tapes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
