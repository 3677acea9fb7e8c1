/*
 * A derived mark acts when its bucket ends, not when the contract trades next
 * (engine/models.h, engine/sim.c): a bucket closes at the first event of any instrument
 * at or after its end, and the mark it gives is stamped at the end, after the fund
 * samples due by then and before the event itself.
 *
 * The tape, worked by hand (contract A, linear, size 1, maintenance 0.5 %, marks from
 * trades with 100 ms buckets and a 5 s window; B another contract):
 *   0.000 s  A trades at 100: the first mark, 100; the bucket [.., 0.1 s) opens
 *            (the account below opens at this mark: long 10 at 100 with 60 of margin;
 *            equity 60 + 10 (p − 100) falls under 0.005 · 10 p below p = 94.47)
 *   0.500 s  B trades: A's bucket closed at 0.1 s; its median, 100, is no change
 *   1.000 s  A trades at 90: a bucket [.., 1.1 s) opens
 *   3.000 s  B trades: A's bucket closed at 1.1 s; the window [−3.9 s, 1.1 s) holds 100
 *            and 90, lower median 90: the account is liquidated at 1.1 s, here, before
 *            A trades again (before, it waited for A's next trade)
 * With a sample every second from 0, the sample at 1 s has no liquidation and the sample
 * at 2 s has it; a record stamped 1.1 s is in every sample after it.
 *
 * Then what is due by a mark's time comes before it (funding at the window's start), two
 * marks closed by one event act at their common end, and simulations that share
 * their models (draws) each see at a mark's time the book they would see alone.
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
#include "tests/testutil.h"

#define T0 INT64_C(1760054400000000) /* 2025-10-10T00:00:00Z */
#define MS INT64_C(1000)

static void trade(bk_replay *r, bk_sim *s, uint32_t instr, int64_t ts, const char *px) {
  bk_event ev;
  memset(&ev, 0, sizeof ev);
  ev.ts = ev.local_ts = ts;
  ev.kind = BK_EV_TRADE;
  ev.instr = instr;
  ev.side = BK_SELL;
  ev.price = bk_t_fx(px);
  ev.qty = BK_FX(1);
  bk_rc rc = bk_replay_push(r, &ev);
  if (rc) fail_msg("%s: %s", bk_rc_name(rc), bk_sim_err(s)->msg);
}

static void a_bucket_closes_when_the_clock_passes_its_end(void **state) {
  (void)state;
  bk_instruments instr;
  bk_instruments_init(&instr);
  uint32_t id;
  assert_int_equal(bk_instr_intern(&instr, "test", 4, "AUSDT", 5, &id), BK_OK);
  assert_int_equal(bk_instr_intern(&instr, "test", 4, "BUSDT", 5, &id), BK_OK);
  bk_contract c[2] = {bk_t_contract(BK_LINEAR, 0, "0.01", "1", "0.005"),
                      bk_t_contract(BK_LINEAR, 0, "0.01", "1", "0.005")};
  bk_asset asset;
  memset(&asset, 0, sizeof asset);
  strcpy(asset.name, "USDT");
  asset.price = BK_FX(1);
  uint32_t contract_of[2] = {0, 1};
  bk_policy pol;
  bk_policy_default(&pol);
  bk_sim_config cfg;
  bk_t_sim_config(&cfg, &pol, 1, c, 2, &asset, 1, contract_of);
  cfg.from = T0;
  cfg.sample_us = 1000 * MS;
  assert_true(cfg.mark_step_us == 100 * MS && cfg.mark_window_us == 5000 * MS);
  bk_market *m = bk_market_new(&instr);
  bk_replay *r = bk_replay_new(m);
  assert_non_null(m);
  assert_non_null(r);
  bk_sim *s;
  bk_err err;
  if (bk_sim_new(&cfg, m, &s, &err)) fail_msg("sim: %s", err.msg);
  assert_int_equal(bk_sim_attach(s, r), BK_OK);

  trade(r, s, 0, T0, "100");
  uint32_t acct;
  assert_int_equal(bk_sim_open(s, 0, BK_FX(60), 0, BK_FX(10), BK_FX(100), &acct), BK_OK);
  trade(r, s, 1, T0 + 500 * MS, "50");
  trade(r, s, 0, T0 + 1000 * MS, "90");
  const bk_risk *risk = bk_sim_risk(s, 0);
  assert_int_equal(risk->nrecs, 0);
  trade(r, s, 1, T0 + 3000 * MS, "50");
  /* liquidated at the bucket's end, by B's trade */
  assert_int_equal(risk->nrecs, 1);
  assert_true(risk->recs[0].ts == T0 + 1100 * MS);
  assert_true(risk->recs[0].mark == BK_FX(90));
  assert_true(risk->recs[0].acct == acct);

  assert_int_equal(bk_replay_finish(r), BK_OK);
  if (bk_sim_finish(s)) fail_msg("finish: %s", bk_sim_err(s)->msg);
  size_t n;
  const bk_sim_sample *v = bk_sim_samples(s, 0, 0, &n);
  int seen1 = 0, seen2 = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i].ts == T0 + 1000 * MS) {
      seen1 = 1;
      assert_int_equal(v[i].liquidations, 0);
    }
    if (v[i].ts == T0 + 2000 * MS) {
      seen2 = 1;
      assert_int_equal(v[i].liquidations, 1);
    }
  }
  assert_true(seen1 && seen2);
  bk_sim_free(s);
  bk_replay_free(r);
  bk_market_free(m);
  bk_instruments_fini(&instr);
}

