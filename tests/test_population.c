/*
 * Populations (strategies/) and accounts files (config/accounts_file.c): the seeded draws
 * and their distributions, whole-lot sizing against a slow reference, deposits and
 * bankruptcy-price entries against hand-computed figures, the accounts file readers and
 * their errors, and each population end to end through a scripted simulation: explicit
 * accounts open as written, synthetic accounts enter at real trade prices and meet their
 * open-interest target and draw a coin's accounts from its own stream whatever other
 * coins run, a scripted crash liquidates the highest leverage first, and
 * liquidation prints become accounts bankrupt at the printed price.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/accounts_file.h"
#include "engine/fixed.h"
#include "engine/instrument.h"
#include "engine/market.h"
#include "engine/replay.h"
#include "engine/rng.h"
#include "engine/sim.h"
#include "feeds/merge.h"
#include "strategies/pop_accounts.h"
#include "strategies/pop_liqprint.h"
#include "strategies/pop_synth.h"
#include "strategies/sizing.h"
#include "tests/testutil.h"

static bk_contract linear_contract(const char *tick) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_LINEAR;
  c.tick = P(tick);
  c.contract_size = BK_FX(1);
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P("0.005"), -1, BK_FX(125)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

static bk_contract inverse_contract(const char *tick) {
  bk_contract c = linear_contract(tick);
  c.kind = BK_INVERSE;
  c.contract_size = BK_FX(10);
  return c;
}

/* ---- generator and leverage draws ---- */

static void rng_is_deterministic_and_below_is_in_range(void **state) {
  (void)state;
  uint64_t a = 42, b = 42, c = 43;
  int differs = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = bk_rng_next(&a), y = bk_rng_next(&b), z = bk_rng_next(&c);
    assert_true(x == y);
    differs |= x != z;
  }
  assert_true(differs);
  /* splitmix64's published first output for seed 0 */
  uint64_t s0 = 0;
  assert_true(bk_rng_next(&s0) == UINT64_C(0xe220a8397b1dcdaf));
  uint64_t s = bk_t_seed();
  for (int i = 0; i < 100000; i++) {
    uint64_t n = (bk_t_rand(&s) % 1000) + 1;
    assert_true(bk_rng_below(&s, n) < n);
  }
  assert_true(bk_rng_below(&s, 1) == 0);
}

/* Pearson's statistic of counts against expected probabilities. */
static double chi2(const uint64_t *count, const double *p, size_t k, uint64_t n) {
  double x = 0;
  for (size_t i = 0; i < k; i++) {
    double e = p[i] * (double)n;
    x += ((double)count[i] - e) * ((double)count[i] - e) / e;
  }
  return x;
}

static void discrete_leverage_follows_its_weights(void **state) {
  (void)state;
  bk_lev_config c;
  bk_lev_config_default(&c);
  bk_lev_table t;
  assert_int_equal(bk_lev_build(&c, &t, NULL), BK_OK);
  uint64_t seed = bk_t_seed(), rng = seed;
  enum { N = 100000 };
  uint64_t count[BK_LEV_POINTS] = {0};
  double p[BK_LEV_POINTS], total = 0;
  for (size_t i = 0; i < c.n; i++) total += c.weight[i];
  for (size_t i = 0; i < c.n; i++) p[i] = c.weight[i] / total;
  for (int d = 0; d < N; d++) {
    int64_t l = bk_lev_draw(&t, &rng);
    size_t i = 0;
    while (i < c.n && c.lev[i] != l) i++;
    assert_true(i < c.n);
    count[i]++;
  }
  /* 5 degrees of freedom: P(chi2 > 20.52) = 0.001 */
  double x = chi2(count, p, c.n, N);
  if (x > 20.52) fail_msg("chi-square %.2f over 5 dof (seed %llu)", x, (unsigned long long)seed);
  /* the same seed draws the same sequence */
  uint64_t r1 = 99, r2 = 99;
  for (int d = 0; d < 1000; d++) assert_true(bk_lev_draw(&t, &r1) == bk_lev_draw(&t, &r2));
  /* two in three at 10-50x, as the default promises */
  assert_true(fabs(p[2] + p[3] + p[4] - 0.67) < 1e-9);
}

static void loguniform_leverage_follows_the_log_cdf(void **state) {
  (void)state;
  bk_lev_config c;
  memset(&c, 0, sizeof c);
  c.kind = BK_LEV_LOGUNIFORM;
  c.min = BK_FX(2);
  c.max = BK_FX(100);
  bk_lev_table t;
  assert_int_equal(bk_lev_build(&c, &t, NULL), BK_OK);
  assert_int_equal((int)t.n, 99);
  /* expected: probability that a continuous log-uniform draw on [2, 100] rounds to k */
  double p[99];
  for (int k = 2; k <= 100; k++) {
    double lo = k - 0.5 < 2 ? 2 : k - 0.5, hi = k + 0.5 > 100 ? 100 : k + 0.5;
    p[k - 2] = log(hi / lo) / log(50.0);
    double w = (double)(t.cum[k - 2] - (k > 2 ? t.cum[k - 3] : 0)) / (double)t.cum[98];
    assert_true(fabs(w - p[k - 2]) < 1e-7); /* the integer weights are the log weights */
  }
  uint64_t seed = bk_t_seed(), rng = seed;
  enum { N = 100000 };
  uint64_t count[99] = {0};
  for (int d = 0; d < N; d++) {
    int64_t l = bk_lev_draw(&t, &rng);
    assert_true(l % BK_FX_SCALE == 0 && l >= BK_FX(2) && l <= BK_FX(100));
    count[l / BK_FX_SCALE - 2]++;
  }
  /* 98 degrees of freedom: P(chi2 > 148.2) ~ 0.001 */
  double x = chi2(count, p, 99, N);
  if (x > 148.2) fail_msg("chi-square %.2f over 98 dof (seed %llu)", x, (unsigned long long)seed);
  /* half the draws below the geometric mean sqrt(200) = 14.1 */
  uint64_t below = 0;
  for (int k = 2; k <= 14; k++) below += count[k - 2];
  assert_true(below > N * 0.47 && below < N * 0.51);
  /* out of range configurations are refused and leave the table alone */
  c.min = BK_FX(1) / 2;
  bk_err err;
  assert_int_equal(bk_lev_build(&c, &t, &err), BK_ECONFIG);
  assert_true(t.n == 99);
}

static void log2_matches_the_math_library(void **state) {
  (void)state;
  uint64_t s = bk_t_seed();
  assert_true(bk_pop_log2_q32(1) == 0);
  assert_true(bk_pop_log2_q32(1024) == (UINT64_C(10) << 32));
  for (int i = 0; i < 20000; i++) {
    uint64_t x = (bk_t_rand(&s) >> (bk_t_rand(&s) % 63)) | 1;
    double want = log2((double)x), got = (double)bk_pop_log2_q32(x) / 4294967296.0;
    if (fabs(got - want) > 1e-8) fail_msg("log2(%llu) = %.12f, want %.12f", (unsigned long long)x, got, want);
  }
}

/* ---- sizing ---- */

/* Slow reference: floors by long division, then one lot at a time to the largest
 * remaining remainder (lowest index first on ties). */
static void apportion_ref(const int64_t *w, size_t n, int64_t total, int64_t *out) {
  long double W = 0;
  bk_i128 Wi = 0;
  for (size_t i = 0; i < n; i++) Wi += w[i];
  (void)W;
  int64_t given = 0;
  bk_i128 *rem = calloc(n, sizeof *rem);
  for (size_t i = 0; i < n; i++) {
    out[i] = Wi ? (int64_t)((bk_i128)total * w[i] / Wi) : 0;
    rem[i] = Wi ? (bk_i128)total * w[i] % Wi : 0;
    given += out[i];
  }
  for (int64_t left = Wi ? total - given : 0; left > 0; left--) {
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
      if (rem[i] > rem[best]) best = i;
    out[best]++;
    rem[best] = -1;
  }
  free(rem);
}

static void apportion_gives_exactly_the_total_like_the_reference(void **state) {
  (void)state;
  uint64_t seed = bk_t_seed(), s = seed;
  for (int round = 0; round < 300; round++) {
    size_t n = (size_t)(bk_t_rand(&s) % 60) + 1;
    int64_t w[60], a[60], b[60];
    for (size_t i = 0; i < n; i++) {
      uint64_t r = bk_t_rand(&s);
      w[i] = r % 5 == 0 ? 0 : (int64_t)(r >> (bk_t_rand(&s) % 40 + 3)); /* wide range */
    }
    int64_t total = (int64_t)(bk_t_rand(&s) % 100000);
    assert_int_equal(bk_pop_apportion(w, n, total, a), BK_OK);
    apportion_ref(w, n, total, b);
    int64_t sum = 0, anyw = 0;
    for (size_t i = 0; i < n; i++) {
      if (a[i] != b[i]) fail_msg("seed %llu round %d: index %zu got %lld, reference %lld",
                                 (unsigned long long)seed, round, i, (long long)a[i], (long long)b[i]);
      if (w[i] == 0) assert_true(a[i] == 0);
      sum += a[i];
      anyw |= w[i];
    }
    assert_true(sum == (anyw ? total : 0));
  }
  int64_t w[3] = {1, 1, 1}, o[3];
  assert_int_equal(bk_pop_apportion(w, 3, 2, o), BK_OK);
  assert_true(o[0] == 1 && o[1] == 1 && o[2] == 0); /* ties go to the lower index */
  assert_int_equal(bk_pop_apportion(w, 3, -1, o), BK_ERANGE);
}

