/*
 * The loss waterfall: BitMEX ADL (T5 allocation, T10 rank), Mango's fund/socialization
 * split (T11), and engine scenarios: a bankrupt short the book cannot absorb and the fund
 * cannot take triggers ADL that reproduces T5; under another policy the same loss is
 * socialized over profit or over open interest; the fund's net-position cap (Binance)
 * sends a takeover to ADL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "engine/book.h"
#include "engine/event.h"
#include "engine/risk.h"
#include "engine/waterfall.h"
#include "tests/testutil.h"

static void t5_bitmex_adl_takes_account_2_then_half_of_5(void **state) {
  (void)state;
  bk_adl_cand c[6];
  const int64_t qty[6] = {10, 10, 20, 30, 20, 10}, score[6] = {3, 6, 1, 4, 5, 2};
  for (uint32_t i = 0; i < 6; i++) c[i] = (bk_adl_cand){i + 1, BK_FX(qty[i]), BK_FX(score[i])};
  bk_adl_take t[6];
  int64_t left;
  size_t n = bk_wf_adl_allocate(c, 6, BK_FX(20), t, &left);
  assert_int_equal((int)n, 2);
  assert_int_equal(t[0].acct, 2);
  assert_true(t[0].qty == BK_FX(10));
  assert_int_equal(t[1].acct, 5);
  assert_true(t[1].qty == BK_FX(10));
  assert_true(left == 0);
  /* more than the queue holds leaves the rest */
  n = bk_wf_adl_allocate(c, 6, BK_FX(150), t, &left);
  assert_int_equal((int)n, 6);
  assert_true(left == BK_FX(50));
}

static void t10_bitmex_rank_0_8_from_pnl_0_2_and_leverage_4(void **state) {
  (void)state;
  int64_t pct, lev, rank;
  assert_int_equal(bk_wf_bitmex_rank(P("10000"), P("12000"), P("9000"), &pct, &lev, &rank), BK_OK);
  assert_true(pct == P("0.2"));
  assert_true(lev == P("4"));
  assert_true(rank == P("0.8"));
  /* a losing position ranks by PnL% / leverage: below every winner */
  assert_int_equal(bk_wf_bitmex_rank(P("10000"), P("9500"), P("9000"), &pct, &lev, &rank), BK_OK);
  assert_true(pct == P("-0.05") && lev == P("19") && rank < 0);
}

static void t11_mango_fund_pays_9_and_21_is_socialized(void **state) {
  (void)state;
  int64_t fund, soc;
  assert_int_equal(bk_wf_mango(P("30"), P("6"), P("3"), P("2"), &fund, &soc), BK_OK);
  assert_true(fund == P("9"));
  assert_true(soc == P("21"));
  assert_true(P("-50") + P("30") == P("-20")); /* the liquidatee keeps −20 */
  assert_int_equal(bk_wf_mango(P("5"), P("6"), P("3"), P("2"), &fund, &soc), BK_OK);
  assert_true(fund == P("5") && soc == 0);
}

static void hyperliquid_key_prefers_profit_and_leverage(void **state) {
  (void)state;
  int64_t k1, k2, k3;
  assert_int_equal(bk_wf_hl_key(P("110"), P("100"), P("1100"), P("100"), 1, &k1), BK_OK);
  assert_true(k1 == P("12.1")); /* 1.1 × 11 */
  assert_int_equal(bk_wf_hl_key(P("110"), P("100"), P("1100"), P("500"), 1, &k2), BK_OK);
  assert_true(k2 < k1);
  assert_int_equal(bk_wf_hl_key(P("90"), P("100"), P("900"), P("100"), 0, &k3), BK_OK);
  /* a short in profit: (entry / mark) × leverage = (100/90) × 9 = 10, rounded down */
  assert_true(P("9.99999998") <= k3 && k3 <= P("10"));
}

