/*
 * The depth model (engine/depth_model.h): books built from a small profile and a known
 * warm-up volume, whose level prices and quantities are worked out by hand in the
 * comments; the reference's breathing, the refresh interval, the tape's band and the
 * profile's checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/depth_model.h"
#include "engine/fixed.h"
#include "tests/testutil.h"

#define SEC INT64_C(1000000)

static bk_contract contract(int kind, const char *size, const char *tick) {
  bk_contract c = {0};
  c.kind = kind;
  c.contract_size = P(size);
  c.tick = P(tick);
  return c;
}

/* One point at 1 %: 1 minute of volume within 1 %, linear from the mark. */
static bk_depth_spec one_point(void) {
  bk_depth_spec d = {0};
  d.n = 1;
  d.pct[0] = P("0.01");
  d.minutes[0] = P("1");
  d.ref_instr = UINT32_MAX;
  d.refresh_us = SEC;
  d.band_us = SEC;
  return d;
}

/* Level i (1 = best) of a side; fails when the side has fewer. */
static bk_level level(const bk_book *b, int side, size_t i) {
  bk_level v[BK_DMODEL_LEVELS];
  size_t n = bk_book_levels(b, side, 0, v, BK_DMODEL_LEVELS);
  assert_true(i >= 1 && i <= n);
  return v[i - 1];
}

static void assert_level(const bk_book *b, int side, size_t i, const char *px,
                         const char *qty) {
  bk_level l = level(b, side, i);
  if (l.price != P(px) || l.qty != P(qty))
    fail_msg("%s level %zu: %lld @ %lld, want %s @ %s", side == BK_BID ? "bid" : "ask", i,
             (long long)l.qty, (long long)l.price, qty, px);
}

/* An inverse contract of 10 USD with a one-point profile, its model over an open window
 * (volume up to now), and 1000 contracts traded at 100 at time 0: 100 coins. */
typedef struct inverse_fix {
  bk_depth_spec d;
  bk_contract c;
  bk_depth_model m;
} inverse_fix;

/* The fixture's book around 100, built ten minutes after the trade: 10 coins a minute. */
static const bk_book *inverse_book(inverse_fix *f, const char *tick, const bk_depth_ref *ref) {
  f->d = one_point();
  f->c = contract(BK_INVERSE, "10", tick);
  bk_dmodel_init(&f->m, &f->d, &f->c, ref, INT64_MIN);
  assert_int_equal(bk_dmodel_trade(&f->m, 0, P("100"), P("1000"), 1), BK_OK);
  const bk_book *b = NULL;
  assert_int_equal(bk_dmodel_book(&f->m, P("100"), 600 * SEC, &b), BK_OK);
  assert_non_null(b);
  return b;
}

static void linear_book_follows_a_two_segment_profile(void **state) {
  (void)state;
  /* 2 minutes within 1 %, 5 within 4 %: 200 minutes per unit of x up to 1 %, 100 beyond */
  bk_depth_spec d = one_point();
  d.n = 2;
  d.pct[0] = P("0.01");
  d.minutes[0] = P("2");
  d.pct[1] = P("0.04");
  d.minutes[1] = P("5");
  bk_contract c = contract(BK_LINEAR, "1", "0.01");
  bk_depth_ref ref = {0};
  bk_depth_model m;
  bk_dmodel_init(&m, &d, &c, &ref, 600 * SEC); /* the window opens after 10 minutes */
  /* warm-up: 30 × 100 + 10 × 200 = 5000 over 10 minutes = 500 a minute; the trade in the
     window does not count */
  assert_int_equal(bk_dmodel_trade(&m, 0, P("100"), P("30"), 1), BK_OK);
  assert_int_equal(bk_dmodel_trade(&m, 300 * SEC, P("200"), P("10"), 1), BK_OK);
  assert_int_equal(bk_dmodel_trade(&m, 700 * SEC, P("100"), P("1000"), 0), BK_OK);
  assert_true(m.warm_notional == P("5000"));
  const bk_book *b = NULL;
  assert_int_equal(bk_dmodel_book(&m, P("100"), 700 * SEC, &b), BK_OK);
  assert_non_null(b);
  assert_int_equal(bk_book_count(b, BK_BID), BK_DMODEL_LEVELS);
  assert_int_equal(bk_book_count(b, BK_ASK), BK_DMODEL_LEVELS);
  /* level i sits at x = 0.04 / 40 × i = 0.001 i: price 100 ∓ 0.1 i. Depth within x is
     500 × 0.2 i = 100 i up to i = 10, then 1000 + 50 (i − 10): each level holds 100 of
     notional up to 1 %, 50 beyond, in contracts of 1 × price, rounded down. */
  assert_level(b, BK_BID, 1, "99.9", "1.001001");      /* 100 / 99.9 */
  assert_level(b, BK_ASK, 1, "100.1", "0.99900099");   /* 100 / 100.1 */
  assert_level(b, BK_BID, 10, "99", "1.01010101");     /* 100 / 99 */
  assert_level(b, BK_BID, 11, "98.9", "0.50556117");   /* 50 / 98.9 */
  assert_level(b, BK_BID, 40, "96", "0.52083333");     /* 50 / 96 */
  assert_level(b, BK_ASK, 40, "104", "0.48076923");    /* 50 / 104 */
  bk_dmodel_fini(&m);
}

