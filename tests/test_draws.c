/*
 * The draws of an uncertainty run as the engine runs them (engine/sim.h, bk_sim_set):
 * simulations of one set share their market models (engine/models.h) when their
 * parameters are equal, and a draw that keeps no detail (keep_detail 0: no liquidation
 * or ADL records, no fund samples) reports the very figures draws.csv takes from a run
 * of the same draw alone with every detail kept and models of its own.
 *
 * The market is scripted: two linear contracts with trade tapes only (so marks are
 * derived from trades and books are depth models, the parts the draws share), half an
 * hour of quiet warm-up, then one contract crashes by a third and the other rallies by a
 * third within half an hour. The policy keeps no fund, takes over what the book does not
 * absorb and deleverages once the fund's equity would go negative, so the draws liquidate,
 * take over and deleverage, each by how its population was drawn.
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
#include "engine/market.h"
#include "engine/replay.h"
#include "engine/sim.h"
#include "reports/draws.h"
#include "reports/report.h"
#include "reports/run.h"
#include "strategies/pop_synth.h"
#include "tests/testutil.h"

#define T0 INT64_C(1760054400000000) /* 2025-10-10T00:00:00Z */
#define SEC INT64_C(1000000)
#define MINUTE (60 * SEC)
#define K 2      /* contracts, each settling in its own asset */
#define MAXSIMS 6

/* One simulation of a run: its draw, whether it keeps detail, its derived marks' window. */
typedef struct sim_spec {
  uint64_t draw;
  int keep_detail;
  int64_t mark_window_us; /* 0: the default */
} sim_spec;

/* What a test reads of one simulation once the run ended. */
typedef struct outcome {
  char fig[K][BK_DRAW_FIGURES][40]; /* draws.csv's figures per asset, as text */
  int64_t adl_notional[K];
  int64_t adl_from_records[K];      /* the same, summed here from the ADL records */
  size_t nrecs, nadl, nsamples;
  size_t models_of;                 /* the first simulation of the run with its models */
} outcome;

static bk_contract linear_contract(void) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = BK_LINEAR;
  c.tick = P("0.1");
  c.contract_size = BK_FX(1);
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, P("0.005"), -1, BK_FX(125)};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

/* The price of contract k at second i of the script: flat at 60,000 (wobbling by a few
 * ticks) for the first half hour, then contract 0 falls and contract 1 rises by 1/90 of
 * the start a minute for 30 minutes, then both stay. */
static int64_t script_price(uint32_t k, int i) {
  int64_t base = P("60000") + (int64_t)(i % 7 - 3) * P("0.5");
  int moving = i - 1800;
  if (moving <= 0) return base;
  if (moving > 1800) moving = 1800;
  int64_t move = P("60000") / 90 * moving / 60;
  return k == 0 ? base - move : base + move;
}

/* Reads a finished simulation's figures, records and models into o. */
static void read_outcome(bk_sim *s, bk_sim *const *all, size_t i, outcome *o) {
  memset(o, 0, sizeof *o);
  bk_report_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  bk_report_run x;
  assert_int_equal(bk_report_run_from_sim(s, &ctx, &x), BK_OK);
  const bk_risk *r = bk_sim_risk(s, 0);
  for (uint32_t a = 0; a < K; a++) {
    bk_report_totals t;
    assert_int_equal(bk_report_totals_of(&x, 0, a, &t), BK_OK);
    const int64_t v[BK_DRAW_FIGURES] = {t.fund_end, t.fund_min, t.max_drawdown,
                                        t.adl_notional, t.socialized, t.adl.taken, t.safe_fund};
    for (int f = 0; f < BK_DRAW_FIGURES; f++)
      bk_fx_format(v[f], BK_FX_DECIMALS, BK_TRUNC, o->fig[a][f], sizeof o->fig[a][f]);
    o->adl_notional[a] = t.adl_notional;
    size_t n;
    bk_sim_samples(s, 0, a, &n);
    o->nsamples += n;
  }
  for (size_t j = 0; j < r->nadl; j++) {
    const bk_adl_rec *d = &r->adl[j];
    int64_t notional;
    assert_int_equal(bk_pos_notional(&r->contracts[d->contract], d->qty, d->price, &notional),
                     BK_OK);
    o->adl_from_records[r->contracts[d->contract].settle] += notional;
  }
  o->nrecs = r->nrecs;
  o->nadl = r->nadl;
  o->models_of = i;
  for (size_t j = 0; j < i; j++)
    if (bk_sim_models(all[j]) == bk_sim_models(s)) {
      o->models_of = j;
      break;
    }
  bk_report_run_fini(&x);
}

