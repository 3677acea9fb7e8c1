/*
 * A living population: traders who leave (bk_risk_close_account, bk_sim_close) against
 * hand-worked PnL, withdrawals and ledger sums; the living bookkeeping (the open-interest
 * path's scale and the choice of whom to close) against hand-worked cases; and the living
 * synthetic population end to end: accounts open and close inside the window of a
 * scripted tape, and the population's open interest follows the replayed open interest of
 * the synthetic default day and a scenario's path over the real BTCUSDT tape of
 * 2023-04-05 (which has no open interest of its own) within one lot plus one account's
 * size at every rebalance step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/fixed.h"
#include "engine/instrument.h"
#include "engine/market.h"
#include "engine/replay.h"
#include "engine/risk.h"
#include "engine/sim.h"
#include "feeds/merge.h"
#include "strategies/pop_living.h"
#include "strategies/pop_synth.h"
#include "tests/testutil.h"

#define T0 INT64_C(1760054400000000) /* 2025-10-10T00:00:00Z */
#define SEC INT64_C(1000000)
#define MINUTE (60 * SEC)

static bk_contract contract(int kind, const char *tick, const char *size) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = kind;
  c.tick = P(tick);
  c.contract_size = P(size);
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P("0.005"), -1, BK_FX(100)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

/* ---- a trader leaves: the risk state ---- */

static bk_risk *one_contract_risk(bk_contract c) {
  bk_policy pol;
  bk_policy_default(&pol);
  bk_asset a;
  memset(&a, 0, sizeof a);
  strcpy(a.name, "USDT");
  a.price = BK_FX(1);
  bk_risk *r;
  bk_err err;
  if (bk_risk_new(&pol, &c, 1, &a, 1, &r, &err)) fail_msg("%s", err.msg);
  r->check = 2; /* full conservation after every event */
  return r;
}

static int64_t balance(const bk_risk *r, uint32_t party) {
  return bk_ledger_balance(&r->ledger, party, 0);
}

/* Long 2 at 100 with 1000 deposited, short 3 at 100 with 500; the mark goes to 110
 * (nobody liquidatable); both leave. By hand: the long realizes 2 × (110 − 100) = +20 and
 * withdraws 1020, the short realizes −3 × 10 = −30 and withdraws 470. The market paid
 * 20 − 30 = −10 (it received 10), the outside world put in 1500 and took out 1490. */
static void a_trader_leaving_realizes_pnl_and_withdraws_what_is_left(void **state) {
  (void)state;
  bk_risk *r = one_contract_risk(contract(BK_LINEAR, "0.1", "1"));
  uint32_t lg, sh;
  bk_risk_set_mark(r, 0, P("100"));
  assert_int_equal(bk_risk_add_account(r, 0, P("1000"), &lg), BK_OK);
  assert_int_equal(bk_risk_trade(r, lg, 0, P("2"), P("100")), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 0, P("500"), &sh), BK_OK);
  assert_int_equal(bk_risk_trade(r, sh, 0, -P("3"), P("100")), BK_OK);
  assert_int_equal(bk_risk_on_mark(r, 0, P("110"), T0, NULL), BK_OK);
  assert_int_equal((int)r->nrecs, 0);
  uint64_t postings = r->ledger.postings;
  int left;
  assert_int_equal(bk_risk_close_account(r, lg, T0 + SEC, &left), BK_OK);
  assert_int_equal(left, 1);
  assert_int_equal(r->ledger.postings, postings + 2); /* the PnL, the withdrawal */
  assert_int_equal(bk_risk_close_account(r, sh, T0 + 2 * SEC, &left), BK_OK);
  assert_int_equal(left, 1);
  for (uint32_t id = 0; id < 2; id++) {
    assert_int_equal((int)r->acct[id].npos, 0);
    assert_true(r->acct[id].cash == 0);
    assert_true(balance(r, BK_PARTY_ACCT0 + id) == 0);
  }
  assert_true(balance(r, BK_PARTY_MARKET) == P("10"));
  assert_true(balance(r, BK_PARTY_EXTERNAL) == -P("1500") + P("1020") + P("470"));
  assert_true(balance(r, BK_PARTY_MARKET) + balance(r, BK_PARTY_EXTERNAL) +
                  balance(r, BK_PARTY_FUND) + balance(r, BK_PARTY_FEES) == 0);
  assert_true(r->market_pos[0] == 0 && r->acct_oi[0] == 0 && r->holders[0].n == 0);
  assert_true(r->ledger.fund_in[BK_CAUSE_PNL][0] == 0); /* no fee: the fund is untouched */
  assert_int_equal(bk_risk_check(r), BK_OK);
  bk_risk_free(r);
}