static void inverse_book_rounds_prices_away_from_the_mark(void **state) {
  (void)state;
  bk_depth_ref ref = {0};
  inverse_fix f;
  const bk_book *b = inverse_book(&f, "0.01", &ref);
  /* x = 0.01 / 40 × i = 0.00025 i, depth 10 × 0.025 i = 0.25 i coins: 0.25 a level, in
     contracts of 10 USD: 0.25 × price / 10. 100 ∓ 0.025 goes to 99.97 and 100.03. */
  assert_level(b, BK_BID, 1, "99.97", "2.49925");
  assert_level(b, BK_ASK, 1, "100.03", "2.50075");
  assert_level(b, BK_BID, 2, "99.95", "2.49875");
  assert_level(b, BK_ASK, 2, "100.05", "2.50125");
  assert_level(b, BK_BID, 40, "99", "2.475");
  assert_level(b, BK_ASK, 40, "101", "2.525");
  /* not rebuilt within the refresh interval, whatever the mark */
  const bk_book *again = NULL;
  assert_int_equal(bk_dmodel_book(&f.m, P("200"), 601 * SEC - 1, &again), BK_OK);
  assert_true(again == b);
  assert_level(b, BK_BID, 1, "99.97", "2.49925");
  /* rebuilt once it is due: 200 − 0.05, 0.25 × 199.95 / 10 (still 10 whole minutes); a
     trade at 200 in the window (not the warm-up's) lets the bids stand near 200 */
  assert_int_equal(bk_dmodel_trade(&f.m, 601 * SEC, P("200"), P("1"), 0), BK_OK);
  assert_int_equal(bk_dmodel_book(&f.m, P("200"), 601 * SEC, &again), BK_OK);
  assert_level(again, BK_BID, 1, "199.95", "4.99875");
  bk_dmodel_fini(&f.m);
}

static void a_coarse_tick_pushes_each_level_one_tick_further(void **state) {
  (void)state;
  bk_depth_ref ref = {0};
  inverse_fix f;
  const bk_book *b = inverse_book(&f, "1", &ref);
  /* 99.975 and 99.95 both floor to 99: the second level goes to 98, and so on to 60;
     asks from 101 to 140; each holds 0.25 coins: 0.25 × price / 10 */
  assert_level(b, BK_BID, 1, "99", "2.475");
  assert_level(b, BK_BID, 2, "98", "2.45");
  assert_level(b, BK_BID, 40, "60", "1.5");
  assert_level(b, BK_ASK, 1, "101", "2.525");
  assert_level(b, BK_ASK, 40, "140", "3.5");
  bk_dmodel_fini(&f.m);
}

/* The inverse fixture's bids around 100 (level i at 100 − 0.025 i floored to the tick,
 * holding 0.025 × its price contracts: 0.25 coins) are 99.97, 99.95, 99.92, 99.90, 99.87,
 * 99.85, 99.82, 99.80, 99.77; its asks 100.03, 100.05, 100.08. */
