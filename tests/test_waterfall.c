/*
 * The loss waterfall: BitMEX ADL (T5 allocation, T10 rank), Mango's fund/socialization
 * split (T11), and engine scenarios: a bankrupt short the book cannot absorb and the fund
 * cannot take triggers ADL that reproduces T5; under another policy the same loss is
 * socialized over profit or over open interest; the fund's net-position cap (Binance)
 * sends a takeover to ADL; each ADL allocation rule (contract pro rata, leverage
 * water-filling, pro rata, capped and risk-aware pro rata on profit) on one hand-worked
 * shortfall, with its fills or haircuts and the ledger.
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
#include "engine/fund.h"
#include "engine/risk.h"
#include "engine/waterfall.h"
#include "tests/testutil.h"
#include "tests/venue_formulas.h"

static void t5_bitmex_adl_takes_account_2_then_half_of_5(void **state) {
  (void)state;
  bk_adl_cand c[6];
  const int64_t qty[6] = {10, 10, 20, 30, 20, 10}, score[6] = {3, 6, 1, 4, 5, 2};
  for (uint32_t i = 0; i < 6; i++) c[i] = (bk_adl_cand){i + 1, BK_FX(qty[i]), BK_FX(score[i])};
  bk_adl_take t[6];
  int64_t left;
  size_t n = bk_vf_adl_allocate(c, 6, BK_FX(20), t, &left);
  assert_int_equal((int)n, 2);
  assert_int_equal(t[0].acct, 2);
  assert_true(t[0].qty == BK_FX(10));
  assert_int_equal(t[1].acct, 5);
  assert_true(t[1].qty == BK_FX(10));
  assert_true(left == 0);
  /* more than the queue holds leaves the rest */
  n = bk_vf_adl_allocate(c, 6, BK_FX(150), t, &left);
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
  assert_int_equal(bk_vf_mango(P("30"), P("6"), P("3"), P("2"), &fund, &soc), BK_OK);
  assert_true(fund == P("9"));
  assert_true(soc == P("21"));
  assert_true(P("-50") + P("30") == P("-20")); /* the liquidatee keeps −20 */
  assert_int_equal(bk_vf_mango(P("5"), P("6"), P("3"), P("2"), &fund, &soc), BK_OK);
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

/* Longs of qty[i] at 500 with cash[i] (accounts 0..n-1), then a short of sqty at 600 with
 * scash, bankrupt at 650, on a linear contract (size 1, MMR 1 %). */
static bk_risk *population(const bk_policy *pol, int n, const int64_t *qty,
                           const int64_t *cash, int64_t sqty, int64_t scash, uint32_t *shrt) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_LINEAR;
  c.tick = P("1");
  c.contract_size = P("1");
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P("0.01"), -1, BK_FX(100)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(pol, &c, 1, NULL, 0, &r, &err);
  assert_non_null(r);
  r->check = 2;
  bk_risk_set_mark(r, 0, P("500"));
  for (int i = 0; i < n; i++) {
    uint32_t id;
    assert_int_equal(bk_risk_add_account(r, 0, BK_FX(cash[i]), &id), BK_OK);
    assert_int_equal(bk_risk_trade(r, id, 0, BK_FX(qty[i]), P("500")), BK_OK);
  }
  assert_int_equal(bk_risk_add_account(r, 0, BK_FX(scash), shrt), BK_OK);
  assert_int_equal(bk_risk_trade(r, *shrt, 0, BK_FX(-sqty), P("600")), BK_OK);
  int64_t bp;
  assert_int_equal(bk_acct_bankrupt_price(&r->env, &r->acct[*shrt], 0, NULL, &bp), BK_OK);
  assert_true(bp == P("650"));
  return r;
}

/* Six longs of 10, 10, 20, 30, 20, 10 at 500 whose BitMEX ranks at a mark of 700 come in
 * the order of T5's scores (collateral per unit 40, 10, 60, 30, 20, 50: the less, the
 * higher the effective leverage), and a short of 20 at 600 with 1,000 of cash: bankrupt
 * at 650. The book offers nothing at or below 650. */
