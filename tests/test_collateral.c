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
  bk_contract c = bk_t_contract(BK_LINEAR, 0, "0.01", "1", "0.005");
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
  assert_true(r->coll.posted[btc] == P("0.125") && r->coll.sold[btc] == P("0.125"));
  assert_true(bk_risk_collateral_sold(r, 0) == P("9.1"));
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
 * −9.05, cash −9.05. Under the fee penalty only what brings the cash to 0 is sold: one
 * BTC brings 91 × 0.8 = 72.8, so 9.05 / 72.8 = 0.124313186… BTC, rounded up to whole
 * units of 1e-8: 0.12431319 BTC, which bring 0.12431319 × 72.8 = 9.050000232, rounded
 * down 9.05000023; cash 0.00000023, and A keeps 0.125 − 0.12431319 = 0.00068681 BTC. No
 * deficit, nothing attributed. An account that leaves takes its collateral with it: B
 * posts 0.5 BTC and leaves; 0.625 BTC were posted, 0.12431319 sold, 0.5 withdrawn. */
static void collateral_that_covers_the_loss_leaves_no_deficit(void **s) {
  (void)s;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty_mode = BK_PEN_FEE;
  pol.penalty = 0;
  pol.price_limit = BK_LIMIT_NONE;
  pol.participation = BK_FX(1);
  bk_policy_set_fund(&pol, "", P("100"), NULL);
  bk_contract c = bk_t_contract(BK_LINEAR, 0, "0.01", "1", "0.005");
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
  assert_true(r->coll.posted[btc] == P("0.625"));
  bk_book *bk = bk_book_new(P("0.01"));
  assert_non_null(bk);
  assert_int_equal(bk_book_set(bk, BK_BID, P("90.95"), P("10")), BK_OK);
  const bk_book *books[1] = {bk};
  if (bk_risk_on_mark(r, 0, P("91"), 1, books)) fail_msg("on_mark: %s", r->err.msg);
  assert_int_equal((int)r->acct[a].npos, 0);
  assert_true(r->acct[a].cash == P("0.00000023"));
  assert_int_equal((int)r->acct[a].ncoll, 1);
  assert_true(r->acct[a].coll[0].amount == P("0.00068681"));
  assert_true(r->fund.cash[0] == P("100"));
  assert_true(bk_risk_collateral_loss(r, 0) == 0);
  int left;
  assert_int_equal(bk_risk_close_account(r, b, 2, &left), BK_OK);
  assert_int_equal(left, 1);
  assert_true(r->coll.sold[btc] == P("0.12431319") && r->coll.withdrawn[btc] == P("0.5"));
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
 * A BTC account may not post BTC as other collateral: it is its cash.
 * The amount worth 1.35 ETH at these prices is 1.35 × 2,000 / (30,000 × 0.9) = 0.1. */
static void coin_collateral_is_valued_in_the_settle_coin(void **s) {
  (void)s;
  bk_policy pol;
  bk_policy_default(&pol);
  bk_contract c[2] = {bk_t_contract(BK_INVERSE, 0, "0.1", "100", "0.005"),
                      bk_t_contract(BK_INVERSE, 1, "0.01", "10", "0.005")};
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
  assert_int_equal(bk_risk_post_collateral(r, b, btc, P("0.1")), BK_ECONFIG);
  assert_int_equal((int)r->acct[b].ncoll, 0);
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

/* A policy whose fills take the whole position at any price, with 100 USDT in the fund;
 * two linear USDT contracts (size 1, tick 0.01), maintenance `mmr` of the notional at the
 * mark: 0 traded, 1 pricing BTC collateral (no haircut). */
static bk_risk *two_contracts(int penalty, const char *mmr, uint32_t *btc) {
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty_mode = penalty;
  pol.penalty = 0;
  pol.price_limit = BK_LIMIT_NONE;
  pol.participation = BK_FX(1);
  bk_policy_set_fund(&pol, "", P("100"), NULL);
  bk_contract c[2] = {bk_t_contract(BK_LINEAR, 0, "0.01", "1", mmr),
                      bk_t_contract(BK_LINEAR, 0, "0.01", "1", mmr)};
  bk_risk *r = risk(&pol, c, 2, NULL, 0);
  r->ledger.keep = 1;
  bk_risk_set_mark(r, 0, P("100"));
  bk_risk_set_mark(r, 1, P("100"));
  assert_int_equal(bk_risk_add_collateral(r, "BTC", 0, 1, btc), BK_OK);
  bk_risk_collateral_start(r);
  return r;
}

/* An account posting 0.1 BTC (worth 0.1 × 100 = 10) and `cash`, long 1 at 100. */
static uint32_t long_one(bk_risk *r, uint32_t btc, const char *cash, const char *units) {
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P(cash), &id), BK_OK);
  assert_int_equal(bk_risk_post_collateral(r, id, btc, P(units)), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, 0, P("1"), P("100")), BK_OK);
  return id;
}

/* The mark of contract 0 falls to `mark` and the only bid is `bid` × 10. */
static void fall_to(bk_risk *r, const char *mark, const char *bid) {
  bk_book *bk = bk_book_new(P("0.01"));
  assert_non_null(bk);
  assert_int_equal(bk_book_set(bk, BK_BID, P(bid), P("10")), BK_OK);
  const bk_book *books[2] = {bk, bk};
  if (bk_risk_on_mark(r, 0, P(mark), 1, books)) fail_msg("on_mark: %s", r->err.msg);
  bk_book_free(bk);
}

