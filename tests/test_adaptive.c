/*
 * Adaptive margins (engine/stress.c, the multiplier in engine/tiers.c and account.c, its
 * use in risk.c): the decay of the volatility's mean, the multiplier's path under a ramp,
 * floor and cap, an account a volatility step liquidates where the published margin
 * would not, causality (data after t changes no margin before t) and conservation through
 * a volatile run. Every pinned number is worked out in the comment beside it.
 *
 * The policy of the hand-worked cases: marks sampled every 60 s, a half-life of one
 * sample (decay 1/2), vol_ref 1 % per sample, multiplier between 1 and 3, ramp 0.5 per
 * sample.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/risk.h"
#include "engine/stress.h"
#include "tests/testutil.h"

#define S(sec) ((int64_t)(sec) * 1000000)

static bk_adaptive_margin am_hand(void) {
  return (bk_adaptive_margin){S(60), S(60), P("0.01"), P("1"), P("3"), P("0.5")};
}

static bk_policy adaptive(const bk_adaptive_margin *am) {
  bk_policy p;
  bk_policy_default(&p);
  if (am) p.am = *am;
  return p;
}

/* Linear, contract size 1, tick 0.01, one tier of 1 %. */
static bk_contract flat(void) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_LINEAR;
  c.tick = P("0.01");
  c.contract_size = P("1");
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P("0.01"), -1, 0};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

static bk_risk *risk(const bk_policy *pol, const bk_contract *c) {
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(pol, c, 1, NULL, 0, &r, &err);
  if (!r) fail_msg("risk: %s", err.msg);
  r->check = 2; /* conservation after every event */
  return r;
}

static void mark(bk_risk *r, int64_t m, int64_t ts) {
  if (bk_risk_on_mark(r, 0, m, ts, NULL)) fail_msg("on_mark: %s", r->err.msg);
}

static int64_t size_of(const bk_risk *r, uint32_t id) {
  int i = bk_acct_find(&r->acct[id], 0);
  return i < 0 ? 0 : r->acct[id].pos[i].size;
}

/* 2^(−1/n): one sample is exactly 1/2; two give the smallest 8-decimal d with
 * floor(d²) >= 0.5: 0.70710678² = 0.4999999983 (floors below), 0.70710679² = 0.5000000124. */
static void decay_is_the_half_life_root(void **state) {
  (void)state;
  bk_adaptive_margin am = am_hand();
  assert_int_equal(bk_stress_decay(&am), P("0.5"));
  am.halflife_us = S(120);
  assert_int_equal(bk_stress_decay(&am), P("0.70710679"));
}

/* A 20 % fall sampled once, then calm. Sample by sample (vol' = vol/2 + ret/2, target =
 * vol / 1 %, clamped to [1, 3], multiplier moves at most 0.5):
 *   60 s: ret 0.2: vol 0.1, target 10 → cap 3, multiplier 1 → 1.5 (ramp)
 *  120 s: vol 0.05, target 5 → 3, 2.0;  180 s: vol 0.025, target 2.5, 2.5
 *  240 s: vol 0.0125, target 1.25, 2.0 (down by the ramp)
 *  300 s: vol 0.00625, target 0.625 → floor 1, 1.5;  360 s: 1.0 and it stays there. */
static void ramp_floor_and_cap_bound_the_multiplier(void **state) {
  (void)state;
  bk_adaptive_margin am = am_hand();
  int64_t d = bk_stress_decay(&am);
  bk_stress s;
  bk_stress_start(&s, &am);
  assert_int_equal(s.mult, P("1"));
  assert_int_equal(bk_stress_observe(&s, &am, d, 0, P("100"), S(1)), 0);
  assert_int_equal(bk_stress_observe(&s, &am, d, P("100"), P("80"), S(30)), 0);
  static const char *const vol[] = {"0.1", "0.05", "0.025", "0.0125", "0.00625", "0.003125"};
  static const char *const target[] = {"3", "3", "2.5", "1.25", "1", "1"};
  static const char *const mult[] = {"1.5", "2", "2.5", "2", "1.5", "1"};
  for (int i = 0; i < 6; i++) {
    int64_t before = s.mult;
    assert_int_equal(bk_stress_observe(&s, &am, d, P("80"), P("80"), S(61 + 60 * i)), 1);
    assert_int_equal(s.vol, P(vol[i]) * BK_FX_SCALE); /* the mean is kept at e-16 */
    assert_int_equal(s.target, P(target[i]));
    assert_int_equal(s.mult, P(mult[i]));
    assert_true(llabs(s.mult - before) <= am.ramp);
    assert_true(s.mult >= am.floor && s.mult <= am.cap);
  }
  /* an hour without a new mark: 54 more samples of the same mark, all at the floor */
  assert_int_equal(bk_stress_observe(&s, &am, d, P("80"), P("80"), S(3600)), 0);
  assert_int_equal(s.mult, P("1"));
  /* one call over four boundaries takes the same four samples as four calls */
  bk_stress g;
  bk_stress_start(&g, &am);
  bk_stress_observe(&g, &am, d, 0, P("100"), S(1));
  bk_stress_observe(&g, &am, d, P("100"), P("80"), S(30));
  assert_int_equal(bk_stress_observe(&g, &am, d, P("80"), P("80"), S(241)), 1);
  assert_int_equal(g.mult, P("2"));
  assert_int_equal(g.target, P("1.25"));
}

