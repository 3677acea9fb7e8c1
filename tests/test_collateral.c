/*
 * Collateral in other assets (engine/collateral.c): valued at the replayed mark of the
 * contract that prices it, converted into the settle asset by the settle asset's own
 * price, sold when a closed pool is in debt, and the fund's deficit attributed to its
 * fall since the window's start. Every figure is worked out by hand in the comments.
 * Conservation (including the collateral units) is checked after every event (check = 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine/book.h"
#include "engine/risk.h"
#include "tests/testutil.h"

static bk_contract contract(int kind, uint32_t settle, const char *tick, const char *size,
                            const char *mmr) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = kind;
  c.settle = settle;
  c.tick = P(tick);
  c.contract_size = P(size);
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P(mmr), -1, 0};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

static bk_risk *risk(const bk_policy *pol, const bk_contract *c, size_t n, const bk_asset *a,
                     size_t na) {
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(pol, c, n, a, na, &r, &err);
  if (!r) fail_msg("risk: %s", err.msg);
  r->check = 2;
  return r;
}

static int64_t value_of(const bk_risk *r, uint32_t id) {
  int64_t v;
  assert_int_equal(bk_acct_collateral(&r->env, &r->acct[id], &v), BK_OK);
  return v;
}

/* One linear contract (USDT, size 1, tick 0.01, maintenance 0.5 % of the notional at the
 * mark); BTC collateral priced by its mark, haircut 20 %. The fund holds 100 USDT; the
 * penalty is a fee of 0; fills are not limited by the bankruptcy price.
 *   A: no cash, 0.125 BTC of collateral; long 1 at 100. Collateral at 100:
 *      0.125 × 100 × 0.8 = 10.
 *   B: 10 USDT of cash; long 1 at 100. The same equity, 10, at the window's start.
 * The mark falls to 91 (the only bid is 85 × 10):
 *   B: equity 10 + (91 − 100) = 1 >= maintenance 0.005 × 91 = 0.455: it survives (its
 *      liquidation price is where 10 + p − 100 = 0.005 p, p = 90 / 0.995 = 90.45…).
 *   A: collateral 0.125 × 91 × 0.8 = 9.1, equity 9.1 − 9 = 0.1 < 0.455: liquidated.
 *      Bankruptcy price (collateral held at 9.1): 9.1 + p − 100 = 0, p = 90.9. The book
 *      fills 1 at 85: PnL −15, cash −15. The pool has closed in debt: the 0.125 BTC is
 *      sold at 91 less 20 %, 9.1, cash −5.9: a deficit of 5.9, which the fund pays
 *      (fund 94.1).
 *   Attribution: at the window's start (BTC's first price, 100, as the window opened
 *      before it had one) the collateral was worth 10; it fell by
 *      10 − 9.1 = 0.9. Had it kept its value the deficit would have been
 *      5.9 − 0.9 = 5.0, so 5.9 − 5.0 = 0.9 of the fund's payment is the collateral's
 *      fall. */
