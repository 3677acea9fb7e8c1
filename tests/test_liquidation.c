/*
 * Liquidation: the published price rules (T7 dYdX spread, T8 dYdX fillable price and
 * bankruptcy quote, T9 Drift insurance fee), engine-level scenarios on scripted books and
 * mark paths (a long closed through three levels with a surplus to the fund, a deficit
 * the fund pays, an inverse long in a crash, back-to-back liquidations that see less
 * depth, slicing with a cooldown, takeover into the fund), and the overlay walk against a
 * slow reference on seeded random books.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/book.h"
#include "engine/event.h"
#include "engine/fund.h"
#include "engine/liquidation.h"
#include "engine/risk.h"
#include "engine/trigger.h"
#include "tests/testutil.h"
#include "tests/venue_formulas.h"

static bk_contract contract(int kind, const char *tick, const char *cs, const char *mmr) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = kind;
  c.tick = P(tick);
  c.contract_size = P(cs);
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P(mmr), -1, BK_FX(100)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

static bk_risk *risk_with(const bk_policy *pol, bk_contract c) {
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(pol, &c, 1, NULL, 0, &r, &err);
  if (!r) fail_msg("risk: %s", err.msg);
  r->check = 2; /* conservation after every event, whatever the build */
  return r;
}

static void book_side(bk_book *b, int side, const char *const *lv) {
  for (size_t i = 0; lv[i]; i += 2)
    assert_int_equal(bk_book_set(b, side, P(lv[i]), P(lv[i + 1])), BK_OK);
}

static int64_t fund_in(const bk_risk *r, int cause) { return r->ledger.fund_in[cause][0]; }
static int64_t fund_out(const bk_risk *r, int cause) { return r->ledger.fund_out[cause][0]; }

static void mark(bk_risk *r, const char *m, int64_t ts, const bk_book *b) {
  const bk_book *books[1] = {b};
  bk_rc rc = bk_risk_on_mark(r, 0, P(m), ts, books);
  if (rc) fail_msg("on_mark %s: %s", m, r->err.msg);
}

/* ---- published rules ---- */

static void t7_dydx_max_spread_7_5_fund_covers_5_5(void **state) {
  (void)state;
  assert_true(bk_vf_dydx_max_spread(P("0.05")) == P("0.075"));
  assert_true(bk_vf_dydx_fund_cover(P("0.05"), P("0.02")) == P("0.055"));
  assert_true(bk_vf_dydx_fund_cover(P("0.05"), P("0.09")) == 0);
}

static void t8_dydx_fillable_9985_or_9775_bankruptcy_9850_fund_pays_75(void **state) {
  (void)state;
  int64_t abr, px;
  /* long 1 @ 10,000: PNNV 10,000, PS 1, PMMR = TMMR = 300, TNC 150, BA 1 */
  assert_int_equal(bk_liq_dydx_fillable(P("10000"), P("1"), P("150"), P("300"), P("300"),
                                        P("1"), P("0.1"), &abr, &px),
                   BK_OK);
  assert_true(abr == P("0.5"));
  assert_true(px == P("9985"));
  assert_int_equal(bk_liq_dydx_fillable(P("10000"), P("1"), P("150"), P("300"), P("300"),
                                        P("1"), P("1.5"), &abr, &px),
                   BK_OK);
  assert_true(px == P("9775"));
  int64_t bq, delta;
  /* closing removes 10,000 of net notional and 300 of maintenance */
  assert_int_equal(bk_vf_dydx_bankruptcy_quote(P("-10000"), P("150"), P("-300"), P("300"), &bq),
                   BK_OK);
  assert_true(bq == P("9850"));
  assert_int_equal(bk_vf_dydx_fund_delta(P("9775"), bq, P("0.015"), &delta), BK_OK);
  assert_true(delta == P("-75"));
  /* a better fill pays the fund at most |quote| × max fee */
  assert_int_equal(bk_vf_dydx_fund_delta(P("9990"), bq, P("0.005"), &delta), BK_OK);
  assert_true(delta == P("49.95"));
  /* a short mirrors it: the fillable price is above the oracle */
  assert_int_equal(bk_liq_dydx_fillable(P("-10000"), P("-1"), P("150"), P("300"), P("300"),
                                        P("1"), P("0.1"), &abr, &px),
                   BK_OK);
  assert_true(px == P("10015"));
}

static void t9_drift_insurance_fee_3_325_percent(void **state) {
  (void)state;
  int64_t f;
  assert_int_equal(bk_vf_drift_if_fee(P("0.05"), P("0.01"), P("100"), P("1"), P("20000"),
                                       P("0.5"), &f),
                   BK_OK);
  assert_true(f == P("0.03325"));
  assert_int_equal(bk_vf_drift_if_fee(P("0.05"), P("0.01"), P("100"), P("1"), P("20000"),
                                       P("0.02"), &f),
                   BK_OK);
  assert_true(f == P("0.02")); /* capped */
  assert_int_equal(bk_vf_drift_if_fee(P("0.05"), P("0.01"), P("1000"), P("1"), P("20000"),
                                       P("0.5"), &f),
                   BK_OK);
  assert_true(f == 0); /* a shortage larger than the margin leaves no fee */
}

/* ---- engine scenarios ---- */

/* Linear, tick 1, MMR 1 %: long 10 @ 1,000 on 1,000 of cash goes bankrupt at 900 and is
 * liquidated below 909.09. */
static bk_risk *long_10_at_1000(const bk_policy *pol, uint32_t *id) {
  bk_risk *r = risk_with(pol, contract(BK_LINEAR, "1", "1", "0.01"));
  bk_risk_set_mark(r, 0, P("1000"));
  assert_int_equal(bk_risk_add_account(r, 0, P("1000"), id), BK_OK);
  assert_int_equal(bk_risk_trade(r, *id, 0, P("10"), P("1000")), BK_OK);
  return r;
}