static bk_risk *t5_population(const bk_policy *pol, uint32_t *shrt) {
  const int64_t qty[6] = {10, 10, 20, 30, 20, 10}, cash[6] = {400, 100, 1200, 900, 400, 500};
  return population(pol, 6, qty, cash, 20, 1000, shrt);
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
  assert_int_equal(r->recs[0].outcome, BK_OUT_ADL);
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

/* Three longs at 500 and a short of 15 at 600 with 750 (bankrupt at 650), marked at 700
 * against a book offering 100 at 700, fund 0, under ADL rule `rule`. At 700 the longs
 * hold: A 10 with 1,500 (profit 2,000, equity 3,500, notional 7,000, leverage 2), B 10
 * with 5,000 (2,000, 7,000, 7,000, leverage 1), C 30 with 1,000 (6,000, 7,000, 21,000,
 * leverage 3). */
static bk_risk *three_longs(int rule, int64_t cap, uint32_t *s) {
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.adl_rule = rule;
  pol.adl_cap = cap;
  const int64_t qty[3] = {10, 10, 30}, cash[3] = {1500, 5000, 1000};
  bk_risk *r = population(&pol, 3, qty, cash, 15, 750, s);
  bk_book *b = bk_book_new(P("1"));
  assert_int_equal(bk_book_set(b, BK_ASK, P("700"), P("100")), BK_OK);
  on_mark(r, "700", b);
  bk_book_free(b);
  assert_int_equal(bk_risk_check(r), BK_OK);
  return r;
}

/* ADL record i: counter account, contracts closed, price, haircut. */
static void adl_is(const bk_risk *r, size_t i, uint32_t counter, int64_t qty, int64_t price,
                   int64_t cut) {
  assert_true(i < r->nadl);
  assert_int_equal(r->adl[i].counter_acct, counter);
  assert_true(r->adl[i].qty == qty && r->adl[i].price == price && r->adl[i].haircut == cut);
}

static void contract_pro_rata_closes_by_position_size(void **state) {
  (void)state;
  uint32_t s;
  bk_risk *r = three_longs(BK_ADLR_CONTRACTS, BK_FX(1), &s);
  /* 15 of 50 long: 10·15/50 = 3, 3, 30·15/50 = 9, closed at 650, each realizing 150 a
     contract; the short pays 15 × 50 = 750, all it had */
  assert_int_equal(r->recs[0].outcome, BK_OUT_ADL);
  assert_int_equal((int)r->nadl, 3);
  adl_is(r, 0, 0, P("3"), P("650"), 0);
  adl_is(r, 1, 1, P("3"), P("650"), 0);
  adl_is(r, 2, 2, P("9"), P("650"), 0);
  assert_true(r->acct[0].pos[0].size == P("7") && r->acct[0].cash == P("1950"));
  assert_true(r->acct[1].pos[0].size == P("7") && r->acct[1].cash == P("5450"));
  assert_true(r->acct[2].pos[0].size == P("21") && r->acct[2].cash == P("2350"));
  assert_true(r->acct[s].npos == 0 && r->acct[s].cash == 0);
  bk_risk_free(r);
}

static void leverage_fill_closes_the_highest_leverage_first(void **state) {
  (void)state;
  uint32_t s;
  bk_risk *r = three_longs(BK_ADLR_LEVEL, BK_FX(1), &s);
  /* m = q·equity/notional: A 5, B 10, C 10 (leverage 2, 1, 3). C alone: η = (30 − 15)/10
     = 1.5 < 2, so A joins: η = (40 − 15)/15 = 5/3 >= 1, B keeps its position. C closes
     30 − 50/3 = 13.333…, A 10 − 25/3 = 1.666…; in units of 1e-8 the floors leave one
     unit, which goes to A's remainder 2/3 (C's is 1/3). Realized at 650: 150 a contract,
     1.66666667 × 150 = 250.0000005 and 13.33333333 × 150 = 1,999.9999995 */
  assert_int_equal((int)r->nadl, 2);
  adl_is(r, 0, 0, P("1.66666667"), P("650"), 0);
  adl_is(r, 1, 2, P("13.33333333"), P("650"), 0);
  assert_true(r->acct[0].cash == P("1750.0000005"));
  assert_true(r->acct[1].pos[0].size == P("10") && r->acct[1].cash == P("5000"));
  assert_true(r->acct[2].cash == P("2999.9999995"));
  assert_true(r->acct[s].npos == 0 && r->acct[s].cash == 0);
  bk_risk_free(r);
}

/* The profit rules: the short closes 15 at 700 on the book (15 × −100 = −1,500 on 750),
 * the empty fund pays nothing of the 750 deficit, and the winners are haircut. */
static void haircut_is(int rule, int64_t cap, const char *const cut[3], const char *unpaid) {
  uint32_t s;
  bk_risk *r = three_longs(rule, cap, &s);
  const int64_t cash[3] = {P("1500"), P("5000"), P("1000")};
  assert_int_equal((int)r->nadl, 3);
  for (uint32_t k = 0; k < 3; k++) {
    adl_is(r, k, k, 0, P("700"), P(cut[k]));
    assert_int_equal(r->adl[k].bankrupt_acct, s);
    assert_true(r->acct[k].cash == cash[k] - P(cut[k])); /* positions stay open */
    assert_true(r->acct[k].npos == 1);
  }
  assert_true(r->acct[s].npos == 0 && r->acct[s].cash == 0);
  assert_true(r->wf.uncovered[0] == P(unpaid));
  assert_true(r->ledger.sink_in[BK_CAUSE_UNCOVERED][0] == 0 &&
              r->ledger.sink_out[BK_CAUSE_UNCOVERED][0] == P(unpaid));
  bk_risk_free(r);
}

static void pro_rata_haircuts_profit(void **state) {
  (void)state;
  /* 750 over profits 2,000, 2,000, 6,000: 150, 150, 450 */
  const char *const cut[3] = {"150", "150", "450"};
  haircut_is(BK_ADLR_PRO_RATA, BK_FX(1), cut, "0");
}

static void capped_pro_rata_haircuts_at_most_its_share(void **state) {
  (void)state;
  /* caps 5 % of profit: 100, 100, 300 = 500 < 750; the other 250 is uncovered */
  const char *const cut[3] = {"100", "100", "300"};
  haircut_is(BK_ADLR_CAPPED, BK_FX(5) / 100, cut, "250");
}

static void risk_pro_rata_weighs_profit_by_leverage(void **state) {
  (void)state;
  /* weights profit × leverage: 4,000, 2,000, 18,000 (24,000): 750/24,000 of each = 125,
     62.5, 562.5 */
  const char *const cut[3] = {"125", "62.5", "562.5"};
  haircut_is(BK_ADLR_RISK, BK_FX(1), cut, "0");
}

/* A long A of 10 at 500 with 1,000 and two shorts of 30 at 600 with 1,500 each (bankrupt
 * at 650), marked at 700 against a book offering 100 at 700, fund 0, pro rata. Each short
 * closes on the book losing 30 × 100 = 3,000 on 1,500: a deficit of 1,500 each, and A,
 * the only winner, holds 10 × 200 = 2,000 of profit (equity 3,000). The first haircut
 * takes 1,500 of it; the second finds 2,000 − 1,500 = 500 left (equity 1,500) and takes
 * that; the other 1,000 is uncovered. A ends with 1,000 − 2,000 = −1,000 of cash and
 * equity −1,000 + 2,000 = 1,000: its deposit, untouched. */
static void a_second_haircut_takes_only_the_profit_left(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.adl_rule = BK_ADLR_PRO_RATA;
  const int64_t qty[1] = {10}, cash[1] = {1000};
  uint32_t s, s2;
  bk_risk *r = population(&pol, 1, qty, cash, 30, 1500, &s);
  assert_int_equal(bk_risk_add_account(r, 0, P("1500"), &s2), BK_OK);
  assert_int_equal(bk_risk_trade(r, s2, 0, P("-30"), P("600")), BK_OK);
  bk_book *b = bk_book_new(P("1"));
  assert_int_equal(bk_book_set(b, BK_ASK, P("700"), P("100")), BK_OK);
  on_mark(r, "700", b);
  bk_book_free(b);
  assert_int_equal((int)r->nadl, 2);
  adl_is(r, 0, 0, 0, P("700"), P("1500"));
  adl_is(r, 1, 0, 0, P("700"), P("500"));
  int64_t eq;
  assert_int_equal(bk_acct_equity(&r->env, &r->acct[0], &eq), BK_OK);
  assert_true(r->acct[0].cash == P("-1000") && eq == P("1000") && r->acct[0].npos == 1);
  assert_true(r->wf.uncovered[0] == P("1000"));
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_risk_free(r);
}

/* Two longs of 10 at 500, cross A with 1,000 and isolated B (5,000 of cash, 1,000 of it
 * as the position's margin), and a short of 15 at 600 with 750, marked at 700: the short
 * leaves a deficit of 15 × 100 − 750 = 750. B's profit 2,000 sits in its isolated margin,
 * so only A is haircut, all 750 (of A's 2,000); B's cross cash 4,000 is untouched. */
static void a_haircut_leaves_isolated_positions_alone(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.adl_rule = BK_ADLR_PRO_RATA;
  const int64_t qty[1] = {10}, cash[1] = {1000};
  uint32_t s, iso;
  bk_risk *r = population(&pol, 1, qty, cash, 15, 750, &s);
  assert_int_equal(bk_risk_add_account(r, 0, P("5000"), &iso), BK_OK);
  assert_int_equal(bk_risk_open_isolated(r, iso, 0, P("10"), P("500"), P("1000")), BK_OK);
  bk_book *b = bk_book_new(P("1"));
  assert_int_equal(bk_book_set(b, BK_ASK, P("700"), P("100")), BK_OK);
  on_mark(r, "700", b);
  bk_book_free(b);
  assert_int_equal((int)r->nadl, 1);
  adl_is(r, 0, 0, 0, P("700"), P("750"));
  assert_true(r->acct[0].cash == P("250") && r->acct[iso].cash == P("4000"));
  assert_true(r->wf.uncovered[0] == 0);
  assert_int_equal(bk_risk_check(r), BK_OK);
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
  assert_int_equal(r->recs[0].outcome, BK_OUT_SOCIALIZED);
  assert_int_equal((int)r->nadl, 0);
  /* closed at 700: 20 × (600 − 700) = −2,000 on 1,000: a loss of 1,000 spread over the
     longs' unrealized profit 200 × qty, i.e. 10 per unit held */
  const int64_t qty[6] = {10, 10, 20, 30, 20, 10};
  for (int i = 0; i < 6; i++) assert_true(before[i] - r->acct[i].cash == BK_FX(qty[i] * 10));
  assert_true(r->acct[s].cash == 0);
  assert_true(r->ledger.fixed[BK_PARTY_SOCIAL][0] == 0);
  assert_true(r->ledger.sink_in[BK_CAUSE_SOCIALIZED][0] == P("1000"));
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
  bk_policy_set_fund(&pol, "", P("1000000"), NULL);
  pol.wf_trigger = BK_WF_NETPOS;
  pol.netpos_cap = P("0.001"); /* 1,000 of position value: less than 20 × 700 */
  uint32_t s;
  bk_risk *r = t5_population(&pol, &s);
  bk_book *b = bk_book_new(P("1"));
  assert_int_equal(bk_book_set(b, BK_ASK, P("700"), P("100")), BK_OK);
  on_mark(r, "700", b);
  assert_int_equal(r->recs[0].outcome, BK_OUT_ADL);
  assert_true(r->fund.inv[0].size == 0);
  /* with a generous cap the fund takes it over instead */
  bk_risk_free(r);
  pol.netpos_cap = P("1");
  r = t5_population(&pol, &s);
  on_mark(r, "700", b);
  assert_int_equal(r->recs[0].outcome, BK_OUT_TAKEOVER);
  /* taken at 650, entered at the mark 700: the takeover costs 20 × (700 − 650) at once */
  assert_true(r->fund.inv[0].size == P("-20") && r->fund.inv[0].entry == P("700"));
  assert_true(r->fund.cash[0] == P("1000000") - P("1000"));
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
  const int how[2] = {BK_OUT_ADL, BK_OUT_TAKEOVER};
  for (int i = 0; i < 2; i++) {
    bk_policy_set_fund(&pol, "", P(initial[i]), NULL);
    uint32_t s;
    bk_risk *r = t5_population(&pol, &s);
    on_mark(r, "700", b);
    assert_int_equal(r->recs[0].outcome, how[i]);
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
  assert_int_equal(r->recs[0].outcome, BK_OUT_TAKEOVER);
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
  assert_true(r->fund.cash[0] == P("-1000") && r->ledger.sink_in[BK_CAUSE_SOCIALIZED][0] == 0);
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
  /* the walk goes over account ids cyclically from a start drawn over all 7 accounts,
     passing the bankrupt short (id 6) itself */
  size_t start = bk_wf_dydx_start(42, 0, 7);
  assert_true(r->nadl >= 1);
  uint32_t want = (uint32_t)start;
  for (size_t i = 0; i < r->nadl; i++) {
    if (want == s) want = (want + 1) % 7;
    assert_int_equal(r->adl[i].counter_acct, want);
    want = (want + 1) % 7;
  }
  bk_book_free(b);
  bk_risk_free(r);
}


/* --- the fund's trigger as a state, outcomes, safe fund (docs/liquidation.md) ---------- */

static bk_contract lin(const char *mmr) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_LINEAR;
  c.tick = P("0.1");
  c.contract_size = P("1");
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P(mmr), -1, BK_FX(100)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

static bk_risk *risk2(const bk_policy *pol, int shadow) {
  bk_contract c[2] = {lin("0.005"), lin("0.005")};
  bk_err err;
  bk_risk *r = NULL;
  if (shadow) bk_risk_new_shadow(pol, c, 2, NULL, 0, &r, &err);
  else bk_risk_new(pol, c, 2, NULL, 0, &r, &err);
  if (!r) fail_msg("risk: %s", err.msg);
  r->check = 2;
  bk_risk_set_mark(r, 0, P("1000"));
  bk_risk_set_mark(r, 1, P("1000"));
  return r;
}

static uint32_t open_acct(bk_risk *r, const char *cash, uint32_t k, const char *size,
                          const char *entry) {
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P(cash), &id), BK_OK);
  if (size) assert_int_equal(bk_risk_trade(r, id, k, P(size), P(entry)), BK_OK);
  return id;
}

