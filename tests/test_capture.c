/*
 * Spread capture (engine/capture.c, docs/liquidation.md §13): what the venue makes as the
 * counterparty of the replayed taker flow and of liquidation fills, priced against the
 * index, and the fund's part of it. Every figure is worked out by hand in the comment
 * above it. Conservation is checked after every event (check = 2): the captured amount
 * is paid by the market, so the ledger still sums to zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine/book.h"
#include "engine/capture.h"
#include "engine/event.h"
#include "engine/risk.h"
#include "engine/transfer.h"
#include "tests/testutil.h"

/* A policy that takes taker_share of the taker flow (and the liquidation fills when
 * liq), fund_share of the capture to the fund; no fee revenue and no penalty, so that the
 * fund moves only by spread capture. */
static bk_policy capturing(const char *taker_share, int liq, const char *fund_share) {
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.spread_taker_share = P(taker_share);
  pol.spread_liquidation = liq;
  pol.spread_fund_share = P(fund_share);
  return pol;
}

static bk_risk *risk(const bk_policy *pol, const bk_contract *c) {
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(pol, c, 1, NULL, 0, &r, &err);
  if (!r) fail_msg("risk: %s", err.msg);
  r->check = 2;
  return r;
}

static void trade(bk_risk *r, int side, const char *price, const char *qty, int64_t ts) {
  if (bk_risk_on_trade(r, 0, side, P(price), P(qty), ts))
    fail_msg("on_trade %s: %s", price, r->err.msg);
}

static int64_t fund_in(const bk_risk *r) { return r->ledger.fund_in[BK_CAUSE_SPREAD_CAPTURE][0]; }
static int64_t fund_out(const bk_risk *r) { return r->ledger.fund_out[BK_CAUSE_SPREAD_CAPTURE][0]; }

/* Index 30,000; 10 % of the taker flow, half of the capture to the fund (5 % of each
 * capture). A taker buy of 2 at 30,015: the venue sold 15 above the index, 2 × 15 = 30,
 * fund 1.5. A taker sell of 1 at 29,990: it bought 10 below, 10, fund 0.5. A taker buy of
 * 1 at 29,980, below the index: the venue sold 20 too cheap, −20, fund −1 (a loss, paid
 * by the fund to the market). In 2, out 1, the market paid 1 net. */
static void linear_taker_flow_captures_the_distance_to_the_index(void **state) {
  (void)state;
  bk_policy pol = capturing("0.1", 0, "0.5");
  bk_contract c = bk_t_contract(BK_LINEAR, 0, "0.01", "1", "0.005");
  bk_risk *r = risk(&pol, &c);
  bk_risk_set_mark(r, 0, P("30000"));
  bk_risk_set_index(r, 0, P("30000"));
  trade(r, BK_BUY, "30015", "2", 1);
  assert_true(fund_in(r) == P("1.5"));
  trade(r, BK_SELL, "29990", "1", 2);
  assert_true(fund_in(r) == P("2"));
  trade(r, BK_BUY, "29980", "1", 3);
  assert_true(fund_in(r) == P("2") && fund_out(r) == P("1"));
  assert_true(r->fund.cash[0] == P("1"));
  assert_true(bk_ledger_balance(&r->ledger, BK_PARTY_MARKET, 0) == P("-1"));
  bk_risk_free(r);
}

/* Rounding: a taker buy of 0.00000001 at 30,000.01 gains 1e-8 × 0.01 = 1e-10, rounded
 * down to 0: nothing. The same buy at 29,999.99 loses 1e-10, rounded down to −0.00000001,
 * and the fund's 5 % of it, −5e-10, to −0.00000001 again: the fund's income is never
 * overstated. */
static void capture_rounds_down_gains_and_losses_alike(void **state) {
  (void)state;
  bk_policy pol = capturing("0.1", 0, "0.5");
  bk_contract c = bk_t_contract(BK_LINEAR, 0, "0.01", "1", "0.005");
  bk_risk *r = risk(&pol, &c);
  bk_risk_set_mark(r, 0, P("30000"));
  bk_risk_set_index(r, 0, P("30000"));
  trade(r, BK_BUY, "30000.01", "0.00000001", 1);
  assert_true(fund_in(r) == 0 && fund_out(r) == 0);
  trade(r, BK_BUY, "29999.99", "0.00000001", 2);
  assert_true(fund_in(r) == 0 && fund_out(r) == 1);
  bk_risk_free(r);
}