static void socialize_shares_cover_the_loss_pro_rata(void **state) {
  (void)state;
  int64_t w[4] = {P("1"), 0, P("2"), P("-5")}, sh[4];
  assert_int_equal(bk_wf_socialize(w, 4, P("100"), sh), BK_OK);
  assert_true(sh[0] == P("33.33333334") && sh[1] == 0 && sh[2] == P("66.66666667") && sh[3] == 0);
  int64_t none[2] = {0, 0};
  assert_int_equal(bk_wf_socialize(none, 2, P("1"), sh), BK_ERANGE);
}

/* Six longs of 10, 10, 20, 30, 20, 10 at 500 whose BitMEX ranks at a mark of 700 come in
 * the order of T5's scores (collateral per unit 40, 10, 60, 30, 20, 50: the less, the
 * higher the effective leverage), and a short of 20 at 600 with 1,000 of cash: bankrupt
 * at 650. The book offers nothing at or below 650. */
static bk_risk *t5_population(const bk_policy *pol, uint32_t *shrt) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_LINEAR;
  c.tick = P("1");
  c.contract_size = P("1");
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P("0.01"), -1, BK_FX(100)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  bk_err err;
  bk_risk *r = bk_risk_new(pol, &c, 1, NULL, 0, &err);
  assert_non_null(r);
  r->check = 2;
  bk_risk_set_mark(r, 0, P("500"));
  const int64_t qty[6] = {10, 10, 20, 30, 20, 10}, per[6] = {40, 10, 60, 30, 20, 50};
  for (int i = 0; i < 6; i++) {
    uint32_t id;
    assert_int_equal(bk_risk_add_account(r, 0, BK_FX(qty[i] * per[i]), &id), BK_OK);
    assert_int_equal(bk_risk_trade(r, id, 0, BK_FX(qty[i]), P("500")), BK_OK);
  }
  assert_int_equal(bk_risk_add_account(r, 0, P("1000"), shrt), BK_OK);
  assert_int_equal(bk_risk_trade(r, *shrt, 0, P("-20"), P("600")), BK_OK);
  int64_t bp;
  assert_int_equal(bk_acct_bankrupt_price(&r->env, &r->acct[*shrt], 0, NULL, &bp), BK_OK);
  assert_true(bp == P("650"));
  return r;
}

static void on_mark(bk_risk *r, const char *m, const bk_book *b) {
  const bk_book *books[1] = {b};
  if (bk_risk_on_mark(r, 0, P(m), 1, books)) fail_msg("on_mark: %s", r->err.msg);
}

static void fund_exhausted_triggers_adl_reproducing_t5(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol); /* takeover first, fund 0, negative-equity trigger, BitMEX ADL */
  pol.penalty = 0;
  uint32_t s;
  bk_risk *r = t5_population(&pol, &s);
  bk_book *b = bk_book_new(P("1"));
  assert_int_equal(bk_book_set(b, BK_ASK, P("700"), P("100")), BK_OK);
  on_mark(r, "700", b);
  assert_int_equal((int)r->nrecs, 1);
  assert_int_equal(r->recs[0].how, BK_LIQ_ADL);
  assert_int_equal((int)r->nadl, 2);
  assert_int_equal(r->adl[0].counter_acct, 1); /* account 2 */
  assert_true(r->adl[0].qty == P("10") && r->adl[0].price == P("650"));
  assert_int_equal(r->adl[1].counter_acct, 4); /* account 5, 10 of its 20 */
  assert_true(r->adl[1].qty == P("10") && r->adl[1].price == P("650"));
  assert_int_equal((int)r->acct[1].npos, 0);
  assert_true(r->acct[4].pos[0].size == P("10"));
  /* account 2 realized 10 × (650 − 500) on its 100; the short ends at exactly zero */
  assert_true(r->acct[1].cash == P("1600"));
  assert_true(r->acct[s].cash == 0 && r->acct[s].npos == 0);
  assert_true(r->fund.cash[0] == 0 && r->fund.inv[0].size == 0);
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_book_free(b);
  bk_risk_free(r);
}