static void mark_k(bk_risk *r, uint32_t k, const char *m, int64_t ts) {
  const bk_book *books[2] = {NULL, NULL};
  if (bk_risk_on_mark(r, k, P(m), ts, books)) fail_msg("on_mark %s: %s", m, r->err.msg);
}

/* Item 2 of the engine's review: a fund already below its trigger took a takeover whose
 * instant mark gain brought it back above zero, and went on losing. Contract 0: a long
 * of 10 at 1,000 with 100 of cash is taken over at 990 (mark 991: +10 booked at once,
 * entry 991), then the mark falls to 989.2: the fund is at 10 + 10 × (989.2 − 991) = −8
 * with nobody to deleverage against.
 * Contract 1: a long of 100 at 1,000 with 1,000 of cash falls to 994 (equity 400 below
 * its margin 497, bankrupt at 990): taking it over at 990 would book +400 at once, but a
 * fund at −8 takes nothing: it is deleveraged against the short on contract 1. */
static void a_fund_below_its_trigger_takes_nothing_more(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  bk_risk *r = risk2(&pol, 0);
  open_acct(r, "100", 0, "10", "1000");
  mark_k(r, 0, "991", 1);
  assert_int_equal(r->recs[0].outcome, BK_OUT_TAKEOVER);
  assert_true(r->fund.inv[0].size == P("10") && r->fund.inv[0].entry == P("991"));
  assert_true(r->fund.cash[0] == P("10"));
  mark_k(r, 0, "989.2", 2);
  assert_true(bk_risk_fund_equity(r, 0) == P("-8"));
  assert_true(r->fund.inv[0].size == P("10")); /* no short on contract 0 to take it */
  uint32_t b = open_acct(r, "1000", 1, "100", "1000");
  uint32_t s = open_acct(r, "100000", 1, "-100", "1000");
  mark_k(r, 1, "994", 3);
  assert_int_equal((int)r->nrecs, 2);
  assert_int_equal(r->recs[1].acct, b);
  assert_int_equal(r->recs[1].outcome, BK_OUT_ADL);
  assert_true(r->recs[1].adl_qty == P("100") && r->recs[1].takeover_qty == 0);
  assert_true(r->fund.inv[1].size == 0);
  assert_int_equal(r->adl[0].counter_acct, s);
  assert_true(r->adl[0].price == P("990"));
  assert_true(bk_risk_fund_equity(r, 0) == P("-8"));
  bk_risk_free(r);
}

