/*
 * ADL metrics per round (engine/adl_rounds.h), worked by hand: two bankruptcies within
 * the gap make one round and beyond it two, each with its taken, needed (from a paired
 * shadow), overshoot, undershoot, severity, concentration, top winner and leverage; the
 * T5 queue's concentration over two winners; flipped pairs between rounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine/adl_rounds.h"
#include "engine/book.h"
#include "engine/risk.h"
#include "tests/testutil.h"

#define S INT64_C(1000000) /* one second in µs */

static bk_risk *risk1(const bk_policy *pol, int shadow) {
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
  if (shadow) bk_risk_new_shadow(pol, &c, 1, NULL, 0, &r, &err);
  else bk_risk_new(pol, &c, 1, NULL, 0, &r, &err);
  if (!r) fail_msg("risk: %s", err.msg);
  r->check = 2;
  bk_risk_set_mark(r, 0, P("500"));
  return r;
}

static void open_acct(bk_risk *r, const char *cash, const char *size) {
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P(cash), &id), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, 0, P(size), P("500")), BK_OK);
}

/* Every event reaches the run first, then its shadow, as in a simulation. */
static void mark_book(bk_risk *r, bk_risk *shadow, const char *m, int64_t ts, const bk_book *b) {
  const bk_book *books[1] = {b};
  bk_risk *rs[2] = {r, shadow};
  for (int j = 0; j < 2; j++)
    if (rs[j] && bk_risk_on_mark(rs[j], 0, P(m), ts, books)) fail_msg("on_mark %s: %s", m, rs[j]->err.msg);
}

static void mark(bk_risk *r, bk_risk *shadow, const char *m, int64_t ts) {
  mark_book(r, shadow, m, ts, NULL);
}

/* A long W of 10 at 500 with 1,000 of cash; shorts of 5 at 500 with 250 (bankrupt at
 * 500 + 250/5 = 550) and 500 (bankrupt at 600). No book and a fund of 0: the run
 * deleverages each short against W at its bankruptcy price; the shadow takes each over.
 *   mark 560: short 1 at 250 + 5 × (500 − 560) = −50. W gives up 5 × (560 − 550) = 50,
 *     holding profit u = 10 × 60 = 600 before; after, it keeps 5 × 560 = 2,800 of
 *     notional on 1,600 − 50 = 1,550 of equity: leverage 1.806451612… ↑ 1.80645162.
 *     The shadow takes 5 at 550 with the mark at 560: out_takeover 50, safe fund 50.
 *   mark 610: short 2 at 500 − 550 = −50. W (cash 1,000 + 5 × 50 = 1,250) holds profit
 *     5 × 110 = 550 and gives up 5 × 10 = 50, closing all. The shadow's inventory of −5
 *     entered at 560 loses 5 × 50 = 250 and the takeover at 600 books −50 more: equity
 *     −50 − 250 − 50 = −350, safe fund 350, out_takeover 100. */
static void two_bankruptcies(int64_t t2, bk_risk **run, bk_risk **shadow) {
  bk_policy pol;
  bk_policy_default(&pol); /* takeover, fund 0, negative trigger, BitMEX ADL, gap 60 s */
  pol.penalty = 0;
  for (int j = 0; j < 2; j++) {
    bk_risk *r = risk1(&pol, j);
    open_acct(r, "1000", "10");
    open_acct(r, "250", "-5");
    open_acct(r, "500", "-5");
    *(j ? shadow : run) = r;
  }
  bk_adl_rounds_pair(*run, *shadow);
  mark(*run, *shadow, "560", 1 * S);
  mark(*run, *shadow, "610", t2);
  assert_int_equal(bk_adl_rounds_finish(*run), BK_OK);
  assert_int_equal((int)(*run)->nadl, 2);
  assert_int_equal(bk_risk_check(*run), BK_OK);
  assert_int_equal(bk_risk_check(*shadow), BK_OK);
}