static void another_policy_socializes_the_same_loss_over_profit(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.remainder = BK_REM_WATERFALL;
  pol.wf_action = BK_WF_SOCIALIZE;
  uint32_t s;
  bk_risk *r = t5_population(&pol, &s);
  int64_t before[6];
  for (int i = 0; i < 6; i++) before[i] = r->acct[i].cash;
  bk_book *b = bk_book_new(P("1"));
  assert_int_equal(bk_book_set(b, BK_ASK, P("700"), P("100")), BK_OK);
  on_mark(r, "700", b);
  assert_int_equal(r->recs[0].how, BK_LIQ_SOCIAL);
  assert_int_equal((int)r->nadl, 0);
  /* closed at 700: 20 × (600 − 700) = −2,000 on 1,000: a loss of 1,000 spread over the
     longs' unrealized profit 200 × qty, i.e. 10 per unit held */
  const int64_t qty[6] = {10, 10, 20, 30, 20, 10};
  for (int i = 0; i < 6; i++) assert_true(before[i] - r->acct[i].cash == BK_FX(qty[i] * 10));
  assert_true(r->acct[s].cash == 0);
  assert_true(r->ledger.fixed[BK_PARTY_SOCIAL][0] == 0);
  assert_true(r->socialized == P("1000"));
  bk_book_free(b);
  bk_risk_free(r);
}

static void drift_style_socialization_spreads_over_open_interest(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.remainder = BK_REM_WATERFALL;
  pol.wf_action = BK_WF_SOCIALIZE;
  pol.social_base = BK_SOC_OI;
  uint32_t s, loser;
  bk_risk *r = t5_population(&pol, &s);
  /* a losing short of 50: no profit, but open interest */
  assert_int_equal(bk_risk_add_account(r, 0, P("100000"), &loser), BK_OK);
  assert_int_equal(bk_risk_trade(r, loser, 0, P("-50"), P("650")), BK_OK);
  int64_t before = r->acct[loser].cash, before0 = r->acct[0].cash;
  bk_book *b = bk_book_new(P("1"));
  assert_int_equal(bk_book_set(b, BK_ASK, P("700"), P("100")), BK_OK);
  on_mark(r, "700", b);
  /* 1,000 over 150 units of open interest, rounded up per account */
  assert_true(before - r->acct[loser].cash == P("333.33333334"));
  assert_true(before0 - r->acct[0].cash == P("66.66666667"));
  assert_true(r->ledger.fixed[BK_PARTY_SOCIAL][0] >= 0); /* shares cover the loss */
  bk_book_free(b);
  bk_risk_free(r);
}

static void net_position_cap_sends_a_takeover_to_adl(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.fund_initial = P("1000000");
  pol.wf_trigger = BK_WF_NETPOS;
  pol.netpos_cap = P("0.001"); /* 1,000 of position value: less than 20 × 700 */
  uint32_t s;
  bk_risk *r = t5_population(&pol, &s);
  bk_book *b = bk_book_new(P("1"));
  assert_int_equal(bk_book_set(b, BK_ASK, P("700"), P("100")), BK_OK);
  on_mark(r, "700", b);
  assert_int_equal(r->recs[0].how, BK_LIQ_ADL);
  assert_true(r->fund.inv[0].size == 0);
  /* with a generous cap the fund takes it over instead */
  bk_risk_free(r);
  pol.netpos_cap = P("1");
  r = t5_population(&pol, &s);
  on_mark(r, "700", b);
  assert_int_equal(r->recs[0].how, BK_LIQ_TAKEOVER);
  assert_true(r->fund.inv[0].size == P("-20") && r->fund.inv[0].entry == P("650"));
  bk_book_free(b);
  bk_risk_free(r);
}