/* Runs the script once through n simulations (one alone, several as a set) and reads
 * each one's outcome. */
static void run(const sim_spec *spec, size_t n, outcome *out) {
  bk_instruments instr;
  bk_instruments_init(&instr);
  uint32_t id;
  assert_int_equal(bk_instr_intern(&instr, "test", 4, "AUSDT", 5, &id), BK_OK);
  assert_int_equal(bk_instr_intern(&instr, "test", 4, "BUSDT", 5, &id), BK_OK);
  bk_contract c[K] = {linear_contract(), linear_contract()};
  c[1].settle = 1;
  bk_asset assets[K];
  memset(assets, 0, sizeof assets);
  strcpy(assets[0].name, "A");
  strcpy(assets[1].name, "B");
  assets[0].price = assets[1].price = BK_FX(1);
  uint32_t contract_of[K] = {0, 1};
  bk_policy pol;
  bk_policy_default(&pol);
  pol.penalty_mode = BK_PEN_REMAINING;
  pol.remainder = BK_REM_TAKEOVER;
  pol.wf_trigger = BK_WF_NEGATIVE;
  pol.wf_action = BK_WF_ADL;
  bk_market *m = bk_market_new(&instr);
  bk_replay *r = bk_replay_new(m);
  assert_non_null(m);
  assert_non_null(r);
  bk_sim *sims[MAXSIMS];
  assert_true(n <= MAXSIMS);
  for (size_t i = 0; i < n; i++) {
    bk_sim_config cfg;
    bk_t_sim_config(&cfg, &pol, 1, c, K, assets, K, contract_of);
    cfg.from = T0 + 30 * MINUTE;
    cfg.keep_detail = spec[i].keep_detail;
    if (spec[i].mark_window_us) cfg.mark_window_us = spec[i].mark_window_us;
    bk_err err;
    if (bk_sim_new(&cfg, m, &sims[i], &err)) fail_msg("sim: %s", err.msg);
    bk_popsynth_config pc;
    bk_popsynth_config_init(&pc);
    pc.seed = 20251010;
    pc.draw = spec[i].draw;
    pc.accounts = 150;
    bk_population *p;
    assert_int_equal(bk_pop_synth_new(&pc, &p, NULL), BK_OK);
    assert_int_equal(bk_sim_add_population(sims[i], p), BK_OK);
  }
  bk_sim_set set = {.sims = sims, .n = n};
  assert_int_equal(n == 1 ? bk_sim_attach(sims[0], r) : bk_sim_attach_set(&set, r), BK_OK);
  for (int i = 0; i < 3600; i++)
    for (uint32_t k = 0; k < K; k++) {
      bk_event ev;
      memset(&ev, 0, sizeof ev);
      ev.ts = ev.local_ts = T0 + i * SEC + k;
      ev.kind = BK_EV_TRADE;
      ev.instr = k;
      ev.side = i % 3 ? BK_BUY : BK_SELL;
      ev.price = script_price(k, i);
      ev.qty = BK_FX(i % 9 + 1);
      bk_rc rc = bk_replay_push(r, &ev);
      if (rc) fail_msg("second %d: %s %s", i, bk_rc_name(rc), bk_sim_err(sims[set.failed])->msg);
    }
  assert_int_equal(bk_replay_finish(r), BK_OK);
  for (size_t i = 0; i < n; i++) {
    if (bk_sim_finish(sims[i])) fail_msg("finish: %s", bk_sim_err(sims[i])->msg);
    read_outcome(sims[i], sims, i, &out[i]);
  }
  for (size_t i = 0; i < n; i++) bk_sim_free(sims[i]);
  bk_replay_free(r);
  bk_market_free(m);
  bk_instruments_fini(&instr);
}