/* A floor above 1 holds from the start and in calm; the cap holds under any move. */
static void floor_holds_from_the_start(void **state) {
  (void)state;
  bk_adaptive_margin am = am_hand();
  am.floor = P("1.2");
  am.ramp = P("10");
  int64_t d = bk_stress_decay(&am);
  bk_stress s;
  bk_stress_start(&s, &am);
  assert_int_equal(s.mult, P("1.2"));
  bk_stress_observe(&s, &am, d, 0, P("100"), S(1));
  /* a 50 % jump: vol 0.25, target 25 → cap 3, reached at once with a ramp of 10 */
  assert_int_equal(bk_stress_observe(&s, &am, d, P("150"), P("150"), S(61)), 1);
  assert_int_equal(s.mult, P("3"));
  /* an hour of calm: vol 0.25 / 2^59 rounds to a few units e-16, target → floor 1.2 */
  bk_stress_observe(&s, &am, d, P("150"), P("150"), S(3600));
  assert_int_equal(s.mult, P("1.2"));
}

/* Long 10 at 100 with 50 of cash, one tier of 1 %. The mark falls to 96 at 30 s: equity
 * 50 − 40 = 10, notional 960, published margin 9.60: healthy, liquidation price
 * 950 / 9.9 = 95.9596 → 95.96 (long: up to the tick). The sample at 60 s (mark 96,
 * return 4 %) gives vol 2 %, target 2, multiplier 1.5 (ramp): the rate becomes 1.5 %,
 * margin 960 × 0.015 = 14.40 > 10, liquidation price 950 / 9.85 = 96.4467 → 96.45. The
 * mark of 96 at 61 s is above the old trigger (95.96) and below the new one: only the
 * re-indexed trigger finds it. With the published margin the account survives. */
static void volatility_step_liquidates_what_static_margin_keeps(void **state) {
  (void)state;
  bk_contract c = flat();
  bk_adaptive_margin am = am_hand();
  bk_policy pa = adaptive(&am), ps = adaptive(NULL);
  bk_risk *ra = risk(&pa, &c), *rs = risk(&ps, &c);
  bk_risk *both[2] = {ra, rs};
  uint32_t id = 0;
  for (int k = 0; k < 2; k++) {
    bk_risk_set_mark(both[k], 0, P("100"));
    assert_int_equal(bk_risk_add_account(both[k], 0, P("50"), &id), BK_OK);
    assert_int_equal(bk_risk_trade(both[k], id, 0, P("10"), P("100")), BK_OK);
    mark(both[k], P("100"), S(1));
    mark(both[k], P("96"), S(30));
  }
  int64_t liq;
  assert_int_equal(bk_acct_liq_price(&ra->env, &ra->acct[id], 0, NULL, &liq), BK_OK);
  assert_int_equal(liq, P("95.96"));
  bk_contract scaled = c;
  scaled.mm_scale = P("1.5");
  int64_t m96 = P("96");
  bk_menv e = {&scaled, &m96, 1, NULL, 0, NULL};
  int64_t mm;
  assert_int_equal(bk_acct_mm(&e, &ra->acct[id], &mm), BK_OK);
  assert_int_equal(mm, P("14.4"));
  assert_int_equal(bk_acct_liq_price(&e, &ra->acct[id], 0, NULL, &liq), BK_OK);
  assert_int_equal(liq, P("96.45"));

  mark(ra, P("96"), S(61));
  mark(rs, P("96"), S(61));
  assert_int_equal(ra->nmrecs, 1);
  assert_int_equal(ra->mrecs[0].vol, P("0.02"));
  assert_int_equal(ra->mrecs[0].target, P("2"));
  assert_int_equal(ra->mrecs[0].mult, P("1.5"));
  assert_int_equal(ra->contracts[0].mm_scale, P("1.5"));
  assert_int_equal(size_of(ra, id), 0); /* liquidated (no book: the fund takes it over) */
  assert_int_equal(ra->nrecs, 1);
  assert_int_equal(ra->recs[0].mark, P("96"));
  assert_int_equal(size_of(rs, id), P("10")); /* the published margin keeps it */
  assert_int_equal(rs->nrecs, 0);
  assert_int_equal(bk_risk_check(ra), BK_OK);
  bk_risk_free(ra);
  bk_risk_free(rs);
}

/* --- causality and conservation over random paths --------------------------------------- */

#define NACCT 12
#define NEV 400

/* What margin looks like after an event: the multiplier and every account's requirement. */
typedef struct trace {
  int64_t ts[NEV], scale[NEV], mm[NEV][NACCT];
} trace;

