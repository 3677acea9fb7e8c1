/*
 * The ledger and conservation: postings move money between two parties and keep the fund's
 * inflows by cause; funding and protocol revenue are posted with their causes and the
 * exchange's rounding; the conservation check holds after every event of a random run and
 * fires, naming the event, when a balance or a position is changed behind the ledger's back.
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
#include "engine/ledger.h"
#include "engine/risk.h"
#include "tests/testutil.h"

static void ledger_postings_balance_and_count_fund_causes(void **state) {
  (void)state;
  bk_ledger l;
  bk_ledger_init(&l, 1);
  assert_int_equal(bk_ledger_reserve(&l, 2), BK_OK);
  bk_ledger_stamp(&l, 5, 9);
  assert_int_equal(bk_ledger_post(&l, BK_PARTY_EXTERNAL, BK_PARTY_ACCT0, 0, BK_CAUSE_DEPOSIT,
                                  P("100")), BK_OK);
  assert_int_equal(bk_ledger_post(&l, BK_PARTY_ACCT0, BK_PARTY_FUND, 0, BK_CAUSE_LIQ_FEE,
                                  P("3")), BK_OK);
  assert_int_equal(bk_ledger_post(&l, BK_PARTY_FUND, BK_PARTY_ACCT0 + 1, 0, BK_CAUSE_DEFICIT,
                                  P("1")), BK_OK);
  assert_true(bk_ledger_balance(&l, BK_PARTY_ACCT0, 0) == P("97"));
  assert_true(bk_ledger_balance(&l, BK_PARTY_FUND, 0) == P("2"));
  assert_true(l.fund_in[BK_CAUSE_LIQ_FEE][0] == P("3"));
  assert_true(l.fund_out[BK_CAUSE_DEFICIT][0] == P("1"));
  assert_int_equal((int)l.n, 3);
  assert_true(l.v[1].ts == 5 && l.v[1].event == 9);
  /* errors leave it unchanged */
  assert_int_equal(bk_ledger_post(&l, BK_PARTY_FUND, BK_PARTY_ACCT0 + 7, 0, BK_CAUSE_DEFICIT,
                                  1), BK_EDATA);
  assert_int_equal(bk_ledger_post(&l, BK_PARTY_FUND, BK_PARTY_MARKET, 0, BK_CAUSE_PNL, -1),
                   BK_EDATA);
  assert_int_equal(bk_ledger_post(&l, BK_PARTY_MARKET, BK_PARTY_FUND, 0, BK_CAUSE_PNL,
                                  INT64_MAX), BK_ERANGE);
  assert_true(bk_ledger_balance(&l, BK_PARTY_FUND, 0) == P("2"));
  assert_int_equal((int)l.n, 3);
  assert_string_equal(bk_cause_name(BK_CAUSE_SPREAD), "remaining_margin");
  assert_string_equal(bk_cause_name(BK_CAUSE_SPREAD_CAPTURE), "spread_capture");
  bk_ledger_fini(&l);
}

static bk_contract linear(void) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_LINEAR;
  c.tick = P("0.1");
  c.contract_size = P("1");
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P("0.005"), -1, BK_FX(100)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