static void same_figures(const outcome *a, const outcome *b, const char *what) {
  for (uint32_t k = 0; k < K; k++)
    for (int f = 0; f < BK_DRAW_FIGURES; f++)
      if (strcmp(a->fig[k][f], b->fig[k][f]))
        fail_msg("%s: asset %u %s: %s against %s alone", what, k, bk_draw_figure_names[f],
                 a->fig[k][f], b->fig[k][f]);
}

/* Four draws as `run --draws 4` makes them (draw 0 with detail, the others without, one
 * set, shared models) give, draw by draw, the figures of each draw run alone with detail
 * and models of its own. */
static void draws_without_detail_give_the_figures_of_each_draw_alone(void **state) {
  (void)state;
  enum { N = 4 };
  sim_spec set[N];
  outcome got[N], alone;
  for (size_t d = 0; d < N; d++) set[d] = (sim_spec){d, d == 0, 0};
  run(set, N, got);
  int adl = 0, differ = 0;
  for (size_t d = 0; d < N; d++) {
    sim_spec one = {d, 1, 0};
    run(&one, 1, &alone);
    char what[32];
    snprintf(what, sizeof what, "draw %zu", d);
    same_figures(&got[d], &alone, what);
    assert_int_equal(got[d].models_of, 0); /* one model for the four */
    /* without detail nothing grows with the events; with it, every step is there */
    if (d == 0) {
      assert_true(got[d].nrecs > 0 && got[d].nsamples > 0);
    } else {
      assert_true(got[d].nrecs == 0 && got[d].nadl == 0 && got[d].nsamples == 0);
    }
    assert_true(alone.nrecs > 0);
    for (uint32_t k = 0; k < K; k++) {
      /* the ADL figure is the sum of the fills the detailed run recorded */
      assert_true(alone.adl_notional[k] == alone.adl_from_records[k]);
      adl |= alone.adl_notional[k] > 0;
    }
    differ |= strcmp(got[d].fig[0][BK_DRAW_FUND_END], got[0].fig[0][BK_DRAW_FUND_END]) != 0;
  }
  assert_true(adl);    /* the waterfall's figure is exercised, not only zeros */
  assert_true(differ); /* the draws are different populations */
}

/* Only simulations whose models have the same parameters share them: a draw with another
 * mark window gets models of its own, and its figures are those of that draw alone. */
static void models_are_shared_only_between_equal_parameters(void **state) {
  (void)state;
  enum { N = 4 };
  const int64_t w2 = 2 * SEC;
  sim_spec set[N] = {{0, 1, 0}, {1, 0, w2}, {2, 0, 0}, {3, 0, w2}};
  outcome got[N], alone;
  run(set, N, got);
  assert_int_equal(got[1].models_of, 1);
  assert_int_equal(got[2].models_of, 0);
  assert_int_equal(got[3].models_of, 1);
  for (size_t i = 1; i < N; i++) {
    sim_spec one = {set[i].draw, 1, set[i].mark_window_us};
    run(&one, 1, &alone);
    char what[32];
    snprintf(what, sizeof what, "simulation %zu", i);
    same_figures(&got[i], &alone, what);
  }
}

/* A draw counts as needing ADL or socialization when it took anything from accounts: ADL
 * notional, socialized losses, or a profit rule's haircuts, which close nothing and
 * socialize nothing and show only in adl_taken. */
static void a_draw_with_haircuts_alone_counts(void **state) {
  (void)state;
  bk_draw_row r;
  memset(&r, 0, sizeof r);
  assert_false(bk_draw_row_hit(&r));
  r.v[BK_DRAW_TAKEN] = 1;
  assert_true(bk_draw_row_hit(&r));
  r.v[BK_DRAW_TAKEN] = 0;
  r.v[BK_DRAW_ADL] = 1;
  assert_true(bk_draw_row_hit(&r));
  r.v[BK_DRAW_ADL] = 0;
  r.v[BK_DRAW_SOCIALIZED] = 1;
  assert_true(bk_draw_row_hit(&r));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_draw_with_haircuts_alone_counts),
      cmocka_unit_test(draws_without_detail_give_the_figures_of_each_draw_alone),
      cmocka_unit_test(models_are_shared_only_between_equal_parameters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