/* Accounts long and short at leverage 5 to 50 around 100, then a walk of marks every 3 to
 * 10 s: steps of up to ±step_before (per mille) before t_change, ±step_after from it. */
static bk_risk *walk(uint64_t seed, int64_t t_change, int step_before, int step_after,
                     trace *tr) {
  bk_contract c = flat();
  bk_adaptive_margin am = {S(60), S(300), P("0.02"), P("1"), P("3"), P("0.25")};
  bk_policy pol = adaptive(&am);
  bk_risk *r = risk(&pol, &c);
  bk_risk_set_mark(r, 0, P("100"));
  uint64_t st = 7; /* the population is the same in every walk */
  for (uint32_t k = 0; k < NACCT; k++) {
    uint32_t id;
    int64_t lev = 5 + (int64_t)(bk_t_rand(&st) % 46);
    assert_int_equal(bk_risk_add_account(r, 0, P("100") * 10 / lev, &id), BK_OK);
    assert_int_equal(bk_risk_trade(r, id, 0, k % 2 ? P("10") : -P("10"), P("100")), BK_OK);
  }
  int64_t m = P("100"), ts = S(1);
  for (int i = 0; i < NEV; i++) {
    int amp = ts < t_change ? step_before : step_after;
    int64_t per_mille = (int64_t)(bk_t_rand(&seed) % (uint64_t)(2 * amp + 1)) - amp;
    m += m / 1000 * per_mille;
    mark(r, m, ts);
    tr->ts[i] = ts;
    tr->scale[i] = r->contracts[0].mm_scale;
    for (uint32_t k = 0; k < NACCT; k++)
      assert_int_equal(bk_acct_mm(&r->env, &r->acct[k], &tr->mm[i][k]), BK_OK);
    ts += S(3 + (int64_t)(bk_t_rand(&seed) % 8));
  }
  return r;
}

/* Two walks share every mark before t and differ wildly from t on: every multiplier and
 * every account's requirement before t is the same in both (and after t they part). */
static void data_after_t_changes_no_margin_before_t(void **state) {
  (void)state;
  uint64_t seed = bk_t_seed();
  static trace a, b;
  int64_t t = S(1200) + S(17); /* between sample boundaries, 20 minutes in */
  bk_risk *ra = walk(seed, t, 8, 8, &a);
  bk_risk *rb = walk(seed, t, 8, 60, &b);
  int before = 0, differ_after = 0;
  for (int i = 0; i < NEV; i++) {
    assert_int_equal(a.ts[i], b.ts[i]);
    if (a.ts[i] < t) {
      before++;
      assert_int_equal(a.scale[i], b.scale[i]);
      for (int k = 0; k < NACCT; k++) assert_int_equal(a.mm[i][k], b.mm[i][k]);
    } else if (a.scale[i] != b.scale[i]) {
      differ_after = 1;
    }
  }
  assert_true(before > 100);
  assert_true(differ_after); /* the change after t did reach the margins */
  bk_risk_free(ra);
  bk_risk_free(rb);
}

/* The mark at a sample boundary itself is not in that sample: two paths that part exactly
 * at 60 s (one to 80, one to 120) both take the 60 s sample from 96 (see the hand-worked
 * case): multiplier 1.5 in both. */
static void the_sample_at_t_uses_marks_before_t(void **state) {
  (void)state;
  bk_contract c = flat();
  bk_adaptive_margin am = am_hand();
  bk_policy pa = adaptive(&am);
  bk_risk *r1 = risk(&pa, &c), *r2 = risk(&pa, &c);
  mark(r1, P("100"), S(1));
  mark(r2, P("100"), S(1));
  mark(r1, P("96"), S(30));
  mark(r2, P("96"), S(30));
  mark(r1, P("80"), S(60));
  mark(r2, P("120"), S(60));
  assert_int_equal(r1->contracts[0].mm_scale, P("1.5"));
  assert_int_equal(r2->contracts[0].mm_scale, P("1.5"));
  bk_risk_free(r1);
  bk_risk_free(r2);
}

/* A volatile walk liquidates some of the accounts while the multiplier moves; the ledger,
 * holders and open interest balance after every event (check = 2) and at the end. */
static void conservation_holds_with_adaptive_margins(void **state) {
  (void)state;
  uint64_t seed = bk_t_seed();
  static trace a;
  bk_risk *r = walk(seed, 0, 20, 20, &a);
  assert_true(r->nmrecs > 0);
  assert_true(r->nrecs > 0);
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_risk_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(decay_is_the_half_life_root),
      cmocka_unit_test(ramp_floor_and_cap_bound_the_multiplier),
      cmocka_unit_test(floor_holds_from_the_start),
      cmocka_unit_test(volatility_step_liquidates_what_static_margin_keeps),
      cmocka_unit_test(data_after_t_changes_no_margin_before_t),
      cmocka_unit_test(the_sample_at_t_uses_marks_before_t),
      cmocka_unit_test(conservation_holds_with_adaptive_margins),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
