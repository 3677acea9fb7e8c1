/*
 * Second legs of the synthetic population (strategies/pop_synth.h, "Second legs"): the
 * pure sizing of a second leg against hand-computed figures, a two-leg account liquidated
 * as one pool on a move of one leg only, the chosen share of accounts, first legs that do
 * not move with the share, and no second leg across settle assets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "engine/fixed.h"
#include "engine/market.h"
#include "engine/replay.h"
#include "engine/sim.h"
#include "strategies/pop_synth.h"
#include "strategies/sizing.h"
#include "tests/testutil.h"

#define T0 INT64_C(1760054400000000) /* 2025-10-10T00:00:00Z */
#define SEC INT64_C(1000000)
#define MINUTE (60 * SEC)

/* A linear contract (contract size 1) with one tier: maintenance mmr, leverage at most
 * max_lev. */
static bk_contract linear(const char *tick, const char *mmr, int max_lev) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_LINEAR;
  c.tick = P(tick);
  c.contract_size = BK_FX(1);
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P(mmr), -1, BK_FX(max_lev)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

static bk_contract inverse(const char *face) {
  bk_contract c = linear("0.001", "0.005", 125);
  c.kind = BK_INVERSE;
  c.contract_size = P(face);
  return c;
}

/* ---- the pure step ---- */

static void a_second_leg_is_half_the_notional_in_whole_lots_under_one_deposit(void **state) {
  (void)state;
  bk_contract btc = linear("0.1", "0.005", 125), eth = linear("0.01", "0.005", 125);
  bk_popsynth_open first = {.size = BK_FX(10), .entry = P("100"), .lev = BK_FX(10)};
  bk_popsynth_leg g;
  /* N1 = 10 × 100 = 1,000; half is 500 = 12.5 contracts at 40, 12 in whole lots: N2 = 480;
     hedged, so short. Deposit (1,000 + 480) / 10 = 148. */
  assert_int_equal(bk_popsynth_second_leg(&btc, &first, &eth, P("40"), 1, BK_FX(1), 0, &g),
                   BK_OK);
  assert_true(g.size == -BK_FX(12) && g.entry == P("40") && g.lev == BK_FX(10) &&
              g.deposit == P("148"));
  /* the same side, at 3× with a 10 % cushion: 1,480 / 3 = 493.333… up to 493.33333334,
     cushion 49.333333334 up to 49.33333334: 542.66666668 */
  first.lev = BK_FX(3);
  assert_int_equal(
      bk_popsynth_second_leg(&btc, &first, &eth, P("40"), 0, BK_FX(1), P("0.1"), &g), BK_OK);
  assert_true(g.size == BK_FX(12) && g.deposit == P("542.66666668"));
  /* a short first leg: the same side is short, the hedge long */
  first.size = -BK_FX(10);
  assert_int_equal(bk_popsynth_second_leg(&btc, &first, &eth, P("40"), 0, BK_FX(1), 0, &g),
                   BK_OK);
  assert_true(g.size == -BK_FX(12));
  assert_int_equal(bk_popsynth_second_leg(&btc, &first, &eth, P("40"), 1, BK_FX(1), 0, &g),
                   BK_OK);
  assert_true(g.size == BK_FX(12));
  /* too small for a lot: one lot. N1 = 10, half 5 = 0.125 contracts at 40; one contract,
     N2 = 40, deposit 50 / 3 = 16.666… up to 16.66666667 */
  first = (bk_popsynth_open){.size = BK_FX(1), .entry = P("10"), .lev = BK_FX(3)};
  assert_int_equal(bk_popsynth_second_leg(&btc, &first, &eth, P("40"), 0, BK_FX(1), 0, &g),
                   BK_OK);
  assert_true(g.size == BK_FX(1) && g.deposit == P("16.66666667"));
  /* the second contract's tier caps the account's leverage: 10× → 5×, 1,480 / 5 = 296 */
  eth = linear("0.01", "0.01", 5);
  first = (bk_popsynth_open){.size = BK_FX(10), .entry = P("100"), .lev = BK_FX(10)};
  assert_int_equal(bk_popsynth_second_leg(&btc, &first, &eth, P("40"), 1, BK_FX(1), 0, &g),
                   BK_OK);
  assert_true(g.lev == BK_FX(5) && g.deposit == P("296"));
  /* coin-margined: short 100 × 10 USD at 4 is N1 = 250 coin; half, 125 coin at 5 with a
     100 USD face is 6.25 contracts, 6: N2 = 6 × 100 / 5 = 120 coin; 370 / 20 = 18.5 */
  bk_contract dot = inverse("10"), dot2 = inverse("100");
  first = (bk_popsynth_open){.size = -BK_FX(100), .entry = P("4"), .lev = BK_FX(20)};
  assert_int_equal(bk_popsynth_second_leg(&dot, &first, &dot2, P("5"), 0, BK_FX(1), 0, &g),
                   BK_OK);
  assert_true(g.size == -BK_FX(6) && g.deposit == P("18.5"));
}

