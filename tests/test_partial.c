/*
 * Partial liquidation (engine/partial.c, docs/liquidation.md §3, §4a), each mode on a
 * case worked out by hand in its comment: liquidate to health down Binance's published
 * tiers (T1 of the venue formulas), a cross pool reduced largest margin first,
 * Hyperliquid's slices above 100,000 of notional, and a fund loss budget per period
 * (dYdX's cap per block). Conservation is checked after every event (check = 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine/book.h"
#include "engine/partial.h"
#include "engine/risk.h"
#include "tests/testutil.h"

/* Binance USD-M tiers (T1): MMR 0.4 % below 50k, 0.5 % from 50k, 1 % from 250k; the cum
 * rule gives maintenance amounts 0, 50 and 1,300. Tick 0.01, contract size 1. */
static bk_contract binance(void) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_LINEAR;
  c.tick = P("0.01");
  c.contract_size = P("1");
  c.tiers.n = 3;
  c.tiers.v[0] = (bk_tier){0, P("0.004"), -1, 0};
  c.tiers.v[1] = (bk_tier){P("50000"), P("0.005"), -1, 0};
  c.tiers.v[2] = (bk_tier){P("250000"), P("0.01"), -1, 0};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

static bk_contract flat(const char *mmr) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_LINEAR;
  c.tick = P("0.01");
  c.contract_size = P("1");
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P(mmr), -1, 0};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

static bk_risk *risk(const bk_policy *pol, const bk_contract *c, size_t n) {
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(pol, c, n, NULL, 0, &r, &err);
  if (!r) fail_msg("risk: %s", err.msg);
  r->check = 2;
  return r;
}

static uint32_t open_long(bk_risk *r, const char *cash, uint32_t k, const char *size,
                          const char *entry) {
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P(cash), &id), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, k, P(size), P(entry)), BK_OK);
  return id;
}

static void mark(bk_risk *r, uint32_t k, const char *m, int64_t ts, const bk_book *const *books) {
  if (bk_risk_on_mark(r, k, P(m), ts, books)) fail_msg("on_mark %s: %s", m, r->err.msg);
}

static int64_t size_of(const bk_risk *r, uint32_t id, uint32_t k) {
  int i = bk_acct_find(&r->acct[id], k);
  return i < 0 ? 0 : r->acct[id].pos[i].size;
}

static bk_book *bids(const char *price, const char *qty) {
  bk_book *b = bk_book_new(P("0.01"));
  assert_non_null(b);
  assert_int_equal(bk_book_set(b, BK_BID, P(price), P(qty)), BK_OK);
  return b;
}

static bk_policy to_health(const char *lot, const char *buffer) {
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.size_mode = BK_SIZE_HEALTH;
  pol.health_lot = P(lot);
  pol.health_buffer = P(buffer);
  return pol;
}

/* Long 300 at 1,000 with 3,900 of cash; the mark falls to 990. Equity 3,900 − 300 × 10 =
 * 900; notional 297,000 is in the 1 % tier: MM = 2,970 − 1,300 = 1,670 > 900. Bankrupt
 * at 1,000 − 3,900/300 = 987, so the bid at 990 fills at the mark and leaves the equity at
 * 900. Keeping n contracts:
 *   - in the 1 % tier (n >= 253, 990 n >= 250,000) MM >= 9.9 × 253 − 1,300 = 1,204.7 > 900:
 *     no n there restores health, so the position steps down to the 0.5 % tier;
 *   - in the 0.5 % tier MM = 4.95 n − 50 <= 900 holds up to n = 191 (895.45; 192 gives
 *     900.4). So 109 contracts are sold and 191 kept.
 * With lots of 10 contracts: 110 sold (109 rounded up to a whole lot), 190 kept.
 * With a buffer of 1.1: ceil(1.1 × (4.95 n − 50)) <= 900 up to n = 175 (1.1 × 816.25 =
 * 897.875; 176 gives 1.1 × 821.2 = 903.32): 125 sold. */