static void collateral_that_falls_with_the_position_liquidates_earlier_and_deeper(void **s) {
  (void)s;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty_mode = BK_PEN_FEE;
  pol.penalty = 0;
  pol.price_limit = BK_LIMIT_NONE;
  pol.participation = BK_FX(1);
  bk_policy_set_fund(&pol, "", P("100"), NULL);
  bk_contract c = contract(BK_LINEAR, 0, "0.01", "1", "0.005");
  bk_risk *r = risk(&pol, &c, 1, NULL, 0);
  r->ledger.keep = 1;
  uint32_t btc, a, b;
  /* the window starts before BTC has a price: its first, 100, is its start price */
  assert_int_equal(bk_risk_add_collateral(r, "BTC", P("0.2"), 0, &btc), BK_OK);
  bk_risk_collateral_start(r);
  bk_risk_set_mark(r, 0, P("100"));
  assert_int_equal(bk_risk_add_account(r, 0, 0, &a), BK_OK);
  assert_int_equal(bk_risk_post_collateral(r, a, btc, P("0.125")), BK_OK);
  assert_int_equal(bk_risk_trade(r, a, 0, P("1"), P("100")), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 0, P("10"), &b), BK_OK);
  assert_int_equal(bk_risk_trade(r, b, 0, P("1"), P("100")), BK_OK);
  assert_true(value_of(r, a) == P("10") && value_of(r, b) == P("10"));
  bk_book *bk = bk_book_new(P("0.01"));
  assert_non_null(bk);
  assert_int_equal(bk_book_set(bk, BK_BID, P("85"), P("10")), BK_OK);
  const bk_book *books[1] = {bk};
  if (bk_risk_on_mark(r, 0, P("91"), 1, books)) fail_msg("on_mark: %s", r->err.msg);
  /* B survives untouched; A is closed out */
  assert_int_equal((int)r->acct[b].npos, 1);
  assert_true(r->acct[b].cash == P("10"));
  assert_int_equal((int)r->acct[a].npos, 0);
  assert_int_equal((int)r->acct[a].ncoll, 0);
  assert_true(r->acct[a].cash == 0);
  assert_int_equal((int)r->nrecs, 1);
  assert_true(r->recs[0].acct == a && r->recs[0].bankrupt == P("90.9") &&
              r->recs[0].avg_fill == P("85") && r->recs[0].fund_deficit == P("5.9"));
  assert_true(r->fund.cash[0] == P("94.1"));
  assert_true(bk_risk_collateral_loss(r, 0) == P("0.9"));
  assert_true(r->coll.held[btc] == 0);
  /* the sale is one posting from the market into A's cash */
  int sales = 0;
  for (size_t i = 0; i < r->ledger.n; i++) {
    const bk_entry *e = &r->ledger.v[i];
    if (e->cause != BK_CAUSE_COLLATERAL_SALE) continue;
    sales++;
    assert_true(e->from == BK_PARTY_MARKET && e->to == BK_PARTY_ACCT0 + a &&
                e->amount == P("9.1"));
  }
  assert_int_equal(sales, 1);
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_book_free(bk);
  bk_risk_free(r);
}

/* The same account, but the collateral covers the loss: the mark falls to 91 and the
 * only bid is 90.95, above the bankruptcy price of 90.9. The book fills 1 at 90.95: PnL
 * −9.05, cash −9.05; the sale brings 9.1, cash 0.05, which the account keeps (a fee of
 * 0): no deficit, nothing attributed. An account that leaves takes its collateral with
 * it: B posts 0.5 BTC and leaves, the units held return to 0. */
static void collateral_that_covers_the_loss_leaves_no_deficit(void **s) {
  (void)s;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty_mode = BK_PEN_FEE;
  pol.penalty = 0;
  pol.price_limit = BK_LIMIT_NONE;
  pol.participation = BK_FX(1);
  bk_policy_set_fund(&pol, "", P("100"), NULL);
  bk_contract c = contract(BK_LINEAR, 0, "0.01", "1", "0.005");
  bk_risk *r = risk(&pol, &c, 1, NULL, 0);
  bk_risk_set_mark(r, 0, P("100"));
  uint32_t btc, a, b;
  assert_int_equal(bk_risk_add_collateral(r, "BTC", P("0.2"), 0, &btc), BK_OK);
  bk_risk_collateral_start(r);
  assert_int_equal(bk_risk_add_account(r, 0, 0, &a), BK_OK);
  assert_int_equal(bk_risk_post_collateral(r, a, btc, P("0.125")), BK_OK);
  assert_int_equal(bk_risk_trade(r, a, 0, P("1"), P("100")), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 0, 0, &b), BK_OK);
  assert_int_equal(bk_risk_post_collateral(r, b, btc, P("0.5")), BK_OK);
  assert_true(r->coll.held[btc] == P("0.625"));
  bk_book *bk = bk_book_new(P("0.01"));
  assert_non_null(bk);
  assert_int_equal(bk_book_set(bk, BK_BID, P("90.95"), P("10")), BK_OK);
  const bk_book *books[1] = {bk};
  if (bk_risk_on_mark(r, 0, P("91"), 1, books)) fail_msg("on_mark: %s", r->err.msg);
  assert_int_equal((int)r->acct[a].npos, 0);
  assert_true(r->acct[a].cash == P("0.05"));
  assert_true(r->fund.cash[0] == P("100"));
  assert_true(bk_risk_collateral_loss(r, 0) == 0);
  int left;
  assert_int_equal(bk_risk_close_account(r, b, 2, &left), BK_OK);
  assert_int_equal(left, 1);
  assert_true(r->coll.held[btc] == 0);
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_book_free(bk);
  bk_risk_free(r);
}

