/*
 * Fixed-point parsing, formatting and rounded arithmetic, and the clock's ISO 8601
 * conversions: the numbers every result is built from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine/clock.h"
#include "engine/fixed.h"
#include "tests/testutil.h"

static void parse_accepts_plain_decimals(void **state) {
  (void)state;
  assert_true(P("0") == 0);
  assert_true(P("1") == BK_FX_SCALE);
  assert_true(P("-0.25") == -25000000);
  assert_true(P("+3.5") == 350000000);
  assert_true(P(".5") == 50000000);
  assert_true(P("5.") == 500000000);
  assert_true(P("28159.75642857") == INT64_C(2815975642857));
  assert_true(P("0.00000001") == 1);
  assert_true(P("1.500000000000") == 150000000); /* extra zeros are exact */
  assert_true(P("92233720368.54775807") == INT64_MAX);
  assert_true(P("-92233720368.54775808") == INT64_MIN);
}

static void parse_rejects_what_strtod_accepts(void **state) {
  (void)state;
  const char *bad[] = {"", "nan", "NaN", "inf", "-inf", "1e5", "1E5", "0x10", " 1", "1 ",
                       "1,5", "--1", "-", ".", "1.2.3", "+", "1.000000001", "١"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    int64_t v = 42;
    const char *why = NULL;
    bk_rc rc = bk_fx_parse(bad[i], strlen(bad[i]), &v, &why);
    if (rc == BK_OK) fail_msg("'%s' was accepted", bad[i]);
    assert_non_null(why);
    assert_true(v == 42); /* unchanged on error */
  }
  int64_t v;
  assert_int_equal(bk_fx_parse("92233720368.54775808", 20, &v, NULL), BK_ERANGE);
  assert_int_equal(bk_fx_parse("1000000000000000", 16, &v, NULL), BK_ERANGE);
  assert_int_equal(bk_fx_parse("99999999999999999999999999999999999999999", 41, &v, NULL),
                   BK_ERANGE);
}

static void parse_round_rounds_the_ninth_decimal(void **state) {
  (void)state;
  int64_t v;
  assert_int_equal(bk_fx_parse_round("118886.556783564", 16, BK_HALF_EVEN, &v, NULL), BK_OK);
  assert_true(v == INT64_C(11888655678356));
  assert_int_equal(bk_fx_parse_round("0.000000015", 11, BK_HALF_EVEN, &v, NULL), BK_OK);
  assert_true(v == 2); /* tie to even */
  assert_int_equal(bk_fx_parse_round("-0.000000011", 12, BK_FLOOR, &v, NULL), BK_OK);
  assert_true(v == -2);
  assert_int_equal(bk_fx_parse_round("-0.000000011", 12, BK_CEIL, &v, NULL), BK_OK);
  assert_true(v == -1);
  assert_int_equal(bk_fx_parse_round("0.000000011", 11, BK_CEIL, &v, NULL), BK_OK);
  assert_true(v == 2);
}

static void int_parse_takes_only_integers(void **state) {
  (void)state;
  int64_t v;
  assert_int_equal(bk_int_parse("1680652800000000", 16, &v, NULL), BK_OK);
  assert_true(v == INT64_C(1680652800000000));
  assert_int_equal(bk_int_parse("1.5", 3, &v, NULL), BK_EDATA);
  assert_int_equal(bk_int_parse("9223372036854775808", 19, &v, NULL), BK_ERANGE);
}

static void format_prints_fixed_decimals_from_integers(void **state) {
  (void)state;
  char b[40];
  bk_fx_format(P("-1.5"), 2, BK_TRUNC, b, sizeof b);
  assert_string_equal(b, "-1.50");
  bk_fx_format(P("0.005"), 2, BK_HALF_EVEN, b, sizeof b);
  assert_string_equal(b, "0.00");
  bk_fx_format(P("0.015"), 2, BK_HALF_EVEN, b, sizeof b);
  assert_string_equal(b, "0.02");
  bk_fx_format(P("-0.001"), 2, BK_FLOOR, b, sizeof b);
  assert_string_equal(b, "-0.01");
  bk_fx_format(P("-0.001"), 2, BK_TRUNC, b, sizeof b);
  assert_string_equal(b, "0.00");
  bk_fx_format(INT64_MIN, 8, BK_TRUNC, b, sizeof b);
  assert_string_equal(b, "-92233720368.54775808");
  bk_fx_format(INT64_MAX, 8, BK_TRUNC, b, sizeof b);
  assert_string_equal(b, "92233720368.54775807");
  bk_fx_format(INT64_MIN, 2, BK_HALF_EVEN, b, sizeof b); /* ...54.775808 rounds away */
  assert_string_equal(b, "-92233720368.55");
  bk_fx_format(INT64_MAX, 0, BK_FLOOR, b, sizeof b);
  assert_string_equal(b, "92233720368");
  bk_fx_format(P("7"), 0, BK_TRUNC, b, sizeof b);
  assert_string_equal(b, "7");
  bk_fx_format_trim(P("19700"), b, sizeof b);
  assert_string_equal(b, "19700");
  bk_fx_format_trim(P("-0.0050"), b, sizeof b);
  assert_string_equal(b, "-0.005");
  bk_fx_format_trim(0, b, sizeof b);
  assert_string_equal(b, "0");
}