static void liq_walks_three_levels_and_the_surplus_goes_to_the_fund(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty_mode = BK_PEN_REMAINING;
  uint32_t id;
  bk_risk *r = long_10_at_1000(&pol, &id);
  bk_book *b = bk_book_new(P("1"));
  const char *bids[] = {"905", "4", "903", "3", "901", "5", "899", "100", NULL};
  book_side(b, BK_BID, bids);
  mark(r, "910", 1, b);
  assert_int_equal((int)r->nrecs, 0); /* 910 > 909.09: not yet */
  mark(r, "908", 2, b);
  assert_int_equal((int)r->nrecs, 1);
  const bk_liq_rec *rec = &r->recs[0];
  assert_true(rec->bankrupt == P("900"));
  assert_true(rec->book_qty == P("10"));
  assert_int_equal(rec->levels, 3);
  assert_int_equal(rec->outcome, BK_OUT_BOOK);
  /* PnL: 4 × (905 − 1000) + 3 × (903 − 1000) + 3 × (901 − 1000) = −968; the 32 left is
     the surplus over the bankruptcy price: 4 × 5 + 3 × 3 + 3 × 1 */
  assert_true(fund_in(r, BK_CAUSE_SPREAD) == P("32"));
  assert_true(r->acct[id].cash == 0);
  assert_int_equal((int)r->acct[id].npos, 0);
  assert_true(bk_risk_fund_equity(r, 0) == P("32"));
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_book_free(b);
  bk_risk_free(r);
}

static void liq_deficit_is_paid_by_the_fund(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.price_limit = BK_LIMIT_NONE;
  bk_policy_set_fund(&pol, "", P("1000"), NULL);
  uint32_t id;
  bk_risk *r = long_10_at_1000(&pol, &id);
  bk_book *b = bk_book_new(P("1"));
  const char *bids[] = {"895", "4", "893", "3", "891", "100", NULL};
  book_side(b, BK_BID, bids);
  mark(r, "894", 1, b);
  assert_int_equal((int)r->nrecs, 1);
  /* −420 − 321 − 327 = −1068 on 1000 of cash: the fund pays 68, no fee can be taken */
  assert_true(fund_out(r, BK_CAUSE_DEFICIT) == P("68"));
  assert_true(r->recs[0].fee == 0);
  assert_true(r->acct[id].cash == 0);
  assert_true(r->fund.cash[0] == P("932"));
  bk_book_free(b);
  bk_risk_free(r);
}

static void liq_fee_penalty_is_capped_by_what_is_left(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol); /* 1 % of filled notional */
  uint32_t id;
  bk_risk *r = long_10_at_1000(&pol, &id);
  bk_book *b = bk_book_new(P("1"));
  const char *bids[] = {"908", "100", NULL};
  book_side(b, BK_BID, bids);
  mark(r, "909", 1, b);
  /* closes 10 at 908: PnL −920, 80 left; the fee 1 % × 9,080 = 90.80 is capped at 80 */
  assert_true(fund_in(r, BK_CAUSE_LIQ_FEE) == P("80"));
  assert_true(r->acct[id].cash == 0);
  bk_book_free(b);
  bk_risk_free(r);
}

static void isolated_liquidation_never_touches_the_cross_cash(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol); /* 1 % fee penalty */
  pol.price_limit = BK_LIMIT_NONE;
  bk_policy_set_fund(&pol, "", P("1000"), NULL);
  const char *bid[2] = {"908", "890"};
  for (int i = 0; i < 2; i++) {
    bk_risk *r = risk_with(&pol, contract(BK_LINEAR, "1", "1", "0.01"));
    bk_risk_set_mark(r, 0, P("1000"));
    uint32_t id;
    assert_int_equal(bk_risk_add_account(r, 0, P("5000"), &id), BK_OK);
    assert_int_equal(bk_risk_open_isolated(r, id, 0, P("10"), P("1000"), P("1000")), BK_OK);
    assert_true(r->acct[id].cash == P("4000"));
    bk_book *b = bk_book_new(P("1"));
    assert_int_equal(bk_book_set(b, BK_BID, P(bid[i]), P("100")), BK_OK);
    mark(r, "909", 1, b); /* equity 90 < MM 90.9 */
    assert_int_equal((int)r->nrecs, 1);
    assert_int_equal((int)r->acct[id].npos, 0);
    if (i == 0) {
      /* at 908 the position keeps 80, all of which the 90.80 fee may take */
      assert_true(r->recs[0].fee == P("80"));
      assert_true(fund_in(r, BK_CAUSE_LIQ_FEE) == P("80"));
    } else {
      /* at 890 it ends at −100: the fund pays, the fee finds nothing */
      assert_true(r->recs[0].fee == 0);
      assert_true(fund_out(r, BK_CAUSE_DEFICIT) == P("100"));
    }
    assert_true(r->acct[id].cash == P("4000"));
    bk_book_free(b);
    bk_risk_free(r);
  }
  /* under the remaining-margin penalty the fund gets the 80 the position kept */
  pol.penalty_mode = BK_PEN_REMAINING;
  bk_risk *r = risk_with(&pol, contract(BK_LINEAR, "1", "1", "0.01"));
  bk_risk_set_mark(r, 0, P("1000"));
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P("5000"), &id), BK_OK);
  assert_int_equal(bk_risk_open_isolated(r, id, 0, P("10"), P("1000"), P("1000")), BK_OK);
  bk_book *b = bk_book_new(P("1"));
  assert_int_equal(bk_book_set(b, BK_BID, P("908"), P("100")), BK_OK);
  mark(r, "909", 1, b);
  assert_true(fund_in(r, BK_CAUSE_SPREAD) == P("80"));
  assert_true(r->acct[id].cash == P("4000"));
  bk_book_free(b);
  bk_risk_free(r);
}

