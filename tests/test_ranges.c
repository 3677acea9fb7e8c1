/*
 * Assumption ranges (config/ranges.h), the leverage scale (strategies/sizing.h) and the
 * fund-sizing curve (reports/sizing_curve.h), each against figures worked out by hand:
 * the grid's points are powers of the range's ratio (4^(1/3) = 1.58740105...), a draw's
 * value is the grid point its own stream picks whatever other ranges exist, and the
 * curve over a hand-made set of safe funds is counted here draw by draw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "config/ranges.h"
#include "engine/fixed.h"
#include "engine/rng.h"
#include "reports/sizing_curve.h"
#include "strategies/sizing.h"
#include "tests/testutil.h"

#define E8 INT64_C(100000000)

static int64_t dist(int64_t a, int64_t b) { return a > b ? a - b : b - a; }

/* Point i of 64 over [lo, hi] is lo × (hi / lo)^(i / 63): the ends exactly, the third of
 * the way (i = 21) at the cube root of the ratio, within the one unit (1e-8) the integer
 * search rounds to. */
static void grid_points_are_powers_of_the_ratio(void **state) {
  (void)state;
  assert_int_equal(bk_range_point(E8, 4 * E8, 0), E8);
  assert_int_equal(bk_range_point(E8, 4 * E8, 63), 4 * E8);
  assert_true(dist(bk_range_point(E8, 4 * E8, 21), 158740105) <= 1);  /* 4^(1/3) */
  assert_true(dist(bk_range_point(E8, 4 * E8, 42), 251984210) <= 1);  /* 4^(2/3) */
  assert_true(dist(bk_range_point(E8 / 2, 2 * E8, 21), 79370053) <= 1); /* 0.5 × 4^(1/3) */
  /* the mark window in µs, 1 s to 8 s: i = 21 is 2 s, i = 42 is 4 s */
  assert_true(dist(bk_range_point(1000000, 8000000, 21), 2000000) <= 1);
  assert_true(dist(bk_range_point(1000000, 8000000, 42), 4000000) <= 1);
  for (unsigned i = 1; i < 64; i++) /* ascending, strictly for a range this wide */
    assert_true(bk_range_point(E8 / 10, 4 * E8, i) > bk_range_point(E8 / 10, 4 * E8, i - 1));
  assert_int_equal(bk_range_point(3 * E8, 3 * E8, 17), 3 * E8); /* [x, x] is x */
}

static bk_ranges all_ranges(void) {
  bk_ranges r;
  memset(&r, 0, sizeof r);
  const int64_t lo[] = {E8 / 10, E8 / 4, 1000000, E8 / 2}, hi[] = {4 * E8, 4 * E8, 30000000,
                                                                   2 * E8};
  for (int k = 0; k < BK_ASSUMPTIONS; k++) r.given[k] = 1, r.lo[k] = lo[k], r.hi[k] = hi[k];
  return r;
}

/* Draw 0 is the base; draw d's OI scale is the grid point drawn by the stream
 * (seed, "range:oi_scale", d), the same with the OI range alone or with all four; the
 * draws do not all take one value. */
static void a_draws_value_comes_from_its_own_stream(void **state) {
  (void)state;
  bk_ranges all = all_ranges(), oi;
  memset(&oi, 0, sizeof oi);
  oi.given[BK_AS_OI_SCALE] = 1;
  oi.lo[BK_AS_OI_SCALE] = all.lo[BK_AS_OI_SCALE];
  oi.hi[BK_AS_OI_SCALE] = all.hi[BK_AS_OI_SCALE];
  bk_assumptions base, a, b;
  bk_assumptions_base(&base, 5000000);
  assert_true(base.v[BK_AS_OI_SCALE] == E8 && base.v[BK_AS_DEPTH_SCALE] == E8 &&
              base.v[BK_AS_LEVERAGE_SCALE] == E8 && base.v[BK_AS_MARK_WINDOW] == 5000000);
  uint64_t seed = bk_t_seed();
  bk_ranges_draw(&all, &base, seed, 0, &a);
  assert_memory_equal(&a, &base, sizeof a);
  int moved = 0;
  int64_t first = 0;
  for (uint64_t d = 1; d <= 50; d++) {
    bk_ranges_draw(&all, &base, seed, d, &a);
    bk_ranges_draw(&oi, &base, seed, d, &b);
    uint64_t st = bk_rng_stream(seed, bk_rng_name("range:oi_scale"), d);
    unsigned i = (unsigned)bk_rng_below(&st, 64);
    assert_true(a.v[BK_AS_OI_SCALE] == bk_range_point(E8 / 10, 4 * E8, i));
    assert_true(b.v[BK_AS_OI_SCALE] == a.v[BK_AS_OI_SCALE]);
    /* without their ranges the others stay at the base */
    assert_true(b.v[BK_AS_DEPTH_SCALE] == E8 && b.v[BK_AS_MARK_WINDOW] == 5000000 &&
                b.v[BK_AS_LEVERAGE_SCALE] == E8);
    for (int k = 0; k < BK_ASSUMPTIONS; k++)
      assert_true(a.v[k] >= all.lo[k] && a.v[k] <= all.hi[k]);
    if (d == 1) first = a.v[BK_AS_OI_SCALE];
    moved |= a.v[BK_AS_OI_SCALE] != first;
  }
  assert_true(moved);
}