static void bids_above_the_tapes_high_move_down_to_it(void **state) {
  (void)state;
  bk_depth_ref ref = {0};
  inverse_fix f;
  f.d = one_point();
  f.c = contract(BK_INVERSE, "10", "0.01");
  bk_dmodel_init(&f.m, &f.d, &f.c, &ref, INT64_MIN);
  assert_int_equal(bk_dmodel_trade(&f.m, 0, P("100"), P("1000"), 1), BK_OK);
  /* the tape of the last second before 600 s: 99.934 at 599.2 s, 99.91 at 599.5 s */
  assert_int_equal(bk_dmodel_trade(&f.m, 5992 * SEC / 10, P("99.934"), P("1"), 0), BK_OK);
  assert_int_equal(bk_dmodel_trade(&f.m, 5995 * SEC / 10, P("99.91"), P("1"), 0), BK_OK);
  const bk_book *b = NULL;
  assert_int_equal(bk_dmodel_book(&f.m, P("100"), 600 * SEC, &b), BK_OK);
  /* the high 99.934 floors to 99.93: 99.97 and 99.95 move there and add up, 2.49925 +
     2.49875; 99.92 and below stay; the asks are above the low 99.91 and stay */
  assert_level(b, BK_BID, 1, "99.93", "4.998");
  assert_level(b, BK_BID, 2, "99.92", "2.498");
  assert_level(b, BK_BID, 8, "99.77", "2.49425"); /* the ninth built */
  assert_level(b, BK_ASK, 1, "100.03", "2.50075");
  assert_int_equal(bk_book_count(b, BK_BID), BK_DMODEL_LEVELS - 1);
  uint64_t deep_seq = level(b, BK_BID, 8).seq;
  /* 0.9 s later, before the refresh: one trade at 99.80 at 600.8 s, and the trades of
     599.x have left the window [599.9, 600.9]. Bids 1 to 8 (99.97 .. 99.80) gather at
     99.80: 0.025 × (99.97 + 99.95 + 99.92 + 99.90 + 99.87 + 99.85 + 99.82 + 99.80) =
     0.025 × 799.08 */
  assert_int_equal(bk_dmodel_trade(&f.m, 6008 * SEC / 10, P("99.8"), P("1"), 0), BK_OK);
  assert_int_equal(bk_dmodel_book(&f.m, P("100"), 6009 * SEC / 10, &b), BK_OK);
  assert_level(b, BK_BID, 1, "99.8", "19.977");
  assert_level(b, BK_BID, 2, "99.77", "2.49425");
  /* a level the band did not move is not set again: depth consumed from it stays
     consumed */
  assert_true(level(b, BK_BID, 2).seq == deep_seq);
  bk_dmodel_fini(&f.m);
}

static void asks_below_the_tapes_low_move_up_to_it(void **state) {
  (void)state;
  bk_depth_ref ref = {0};
  inverse_fix f;
  f.d = one_point();
  f.c = contract(BK_INVERSE, "10", "0.01");
  bk_dmodel_init(&f.m, &f.d, &f.c, &ref, INT64_MIN);
  assert_int_equal(bk_dmodel_trade(&f.m, 0, P("100"), P("1000"), 1), BK_OK);
  /* the tape traded 100.061 and 100.036 in the last second: the low 100.036 ceils to
     100.04; the ask at 100.03 moves up there with its 2.50075 contracts, 100.05 stays;
     the bids are below the high and stay */
  assert_int_equal(bk_dmodel_trade(&f.m, 5995 * SEC / 10, P("100.061"), P("1"), 0), BK_OK);
  assert_int_equal(bk_dmodel_trade(&f.m, 5996 * SEC / 10, P("100.036"), P("1"), 0), BK_OK);
  const bk_book *b = NULL;
  assert_int_equal(bk_dmodel_book(&f.m, P("100"), 600 * SEC, &b), BK_OK);
  assert_level(b, BK_ASK, 1, "100.04", "2.50075");
  assert_level(b, BK_ASK, 2, "100.05", "2.50125");
  assert_level(b, BK_BID, 1, "99.97", "2.49925");
  assert_int_equal(bk_book_count(b, BK_ASK), BK_DMODEL_LEVELS);
  bk_dmodel_fini(&f.m);
}