/* Inverse, 10 USD contracts: long 10 at 4 with 30 coins, the mark at 5. By hand the PnL is
 * 10 × 10 × (1/4 − 1/5) = 5 coins: 35 withdrawn. */
static void an_inverse_trader_leaves_with_coin_pnl(void **state) {
  (void)state;
  bk_risk *r = one_contract_risk(contract(BK_INVERSE, "0.001", "10"));
  uint32_t id;
  bk_risk_set_mark(r, 0, P("4"));
  assert_int_equal(bk_risk_add_account(r, 0, P("30"), &id), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, 0, P("10"), P("4")), BK_OK);
  assert_int_equal(bk_risk_on_mark(r, 0, P("5"), T0, NULL), BK_OK);
  int left;
  assert_int_equal(bk_risk_close_account(r, id, T0 + SEC, &left), BK_OK);
  assert_int_equal(left, 1);
  assert_true(balance(r, BK_PARTY_EXTERNAL) == -P("30") + P("35"));
  assert_true(balance(r, BK_PARTY_MARKET) == -P("5"));
  bk_risk_free(r);
}

/* An account the mark would liquidate stays with the liquidation engine; one with no
 * position left only withdraws. Long 2 at 100 with 10: at 90 its equity is 10 − 20 < 0. */
static void an_account_under_liquidation_stays_and_a_closed_out_one_withdraws(void **state) {
  (void)state;
  bk_risk *r = one_contract_risk(contract(BK_LINEAR, "0.1", "1"));
  uint32_t id, flat;
  bk_risk_set_mark(r, 0, P("100"));
  assert_int_equal(bk_risk_add_account(r, 0, P("10"), &id), BK_OK);
  assert_int_equal(bk_risk_trade(r, id, 0, P("2"), P("100")), BK_OK);
  assert_int_equal(bk_risk_add_account(r, 0, P("7"), &flat), BK_OK);
  bk_risk_set_mark(r, 0, P("90"));
  int left = -1;
  assert_int_equal(bk_risk_close_account(r, id, T0, &left), BK_OK);
  assert_int_equal(left, 0);
  assert_true(r->acct[id].npos == 1 && r->acct[id].cash == P("10"));
  assert_int_equal(bk_risk_close_account(r, flat, T0, &left), BK_OK);
  assert_int_equal(left, 1);
  assert_true(r->acct[flat].cash == 0 && balance(r, BK_PARTY_EXTERNAL) == -P("10"));
  assert_int_equal(bk_risk_close_account(r, 9, T0, &left), BK_EDATA);
  bk_risk_free(r);
}

/* ---- the living bookkeeping ---- */

static void the_path_scale_is_linear_between_points_and_flat_outside(void **state) {
  (void)state;
  bk_living_point path[] = {{0, P("1")}, {100, P("0.5")}, {103, P("0")}};
  assert_true(bk_living_path_scale(path, 3, -5) == P("1"));
  assert_true(bk_living_path_scale(path, 3, 50) == P("0.75"));
  assert_true(bk_living_path_scale(path, 3, 33) == P("0.835")); /* 1 − 0.5 × 33/100 */
  assert_true(bk_living_path_scale(path, 3, 100) == P("0.5"));
  /* 0.5 − 0.5/3 = 0.3333333333..., rounded down */
  assert_true(bk_living_path_scale(path, 3, 101) == P("0.33333333"));
  assert_true(bk_living_path_scale(path, 3, 1000) == 0);
  assert_true(bk_living_path_scale(path, 1, 1000) == P("1"));
}

/* Longs of 4, 4, 4 and shorts of 2, 2. To shed 6 longs: a 4 (< 2 × 6) closes, 2 left;
 * the next 4 is not below 2 × 2, so it stops. To shed 2 shorts: a 2 (< 4) closes.
 * Whatever the draws, as the sizes are equal: one long, one short, 8 long and 2 short
 * left. Then shedding 10 longs closes both 4s and stops with the side empty. */