static void to_health_steps_down_binance_tiers(void **state) {
  (void)state;
  const char *lot[3] = {"1", "10", "1"}, *buffer[3] = {"1", "1", "1.1"};
  const char *sold[3] = {"109", "110", "125"}, *kept[3] = {"191", "190", "175"};
  for (int i = 0; i < 3; i++) {
    bk_policy pol = to_health(lot[i], buffer[i]);
    bk_contract c = binance();
    bk_risk *r = risk(&pol, &c, 1);
    bk_risk_set_mark(r, 0, P("1000"));
    uint32_t id = open_long(r, "3900", 0, "300", "1000");
    bk_book *b = bids("990", "1000");
    const bk_book *books[1] = {b};
    mark(r, 0, "990", 1, books);
    assert_int_equal((int)r->nrecs, 1);
    assert_true(r->recs[0].book_qty == P(sold[i]));
    assert_int_equal(r->recs[0].outcome, BK_OUT_BOOK);
    assert_true(size_of(r, id, 0) == P(kept[i]));
    /* 3,900 − 10 per contract sold, at the mark: the equity stays 900 */
    assert_true(r->acct[id].cash == P("3900") - 10 * P(sold[i]));
    int which;
    assert_false(bk_acct_liquidatable(&r->env, &r->acct[id], &which));
    bk_book_free(b);
    bk_risk_free(r);
  }
}

/* The same account with a 0.01 % penalty. Round 1 sells 109 (above) and pays
 * ceil(109 × 990 × 0.0001) = 10.791: the equity, 889.209, is below MM(191) = 895.45, so
 * a second round runs: 4.95 n − 50 <= 889.209 up to n = 189 (885.55; 190 gives 890.5),
 * 2 more sold for a fee of 2 × 990 × 0.0001 = 0.198. Equity 889.011 >= 885.55: healthy. */
static void to_health_takes_another_round_for_the_penalty(void **state) {
  (void)state;
  bk_policy pol = to_health("1", "1");
  pol.penalty = P("0.0001");
  bk_contract c = binance();
  bk_risk *r = risk(&pol, &c, 1);
  bk_risk_set_mark(r, 0, P("1000"));
  uint32_t id = open_long(r, "3900", 0, "300", "1000");
  bk_book *b = bids("990", "1000");
  const bk_book *books[1] = {b};
  mark(r, 0, "990", 1, books);
  assert_int_equal((int)r->nrecs, 2);
  assert_true(r->recs[0].book_qty == P("109") && r->recs[0].fee == P("10.791"));
  assert_true(r->recs[1].book_qty == P("2") && r->recs[1].fee == P("0.198"));
  assert_true(size_of(r, id, 0) == P("189"));
  int64_t eq;
  assert_int_equal(bk_acct_equity(&r->env, &r->acct[id], &eq), BK_OK);
  assert_true(eq == P("889.011"));
  bk_book_free(b);
  bk_risk_free(r);
}

/* One cross account, two contracts at MMR 1 %: long 10 of A at 100 and long 5 of B at
 * 100, cash 110. A's mark falls to 90: equity 110 − 100 = 10; MM = 9 (A) + 5 (B) = 14.
 * Largest margin first: A. Keeping n of A needs 0.9 n + 5 <= 10, n <= 5.55: 5 sold, 5
 * kept; B is not touched (closing B alone would also have restored health, 9 <= 10, but B
 * carries less of the requirement). */
static void to_health_reduces_the_largest_margin_first(void **state) {
  (void)state;
  bk_policy pol = to_health("1", "1");
  bk_contract c[2] = {flat("0.01"), flat("0.01")};
  bk_risk *r = risk(&pol, c, 2);
  bk_risk_set_mark(r, 0, P("100"));
  bk_risk_set_mark(r, 1, P("100"));
  uint32_t id = open_long(r, "110", 1, "5", "100"); /* B first: position order is not it */
  assert_int_equal(bk_risk_trade(r, id, 0, P("10"), P("100")), BK_OK);
  bk_book *ba = bids("90", "100"), *bb = bids("100", "100");
  const bk_book *books[2] = {ba, bb};
  mark(r, 0, "90", 1, books);
  assert_int_equal((int)r->nrecs, 1);
  assert_int_equal(r->recs[0].contract, 0);
  assert_true(r->recs[0].book_qty == P("5"));
  assert_true(size_of(r, id, 0) == P("5") && size_of(r, id, 1) == P("5"));
  uint32_t order[2] = {1, 0};
  bk_part_order(r, &r->acct[id], order, 2); /* now 4.5 (A) against 5 (B) */
  assert_int_equal(order[0], 1);
  bk_book_free(ba);
  bk_book_free(bb);
  bk_risk_free(r);
}