static void arithmetic_rounds_as_told_and_refuses_overflow(void **state) {
  (void)state;
  int64_t v;
  /* 1/3 in both directions */
  assert_int_equal(bk_fx_div(P("1"), P("3"), BK_FLOOR, &v), BK_OK);
  assert_true(v == 33333333);
  assert_int_equal(bk_fx_div(P("1"), P("3"), BK_CEIL, &v), BK_OK);
  assert_true(v == 33333334);
  assert_int_equal(bk_fx_div(P("-1"), P("3"), BK_FLOOR, &v), BK_OK);
  assert_true(v == -33333334);
  assert_int_equal(bk_fx_div(P("-1"), P("3"), BK_CEIL, &v), BK_OK);
  assert_true(v == -33333333);
  assert_int_equal(bk_fx_div(P("1"), 0, BK_CEIL, &v), BK_ERANGE);
  /* notional: 109.488 × 32481.98 = 3556387.02624 exactly */
  assert_int_equal(bk_fx_mul(P("109.488"), P("32481.98"), BK_FLOOR, &v), BK_OK);
  assert_true(v == P("3556387.02624"));
  /* a quantity that overflows a notional */
  assert_int_equal(bk_fx_mul(P("1000000000"), P("1000000"), BK_FLOOR, &v), BK_ERANGE);
  assert_int_equal(bk_fx_muldiv(P("7"), P("2"), P("4"), BK_CEIL, &v), BK_OK);
  assert_true(v == P("3.5"));
  assert_int_equal(bk_add(INT64_MAX, 1, &v), BK_ERANGE);
  assert_int_equal(bk_sub(INT64_MIN, 1, &v), BK_ERANGE);
  /* tick rounding: Bybit rounds 7,735.37 up to 7,735.50 on a 0.5 tick */
  assert_true(bk_fx_round_to(P("7735.37"), P("0.5"), BK_CEIL) == P("7735.5"));
  assert_true(bk_fx_round_to(P("7735.37"), P("0.5"), BK_FLOOR) == P("7735"));
  assert_true(bk_fx_round_to(P("-7735.37"), P("0.5"), BK_FLOOR) == P("-7735.5"));
}

static void division_matches_a_slow_reference_on_random_inputs(void **state) {
  (void)state;
  uint64_t s = bk_t_seed();
  for (int i = 0; i < 100000; i++) {
    int64_t a = (int64_t)(bk_t_rand(&s) >> (bk_t_rand(&s) % 63));
    int64_t b = (int64_t)(bk_t_rand(&s) >> (1 + bk_t_rand(&s) % 62)) + 1;
    if (bk_t_rand(&s) & 1) a = -a;
    if (bk_t_rand(&s) & 1) b = -b;
    int64_t f = bk_div_round(a, b, BK_FLOOR), c = bk_div_round(a, b, BK_CEIL);
    /* floor ≤ a/b ≤ ceil, and they differ by one exactly when b does not divide a */
    bk_i128 fb = (bk_i128)f * b, cb = (bk_i128)c * b;
    if (b > 0) assert_true(fb <= a && a <= cb);
    else assert_true(fb >= a && a >= cb);
    assert_true(c - f == (a % b != 0));
  }
}

/* n / d by restoring long division, one bit at a time: shares nothing with the code. */
static bk_u128 slow_udivrem(bk_u128 n, bk_u128 d, bk_u128 *rem) {
  bk_u128 q = 0, r = 0;
  for (int bit = 127; bit >= 0; bit--) {
    int top = (int)(r >> 127); /* r << 1 would lose this bit */
    r = (r << 1) | ((n >> bit) & 1);
    q <<= 1;
    if (top || r >= d) {
      r -= d;
      q |= 1;
    }
  }
  *rem = r;
  return q;
}