static void two_bankruptcies_within_the_gap_are_one_round(void **state) {
  (void)state;
  bk_risk *r, *s;
  two_bankruptcies(31 * S, &r, &s);
  assert_int_equal((int)r->rounds.n, 1);
  const bk_adl_round *d = &r->rounds.v[0];
  assert_int_equal((int)d->index, 1);
  assert_true(d->start_us == 1 * S && d->end_us == 31 * S);
  assert_int_equal((int)d->takes, 2);
  assert_int_equal((int)d->accounts, 1);
  assert_true(d->adl_qty == P("10"));
  assert_true(d->taken == P("100") && d->given == 0);
  assert_true(d->needed == P("350") && d->shortfall == P("100") && d->fund_used == 0);
  assert_true(bk_adl_overshoot(d) == 0 && bk_adl_undershoot(d) == P("250"));
  assert_true(bk_adl_severity(d->taken, d->needed) == P("0.28571429")); /* 100/350 ↑ */
  assert_true(d->concentration == P("0.16666667"));                      /* 100/600 ↑ */
  assert_true(d->top_acct == 0 && d->top_profit == P("600") && d->top_left == P("500"));
  assert_true(d->max_leverage == 0); /* W closed all */
  assert_true(d->from_principal == 0 && d->pairs == 0);
  bk_risk_free(r);
  bk_risk_free(s);
}

static void two_bankruptcies_beyond_the_gap_are_two_rounds(void **state) {
  (void)state;
  bk_risk *r, *s;
  two_bankruptcies(62 * S, &r, &s); /* 61 s after the first: more than 60 */
  assert_int_equal((int)r->rounds.n, 2);
  const bk_adl_round *a = &r->rounds.v[0], *b = &r->rounds.v[1];
  assert_true(a->index == 1 && b->index == 2);
  assert_true(a->start_us == 1 * S && a->end_us == 1 * S && b->start_us == 62 * S);
  assert_true(a->taken == P("50") && b->taken == P("50"));
  /* the first window closes where the second opens, before the shadow saw mark 610 */
  assert_true(a->needed == P("50") && b->needed == P("300"));
  assert_true(a->shortfall == P("50") && b->shortfall == P("50"));
  assert_true(bk_adl_overshoot(a) == 0 && bk_adl_undershoot(a) == 0);
  assert_true(bk_adl_severity(a->taken, a->needed) == P("1"));
  assert_true(bk_adl_undershoot(b) == P("250"));
  assert_true(bk_adl_severity(b->taken, b->needed) == P("0.16666667")); /* 50/300 ↑ */
  assert_true(a->concentration == P("0.08333334"));                     /* 50/600 ↑ */
  assert_true(b->concentration == P("0.09090910"));                     /* 50/550 ↑ */
  assert_true(a->max_leverage == P("1.80645162") && b->max_leverage == 0);
  assert_true(a->top_left == P("550") && b->top_left == P("500"));
  assert_true(b->pairs == 0); /* one account in both rounds: no pair */
  bk_risk_free(r);
  bk_risk_free(s);
}

/* BitMEX's T5 queue: six longs at 500 (qty 10, 10, 20, 30, 20, 10 with 40, 10, 60, 30,
 * 20, 50 of cash per contract) and a short of 20 at 600 with 1,000, bankrupt at 650.
 * At mark 700 ADL takes account 1's 10 and 10 of account 4's 20 at 650: each gives up
 * 10 × 50 = 500, from profits 10 × 200 = 2,000 and 20 × 200 = 4,000 (shares 0.25 and
 * 0.125). Account 4 keeps 10 × 700 = 7,000 of notional on 400 + 4,000 − 500 = 3,900:
 * leverage 1.794871794… ↑ 1.79487180. Without a shadow, needed is unknown. */
static void t5_queue_concentration_and_top_winner(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  bk_risk *r = risk1(&pol, 0);
  const char *qty[6] = {"10", "10", "20", "30", "20", "10"};
  const char *cash[6] = {"400", "100", "1200", "900", "400", "500"};
  for (int i = 0; i < 6; i++) open_acct(r, cash[i], qty[i]);
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P("1000"), &id), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, 0, P("-20"), P("600")), BK_OK);
  mark(r, NULL, "700", 1 * S);
  assert_int_equal(bk_adl_rounds_finish(r), BK_OK);
  assert_int_equal((int)r->rounds.n, 1);
  const bk_adl_round *d = &r->rounds.v[0];
  assert_true(d->taken == P("1000") && d->accounts == 2 && d->adl_qty == P("20"));
  assert_true(d->concentration == P("0.25"));
  assert_true(d->top_acct == 4 && d->top_profit == P("4000") && d->top_left == P("3500"));
  assert_true(d->max_leverage == P("1.79487180"));
  assert_true(d->needed == -1 && d->shortfall == -1 && bk_adl_overshoot(d) == -1);
  assert_true(bk_adl_severity(d->taken, d->needed) == -1);
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_risk_free(r);
}

