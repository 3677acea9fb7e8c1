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
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_bucket_closes_when_the_clock_passes_its_end),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