static void deposits_are_notional_over_leverage_rounded_up(void **state) {
  (void)state;
  bk_contract inv = inverse_contract("0.001"), lin = linear_contract("0.1");
  int64_t d;
  /* 100 contracts of 10 USD at 4 USD = 250 DOT; at 20x 12.5 DOT; +10 % = 13.75 */
  assert_int_equal(bk_pop_deposit(&inv, P("100"), P("4"), BK_FX(20), 0, &d), BK_OK);
  assert_true(d == P("12.5"));
  assert_int_equal(bk_pop_deposit(&inv, P("-100"), P("4"), BK_FX(20), P("0.1"), &d), BK_OK);
  assert_true(d == P("13.75"));
  /* 2 BTC at 60,000 = 120,000 USDT; at 50x 2,400 */
  assert_int_equal(bk_pop_deposit(&lin, P("2"), P("60000"), BK_FX(50), 0, &d), BK_OK);
  assert_true(d == P("2400"));
  /* 1 contract at 3 USD = 3.33333333(3) DOT, rounded up; / 3 rounds up again */
  assert_int_equal(bk_pop_deposit(&inv, P("1"), P("3"), BK_FX(3), 0, &d), BK_OK);
  assert_true(d == P("1.11111112"));
  /* contracts for a notional: 1,000,000 USD of 10 USD contracts = 100,000; 1,000 DOT at
   * 4 USD = 4,000 USD = 400 contracts; 120,000 USDT of BTC at 60,000 = 2 */
  int64_t n;
  assert_int_equal(bk_pop_contracts_for(&inv, P("1000000"), 1, P("4"), BK_FX(1), &n), BK_OK);
  assert_true(n == P("100000"));
  assert_int_equal(bk_pop_contracts_for(&inv, P("1000"), 0, P("4"), BK_FX(1), &n), BK_OK);
  assert_true(n == P("400"));
  assert_int_equal(bk_pop_contracts_for(&lin, P("120000"), 1, P("60000"), P("0.001"), &n), BK_OK);
  assert_true(n == P("2"));
  assert_int_equal(bk_pop_contracts_for(&lin, P("125000"), 1, P("60000"), BK_FX(1), &n), BK_OK);
  assert_true(n == P("2")); /* 2.083 rounded down to whole lots */
}

static void print_entries_put_bankruptcy_on_the_print(void **state) {
  (void)state;
  bk_contract lin = linear_contract("0.01"), inv = inverse_contract("0.0001");
  int64_t e, d, b;
  /* linear long, P = 100, L = 20: E = 100 / 0.95 = 105.26315789.. rounded up */
  assert_int_equal(bk_pop_entry_for_bankrupt(&lin, P("3"), P("100"), BK_FX(20), &e, &d), BK_OK);
  assert_true(e == P("105.2631579"));
  assert_true(d == P("15.7894737")); /* 3 × 5.2631579 */
  /* inverse long, P = 0.7, L = 20: E = 0.7 × 1.05 = 0.735 */
  assert_int_equal(bk_pop_entry_for_bankrupt(&inv, P("100"), P("0.7"), BK_FX(20), &e, &d), BK_OK);
  assert_true(e == P("0.735"));
  /* inverse short, P = 0.7, L = 20: E = 0.7 × 0.95 = 0.665 */
  assert_int_equal(bk_pop_entry_for_bankrupt(&inv, P("-100"), P("0.7"), BK_FX(20), &e, &d), BK_OK);
  assert_true(e == P("0.665"));
  uint64_t seed = bk_t_seed(), s = seed;
  for (int i = 0; i < 4000; i++) {
    int inverse = (int)(bk_t_rand(&s) & 1);
    bk_contract *c = inverse ? &inv : &lin;
    int64_t tick = c->tick;
    int64_t price = ((int64_t)(bk_t_rand(&s) % 2000000) + 100) * tick;
    int64_t size = ((int64_t)(bk_t_rand(&s) % 5000) + 1) * BK_FX(1);
    if (bk_t_rand(&s) & 1) size = -size;
    int64_t lev = BK_FX((int64_t)(bk_t_rand(&s) % 124) + 2);
    assert_int_equal(bk_pop_entry_for_bankrupt(c, size, price, lev, &e, &d), BK_OK);
    assert_int_equal(bk_pop_single_prices(c, d, size, e, NULL, &b), BK_OK);
    if (b != price)
      fail_msg("seed %llu: %s size %lld lev %lld: bankruptcy %lld, print %lld",
               (unsigned long long)seed, inverse ? "inverse" : "linear", (long long)size,
               (long long)lev, (long long)b, (long long)price);
    /* and the deposit is the leverage's margin at entry, to within rounding */
    int64_t im;
    assert_int_equal(bk_pop_deposit(c, size, e, lev, 0, &im), BK_OK);
    if (llabs(im - d) > 2 + im / 10000)
      fail_msg("seed %llu: deposit %lld, margin at entry %lld", (unsigned long long)seed,
               (long long)d, (long long)im);
  }
}

static bk_popsynth_cand cand_at(int64_t ts, const char *price, const char *qty, int side,
                                int lev, const char *lo, const char *hi) {
  bk_popsynth_cand c;
  memset(&c, 0, sizeof c);
  c.ts = ts;
  c.price = P(price);
  c.qty = P(qty);
  c.side = side;
  c.lev = BK_FX(lev);
  c.lo = lo ? P(lo) : 0;
  c.hi = hi ? P(hi) : 0;
  return c;
}

static void synthetic_plan_meets_the_target_and_drops_the_liquidated(void **state) {
  (void)state;
  bk_contract c = linear_contract("0.1");
  bk_popsynth_cand cand[5] = {
      cand_at(1, "100", "3", BK_BUY, 10, "99", "101"),   /* long 10x: liq ~90.5, survives */
      cand_at(2, "101", "1", BK_SELL, 20, "99", "106"),  /* short 20x: liq ~105.5, dies */
      cand_at(3, "99", "2", BK_SELL, 5, "98", "104"),    /* short 5x: survives */
      cand_at(4, "100.5", "4", BK_BUY, 100, "99.4", "101"), /* long 100x: liq ~100, dies */
      cand_at(5, "100", "0", BK_BUY, 2, "99", "101"),    /* weight 0: never opened */
  };
  bk_popsynth_open out[5];
  size_t n, dropped;
  assert_int_equal(bk_popsynth_plan(&c, cand, 5, P("1000"), BK_FX(1), 0, 1, out, &n, &dropped),
                   BK_OK);
  assert_int_equal((int)dropped, 2);
  assert_int_equal((int)n, 2);
  /* the whole gross goes to the survivors in proportion 3 : 2 */
  assert_true(out[0].cand == 0 && out[0].size == P("600"));
  assert_true(out[1].cand == 2 && out[1].size == P("-400"));
  for (size_t i = 0; i < n; i++) {
    const bk_popsynth_cand *k = &cand[out[i].cand];
    assert_true(out[i].entry == k->price); /* entries are the trades' prices */
    int64_t d;
    assert_int_equal(bk_pop_deposit(&c, out[i].size, k->price, k->lev, 0, &d), BK_OK);
    assert_true(out[i].deposit == d);
    assert_true(out[i].size > 0 ? out[i].liq < k->lo : out[i].liq > k->hi);
  }
  /* without the survival test everyone with a weight opens; gross exact to the lot */
  assert_int_equal(bk_popsynth_plan(&c, cand, 5, P("1000.7"), BK_FX(1), 0, 0, out, &n, &dropped),
                   BK_OK);
  assert_int_equal((int)n, 4);
  int64_t gross = 0;
  for (size_t i = 0; i < n; i++) gross += llabs(out[i].size);
  assert_true(gross == P("1000"));
}

static void synthetic_leverage_is_capped_by_the_tier(void **state) {
  (void)state;
  bk_contract c = linear_contract("0.1");
  c.tiers.n = 2;
  c.tiers.v[1] = (bk_tier){P("50000"), P("0.01"), -1, BK_FX(50)};
  c.tiers.v[0].maint_amount = -1;
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  bk_popsynth_cand cand[2] = {cand_at(1, "100", "1", BK_BUY, 100, NULL, NULL),
                           cand_at(2, "100", "1", BK_BUY, 100, NULL, NULL)};
  bk_popsynth_open out[2];
  size_t n, dropped;
  /* 1,000 contracts each: 100,000 USDT of notional is in the 50x tier */
  assert_int_equal(bk_popsynth_plan(&c, cand, 2, P("2000"), BK_FX(1), 0, 1, out, &n, &dropped),
                   BK_OK);
  assert_int_equal((int)n, 2);
  assert_true(out[0].lev == BK_FX(50) && out[0].deposit == P("2000"));
}

/* ---- accounts files ---- */

static const char *const SYMS[] = {"BTCUSDT", "DOTUSD_PERP"};
static const char *const EXS[] = {"binance-futures", "binance-delivery"};
static const uint32_t SETTLE_OF[] = {0, 1};
static const char *const ASSETS[] = {"USDT", "DOT"};
static const bk_accounts_names NAMES = {SYMS, EXS, SETTLE_OF, 2, ASSETS, 2, NULL, 0};

static const char *fixture(const char *name, char *buf, size_t cap) {
  const char *root = getenv("BK_SOURCE_DIR");
  snprintf(buf, cap, "%s/tests/fixtures/population/%s", root ? root : ".", name);
  return buf;
}

static void check_fixture_list(const bk_acctlist *l, int csv) {
  assert_int_equal((int)l->n, 4);
  assert_true(l->v[0].settle == 1 && l->v[0].deposit == P("1200.5") && l->v[0].npos == 1);
  assert_true(l->pos[l->v[0].pos].contract == 1 && l->pos[l->v[0].pos].size == P("-5000") &&
              l->pos[l->v[0].pos].entry == P("4.05"));
  assert_true(l->v[1].settle == 0 && l->v[1].deposit == P("25000") && l->v[1].npos == 1);
  assert_true(l->pos[l->v[1].pos].contract == 0 && l->pos[l->v[1].pos].size == P("2.5") &&
              l->pos[l->v[1].pos].entry == P("121000.1"));
  assert_true(l->v[2].settle == 0 && l->v[2].deposit == P("10") && l->v[2].npos == 0);
  assert_true(l->v[3].settle == 1 && l->v[3].deposit == P("3.25") && l->v[3].npos == 1);
  assert_true(l->pos[l->v[3].pos].size == P("40") && l->pos[l->v[3].pos].entry == P("3.987"));
  if (csv) assert_true(l->v[0].line == 2 && l->v[3].line == 5);
  else assert_true(l->v[0].line == 3 && l->v[3].line == 8);
}

static void accounts_files_read_exactly_what_they_say(void **state) {
  (void)state;
  char path[1024];
  bk_err err;
  bk_acctlist l;
  bk_acctlist_init(&l);
  if (bk_accounts_file_load(fixture("accounts.json", path, sizeof path), &NAMES, &l, &err))
    fail_msg("%s", err.msg);
  check_fixture_list(&l, 0);
  bk_acctlist_fini(&l);
  bk_acctlist_init(&l);
  if (bk_accounts_file_load(fixture("accounts.csv", path, sizeof path), &NAMES, &l, &err))
    fail_msg("%s", err.msg);
  check_fixture_list(&l, 1);
  /* a second file appends */
  if (bk_accounts_file_load(fixture("accounts.json", path, sizeof path), &NAMES, &l, &err))
    fail_msg("%s", err.msg);
  assert_int_equal((int)l.n, 8);
  assert_true(l.pos[l.v[7].pos].entry == P("3.987"));
  bk_acctlist_fini(&l);
}