static void funding_longs_pay_shorts_with_the_exchange_rounding(void **state) {
  (void)state;
  bk_contract cs[2] = {linear(), linear()};
  cs[1].kind = BK_INVERSE;
  cs[1].contract_size = P("100");
  cs[1].settle = 1;
  bk_policy pol;
  bk_policy_default(&pol);
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(&pol, cs, 2, NULL, 0, &r, &err);
  assert_non_null(r);
  r->check = 2;
  bk_risk_set_mark(r, 0, P("30000"));
  bk_risk_set_mark(r, 1, P("30000"));
  uint32_t l, s, inv;
  assert_int_equal(bk_risk_add_account(r, 0, P("10000"), &l), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 0, P("10000"), &s), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 1, P("1"), &inv), BK_OK);
  assert_int_equal(bk_risk_trade(r, l, 0, P("0.3"), P("30000")), BK_OK);
  assert_int_equal(bk_risk_trade(r, s, 0, P("-0.3"), P("30000")), BK_OK);
  assert_int_equal(bk_risk_trade(r, inv, 1, P("7"), P("30000")), BK_OK);
  assert_int_equal(bk_risk_on_funding(r, 0, P("0.0001"), 8), BK_OK);
  /* 0.3 × 30,000 × 0.0001 = 0.9 each way */
  assert_true(r->acct[l].cash == P("10000") - P("0.9"));
  assert_true(r->acct[s].cash == P("10000") + P("0.9"));
  /* inverse: 7 × 100 / 30,000 × 0.0001 = 0.0000023333… BTC: the payer pays 0.00000234 */
  assert_int_equal(bk_risk_on_funding(r, 1, P("0.0001"), 9), BK_OK);
  assert_true(r->acct[inv].cash == P("1") - P("0.00000234"));
  /* a negative rate: the long receives, rounded down */
  assert_int_equal(bk_risk_on_funding(r, 1, P("-0.0001"), 10), BK_OK);
  assert_true(r->acct[inv].cash == P("1") - P("0.00000234") + P("0.00000233"));
  /* a run keeps no entries: memory does not grow with the postings */
  assert_true(r->ledger.postings > 0 && r->ledger.n == 0);
  bk_risk_free(r);
}

static void protocol_revenue_is_the_fund_share_of_fees_on_replayed_volume(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol); /* maker 0.02 %, taker 0.05 % */
  pol.fund_share = P("0.1");
  bk_contract c = linear();
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(&pol, &c, 1, NULL, 0, &r, &err);
  assert_non_null(r);
  r->check = 2;
  assert_int_equal(bk_risk_on_trade(r, 0, BK_BUY, P("30000"), P("2"), 1), BK_OK);
  /* 60,000 × 0.07 % × 10 % = 4.2 */
  assert_true(r->ledger.fund_in[BK_CAUSE_PROTOCOL_REVENUE][0] == P("4.2"));
  assert_true(r->fund.cash[0] == P("4.2"));
  bk_risk_free(r);
}

/* Three policies side by side over one random market (one shared book): takeover with a
 * gradual offload, socialization of deficits from unlimited fills, ADL from an empty
 * fund. Conservation is checked after every event of each. */