/* Inverse contracts settling in their coins, BTCUSD (BTC) and ETHUSD (ETH): BTC
 * collateral priced by BTCUSD's mark in USD, haircut 10 %, is worth to an ETH account
 *   amount × BTC price × 0.9 / ETH price:
 *   0.1 BTC at 60,000 / 3,000: 0.1 × 60,000 × 0.9 / 3,000 = 1.8 ETH;
 *   ETH falls to 2,000: 5,400 / 2,000 = 2.7 ETH; BTC falls to 30,000: 2,700 / 2,000 =
 *   1.35 ETH.
 * To a BTC account the same 0.1 BTC is worth 0.1 × 30,000 × 0.9 / 30,000 = 0.09 BTC.
 * The amount worth 1.35 ETH at these prices is 1.35 × 2,000 / (30,000 × 0.9) = 0.1. */
static void coin_collateral_is_valued_in_the_settle_coin(void **s) {
  (void)s;
  bk_policy pol;
  bk_policy_default(&pol);
  bk_contract c[2] = {contract(BK_INVERSE, 0, "0.1", "100", "0.005"),
                      contract(BK_INVERSE, 1, "0.01", "10", "0.005")};
  bk_asset as[2];
  memset(as, 0, sizeof as);
  strcpy(as[0].name, "BTC");
  strcpy(as[1].name, "ETH");
  bk_risk *r = risk(&pol, c, 2, as, 2);
  bk_risk_set_mark(r, 0, P("60000"));
  uint32_t btc, e, b;
  assert_int_equal(bk_risk_add_collateral(r, "BTC", P("0.1"), 0, &btc), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 1, 0, &e), BK_OK);
  assert_int_equal(bk_risk_post_collateral(r, e, btc, P("0.1")), BK_EDATA); /* no ETH price */
  bk_risk_set_mark(r, 1, P("3000"));
  assert_int_equal(bk_risk_post_collateral(r, e, btc, P("0.1")), BK_OK);
  assert_true(value_of(r, e) == P("1.8"));
  bk_risk_set_mark(r, 1, P("2000"));
  assert_true(value_of(r, e) == P("2.7"));
  bk_risk_set_mark(r, 0, P("30000"));
  assert_true(value_of(r, e) == P("1.35"));
  assert_int_equal(bk_risk_add_account(r, 0, 0, &b), BK_OK);
  assert_int_equal(bk_risk_post_collateral(r, b, btc, P("0.1")), BK_OK);
  assert_true(value_of(r, b) == P("0.09"));
  int64_t amount;
  assert_int_equal(bk_risk_collateral_amount(r, 1, btc, P("1.35"), &amount), BK_OK);
  assert_true(amount == P("0.1"));
  /* the same name with other terms is refused; with the same, it is the same asset */
  uint32_t again;
  assert_int_equal(bk_risk_add_collateral(r, "BTC", P("0.2"), 0, &again), BK_ECONFIG);
  assert_int_equal(bk_risk_add_collateral(r, "BTC", P("0.1"), 0, &again), BK_OK);
  assert_true(again == btc);
  bk_risk_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(collateral_that_falls_with_the_position_liquidates_earlier_and_deeper),
      cmocka_unit_test(collateral_that_covers_the_loss_leaves_no_deficit),
      cmocka_unit_test(coin_collateral_is_valued_in_the_settle_coin),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