static void inverse_long_liquidated_in_a_crash_leaves_a_deficit_in_coin(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.price_limit = BK_LIMIT_NONE;
  pol.penalty = 0;
  bk_policy_set_fund(&pol, "", P("1"), NULL);
  bk_risk *r = risk_with(&pol, contract(BK_INVERSE, "0.5", "100", "0.005"));
  bk_risk_set_mark(r, 0, P("50000"));
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P("0.1"), &id), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, 0, P("1000"), P("50000")), BK_OK); /* 2 BTC, 20× */
  int64_t lp, bp;
  assert_int_equal(bk_acct_liq_price(&r->env, &r->acct[id], 0, NULL, &lp), BK_OK);
  assert_int_equal(bk_acct_bankrupt_price(&r->env, &r->acct[id], 0, NULL, &bp), BK_OK);
  assert_true(lp == P("47857.5")); /* 100,500 / 2.1 = 47,857.14 up to the tick */
  assert_true(bp == P("47619.5")); /* 100,000 / 2.1 = 47,619.05 up to the tick */
  bk_book *b = bk_book_new(P("0.5"));
  const char *bids[] = {"46900", "300", "46800", "700", NULL};
  book_side(b, BK_BID, bids);
  mark(r, "49000", 1, b);
  mark(r, "48000", 2, b);
  assert_int_equal((int)r->nrecs, 0);
  mark(r, "47000", 3, b);
  assert_int_equal((int)r->nrecs, 1);
  /* 300 × 100 × (1/50000 − 1/46900) + 700 × 100 × (1/50000 − 1/46800), each rounded
     down: −0.03965885 − 0.09572650 = −0.13538535 BTC on 0.1 of margin */
  assert_true(fund_out(r, BK_CAUSE_DEFICIT) == P("0.03538535"));
  assert_true(r->fund.cash[0] == P("1") - P("0.03538535"));
  bk_book_free(b);
  bk_risk_free(r);
}

static void back_to_back_liquidations_see_less_depth_than_one(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.price_limit = BK_LIMIT_NONE;
  bk_policy_set_fund(&pol, "", P("100000"), NULL);
  bk_book *b = bk_book_new(P("1"));
  const char *bids[] = {"905", "6", "903", "6", "901", "6", "880", "100", NULL};
  book_side(b, BK_BID, bids);
  /* alone */
  uint32_t a1;
  bk_risk *one = long_10_at_1000(&pol, &a1);
  mark(one, "908", 1, b);
  int64_t alone = one->recs[0].avg_fill;
  /* two identical accounts in one run, liquidated by the same mark */
  uint32_t x, y;
  bk_risk *two = long_10_at_1000(&pol, &x);
  assert_int_equal(bk_risk_add_account(two, 0, P("1000"), &y), BK_OK);
  assert_int_equal(bk_risk_trade(two, y, 0, P("10"), P("1000")), BK_OK);
  mark(two, "908", 1, b);
  assert_int_equal((int)two->nrecs, 2);
  assert_true(two->recs[0].avg_fill == alone);
  assert_true(two->recs[1].avg_fill < alone);
  /* the first took 6 @ 905 and 4 @ 903; the second finds 2 @ 903, 6 @ 901, 2 @ 880 */
  assert_true(two->recs[1].avg_fill == (2 * P("903") + 6 * P("901") + 2 * P("880")) / 10);
  /* another policy on the same book has its own overlay and sees full depth */
  uint32_t z;
  bk_risk *other = long_10_at_1000(&pol, &z);
  mark(other, "908", 1, b);
  assert_true(other->recs[0].avg_fill == alone);
  /* once the history rewrites a level, what was consumed there is forgotten */
  bk_liq_overlay *ov = &two->overlay;
  bk_level lv;
  assert_int_equal(bk_book_best(b, BK_BID, &lv), 1);
  assert_true(bk_liq_overlay_avail(ov, 0, BK_BID, &lv, 1) == 0);
  assert_int_equal(bk_book_set(b, BK_BID, P("905"), P("7")), BK_OK);
  assert_int_equal(bk_book_best(b, BK_BID, &lv), 1);
  assert_true(bk_liq_overlay_avail(ov, 0, BK_BID, &lv, 1) == P("7"));
  bk_book_free(b);
  bk_risk_free(one);
  bk_risk_free(two);
  bk_risk_free(other);
}

static void consumed_depth_halves_every_halflife(void **state) {
  (void)state;
  bk_liq_overlay o;
  bk_liq_overlay_init(&o, 1000000);
  bk_level lv = {P("100"), P("10"), 7};
  assert_int_equal(bk_liq_overlay_consume(&o, 0, BK_BID, lv.price, P("8"), 7, 0), BK_OK);
  assert_true(bk_liq_overlay_avail(&o, 0, BK_BID, &lv, 0) == P("2"));
  assert_true(bk_liq_overlay_avail(&o, 0, BK_BID, &lv, 1000000) == P("6"));
  assert_true(bk_liq_overlay_avail(&o, 0, BK_BID, &lv, 2000000) == P("8"));
  assert_true(bk_liq_overlay_avail(&o, 0, BK_ASK, &lv, 0) == P("10")); /* other side */
  assert_true(bk_liq_overlay_avail(&o, 1, BK_BID, &lv, 0) == P("10")); /* other contract */
  bk_liq_overlay_fini(&o);
}

/* The overlay's rule written out the obvious way: every level ever consumed, kept. */
typedef struct ref_slot {
  uint32_t contract;
  int side;
  int64_t price, consumed, ts;
  uint64_t seq;
} ref_slot;

static ref_slot *ref_find(ref_slot *v, size_t n, uint32_t contract, int side, int64_t price) {
  for (size_t i = 0; i < n; i++)
    if (v[i].contract == contract && v[i].side == side && v[i].price == price) return &v[i];
  return NULL;
}

static int64_t ref_decayed(const ref_slot *s, int64_t halflife, int64_t now) {
  int64_t halvings = now > s->ts ? (now - s->ts) / halflife : 0;
  return halvings >= 63 ? 0 : s->consumed >> halvings;
}

/* Seeded random consumptions and queries on prices that drift away over a long run: the
 * overlay answers as the kept-forever reference does, and its table holds the levels
 * still consumed (a few hundred), not the twenty thousand it ever saw. */