static void conservation_holds_on_every_event_of_a_random_run(void **state) {
  (void)state;
  uint64_t seed = bk_t_seed();
  bk_policy pol[4];
  for (int k = 0; k < 4; k++) {
    bk_policy_default(&pol[k]);
    pol[k].fund_share = P("0.2");
  }
  bk_policy_set_fund(&pol[0], "", P("50000"), NULL);
  pol[0].offload = BK_OFFLOAD_GRADUAL;
  pol[1].price_limit = BK_LIMIT_NONE;
  pol[1].remainder = BK_REM_WATERFALL;
  pol[1].wf_action = BK_WF_SOCIALIZE;
  pol[1].penalty_mode = BK_PEN_REMAINING;
  pol[2].participation = P("0.3");
  pol[2].adl_rank = BK_ADL_HYPERLIQUID;
  pol[3] = pol[2]; /* a twin, for determinism */
  bk_contract c = linear();
  bk_risk *r[4];
  for (int k = 0; k < 4; k++) {
    bk_err err;
    bk_risk_new(&pol[k], &c, 1, NULL, 0, &r[k], &err);
    assert_non_null(r[k]);
    r[k]->check = 2;
    bk_risk_set_mark(r[k], 0, P("30000"));
    uint64_t s = seed; /* the same population in every policy */
    for (int i = 0; i < 300; i++) {
      uint32_t id;
      assert_int_equal(bk_risk_add_account(r[k], 0, (int64_t)(bk_t_rand(&s) % 5000 + 100) * BK_FX(1), &id),
                       BK_OK);
      int64_t size = (int64_t)(bk_t_rand(&s) % 200 + 1) * P("0.01");
      if (bk_t_rand(&s) % 2) size = -size;
      int64_t px = P("30000") + (int64_t)(bk_t_rand(&s) % 2001) * P("1") - P("1000");
      assert_int_equal(bk_risk_trade(r[k], id, 0, size, px), BK_OK);
    }
  }
  uint64_t s = seed ^ 0x5eed;
  bk_book *b = bk_book_new(P("0.1"));
  int64_t m = P("30000");
  for (int t = 0; t < 400; t++) {
    m += ((int64_t)(bk_t_rand(&s) % 601) - 300) * P("1");
    bk_book_clear(b);
    for (int k = 1; k <= 20; k++) {
      assert_int_equal(bk_book_set(b, BK_BID, m - k * P("5"), (int64_t)(bk_t_rand(&s) % 50 + 1) * P("0.1")), BK_OK);
      assert_int_equal(bk_book_set(b, BK_ASK, m + k * P("5"), (int64_t)(bk_t_rand(&s) % 50 + 1) * P("0.1")), BK_OK);
    }
    const bk_book *books[1] = {b};
    for (int k = 0; k < 4; k++) {
      bk_rc rc = bk_risk_on_mark(r[k], 0, m, t * INT64_C(1000000), books);
      if (rc) fail_msg("seed %llu policy %d step %d: %s", (unsigned long long)seed, k, t, r[k]->err.msg);
      if (t % 50 == 0) assert_int_equal(bk_risk_on_funding(r[k], 0, P("0.0001"), t), BK_OK);
      assert_int_equal(bk_risk_on_trade(r[k], 0, BK_BUY, m, P("0.5"), t), BK_OK);
    }
  }
  for (int k = 0; k < 3; k++) {
    printf("policy %d: %zu liquidation steps, %zu ADL, socialized %lld e-8, fund %lld e-8\n", k,
           r[k]->nrecs, r[k]->nadl, (long long)r[k]->ledger.sink_in[BK_CAUSE_SOCIALIZED][0],
           (long long)bk_risk_fund_equity(r[k], 0));
    assert_true(r[k]->nrecs > 10);
    assert_int_equal(bk_risk_check(r[k]), BK_OK);
  }
  assert_true(r[1]->ledger.sink_in[BK_CAUSE_SOCIALIZED][0] > 0 ||
              r[1]->ledger.fund_out[BK_CAUSE_DEFICIT][0] > 0);
  assert_true(r[2]->nadl > 0);
  /* the same inputs give the same ledger, entry for entry, and the same liquidations */
  assert_int_equal(r[2]->ledger.postings, r[3]->ledger.postings);
  assert_int_equal(memcmp(r[2]->ledger.fixed, r[3]->ledger.fixed, sizeof r[2]->ledger.fixed), 0);
  assert_int_equal(memcmp(r[2]->ledger.fund_in, r[3]->ledger.fund_in, sizeof r[2]->ledger.fund_in), 0);
  assert_int_equal(memcmp(r[2]->ledger.fund_out, r[3]->ledger.fund_out, sizeof r[2]->ledger.fund_out), 0);
  for (size_t i = 0; i < r[2]->nacct; i++)
    assert_true(r[2]->ledger.acct[i] == r[3]->ledger.acct[i]);
  assert_int_equal(r[2]->nrecs, r[3]->nrecs);
  assert_int_equal(memcmp(r[2]->recs, r[3]->recs, r[2]->nrecs * sizeof(bk_liq_rec)), 0);
  bk_book_free(b);
  for (int k = 0; k < 4; k++) bk_risk_free(r[k]);
}