/* Inverse, 100 USD a contract, settled in coin; index 25,000, the whole taker flow and the
 * whole capture (shares 1). A taker buy of 10 at 25,250: the venue is short 1,000 USD
 * opened at 25,250, worth at the index 1,000 × (1/25,000 − 1/25,250) = 1,000 × 250 /
 * 631,250,000 = 0.000396039603… coin, rounded down 0.00039603. A taker sell of 10 at
 * 24,750: long from 24,750, 1,000 × (1/24,750 − 1/25,000) = 250,000 / 618,750,000 =
 * 0.000404040404…, rounded down 0.00040404. In all 0.00080007. With half the flow and
 * half to the fund the first is 0.00039603 × 0.25 = 0.0000990075, rounded down
 * 0.00009900. */
static void inverse_taker_flow_captures_in_coin(void **state) {
  (void)state;
  bk_contract c = bk_t_contract(BK_INVERSE, 0, "0.01", "100", "0.005");
  int64_t v;
  assert_int_equal(bk_capture_value(&c, BK_BUY, P("10"), P("25250"), P("25000"), &v), BK_OK);
  assert_true(v == P("0.00039603"));
  assert_int_equal(bk_capture_value(&c, BK_SELL, P("10"), P("24750"), P("25000"), &v), BK_OK);
  assert_true(v == P("0.00040404"));
  bk_policy pol = capturing("1", 0, "1");
  bk_risk *r = risk(&pol, &c);
  bk_risk_set_mark(r, 0, P("25000"));
  bk_risk_set_index(r, 0, P("25000"));
  trade(r, BK_BUY, "25250", "10", 1);
  trade(r, BK_SELL, "24750", "10", 2);
  assert_true(fund_in(r) == P("0.00080007") && fund_out(r) == 0);
  bk_risk_free(r);
  pol = capturing("0.5", 0, "0.5");
  r = risk(&pol, &c);
  bk_risk_set_mark(r, 0, P("25000"));
  bk_risk_set_index(r, 0, P("25000"));
  trade(r, BK_BUY, "25250", "10", 1);
  assert_true(fund_in(r) == P("0.000099"));
  bk_risk_free(r);
}

/* Without an index, or without the taker's side, there is nothing to price the trade
 * against: no capture (a trade before the first index is counted as unpriced); a policy that takes no taker flow captures nothing either. */
static void no_index_no_side_no_share_captures_nothing(void **state) {
  (void)state;
  bk_contract c = bk_t_contract(BK_LINEAR, 0, "0.01", "1", "0.005");
  bk_policy pol = capturing("1", 0, "1");
  bk_risk *r = risk(&pol, &c);
  bk_risk_set_mark(r, 0, P("30000"));
  trade(r, BK_BUY, "30100", "1", 1);
  assert_true(r->unpriced[0] == 1);
  bk_risk_set_index(r, 0, P("30000"));
  trade(r, BK_SIDE_NONE, "30100", "1", 2);
  assert_true(fund_in(r) == 0 && fund_out(r) == 0 && r->unpriced[0] == 1);
  bk_risk_free(r);
  pol = capturing("0", 0, "1");
  r = risk(&pol, &c);
  bk_risk_set_mark(r, 0, P("30000"));
  bk_risk_set_index(r, 0, P("30000"));
  trade(r, BK_BUY, "30100", "1", 1);
  assert_true(fund_in(r) == 0);
  bk_risk_free(r);
}

/* A long of 10 at 1,000 with 100 of cash (bankrupt at 990; MM 0.5 %). At a mark of 994
 * (at t = 1 µs) its equity is 100 − 60 = 40 < MM 49.7: liquidated, sold to the bid at 993
 * (above 990). The venue, counterparty of the liquidation, bought 10 at 993. */
static bk_risk *liquidated(const bk_policy *pol, const char *index) {
  bk_contract c = bk_t_contract(BK_LINEAR, 0, "0.01", "1", "0.005");
  bk_risk *r = risk(pol, &c);
  bk_risk_set_mark(r, 0, P("1000"));
  if (index) bk_risk_set_index(r, 0, P(index));
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P("100"), &id), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, 0, P("10"), P("1000")), BK_OK);
  bk_book *b = bk_book_new(P("0.01"));
  assert_non_null(b);
  assert_int_equal(bk_book_set(b, BK_BID, P("993"), P("100")), BK_OK);
  const bk_book *books[1] = {b};
  if (bk_risk_on_mark(r, 0, P("994"), 1, books)) fail_msg("on_mark: %s", r->err.msg);
  assert_int_equal((int)r->nrecs, 1);
  assert_true(r->recs[0].book_qty == P("10"));
  bk_book_free(b);
  return r;
}