/* When the trigger fires at the end of an event, the fund's inventory in that asset is
 * deleveraged at the mark against the opposite side: the fund's equity stops moving. */
static void a_fund_past_its_trigger_deleverages_its_inventory_at_the_mark(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  bk_risk *r = risk2(&pol, 0);
  open_acct(r, "100", 0, "10", "1000");
  uint32_t s = open_acct(r, "100000", 0, "-30", "1000");
  mark_k(r, 0, "991", 1);
  assert_true(r->fund.inv[0].size == P("10"));
  mark_k(r, 0, "989.2", 2);
  assert_true(r->fund.inv[0].size == 0);
  assert_int_equal((int)r->nadl, 1);
  assert_true(r->adl[0].from_fund && r->adl[0].counter_acct == s);
  assert_true(r->adl[0].qty == P("10") && r->adl[0].price == P("989.2"));
  /* the loss is realized: cash −8, nothing left to lose */
  assert_true(r->fund.cash[0] == P("-8") && bk_risk_fund_equity(r, 0) == P("-8"));
  mark_k(r, 0, "900", 3);
  assert_true(bk_risk_fund_equity(r, 0) == P("-8"));
  assert_true(r->acct[s].pos[0].size == P("-20"));
  bk_risk_free(r);
}

/* Item 3: dYdX deleverages only accounts whose net collateral is negative. A solvent
 * account below maintenance with no book waits for liquidity, whatever the fund holds;
 * it is not deleveraged against the short. */