static void consumed_depth_that_decayed_away_leaves_the_table(void **state) {
  (void)state;
  enum { OPS = 20000 };
  const int64_t hl = 1000000, tick = P("0.1");
  uint64_t seed = bk_t_seed(), rs = seed;
  ref_slot *ref = calloc(OPS, sizeof *ref);
  size_t nref = 0;
  bk_liq_overlay o;
  bk_liq_overlay_init(&o, hl);
  int64_t now = 0;
  for (int i = 0; i < OPS; i++) {
    now += (int64_t)(bk_t_rand(&rs) % 2000) * 1000; /* 0 to 2 s */
    uint32_t c = (uint32_t)(bk_t_rand(&rs) % 2);
    int side = bk_t_rand(&rs) % 2 ? BK_BID : BK_ASK;
    int64_t price = P("100") + (i + (int64_t)(bk_t_rand(&rs) % 20)) * tick;
    uint64_t seq = bk_t_rand(&rs) % 3;
    int64_t qty = (int64_t)(bk_t_rand(&rs) % 1000 + 1) * BK_FX(1);
    assert_int_equal(bk_liq_overlay_consume(&o, c, side, price, qty, seq, now), BK_OK);
    ref_slot *r = ref_find(ref, nref, c, side, price);
    if (!r) *(r = &ref[nref++]) = (ref_slot){c, side, price, 0, now, seq};
    r->consumed = r->seq != seq ? 0 : ref_decayed(r, hl, now);
    r->seq = seq;
    r->consumed += qty;
    r->ts = now;
    /* a level near the front, and one the run left behind long ago */
    int64_t near = price + (int64_t)(bk_t_rand(&rs) % 5) * tick;
    int64_t old = P("100") + (int64_t)(bk_t_rand(&rs) % (uint64_t)(i + 1)) * tick;
    int64_t at[2] = {near, old};
    for (int q = 0; q < 2; q++) {
      bk_level lv = {at[q], BK_FX(600), bk_t_rand(&rs) % 3};
      const ref_slot *x = ref_find(ref, nref, c, side, at[q]);
      int64_t used = x && x->seq == lv.seq ? ref_decayed(x, hl, now) : 0;
      int64_t want = used >= lv.qty ? 0 : lv.qty - used;
      if (bk_liq_overlay_avail(&o, c, side, &lv, now) != want)
        fail_msg("seed %llu, op %d: level %lld has %lld left, the reference says %lld",
                 (unsigned long long)seed, i, (long long)at[q],
                 (long long)bk_liq_overlay_avail(&o, c, side, &lv, now), (long long)want);
    }
  }
  printf("seed %llu: %zu levels consumed, a table of %zu slots\n", (unsigned long long)seed,
         nref, o.cap);
  assert_true(nref > 10000);
  assert_true(o.cap <= 4096);
  bk_liq_overlay_fini(&o);
  free(ref);
}

static void slicing_waits_for_the_cooldown(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.remainder = BK_REM_SLICE;
  pol.slice_share = P("0.2");
  pol.slice_cooldown_us = 30 * 1000000;
  pol.price_limit = BK_LIMIT_NONE;
  bk_policy_set_fund(&pol, "", P("1000"), NULL);
  uint32_t id;
  bk_risk *r = long_10_at_1000(&pol, &id);
  bk_book *b = bk_book_new(P("1"));
  const char *bids[] = {"905", "1000", NULL};
  book_side(b, BK_BID, bids);
  mark(r, "908", 0, b);
  assert_true(r->acct[id].pos[0].size == P("8")); /* 20 % of 10 */
  assert_int_equal(r->recs[0].outcome, BK_OUT_WAITING);
  mark(r, "907", 10 * 1000000, b); /* within the cooldown */
  assert_true(r->acct[id].pos[0].size == P("8"));
  mark(r, "907", 30 * 1000000, b); /* 20 % of what is left */
  assert_true(r->acct[id].pos[0].size == P("6.4"));
  assert_int_equal((int)r->nrecs, 2);
  /* the book empties and the mark falls through the bankruptcy price: no more waiting,
     the fund's backstop takes the rest at the bankruptcy price */
  bk_book_clear(b);
  mark(r, "850", 61 * 1000000, b);
  assert_int_equal(r->recs[2].outcome, BK_OUT_TAKEOVER);
  assert_true(r->fund.inv[0].size == P("6.4"));
  assert_int_equal((int)r->acct[id].npos, 0);
  bk_book_free(b);
  bk_risk_free(r);
}

static void takeover_puts_the_rest_in_fund_inventory_marked_to_market(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.remainder = BK_REM_TAKEOVER;
  pol.penalty = 0;
  bk_policy_set_fund(&pol, "", P("10000"), NULL);
  uint32_t id;
  bk_risk *r = long_10_at_1000(&pol, &id);
  bk_book *b = bk_book_new(P("1"));
  const char *bids[] = {"905", "4", "880", "100", NULL};
  book_side(b, BK_BID, bids);
  mark(r, "895", 1, b);
  /* 4 fill at 905 (above the 900 limit); 6 go to the fund at 900, entered at the mark
     895 with 6 × (895 − 900) = −30 booked at once as the takeover's cost */
  assert_int_equal(r->recs[0].outcome, BK_OUT_TAKEOVER);
  assert_true(r->fund.inv[0].size == P("6"));
  assert_true(r->fund.inv[0].entry == P("895"));
  assert_true(r->fund.cash[0] == P("10000") - P("30"));
  /* the account keeps the 4 × (905 − 900) = 20 its fills made over the bankruptcy price
     (a fee penalty of 0); the fund's equity is its cash and inventory 6 × (895 − 900) */
  assert_true(r->acct[id].cash == P("20"));
  assert_true(bk_risk_fund_equity(r, 0) == P("10000") - P("30"));
  mark(r, "880", 2, b);
  assert_true(bk_risk_fund_equity(r, 0) == P("10000") - P("120"));
  int64_t lo, dd, under;
  bk_fund_extremes(&r->fund, 0, P("10000"), 2, &lo, &dd, &under);
  assert_true(lo == P("10000") - P("120") && dd == P("120"));
  bk_book_free(b);
  bk_risk_free(r);
}