/* With a horizon of 0 the fill is marked to the index at the fill: against an index of
 * 995 that is 10 × (995 − 993) = 20, the fund's half 10. Against an index of 992 it is
 * 10 × (992 − 993) = −10, the fund's half −5. The fund starts at 1,000; the liquidation's
 * record carries the capture in fund_other. */
static void liquidation_fill_captures_against_the_index(void **state) {
  (void)state;
  const char *index[2] = {"995", "992"};
  const char *in[2] = {"10", "0"}, *out[2] = {"0", "5"}, *cash[2] = {"1010", "995"};
  const char *other[2] = {"10", "-5"};
  for (int i = 0; i < 2; i++) {
    bk_policy pol = capturing("0", 1, "0.5");
    pol.spread_horizon_us = 0;
    assert_int_equal(bk_policy_set_fund(&pol, "", P("1000"), NULL), BK_OK);
    bk_risk *r = liquidated(&pol, index[i]);
    assert_true(fund_in(r) == P(in[i]) && fund_out(r) == P(out[i]));
    assert_true(r->fund.cash[0] == P(cash[i]));
    assert_true(r->recs[0].fund_other == P(other[i]));
    bk_risk_free(r);
  }
}

/* A horizon of 5 s: the fill at t = 1 µs is due at 5,000,001 µs. The index at the fill
 * (995) and one at 3 s (996) are too early and post nothing; the first at or after the
 * due time, 990 at 6 s, marks it: 10 × (990 − 993) = −30, the fund's half −15 (paid by
 * the fund: 1,000 − 15 = 985), in an event of its own, so the liquidation's record has
 * fund_other 0. A later index of 1,000 at 7 s changes nothing: the fill is booked once. */
static void liquidation_fill_is_marked_at_its_horizon(void **state) {
  (void)state;
  bk_policy pol = capturing("0", 1, "0.5");
  assert_int_equal(bk_policy_set_fund(&pol, "", P("1000"), NULL), BK_OK);
  assert_true(pol.spread_horizon_us == 5000000); /* the documented default */
  bk_risk *r = liquidated(&pol, "995");
  assert_true(fund_in(r) == 0 && fund_out(r) == 0 && r->recs[0].fund_other == 0);
  assert_int_equal(bk_risk_on_index(r, 0, P("996"), 3000000), BK_OK);
  assert_true(fund_in(r) == 0 && fund_out(r) == 0);
  assert_int_equal(bk_risk_on_index(r, 0, P("990"), 6000000), BK_OK);
  assert_true(fund_in(r) == 0 && fund_out(r) == P("15"));
  assert_true(r->fund.cash[0] == P("985"));
  assert_int_equal(bk_risk_on_index(r, 0, P("1000"), 7000000), BK_OK);
  assert_true(fund_out(r) == P("15") && fund_in(r) == 0);
  assert_int_equal(bk_risk_end_captures(r, 8000000), BK_OK);
  assert_true(r->held_to_end == 0 && r->fund.cash[0] == P("985"));
  bk_risk_free(r);
}

/* A run that ends before the horizon marks the fill to the last index, 996 (set at 2 s):
 * 10 × (996 − 993) = 30, the fund's half 15: cash 1,015, one fill held to the end. A run
 * whose contract never had an index cannot price it: nothing posted, one fill unpriced,
 * and none counted as marked to a last index (there is none to mark it to). */