/* An event of any kind: kind, instrument, time, price and (funding) the next funding time. */
static void push(bk_replay *r, bk_sim *s, int kind, uint32_t instr, int64_t ts, const char *px,
                 int64_t aux) {
  bk_event ev;
  memset(&ev, 0, sizeof ev);
  ev.ts = ev.local_ts = ts;
  ev.kind = (uint8_t)kind;
  ev.instr = instr;
  ev.side = BK_SELL;
  ev.price = bk_t_fx(px);
  ev.qty = BK_FX(1);
  ev.aux = aux;
  bk_rc rc = bk_replay_push(r, &ev);
  if (rc) fail_msg("%s: %s", bk_rc_name(rc), bk_sim_err(s)->msg);
}

/* A run of n linear contracts (size 1, maintenance 0.5 %) in USDT, from T0, one policy. */
typedef struct rig {
  bk_instruments instr;
  bk_contract c[3];
  bk_asset asset;
  uint32_t contract_of[3];
  bk_policy pol;
  bk_market *m;
  bk_replay *r;
  bk_sim *s[2];
  bk_sim_set set;
} rig;

static rig *rig_new_limit(uint32_t n, size_t nsims, int price_limit) {
  rig *x = calloc(1, sizeof *x);
  assert_non_null(x);
  bk_instruments_init(&x->instr);
  static const char *const names[] = {"AUSDT", "BUSDT", "CUSDT"};
  for (uint32_t k = 0; k < n; k++) {
    uint32_t id;
    assert_int_equal(bk_instr_intern(&x->instr, "test", 4, names[k], 5, &id), BK_OK);
    x->c[k] = bk_t_contract(BK_LINEAR, 0, "0.01", "1", "0.005");
    x->contract_of[k] = k;
  }
  strcpy(x->asset.name, "USDT");
  x->asset.price = BK_FX(1);
  bk_policy_default(&x->pol);
  x->pol.price_limit = price_limit;
  bk_sim_config cfg;
  bk_t_sim_config(&cfg, &x->pol, 1, x->c, n, &x->asset, 1, x->contract_of);
  cfg.from = T0;
  cfg.sample_us = 1000 * MS;
  x->m = bk_market_new(&x->instr);
  x->r = bk_replay_new(x->m);
  assert_non_null(x->m);
  assert_non_null(x->r);
  bk_err err;
  for (size_t i = 0; i < nsims; i++)
    if (bk_sim_new(&cfg, x->m, &x->s[i], &err)) fail_msg("sim: %s", err.msg);
  x->set = (bk_sim_set){.sims = x->s, .n = nsims};
  assert_int_equal(nsims == 1 ? bk_sim_attach(x->s[0], x->r) : bk_sim_attach_set(&x->set, x->r),
                   BK_OK);
  return x;
}

static rig *rig_new(uint32_t n, size_t nsims) {
  return rig_new_limit(n, nsims, BK_LIMIT_BANKRUPTCY);
}

static void rig_free(rig *x, size_t nsims) {
  for (size_t i = 0; i < nsims; i++) bk_sim_free(x->s[i]);
  bk_replay_free(x->r);
  bk_market_free(x->m);
  bk_instruments_fini(&x->instr);
  free(x);
}

/* Funding of 1 % on B (a data mark of 100) is due at T0, the window's start; a long of 10
 * on B pays 10 × 100 × 1 % = 10 of its 1,000. A's trades at T0 − 60 ms and T0 − 50 ms open
 * a bucket that ends at T0, which B's trade at T0 + 10 ms closes: the window opens at T0
 * with that mark, and the funding due at T0 is paid, whether or not a derived mark closed
 * at that very time. */