static void waterfall_remainder_never_deleverages_a_solvent_account(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.remainder = BK_REM_WATERFALL;
  pol.adl_rank = BK_ADL_DYDX;
  pol.slice_cooldown_us = 1000000;
  bk_policy_set_fund(&pol, "", P("1000000"), NULL);
  bk_risk *r = risk2(&pol, 0);
  uint32_t a = open_acct(r, "100", 0, "10", "1000");
  open_acct(r, "100000", 0, "-10", "1000");
  mark_k(r, 0, "994", 1); /* equity 40 < margin 49.7, solvent */
  assert_int_equal((int)r->nrecs, 1);
  assert_int_equal(r->recs[0].outcome, BK_OUT_WAITING);
  assert_int_equal(r->recs[0].bankrupt_at_mark, 0);
  assert_int_equal((int)r->nadl, 0);
  assert_true(r->acct[a].pos[0].size == P("10"));
  /* once its net collateral is negative it is deleveraged at its bankruptcy price */
  mark_k(r, 0, "985", 2000000);
  assert_int_equal(r->recs[1].outcome, BK_OUT_ADL);
  assert_int_equal(r->recs[1].bankrupt_at_mark, 1);
  assert_true(r->adl[0].price == P("990"));
  bk_risk_free(r);
}

/* Item 7: when the ADL queue runs dry, what is left stays open, reported unresolved; it
 * is never closed at the mark against nobody. */
static void what_adl_cannot_place_is_unresolved_not_closed_at_the_mark(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol); /* takeover, fund 0, negative equity, ADL */
  pol.penalty = 0;
  bk_risk *r = risk2(&pol, 0);
  uint32_t a = open_acct(r, "100", 0, "10", "1000");
  uint32_t s = open_acct(r, "100000", 0, "-4", "1000");
  mark_k(r, 0, "985", 1); /* bankrupt at 990: a takeover would cost the empty fund 50 */
  assert_int_equal(r->recs[0].outcome, BK_OUT_UNRESOLVED);
  assert_true(r->recs[0].adl_qty == P("4") && r->recs[0].unresolved_qty == P("6"));
  assert_int_equal(r->recs[0].bankrupt_at_mark, 1);
  assert_true(r->acct[a].pos[0].size == P("6"));
  assert_int_equal((int)r->acct[s].npos, 0);
  /* retried after the cooldown, with nothing new it is not a new step */
  mark_k(r, 0, "984", 2);
  mark_k(r, 0, "983", 40000000);
  assert_int_equal((int)r->nrecs, 1);
  assert_true(r->acct[a].pos[0].size == P("6"));
  bk_risk_free(r);
}

/* Item 7: under an ADL policy, a deficit the fund cannot pay is uncovered (the sink's
 * shortfall), not reported as socialized. */
static void an_unpaid_deficit_under_adl_is_uncovered_not_socialized(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.price_limit = BK_LIMIT_NONE; /* fills below the bankruptcy price leave a deficit */
  bk_policy_set_fund(&pol, "", P("10"), NULL);
  bk_risk *r = risk2(&pol, 0);
  open_acct(r, "100", 0, "10", "1000");
  bk_book *b = bk_book_new(P("0.1"));
  assert_int_equal(bk_book_set(b, BK_BID, P("980"), P("10")), BK_OK);
  const bk_book *books[2] = {b, NULL};
  assert_int_equal(bk_risk_on_mark(r, 0, P("985"), 1, books), BK_OK);
  /* sold at 980: −200 on 100 of cash, a deficit of 100; the fund pays its 10 */
  assert_true(r->ledger.fund_out[BK_CAUSE_DEFICIT][0] == P("10"));
  assert_true(r->ledger.sink_out[BK_CAUSE_UNCOVERED][0] == P("90"));
  assert_true(r->ledger.sink_in[BK_CAUSE_SOCIALIZED][0] == 0);
  assert_true(r->ledger.fixed[BK_PARTY_SOCIAL][0] == P("-90"));
  bk_book_free(b);
  bk_risk_free(r);
}

/* Item 6: BitMEX ranks inverse positions by coin values −size × face / price. Two shorts
 * of 10 contracts (face 10) with 0.5 coin each, entered at 4.0 and 3.3, at a mark of 3.0:
 * by coin values the 4.0 short ranks 1.258 (PnL% 1/3, leverage 3.77) above the 3.3 short
 * 0.944, where linear values (size × price) would rank them 0.693 and 0.767 the other way. */
static void bitmex_ranks_inverse_positions_by_coin_values(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_INVERSE;
  c.tick = P("0.001");
  c.contract_size = P("10");
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P("0.005"), -1, BK_FX(100)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(&pol, &c, 1, NULL, 0, &r, &err);
  assert_non_null(r);
  r->check = 2;
  bk_risk_set_mark(r, 0, P("3.5"));
  uint32_t l, a, b;
  assert_int_equal(bk_risk_add_account(r, 0, P("0.5"), &b), BK_OK);
  assert_int_equal(bk_risk_trade(r, b, 0, P("-10"), P("3.3")), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 0, P("0.5"), &a), BK_OK);
  assert_int_equal(bk_risk_trade(r, a, 0, P("-10"), P("4")), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 0, P("1"), &l), BK_OK);
  assert_int_equal(bk_risk_trade(r, l, 0, P("10"), P("3.5")), BK_OK);
  const bk_book *books[1] = {NULL};
  assert_int_equal(bk_risk_on_mark(r, 0, P("3"), 1, books), BK_OK);
  assert_int_equal(r->recs[0].acct, l);
  assert_int_equal(r->recs[0].outcome, BK_OUT_ADL);
  assert_int_equal(r->adl[0].counter_acct, a); /* the short entered at 4.0 first */
  assert_true(r->adl[0].qty == P("10"));
  assert_true(r->acct[b].pos[0].size == P("-10"));
  bk_risk_free(r);
}