static void wide_division_matches_long_division(void **state) {
  (void)state;
  uint64_t s = bk_t_seed();
  const bk_u128 one = 1;
  /* the edges of the processor's 128-by-64 divide: the largest quotient it can give
     (high half d - 1), a divisor of 1 and of 2^64 - 1, the first past 64 bits */
  const bk_u128 edges[][2] = {
      {((bk_u128)(UINT64_MAX - 1) << 64) | UINT64_MAX, UINT64_MAX},
      {((bk_u128)6 << 64) | 123, 7},
      {UINT64_MAX, 1},
      {(one << 64) - 1, (one << 64) - 1},
      {one << 64, one << 64},
      {~(bk_u128)0, (one << 64) + 1},
      {~(bk_u128)0, ~(bk_u128)0},
      {5, 9},
  };
  for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
    bk_u128 r1, r2, q1 = bk_udivrem(edges[i][0], edges[i][1], &r1);
    bk_u128 q2 = slow_udivrem(edges[i][0], edges[i][1], &r2);
    assert_true(q1 == q2 && r1 == r2);
  }
  for (int i = 0; i < 200000; i++) {
    bk_u128 n = ((bk_u128)bk_t_rand(&s) << 64) | bk_t_rand(&s);
    bk_u128 d = ((bk_u128)bk_t_rand(&s) << 64) | bk_t_rand(&s);
    n >>= bk_t_rand(&s) % 128;
    d >>= bk_t_rand(&s) % 128;
    if (d == 0) d = 1 + (bk_t_rand(&s) & 0xff);
    bk_u128 r1, r2, q1 = bk_udivrem(n, d, &r1), q2 = slow_udivrem(n, d, &r2);
    assert_true(q1 == q2 && r1 == r2);
  }
}

static void clock_formats_and_parses_iso_8601(void **state) {
  (void)state;
  char b[40];
  bk_time_format(INT64_C(1760131260123456), b, sizeof b);
  assert_string_equal(b, "2025-10-10T21:21:00.123456Z");
  bk_time_format(-1, b, sizeof b);
  assert_string_equal(b, "1969-12-31T23:59:59.999999Z");
  int64_t us;
  assert_int_equal(bk_time_parse("2025-10-10T21:21:00.123456Z", 27, &us), BK_OK);
  assert_true(us == INT64_C(1760131260123456));
  assert_int_equal(bk_time_parse("2025-10-10", 10, &us), BK_OK);
  assert_true(us == INT64_C(1760054400000000));
  assert_int_equal(bk_time_parse("2025-10-10 00:00:07", 19, &us), BK_OK);
  assert_true(us == INT64_C(1760054407000000));
  assert_int_equal(bk_time_parse("1680652800000000", 16, &us), BK_OK);
  assert_true(us == INT64_C(1680652800000000));
  assert_int_equal(bk_time_parse("2023-02-29", 10, &us), BK_EDATA);
  assert_int_equal(bk_time_parse("2024-02-29", 10, &us), BK_OK);
  assert_int_equal(bk_time_parse("2025-13-01", 10, &us), BK_EDATA);
  assert_int_equal(bk_time_parse("yesterday", 9, &us), BK_EDATA);
  /* against the C library's calendar, from year 1 to 9999 and both sides of each */
  uint64_t s = bk_t_seed();
  for (int i = 0; i < 20000; i++) {
    int64_t lo = INT64_C(-62135596800000000), hi = INT64_C(253402300800000000); /* 0001..10000 */
    int64_t t = lo + (int64_t)(bk_t_rand(&s) % (uint64_t)(hi - lo));
    if (i < 4) t = (int64_t[]){lo, hi - 1, 0, -1}[i];
    time_t secs = (time_t)(t >= 0 ? t / 1000000 : -((-t + 999999) / 1000000));
    struct tm tm;
    assert_non_null(gmtime_r(&secs, &tm));
    char want[64];
    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(t - (int64_t)secs * 1000000));
    assert_int_equal(bk_time_format(t, b, sizeof b), strlen(want));
    assert_string_equal(b, want);
  }
  bk_time_format(INT64_C(253402300800000000), b, sizeof b); /* year 10000: printf's way */
  assert_string_equal(b, "10000-01-01T00:00:00.000000Z");
  for (int64_t d = -800000; d < 800000; d += 37) {
    int64_t y;
    unsigned m, dd;
    bk_civil_from_days(d, &y, &m, &dd);
    assert_true(bk_days_from_civil(y, m, dd) == d);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parse_accepts_plain_decimals),
      cmocka_unit_test(parse_rejects_what_strtod_accepts),
      cmocka_unit_test(parse_round_rounds_the_ninth_decimal),
      cmocka_unit_test(int_parse_takes_only_integers),
      cmocka_unit_test(format_prints_fixed_decimals_from_integers),
      cmocka_unit_test(arithmetic_rounds_as_told_and_refuses_overflow),
      cmocka_unit_test(division_matches_a_slow_reference_on_random_inputs),
      cmocka_unit_test(wide_division_matches_long_division),
      cmocka_unit_test(clock_formats_and_parses_iso_8601),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