static void conservation_check_fires_when_broken_on_purpose(void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  bk_contract c = linear();
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(&pol, &c, 1, NULL, 0, &r, &err);
  assert_non_null(r);
  r->check = 2; /* a full recount after every event */
  bk_risk_set_mark(r, 0, P("30000"));
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P("1000"), &id), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, 0, P("0.1"), P("30000")), BK_OK);
  assert_int_equal(bk_risk_on_mark(r, 0, P("30010"), 1, NULL), BK_OK);
  /* money appears in an account without a posting */
  r->acct[id].cash += 1;
  assert_int_equal(bk_risk_on_mark(r, 0, P("30020"), 2, NULL), BK_EINVARIANT);
  assert_non_null(strstr(r->err.msg, "event 2"));
  assert_non_null(strstr(r->err.msg, "account 0"));
  r->acct[id].cash -= 1;
  assert_int_equal(bk_risk_check(r), BK_OK);
  /* the fund's cash drifts from the ledger */
  r->fund.cash[0] -= 5;
  assert_int_equal(bk_risk_check(r), BK_EINVARIANT);
  assert_non_null(strstr(r->err.msg, "fund cash"));
  r->fund.cash[0] += 5;
  /* a position appears out of nowhere: long OI no longer equals short OI */
  r->acct[id].pos[0].size += P("0.01");
  assert_int_equal(bk_risk_on_trade(r, 0, BK_BUY, P("30000"), P("1"), 3), BK_EINVARIANT);
  assert_non_null(strstr(r->err.msg, "open interest"));
  assert_non_null(strstr(r->err.msg, "event 3"));
  r->acct[id].pos[0].size -= P("0.01");
  /* a posting to a party nobody holds for breaks the ledger's sum */
  r->ledger.fixed[BK_PARTY_MARKET][0] += 7;
  assert_int_equal(bk_risk_check(r), BK_EINVARIANT);
  assert_non_null(strstr(r->err.msg, "sums to"));
  bk_risk_free(r);
}

static void per_event_check_finds_touched_breaks_at_once_and_hidden_ones_at_the_recount(
    void **state) {
  (void)state;
  bk_policy pol;
  bk_policy_default(&pol);
  bk_contract c = linear();
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(&pol, &c, 1, NULL, 0, &r, &err);
  assert_non_null(r);
  r->check = 1; /* what each event touched, and a full recount every BK_RISK_FULL_CHECK */
  bk_risk_set_mark(r, 0, P("30000"));
  uint32_t id;
  assert_int_equal(bk_risk_add_account(r, 0, P("1000"), &id), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, 0, P("0.1"), P("30000")), BK_OK);
  /* a break in an account the next event pays funding to is found by that event */
  r->acct[id].cash += 1;
  assert_int_equal(bk_risk_on_funding(r, 0, P("0.0001"), 1), BK_EINVARIANT);
  assert_non_null(strstr(r->err.msg, "account 0"));
  r->acct[id].cash -= 1;
  assert_int_equal(bk_risk_check(r), BK_OK);
  /* a break in an account no event touches is found by the next full recount: no
     earlier, and no later */
  r->acct[id].cash += 1;
  bk_rc rc = BK_OK;
  while (!rc) rc = bk_risk_on_mark(r, 0, (r->event & 1) ? P("30010") : P("30020"), 2, NULL);
  assert_int_equal(rc, BK_EINVARIANT);
  assert_true(r->event % BK_RISK_FULL_CHECK == 0);
  assert_true(r->event <= BK_RISK_FULL_CHECK + 2);
  bk_risk_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ledger_postings_balance_and_count_fund_causes),
      cmocka_unit_test(funding_longs_pay_shorts_with_the_exchange_rounding),
      cmocka_unit_test(protocol_revenue_is_the_fund_share_of_fees_on_replayed_volume),
      cmocka_unit_test(conservation_holds_on_every_event_of_a_random_run),
      cmocka_unit_test(conservation_check_fires_when_broken_on_purpose),
      cmocka_unit_test(
          per_event_check_finds_touched_breaks_at_once_and_hidden_ones_at_the_recount),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