static bk_depth_profile profile(const char *bid_1pct, const char *ask_1pct) {
  bk_depth_profile p = {0};
  p.ts = 1;
  if (bid_1pct) p.p[p.n++] = (bk_depth_point){.pct = -BK_FX(1), .notional = P(bid_1pct)};
  p.p[p.n++] = (bk_depth_point){.pct = BK_FX(1) / 2, .notional = P("999")};
  if (ask_1pct) p.p[p.n++] = (bk_depth_point){.pct = BK_FX(1), .notional = P(ask_1pct)};
  return p;
}

static void the_model_breathes_with_the_reference_depth(void **state) {
  (void)state;
  bk_depth_ref ref = {0};
  bk_depth_profile p = profile("30", "70");
  bk_depth_ref_follow(&ref, &p);
  assert_true(ref.first == P("100") && ref.now == P("100"));
  p = profile("20", "30");
  bk_depth_ref_follow(&ref, &p);
  assert_true(ref.first == P("100") && ref.now == P("50"));
  p = profile(NULL, "500"); /* one side only: not a ±1 % figure yet */
  bk_depth_ref_follow(&ref, &p);
  assert_true(ref.now == P("50"));
  /* the inverse book above at half depth: 0.125 × 99.97 / 10 */
  inverse_fix f;
  const bk_book *b = inverse_book(&f, "0.01", &ref);
  assert_level(b, BK_BID, 1, "99.97", "1.249625");
  bk_dmodel_fini(&f.m);
}

static void warm_up_volume_that_overflows_is_refused(void **state) {
  (void)state;
  bk_depth_spec d = one_point();
  bk_contract c = contract(BK_LINEAR, "1", "0.01");
  bk_depth_ref ref = {0};
  bk_depth_model m;
  bk_dmodel_init(&m, &d, &c, &ref, INT64_MIN);
  assert_int_equal(bk_dmodel_trade(&m, 0, P("90000000000"), P("1"), 1), BK_OK);
  assert_int_equal(bk_dmodel_trade(&m, 1, P("90000000000"), P("1"), 1), BK_ERANGE);
  assert_true(m.warm_notional == P("90000000000"));
  bk_dmodel_fini(&m);
}

static void profiles_must_ascend_and_stay_small(void **state) {
  (void)state;
  bk_err err;
  bk_depth_spec d;
  bk_depth_spec_default(&d);
  assert_int_equal(bk_depth_spec_check(&d, &err), BK_OK);
  assert_true(d.n == 5 && d.pct[4] == P("0.05"));
  assert_true(d.minutes[0] == P("1") && d.minutes[1] == P("1.75") && d.minutes[4] == P("4"));
  bk_depth_spec bad = d;
  bad.pct[2] = bad.pct[1];
  assert_int_equal(bk_depth_spec_check(&bad, &err), BK_ECONFIG);
  bad = d;
  bad.minutes[3] = -1;
  assert_int_equal(bk_depth_spec_check(&bad, &err), BK_ECONFIG);
  bad = d;
  bad.pct[0] = 0;
  assert_int_equal(bk_depth_spec_check(&bad, &err), BK_ECONFIG);
  bad = d;
  bad.n = BK_DEPTH_SPEC_POINTS + 1;
  assert_int_equal(bk_depth_spec_check(&bad, &err), BK_ECONFIG);
  bad = d;
  bad.refresh_us = 0;
  assert_int_equal(bk_depth_spec_check(&bad, &err), BK_ECONFIG);
  assert_true(d.band_us == SEC);
  bad = d;
  bad.band_us = 0;
  assert_int_equal(bk_depth_spec_check(&bad, &err), BK_ECONFIG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(linear_book_follows_a_two_segment_profile),
      cmocka_unit_test(inverse_book_rounds_prices_away_from_the_mark),
      cmocka_unit_test(a_coarse_tick_pushes_each_level_one_tick_further),
      cmocka_unit_test(bids_above_the_tapes_high_move_down_to_it),
      cmocka_unit_test(asks_below_the_tapes_low_move_up_to_it),
      cmocka_unit_test(the_model_breathes_with_the_reference_depth),
      cmocka_unit_test(warm_up_volume_that_overflows_is_refused),
      cmocka_unit_test(profiles_must_ascend_and_stay_small),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