/* ---- through a scripted simulation ---- */

/* Instruments 0 BTCUSDT and 1 ETHUSDT settle in USDT (maintenance 2 %, at most 50×),
 * 2 DOTUSD_PERP in DOT (face 10); one policy; the window opens at T0 + from_min. */
typedef struct rig {
  bk_instruments instr;
  bk_market *m;
  bk_replay *r;
  bk_sim *s;
  bk_contract c[3];
  bk_asset asset[2];
  uint32_t contract_of[3];
  bk_policy pol;
  bk_population *pop;
} rig;

static rig *rig_new(int from_min, const bk_popsynth_config *pc) {
  rig *x = calloc(1, sizeof *x);
  bk_instruments_init(&x->instr);
  static const char *const sym[] = {"BTCUSDT", "ETHUSDT", "DOTUSD_PERP"};
  uint32_t id;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(bk_instr_intern(&x->instr, "binance-futures", 15, sym[i], strlen(sym[i]),
                                     &id), BK_OK);
    x->contract_of[i] = (uint32_t)i;
  }
  x->c[0] = linear("0.1", "0.02", 50);
  x->c[1] = linear("0.01", "0.02", 50);
  x->c[2] = inverse("10");
  x->c[2].settle = 1;
  strcpy(x->asset[0].name, "USDT");
  strcpy(x->asset[1].name, "DOT");
  x->asset[0].price = x->asset[1].price = BK_FX(1);
  bk_policy_default(&x->pol);
  bk_policy_set_fund(&x->pol, "USDT", P("1000000"), NULL);
  bk_policy_set_fund(&x->pol, "DOT", P("100000"), NULL);
  bk_sim_config cfg;
  bk_t_sim_config(&cfg, &x->pol, 1, x->c, 3, x->asset, 2, x->contract_of);
  cfg.from = T0 + from_min * MINUTE;
  x->m = bk_market_new(&x->instr);
  x->r = bk_replay_new(x->m);
  bk_err err;
  if (bk_sim_new(&cfg, x->m, &x->s, &err)) fail_msg("sim: %s", err.msg);
  assert_int_equal(bk_sim_attach(x->s, x->r), BK_OK);
  if (bk_pop_synth_new(pc, &x->pop, &err)) fail_msg("%s", err.msg);
  assert_int_equal(bk_sim_add_population(x->s, x->pop), BK_OK);
  return x;
}

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

/* One BTC trader at 10×, every account given a second leg; ETH has a mark but no trade,
 * so it opens no account of its own. The scenario's 100,000 USDT at the mark 100,000 is
 * a target of 1 BTC a side: the one account, a taker buy at 100,000, is long 2 BTC,
 * N1 = 200,000. Its second leg is half of that, 100,000 USDT = 25 ETH at 4,000, long or
 * short (drawn). Deposit (200,000 + 100,000) / 10 = 30,000.
 * Maintenance 2 % of both notionals at the mark; ETH stays at 4,000 (no PnL, maintenance
 * 2,000 whatever its side). BTC at B: equity 30,000 + 2 (B − 100,000) against
 * 0.04 B + 2,000: liquidatable below B = 172,000 / 1.96 = 87,755.102…, for a long up to
 * the 0.1 tick: 87,755.2.
 *   B = 88,000: equity 6,000 >= 3,520 + 2,000 = 5,520, nobody is liquidated (a one-leg
 *   account of 20,000 would have gone below 180,000 / 1.96 = 91,836.7…);
 *   B = 87,000: equity 4,000 < 3,480 + 2,000 = 5,480: the pool goes, ETH with it. */