static void shrinking_a_side_stops_within_half_an_account(void **state) {
  (void)state;
  bk_living l;
  assert_int_equal(bk_living_init(&l, 4), BK_OK);
  for (uint32_t i = 0; i < 3; i++) assert_int_equal(bk_living_hold(&l, i, 4), BK_OK);
  for (uint32_t i = 3; i < 5; i++) assert_int_equal(bk_living_hold(&l, i, -2), BK_OK);
  uint64_t rng = bk_t_seed();
  uint32_t out[5];
  size_t n;
  bk_living_shrink(&l, 0, 6, &rng, out, &n);
  assert_true(n == 1 && out[0] < 3);
  bk_living_shrink(&l, 1, 2, &rng, out, &n);
  assert_true(n == 1 && out[0] >= 3);
  assert_true(l.held[0] == 8 && l.held[1] == 2);
  assert_true(l.side[0].n == 2 && l.side[1].n == 1);
  bk_living_shrink(&l, 0, 10, &rng, out, &n);
  assert_int_equal((int)n, 2);
  assert_true(l.held[0] == 0 && l.side[0].n == 0 && l.held[1] == 2);
  bk_living_fini(&l);
}

/* What the engine says the accounts of the sync test hold now: 0 untouched (+4), 1
 * deleveraged to +1, 2 liquidated (0), 3 untouched (−2). */
static int64_t engine_sizes(const void *ctx, uint32_t id) {
  (void)ctx;
  static const int64_t now[] = {4, 1, 0, -2};
  return now[id];
}

/* Held: +4, +4, −2, −2. After the sync the longs hold 4 + 1 = 5 in two accounts and the
 * shorts 2 in one: the liquidated account is no longer held. */
static void syncing_reads_what_the_engine_left(void **state) {
  (void)state;
  bk_living l;
  assert_int_equal(bk_living_init(&l, 4), BK_OK);
  const int64_t sizes[] = {4, 4, -2, -2};
  for (uint32_t i = 0; i < 4; i++) assert_int_equal(bk_living_hold(&l, i, sizes[i]), BK_OK);
  bk_living_sync(&l, engine_sizes, NULL);
  assert_true(l.held[0] == 5 && l.side[0].n == 2);
  assert_true(l.held[1] == 2 && l.side[1].n == 1 && l.side[1].id[0] == 3);
  bk_living_fini(&l);
}

/* gap / mean, to the nearest, at least 1, at most the reservoir: 1 lot over a mean of
 * 1000 lots is 1 account; 25 / 10 = 2.5 rounds up to 3, 24 / 10 = 2.4 down to 2; 10000 / 1
 * is capped at 50. */
static void a_small_gap_opens_one_account(void **state) {
  (void)state;
  assert_int_equal((int)bk_living_count(BK_FX(1), BK_FX(1000), 50), 1);
  assert_int_equal((int)bk_living_count(25, 10, 50), 3);
  assert_int_equal((int)bk_living_count(24, 10, 50), 2);
  assert_int_equal((int)bk_living_count(10000, 1, 50), 50);
}

/* Taker buys 5 and 7 and a taker sell of 3: two longs weigh 5 and 7 (in some order); two
 * shorts get only the one sell, 3. A step of sells only lends them to the longs; a step
 * without trades weighs every account 1. */
static void weights_come_from_the_sides_trades(void **state) {
  (void)state;
  bk_living l;
  assert_int_equal(bk_living_init(&l, 4), BK_OK);
  uint64_t rng = bk_t_seed();
  bk_living_trade_rec t[] = {{5, BK_BUY}, {7, BK_BUY}, {3, BK_SELL}};
  for (int i = 0; i < 3; i++) bk_living_trade(&l, &t[i], &rng);
  int64_t w[3];
  assert_int_equal((int)bk_living_weights(&l, 0, 2, &rng, w), 2);
  assert_true(w[0] + w[1] == 12 && w[0] * w[1] == 35);
  assert_int_equal((int)bk_living_weights(&l, 1, 2, &rng, w), 1);
  assert_true(w[0] == 3);
  bk_living_next_step(&l);
  bk_living_trade(&l, &t[2], &rng);
  assert_int_equal((int)bk_living_weights(&l, 0, 2, &rng, w), 1);
  assert_true(w[0] == 3);
  bk_living_next_step(&l);
  assert_int_equal((int)bk_living_weights(&l, 1, 3, &rng, w), 3);
  assert_true(w[0] == 1 && w[1] == 1 && w[2] == 1);
  bk_living_fini(&l);
}