/* Hyperliquid: above 100,000 of notional, 20 % slices 30 s apart; smaller at once. MMR
 * 1 %, mark 99.5, a bid at 99.5 deep enough for all.
 *   - Small: long 1,000 at 100, cash 1,004: equity 504 < MM 995; notional 99,500 <=
 *     100,000: all 1,000 sold; its 504 go to the fund (remaining margin).
 *   - Large: long 2,000 at 100, cash 2,408: equity 1,408 < MM 1,990; notional 199,000:
 *     a slice of 400, 1,600 kept (MM 1,592 > 1,408 > 2/3 × 1,592 = 1,061.33: waiting).
 *     At +10 s it is still below maintenance but cooling down: nothing. At +30 s a slice of
 *     ceil(1,600 × 0.2) = 320: 1,280 kept, MM 1,273.6 <= 1,408: healthy. */
static void hyperliquid_slices_above_its_threshold(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty_mode = BK_PEN_REMAINING;
  pol.price_limit = BK_LIMIT_NONE;
  pol.remainder = BK_REM_SLICE;
  pol.slice_share = P("0.2");
  pol.slice_cooldown_us = 30 * INT64_C(1000000);
  pol.backstop_mm = P("0.66666667");
  pol.slice_above = P("100000");
  bk_contract c = flat("0.01");
  bk_risk *r = risk(&pol, &c, 1);
  bk_risk_set_mark(r, 0, P("100"));
  uint32_t small = open_long(r, "1004", 0, "1000", "100");
  uint32_t large = open_long(r, "2408", 0, "2000", "100");
  bk_book *b = bids("99.5", "100000");
  const bk_book *books[1] = {b};
  mark(r, 0, "99.5", 1, books);
  assert_true(size_of(r, small, 0) == 0);
  assert_true(r->fund.cash[0] == P("504"));
  assert_true(size_of(r, large, 0) == P("1600"));
  assert_int_equal((int)r->nrecs, 2);
  assert_int_equal(r->recs[1].outcome, BK_OUT_WAITING);
  mark(r, 0, "99.5", 1 + 10 * INT64_C(1000000), books);
  assert_true(size_of(r, large, 0) == P("1600"));
  assert_int_equal((int)r->nrecs, 2);
  mark(r, 0, "99.5", 1 + 30 * INT64_C(1000000), books);
  assert_true(size_of(r, large, 0) == P("1280"));
  int which;
  assert_false(bk_acct_liquidatable(&r->env, &r->acct[large], &which));
  bk_book_free(b);
  bk_risk_free(r);
}

/* dYdX-like budget: the fund may lose 80 per period of 1 s. Two longs of 10 at 100 with
 * 50 of cash each (bankrupt at 95); the mark falls to 90 with no book: each has a
 * deficit of 50 at the mark and is taken over at 95, a loss of 10 × 5 = 50 to the fund.
 * The first goes (50 <= 80, spent 50); the second's 50 exceeds the 30 left: it waits for
 * the next period, at 1 s, and is taken over on the first mark there. A deficit larger
 * than a whole budget still goes in a period with nothing spent (cap 30, first account). */
static void a_loss_budget_holds_the_second_deficit_to_the_next_period(void **state) {
  (void)state;
  for (int small = 0; small < 2; small++) {
    bk_policy pol;
    bk_policy_default(&pol);
    pol.penalty = 0;
    pol.loss_cap = P(small ? "30" : "80");
    pol.loss_period_us = INT64_C(1000000);
    bk_policy_set_fund(&pol, "", P("1000"), NULL);
    bk_contract c = flat("0.01");
    bk_risk *r = risk(&pol, &c, 1);
    bk_risk_set_mark(r, 0, P("100"));
    uint32_t x = open_long(r, "50", 0, "10", "100");
    uint32_t y = open_long(r, "50", 0, "10", "100");
    const bk_book *books[1] = {NULL};
    mark(r, 0, "90", 1, books);
    assert_true(size_of(r, x, 0) == 0 && size_of(r, y, 0) == P("10"));
    assert_true(r->fund.inv[0].size == P("10"));
    assert_true(r->loss_spent[0] == P("50"));
    assert_true(r->retry_at[y] == INT64_C(1000000));
    mark(r, 0, "90", 999999, books); /* the same period: still waiting */
    assert_true(size_of(r, y, 0) == P("10"));
    mark(r, 0, "90", 1000000, books);
    assert_true(size_of(r, y, 0) == 0 && r->fund.inv[0].size == P("20"));
    assert_true(r->loss_spent[0] == P("50"));
    bk_risk_free(r);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(to_health_steps_down_binance_tiers),
      cmocka_unit_test(to_health_takes_another_round_for_the_penalty),
      cmocka_unit_test(to_health_reduces_the_largest_margin_first),
      cmocka_unit_test(hyperliquid_slices_above_its_threshold),
      cmocka_unit_test(a_loss_budget_holds_the_second_deficit_to_the_next_period),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