static void funding_due_when_a_mark_closes_is_paid(void **state) {
  (void)state;
  for (int second = 0; second < 2; second++) {
    rig *x = rig_new(2, 1);
    push(x->r, x->s[0], BK_EV_MARK, 1, T0 - 2000 * MS, "100", 0);
    push(x->r, x->s[0], BK_EV_FUNDING, 1, T0 - 2000 * MS, "0.01", T0);
    uint32_t acct;
    assert_int_equal(bk_sim_open(x->s[0], 0, BK_FX(1000), 1, BK_FX(10), BK_FX(100), &acct),
                     BK_OK);
    push(x->r, x->s[0], BK_EV_TRADE, 0, T0 - 60 * MS, "100", 0);
    if (second) push(x->r, x->s[0], BK_EV_TRADE, 0, T0 - 50 * MS, "90", 0);
    push(x->r, x->s[0], BK_EV_TRADE, 1, T0 + 10 * MS, "100", 0);
    assert_int_equal(bk_replay_finish(x->r), BK_OK);
    if (bk_sim_finish(x->s[0])) fail_msg("finish: %s", bk_sim_err(x->s[0])->msg);
    assert_true(bk_sim_risk(x->s[0], 0)->acct[acct].cash == BK_FX(990));
    rig_free(x, 1);
  }
}

/* One event closes two buckets, which end together: B's trade at 1.05 s opens the bucket
 * ending at 1.1 s and A's at 1.08 s opens A's, ending there too (the grid is common), both
 * at 90 after a first mark of 100. C's trade at 3 s closes both: a long of 10 at 100 with
 * 60 of margin on each (liquidated below 94.47) is liquidated on A and on B, both at
 * 1.1 s, in contract order. */
static void marks_closed_by_one_event_act_at_their_common_end(void **state) {
  (void)state;
  rig *x = rig_new(3, 1);
  push(x->r, x->s[0], BK_EV_TRADE, 0, T0, "100", 0);
  push(x->r, x->s[0], BK_EV_TRADE, 1, T0, "100", 0);
  uint32_t a, b;
  assert_int_equal(bk_sim_open(x->s[0], 0, BK_FX(60), 0, BK_FX(10), BK_FX(100), &a), BK_OK);
  assert_int_equal(bk_sim_open(x->s[0], 0, BK_FX(60), 1, BK_FX(10), BK_FX(100), &b), BK_OK);
  push(x->r, x->s[0], BK_EV_TRADE, 1, T0 + 1050 * MS, "90", 0);
  push(x->r, x->s[0], BK_EV_TRADE, 0, T0 + 1080 * MS, "90", 0);
  const bk_risk *risk = bk_sim_risk(x->s[0], 0);
  assert_int_equal(risk->nrecs, 0);
  push(x->r, x->s[0], BK_EV_TRADE, 2, T0 + 3000 * MS, "50", 0);
  assert_int_equal(risk->nrecs, 2);
  assert_true(risk->recs[0].contract == 0 && risk->recs[0].acct == a &&
              risk->recs[0].ts == T0 + 1100 * MS && risk->recs[0].mark == BK_FX(90));
  assert_true(risk->recs[1].contract == 1 && risk->recs[1].acct == b &&
              risk->recs[1].ts == T0 + 1100 * MS && risk->recs[1].mark == BK_FX(90));
  assert_int_equal(bk_replay_finish(x->r), BK_OK);
  rig_free(x, 1);
}

/* Two simulations sharing their models (as draws do) against one alone: the bucket that
 * ended at 1.1 s is closed by the contract's first data mark at 3 s, so the same event asks
 * the depth model's book first at the derived mark's time, then at the data mark's. The
 * second simulation must see at 1.1 s the book the first saw, and so liquidate exactly as
 * a simulation alone does, through the modelled book. */