/* ---- the living population end to end ---- */

typedef struct rig {
  bk_instruments instr;
  bk_market *m;
  bk_replay *r;
  bk_sim *s;
  bk_contract c;
  bk_asset asset;
  uint32_t contract_of[1];
  bk_policy pol[2];
} rig;

/* One linear contract (tick 0.1, 1 unit, 0.5 %, 100x), two policies, window from `from`. */
static rig *rig_new(const char *symbol, int64_t from) {
  rig *x = calloc(1, sizeof *x);
  bk_instruments_init(&x->instr);
  uint32_t id;
  assert_int_equal(bk_instr_intern(&x->instr, "binance-futures", 15, symbol, strlen(symbol),
                                   &id), BK_OK);
  x->c = contract(BK_LINEAR, "0.1", "1");
  strcpy(x->asset.name, "USDT");
  x->asset.price = BK_FX(1);
  for (int i = 0; i < 2; i++) {
    bk_policy_default(&x->pol[i]);
    bk_policy_set_fund(&x->pol[i], "USDT", P("100000"), NULL);
  }
  strcpy(x->pol[0].name, "one");
  strcpy(x->pol[1].name, "two");
  x->pol[1].penalty = P("0.02");
  bk_sim_config cfg;
  bk_t_sim_config(&cfg, x->pol, 2, &x->c, 1, &x->asset, 1, x->contract_of);
  cfg.from = from;
  x->m = bk_market_new(&x->instr);
  x->r = bk_replay_new(x->m);
  bk_err err;
  if (bk_sim_new(&cfg, x->m, &x->s, &err)) fail_msg("sim: %s", err.msg);
  assert_int_equal(bk_sim_attach(x->s, x->r), BK_OK);
  return x;
}

static void rig_free(rig *x) {
  bk_sim_free(x->s);
  bk_replay_free(x->r);
  bk_market_free(x->m);
  bk_instruments_fini(&x->instr);
  free(x);
}

static bk_population *living_pop(rig *x, uint64_t seed, const bk_living_point *path,
                                 size_t npath, int64_t step_us) {
  bk_popsynth_config c;
  bk_popsynth_config_init(&c);
  c.seed = seed;
  c.accounts = 50;
  c.living = 1;
  c.rebalance_us = step_us;
  c.oi_path = path;
  c.npath = npath;
  bk_population *p;
  bk_err err;
  if (bk_pop_synth_new(&c, &p, &err)) fail_msg("%s", err.msg);
  assert_int_equal(bk_sim_add_population(x->s, p), BK_OK);
  return p;
}

/* What a test follows step by step. A probe population added after the living one sees
 * each event after the living population rebalanced and before the engine acts on it:
 * when a step was done, both sides of the engine's open interest (the first policy's
 * positions on the contract) are within one lot plus half the largest account opened of
 * `want`, the target the test worked out itself. */
typedef struct follow {
  bk_population base;
  const bk_population *living;
  int64_t want;     /* the target of the step that ends at the next event */
  uint64_t steps;
  size_t opened;    /* accounts the population had opened at the last event */
  int64_t biggest;  /* the largest account it opened: the tolerance */
  size_t checked;
} follow;

/* The engine's long and short open interest on contract 0 (first policy), and the largest
 * position. */
static void engine_oi(const bk_sim *s, int64_t side[2], int64_t *biggest) {
  const bk_risk *r = bk_sim_risk(s, 0);
  side[0] = side[1] = 0;
  for (uint32_t i = 0; i < r->nacct; i++) {
    int64_t size = bk_sim_position(s, 0, i, 0);
    side[size < 0] += llabs(size);
    if (llabs(size) > *biggest) *biggest = llabs(size);
  }
}

static bk_rc probe_event(bk_population *pp, bk_sim *s, const bk_event *ev) {
  (void)ev;
  follow *f = (follow *)pp;
  bk_popsynth_stats st = bk_pop_synth_stats(f->living, 0);
  int64_t side[2];
  if (st.opened != f->opened) engine_oi(s, side, &f->biggest); /* sizes only shrink later */
  f->opened = st.opened;
  if (st.steps == f->steps) return BK_OK;
  f->steps = st.steps;
  engine_oi(s, side, &f->biggest);
  int64_t tol = BK_FX(1) + f->biggest / 2;
  if (llabs(side[0] - f->want) > tol || llabs(side[1] - f->want) > tol)
    fail_msg("step %llu: the engine holds %lld long, %lld short; the target is %lld "
             "(tolerance %lld)", (unsigned long long)st.steps, (long long)side[0],
             (long long)side[1], (long long)f->want, (long long)tol);
  assert_true(st.target == f->want && st.longs == side[0] && st.shorts == side[1]);
  f->checked++;
  return BK_OK;
}