/* The sensitivity cases: the base, then low and high of each range in the enum's order. */
static void sensitivity_cases_follow_the_ranges(void **state) {
  (void)state;
  bk_ranges r;
  memset(&r, 0, sizeof r);
  r.given[BK_AS_DEPTH_SCALE] = r.given[BK_AS_LEVERAGE_SCALE] = 1;
  int end;
  assert_int_equal(bk_ranges_count(&r), 2);
  assert_int_equal(bk_ranges_case(&r, 0, &end), -1);
  assert_int_equal(bk_ranges_case(&r, 1, &end), BK_AS_DEPTH_SCALE);
  assert_int_equal(end, 0);
  assert_int_equal(bk_ranges_case(&r, 2, &end), BK_AS_DEPTH_SCALE);
  assert_int_equal(end, 1);
  assert_int_equal(bk_ranges_case(&r, 3, &end), BK_AS_LEVERAGE_SCALE);
  assert_int_equal(end, 0);
  assert_int_equal(bk_ranges_case(&r, 4, &end), BK_AS_LEVERAGE_SCALE);
  assert_int_equal(end, 1);
  assert_int_equal(bk_ranges_case(&r, 5, &end), -1);
}

/* The depth scale multiplies every point's minutes (rounded down); the window is set. */
static void applying_scales_the_depth_and_sets_the_window(void **state) {
  (void)state;
  bk_sim_config c;
  bk_sim_config_init(&c);
  c.depth.n = 2; /* 1 minute within 1 %, 4 within 5 % */
  c.depth.minutes[0] = E8;
  c.depth.minutes[1] = 4 * E8;
  bk_assumptions a;
  bk_assumptions_base(&a, 12000000);
  a.v[BK_AS_DEPTH_SCALE] = E8 / 3; /* 0.33333333 */
  assert_int_equal(bk_assumptions_apply(&a, &c), BK_OK);
  assert_int_equal((int)c.depth.n, 2);
  assert_true(c.depth.minutes[0] == 33333333 && c.depth.minutes[1] == 133333332);
  assert_true(c.mark_window_us == 12000000);
}

/* Leverage × scale, rounded down, never below 1×. */
static void the_leverage_scale_multiplies_and_floors_at_one(void **state) {
  (void)state;
  assert_true(bk_lev_scale(20 * E8, E8 / 2) == 10 * E8);
  assert_true(bk_lev_scale(50 * E8, 2 * E8) == 100 * E8);
  assert_true(bk_lev_scale(3 * E8, 33333333) == E8);     /* 0.99999999 → 1 */
  assert_true(bk_lev_scale(3 * E8, 33333334) == 100000002); /* 1.00000002 */
  assert_true(bk_lev_scale(2 * E8, E8 / 4) == E8);       /* 0.5 → 1 */
}

/* Safe funds {5, 0, 9, 2, 5} (hand-made): above 0 are 4 draws (2, 5, 5, 9), above 2 three,
 * above 5 one, above 9 none; {3, 3}: 2 above 0, none above 3. */
static void the_sizing_curve_counts_the_draws_above(void **state) {
  (void)state;
  int64_t safe[] = {5 * E8, 0, 9 * E8, 2 * E8, 5 * E8};
  bk_sizing_step st[6];
  size_t n = bk_sizing_curve(safe, 5, st);
  assert_int_equal((int)n, 4);
  const int64_t fund[] = {0, 2 * E8, 5 * E8, 9 * E8};
  const uint32_t above[] = {4, 3, 1, 0};
  for (size_t i = 0; i < n; i++) {
    assert_true(st[i].fund == fund[i]);
    assert_int_equal(st[i].above, above[i]);
  }
  int64_t two[] = {3 * E8, 3 * E8};
  n = bk_sizing_curve(two, 2, st);
  assert_int_equal((int)n, 2);
  assert_true(st[0].fund == 0 && st[0].above == 2 && st[1].fund == 3 * E8 && st[1].above == 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(grid_points_are_powers_of_the_ratio),
      cmocka_unit_test(a_draws_value_comes_from_its_own_stream),
      cmocka_unit_test(sensitivity_cases_follow_the_ranges),
      cmocka_unit_test(applying_scales_the_depth_and_sets_the_window),
      cmocka_unit_test(the_leverage_scale_multiplies_and_floors_at_one),
      cmocka_unit_test(the_sizing_curve_counts_the_draws_above),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