/* Item 4: the smallest safe fund is exact. A long of 10 is taken over at 990 (mark 991,
 * the fund books +10), the mark falls to 980 (the fund at F + 10 × (980 − 990) = F − 100
 * before the trade fee of the same instant), then a replayed trade pays the fund its
 * share of fees (980 × 0.07 % = 0.686). The shadow says 100; a rerun with 100 needs no
 * ADL, one with 100 − 1e-8 deleverages its inventory at 980. */
static void safe_fund_is_the_smallest_initial_fund_needing_no_adl(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.fund_share = P("1");
  int64_t safe = -1;
  for (int run = 0; run < 3; run++) {
    bk_policy p = pol;
    if (run == 1) bk_policy_set_fund(&p, "", safe, NULL);
    if (run == 2) bk_policy_set_fund(&p, "", safe - 1, NULL);
    bk_risk *r = risk2(&p, run == 0);
    open_acct(r, "100", 0, "10", "1000");
    open_acct(r, "100000", 0, "-30", "1000");
    mark_k(r, 0, "991", 1);
    mark_k(r, 0, "980", 2);
    assert_int_equal(bk_risk_on_trade(r, 0, BK_BUY, P("980"), P("1"), 2), BK_OK);
    mark_k(r, 0, "985", 3);
    if (run == 0) {
      safe = bk_risk_safe_fund(r, 0);
      assert_true(safe == P("100"));
    } else if (run == 1) {
      assert_int_equal((int)r->nadl, 0);
      assert_true(bk_risk_fund_equity(r, 0) >= 0);
    } else {
      assert_true(r->nadl > 0 && r->adl[0].from_fund);
    }
    bk_risk_free(r);
  }
}

/* Item 8: the initial fund of each settle asset, by name. */
static void each_settle_asset_has_its_own_initial_fund(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  bk_err err;
  assert_int_equal(bk_policy_set_fund(&pol, "USDT", P("1000"), &err), BK_OK);
  assert_int_equal(bk_policy_set_fund(&pol, "DOT", P("25"), &err), BK_OK);
  bk_contract c[2] = {lin("0.005"), lin("0.005")};
  c[1].settle = 1;
  bk_asset as[2] = {{"USDT", BK_FX(1), 0}, {"DOT", BK_FX(1), 0}};
  bk_risk *r = NULL;
  bk_risk_new(&pol, c, 2, as, 2, &r, &err);
  assert_non_null(r);
  assert_true(r->fund.cash[0] == P("1000") && r->fund.cash[1] == P("25"));
  bk_risk_free(r);
  /* an unnamed amount is refused where there are several settle assets */
  bk_policy_default(&pol);
  assert_int_equal(bk_policy_set_fund(&pol, "", P("1000"), &err), BK_OK);
  bk_risk *none = NULL;
  assert_int_equal(bk_risk_new(&pol, c, 2, as, 2, &none, &err), BK_ECONFIG);
  assert_null(none);
  assert_int_equal(err.rc, BK_ECONFIG);
  /* a name that is not a settle asset of the run funds nothing (a policy written for
     several venues applies to any of them) */
  bk_policy_default(&pol);
  assert_int_equal(bk_policy_set_fund(&pol, "BTC", P("1"), &err), BK_OK);
  bk_risk_new(&pol, c, 2, as, 2, &r, &err);
  assert_non_null(r);
  assert_true(r->fund.cash[0] == 0 && r->fund.cash[1] == 0);
  bk_risk_free(r);
}

/* Item 8: Hyperliquid's backstop takes over below 2/3 of maintenance margin, not only at
 * zero equity. A long of 10 at 1,000 with 100 at a mark of 991.5: equity 15, margin
 * 49.575 (0.5 %), 2/3 of it 33.05: the vault takes the rest instead of another slice. */
static void hyperliquid_backstop_takes_over_below_two_thirds_of_margin(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty_mode = BK_PEN_REMAINING;
  pol.remainder = BK_REM_SLICE;
  pol.slice_share = P("0.2");
  pol.price_limit = BK_LIMIT_NONE;
  pol.backstop_mm = P("0.66666667");
  bk_policy_set_fund(&pol, "", P("1000000"), NULL);
  for (int i = 0; i < 2; i++) {
    bk_policy p = pol;
    if (i) p.backstop_mm = 0; /* equity > 0: slices go on */
    bk_risk *r = risk2(&p, 0);
    open_acct(r, "100", 0, "10", "1000");
    mark_k(r, 0, "991.5", 1);
    assert_int_equal(r->recs[0].outcome, i ? BK_OUT_WAITING : BK_OUT_TAKEOVER);
    bk_risk_free(r);
  }
}

/* --- findings of an outside review of the waterfall ------------------------------------ */

/* A long bankrupt at 990 is deleveraged against a thin short entered at 980 with 80 of
 * cash: the short closes at 990 (10 × −10 = −100) and is left at −20 with no position.
 * That deficit is covered like a liquidated account's: uncovered with an empty fund, paid
 * by a fund that has it. */