/* A probe following the living population p (added to x's simulation, which owns it). */
static follow *follow_new(rig *x, const bk_population *p) {
  follow *f = calloc(1, sizeof *f);
  f->base.name = "probe";
  f->base.event = probe_event;
  f->base.free = (void (*)(bk_population *))free;
  f->living = p;
  assert_int_equal(bk_sim_add_population(x->s, &f->base), BK_OK);
  return f;
}

static void push(rig *x, int kind, int side, int64_t ts, int64_t price, int64_t qty) {
  bk_event ev;
  memset(&ev, 0, sizeof ev);
  ev.ts = ev.local_ts = ts;
  ev.kind = (uint8_t)kind;
  ev.side = (uint8_t)side;
  ev.price = price;
  ev.qty = qty;
  if (bk_replay_push(x->r, &ev)) fail_msg("push: %s", bk_sim_err(x->s)->msg);
}

/* The population's close through the simulation: long 2 at 100 with 10 deposited and long
 * 1 at 100 with 1000, then the mark at 90 in the warm-up (nobody is liquidated there). By
 * hand the first's equity is 10 − 20 < 0: liquidatable, so the close is refused in every
 * policy and not counted; the second's is 990, far above 0.5 % of 90: it leaves and
 * counts once, also when closed again. */
static void a_refused_close_is_not_counted(void **state) {
  (void)state;
  rig *x = rig_new("BTCUSDT", T0 + 60 * MINUTE);
  push(x, BK_EV_MARK, 0, T0, P("100"), 0);
  uint32_t weak, sound;
  assert_int_equal(bk_sim_open(x->s, 0, P("10"), 0, P("2"), P("100"), &weak), BK_OK);
  assert_int_equal(bk_sim_open(x->s, 0, P("1000"), 0, P("1"), P("100"), &sound), BK_OK);
  push(x, BK_EV_MARK, 0, T0 + SEC, P("90"), 0);
  int left = -1;
  assert_int_equal(bk_sim_close(x->s, weak, &left), BK_OK);
  assert_int_equal(left, 0);
  assert_true(bk_sim_closed(x->s, 0) == 0);
  for (size_t pol = 0; pol < 2; pol++) assert_true(bk_sim_position(x->s, pol, weak, 0) == P("2"));
  assert_int_equal(bk_sim_close(x->s, sound, &left), BK_OK);
  assert_int_equal(left, 1);
  assert_true(bk_sim_position(x->s, 0, sound, 0) == 0 && bk_sim_closed(x->s, 0) == 1);
  assert_int_equal(bk_sim_close(x->s, sound, &left), BK_OK);
  assert_true(bk_sim_closed(x->s, 0) == 1);
  assert_int_equal(bk_sim_close(x->s, 7, &left), BK_EDATA);
  rig_free(x);
}

/* A scripted tape: an hour of warm-up trades at 100 and 100.1 (no account is liquidated), then the window from T0 + 60 min
 * with the replayed open interest at 1000 contracts, 1500 from 61:30 and 600 from 63:30,
 * a trade every second (sells twice in three), 60 s steps. By hand the targets at the
 * steps' ends (61:00, 62:00, 63:00, 64:00, 65:00) are 1000, 1500, 1500, 600, 600. */