static void fee_is_capped_by_what_is_left_after_the_takeover(void **state) {
  (void)state;
  /* Long 10 @ 1,000 with 1,000 cash: bankrupt at 900, liquidated at a mark of 905.
   * 4 fill at 906 (PnL -376, cash 624); the other 6 are taken over at 900 (PnL -600):
   * the account has 24 left. A 1 % fee on the 3,624 filled is 36.24 and must be capped
   * at those 24: charged from the equity at the mark (54), the fund would get 36.24 and
   * then pay 12.24 of it back as a bankruptcy deficit. */
  for (int pct = 1; pct <= 2; pct++) {
    bk_policy pol;
    bk_policy_default(&pol);
    pol.remainder = BK_REM_TAKEOVER;
    pol.penalty = BK_FX(pct) / 100;
    bk_policy_set_fund(&pol, "", P("10000"), NULL);
    uint32_t id;
    bk_risk *r = long_10_at_1000(&pol, &id);
    bk_book *b = bk_book_new(P("1"));
    const char *bids[] = {"906", "4", "850", "100", NULL};
    book_side(b, BK_BID, bids);
    mark(r, "905", 1, b);
    assert_int_equal(r->recs[0].outcome, BK_OUT_TAKEOVER);
    assert_true(fund_in(r, BK_CAUSE_LIQ_FEE) == P("24"));
    assert_true(fund_out(r, BK_CAUSE_DEFICIT) == 0);
    assert_true(r->acct[id].cash == 0);
    assert_true(r->recs[0].fund_fee == P("24") && r->recs[0].fund_deficit == 0);
    bk_book_free(b);
    bk_risk_free(r);
  }
}

static void penalty_scales_with_realized_volatility(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol); /* 1 % */
  pol.vol_window_us = 60 * 1000000;
  pol.penalty_vol_k = P("10");
  uint32_t id;
  bk_risk *r = long_10_at_1000(&pol, &id);
  assert_true(bk_liq_penalty_now(r, 0) == P("0.01"));
  bk_book *b = bk_book_new(P("1"));
  mark(r, "1000", 0, b);
  mark(r, "990", 1000000, b);  /* |−1 %| */
  mark(r, "1000", 2000000, b); /* |+1.0101… %|, rounded up */
  assert_true(bk_liq_vol_of(r, 0) == P("0.01") + P("0.01010102"));
  /* 1 % × (1 + 10 × 0.02010102) = 1.2010102 %, rounded up */
  assert_true(bk_liq_penalty_now(r, 0) == P("0.01201011"));
  mark(r, "1000", 70 * 1000000, b); /* both returns left the window */
  assert_true(bk_liq_vol_of(r, 0) == 0);
  assert_true(bk_liq_penalty_now(r, 0) == P("0.01"));
  bk_book_free(b);
  bk_risk_free(r);
}

static void participation_scales_down_on_a_thin_book(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.participation = P("0.5");
  pol.depth_ref = P("100");
  uint32_t id;
  bk_risk *r = long_10_at_1000(&pol, &id);
  bk_book *b = bk_book_new(P("1"));
  const char *bids[] = {"905", "10", "903", "10", "850", "1000", NULL};
  book_side(b, BK_BID, bids);
  /* within 1 % of 905 (down to 895.95): 20 of a reference 100, so 0.5 × 0.2 = 0.1 */
  assert_true(bk_liq_participation_now(r, 0, BK_BID, b) == P("0.1"));
  assert_int_equal(bk_book_set(b, BK_BID, P("904"), P("500")), BK_OK);
  assert_true(bk_liq_participation_now(r, 0, BK_BID, b) == P("0.5"));
  bk_book_free(b);
  bk_risk_free(r);
}


/* Item 1 of the engine's review: the walk stopped after 64 levels and sent the rest to
 * the fund although the book had depth above the bankruptcy price. A long of 100 at
 * 1,000 with 1,000 of cash, liquidated at a mark of 994 (bankrupt at 990): the book has
 * 100 bids of 1, every 0.09 from 999 down to 990.09, all above 990. All 100 fill on the
 * book; nothing is taken over. */
static void the_walk_goes_as_deep_as_the_book_allows(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  bk_policy_set_fund(&pol, "", P("1000000"), NULL);
  bk_risk *r = risk_with(&pol, contract(BK_LINEAR, "0.01", "1", "0.005"));
  bk_risk_set_mark(r, 0, P("1000"));
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P("1000"), &id), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, 0, P("100"), P("1000")), BK_OK);
  bk_book *b = bk_book_new(P("0.01"));
  int64_t sum = 0;
  for (int i = 0; i < 100; i++) {
    int64_t px = P("999") - i * P("0.09");
    sum += px;
    assert_int_equal(bk_book_set(b, BK_BID, px, P("1")), BK_OK);
  }
  mark(r, "994", 1, b);
  assert_int_equal((int)r->nrecs, 1);
  assert_int_equal(r->recs[0].outcome, BK_OUT_BOOK);
  assert_int_equal(r->recs[0].levels, 100);
  assert_true(r->recs[0].book_qty == P("100") && r->recs[0].takeover_qty == 0);
  assert_true(r->fund.inv[0].size == 0);
  /* the account realized Σ (price − 1,000) over the 100 fills */
  assert_true(r->acct[id].cash == P("1000") + (sum - 100 * P("1000")));
  bk_book_free(b);
  bk_risk_free(r);
}

/* Item 8: a cross account with 70 positions is liquidated as one pool: every position
 * is closed (the old unit list skipped those past the 64th). */