static void an_adl_counterparty_left_below_zero_is_covered(void **state) {
  (void)state;
  for (int funded = 0; funded < 2; funded++) {
    bk_policy pol;
    bk_policy_default(&pol);
    pol.penalty = 0;
    if (funded) {
      bk_policy_set_fund(&pol, "", P("1000"), NULL);
      pol.remainder = BK_REM_WATERFALL;
    }
    bk_risk *r = risk2(&pol, 0);
    bk_risk_set_mark(r, 0, P("985"));
    open_acct(r, "100", 0, "10", "1000");
    uint32_t s = open_acct(r, "80", 0, "-10", "980");
    mark_k(r, 0, "985.1", 1);
    assert_true(r->adl[0].counter_acct == s && r->adl[0].price == P("990"));
    assert_int_equal((int)r->acct[s].npos, 0);
    assert_true(r->acct[s].cash == 0);
    if (funded) {
      assert_true(r->ledger.fund_out[BK_CAUSE_DEFICIT][0] == P("20"));
    } else {
      assert_true(r->ledger.sink_out[BK_CAUSE_UNCOVERED][0] == P("20"));
      assert_true(r->wf.uncovered[0] == P("20"));
    }
    assert_int_equal(bk_risk_check(r), BK_OK);
    bk_risk_free(r);
  }
}

/* A solvent ADL counterparty keeps the collateral its debt does not need. As above, but
 * the short holds no cash and 0.2 BTC (priced by contract 1 at 1,000, no haircut: worth
 * 0.2 × 1,000 = 200): closed at 990 it realizes 10 × −10 = −100, cash −100 beside 200 of
 * BTC, solvent. Only 100 / 1,000 = 0.1 BTC is sold (for 100): cash 0, 0.1 BTC kept,
 * nothing uncovered. */
static void a_solvent_adl_counterparty_sells_only_what_its_cash_needs(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  bk_risk *r = risk2(&pol, 0);
  uint32_t btc;
  assert_int_equal(bk_risk_add_collateral(r, "BTC", 0, 1, &btc), BK_OK);
  bk_risk_set_mark(r, 0, P("985"));
  open_acct(r, "100", 0, "10", "1000");
  uint32_t s = open_acct(r, "0", 0, NULL, NULL);
  assert_int_equal(bk_risk_post_collateral(r, s, btc, P("0.2")), BK_OK);
  assert_int_equal(bk_risk_trade(r, s, 0, P("-10"), P("980")), BK_OK);
  mark_k(r, 0, "985.1", 1);
  assert_true(r->adl[0].counter_acct == s && r->adl[0].price == P("990"));
  assert_int_equal((int)r->acct[s].npos, 0);
  assert_true(r->acct[s].cash == 0);
  assert_int_equal((int)r->acct[s].ncoll, 1);
  assert_true(r->acct[s].coll[0].amount == P("0.1") && r->coll.sold[btc] == P("0.1"));
  assert_true(r->wf.uncovered[0] == 0);
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_risk_free(r);
}

/* An inverse short that can never go bankrupt (its collateral covers any price) ranks by
 * its PnL% with leverage 1 (value at an infinite price is 0), not last. Face 10, mark 3:
 * short A −10 at 4.0 with 30 coin ranks 1/3; short B −10 at 2.9 with 3 coin is losing
 * and ranks below 0; the bankrupt long is deleveraged against A. */
static void an_inverse_short_that_cannot_go_bankrupt_ranks_by_its_profit(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_INVERSE;
  c.tick = P("0.001");
  c.contract_size = P("10");
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P("0.005"), -1, BK_FX(100)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(&pol, &c, 1, NULL, 0, &r, &err);
  assert_non_null(r);
  r->check = 2;
  bk_risk_set_mark(r, 0, P("3.5"));
  uint32_t a, b, l;
  assert_int_equal(bk_risk_add_account(r, 0, P("3"), &b), BK_OK);
  assert_int_equal(bk_risk_trade(r, b, 0, P("-10"), P("2.9")), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 0, P("30"), &a), BK_OK);
  assert_int_equal(bk_risk_trade(r, a, 0, P("-10"), P("4")), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 0, P("1"), &l), BK_OK);
  assert_int_equal(bk_risk_trade(r, l, 0, P("10"), P("3.5")), BK_OK);
  int64_t bp;
  assert_int_equal(bk_acct_bankrupt_price(&r->env, &r->acct[a], 0, NULL, &bp), BK_OK);
  assert_true(bp == INT64_MAX);
  const bk_book *books[1] = {NULL};
  assert_int_equal(bk_risk_on_mark(r, 0, P("3"), 1, books), BK_OK);
  assert_int_equal(r->adl[0].counter_acct, a);
  bk_risk_free(r);
}

/* A cross unit on two contracts whose steps both end unresolved (nobody opposite, an
 * empty fund) gives one step per contract; and the unresolved state is per position: a
 * later contract filling on the book leaves the first one unresolved. */
static void outcomes_are_kept_per_position_of_a_unit(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  bk_risk *r = risk2(&pol, 0);
  uint32_t a = open_acct(r, "200", 0, "10", "1000");
  assert_int_equal(bk_risk_trade(r, a, 1, P("10"), P("1000")), BK_OK);
  mark_k(r, 0, "975", 1);
  assert_int_equal((int)r->nrecs, 2);
  assert_int_equal(r->recs[0].outcome, BK_OUT_UNRESOLVED);
  assert_int_equal(r->recs[1].outcome, BK_OUT_UNRESOLVED);
  assert_int_equal(r->recs[1].contract, 1);
  bk_risk_free(r);
  /* solvent under a waterfall remainder: both positions wait, two steps */
  pol.remainder = BK_REM_WATERFALL;
  r = risk2(&pol, 0);
  a = open_acct(r, "200", 0, "10", "1000");
  assert_int_equal(bk_risk_trade(r, a, 1, P("10"), P("1000")), BK_OK);
  mark_k(r, 0, "985", 1);
  assert_int_equal((int)r->nrecs, 2);
  assert_int_equal(r->recs[0].outcome, BK_OUT_WAITING);
  assert_int_equal(r->recs[1].outcome, BK_OUT_WAITING);
  assert_int_equal(r->acct[a].pos[0].pending, BK_OUT_WAITING);
  bk_risk_free(r);
}