static void accounts_open_and_close_inside_the_window(void **state) {
  (void)state;
  uint64_t seed = bk_t_seed(), s = seed;
  rig *x = rig_new("BTCUSDT", T0 + 60 * MINUTE);
  bk_population *p = living_pop(x, seed, NULL, 0, MINUTE);
  for (int i = 0; i < 3600; i += 2)
    push(x, BK_EV_TRADE, i % 4 ? BK_BUY : BK_SELL, T0 + i * SEC,
         P("100") + (int64_t)(bk_t_rand(&s) % 2) * P("0.1"), BK_FX(1 + (int64_t)(i % 7)));
  push(x, BK_EV_OI, 0, T0 + 59 * MINUTE, 0, P("1000"));
  follow *f = follow_new(x, p);
  f->want = P("1000");
  for (int i = 0; i <= 300; i++) {
    int64_t ts = T0 + 60 * MINUTE + i * SEC;
    if (i == 90) f->want = P("1500"); /* no step ends where the open interest changes */
    if (i == 210) f->want = P("600");
    if (i == 90 || i == 210) push(x, BK_EV_OI, 0, ts, 0, f->want);
    push(x, BK_EV_TRADE, i % 3 ? BK_SELL : BK_BUY, ts,
         P("100") + (int64_t)(bk_t_rand(&s) % 2) * P("0.1"), BK_FX(1 + (int64_t)(i % 5)));
  }
  assert_int_equal((int)f->checked, 5);
  bk_popsynth_stats st = bk_pop_synth_stats(p, 0);
  assert_true(st.joined > 0 && st.left > 0);
  assert_true(st.opened == bk_sim_census_of(x->s, 0, 1).accounts + st.joined);
  assert_true(bk_sim_closed(x->s, 0) == st.left);
  assert_int_equal(bk_replay_finish(x->r), BK_OK);
  if (bk_sim_finish(x->s)) fail_msg("%s", bk_sim_err(x->s)->msg);
  /* every account the population holds has a position in both policies; every other
     one it opened holds none (nobody was liquidated on this calm tape) */
  for (size_t pol = 0; pol < 2; pol++) {
    const bk_risk *r = bk_sim_risk(x->s, pol);
    assert_int_equal((int)r->nrecs, 0);
    size_t holding = 0;
    for (size_t i = 0; i < r->nacct; i++) holding += r->acct[i].npos;
    assert_int_equal((int)holding, (int)(st.opened - st.left));
    for (size_t i = 0; i < r->nacct; i++)
      if (!r->acct[i].npos) assert_true(r->acct[i].cash == 0); /* withdrawn */
  }
  size_t ns;
  const bk_sim_sample *smp = bk_sim_samples(x->s, 0, 0, &ns);
  assert_true(ns > 0 && smp[ns - 1].closed > 0 && smp[ns - 1].closed <= st.left);
  rig_free(x);
}

/* What a living population did for coin X: its accounts holding a position on X (deposit
 * left, size, entry) and its stats. */
/* Replays the folder `dir` (one linear contract) with a living population, checking every
 * step against want(): the target the test works out from the events it saw before. */
typedef int64_t (*want_fn)(const bk_event *last_oi, int64_t step_end, int64_t start);

static size_t replay_living(const char *dir, const char *symbol, int64_t from, int64_t step_us,
                            const bk_living_point *path, size_t npath, want_fn want,
                            size_t *liquidations) {
  rig *x = rig_new(symbol, from);
  bk_population *p = living_pop(x, 20251010, path, npath, step_us);
  follow *f = follow_new(x, p);
  const char *paths[] = {dir};
  bk_instruments instr;
  bk_instruments_init(&instr);
  bk_merge *mg;
  bk_err err;
  if (bk_merge_open_paths(paths, 1, &instr, NULL, &mg, NULL, &err)) fail_msg("%s", err.msg);
  bk_event ev, oi = {0};
  int64_t step_end = from + step_us, start = -1;
  bk_rc rc;
  while ((rc = bk_merge_next(mg, &ev, NULL)) == BK_OK) {
    if (ev.instr != 0) continue;
    if (ev.ts >= step_end) {
      f->want = want(&oi, step_end, start);
      while (step_end <= ev.ts) step_end += step_us;
    }
    if (bk_replay_push(x->r, &ev)) fail_msg("%s", bk_sim_err(x->s)->msg);
    if (start < 0 && ev.ts >= from) start = bk_pop_synth_stats(p, 0).target;
    if (ev.kind == BK_EV_OI) oi = ev; /* after: the population saw it after rebalancing */
  }
  assert_int_equal(rc, BK_EOF);
  assert_int_equal(bk_replay_finish(x->r), BK_OK);
  if (bk_sim_finish(x->s)) fail_msg("%s", bk_sim_err(x->s)->msg);
  size_t checked = f->checked;
  *liquidations = bk_sim_risk(x->s, 0)->nrecs;
  printf("%s: %zu steps checked, %zu opened inside the window, %zu closed, %zu liquidation "
         "steps, largest account %lld\n", symbol, checked, bk_pop_synth_stats(p, 0).joined,
         bk_pop_synth_stats(p, 0).left, *liquidations, (long long)(f->biggest / BK_FX_SCALE));
  bk_merge_free(mg);
  bk_instruments_fini(&instr);
  rig_free(x);
  return checked;
}