static void a_cross_pool_of_seventy_contracts_is_closed_whole(void **state) {
  (void)state;
  enum { K = 70 };
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = 0;
  bk_policy_set_fund(&pol, "", P("1000000"), NULL);
  bk_contract c[K];
  for (int k = 0; k < K; k++) c[k] = contract(BK_LINEAR, "0.1", "1", "0.01");
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(&pol, c, K, NULL, 0, &r, &err);
  assert_non_null(r);
  r->check = 2;
  for (uint32_t k = 0; k < K; k++) bk_risk_set_mark(r, k, P("100"));
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P("100"), &id), BK_OK);
  for (uint32_t k = 0; k < K; k++) assert_int_equal(bk_risk_trade(r, id, k, P("1"), P("100")), BK_OK);
  /* contract 0 falls to 10: equity 100 − 90 = 10 < 70 × ~1 of margin. Contract 0 cannot
     go bankrupt alone (the cash covers any price), so it is taken over at the mark; then
     the 10 left makes contract 1 bankrupt at 90, where the fund takes it (and with it
     the account's last 10); the rest go at their bankruptcy price, 100. The fund enters
     each at its mark: contract 1 at 100, booking 1 × (100 − 90) = 10 at once */
  const bk_book *books[K];
  for (int k = 0; k < K; k++) books[k] = NULL;
  assert_int_equal(bk_risk_on_mark(r, 0, P("10"), 1, books), BK_OK);
  assert_int_equal((int)r->nrecs, K);
  assert_int_equal((int)r->acct[id].npos, 0);
  for (int k = 0; k < K; k++) assert_int_equal(r->recs[k].outcome, BK_OUT_TAKEOVER);
  assert_true(r->fund.inv[0].entry == P("10") && r->fund.inv[1].entry == P("100"));
  assert_true(r->fund.inv[69].entry == P("100"));
  assert_true(r->fund.cash[0] == P("1000010"));
  assert_true(r->acct[id].cash == 0);
  bk_risk_free(r);
}

/* Item 8: the depth that scales participation counts every level within 1 % of the
 * best, however many (the old buffer held 256). 300 bids of 1 within 1 % of 1,000 on a
 * 0.01 tick, against a reference depth of 1,000: participation 0.5 × 0.3 = 0.15. */
static void depth_scaling_counts_every_level_in_the_band(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.participation = P("0.5");
  pol.depth_ref = P("1000");
  bk_risk *r = risk_with(&pol, contract(BK_LINEAR, "0.01", "1", "0.01"));
  bk_book *b = bk_book_new(P("0.01"));
  for (int i = 0; i < 300; i++)
    assert_int_equal(bk_book_set(b, BK_BID, P("1000") - i * P("0.01"), P("1")), BK_OK);
  assert_true(bk_liq_participation_now(r, 0, BK_BID, b) == P("0.15"));
  bk_book_free(b);
  bk_risk_free(r);
}


/* The fee on an isolated position still open is capped by its equity at the mark, not
 * its margin: isolated long 10 at 1,000 with 60 of margin, mark 995 (equity 10 < 49.75);
 * a half slice sells 5 at 995 (−25: margin 35); the 5 left are worth −25 at the mark, so
 * the unit has 10: the 1 % fee on 4,975 (49.75) is capped at 10, leaving equity 0. */
static void an_open_isolated_positions_fee_is_capped_by_its_equity(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty = P("0.01");
  pol.remainder = BK_REM_SLICE;
  pol.slice_share = P("0.5");
  pol.slice_cooldown_us = 1000000;
  bk_risk *r = risk_with(&pol, contract(BK_LINEAR, "0.1", "1", "0.005"));
  bk_risk_set_mark(r, 0, P("1000"));
  uint32_t a;
  assert_int_equal(bk_risk_add_account(r, 0, P("100"), &a), BK_OK);
  assert_int_equal(bk_risk_open_isolated(r, a, 0, P("10"), P("1000"), P("60")), BK_OK);
  bk_book *b = bk_book_new(P("0.1"));
  assert_int_equal(bk_book_set(b, BK_BID, P("995"), P("5")), BK_OK);
  mark(r, "995", 1, b);
  assert_true(r->recs[0].fee == P("10"));
  int64_t eq;
  assert_int_equal(bk_acct_pos_equity(&r->env, &r->acct[a], 0, &eq), BK_OK);
  assert_true(eq == 0);
  bk_book_free(b);
  bk_risk_free(r);
}

/* ---- the overlay walk against a slow reference ---- */

typedef struct ref_used {
  int64_t price;
  int64_t used;
} ref_used;

static void overlay_walk_agrees_with_a_slow_reference(void **state) {
  (void)state;
  uint64_t seed = bk_t_seed(), s = seed;
  for (int iter = 0; iter < 2000; iter++) {
    bk_book *b = bk_book_new(P("0.5"));
    int side = (int)(bk_t_rand(&s) % 2) + 1;
    /* up to 300 levels: a walk is not capped at any number of levels */
    int nl = (int)(bk_t_rand(&s) % 300) + 1;
    for (int i = 0; i < nl; i++)
      assert_int_equal(bk_book_set(b, side, P("1000") + (int64_t)(bk_t_rand(&s) % 1000) * P("0.5"),
                                   (int64_t)(bk_t_rand(&s) % 1000 + 1) * P("0.01")),
                       BK_OK);
    bk_liq_overlay o;
    bk_liq_overlay_init(&o, 0);
    ref_used used[1024];
    size_t nused = 0;
    int walks = (int)(bk_t_rand(&s) % 4) + 1;
    for (int wk = 0; wk < walks; wk++) {
      bk_walk w = {side, (int64_t)(bk_t_rand(&s) % 200000 + 1) * P("0.01"),
                   bk_t_rand(&s) % 3 ? 0 : P("1000") + (int64_t)(bk_t_rand(&s) % 1000) * P("0.5"),
                   (int64_t)(bk_t_rand(&s) % 100 + 1) * P("0.01"), NULL, NULL};
      const bk_fill *fills;
      size_t nf;
      int64_t filled;
      assert_int_equal(bk_liq_walk(&o, 0, b, &w, 0, &fills, &nf, &filled), BK_OK);
      /* reference: every level best first, minus what earlier walks took there */
      bk_level lv[1024];
      size_t n = bk_book_levels(b, side, w.limit, lv, 1024);
      bk_fill ref[1024];
      size_t nr = 0;
      int64_t got = 0;
      for (size_t i = 0; i < n && got < w.qty; i++) {
        int64_t u = 0;
        for (size_t k = 0; k < nused; k++)
          if (used[k].price == lv[i].price) u = used[k].used;
        int64_t av = lv[i].qty - u;
        if (av <= 0) continue;
        int64_t take = (int64_t)((bk_i128)av * w.participation / BK_FX_SCALE);
        if (take > w.qty - got) take = w.qty - got;
        if (take <= 0) continue;
        ref[nr++] = (bk_fill){lv[i].price, take};
        got += take;
      }
      if (nf != nr || filled != got)
        fail_msg("seed %llu iter %d walk %d: %zu fills (%lld) vs reference %zu (%lld)",
                 (unsigned long long)seed, iter, wk, nf, (long long)filled, nr, (long long)got);
      for (size_t i = 0; i < nr; i++) {
        assert_true(fills[i].price == ref[i].price && fills[i].qty == ref[i].qty);
        size_t k = 0;
        while (k < nused && used[k].price != ref[i].price) k++;
        if (k == nused) used[nused++] = (ref_used){ref[i].price, 0};
        used[k].used += ref[i].qty;
      }
    }
    bk_liq_overlay_fini(&o);
    bk_book_free(b);
  }
}