static void bad_accounts_files_name_file_line_and_column(void **state) {
  (void)state;
  static const struct {
    const char *file, *where, *what;
  } cases[] = {
      {"bad_unknown_key.json", "bad_unknown_key.json:3:34:", "unknown key"},
      {"bad_number.json", "bad_number.json:4:", "not a JSON number"},
      {"bad_duplicate.json", "bad_duplicate.json:3:", "duplicate"},
      {"bad_trailing_comma.json", "bad_trailing_comma.json:4:", ""},
      {"bad_contract.json", "bad_contract.json:4:", "'ETHUSDT' is not a contract"},
      {"bad_settle.json", "bad_settle.json:5:", "settles in DOT"},
      {"bad_decimal.csv", "bad_decimal.csv:3: column 3 (deposit)", "'1e3'"},
      {"bad_reappears.csv", "bad_reappears.csv:5: column 1 (account)", "appears again"},
      {"bad_header.csv", "bad_header.csv:1:", "unknown column 'qty'"},
      {"bad_partial.csv", "bad_partial.csv:3: column 5 (size)", "a position needs"},
      {"bad_fields.csv", "bad_fields.csv:4:", "expected 6 fields"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char path[1024];
    bk_err err;
    bk_err_clear(&err);
    bk_acctlist l;
    bk_acctlist_init(&l);
    assert_int_equal(bk_acctlist_add(&l, 0, 7, 0), BK_OK);
    bk_rc rc = bk_accounts_file_load(fixture(cases[i].file, path, sizeof path), &NAMES, &l, &err);
    if (rc == BK_OK) fail_msg("%s was accepted", cases[i].file);
    assert_true(rc == BK_ECONFIG || rc == BK_EDATA);
    if (!strstr(err.msg, cases[i].where) || !strstr(err.msg, cases[i].what))
      fail_msg("%s: message '%s' lacks '%s' / '%s'", cases[i].file, err.msg, cases[i].where,
               cases[i].what);
    assert_int_equal((int)l.n, 1); /* unchanged */
    bk_acctlist_fini(&l);
  }
  char path[1024];
  bk_err err;
  bk_acctlist l;
  bk_acctlist_init(&l);
  assert_int_equal(bk_accounts_file_load(fixture("no-such.csv", path, sizeof path), &NAMES, &l,
                                         &err), BK_ENOINPUT);
  bk_acctlist_fini(&l);
}

static void a_large_csv_book_loads_every_account(void **state) {
  (void)state;
  enum { N = 200000 };
  char path[1024];
  bk_t_tmp("book.csv", path, sizeof path);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fprintf(f, "account,settle,deposit,contract,size,entry\n");
  for (int i = 0; i < N; i++) {
    if (i % 2) fprintf(f, "u%d,DOT,%d.5,DOTUSD_PERP,-%d,4.%03d\n", i, i % 97 + 1, i % 500 + 1, i % 1000);
    else fprintf(f, "u%d,,%d,BTCUSDT,0.%03d,6%04d.5\n", i, i % 89 + 1, i % 999 + 1, i % 10000);
  }
  fclose(f);
  bk_acctlist l;
  bk_acctlist_init(&l);
  bk_err err;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (bk_accounts_file_load(path, &NAMES, &l, &err)) fail_msg("%s", err.msg);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("loaded %d accounts in %.3f s (%.0f accounts/s)\n", N, s, N / s);
  assert_int_equal((int)l.n, N);
  assert_true(l.v[N - 1].settle == 1 && l.pos[l.v[N - 1].pos].size == -BK_FX((N - 1) % 500 + 1));
  assert_true(l.v[N - 2].settle == 0 && l.v[N - 2].deposit == BK_FX((N - 2) % 89 + 1));
  bk_acctlist_fini(&l);
}

/* ---- end to end through a scripted simulation ---- */

#define T0 INT64_C(1760054400000000) /* 2025-10-10T00:00:00Z */
#define SEC INT64_C(1000000)
#define MINUTE (60 * SEC)

typedef struct rig {
  bk_instruments instr;
  bk_market *m;
  bk_replay *r;
  bk_sim *s;
  bk_contract c[3];
  bk_asset asset[2];
  uint32_t contract_of[3];
  bk_policy pol[2];
} rig;

/* Contract 0 linear BTCUSDT (USDT), contract 1 inverse DOTUSD_PERP (DOT); two policies;
 * the window starts at T0 + from_min minutes. With `pair`, contract 2 is a linear
 * ETHUSDT (USDT, tick 0.01), and BTCUSDT and ETHUSDT both have a maintenance margin rate
 * of 2 %. */
static rig *rig_new_with(int from_min, int pair) {
  rig *x = calloc(1, sizeof *x);
  bk_instruments_init(&x->instr);
  uint32_t id;
  assert_int_equal(bk_instr_intern(&x->instr, "binance-futures", 15, "BTCUSDT", 7, &id), BK_OK);
  assert_int_equal(bk_instr_intern(&x->instr, "binance-delivery", 16, "DOTUSD_PERP", 11, &id),
                   BK_OK);
  x->c[0] = linear_contract("0.1");
  x->c[1] = inverse_contract("0.001");
  x->c[1].settle = 1;
  x->c[2] = linear_contract("0.01");
  x->contract_of[2] = 2;
  if (pair) {
    assert_int_equal(bk_instr_intern(&x->instr, "binance-futures", 15, "ETHUSDT", 7, &id),
                     BK_OK);
    for (int k = 0; k < 3; k += 2) {
      x->c[k].tiers.v[0] = (bk_tier){0, P("0.02"), -1, BK_FX(50)};
      assert_int_equal(bk_tiers_finish(&x->c[k].tiers, NULL), BK_OK);
    }
  }
  strcpy(x->asset[0].name, "USDT");
  strcpy(x->asset[1].name, "DOT");
  x->asset[0].price = x->asset[1].price = BK_FX(1);
  for (int i = 0; i < 2; i++) {
    bk_policy_default(&x->pol[i]);
    bk_policy_set_fund(&x->pol[i], "USDT", P("100000"), NULL);
    bk_policy_set_fund(&x->pol[i], "DOT", P("2000"), NULL);
    x->contract_of[i] = (uint32_t)i;
  }
  strcpy(x->pol[0].name, "one");
  strcpy(x->pol[1].name, "two");
  x->pol[1].penalty = P("0.02");
  bk_sim_config cfg;
  bk_t_sim_config(&cfg, x->pol, 2, x->c, pair ? 3 : 2, x->asset, 2, x->contract_of);
  cfg.from = from_min < 0 ? INT64_MIN : T0 + from_min * MINUTE;
  cfg.to = INT64_MAX;
  cfg.sample_us = MINUTE;
  x->m = bk_market_new(&x->instr);
  x->r = bk_replay_new(x->m);
  assert_non_null(x->m);
  assert_non_null(x->r);
  bk_err err;
  if (bk_sim_new(&cfg, x->m, &x->s, &err)) fail_msg("sim: %s", err.msg);
  assert_int_equal(bk_sim_attach(x->s, x->r), BK_OK);
  return x;
}

static rig *rig_new(int from_min) { return rig_new_with(from_min, 0); }

static void rig_free(rig *x) {
  bk_sim_free(x->s);
  bk_replay_free(x->r);
  bk_market_free(x->m);
  bk_instruments_fini(&x->instr);
  free(x);
}

static void push(rig *x, int kind, uint32_t instr, int side, int64_t ts, int64_t price,
                 int64_t qty) {
  bk_event ev;
  memset(&ev, 0, sizeof ev);
  ev.ts = ev.local_ts = ts;
  ev.kind = (uint8_t)kind;
  ev.instr = instr;
  ev.side = (uint8_t)side;
  ev.price = price;
  ev.qty = qty;
  bk_rc rc = bk_replay_push(x->r, &ev);
  if (rc) fail_msg("push at %lld: %s %s", (long long)ts, bk_rc_name(rc), bk_sim_err(x->s)->msg);
}

static void rig_finish(rig *x) {
  assert_int_equal(bk_replay_finish(x->r), BK_OK);
  if (bk_sim_finish(x->s)) fail_msg("finish: %s", bk_sim_err(x->s)->msg);
}

static void explicit_accounts_open_exactly_as_the_file_says(void **state) {
  (void)state;
  char path[1024];
  bk_err err;
  bk_acctlist l;
  bk_acctlist_init(&l);
  if (bk_accounts_file_load(fixture("accounts.csv", path, sizeof path), &NAMES, &l, &err))
    fail_msg("%s", err.msg);
  bk_acctlist want = l; /* keep a copy of the expectations (not of the names) */
  want.names = NULL;
  want.nnames = want.namecap = 0;
  want.v = malloc(l.n * sizeof *l.v);
  want.pos = malloc(l.npos * sizeof *l.pos);
  memcpy(want.v, l.v, l.n * sizeof *l.v);
  memcpy(want.pos, l.pos, l.npos * sizeof *l.pos);
  rig *x = rig_new(10);
  bk_population *p;
  if (bk_pop_accounts_new(&l, &p, &err)) fail_msg("%s", err.msg);
  assert_int_equal((int)l.n, 0); /* moved */
  assert_int_equal(bk_sim_add_population(x->s, p), BK_OK);
  /* the DOT account (first) waits for DOT's mark; BTC trades first */
  push(x, BK_EV_MARK, 0, 0, T0 + SEC, P("121000"), 0);
  push(x, BK_EV_TRADE, 0, BK_BUY, T0 + SEC, P("121000"), BK_FX(1));
  assert_int_equal((int)bk_pop_accounts_opened(p, NULL), 0);
  push(x, BK_EV_MARK, 1, 0, T0 + 2 * SEC, P("4.02"), 0);
  push(x, BK_EV_TRADE, 1, BK_SELL, T0 + 2 * SEC, P("4.02"), BK_FX(3));
  push(x, BK_EV_MARK, 1, 0, T0 + 3 * SEC, P("4.02"), 0);
  uint32_t first;
  assert_int_equal((int)bk_pop_accounts_opened(p, &first), 4);
  assert_true(first == 0);
  for (size_t pol = 0; pol < 2; pol++) {
    const bk_risk *r = bk_sim_risk(x->s, pol);
    assert_int_equal((int)r->nacct, 4);
    for (size_t i = 0; i < 4; i++) {
      const bk_account *a = &r->acct[i];
      assert_true(a->settle == want.v[i].settle);
      assert_true(a->cash == want.v[i].deposit);
      assert_true(a->npos == want.v[i].npos);
      if (a->npos) {
        const bk_acctlist_pos_spec *q = &want.pos[want.v[i].pos];
        assert_true(a->pos[0].contract == q->contract && a->pos[0].size == q->size &&
                    a->pos[0].entry == q->entry && !a->pos[0].isolated);
      }
    }
  }
  push(x, BK_EV_MARK, 1, 0, T0 + 11 * MINUTE, P("4.01"), 0);
  rig_finish(x);
  rig_free(x);
  bk_acctlist_fini(&want);
  /* an account with two positions on one contract is refused, naming it */
  bk_acctlist_init(&l);
  assert_int_equal(bk_acctlist_add(&l, 0, 5, 0), BK_OK);
  assert_int_equal(bk_acctlist_add(&l, 0, 5, 12), BK_OK);
  assert_int_equal(bk_acctlist_add_pos(&l, 0, 1, 1), BK_OK);
  assert_int_equal(bk_acctlist_add_pos(&l, 1, 1, 1), BK_OK);
  assert_int_equal(bk_acctlist_add_pos(&l, 0, 2, 1), BK_OK);
  assert_int_equal(bk_pop_accounts_new(&l, &p, &err), BK_ECONFIG);
  assert_non_null(strstr(err.msg, "account 1 (line 12)"));
  assert_non_null(strstr(err.msg, "two positions on one contract"));
  assert_null(p);
}

static void explicit_accounts_that_never_get_a_mark_fail_at_the_finish(void **state) {
  (void)state;
  bk_acctlist l;
  bk_acctlist_init(&l);
  assert_int_equal(bk_acctlist_add(&l, 1, BK_FX(5), 3), BK_OK);
  assert_int_equal(bk_acctlist_add_pos(&l, 1, BK_FX(1), P("4")), BK_OK);
  rig *x = rig_new(1);
  bk_population *p;
  bk_err err;
  assert_int_equal(bk_pop_accounts_new(&l, &p, &err), BK_OK);
  assert_int_equal(bk_sim_add_population(x->s, p), BK_OK);
  push(x, BK_EV_MARK, 0, 0, T0 + SEC, P("121000"), 0);
  push(x, BK_EV_TRADE, 0, BK_BUY, T0 + SEC, P("121000"), BK_FX(1));
  assert_int_equal(bk_replay_finish(x->r), BK_OK);
  assert_int_equal(bk_sim_finish(x->s), BK_ECONFIG);
  assert_non_null(strstr(bk_sim_err(x->s)->msg, "line 3"));
  rig_free(x);
}

static void push_ev(rig *x, bk_event ev) {
  bk_rc rc = bk_replay_push(x->r, &ev);
  if (rc) fail_msg("push at %lld: %s %s", (long long)ev.ts, bk_rc_name(rc),
                   bk_sim_err(x->s)->msg);
}

/* One USDT account holds BTCUSDT and ETHUSDT under one cross margin (maintenance 2 % of
 * the notional at the mark on both), read from an accounts file:
 *   deposit 8,000; long 1 BTC @ 100,000; long 10 ETH @ 4,000.
 * At the window's start (100,000 / 4,000): notional 140,000, equity 8,000, leverage 17.5
 * (the (10, 20] bucket), maintenance 0.02 × 140,000 = 2,800.
 * BTC falls to 97,000: equity 8,000 − 3,000 = 5,000 >= maintenance 1,940 + 800 = 2,740.
 *   ETH's liquidation price, BTC held at 97,000: 5,000 + 10 (E − 4,000) = 1,940 + 0.2 E,
 *   E = 36,940 / 9.8 = 3,769.3877…, up to the 0.01 tick: 3,769.39. (BTC's own, ETH at
 *   4,000: 8,000 + B − 100,000 = 0.02 B + 800, B = 92,800 / 0.98 = 94,693.877…, 94,693.9.)
 * ETH falls to 3,700: equity 8,000 − 3,000 − 3,000 = 2,000 < 1,940 + 740 = 2,680, though
 * either fall alone leaves 5,000 of equity against at most 2,740. The pool goes as one,
 * in the account's order, BTC first, each at most down to its bankruptcy price:
 *   BTC: bankrupt where 8,000 + (B − 100,000) − 3,000 = 0, B = 95,000. Bids 96,900 × 0.4
 *     and 96,800 × 0.6 take it: PnL −1,240 − 1,920 = −3,160, cash 4,840, notional
 *     38,760 + 58,080 = 96,840 (average fill 96,840). Equity left 4,840 − 3,000 = 1,840.
 *     Policy one, fee 1 %: 968.40 (cash 3,871.60). Policy two, 2 %: 1,936.80, capped at
 *     the 1,840 left (cash 3,000).
 *   ETH, policy one: bankrupt where 3,871.60 + 10 (E − 4,000) = 0, E = 3,612.84. Bids
 *     3,690 × 4 and 3,680 × 6 take it: PnL −1,240 − 1,920 = −3,160, cash 711.60, notional
 *     14,760 + 22,080 = 36,840 (average 3,684), fee 368.40, the account keeps 343.20; the
 *     fund gains 968.40 + 368.40 = 1,336.80.
 *   ETH, policy two: bankrupt at 3,000 + 10 (E − 4,000) = 0, E = 3,700; no bid reaches
 *     it, so the fund takes the 10 ETH over at 3,700 (the mark: no gain or loss); the
 *     account ends at 0 and the fund has gained the 1,840 fee. */
static void a_two_contract_cross_account_is_liquidated_as_one_pool(void **state) {
  (void)state;
  static const char *const syms[] = {"BTCUSDT", "DOTUSD_PERP", "ETHUSDT"};
  static const char *const exs[] = {"binance-futures", "binance-delivery", "binance-futures"};
  static const uint32_t settle_of[] = {0, 1, 0};
  static const char *const json =
      "{\"accounts\": [{\"id\": \"pair\", \"deposit\": \"8000\", \"positions\": [\n"
      "  {\"contract\": \"BTCUSDT\", \"size\": \"1\", \"entry\": \"100000\"},\n"
      "  {\"contract\": \"ETHUSDT\", \"size\": \"10\", \"entry\": \"4000\"}]}]}\n";
  bk_accounts_names names = {syms, exs, settle_of, 3, ASSETS, 2, NULL, 0};
  bk_acctlist l;
  bk_err err;
  bk_acctlist_init(&l);
  if (bk_accounts_json_parse(json, strlen(json), "pair.json", &names, &l, &err))
    fail_msg("%s", err.msg);
  /* the same account as CSV rows reads the same */
  char path[1024];
  static const char csv[] = "account,settle,deposit,contract,size,entry\n"
                            "pair,USDT,8000,BTCUSDT,1,100000\n"
                            "pair,,,ETHUSDT,10,4000\n";
  bk_t_write(bk_t_tmp("pair.csv", path, sizeof path), csv, sizeof csv - 1);
  bk_acctlist lc;
  bk_acctlist_init(&lc);
  if (bk_accounts_file_load(path, &names, &lc, &err)) fail_msg("%s", err.msg);
  assert_int_equal((int)lc.n, 1);
  assert_int_equal((int)lc.v[0].npos, 2);
  assert_true(lc.v[0].deposit == P("8000") && l.v[0].deposit == P("8000"));
  for (int j = 0; j < 2; j++)
    assert_true(lc.pos[j].contract == l.pos[j].contract && lc.pos[j].size == l.pos[j].size &&
                lc.pos[j].entry == l.pos[j].entry);
  bk_acctlist_fini(&lc);
  rig *x = rig_new_with(1, 1);
  bk_population *p;
  if (bk_pop_accounts_new(&l, &p, &err)) fail_msg("%s", err.msg);
  assert_int_equal(bk_sim_add_population(x->s, p), BK_OK);
  push(x, BK_EV_MARK, 0, 0, T0 + SEC, P("100000"), 0);
  assert_int_equal((int)bk_pop_accounts_opened(p, NULL), 0); /* waits for ETH's mark */
  push(x, BK_EV_MARK, 2, 0, T0 + 2 * SEC, P("4000"), 0);
  push_ev(x, bk_t_snap(0, T0 + 3 * SEC, BK_BID, "96900", "0.4", 1)); /* the next event */
  assert_int_equal((int)bk_pop_accounts_opened(p, NULL), 1);
  push_ev(x, bk_t_snap(0, T0 + 3 * SEC, BK_BID, "96800", "0.6", 0));
  push_ev(x, bk_t_snap(0, T0 + 3 * SEC, BK_BID, "90000", "10", 0));
  push_ev(x, bk_t_snap(2, T0 + 3 * SEC, BK_BID, "3690", "4", 1));
  push_ev(x, bk_t_snap(2, T0 + 3 * SEC, BK_BID, "3680", "6", 0));
  push_ev(x, bk_t_snap(2, T0 + 3 * SEC, BK_BID, "3500", "100", 0));
  push(x, BK_EV_MARK, 0, 0, T0 + 2 * MINUTE, P("97000"), 0);
  bk_sim_census c = bk_sim_census_of(x->s, 0, 1);
  assert_true(c.accounts == 1 && c.oi_long == P("140000") && c.oi_short == 0);
  for (int b = 0; b < BK_LEV_BUCKETS; b++)
    assert_true(c.lev[b].accounts == (b == 5 ? 1u : 0u));
  assert_true(bk_lev_bucket_top[5] == 20 && bk_lev_bucket_top[4] == 10);
  assert_true(c.lev[5].equity == P("8000") && c.lev[5].mm == P("2800") &&
              c.lev[5].oi_long == P("140000"));
  for (size_t pol = 0; pol < 2; pol++) {
    const bk_risk *r = bk_sim_risk(x->s, pol);
    const bk_account *a = &r->acct[0];
    assert_int_equal((int)a->npos, 2); /* BTC's fall alone liquidates nothing */
    int64_t exact, px;
    assert_int_equal(bk_acct_liq_price(&r->env, a, (size_t)bk_acct_find(a, 2), &exact, &px),
                     BK_OK);
    assert_true(px == P("3769.39"));
    assert_int_equal(bk_acct_liq_price(&r->env, a, (size_t)bk_acct_find(a, 0), &exact, &px),
                     BK_OK);
    assert_true(px == P("94693.9")); /* ETH still at 4,000 */
  }
  push(x, BK_EV_MARK, 2, 0, T0 + 3 * MINUTE, P("3700"), 0);
  push(x, BK_EV_MARK, 0, 0, T0 + 3 * MINUTE + SEC, P("97000"), 0); /* samples after it */
  rig_finish(x);
  for (size_t pol = 0; pol < 2; pol++) {
    const bk_risk *r = bk_sim_risk(x->s, pol);
    assert_int_equal((int)r->nrecs, 2);
    const bk_liq_rec *btc = &r->recs[0], *eth = &r->recs[1];
    assert_true(btc->contract == 0 && eth->contract == 2);
    /* one event: the ETH mark at T0 + 3 min is the only one at that instant */
    assert_true(btc->ts == T0 + 3 * MINUTE && eth->ts == T0 + 3 * MINUTE);
    assert_true(btc->bankrupt == P("95000") && btc->book_qty == P("1") &&
                btc->avg_fill == P("96840") && btc->outcome == BK_OUT_BOOK);
    assert_int_equal((int)r->acct[0].npos, 0);
    size_t n;
    const bk_sim_sample *smp = bk_sim_samples(x->s, pol, 0, &n);
    assert_true(n >= 3 && smp[0].accounts == 1 && smp[0].oi_long == P("140000") &&
                smp[0].data_oi == -1);
    assert_true(smp[n - 1].accounts == 1 && smp[n - 1].oi_long == 0);
  }
  const bk_risk *one = bk_sim_risk(x->s, 0), *two = bk_sim_risk(x->s, 1);
  assert_true(one->recs[0].fee == P("968.40"));
  assert_true(one->recs[1].bankrupt == P("3612.84") && one->recs[1].book_qty == P("10") &&
              one->recs[1].avg_fill == P("3684") && one->recs[1].fee == P("368.40"));
  assert_true(one->acct[0].cash == P("343.20"));
  assert_true(bk_risk_fund_equity(one, 0) == P("101336.80"));
  assert_true(two->recs[0].fee == P("1840"));
  assert_true(two->recs[1].bankrupt == P("3700") && two->recs[1].book_qty == 0 &&
              two->recs[1].outcome == BK_OUT_TAKEOVER && two->recs[1].takeover_qty == P("10"));
  assert_true(two->acct[0].cash == 0);
  assert_true(two->fund.cash[0] == P("101840") && bk_risk_fund_equity(two, 0) == P("101840"));
  rig_free(x);
}

/* An accounts file posts collateral: a DOT account (DOTUSD_PERP, inverse, settling in
 * DOT) with 0.01 BTC, BTC priced by the mark of BTCUSDT with a 5 % haircut, short 10
 * contracts at 4.02, no cash. Its BTC is worth, in DOT,
 *   0.01 × 121,000 × 0.95 / 4.02 = 1,149.5 / 4.02 = 285.945273631…, 285.94527363
 * rounded down (the DOT price in USD, BTCUSDT's in USDT, taken as one unit). The account
 * opens once BTC, DOT and the collateral's price are all known. A name the population
 * does not give, an asset posted twice, or the account's own settle asset (DOT, which
 * the population also values as collateral) is refused at its place in the file. */
static void an_accounts_file_posts_collateral_valued_at_the_marks(void **state) {
  (void)state;
  static const char *const coll[] = {"BTC", "DOT"};
  bk_accounts_names names = NAMES;
  names.collateral = coll;
  names.ncollateral = 2;
  static const char *const json =
      "{\"accounts\": [{\"id\": \"c\", \"deposit\": \"0\", \"positions\": [\n"
      "  {\"contract\": \"DOTUSD_PERP\", \"size\": \"-10\", \"entry\": \"4.02\"}],\n"
      "  \"collateral\": [{\"asset\": \"BTC\", \"amount\": \"0.01\"}]}]}\n";
  bk_acctlist l;
  bk_err err;
  bk_acctlist_init(&l);
  if (bk_accounts_json_parse(json, strlen(json), "c.json", &names, &l, &err))
    fail_msg("%s", err.msg);
  assert_int_equal((int)l.n, 1);
  assert_int_equal((int)l.v[0].ncoll, 1);
  assert_true(l.coll[0].asset == 0 && l.coll[0].amount == P("0.01"));
  rig *x = rig_new(10);
  uint32_t btc;
  assert_int_equal(bk_sim_add_collateral(x->s, "BTC", P("0.05"), 0, &btc), BK_OK);
  l.coll[0].asset = btc;
  bk_population *p;
  if (bk_pop_accounts_new(&l, &p, &err)) fail_msg("%s", err.msg);
  assert_int_equal(bk_sim_add_population(x->s, p), BK_OK);
  push(x, BK_EV_MARK, 1, 0, T0 + SEC, P("4.02"), 0);
  push(x, BK_EV_TRADE, 1, BK_SELL, T0 + SEC, P("4.02"), BK_FX(3));
  assert_int_equal((int)bk_pop_accounts_opened(p, NULL), 0); /* no BTC price yet */
  push(x, BK_EV_MARK, 0, 0, T0 + 2 * SEC, P("121000"), 0);
  push(x, BK_EV_TRADE, 0, BK_BUY, T0 + 2 * SEC, P("121000"), BK_FX(1));
  assert_int_equal((int)bk_pop_accounts_opened(p, NULL), 1);
  for (size_t pol = 0; pol < 2; pol++) {
    const bk_risk *r = bk_sim_risk(x->s, pol);
    const bk_account *a = &r->acct[0];
    assert_true(a->settle == 1 && a->cash == 0 && a->ncoll == 1 &&
                a->coll[0].amount == P("0.01"));
    int64_t v;
    assert_int_equal(bk_acct_collateral(&r->env, a, &v), BK_OK);
    assert_true(v == P("285.94527363"));
  }
  push(x, BK_EV_MARK, 1, 0, T0 + 11 * MINUTE, P("4.01"), 0);
  rig_finish(x);
  for (size_t pol = 0; pol < 2; pol++)
    assert_int_equal(bk_risk_check((bk_risk *)bk_sim_risk(x->s, pol)), BK_OK);
  rig_free(x);
  static const char *const bad[] = {
      "{\"accounts\": [{\"settle\": \"DOT\", \"deposit\": \"1\",\n"
      "  \"collateral\": [{\"asset\": \"ETH\", \"amount\": \"1\"}]}]}\n",
      "{\"accounts\": [{\"settle\": \"DOT\", \"deposit\": \"1\",\n"
      "  \"collateral\": [{\"asset\": \"BTC\", \"amount\": \"1\"},\n"
      "                 {\"asset\": \"BTC\", \"amount\": \"2\"}]}]}\n",
      "{\"accounts\": [{\"settle\": \"DOT\", \"deposit\": \"1\",\n"
      "  \"collateral\": [{\"asset\": \"DOT\", \"amount\": \"1\"}]}]}\n"};
  /* the offending entry's opening brace: 2 spaces, "collateral" (12), ": [" puts it at
     column 18; the second entry is indented 17 spaces, also column 18 */
  static const char *const where[] = {"c.json:2:18", "c.json:3:18", "c.json:2:18"};
  static const char *const why[] = {"one of the population's collateral assets",
                                    "posted twice", "DOT is the account's settle asset"};
  for (int i = 0; i < 3; i++) {
    bk_acctlist_init(&l);
    assert_int_equal(bk_accounts_json_parse(bad[i], strlen(bad[i]), "c.json", &names, &l, &err),
                     BK_ECONFIG);
    if (!strstr(err.msg, where[i]) || !strstr(err.msg, why[i])) fail_msg("%s", err.msg);
    assert_int_equal((int)l.n, 0);
  }
}

typedef struct warm_trade {
  int64_t ts, price;
  int side;
} warm_trade;

/* Warm-up of 60 minutes of BTC trades at random prices around 60,000 (and DOT around 4),
 * then the synthetic population opens at the window. */
static void synthetic_accounts_enter_at_real_trade_prices_and_meet_the_target(void **state) {
  (void)state;
  uint64_t seed = bk_t_seed(), s = seed;
  rig *x = rig_new(60);
  bk_popsynth_config c;
  bk_popsynth_config_init(&c);
  c.seed = seed;
  c.accounts = 200;
  int64_t target_quote[2] = {P("30000000"), 0}; /* BTC: 30 M USDT; DOT: from volume */
  c.target_quote = target_quote;
  c.ntarget = 2;
  bk_population *p;
  bk_err err;
  if (bk_pop_synth_new(&c, &p, &err)) fail_msg("%s", err.msg);
  assert_int_equal(bk_sim_add_population(x->s, p), BK_OK);
  enum { NT = 3000 };
  warm_trade *wt = malloc(NT * sizeof *wt);
  for (int i = 0; i < NT; i++) {
    uint32_t instr = (uint32_t)(i & 1);
    wt[i].ts = T0 + (int64_t)i * SEC;
    wt[i].side = bk_t_rand(&s) & 1 ? BK_BUY : BK_SELL;
    wt[i].price = instr == 0 ? P("60000") + (int64_t)(bk_t_rand(&s) % 200) * P("0.1")
                             : P("4") + (int64_t)(bk_t_rand(&s) % 20) * P("0.001");
    push(x, BK_EV_TRADE, instr, wt[i].side, wt[i].ts, wt[i].price,
         BK_FX((int64_t)(bk_t_rand(&s) % 50) + 1));
  }
  /* replayed open interest for DOT takes precedence over its volume */
  push(x, BK_EV_OI, 1, 0, T0 + 59 * MINUTE, 0, P("123457"));
  assert_int_equal((int)bk_sim_risk(x->s, 0)->nacct, 0); /* nothing before the window */
  push(x, BK_EV_TRADE, 0, BK_BUY, T0 + 60 * MINUTE, P("60010"), BK_FX(1));
  const bk_risk *r = bk_sim_risk(x->s, 0);
  assert_true(r->nacct > 100);
  for (uint32_t k = 0; k < 2; k++) {
    bk_popsynth_stats st = bk_pop_synth_stats(p, k);
    assert_int_equal(st.source, k == 0 ? BK_OI_SCENARIO : BK_OI_REPLAYED);
    assert_true(st.trades == NT / 2 && st.sampled == 200);
    /* the population's OI is the target, which is within one lot below the wanted one */
    int64_t want = k == 0 ? 0 : P("123457");
    if (k == 0) { /* 30 M USDT at the mark of the first window trade */
      int64_t mark = bk_sim_mark(x->s, 0);
      want = (int64_t)((bk_i128)P("30000000") * BK_FX_SCALE / mark);
    }
    assert_true(st.target <= want && want - st.target < BK_FX(1));
    assert_true(st.target % BK_FX(1) == 0);
    assert_true((st.longs + st.shorts) == 2 * st.target);
  }
  /* every account's entry is the price of a warm-up trade on its side */
  int64_t longs[2] = {0, 0}, shorts[2] = {0, 0};
  for (size_t i = 0; i < r->nacct; i++) {
    const bk_account *a = &r->acct[i];
    assert_int_equal((int)a->npos, 1);
    const bk_pos *q = &a->pos[0];
    int found = 0;
    for (int t = (int)q->contract; t < NT && !found; t += 2)
      found = wt[t].price == q->entry && (wt[t].side == BK_BUY) == (q->size > 0);
    if (!found) fail_msg("seed %llu: account %zu entered at %lld, no such trade",
                         (unsigned long long)seed, i, (long long)q->entry);
    if (q->size > 0) longs[q->contract] += q->size;
    else shorts[q->contract] -= q->size;
    /* deposit = notional / leverage rounded up, for one of the configured leverages */
    int ok = 0;
    for (size_t j = 0; j < c.lev.n && !ok; j++) {
      int64_t d;
      assert_int_equal(bk_pop_deposit(&x->c[q->contract], q->size, q->entry, c.lev.lev[j], 0, &d),
                       BK_OK);
      ok = d == a->cash;
    }
    assert_true(ok);
    /* the same account in the other policy */
    const bk_account *b = &bk_sim_risk(x->s, 1)->acct[i];
    assert_true(b->cash == a->cash && b->pos[0].size == q->size && b->pos[0].entry == q->entry);
  }
  for (uint32_t k = 0; k < 2; k++) {
    bk_popsynth_stats st = bk_pop_synth_stats(p, k);
    assert_true(longs[k] == st.longs && shorts[k] == st.shorts);
  }
  rig_finish(x);
  rig_free(x);
  free(wt);
}

static void synthetic_population_is_the_same_for_the_same_seed(void **state) {
  (void)state;
  uint64_t sum[3] = {0, 0, 0};
  for (int run = 0; run < 3; run++) {
    rig *x = rig_new(10);
    bk_popsynth_config c;
    bk_popsynth_config_init(&c);
    c.seed = run == 2 ? 2 : 1;
    c.accounts = 50;
    bk_population *p;
    assert_int_equal(bk_pop_synth_new(&c, &p, NULL), BK_OK);
    assert_int_equal(bk_sim_add_population(x->s, p), BK_OK);
    uint64_t s = 5;
    for (int i = 0; i < 600; i++)
      push(x, BK_EV_TRADE, 0, bk_t_rand(&s) & 1 ? BK_BUY : BK_SELL, T0 + i * SEC,
           P("60000") + (int64_t)(bk_t_rand(&s) % 100) * P("0.1"), BK_FX(1));
    push(x, BK_EV_TRADE, 0, BK_BUY, T0 + 10 * MINUTE, P("60000"), BK_FX(1));
    const bk_risk *r = bk_sim_risk(x->s, 0);
    for (size_t i = 0; i < r->nacct; i++)
      sum[run] = sum[run] * 31 + (uint64_t)r->acct[i].cash + (uint64_t)r->acct[i].pos[0].entry * 7;
    rig_finish(x);
    rig_free(x);
  }
  assert_true(sum[0] == sum[1]);
  assert_true(sum[0] != sum[2]);
}

/* Streams: the same (seed, name, index) give the same words; changing any one part gives
 * another stream. */
static void streams_differ_by_seed_name_and_index(void **state) {
  (void)state;
  uint64_t x = bk_rng_name("binance-futures:BTCUSDT"), y = bk_rng_name("binance-futures:DOTUSDT");
  assert_true(x == bk_rng_name("binance-futures:BTCUSDT") && x != y);
  uint64_t base = bk_rng_stream(1, x, 0);
  assert_true(base == bk_rng_stream(1, x, 0));
  uint64_t other[] = {bk_rng_stream(2, x, 0), bk_rng_stream(1, y, 0), bk_rng_stream(1, x, 1)};
  for (size_t i = 0; i < 3; i++) {
    uint64_t a = base, b = other[i];
    int same = 0;
    for (int j = 0; j < 1000; j++) same += bk_rng_next(&a) == bk_rng_next(&b);
    assert_int_equal(same, 0);
  }
}

/* What a run opened for coin X: (deposit, size, entry) per account, and its stats. */
typedef struct coin_run {
  int64_t acct[256][3];
  int64_t coll[256][2]; /* collateral: units and value at the window's start (0: none) */
  size_t n;
  bk_popsynth_stats st;
} coin_run;

/* 10 minutes of warm-up on coin X (BTCUSDT), alone or beside coin Y (ETHUSDT, contract
 * 0, a trade every second, drawn from its own numbers), then the window opens. Still:
 * X trades every second and the run ends at 10:00. Living: X trades every second of the
 * first minute then every 150 s, the target doubles over 10 minutes of window (a path),
 * 60 s steps. X's accounts go to out in the order opened. */
static void coin_x_with(int with_y, uint64_t draw, int living, const char *share,
                       coin_run *out) {
  bk_instruments instr;
  bk_instruments_init(&instr);
  uint32_t id;
  if (with_y) assert_int_equal(bk_instr_intern(&instr, "binance-futures", 15, "ETHUSDT", 7, &id), BK_OK);
  assert_int_equal(bk_instr_intern(&instr, "binance-futures", 15, "BTCUSDT", 7, &id), BK_OK);
  uint32_t x = id, nk = with_y ? 2 : 1, contract_of[2] = {0, 1};
  bk_contract c[2] = {linear_contract("0.1"), linear_contract("0.1")};
  bk_asset asset;
  memset(&asset, 0, sizeof asset);
  strcpy(asset.name, "USDT");
  asset.price = BK_FX(1);
  bk_policy pol;
  bk_policy_default(&pol);
  bk_sim_config cfg;
  bk_t_sim_config(&cfg, &pol, 1, c, nk, &asset, 1, contract_of);
  cfg.from = T0 + 10 * MINUTE;
  bk_market *m = bk_market_new(&instr);
  bk_replay *r = bk_replay_new(m);
  bk_sim *s;
  bk_err err;
  if (bk_sim_new(&cfg, m, &s, &err)) fail_msg("sim: %s", err.msg);
  assert_int_equal(bk_sim_attach(s, r), BK_OK);
  const char *names[2] = {"binance-futures:ETHUSDT", "binance-futures:BTCUSDT"};
  const bk_living_point doubling[] = {{cfg.from, BK_FX(1)}, {cfg.from + 10 * MINUTE, BK_FX(2)}};
  bk_popsynth_config pc;
  bk_popsynth_config_init(&pc);
  pc.accounts = 40;
  pc.draw = draw;
  pc.names = with_y ? names : names + 1;
  pc.nnames = nk;
  if (living) {
    pc.living = 1;
    pc.oi_path = doubling;
    pc.npath = 2;
  }
  if (share) { /* collateral in ETH, priced by ETHUSDT (contract 0), 10 % haircut */
    pc.coll.share = P(share);
    pc.coll.n = 1;
    pc.coll.weight[0] = BK_FX(1);
    assert_int_equal(bk_sim_add_collateral(s, "ETH", P("0.1"), 0, &pc.coll.asset[0]), BK_OK);
  }
  bk_population *p;
  assert_int_equal(bk_pop_synth_new(&pc, &p, NULL), BK_OK);
  assert_int_equal(bk_sim_add_population(s, p), BK_OK);
  uint64_t rx = 5, ry = 9;
  for (int i = 0; i <= (living ? 1200 : 600); i++) {
    bk_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts = ev.local_ts = T0 + i * SEC;
    ev.kind = BK_EV_TRADE;
    if (with_y) {
      ev.instr = 0;
      ev.qty = BK_FX(1 + (int64_t)(bk_t_rand(&ry) % 9));
      ev.side = bk_t_rand(&ry) & 1 ? BK_BUY : BK_SELL;
      ev.price = P("3000") + (int64_t)(bk_t_rand(&ry) % 100) * P("0.1");
      assert_int_equal(bk_replay_push(r, &ev), BK_OK);
    }
    if (living && i >= 60 && i % 150) continue;
    ev.instr = x;
    ev.qty = BK_FX(1 + (int64_t)(bk_t_rand(&rx) % 9));
    ev.side = bk_t_rand(&rx) & 1 ? BK_BUY : BK_SELL;
    ev.price = P("60000") + (int64_t)(bk_t_rand(&rx) % 100) * P("0.1");
    assert_int_equal(bk_replay_push(r, &ev), BK_OK);
  }
  const bk_risk *rk = bk_sim_risk(s, 0);
  out->n = 0;
  for (size_t i = 0; i < rk->nacct; i++) {
    const bk_account *a = &rk->acct[i];
    if (a->npos != 1 || a->pos[0].contract != x) continue;
    assert_true(out->n < 256);
    int64_t *o = out->acct[out->n];
    o[0] = a->cash;
    o[1] = a->pos[0].size;
    o[2] = a->pos[0].entry;
    out->coll[out->n][0] = a->ncoll ? a->coll[0].amount : 0;
    if (a->ncoll) /* valued at the prices as the window opened (no cash beside it) */
      out->coll[out->n][1] = a->cash + a->coll[0].ref;
    out->n++;
  }
  out->st = bk_pop_synth_stats(p, x);
  out->st.first_id = 0; /* Y's accounts come first beside Y */
  bk_sim_free(s);
  bk_replay_free(r);
  bk_market_free(m);
  bk_instruments_fini(&instr);
}

static void coin_x(int with_y, uint64_t draw, int living, coin_run *out) {
  coin_x_with(with_y, draw, living, NULL, out);
}

/* A synthetic population posting collateral: half of X's accounts (BTCUSDT, settling in
 * USDT) post ETH, priced by ETHUSDT, instead of cash. Everything else is drawn from the
 * contract's other streams, so the accounts are those of the run without collateral,
 * position for position; an account with collateral has no cash and the most ETH whose
 * value at the window's start (price × 0.9) is at most the deposit it replaces: below it
 * by less than one unit of 1e-8 ETH, worth less than 3,010 × 1e-8 USDT at these prices
 * (ETH trades at 3,000 to 3,009.9). The share is drawn per account: of 40, neither none
 * nor all. */
static void a_synthetic_population_posts_its_deposits_as_collateral(void **state) {
  (void)state;
  static coin_run cash, coll;
  coin_x_with(1, 0, 0, NULL, &cash);
  coin_x_with(1, 0, 0, "0.5", &coll);
  assert_int_equal((int)coll.n, (int)cash.n);
  size_t posted = 0;
  for (size_t i = 0; i < coll.n; i++) {
    assert_true(coll.acct[i][1] == cash.acct[i][1] && coll.acct[i][2] == cash.acct[i][2]);
    assert_true(cash.coll[i][0] == 0);
    if (coll.coll[i][0] == 0) {
      assert_true(coll.acct[i][0] == cash.acct[i][0]);
      continue;
    }
    posted++;
    assert_true(coll.acct[i][0] == 0);
    int64_t short_by = cash.acct[i][0] - coll.coll[i][1];
    assert_true(short_by >= 0 && short_by < 3010);
  }
  assert_int_equal((int)posted, (int)coll.st.collateral);
  assert_true(posted > 0 && posted < coll.n);
}

/* A coin's draw does not depend on which other coins share the run: X's accounts (deposit,
 * size, entry, hence leverage) are the same alone and beside Y, whose reservoir draws
 * are interleaved with X's; another draw index gives X another population. */
static void a_coins_draw_is_the_same_whether_or_not_another_coin_runs(void **state) {
  (void)state;
  static coin_run alone, beside, other;
  coin_x(0, 0, 0, &alone);
  coin_x(1, 0, 0, &beside);
  coin_x(0, 1, 0, &other);
  assert_true(alone.n > 20);
  assert_int_equal(alone.n, beside.n);
  assert_memory_equal(alone.acct, beside.acct, alone.n * sizeof alone.acct[0]);
  assert_true(other.n != alone.n ||
              memcmp(alone.acct, other.acct, alone.n * sizeof alone.acct[0]) != 0);
}

/* The same for a living population: X's rebalances follow X's own events, so alone and
 * beside Y (whose events come every second) X rebalances as often, opens and closes the
 * same accounts and ends the same. By hand X's events past the window's start (10:00) are
 * at 12:30, 15:00, 17:30 and 20:00: four rebalances (a clock shared with Y would make
 * ten). */
static void a_coins_living_draw_is_the_same_whether_or_not_another_coin_runs(void **state) {
  (void)state;
  static coin_run alone, beside;
  coin_x(0, 0, 1, &alone);
  coin_x(1, 0, 1, &beside);
  assert_true(alone.st.steps == 4 && alone.st.joined > 0);
  assert_int_equal(alone.n, beside.n);
  assert_memory_equal(alone.acct, beside.acct, alone.n * sizeof alone.acct[0]);
  assert_memory_equal(&alone.st, &beside.st, sizeof alone.st);
}

static void synthetic_population_needs_a_warmup(void **state) {
  (void)state;
  rig *x = rig_new(-1); /* no window start */
  bk_population *p;
  bk_popsynth_config c;
  bk_popsynth_config_init(&c);
  assert_int_equal(bk_pop_synth_new(&c, &p, NULL), BK_OK);
  assert_int_equal(bk_sim_add_population(x->s, p), BK_ECONFIG);
  assert_non_null(strstr(bk_sim_err(x->s)->msg, "warm-up"));
  c.oi_share = 0;
  bk_err err;
  assert_int_equal(bk_pop_synth_new(&c, &p, &err), BK_ECONFIG);
  assert_null(p);
  assert_non_null(strstr(err.msg, "oi_share"));
  rig_free(x);
}

/* The open-interest scale multiplies the target whatever its source: a replayed open
 * interest of 101 contracts held at scale 2 is 202 contracts a side, and at scale 0.5 it
 * is 50.5, 50 in whole lots; a scale of 0 is refused. */
static int64_t scaled_target(const char *scale) {
  rig *x = rig_new(1);
  bk_popsynth_config c;
  bk_popsynth_config_init(&c);
  c.oi_scale = P(scale);
  bk_population *p;
  bk_err err;
  if (bk_pop_synth_new(&c, &p, &err)) fail_msg("%s", err.msg);
  assert_int_equal(bk_sim_add_population(x->s, p), BK_OK);
  for (int i = 0; i < 10; i++)
    push(x, BK_EV_TRADE, 1, i & 1 ? BK_BUY : BK_SELL, T0 + i * SEC, P("4"), BK_FX(1 + i));
  push(x, BK_EV_OI, 1, 0, T0 + 30 * SEC, 0, BK_FX(101));
  push(x, BK_EV_TRADE, 1, BK_BUY, T0 + MINUTE, P("4"), BK_FX(1));
  bk_popsynth_stats st = bk_pop_synth_stats(p, 1);
  assert_int_equal(st.source, BK_OI_REPLAYED);
  assert_true(st.longs + st.shorts == 2 * st.target);
  rig_finish(x);
  rig_free(x);
  return st.target;
}

static void the_oi_scale_multiplies_the_target(void **state) {
  (void)state;
  assert_true(scaled_target("1") == BK_FX(101));
  assert_true(scaled_target("2") == BK_FX(202));
  assert_true(scaled_target("0.5") == BK_FX(50));
  bk_popsynth_config c;
  bk_popsynth_config_init(&c);
  assert_true(c.oi_scale == BK_FX(1));
  c.oi_scale = 0;
  bk_population *p;
  bk_err err;
  assert_int_equal(bk_pop_synth_new(&c, &p, &err), BK_ECONFIG);
  assert_non_null(strstr(err.msg, "oi_scale"));
}

/* A crash: every trader enters at 100 during the warm-up; in the window the price falls
 * 1 % a minute. The highest leverage must be liquidated first, class by class. */
static void a_scripted_crash_liquidates_the_highest_leverage_first(void **state) {
  (void)state;
  rig *x = rig_new(30);
  bk_popsynth_config c;
  bk_popsynth_config_init(&c);
  c.accounts = 300;
  c.seed = bk_t_seed();
  int64_t target_quote[2] = {P("60000000"), 0}; /* 1,000 BTC: 2,000 lots over 300 */
  c.target_quote = target_quote;
  c.ntarget = 2;
  bk_population *p;
  assert_int_equal(bk_pop_synth_new(&c, &p, NULL), BK_OK);
  assert_int_equal(bk_sim_add_population(x->s, p), BK_OK);
  uint64_t s = c.seed;
  for (int i = 0; i < 1800; i++) {
    push(x, BK_EV_MARK, 0, 0, T0 + i * SEC, P("60000"), 0);
    push(x, BK_EV_TRADE, 0, bk_t_rand(&s) % 3 ? BK_BUY : BK_SELL, T0 + i * SEC + 1,
         P("60000"), BK_FX((int64_t)(bk_t_rand(&s) % 9) + 1));
  }
  push(x, BK_EV_MARK, 0, 0, T0 + 30 * MINUTE, P("60000"), 0);
  const bk_risk *r = bk_sim_risk(x->s, 0);
  size_t n = r->nacct;
  assert_true(n > 200);
  int64_t *lev = calloc(n, sizeof *lev), *when = calloc(n, sizeof *when);
  int *lng = calloc(n, sizeof *lng);
  for (size_t i = 0; i < n; i++) {
    int64_t notional;
    const bk_pos *q = &r->acct[i].pos[0];
    assert_int_equal(bk_pos_notional(&x->c[0], q->size, q->entry, &notional), BK_OK);
    lev[i] = (int64_t)((bk_i128)notional * 100 / r->acct[i].cash); /* leverage × 100 */
    lng[i] = q->size > 0;
    when[i] = INT64_MAX;
  }
  for (int m = 1; m <= 60; m++) { /* 1 % a minute, 10 s steps */
    for (int k = 0; k < 6; k++) {
      int64_t ts = T0 + 30 * MINUTE + (int64_t)(m - 1) * MINUTE + k * 10 * SEC + 1;
      int64_t px = P("60000") - (int64_t)((m - 1) * 6 + k + 1) * P("100");
      push(x, BK_EV_MARK, 0, 0, ts, px, 0);
    }
  }
  rig_finish(x);
  size_t liquidated = 0;
  for (size_t i = 0; i < r->nrecs; i++) {
    uint32_t a = r->recs[i].acct;
    if (when[a] == INT64_MAX) {
      when[a] = r->recs[i].ts;
      liquidated++;
    }
  }
  /* the fall to 24,000 (-60 %) liquidates every long above 2x */
  assert_true(liquidated > 50);
  for (size_t i = 0; i < n; i++) {
    if (!lng[i]) {
      assert_true(when[i] == INT64_MAX); /* shorts only gain */
      continue;
    }
    if (lev[i] > 250) assert_true(when[i] != INT64_MAX);
    for (size_t j = 0; j < n; j++)
      if (lng[j] && lev[i] * 10 > lev[j] * 11 && when[i] > when[j])
        fail_msg("seed %llu: account %zu at %.2fx liquidated after account %zu at %.2fx",
                 (unsigned long long)c.seed, i, (double)lev[i] / 100, j, (double)lev[j] / 100);
  }
  free(lev);
  free(when);
  free(lng);
  rig_free(x);
}

static void liquidation_prints_open_accounts_bankrupt_at_the_print(void **state) {
  (void)state;
  rig *x = rig_new(5);
  bk_liqprint_config c;
  bk_liqprint_config_init(&c);
  bk_population *p;
  bk_err err;
  if (bk_pop_liqprint_new(&c, &p, &err)) fail_msg("%s", err.msg);
  assert_int_equal(bk_sim_add_population(x->s, p), BK_OK);
  push(x, BK_EV_MARK, 0, 0, T0, P("60000"), 0);
  push(x, BK_EV_MARK, 1, 0, T0, P("4"), 0);
  push(x, BK_EV_TRADE, 0, BK_BUY, T0, P("60000"), BK_FX(1));
  push(x, BK_EV_TRADE, 1, BK_BUY, T0, P("4"), BK_FX(1));
  /* a print before the window is not a trader of the window */
  push(x, BK_EV_LIQ, 1, BK_SELL, T0 + MINUTE, P("3.9"), P("100"));
  struct {
    uint32_t instr;
    int side;
    const char *price, *qty;
    int64_t usd; /* quote notional of the print */
  } prints[] = {
      {1, BK_SELL, "3.812", "250", 2500},     /* a DOT long: 250 × 10 USD */
      {0, BK_BUY, "60123.4", "0.5", 30061},   /* a BTC short: 30,061.7 USDT, kept to 1e-8 */
      {1, BK_BUY, "4.101", "40", 400},        /* a DOT short */
  };
  int64_t printed = 0;
  for (size_t i = 0; i < 3; i++) {
    int64_t ts = T0 + 5 * MINUTE + (int64_t)i * SEC;
    push(x, BK_EV_MARK, prints[i].instr, 0, ts, prints[i].instr ? P("4") : P("60000"), 0);
    push(x, BK_EV_LIQ, prints[i].instr, prints[i].side, ts + 1, P(prints[i].price),
         P(prints[i].qty));
    for (size_t pol = 0; pol < 2; pol++) {
      const bk_risk *r = bk_sim_risk(x->s, pol);
      assert_int_equal((int)r->nacct, (int)i + 1);
      const bk_account *a = &r->acct[i];
      assert_true(a->npos == 1 && a->pos[0].contract == prints[i].instr);
      assert_true(a->pos[0].size == (prints[i].side == BK_SELL ? 1 : -1) * P(prints[i].qty));
      int64_t b;
      assert_int_equal(bk_acct_bankrupt_price(&r->env, a, 0, NULL, &b), BK_OK);
      if (b != P(prints[i].price))
        fail_msg("print %zu: bankruptcy %lld, print %lld", i, (long long)b,
                 (long long)P(prints[i].price));
    }
    int64_t q;
    assert_int_equal(bk_pop_quote_notional(&x->c[prints[i].instr],
                                           (prints[i].side == BK_SELL ? 1 : -1) * P(prints[i].qty),
                                           P(prints[i].price), &q), BK_OK);
    assert_true(q / BK_FX_SCALE == prints[i].usd);
    printed += q;
  }
  assert_true(bk_pop_liqprint_opened(p) == 3);
  assert_true(bk_pop_liqprint_skipped(p) == 1);
  /* crash DOT and lift BTC: all three are liquidated */
  for (int k = 1; k <= 40; k++) {
    int64_t ts = T0 + 6 * MINUTE + k * 5 * SEC;
    push(x, BK_EV_MARK, 1, 0, ts, P("4") - k * P("0.01") * (k < 20 ? 1 : -3), 0);
    push(x, BK_EV_MARK, 0, 0, ts, P("60000") + k * P("100"), 0);
  }
  rig_finish(x);
  bk_liqcal_row *rows;
  size_t n;
  assert_int_equal(bk_pop_liqprint_calibration(p, x->s, 0, 1, &rows, &n), BK_OK);
  assert_true(n >= 2);
  int64_t tp = 0, ts_ = 0;
  uint32_t np = 0, ns = 0;
  for (size_t i = 0; i < n; i++) {
    if (i) assert_true(rows[i].minute > rows[i - 1].minute);
    assert_true(rows[i].minute % MINUTE == 0);
    tp += rows[i].printed;
    ts_ += rows[i].simulated;
    np += rows[i].nprinted;
    ns += rows[i].nsimulated;
  }
  assert_true(rows[0].minute == T0 + 5 * MINUTE && rows[0].nprinted == 3);
  assert_true(tp == printed && np == 3);
  assert_true(ns >= 3 && ts_ > 0);
  /* every simulated step closed part of a printed position: at most the printed sizes
   * (in USD for DOT; BTC valued at the mark of the step, up to 64,000) */
  assert_true(ts_ <= P("2900") + P("32000"));
  free(rows);
  rig_free(x);
}

/* The real 2025-10-10 crash (the eight COIN-M trade tapes): the default synthetic
 * population sampled from the 00:00-20:00 warm-up is liquidated during the crash,
 * 21:19-21:25 UTC included, and more in the crash's ten minutes than in the quiet hour
 * before 20:50. 120 accounts per contract (not the default 1000) keep the debug build's
 * per-event conservation check affordable; sizes and leverage are the defaults. */
static void the_real_crash_liquidates_the_default_population(void **state) {
  (void)state;
  char dir[1024];
  if (!bk_t_data("binance-delivery-2025-10-10", dir, sizeof dir)) return;
  const char *paths[] = {dir};
  bk_instruments instr;
  bk_instruments_init(&instr);
  bk_merge *mg;
  bk_err err;
  if (bk_merge_open_paths(paths, 1, &instr, NULL, &mg, NULL, &err)) fail_msg("%s", err.msg);
  enum { K = 8 };
  bk_contract c[K];
  bk_asset assets[K];
  uint32_t contract_of[K];
  memset(assets, 0, sizeof assets);
  for (uint32_t k = 0; k < K; k++) {
    c[k] = inverse_contract("0.00001"); /* finer than every symbol's tick */
    c[k].settle = k;
    c[k].tiers.v[0].max_lev = BK_FX(100); /* the run's default inverse tier: 0.5 %, 100x */
    snprintf(assets[k].name, sizeof assets[k].name, "C%u", k);
    assets[k].price = BK_FX(1);
    contract_of[k] = k;
  }
  bk_policy pol;
  bk_policy_default(&pol);
  bk_sim_config cfg;
  bk_t_sim_config(&cfg, &pol, 1, c, K, assets, K, contract_of);
  cfg.shadow = 0;
  int64_t day = T0; /* 2025-10-10T00:00:00Z */
  cfg.from = day + 20 * 60 * MINUTE;
  cfg.to = day + 23 * 60 * MINUTE;
  bk_market *m = bk_market_new(&instr);
  bk_replay *r = bk_replay_new(m);
  bk_sim *s;
  if (bk_sim_new(&cfg, m, &s, &err)) fail_msg("%s", err.msg);
  assert_int_equal(bk_sim_attach(s, r), BK_OK);
  bk_replay_window(r, INT64_MIN, cfg.to);
  bk_popsynth_config sc;
  bk_popsynth_config_init(&sc);
  sc.accounts = 120;
  bk_population *p;
  assert_int_equal(bk_pop_synth_new(&sc, &p, NULL), BK_OK);
  assert_int_equal(bk_sim_add_population(s, p), BK_OK);
  bk_event ev;
  bk_rc rc;
  while ((rc = bk_merge_next(mg, &ev, NULL)) == BK_OK) {
    if (ev.instr >= K) fail_msg("more than %d instruments", K);
    rc = bk_replay_push(r, &ev);
    if (rc == BK_EOF) break;
    if (rc) fail_msg("replay: %s", bk_sim_err(s)->msg);
  }
  assert_true(rc == BK_OK || rc == BK_EOF);
  assert_int_equal(bk_replay_finish(r), BK_OK);
  if (bk_sim_finish(s)) fail_msg("%s", bk_sim_err(s)->msg);
  assert_int_equal((int)instr.n, K);
  for (uint32_t k = 0; k < K; k++) {
    bk_popsynth_stats st = bk_pop_synth_stats(p, k);
    printf("%-13s %6llu warm-up trades, OI target %8lld contracts (0.5 x volume), %zu sampled, "
           "%3zu liquidated before the window, %3zu opened\n", instr.v[k].symbol,
           (unsigned long long)st.trades, (long long)(st.target / BK_FX_SCALE), st.sampled,
           st.dropped, st.opened);
    assert_int_equal(st.source, BK_OI_VOLUME);
    assert_true(st.opened > 60);
  }
  const bk_risk *rk = bk_sim_risk(s, 0);
  size_t per10[18] = {0}, crash = 0;
  for (size_t i = 0; i < rk->nrecs; i++) {
    int64_t t = rk->recs[i].ts - cfg.from;
    if (t >= 0 && t < 180 * MINUTE) per10[t / (10 * MINUTE)]++;
    if (rk->recs[i].ts >= day + (21 * 60 + 19) * MINUTE &&
        rk->recs[i].ts < day + (21 * 60 + 25) * MINUTE)
      crash++;
  }
  printf("liquidation steps per 10 minutes from 20:00:");
  for (int i = 0; i < 18; i++) printf(" %zu", per10[i]);
  printf("\n%zu steps in 21:19-21:25, %zu ADL closes\n", crash, rk->nadl);
  assert_true(crash > 0);
  assert_true(per10[7] > per10[0] + per10[1] + per10[2] + per10[3] + per10[4]);
  bk_sim_free(s);
  bk_replay_free(r);
  bk_market_free(m);
  bk_merge_free(mg);
  bk_instruments_fini(&instr);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rng_is_deterministic_and_below_is_in_range),
      cmocka_unit_test(discrete_leverage_follows_its_weights),
      cmocka_unit_test(loguniform_leverage_follows_the_log_cdf),
      cmocka_unit_test(log2_matches_the_math_library),
      cmocka_unit_test(apportion_gives_exactly_the_total_like_the_reference),
      cmocka_unit_test(deposits_are_notional_over_leverage_rounded_up),
      cmocka_unit_test(print_entries_put_bankruptcy_on_the_print),
      cmocka_unit_test(synthetic_plan_meets_the_target_and_drops_the_liquidated),
      cmocka_unit_test(synthetic_leverage_is_capped_by_the_tier),
      cmocka_unit_test(accounts_files_read_exactly_what_they_say),
      cmocka_unit_test(bad_accounts_files_name_file_line_and_column),
      cmocka_unit_test(a_large_csv_book_loads_every_account),
      cmocka_unit_test(explicit_accounts_open_exactly_as_the_file_says),
      cmocka_unit_test(explicit_accounts_that_never_get_a_mark_fail_at_the_finish),
      cmocka_unit_test(a_two_contract_cross_account_is_liquidated_as_one_pool),
      cmocka_unit_test(an_accounts_file_posts_collateral_valued_at_the_marks),
      cmocka_unit_test(a_synthetic_population_posts_its_deposits_as_collateral),
      cmocka_unit_test(synthetic_accounts_enter_at_real_trade_prices_and_meet_the_target),
      cmocka_unit_test(synthetic_population_is_the_same_for_the_same_seed),
      cmocka_unit_test(streams_differ_by_seed_name_and_index),
      cmocka_unit_test(a_coins_draw_is_the_same_whether_or_not_another_coin_runs),
      cmocka_unit_test(a_coins_living_draw_is_the_same_whether_or_not_another_coin_runs),
      cmocka_unit_test(synthetic_population_needs_a_warmup),
      cmocka_unit_test(the_oi_scale_multiplies_the_target),
      cmocka_unit_test(a_scripted_crash_liquidates_the_highest_leverage_first),
      cmocka_unit_test(liquidation_prints_open_accounts_bankrupt_at_the_print),
  };
  /* tests that read the shared real data: `test_population --data` (ctest: test_population_data) */
  const struct CMUnitTest data_tests[] = {
      cmocka_unit_test(the_real_crash_liquidates_the_default_population),
  };
  if (bk_t_data_mode(argc, argv))
    return bk_t_data_exit(cmocka_run_group_tests_name("real data", data_tests, NULL, NULL));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