static void a_simulation_sharing_models_liquidates_as_alone(void **state) {
  (void)state;
  bk_liq_rec got[2][8];
  size_t n[2];
  for (size_t pair = 0; pair < 2; pair++) {
    size_t nsims = pair + 1;
    rig *x = rig_new(1, nsims);
    for (int i = 0; i < 50; i++) /* warm-up volume for the depth model */
      push(x->r, x->s[0], BK_EV_TRADE, 0, T0 - 60000 * MS + i * 1000 * MS, "100", 0);
    push(x->r, x->s[0], BK_EV_TRADE, 0, T0, "100", 0);
    for (size_t i = 0; i < nsims; i++) {
      uint32_t id;
      assert_int_equal(bk_sim_open(x->s[i], 0, BK_FX(60), 0, BK_FX(10), BK_FX(100), &id), BK_OK);
    }
    push(x->r, x->s[0], BK_EV_TRADE, 0, T0 + 1000 * MS, "94.4", 0);
    push(x->r, x->s[0], BK_EV_MARK, 0, T0 + 3000 * MS, "80", 0);
    assert_int_equal(bk_replay_finish(x->r), BK_OK);
    const bk_risk *rk = bk_sim_risk(x->s[nsims - 1], 0); /* when shared: the reader */
    n[pair] = rk->nrecs;
    assert_true(n[pair] > 0 && n[pair] <= 8);
    memcpy(got[pair], rk->recs, n[pair] * sizeof *rk->recs);
    rig_free(x, nsims);
  }
  assert_true(got[0][0].ts == T0 + 1100 * MS && got[0][0].book_qty > 0); /* the book was there */
  assert_int_equal(n[0], n[1]);
  assert_memory_equal(got[0], got[1], n[0] * sizeof got[0][0]);
}

/* The book a derived mark's liquidation walks is the market at the mark's time. Trades
 * (after a warm-up at 110, for the depth model's volume): 4 at 110 at −4.5 s, 3 at 100 at
 * −1 s, −1 s and −0.02 s, 2 at 80 at 0.95 s. Marks, each the lower median of its window:
 * 110 at −0.9 s ([−5.9, −0.9): 100 100 110 110 110 110) and at 0 ([−5, 0): 100 100 100
 * 110 110 110 110), then 100 at 1 s ([−4, 1): 80 80 100 100 100), closed by C's trade at
 * 3 s. A long of 10
 * at 110 with 60 of margin (liquidated below 104.52) goes at 1 s. The modelled bids sit 1
 * to 5 % under the mark of 100, and the tape's band caps them at the highest trade of the
 * second up to 1 s, [0, 1 s]: 80. With no price limit (the bankruptcy price is 104),
 * every fill is at 80. (Read at 0.95 s, the time of the
 * event before, the band would reach back to the 100 at −0.02 s, and fills would be near
 * 99.) */
static void a_derived_marks_liquidation_walks_the_book_of_its_time(void **state) {
  (void)state;
  rig *x = rig_new_limit(3, 1, BK_LIMIT_NONE);
  for (int i = 60; i >= 10; i--) push(x->r, x->s[0], BK_EV_TRADE, 0, T0 - i * 1000 * MS, "110", 0);
  for (int i = 0; i < 4; i++) push(x->r, x->s[0], BK_EV_TRADE, 0, T0 - 4500 * MS, "110", 0);
  push(x->r, x->s[0], BK_EV_TRADE, 0, T0 - 1000 * MS, "100", 0);
  push(x->r, x->s[0], BK_EV_TRADE, 0, T0 - 1000 * MS, "100", 0);
  push(x->r, x->s[0], BK_EV_TRADE, 0, T0 - 20 * MS, "100", 0);
  push(x->r, x->s[0], BK_EV_TRADE, 0, T0 + 950 * MS, "80", 0);
  push(x->r, x->s[0], BK_EV_TRADE, 0, T0 + 950 * MS, "80", 0);
  assert_true(bk_sim_mark(x->s[0], 0) == BK_FX(110));
  uint32_t a;
  assert_int_equal(bk_sim_open(x->s[0], 0, BK_FX(60), 0, BK_FX(10), BK_FX(110), &a), BK_OK);
  const bk_risk *risk = bk_sim_risk(x->s[0], 0);
  assert_int_equal(risk->nrecs, 0);
  push(x->r, x->s[0], BK_EV_TRADE, 2, T0 + 3000 * MS, "50", 0);
  assert_true(risk->nrecs >= 1);
  const bk_liq_rec *rec = &risk->recs[0];
  assert_true(rec->acct == a && rec->ts == T0 + 1000 * MS && rec->mark == BK_FX(100));
  assert_true(rec->book_qty > 0);
  assert_true(rec->avg_fill == BK_FX(80));
  assert_int_equal(bk_replay_finish(x->r), BK_OK);
  rig_free(x, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_bucket_closes_when_the_clock_passes_its_end),
      cmocka_unit_test(funding_due_when_a_mark_closes_is_paid),
      cmocka_unit_test(marks_closed_by_one_event_act_at_their_common_end),
      cmocka_unit_test(a_simulation_sharing_models_liquidates_as_alone),
      cmocka_unit_test(a_derived_marks_liquidation_walks_the_book_of_its_time),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