/* ---- the trigger index against a scan of every account ---- */

static void trigger_index_visits_exactly_the_accounts_a_full_scan_finds(void **state) {
  (void)state;
  uint64_t seed = bk_t_seed(), s = seed;
  bk_policy pol;
  bk_policy_default(&pol);
  bk_policy_set_fund(&pol, "USDT", P("1000000000"), NULL);
  bk_policy_set_fund(&pol, "BTC", P("1000000"), NULL);
  bk_contract cs[3] = {contract(BK_LINEAR, "0.1", "1", "0.005"),
                       contract(BK_INVERSE, "0.5", "100", "0.005"),
                       contract(BK_LINEAR, "0.1", "1", "0.01")};
  cs[1].settle = 1;
  bk_asset assets[2] = {{"USDT", BK_FX(1), 0}, {"BTC", BK_FX(1), 0}};
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(&pol, cs, 3, assets, 2, &r, &err);
  assert_non_null(r);
  r->check = 2;
  for (uint32_t k = 0; k < 3; k++) bk_risk_set_mark(r, k, P("30000"));
  enum { N = 2000 };
  for (int i = 0; i < N; i++) {
    uint32_t id;
    int inv = bk_t_rand(&s) % 4 == 0;
    assert_int_equal(bk_risk_add_account(r, inv ? 1 : 0,
                                         inv ? (int64_t)(bk_t_rand(&s) % 100 + 1) * P("0.001")
                                             : (int64_t)(bk_t_rand(&s) % 3000 + 50) * BK_FX(1),
                                         &id),
                     BK_OK);
    int64_t sz = inv ? (int64_t)(bk_t_rand(&s) % 100 + 1) * BK_FX(1)
                     : (int64_t)(bk_t_rand(&s) % 100 + 1) * P("0.01");
    if (bk_t_rand(&s) % 2) sz = -sz;
    int64_t px = P("30000") + ((int64_t)(bk_t_rand(&s) % 1001) - 500) * P("1");
    assert_int_equal(bk_risk_trade(r, id, (uint32_t)inv, sz, px), BK_OK);
    /* some linear accounts hold a second position: the fallback list */
    if (!inv && bk_t_rand(&s) % 10 == 0)
      assert_int_equal(bk_risk_trade(r, id, 2, -sz / 2, px), BK_OK);
  }
  int64_t m[3] = {P("30000"), P("30000"), P("30000")};
  unsigned char *want = calloc(N, 1);
  assert_non_null(want);
  int total = 0;
  for (int t = 0; t < 300; t++) {
    uint32_t k = (uint32_t)(bk_t_rand(&s) % 3);
    m[k] += ((int64_t)(bk_t_rand(&s) % 401) - 200) * P("1");
    /* the slow way: every account, at the new mark; those that hold this contract (or
       several) must be liquidated now, the others wait for their own contract's mark */
    int64_t old = r->mark[k];
    r->mark[k] = m[k];
    int nwant = 0;
    for (uint32_t id = 0; id < N; id++) {
      const bk_account *a = &r->acct[id];
      int concerned = a->npos > 1 || bk_acct_find(a, k) >= 0;
      want[id] = (unsigned char)(concerned && bk_acct_liquidatable(&r->env, a, NULL));
      nwant += want[id];
    }
    r->mark[k] = old;
    size_t before = r->nrecs;
    uint64_t visited = r->visited;
    bk_rc rc = bk_risk_on_mark(r, k, m[k], t, NULL);
    if (rc) fail_msg("seed %llu step %d: %s", (unsigned long long)seed, t, r->err.msg);
    int got = 0;
    for (size_t i = before; i < r->nrecs; i++) {
      if (!want[r->recs[i].acct])
        fail_msg("seed %llu step %d: account %u liquidated but a scan says it is safe",
                 (unsigned long long)seed, t, r->recs[i].acct);
      if (want[r->recs[i].acct] == 1) got++;
      want[r->recs[i].acct] = 2;
    }
    if (got != nwant)
      fail_msg("seed %llu step %d: the index liquidated %d accounts, a scan finds %d",
               (unsigned long long)seed, t, got, nwant);
    assert_true(r->visited - visited < (uint64_t)N); /* never a full scan */
    total += got;
  }
  printf("trigger index: %d liquidations over 300 marks, %llu accounts visited in all\n", total,
         (unsigned long long)r->visited);
  assert_true(total > 20);
  free(want);
  bk_risk_free(r);
}

