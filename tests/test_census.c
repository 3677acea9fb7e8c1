/*
 * Open interest (engine/census.c): the accounts' long and short contracts of each
 * contract in all, at its mark, rounded up once per contract (not once per position),
 * from running totals that the full conservation check recounts. Every figure is worked
 * out by hand in the comment above it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine/census.h"
#include "engine/conservation.h"
#include "engine/risk.h"
#include "tests/testutil.h"

static bk_risk *risk(const bk_contract *c, size_t n) {
  bk_policy pol;
  bk_policy_default(&pol);
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(&pol, c, n, NULL, 0, &r, &err);
  if (!r) fail_msg("risk: %s", err.msg);
  r->check = 2;
  return r;
}

static uint32_t open(bk_risk *r, uint32_t settle, uint32_t contract, const char *size,
                     const char *price) {
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, settle, P("1000"), &id), BK_OK);
  if (bk_risk_trade(r, id, contract, P(size), P(price))) fail_msg("trade: %s", r->err.msg);
  return id;
}

/* Inverse, 10 USD a contract, mark 3: two longs of 1 and a short of 2. Each long alone is
 * 10 / 3 = 3.333333333… coins, 3.33333334 rounded up, 6.66666668 for the two; the side in
 * all is 20 / 3 = 6.666666666…, 6.66666667 rounded up once. The short is the same 20 USD.
 * One long closed: 10 / 3 rounded up, 3.33333334, the short unchanged. */
static void inverse_open_interest_rounds_once_per_contract(void **state) {
  (void)state;
  bk_contract c = bk_t_contract(BK_INVERSE, 0, "0.001", "10", "0.005");
  bk_risk *r = risk(&c, 1);
  bk_risk_set_mark(r, 0, P("3"));
  uint32_t a = open(r, 0, 0, "1", "3");
  open(r, 0, 0, "1", "3");
  open(r, 0, 0, "-2", "3");
  int64_t lo, sh;
  bk_census_oi(r, 0, &lo, &sh);
  assert_true(lo == P("6.66666667") && sh == P("6.66666667"));
  assert_int_equal(bk_risk_check(r), BK_OK);
  if (bk_risk_trade(r, a, 0, P("-1"), P("3"))) fail_msg("trade: %s", r->err.msg);
  bk_census_oi(r, 0, &lo, &sh);
  assert_true(lo == P("3.33333334") && sh == P("6.66666667"));
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_risk_free(r);
}

/* Linear, 0.001 BTC a contract, mark 28,145.5, settling in asset 0; a second contract of
 * 1 ETH at 4,000 in asset 1. Longs of 3 and 4 BTC contracts: 7 × 0.001 × 28,145.5 =
 * 197.0185; a short of 5: 140.7275. A long flipped to a short of 2 (a trade of −6 on the 4):
 * longs 3, 84.4365; shorts 7, 197.0185. ETH long 2: 8,000 in asset 1, nothing in asset 0. */
static void linear_open_interest_follows_every_change_of_side(void **state) {
  (void)state;
  bk_contract c[2] = {bk_t_contract(BK_LINEAR, 0, "0.001", "0.001", "0.005"),
                      bk_t_contract(BK_LINEAR, 1, "0.001", "1", "0.005")};
  bk_risk *r = risk(c, 2);
  bk_risk_set_mark(r, 0, P("28145.5"));
  bk_risk_set_mark(r, 1, P("4000"));
  open(r, 0, 0, "3", "28145.5");
  uint32_t b = open(r, 0, 0, "4", "28145.5");
  open(r, 0, 0, "-5", "28145.5");
  open(r, 1, 1, "2", "4000");
  int64_t lo, sh;
  bk_census_oi(r, 0, &lo, &sh);
  assert_true(lo == P("197.0185") && sh == P("140.7275"));
  if (bk_risk_trade(r, b, 0, P("-6"), P("28145.5"))) fail_msg("trade: %s", r->err.msg);
  bk_census_oi(r, 0, &lo, &sh);
  assert_true(lo == P("84.4365") && sh == P("197.0185"));
  bk_census_oi(r, 1, &lo, &sh);
  assert_true(lo == P("8000") && sh == 0);
  assert_int_equal(bk_risk_check(r), BK_OK);
  /* a running total that drifted from the positions is caught by the full check */
  r->acct_long[0] += 1;
  assert_int_equal(bk_risk_check(r), BK_EINVARIANT);
  r->acct_long[0] -= 1;
  /* and so is a holder index whose size of a position is not the position's */
  r->holders[0].size[0] += 1;
  assert_int_equal(bk_risk_check(r), BK_EINVARIANT);
  r->holders[0].size[0] -= 1;
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_risk_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(inverse_open_interest_rounds_once_per_contract),
      cmocka_unit_test(linear_open_interest_follows_every_change_of_side),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