static void okx_drawdown_trigger_sends_a_large_takeover_to_adl(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.wf_trigger = BK_WF_DRAWDOWN; /* 30 % of the peak within 8 h */
  bk_book *b = bk_book_new(P("1"));
  /* taking the short of 20 over at 650 with the mark at 700 costs the fund 1,000 at once:
     from 3,000 that is a 33 % drawdown (ADL), from 4,000 only 25 % (takeover) */
  const char *initial[2] = {"3000", "4000"};
  const int how[2] = {BK_LIQ_ADL, BK_LIQ_TAKEOVER};
  for (int i = 0; i < 2; i++) {
    pol.fund_initial = P(initial[i]);
    uint32_t s;
    bk_risk *r = t5_population(&pol, &s);
    on_mark(r, "700", b);
    assert_int_equal(r->recs[0].how, how[i]);
    bk_risk_free(r);
  }
  bk_book_free(b);
}

static void never_trigger_lets_the_fund_go_into_the_red(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.wf_trigger = BK_WF_NEVER;
  uint32_t s;
  bk_risk *r = t5_population(&pol, &s); /* fund 0 */
  bk_book *b = bk_book_new(P("1"));
  on_mark(r, "700", b);
  /* no ADL: the empty fund takes the short over at 650 and marks −1,000 at 700 */
  assert_int_equal(r->recs[0].how, BK_LIQ_TAKEOVER);
  assert_int_equal((int)r->nadl, 0);
  assert_true(bk_risk_fund_equity(r, 0) == P("-1000"));
  bk_risk_free(r);
  /* and a deficit is paid in full from an empty fund */
  pol.remainder = BK_REM_WATERFALL;
  pol.wf_action = BK_WF_SOCIALIZE;
  r = t5_population(&pol, &s);
  assert_int_equal(bk_book_set(b, BK_ASK, P("700"), P("100")), BK_OK);
  on_mark(r, "700", b);
  assert_true(r->ledger.fund_out[BK_CAUSE_DEFICIT][0] == P("1000"));
  assert_true(r->fund.cash[0] == P("-1000") && r->socialized == 0);
  bk_book_free(b);
  bk_risk_free(r);
}

static void dydx_adl_walks_from_a_seeded_start(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.adl_rank = BK_ADL_DYDX;
  pol.seed = 42;
  uint32_t s;
  bk_risk *r = t5_population(&pol, &s);
  bk_book *b = bk_book_new(P("1"));
  on_mark(r, "700", b);
  size_t start = bk_wf_dydx_start(42, 0, 6);
  assert_true(r->nadl >= 1);
  assert_int_equal(r->adl[0].counter_acct, (uint32_t)start);
  for (size_t i = 1; i < r->nadl; i++)
    assert_int_equal(r->adl[i].counter_acct, (uint32_t)((start + i) % 6));
  bk_book_free(b);
  bk_risk_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t5_bitmex_adl_takes_account_2_then_half_of_5),
      cmocka_unit_test(t10_bitmex_rank_0_8_from_pnl_0_2_and_leverage_4),
      cmocka_unit_test(t11_mango_fund_pays_9_and_21_is_socialized),
      cmocka_unit_test(hyperliquid_key_prefers_profit_and_leverage),
      cmocka_unit_test(socialize_shares_cover_the_loss_pro_rata),
      cmocka_unit_test(fund_exhausted_triggers_adl_reproducing_t5),
      cmocka_unit_test(another_policy_socializes_the_same_loss_over_profit),
      cmocka_unit_test(drift_style_socialization_spreads_over_open_interest),
      cmocka_unit_test(net_position_cap_sends_a_takeover_to_adl),
      cmocka_unit_test(okx_drawdown_trigger_sends_a_large_takeover_to_adl),
      cmocka_unit_test(never_trigger_lets_the_fund_go_into_the_red),
      cmocka_unit_test(dydx_adl_walks_from_a_seeded_start),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