/* The smallest safe fund counts only the points where the fund's state makes it act: a
 * fund that took over at 990 and sold it all at once at 970 ends at −200 with nothing
 * left to deleverage, and needs no ADL or socialization at any size: safe fund 0. */
static void a_fund_that_holds_nothing_needs_no_safe_margin(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.offload = BK_OFFLOAD_IMMEDIATE;
  bk_risk *r = risk2(&pol, 1);
  open_acct(r, "100", 0, "10", "1000");
  open_acct(r, "100000", 0, "-30", "1000");
  bk_book *b = bk_book_new(P("0.1"));
  assert_int_equal(bk_book_set(b, BK_BID, P("970"), P("100")), BK_OK);
  const bk_book *empty[2] = {NULL, NULL};
  assert_int_equal(bk_risk_on_mark(r, 0, P("991"), 1, empty), BK_OK);
  const bk_book *books[2] = {b, NULL};
  assert_int_equal(bk_risk_on_mark(r, 0, P("975"), 2, books), BK_OK);
  assert_true(r->fund.inv[0].size == 0 && r->fund.cash[0] == P("-200"));
  assert_true(bk_risk_safe_fund(r, 0) == 0);
  bk_book_free(b);
  bk_risk_free(r);
}

/* A cross account of one asset liquidated during a mark of another asset's contract: its
 * fund's path is observed too. COIN fund 1,000; a COIN long retried on a USDT mark is
 * taken over at a loss of 50 at once; the extremes say so. */
static void a_fund_moved_by_another_assets_event_is_observed(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  bk_policy_set_fund(&pol, "COIN", P("1000"), NULL);
  bk_contract c[3] = {lin("0.005"), lin("0.005"), lin("0.005")};
  c[1].settle = c[2].settle = 1;
  bk_asset as[2] = {{"USDT", BK_FX(1), 0}, {"COIN", BK_FX(1), 0}};
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(&pol, c, 3, as, 2, &r, &err);
  assert_non_null(r);
  r->check = 2;
  for (uint32_t k = 0; k < 3; k++) bk_risk_set_mark(r, k, P("1000"));
  uint32_t u, k;
  assert_int_equal(bk_risk_add_account(r, 0, P("100000"), &u), BK_OK);
  assert_int_equal(bk_risk_trade(r, u, 0, P("1"), P("1000")), BK_OK);
  /* a COIN account on two contracts: visited on every mark, of any contract */
  assert_int_equal(bk_risk_add_account(r, 1, P("100"), &k), BK_OK);
  assert_int_equal(bk_risk_trade(r, k, 1, P("10"), P("1000")), BK_OK);
  assert_int_equal(bk_risk_trade(r, k, 2, P("0.001"), P("1000")), BK_OK);
  bk_risk_set_mark(r, 1, P("985")); /* bankrupt at 990, not yet visited */
  const bk_book *books[3] = {NULL, NULL, NULL};
  assert_int_equal(bk_risk_on_mark(r, 0, P("1001"), 1, books), BK_OK); /* a USDT mark */
  assert_int_equal(r->recs[0].acct, k);
  assert_int_equal(r->recs[0].outcome, BK_OUT_TAKEOVER);
  int64_t lo, dd, under;
  bk_fund_extremes(&r->fund, 1, P("1000"), 1, &lo, &dd, &under);
  assert_true(bk_risk_fund_equity(r, 1) < P("1000"));
  assert_true(lo == bk_risk_fund_equity(r, 1) && dd == P("1000") - lo);
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
      cmocka_unit_test(a_fund_below_its_trigger_takes_nothing_more),
      cmocka_unit_test(a_fund_past_its_trigger_deleverages_its_inventory_at_the_mark),
      cmocka_unit_test(waterfall_remainder_never_deleverages_a_solvent_account),
      cmocka_unit_test(what_adl_cannot_place_is_unresolved_not_closed_at_the_mark),
      cmocka_unit_test(an_unpaid_deficit_under_adl_is_uncovered_not_socialized),
      cmocka_unit_test(bitmex_ranks_inverse_positions_by_coin_values),
      cmocka_unit_test(safe_fund_is_the_smallest_initial_fund_needing_no_adl),
      cmocka_unit_test(each_settle_asset_has_its_own_initial_fund),
      cmocka_unit_test(hyperliquid_backstop_takes_over_below_two_thirds_of_margin),
      cmocka_unit_test(an_adl_counterparty_left_below_zero_is_covered),
      cmocka_unit_test(a_solvent_adl_counterparty_sells_only_what_its_cash_needs),
      cmocka_unit_test(an_inverse_short_that_cannot_go_bankrupt_ranks_by_its_profit),
      cmocka_unit_test(outcomes_are_kept_per_position_of_a_unit),
      cmocka_unit_test(a_fund_that_holds_nothing_needs_no_safe_margin),
      cmocka_unit_test(a_fund_moved_by_another_assets_event_is_observed),
      cmocka_unit_test(contract_pro_rata_closes_by_position_size),
      cmocka_unit_test(leverage_fill_closes_the_highest_leverage_first),
      cmocka_unit_test(pro_rata_haircuts_profit),
      cmocka_unit_test(capped_pro_rata_haircuts_at_most_its_share),
      cmocka_unit_test(risk_pro_rata_weighs_profit_by_leverage),
      cmocka_unit_test(a_second_haircut_takes_only_the_profit_left),
      cmocka_unit_test(a_haircut_leaves_isolated_positions_alone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