static void a_two_leg_account_is_liquidated_as_one_pool(void **state) {
  (void)state;
  bk_popsynth_config pc;
  bk_popsynth_config_init(&pc);
  pc.accounts = 1;
  pc.lev.n = 1;
  pc.lev.lev[0] = BK_FX(10);
  pc.lev.weight[0] = 1;
  int64_t target[3] = {P("100000"), 0, 0};
  pc.target_quote = target;
  pc.ntarget = 3;
  pc.second_leg_share = BK_FX(1);
  rig *x = rig_new(1, &pc);
  push(x, BK_EV_MARK, 0, 0, T0 + SEC, P("100000"), 0);
  push(x, BK_EV_MARK, 1, 0, T0 + SEC, P("4000"), 0);
  push(x, BK_EV_TRADE, 0, BK_BUY, T0 + 2 * SEC, P("100000"), BK_FX(1));
  push(x, BK_EV_MARK, 0, 0, T0 + MINUTE, P("100000"), 0); /* the window opens */
  const bk_risk *r = bk_sim_risk(x->s, 0);
  assert_int_equal((int)r->nacct, 1);
  const bk_account *a = &r->acct[0];
  assert_int_equal((int)a->npos, 2);
  assert_true(a->cash == P("30000"));
  assert_true(a->pos[0].contract == 0 && a->pos[0].size == BK_FX(2) &&
              a->pos[0].entry == P("100000"));
  int64_t eth = a->pos[1].size;
  assert_true(a->pos[1].contract == 1 && (eth == BK_FX(25) || eth == -BK_FX(25)) &&
              a->pos[1].entry == P("4000"));
  bk_popsynth_stats b = bk_pop_synth_stats(x->pop, 0), e = bk_pop_synth_stats(x->pop, 1);
  assert_true(b.opened == 1 && b.paired == 1 && b.longs == BK_FX(2) && b.legs == 0);
  assert_true(e.opened == 0 && e.legs == 1 && e.longs + e.shorts == BK_FX(25));
  bk_sim_census c = bk_sim_census_of(x->s, 0, 1);
  assert_true(c.accounts == 1 && c.oi_long == (eth > 0 ? P("300000") : P("200000")) &&
              c.oi_short == (eth > 0 ? 0 : P("100000")));
  int64_t exact, px;
  assert_int_equal(bk_acct_liq_price(&r->env, a, 0, &exact, &px), BK_OK);
  assert_true(px == P("87755.2"));
  push(x, BK_EV_MARK, 0, 0, T0 + 2 * MINUTE, P("88000"), 0);
  assert_int_equal((int)r->acct[0].npos, 2);
  assert_int_equal((int)r->nrecs, 0);
  push(x, BK_EV_MARK, 0, 0, T0 + 3 * MINUTE, P("87000"), 0);
  push(x, BK_EV_MARK, 1, 0, T0 + 3 * MINUTE + SEC, P("4000"), 0);
  assert_int_equal(bk_replay_finish(x->r), BK_OK);
  if (bk_sim_finish(x->s)) fail_msg("finish: %s", bk_sim_err(x->s)->msg);
  r = bk_sim_risk(x->s, 0);
  assert_int_equal((int)r->acct[0].npos, 0);
  assert_int_equal((int)r->nrecs, 2);
  assert_true(r->recs[0].contract == 0 && r->recs[1].contract == 1);
  /* one event: the BTC mark at T0 + 3 min is the only one at that instant */
  assert_true(r->recs[0].ts == T0 + 3 * MINUTE && r->recs[1].ts == T0 + 3 * MINUTE);
  rig_free(x);
}

/* What a run of `accounts` traders per USDT contract (and DOT) opened. */
typedef struct run_out {
  size_t paired[3], legs[3], opened[3];
  size_t two;                       /* accounts holding two positions */
  int64_t first[600][3];            /* per account: first leg's size, entry, contract */
  size_t n;
  int cross_asset;                  /* 1: a second leg on another asset's contract */
  int leg_ok;                       /* 1: every second leg is half the first, in lots */
  int64_t engine_gross[3], stats_gross[3];
} run_out;

