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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fixed.h"
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

/* n coins (BTC, ETH, SOL: asset k settles inverse contract k) at marks (USD), and an
 * account per coin (id k): ETH's, the one with deficits, empty, the others with 1 coin.
 * A shadow run when shadow is set. */
static bk_risk *coins(const bk_policy *pol, int shadow, size_t n, const char *const *marks) {
  bk_contract c[3] = {inverse(0, "100"), inverse(1, "10"), inverse(2, "10")};
  bk_asset a[3] = {{"BTC", BK_FX(1), 0}, {"ETH", BK_FX(1), 0}, {"SOL", BK_FX(1), 0}};
  bk_risk *r = NULL;
  bk_err err;
  if ((shadow ? bk_risk_new_shadow : bk_risk_new)(pol, c, n, a, n, &r, &err))
    fail_msg("%s", err.msg);
  r->check = 2;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t id;
    bk_risk_set_mark(r, k, P(marks[k]));
    assert_int_equal(bk_risk_add_account(r, k, k == 1 ? 0 : P("1"), &id), BK_OK);
  }
  return r;
}

/* BTC at 70,000 and ETH at 2,345.67. */
static bk_risk *two_coins(const bk_policy *pol) {
  static const char *const marks[] = {"70000", "2345.67"};
  return coins(pol, 0, 2, marks);
}