static void trigger_heaps_stay_bounded_when_accounts_are_reindexed(void **state) {
  (void)state;
  bk_trigger t;
  assert_int_equal(bk_trig_init(&t, 1), BK_OK);
  assert_int_equal(bk_trig_reserve(&t, 100), BK_OK);
  for (int round = 0; round < 200; round++)
    for (uint32_t a = 0; a < 100; a++)
      assert_int_equal(bk_trig_set(&t, a, 0, 1, BK_FX(1000) + round * 100 + (int64_t)a), BK_OK);
  assert_true(t.longs[0].n <= 2 * 100 + 64 + 1);
  /* only the live (last) trigger of each account counts: 100 accounts at 20,900..20,999
     in fixed-point units, crossed by a mark just at the lowest */
  uint32_t *out = NULL;
  size_t n = 0, cap = 0;
  assert_int_equal(bk_trig_pop_crossed(&t, 0, BK_FX(1000) + 199 * 100 + 50, &out, &n, &cap),
                   BK_OK);
  assert_int_equal((int)n, 50); /* accounts 50..99 */
  for (size_t i = 0; i < n; i++) assert_true(out[i] >= 50);
  free(out);
  bk_trig_fini(&t);
}

/* The fund's inventory averages entries like an exchange position: by size on a linear
 * contract, harmonically (by contracts over price) on an inverse one, rounded against the
 * fund, exactly up to the largest sizes and prices. */
static void fund_inventory_averages_entries_exactly(void **state) {
  (void)state;
  bk_fund f;
  int64_t realized;
  bk_contract lin = contract(BK_LINEAR, "0.01", "1", "0.01");
  bk_contract inv = contract(BK_INVERSE, "0.5", "100", "0.005");
  assert_int_equal(bk_fund_init(&f, 2), BK_OK);
  assert_int_equal(bk_fund_trade(&f, &lin, 0, P("1"), P("100"), &realized), BK_OK);
  assert_int_equal(bk_fund_trade(&f, &lin, 0, P("3"), P("200"), &realized), BK_OK);
  assert_true(f.inv[0].size == P("4") && f.inv[0].entry == P("175"));
  /* 2 / (1/100 + 1/200) = 133.3333333..., rounded up for a long */
  assert_int_equal(bk_fund_trade(&f, &inv, 1, P("1"), P("100"), &realized), BK_OK);
  assert_int_equal(bk_fund_trade(&f, &inv, 1, P("1"), P("200"), &realized), BK_OK);
  assert_true(f.inv[1].size == P("2") && f.inv[1].entry == P("133.33333334"));
  /* a short of the same: rounded down */
  bk_fund_fini(&f);
  assert_int_equal(bk_fund_init(&f, 2), BK_OK);
  assert_int_equal(bk_fund_trade(&f, &inv, 1, P("-1"), P("100"), &realized), BK_OK);
  assert_int_equal(bk_fund_trade(&f, &inv, 1, P("-1"), P("200"), &realized), BK_OK);
  assert_true(f.inv[1].entry == P("133.33333333"));
  /* the largest sizes at the largest price still fit the 128-bit sums exactly */
  f.inv[0] = (bk_fund_pos){INT64_MAX / 2, INT64_MAX};
  assert_int_equal(bk_fund_trade(&f, &lin, 0, INT64_MAX / 2, INT64_MAX, &realized), BK_OK);
  assert_true(f.inv[0].size == INT64_MAX - 1 && f.inv[0].entry == INT64_MAX);
  f.inv[1] = (bk_fund_pos){INT64_MAX / 2, INT64_MAX};
  assert_int_equal(bk_fund_trade(&f, &inv, 1, INT64_MAX / 2, INT64_MAX, &realized), BK_OK);
  assert_true(f.inv[1].size == INT64_MAX - 1 && f.inv[1].entry == INT64_MAX);
  /* a sum of sizes that would be INT64_MIN, and INT64_MIN itself, have no |size| */
  f.inv[0] = (bk_fund_pos){INT64_MIN / 2, P("1")};
  assert_int_equal(bk_fund_trade(&f, &lin, 0, INT64_MIN / 2, P("1"), &realized), BK_ERANGE);
  assert_true(f.inv[0].size == INT64_MIN / 2); /* unchanged */
  assert_int_equal(bk_fund_trade(&f, &lin, 0, INT64_MIN, P("1"), &realized), BK_ERANGE);
  bk_fund_fini(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t7_dydx_max_spread_7_5_fund_covers_5_5),
      cmocka_unit_test(t8_dydx_fillable_9985_or_9775_bankruptcy_9850_fund_pays_75),
      cmocka_unit_test(t9_drift_insurance_fee_3_325_percent),
      cmocka_unit_test(liq_walks_three_levels_and_the_surplus_goes_to_the_fund),
      cmocka_unit_test(liq_deficit_is_paid_by_the_fund),
      cmocka_unit_test(liq_fee_penalty_is_capped_by_what_is_left),
      cmocka_unit_test(isolated_liquidation_never_touches_the_cross_cash),
      cmocka_unit_test(inverse_long_liquidated_in_a_crash_leaves_a_deficit_in_coin),
      cmocka_unit_test(back_to_back_liquidations_see_less_depth_than_one),
      cmocka_unit_test(consumed_depth_halves_every_halflife),
      cmocka_unit_test(slicing_waits_for_the_cooldown),
      cmocka_unit_test(takeover_puts_the_rest_in_fund_inventory_marked_to_market),
      cmocka_unit_test(fee_is_capped_by_what_is_left_after_the_takeover),
      cmocka_unit_test(penalty_scales_with_realized_volatility),
      cmocka_unit_test(participation_scales_down_on_a_thin_book),
      cmocka_unit_test(the_walk_goes_as_deep_as_the_book_allows),
      cmocka_unit_test(an_open_isolated_positions_fee_is_capped_by_its_equity),
      cmocka_unit_test(a_cross_pool_of_seventy_contracts_is_closed_whole),
      cmocka_unit_test(depth_scaling_counts_every_level_in_the_band),
      cmocka_unit_test(overlay_walk_agrees_with_a_slow_reference),
      cmocka_unit_test(consumed_depth_that_decayed_away_leaves_the_table),
      cmocka_unit_test(trigger_index_visits_exactly_the_accounts_a_full_scan_finds),
      cmocka_unit_test(trigger_heaps_stay_bounded_when_accounts_are_reindexed),
      cmocka_unit_test(fund_inventory_averages_entries_exactly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