/* 10 minutes of warm-up trades on all three contracts, then the window opens. */
static void run_share(int64_t share, run_out *o) {
  bk_popsynth_config pc;
  bk_popsynth_config_init(&pc);
  pc.accounts = 150;
  pc.second_leg_share = share;
  pc.lot = P("0.001");
  rig *x = rig_new(10, &pc);
  uint64_t g = 11;
  static const char *const base[] = {"60000", "3000", "4"};
  for (int i = 0; i < 600; i++)
    for (uint32_t k = 0; k < 3; k++)
      push(x, BK_EV_TRADE, k, bk_t_rand(&g) & 1 ? BK_BUY : BK_SELL, T0 + i * SEC,
           P(base[k]) + (int64_t)(bk_t_rand(&g) % 100) * (k == 2 ? P("0.001") : P("0.1")),
           BK_FX(1 + (int64_t)(bk_t_rand(&g) % 9)));
  push(x, BK_EV_TRADE, 0, BK_BUY, T0 + 10 * MINUTE, P("60000"), BK_FX(1));
  /* the marks the window opened at: the buckets of the last warm-up trades closed at 599.1 s,
     when the window's first event came, before the population opened anything; the trade
     itself only opened a bucket */
  int64_t mark[3];
  for (uint32_t k = 0; k < 3; k++) mark[k] = bk_sim_mark(x->s, k);
  const bk_risk *r = bk_sim_risk(x->s, 0);
  memset(o, 0, sizeof *o);
  o->leg_ok = 1;
  for (size_t i = 0; i < r->nacct && i < 600; i++) {
    const bk_account *a = &r->acct[i];
    o->first[o->n][0] = a->pos[0].size;
    o->first[o->n][1] = a->pos[0].entry;
    o->first[o->n++][2] = a->pos[0].contract;
    for (size_t j = 0; j < a->npos; j++)
      o->engine_gross[a->pos[j].contract] += llabs(a->pos[j].size);
    if (a->npos != 2) continue;
    o->two++;
    const bk_contract *c1 = &x->c[a->pos[0].contract], *c2 = &x->c[a->pos[1].contract];
    o->cross_asset |= c1->settle != c2->settle;
    /* half the first notional, rounded down to lots (at least one): within one lot */
    int64_t n1, n2, lot2;
    assert_int_equal(bk_pos_notional(c1, a->pos[0].size, a->pos[0].entry, &n1), BK_OK);
    assert_int_equal(bk_pos_notional(c2, a->pos[1].size, a->pos[1].entry, &n2), BK_OK);
    assert_int_equal(bk_pos_notional(c2, pc.lot, a->pos[1].entry, &lot2), BK_OK);
    o->leg_ok &= llabs(a->pos[1].size) % pc.lot == 0 &&
                 a->pos[1].entry == mark[a->pos[1].contract] &&
                 (n2 <= n1 / 2 + 1 || llabs(a->pos[1].size) == pc.lot) &&
                 n2 > n1 / 2 - lot2 - 1;
  }
  for (uint32_t k = 0; k < 3; k++) {
    bk_popsynth_stats st = bk_pop_synth_stats(x->pop, k);
    o->paired[k] = st.paired;
    o->legs[k] = st.legs;
    o->opened[k] = st.opened;
    o->stats_gross[k] = st.longs + st.shorts;
  }
  assert_int_equal(bk_replay_finish(x->r), BK_OK);
  assert_int_equal(bk_sim_finish(x->s), BK_OK);
  rig_free(x);
}

/* share × accounts, within one account, get a second leg, each on the other USDT
 * contract and never on DOT's; the second contract's open interest counts them; the first
 * legs are those of a run without second legs. */
static void the_share_is_met_within_one_account_and_stays_in_its_asset(void **state) {
  (void)state;
  static run_out none, some;
  run_share(0, &none);
  run_share(P("0.3"), &some);
  assert_true(none.two == 0 && none.paired[0] == 0 && none.legs[1] == 0);
  assert_false(some.cross_asset);
  assert_true(some.leg_ok);
  size_t paired = 0;
  for (int k = 0; k < 3; k++) {
    assert_true(some.opened[k] > 50 && some.opened[k] == none.opened[k]);
    /* within one account of 0.3 × opened: 10 × paired in (3 × opened − 10, 3 × opened] */
    if (k < 2)
      assert_true(10 * some.paired[k] <= 3 * some.opened[k] &&
                  10 * some.paired[k] + 10 > 3 * some.opened[k]);
    paired += some.paired[k];
    assert_true(some.engine_gross[k] == some.stats_gross[k]);
  }
  /* DOT is alone in its asset: no second leg from or onto it */
  assert_true(some.paired[2] == 0 && some.legs[2] == 0);
  assert_true(some.legs[1] == some.paired[0] && some.legs[0] == some.paired[1]);
  assert_true(some.two == paired && paired > 0);
  assert_true(some.n == none.n);
  for (size_t i = 0; i < some.n; i++)
    assert_true(some.first[i][0] == none.first[i][0] && some.first[i][1] == none.first[i][1] &&
                some.first[i][2] == none.first[i][2]);
}

static void a_share_outside_zero_to_one_is_refused(void **state) {
  (void)state;
  bk_popsynth_config pc;
  bk_popsynth_config_init(&pc);
  bk_population *p;
  bk_err err;
  pc.second_leg_share = P("1.01");
  assert_int_equal(bk_pop_synth_new(&pc, &p, &err), BK_ECONFIG);
  assert_non_null(strstr(err.msg, "second_leg_share"));
  pc.second_leg_share = -1;
  assert_int_equal(bk_pop_synth_new(&pc, &p, &err), BK_ECONFIG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_second_leg_is_half_the_notional_in_whole_lots_under_one_deposit),
      cmocka_unit_test(a_two_leg_account_is_liquidated_as_one_pool),
      cmocka_unit_test(the_share_is_met_within_one_account_and_stays_in_its_asset),
      cmocka_unit_test(a_share_outside_zero_to_one_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