/* The account of asset pays its fund a liquidation fee of `amount` coins. */
static void fee(bk_risk *r, uint32_t asset, const char *amount) {
  assert_int_equal(bk_xfer_pay(r, BK_XFER_PARTY(asset), &r->acct[asset].cash, BK_PARTY_FUND,
                               bk_xfer_fund_cash(r, asset), asset, BK_CAUSE_LIQ_FEE, P(amount)),
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
  pol->pools[0] = (bk_pool_spec){"coinm", "USD", {"*"}, 1, 0};
}

static void a_pool_pays_an_eth_deficit_with_btc_from_fees(void **state) {
  (void)state;
  bk_policy pol;
  pooled(&pol);
  bk_risk *r = two_coins(&pol);
  fee(r, 0, "0.01");
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
  fee(r, 0, "0.01");
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

/* A pooled payment stops at what the conversions raised: BTC at 100 USD and SOL at 200
 * each brought 0.01 coin in fees (1 and 2 USD), and ETH at 3 USD has a 1 ETH deficit. */
static void a_pooled_payment_stops_at_what_the_conversions_raised(void **state) {
  (void)state;
  static const char *const marks[] = {"100", "3", "200"};
  bk_policy pol;
  pooled(&pol);
  bk_risk *r = coins(&pol, 0, 3, marks);
  fee(r, 0, "0.01");
  fee(r, 2, "0.01");
  /* the pool is worth 1 + 2 = 3 USD, the deficit 1 × 3 = 3 USD: the trigger lets it pay
     all. Selling all 0.01 BTC buys floor(0.01 × 100 / 3) = floor(0.3333333333…) =
     0.33333333 ETH; the 0.66666667 ETH still short would take ceil(0.66666667 × 3 / 200)
     = ceil(0.0100000000…5) = 0.01000001 SOL, more than the 0.01 held, so all of it buys
     floor(0.01 × 200 / 3) = floor(0.6666666666…) = 0.66666666 ETH. The fund holds
     0.99999999 ETH: it pays that, and the last 1e-8 ETH is nobody's */
  eth_deficit(r, "1");
  assert_true(r->fund.cash[0] == 0 && r->fund.cash[2] == 0);
  assert_true(r->fund.cash[1] == 0); /* not -1e-8 */
  assert_true(r->ledger.fund_out[BK_CAUSE_DEFICIT][1] == P("0.99999999"));
  assert_true(r->wf.uncovered[1] == P("0.00000001"));
  assert_true(r->acct[1].cash == P("1"));
  bk_risk_free(r);
}

/* An empty pool of BTC (70,000 USD) and ETH pays two 1 ETH deficits, the first at ETH
 * 2,000 and the second after ETH moved to `later`; a shadow run when shadow is set. */
static bk_risk *two_eth_deficits(const bk_policy *pol, int shadow, const char *later) {
  static const char *const marks[] = {"70000", "2000"};
  bk_risk *r = coins(pol, shadow, 2, marks);
  eth_deficit(r, "1");
  bk_risk_set_mark(r, 1, P(later));
  eth_deficit(r, "1");
  return r;
}

/* A pool's safe fund is held in its currency: what the pool could not pay is owed in USD
 * at the price it was paid at, not in ETH at every later price. */
static void a_pools_safe_fund_is_held_in_its_currency(void **state) {
  (void)state;
  bk_policy pol;
  pooled(&pol);
  /* the first deficit costs 1 × 2,000 = 2,000 USD. ETH falls to 1,000: the second costs
     1 × 1,000, so 2,000 + 1,000 = 3,000 USD (owed in ETH it would be 2 × 1,000 = 2,000) */
  bk_risk *r = two_eth_deficits(&pol, 1, "1000");
  assert_true(bk_risk_pool_safe_fund(r, 0) == P("3000"));
  assert_true(r->pool_cash[0] == -P("3000"));
  assert_true(r->fund.cash[1] == 0 && r->wf.uncovered[1] == 0);
  bk_risk_free(r);
  /* ETH rises to 4,000 instead: 2,000 + 4,000 = 6,000 USD (in ETH: 2 × 4,000 = 8,000) */
  r = two_eth_deficits(&pol, 1, "4000");
  assert_true(bk_risk_pool_safe_fund(r, 0) == P("6000"));
  bk_risk_free(r);
}

/* A pool's own cash (`initial`, in its currency) pays once its members' cash is spent:
 * with the safe fund of the paths above nothing is left unpaid; with 1e-8 USD less the
 * second deficit is not paid in full. */
static void a_pool_started_at_its_safe_fund_pays_everything(void **state) {
  (void)state;
  static const struct {
    const char *later, *initial, *uncovered, *left;
  } cases[] = {
      {"1000", "3000", "0", "0"},
      /* 999.99999999 USD are left at ETH 1,000: 1 ETH would cost 1,000, so it pays the
         most that keeps its cash >= 0, 0.99999999 ETH for 999.99999 USD; 1e-8 ETH is
         nobody's and 0.00000999 USD stay */
      {"1000", "2999.99999999", "0.00000001", "0.00000999"},
      {"4000", "6000", "0", "0"},
      /* 3,999.99999999 USD at ETH 4,000: 0.99999999 ETH for 3,999.99996 USD */
      {"4000", "5999.99999999", "0.00000001", "0.00003999"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bk_policy pol;
    pooled(&pol);
    pol.pools[0].initial = P(cases[i].initial);
    bk_risk *r = two_eth_deficits(&pol, 0, cases[i].later);
    assert_true(r->wf.uncovered[1] == P(cases[i].uncovered));
    assert_true(r->pool_cash[0] == P(cases[i].left));
    assert_true(r->fund.cash[1] == 0);
    bk_risk_free(r);
  }
}

/* A pool's trigger at the end of an event on one coin looks at all its members: BTC's
 * fund holds 10 long contracts (100 USD each) entered at 70,000 and ETH's fund 0.1 ETH.
 * BTC falls to 60,000: the inventory's PnL is 10 × 100 × (1/70,000 − 1/60,000) =
 * −0.0023809523… BTC, down to −0.00238096, × 60,000 = −142.8576 USD; with 0.1 × 2,000 =
 * 200 USD of ETH the pool holds 57.1424 USD. ETH then falls to 1,000 on an event of the
 * ETH contract, whose fund holds no inventory: 100 − 142.8576 = −42.8576 USD, so the
 * trigger fires there and BTC's inventory is deleveraged at its mark against the short.
 * The shadow's safe fund is that low, 42.8576 USD; with 1e-8 less the pool is past its
 * trigger at the same event. Returns the run (a shadow when shadow is set). */
static bk_risk *a_member_falls_on_the_others_inventory(const bk_policy *pol, int shadow) {
  static const char *const marks[] = {"70000", "2000"};
  const bk_book *books[2] = {NULL, NULL};
  bk_risk *r = coins(pol, shadow, 2, marks);
  uint32_t eth;
  assert_int_equal(bk_risk_add_account(r, 1, P("1"), &eth), BK_OK);
  assert_int_equal(bk_xfer_pay(r, BK_XFER_PARTY(eth), &r->acct[eth].cash, BK_PARTY_FUND,
                               bk_xfer_fund_cash(r, 1), 1, BK_CAUSE_LIQ_FEE, P("0.1")),
                   BK_OK);
  assert_int_equal(bk_xfer_fund_trade(r, 0, P("10"), P("70000"), BK_CAUSE_TAKEOVER), BK_OK);
  assert_int_equal(bk_risk_trade(r, 0, 0, -P("10"), P("70000")), BK_OK); /* the short */
  if (bk_risk_on_mark(r, 0, P("60000"), 1, books)) fail_msg("%s", r->err.msg);
  assert_true(r->fund.inv[0].size == P("10") && r->nadl == 0);
  assert_true(bk_risk_pool_value(r, 0) == P("57.1424") + pol->pools[0].initial);
  if (bk_risk_on_mark(r, 1, P("1000"), 2, books)) fail_msg("%s", r->err.msg);
  return r;
}

static void a_pools_trigger_sees_a_member_fall_on_the_others_inventory(void **state) {
  (void)state;
  bk_policy pol;
  pooled(&pol);
  bk_risk *r = a_member_falls_on_the_others_inventory(&pol, 0);
  assert_true(r->fund.inv[0].size == 0);
  assert_int_equal((int)r->nadl, 1);
  assert_true(r->adl[0].from_fund && r->adl[0].counter_acct == 0);
  assert_true(r->adl[0].qty == P("10") && r->adl[0].price == P("60000"));
  /* realized at 60,000: BTC's cash is the PnL above, the pool's value the low */
  assert_true(r->fund.cash[0] == -P("0.00238096"));
  assert_true(bk_risk_pool_value(r, 0) == -P("42.8576"));
  bk_risk_free(r);
  r = a_member_falls_on_the_others_inventory(&pol, 1);
  assert_true(bk_risk_pool_safe_fund(r, 0) == P("42.8576"));
  assert_true(r->fund.inv[0].size == P("10")); /* a shadow acts on everything */
  bk_risk_free(r);
  for (int less = 0; less < 2; less++) {
    pol.pools[0].initial = P("42.8576") - less;
    r = a_member_falls_on_the_others_inventory(&pol, 0);
    assert_int_equal((int)r->nadl, less);
    assert_true(r->fund.inv[0].size == (less ? 0 : P("10")));
    bk_risk_free(r);
  }
}

/* An initial fund in a pool's currency would fund nothing: it is refused. */
static void an_initial_fund_in_the_pools_currency_is_refused(void **state) {
  (void)state;
  bk_policy pol;
  pooled(&pol);
  bk_err err;
  assert_int_equal(bk_policy_set_fund(&pol, "USD", P("1000"), &err), BK_OK);
  bk_contract c[2] = {inverse(0, "100"), inverse(1, "10")};
  bk_asset a[2] = {{"BTC", BK_FX(1), 0}, {"ETH", BK_FX(1), 0}};
  bk_risk *r = NULL;
  assert_int_equal(bk_risk_new(&pol, c, 2, a, 2, &r, &err), BK_ECONFIG);
  assert_null(r);
  assert_non_null(strstr(err.msg, "USD is not a settle asset of this run but the currency "
                                  "of pool coinm"));
}

/* --- the crash day (the data group) --------------------------------------------------- */

/* Writes into dir/NAME.json the crash-day scenario's shared policy with its pool's own
 * cash set to initial (e-8) and returns the path in buf. */
static const char *shared_policy(const char *name, int64_t initial, char *buf, size_t cap) {
  char amount[32], text[1024];
  bk_fx_format(initial, 8, BK_FLOOR, amount, sizeof amount);
  snprintf(text, sizeof text,
           "{\"name\": \"%s\", \"fees\": {\"maker\": \"0.0002\", \"taker\": \"0.0005\", "
           "\"fund_share\": \"0\"}, \"liquidation\": {\"penalty_mode\": \"fee\", "
           "\"penalty\": \"0.01\", \"participation\": \"0.5\", \"price_limit\": "
           "\"bankruptcy\", \"remainder\": \"takeover\", \"consumed_halflife_s\": \"1\"}, "
           "\"fund\": {\"offload\": \"gradual\", \"offload_share\": \"0.1\", \"pools\": "
           "[{\"name\": \"coinm\", \"assets\": [\"*\"], \"currency\": \"USD\", "
           "\"initial\": \"%s\"}]}, \"waterfall\": {\"trigger\": \"negative_equity\", "
           "\"action\": \"adl\", \"adl_ranking\": \"bitmex\"}}\n",
           name, amount);
  char file[64];
  snprintf(file, sizeof file, "%s.json", name);
  bk_t_tmp(file, buf, cap);
  bk_t_write(buf, text, strlen(text));
  return buf;
}

/* Runs the pooling scenario on the crash day's data with the given policy files (up to
 * two) into the scratch folder `out`, and loads its summary.csv (and pools.csv when
 * pools is given); with a terminal path, the summary the run prints goes there. */
static void crash_day(const char *out, const char *p1, const char *p2, bk_t_table *summary,
                      bk_t_table *pools, const char *terminal) {
  char data[4096], depth[8192], scen[4096], dir[4096], err[4096], path[8448];
  bk_t_data("binance-delivery-2025-10-10", data, sizeof data);
  snprintf(depth, sizeof depth, "%s/../binance-2025-10-10-depth-and-mark/"
           "BTCUSDT-bookDepth-2025-10-10.csv.gz", data);
  snprintf(scen, sizeof scen, "%s/data/scenarios/binance-2025-10-10-pooling.json",
           getenv("BK_SOURCE_DIR") ? getenv("BK_SOURCE_DIR") : ".");
  bk_t_tmp(out, dir, sizeof dir);
  bk_t_tmp("run.err", err, sizeof err);
  const char *args[14] = {"run"};
  size_t n = 1;
  if (!terminal) args[n++] = "--quiet";
  const char *rest[] = {"-o", dir, "--data", data, "--data", depth, "--policy", p1};
  for (size_t i = 0; i < sizeof rest / sizeof *rest; i++) args[n++] = rest[i];
  if (p2) {
    args[n++] = "--policy";
    args[n++] = p2;
  }
  args[n] = scen;
  if (bk_t_run(terminal, err, args) != 0) fail_msg("backstop run failed: %s", bk_t_slurp(err, NULL));
  snprintf(path, sizeof path, "%s/summary.csv", dir);
  bk_t_table_load(path, summary);
  snprintf(path, sizeof path, "%s/pools.csv", dir);
  if (pools) bk_t_table_load(path, pools);
}

/* Σ adl_notional over the rows of a policy in summary.csv. */
static int64_t adl_of(const bk_t_table *t, const char *policy) {
  int64_t sum = 0;
  for (size_t i = 0; i < t->rows; i++)
    if (strcmp(bk_t_cell(t, i, "policy"), policy) == 0) sum += bk_t_num(t, i, "adl_notional");
  return sum;
}

/* Every row of summary.csv adds up: inflows = Σ in_<cause>, outflows = Σ out_<cause>, and
 * fund_cash_end − fund_start = inflows − outflows, conversions, premiums and claims
 * included (docs/reports.md, "The fund's flows"); and each column is documented. */
static void flows_add_up(const bk_t_table *t) {
  bk_t_documented(t, "summary.csv");
  for (size_t r = 1; r < t->rows; r++) {
    int64_t in = 0, out = 0;
    for (size_t c = 0; c < t->cols; c++) {
      const char *name = t->cell[c];
      if (!strncmp(name, "in_", 3)) in += bk_t_num(t, r, name);
      if (!strncmp(name, "out_", 4)) out += bk_t_num(t, r, name);
    }
    assert_true(in == bk_t_num(t, r, "inflows"));
    assert_true(out == bk_t_num(t, r, "outflows"));
    assert_true(bk_t_num(t, r, "fund_cash_end") - bk_t_num(t, r, "fund_start") == in - out);
  }
}

/* docs/liquidation.md §9 and §11 on the crash day: the shared fund started with its
 * safe_initial_fund, held in USD, needs no ADL; with 1e-8 USD less it does. */
static void the_crash_days_safe_pool_fund_is_the_smallest_without_adl(void **state) {
  (void)state;
  char p0[4096], p1[4096], p2[4096];
  bk_t_table sum, pools;
  char term[4096];
  bk_t_tmp("empty.txt", term, sizeof term);
  crash_day("empty", shared_policy("empty", 0, p0, sizeof p0), NULL, &sum, &pools, term);
  assert_true(adl_of(&sum, "empty") > 0); /* with no fund the day needs ADL */
  flows_add_up(&sum);
  int64_t converted = 0; /* the sums hold with conversions among the flows */
  for (size_t r = 1; r < sum.rows; r++) converted += bk_t_num(&sum, r, "in_convert");
  assert_true(converted > 0);
  int64_t safe = bk_t_num(&pools, pools.rows - 1, "safe_initial_fund");
  assert_string_equal(bk_t_cell(&pools, pools.rows - 1, "settle_asset"), "all");
  /* the terminal gives a pooled coin its pool's safe fund, named, in the pool's currency
     (rounded half to even to 2 decimals), not a "?" */
  char want[128], v[48];
  bk_fx_format(safe, 2, BK_HALF_EVEN, v, sizeof v);
  snprintf(want, sizeof want, "smallest safe fund %s USD (the pool coinm)", v);
  char *said = bk_t_slurp(term, NULL);
  assert_non_null(said);
  if (!strstr(said, want)) fail_msg("the terminal does not say \"%s\":\n%s", want, said);
  assert_null(strstr(said, "safe fund ?"));
  free(said);
  bk_t_table_free(&sum);
  bk_t_table_free(&pools);
  crash_day("safe", shared_policy("safe", safe, p1, sizeof p1),
            shared_policy("less", safe - 1, p2, sizeof p2), &sum, NULL, NULL);
  assert_true(adl_of(&sum, "safe") == 0);
  assert_true(adl_of(&sum, "less") > 0);
  bk_t_table_free(&sum);
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
  fee(r, 0, "0.01234567");
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
  fee(r, 0, "0.01234567"); /* the layer holds 0.00123456 BTC = 86.4192 USD */
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

int main(int argc, char **argv) {
  if (bk_t_data_mode(argc, argv)) {
    const struct CMUnitTest data[] = {
        cmocka_unit_test(the_crash_days_safe_pool_fund_is_the_smallest_without_adl),
    };
    return bk_t_data_exit(cmocka_run_group_tests(data, NULL, NULL));
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_pool_pays_an_eth_deficit_with_btc_from_fees),
      cmocka_unit_test(isolated_funds_leave_the_same_deficit_uncovered),
      cmocka_unit_test(a_pool_asset_the_currency_cannot_price_is_refused),
      cmocka_unit_test(a_pooled_payment_stops_at_what_the_conversions_raised),
      cmocka_unit_test(a_pools_safe_fund_is_held_in_its_currency),
      cmocka_unit_test(a_pool_started_at_its_safe_fund_pays_everything),
      cmocka_unit_test(an_initial_fund_in_the_pools_currency_is_refused),
      cmocka_unit_test(a_pools_trigger_sees_a_member_fall_on_the_others_inventory),
      cmocka_unit_test(a_premium_is_a_share_of_the_fee_rounded_down),
      cmocka_unit_test(a_claim_stops_at_the_members_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
