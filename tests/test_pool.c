/*
 * Shared funds and the reinsurance layer (engine/pool.h, engine/reinsurance.h), worked by
 * hand on two inverse contracts: BTC (settling in BTC, mark 70,000 USD) and ETH
 * (settling in ETH, mark 2,345.67 USD). A pooled fund pays an ETH deficit with the BTC
 * its liquidation fees brought in, converted at those marks and rounded against the
 * pool; the same deficit is nobody's with isolated funds; a reinsurance premium is a
 * share of the fee rounded down, and a claim stops at the member's limit. Conservation
 * holds with the layer and the conversions' market as parties.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine/risk.h"
#include "engine/transfer.h"
#include "engine/waterfall.h"
#include "tests/testutil.h"

static bk_contract inverse(uint32_t settle, const char *face) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_INVERSE;
  c.tick = P("0.01");
  c.contract_size = P(face);
  c.settle = settle;
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P("0.005"), -1, BK_FX(100)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

/* Two coins at their marks, a BTC account and an ETH account (ids 0 and 1). */
static bk_risk *two_coins(const bk_policy *pol) {
  bk_contract c[2] = {inverse(0, "100"), inverse(1, "10")};
  bk_asset a[2] = {{"BTC", BK_FX(1), 0}, {"ETH", BK_FX(1), 0}};
  bk_risk *r = NULL;
  bk_err err;
  if (bk_risk_new(pol, c, 2, a, 2, &r, &err)) fail_msg("%s", err.msg);
  r->check = 2;
  bk_risk_set_mark(r, 0, P("70000"));
  bk_risk_set_mark(r, 1, P("2345.67"));
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P("1"), &id), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 1, 0, &id), BK_OK);
  return r;
}

/* The BTC account pays the fund a liquidation fee of `fee` BTC. */
static void btc_fee(bk_risk *r, const char *fee) {
  assert_int_equal(bk_xfer_pay(r, BK_XFER_PARTY(0), &r->acct[0].cash, BK_PARTY_FUND,
                               bk_xfer_fund_cash(r, 0), 0, BK_CAUSE_LIQ_FEE, P(fee)),
                   BK_OK);
}

/* A deficit of d ETH on the ETH account, covered by the waterfall. */
static void eth_deficit(bk_risk *r, const char *d) {
  if (bk_wf_cover(r, 1, &r->acct[1].cash, 1, P(d))) fail_msg("%s", r->err.msg);
  if (bk_risk_check(r)) fail_msg("%s", r->err.msg);
}

static void pooled(bk_policy *pol) {
  bk_policy_default(pol);
  pol->npools = 1;
  pol->pools[0] = (bk_pool_spec){"coinm", "USD", {"*"}, 1};
}

static void a_pool_pays_an_eth_deficit_with_btc_from_fees(void **state) {
  (void)state;
  bk_policy pol;
  pooled(&pol);
  bk_risk *r = two_coins(&pol);
  btc_fee(r, "0.01");
  /* the pool is worth 0.01 × 70,000 = 700 USD; the deficit 0.1 ETH is worth
     0.1 × 2,345.67 = 234.567 USD, so the negative-equity trigger lets it pay all */
  assert_true(bk_risk_pool_value(r, 0) == P("700"));
  eth_deficit(r, "0.1");
  /* ETH's own cash is 0: the pool sells BTC for 0.1 ETH, 234.567 / 70,000 =
     0.003350957142… BTC, rounded up against the pool to 0.00335096 */
  assert_true(r->fund.cash[0] == P("0.01") - P("0.00335096"));
  assert_true(r->fund.cash[1] == 0);
  assert_true(r->acct[1].cash == P("0.1"));
  assert_true(r->wf.uncovered[1] == 0);
  /* the market took the BTC and gave the ETH */
  assert_true(r->ledger.fixed[BK_PARTY_MARKET][0] == P("0.00335096"));
  assert_true(r->ledger.fixed[BK_PARTY_MARKET][1] == -P("0.1"));
  /* each member's flows in USD: BTC contributed 700 and lent 0.00335096 × 70,000 =
     234.5672; ETH received 234.567 and drew it */
  assert_true(r->pflow[0].contributed == P("700") && r->pflow[0].converted_out == P("234.5672"));
  assert_true(r->pflow[1].converted_in == P("234.567") && r->pflow[1].drawn == P("234.567"));
  /* left: 0.00664904 BTC × 70,000 = 465.4328 USD */
  assert_true(bk_risk_pool_value(r, 0) == P("465.4328"));
  bk_risk_free(r);
}