static void held_fill_is_marked_to_the_last_index_at_the_end(void **state) {
  (void)state;
  bk_policy pol = capturing("0", 1, "0.5");
  assert_int_equal(bk_policy_set_fund(&pol, "", P("1000"), NULL), BK_OK);
  bk_risk *r = liquidated(&pol, "995");
  assert_int_equal(bk_risk_on_index(r, 0, P("996"), 2000000), BK_OK);
  assert_int_equal(bk_risk_end_captures(r, 3000000), BK_OK);
  assert_true(fund_in(r) == P("15") && r->fund.cash[0] == P("1015"));
  assert_true(r->held_to_end == 1 && r->unpriced[0] == 0);
  bk_risk_free(r);
  r = liquidated(&pol, NULL);
  assert_int_equal(bk_risk_end_captures(r, 3000000), BK_OK);
  assert_true(fund_in(r) == 0 && fund_out(r) == 0 && r->fund.cash[0] == P("1000"));
  assert_true(r->held_to_end == 0 && r->unpriced[0] == 1);
  bk_risk_free(r);
}

/* The same liquidation under a policy that does not take the liquidation flow: nothing is
 * held, the fund keeps its 1,000 and no spread_capture is posted. */
static void liquidation_flow_is_captured_only_when_the_policy_says(void **state) {
  (void)state;
  bk_policy pol = capturing("0", 0, "1");
  assert_int_equal(bk_policy_set_fund(&pol, "", P("1000"), NULL), BK_OK);
  bk_risk *r = liquidated(&pol, "995");
  assert_true(r->nholds == 0);
  assert_int_equal(bk_risk_on_index(r, 0, P("1000"), 6000000), BK_OK);
  assert_int_equal(bk_risk_end_captures(r, 7000000), BK_OK);
  assert_true(fund_in(r) == 0 && fund_out(r) == 0 && r->fund.cash[0] == P("1000"));
  bk_risk_free(r);
}

/* Shares outside [0, 1] are configuration errors naming the key. */
static void shares_out_of_range_are_refused(void **state) {
  (void)state;
  bk_policy pol = capturing("1.5", 0, "1");
  bk_err err;
  assert_int_equal(bk_policy_check(&pol, &err), BK_ECONFIG);
  assert_non_null(strstr(err.msg, "fees.spread_capture.taker_share"));
  pol = capturing("0.1", 0, "-0.1");
  assert_int_equal(bk_policy_check(&pol, &err), BK_ECONFIG);
  assert_non_null(strstr(err.msg, "fees.spread_capture.fund_share"));
}

/* A policy that takes no share of the fees and no spread: its trades move nothing (an
 * event that ends quietly, engine/risk.c), with and without fund inventory. With none the
 * fund's cash 0 is its equity at every trade; once it holds a long of 1 taken over at
 * 30,000 (a forced fund trade here), a trade at 31,000 leaves its cash and its equity
 * (cash + 1 × (30,500 − 30,000) at the mark 30,500 = 500) alone, and the every-event
 * checks (which test what the quiet end takes for granted) pass throughout. */
static void trades_that_pay_the_fund_nothing_move_nothing(void **state) {
  (void)state;
  bk_policy pol = capturing("0", 0, "0");
  bk_contract c = bk_t_contract(BK_LINEAR, 0, "0.01", "1", "0.005");
  bk_risk *r = risk(&pol, &c);
  bk_risk_set_mark(r, 0, P("30500"));
  for (int i = 0; i < 5; i++) trade(r, i % 2 ? BK_BUY : BK_SELL, "30010", "3", i + 1);
  assert_true(r->fund.cash[0] == 0 && bk_risk_fund_equity(r, 0) == 0);
  assert_int_equal(bk_xfer_fund_trade(r, 0, P("1"), P("30000"), BK_CAUSE_TAKEOVER), BK_OK);
  int64_t cash = r->fund.cash[0];
  trade(r, BK_BUY, "31000", "2", 10);
  assert_true(r->fund.cash[0] == cash && bk_risk_fund_equity(r, 0) == cash + P("500"));
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_risk_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(linear_taker_flow_captures_the_distance_to_the_index),
      cmocka_unit_test(trades_that_pay_the_fund_nothing_move_nothing),
      cmocka_unit_test(capture_rounds_down_gains_and_losses_alike),
      cmocka_unit_test(inverse_taker_flow_captures_in_coin),
      cmocka_unit_test(no_index_no_side_no_share_captures_nothing),
      cmocka_unit_test(liquidation_fill_captures_against_the_index),
      cmocka_unit_test(liquidation_fill_is_marked_at_its_horizon),
      cmocka_unit_test(held_fill_is_marked_to_the_last_index_at_the_end),
      cmocka_unit_test(liquidation_flow_is_captured_only_when_the_policy_says),
      cmocka_unit_test(shares_out_of_range_are_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