/* The same T5 loss socialized over profit: the short closes on the book at 700, losing
 * 20 × 100 = 2,000 on 1,000 of cash; the 1,000 left is spread over the longs' profits
 * 200 × qty, i.e. 10 per contract held: each gives up 10/200 = 0.05 of its profit, the
 * largest (account 3, 30 contracts, 6,000) keeps 5,700; leverage after: 700 × q on
 * cash + 200q − 10q, account 1 (100 + 1,900 = 2,000 on 7,000) the highest, 3.5. */
static void t5_socialized_over_profit(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  pol.remainder = BK_REM_WATERFALL;
  pol.wf_action = BK_WF_SOCIALIZE;
  bk_risk *r = risk1(&pol, 0);
  const char *qty[6] = {"10", "10", "20", "30", "20", "10"};
  const char *cash[6] = {"400", "100", "1200", "900", "400", "500"};
  for (int i = 0; i < 6; i++) open_acct(r, cash[i], qty[i]);
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P("1000"), &id), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, 0, P("-20"), P("600")), BK_OK);
  bk_book *b = bk_book_new(P("1"));
  assert_int_equal(bk_book_set(b, BK_ASK, P("700"), P("100")), BK_OK);
  mark_book(r, NULL, "700", 1 * S, b);
  assert_int_equal(bk_adl_rounds_finish(r), BK_OK);
  assert_int_equal((int)r->rounds.n, 1);
  const bk_adl_round *d = &r->rounds.v[0];
  assert_true(d->taken == P("1000") && d->given == 0 && d->adl_qty == 0);
  assert_true(d->takes == 6 && d->accounts == 6);
  assert_true(d->taken == r->ledger.sink_in[BK_CAUSE_SOCIALIZED][0]);
  assert_true(d->concentration == P("0.05") && d->from_principal == 0);
  assert_true(d->top_acct == 3 && d->top_profit == P("6000") && d->top_left == P("5700"));
  assert_true(d->max_leverage == P("3.5"));
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_book_free(b);
  bk_risk_free(r);
}

/* Orders by amount descending, ties by lower id. (30, 20, 10) then (10, 20, 30): all
 * three pairs flip; then (30, 10, 20): only the pair of ids 2 and 3; equal amounts keep
 * their id order in both rounds: none. */
static void flipped_pairs_between_rounds(void **state) {
  (void)state;
  const uint32_t id[3] = {1, 2, 3};
  uint32_t scratch[6];
  const int64_t a[3] = {30, 20, 10}, b[3] = {10, 20, 30}, c[3] = {30, 10, 20}, e[3] = {5, 5, 5};
  assert_int_equal((int)bk_adl_flipped_pairs(id, a, b, 3, scratch), 3);
  assert_int_equal((int)bk_adl_flipped_pairs(id, a, c, 3, scratch), 1);
  assert_int_equal((int)bk_adl_flipped_pairs(id, a, a, 3, scratch), 0);
  assert_int_equal((int)bk_adl_flipped_pairs(id, e, e, 3, scratch), 0);
  assert_int_equal((int)bk_adl_flipped_pairs(id, e, a, 3, scratch), 0);
  assert_int_equal((int)bk_adl_flipped_pairs(id, a, e, 3, scratch), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(two_bankruptcies_within_the_gap_are_one_round),
      cmocka_unit_test(two_bankruptcies_beyond_the_gap_are_two_rounds),
      cmocka_unit_test(t5_queue_concentration_and_top_winner),
      cmocka_unit_test(t5_socialized_over_profit),
      cmocka_unit_test(flipped_pairs_between_rounds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