/* The remaining margin is the equity, collateral included, whatever the sign of the cash.
 * Maintenance 30 %; BTC at 100. A: 12 cash + 0.1 BTC (10), long 1 at 100; B: 9.9 cash +
 * 0.1 BTC. The mark falls to 90: equities 12 + 10 − 10 = 12 and 9.9 + 10 − 10 = 9.9,
 * both below 0.3 × 90 = 27: both fill 1 at 90, PnL −10: A's cash 2, B's −0.1.
 *   Remaining margin: all the BTC is sold for 10 each: A's cash 12, B's 9.9, both to
 *     the fund: 100 + 12 + 9.9 = 121.9; 0.2 BTC sold.
 *   Fee of 0: A keeps its 2 and its BTC. B sells what brings −0.1 to 0: 0.1 / 100 =
 *     0.001 BTC, bringing 0.1; it keeps 0.099 BTC; the fund stays at 100. */
static void the_remaining_margin_takes_the_collateral_whatever_the_cash(void **s) {
  (void)s;
  for (int fee = 0; fee < 2; fee++) {
    uint32_t btc;
    bk_risk *r = two_contracts(fee ? BK_PEN_FEE : BK_PEN_REMAINING, "0.3", &btc);
    uint32_t a = long_one(r, btc, "12", "0.1"), b = long_one(r, btc, "9.9", "0.1");
    fall_to(r, "90", "90");
    assert_int_equal((int)r->acct[a].npos, 0);
    assert_int_equal((int)r->acct[b].npos, 0);
    if (!fee) {
      assert_true(r->acct[a].cash == 0 && r->acct[b].cash == 0);
      assert_int_equal((int)(r->acct[a].ncoll + r->acct[b].ncoll), 0);
      assert_true(r->fund.cash[0] == P("121.9") && r->coll.sold[btc] == P("0.2"));
      assert_true(bk_risk_collateral_sold(r, 0) == P("20"));
    } else {
      assert_true(r->acct[a].cash == P("2") && r->acct[a].coll[0].amount == P("0.1"));
      assert_true(r->acct[b].cash == 0 && r->acct[b].coll[0].amount == P("0.099"));
      assert_true(r->fund.cash[0] == P("100") && r->coll.sold[btc] == P("0.001"));
      assert_true(bk_risk_collateral_sold(r, 0) == P("0.1"));
    }
    assert_int_equal(bk_risk_check(r), BK_OK);
    bk_risk_free(r);
  }
}

/* The fall is measured from the price at posting. The window opens with BTC at 100; BTC
 * falls to 50; then A posts 0.2 BTC (worth 0.2 × 50 = 10) and goes long 1 at 100. The
 * mark falls to 90 (equity 0 < 0.3 × 90 = 27) and the bid is 80: PnL −20, cash −20; the
 * BTC is sold for 10, cash −10: the fund pays 10 (fund 90). The BTC was worth 10 when
 * posted and brought 10: it did not fall, nothing is attributed (measured from the
 * window's start, 0.2 × 100 = 20, it would have been 10). */
static void collateral_posted_late_falls_from_its_posting_price(void **s) {
  (void)s;
  uint32_t btc;
  bk_risk *r = two_contracts(BK_PEN_FEE, "0.3", &btc);
  bk_risk_set_mark(r, 1, P("50"));
  uint32_t a = long_one(r, btc, "0", "0.2");
  fall_to(r, "90", "80");
  assert_int_equal((int)r->acct[a].npos, 0);
  assert_true(r->acct[a].cash == 0 && r->fund.cash[0] == P("90"));
  assert_true(bk_risk_collateral_loss(r, 0) == 0);
  bk_risk_free(r);
}

/* An account leaving in debt pays it from its collateral. No cash, 0.2 BTC (worth 20),
 * long 1 at 100; the mark is 95 (maintenance 0.5 % × 95 = 0.475, equity 15: it may
 * leave). Closing at 95 realizes −5, cash −5: 5 / 100 = 0.05 BTC is sold for 5 (one
 * collateral_sale posting), cash 0, and the account leaves with 0.15 BTC and no deposit
 * paid in. */
static void an_account_leaving_in_debt_sells_collateral_for_it(void **s) {
  (void)s;
  uint32_t btc;
  bk_risk *r = two_contracts(BK_PEN_FEE, "0.005", &btc);
  uint32_t a = long_one(r, btc, "0", "0.2");
  bk_risk_set_mark(r, 0, P("95"));
  int left;
  size_t from = r->ledger.n;
  assert_int_equal(bk_risk_close_account(r, a, 2, &left), BK_OK);
  assert_int_equal(left, 1);
  assert_true(r->coll.sold[btc] == P("0.05") && r->coll.withdrawn[btc] == P("0.15"));
  int sales = 0;
  for (size_t i = from; i < r->ledger.n; i++) {
    const bk_entry *e = &r->ledger.v[i];
    assert_true(e->cause != BK_CAUSE_DEPOSIT || e->amount == 0);
    if (e->cause == BK_CAUSE_COLLATERAL_SALE)
      assert_true(++sales == 1 && e->from == BK_PARTY_MARKET && e->amount == P("5"));
  }
  assert_int_equal(sales, 1);
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_risk_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(collateral_that_falls_with_the_position_liquidates_earlier_and_deeper),
      cmocka_unit_test(collateral_that_covers_the_loss_leaves_no_deficit),
      cmocka_unit_test(coin_collateral_is_valued_in_the_settle_coin),
      cmocka_unit_test(the_remaining_margin_takes_the_collateral_whatever_the_cash),
      cmocka_unit_test(collateral_posted_late_falls_from_its_posting_price),
      cmocka_unit_test(an_account_leaving_in_debt_sells_collateral_for_it),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