static void isolated_funds_leave_the_same_deficit_uncovered(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  bk_risk *r = two_coins(&pol);
  btc_fee(r, "0.01");
  eth_deficit(r, "0.1");
  /* ETH's fund has nothing: the whole 0.1 ETH is nobody's; BTC's fund keeps its fee */
  assert_true(r->wf.uncovered[1] == P("0.1"));
  assert_true(r->fund.cash[0] == P("0.01") && r->fund.cash[1] == 0);
  assert_true(r->ledger.fixed[BK_PARTY_MARKET][0] == 0);
  bk_risk_free(r);
}

static void a_pool_asset_the_currency_cannot_price_is_refused(void **state) {
  (void)state;
  bk_policy pol;
  pooled(&pol);
  strcpy(pol.pools[0].currency, "EUR"); /* BTC is worth its mark in USD, not EUR */
  bk_contract c = inverse(0, "100");
  c.kind = BK_LINEAR;
  bk_asset a = {"BTC", BK_FX(1), 0};
  bk_risk *r = NULL;
  bk_err err;
  assert_int_equal(bk_risk_new(&pol, &c, 1, &a, 1, &r, &err), BK_ECONFIG);
  assert_null(r);
  assert_non_null(strstr(err.msg, "cannot value BTC in EUR"));
}

static void reinsured(bk_policy *pol) {
  bk_policy_default(pol);
  pol->reins_share = P("0.1");
  pol->reins_limit = P("50");
  strcpy(pol->reins_currency, "USD");
}

static void a_premium_is_a_share_of_the_fee_rounded_down(void **state) {
  (void)state;
  bk_policy pol;
  reinsured(&pol);
  bk_risk *r = two_coins(&pol);
  btc_fee(r, "0.01234567");
  /* 10 % of 0.01234567 = 0.001234567, down to 0.00123456 BTC for the layer */
  assert_true(r->reins_cash[0] == P("0.00123456"));
  assert_true(r->fund.cash[0] == P("0.01234567") - P("0.00123456"));
  assert_true(r->ledger.fund_out[BK_CAUSE_PREMIUM][0] == P("0.00123456"));
  /* worth 0.00123456 × 70,000 = 86.4192 USD, paid by BTC's fund (member key 0) */
  assert_true(r->reins_paid[0] == P("86.4192"));
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_risk_free(r);
}

static void a_claim_stops_at_the_members_limit(void **state) {
  (void)state;
  bk_policy pol;
  reinsured(&pol);
  bk_risk *r = two_coins(&pol);
  btc_fee(r, "0.01234567"); /* the layer holds 0.00123456 BTC = 86.4192 USD */
  eth_deficit(r, "0.1");
  /* ETH's fund is empty and needs 0.1 ETH; the layer could give 86.4192 USD but ETH's
     limit is 50 USD: 50 / 2,345.67 = 0.021315871…, down to 0.02131587 ETH, bought with
     0.02131587 × 2,345.67 / 70,000 = 0.000714284… up to 0.00071429 BTC */
  assert_true(r->reins_got[1] == P("49.99999678")); /* 0.02131587 × 2,345.67, floor */
  assert_true(r->reins_cash[0] == P("0.00123456") - P("0.00071429"));
  assert_true(r->reins_cash[1] == 0);
  assert_true(r->ledger.fund_in[BK_CAUSE_CLAIM][1] == P("0.02131587"));
  /* the fund passes the claim on; the rest, 0.1 − 0.02131587, is nobody's */
  assert_true(r->fund.cash[1] == 0);
  assert_true(r->wf.uncovered[1] == P("0.07868413"));
  /* what is left of the limit, 0.00000322 USD, buys no unit of ETH: a second deficit
     gets no claim */
  eth_deficit(r, "0.05");
  assert_true(r->ledger.fund_in[BK_CAUSE_CLAIM][1] == P("0.02131587"));
  assert_true(r->wf.uncovered[1] == P("0.12868413"));
  /* the ledger of each asset sums to zero with the layer and the market as parties */
  for (uint32_t s = 0; s < 2; s++) {
    int64_t sum = r->ledger.acct[0] * (s == 0) + r->ledger.acct[1] * (s == 1);
    for (uint32_t p = 0; p < BK_PARTY_ACCT0; p++) sum += r->ledger.fixed[p][s];
    assert_true(sum == 0);
  }
  assert_true(r->ledger.fixed[BK_PARTY_REINS][0] == P("0.00052027"));
  bk_risk_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_pool_pays_an_eth_deficit_with_btc_from_fees),
      cmocka_unit_test(isolated_funds_leave_the_same_deficit_uncovered),
      cmocka_unit_test(a_pool_asset_the_currency_cannot_price_is_refused),
      cmocka_unit_test(a_premium_is_a_share_of_the_fee_rounded_down),
      cmocka_unit_test(a_claim_stops_at_the_members_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