/* The synthetic day: the replayed open interest, in whole contracts (share 1, lot 1). */
static int64_t replayed_oi(const bk_event *last_oi, int64_t step_end, int64_t start) {
  (void)step_end;
  (void)start;
  return last_oi->qty / BK_FX(1) * BK_FX(1);
}

static void open_interest_follows_the_synthetic_days_ticker(void **state) {
  (void)state;
  char dir[512], errp[512];
  bk_t_tmp("day", dir, sizeof dir);
  mkdir(dir, 0777);
  bk_t_tmp("synth.stderr", errp, sizeof errp);
  const char *args[] = {"synth", "-o", dir, "--hours", "3", "--quiet", NULL};
  assert_int_equal(bk_t_run(NULL, errp, args), 0);
  /* the window from 01:00 (the crash is at 60 % of the day, 01:48), 60 s steps */
  size_t liq;
  assert_true(replay_living(dir, "SYNUSDT", T0 + 60 * MINUTE, MINUTE, NULL, 0, replayed_oi,
                            &liq) >= 119);
  assert_true(liq > 0); /* the crash liquidated: the population replaced what it took */
}

/* The path of the real-tape test: 1 until 00:03, 0.5 at 00:06 (2023-04-05). */
#define DAY2 INT64_C(1680652800000000)
static const bk_living_point HALVING[] = {{DAY2 + 3 * MINUTE, BK_FX(1)},
                                          {DAY2 + 6 * MINUTE, BK_FX_SCALE / 2}};

/* By hand: the window-start target × (1 − 0.5 × (t − 00:03) / 3 min) between 00:03 and
 * 00:06, in whole lots. */
static int64_t halving(const bk_event *last_oi, int64_t t, int64_t start) {
  (void)last_oi;
  bk_i128 scale = BK_FX_SCALE;
  if (t >= DAY2 + 6 * MINUTE) scale = BK_FX_SCALE / 2;
  else if (t > DAY2 + 3 * MINUTE)
    scale = BK_FX_SCALE - (bk_i128)(BK_FX_SCALE / 2) * (t - DAY2 - 3 * MINUTE) / (3 * MINUTE);
  return (int64_t)((bk_i128)start * scale / BK_FX_SCALE / BK_FX(1) * BK_FX(1));
}

static void open_interest_follows_a_stated_path_on_the_real_tape(void **state) {
  (void)state;
  char dir[1024];
  if (!bk_t_data("binance-futures-btcusdt-2023-04-05", dir, sizeof dir)) return;
  /* the tape has trades from 00:00 to 00:07; the window from 00:02, 15 s steps */
  size_t liq;
  assert_true(replay_living(dir, "BTCUSDT", DAY2 + 2 * MINUTE, 15 * SEC, HALVING, 2, halving,
                            &liq) >= 15);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_trader_leaving_realizes_pnl_and_withdraws_what_is_left),
      cmocka_unit_test(an_inverse_trader_leaves_with_coin_pnl),
      cmocka_unit_test(an_account_under_liquidation_stays_and_a_closed_out_one_withdraws),
      cmocka_unit_test(a_refused_close_is_not_counted),
      cmocka_unit_test(the_path_scale_is_linear_between_points_and_flat_outside),
      cmocka_unit_test(shrinking_a_side_stops_within_half_an_account),
      cmocka_unit_test(syncing_reads_what_the_engine_left),
      cmocka_unit_test(a_small_gap_opens_one_account),
      cmocka_unit_test(weights_come_from_the_sides_trades),
      cmocka_unit_test(accounts_open_and_close_inside_the_window),
      cmocka_unit_test(open_interest_follows_the_synthetic_days_ticker),
  };
  /* tests that read the shared real data: `test_living --data` (ctest: test_living_data) */
  const struct CMUnitTest data_tests[] = {
      cmocka_unit_test(open_interest_follows_a_stated_path_on_the_real_tape),
  };
  if (bk_t_data_mode(argc, argv))
    return bk_t_data_exit(cmocka_run_group_tests_name("real data", data_tests, NULL, NULL));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
