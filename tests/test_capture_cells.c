/*
 * Spread capture in the reports (reports/index_cover.c, docs/reports.md): a scripted run
 * of two contracts settling in two assets, only one of which has an index price. The
 * asset without one gets empty spread-capture cells, not 0; the trades that came before a
 * contract's first index are counted (spread_capture_unpriced) and the terminal says so.
 * Every figure is worked out by hand in the comment above it.
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

#include "engine/market.h"
#include "engine/replay.h"
#include "engine/sim.h"
#include "reports/report.h"
#include "tests/testutil.h"

#define T0 INT64_C(1760131260000000) /* 2025-10-10T21:21:00Z */

typedef struct scripted {
  bk_instruments instr;
  bk_market *m;
  bk_replay *r;
  bk_sim *s;
  bk_contract c[2];
  bk_asset asset[2];
  uint32_t contract_of[2];
  bk_policy pol;
} scripted;

static void push(scripted *x, int kind, uint32_t instr, int side, int64_t ts, const char *price,
                 const char *qty) {
  bk_event ev;
  memset(&ev, 0, sizeof ev);
  ev.ts = ev.local_ts = ts;
  ev.kind = (uint8_t)kind;
  ev.instr = instr;
  ev.side = (uint8_t)side;
  ev.price = P(price);
  ev.qty = qty ? P(qty) : 0;
  if (bk_replay_push(x->r, &ev)) fail_msg("push at %lld: %s", (long long)ts, bk_sim_err(x->s)->msg);
}

/* BTC-PERP settles in USDT and gets an index; ETH-PERP settles in USDC and never does.
 * One policy takes the whole taker flow and gives the fund the whole capture; no share of
 * the trading fees, so the fund moves by spread capture alone.
 *   BTC taker buy 1 at 1,002 before any index: unpriced (1).
 *   index 1,000; BTC taker buy 2 at 1,003: the venue sold 3 above, 2 × 3 = 6 in;
 *   BTC taker sell 1 at 1,001: the venue bought 1 above the index, 1 × 1 = 1 out.
 *   ETH taker buy 1 at 1,000 and sell 1 at 999: no index, unpriced (2). */
static scripted *scripted_run(void) {
  scripted *x = calloc(1, sizeof *x);
  bk_instruments_init(&x->instr);
  uint32_t id[2];
  assert_int_equal(bk_instr_intern(&x->instr, "testex", 6, "BTC-PERP", 8, &id[0]), BK_OK);
  assert_int_equal(bk_instr_intern(&x->instr, "testex", 6, "ETH-PERP", 8, &id[1]), BK_OK);
  const char *names[2] = {"USDT", "USDC"};
  for (uint32_t k = 0; k < 2; k++) {
    x->c[k].kind = BK_LINEAR;
    x->c[k].tick = P("1");
    x->c[k].contract_size = P("1");
    x->c[k].settle = k;
    x->c[k].tiers.n = 1;
    x->c[k].tiers.v[0] = (bk_tier){0, P("0.01"), -1, BK_FX(100)};
    assert_int_equal(bk_tiers_finish(&x->c[k].tiers, NULL), BK_OK);
    strcpy(x->asset[k].name, names[k]);
    x->asset[k].price = BK_FX(1);
    x->contract_of[id[k]] = k;
  }
  bk_policy_default(&x->pol);
  strcpy(x->pol.name, "cap");
  x->pol.fund_share = 0;
  x->pol.spread_taker_share = BK_FX(1);
  x->pol.spread_fund_share = BK_FX(1);
  bk_sim_config cfg;
  bk_t_sim_config(&cfg, &x->pol, 1, x->c, 2, x->asset, 2, x->contract_of);
  cfg.from = T0;
  cfg.to = INT64_MAX;
  cfg.sample_us = INT64_C(60000000);
  x->m = bk_market_new(&x->instr);
  x->r = bk_replay_new(x->m);
  assert_non_null(x->m);
  assert_non_null(x->r);
  bk_err err;
  if (bk_sim_new(&cfg, x->m, &x->s, &err)) fail_msg("sim: %s", err.msg);
  assert_int_equal(bk_sim_attach(x->s, x->r), BK_OK);
  push(x, BK_EV_MARK, id[0], 0, T0, "1000", NULL);
  push(x, BK_EV_MARK, id[1], 0, T0, "1000", NULL);
  push(x, BK_EV_TRADE, id[0], BK_BUY, T0 + 1, "1002", "1");
  push(x, BK_EV_INDEX, id[0], 0, T0 + 2, "1000", NULL);
  push(x, BK_EV_TRADE, id[0], BK_BUY, T0 + 3, "1003", "2");
  push(x, BK_EV_TRADE, id[0], BK_SELL, T0 + 4, "1001", "1");
  push(x, BK_EV_TRADE, id[1], BK_BUY, T0 + 5, "1000", "1");
  push(x, BK_EV_TRADE, id[1], BK_SELL, T0 + 6, "999", "1");
  assert_int_equal(bk_replay_finish(x->r), BK_OK);
  if (bk_sim_finish(x->s)) fail_msg("finish: %s", bk_sim_err(x->s)->msg);
  return x;
}

static void scripted_free(scripted *x) {
  bk_sim_free(x->s);
  bk_replay_free(x->r);
  bk_market_free(x->m);
  bk_instruments_fini(&x->instr);
  free(x);
}

static char *ARGV[] = {"backstop", "run"};

/* Writes x's run folder into tmp/<name> (dir) and its terminal notes into notes. */
static void write_run(scripted *x, const char *name, char *dir, size_t cap, char *notes,
                      size_t ncap) {
  bk_t_tmp(name, dir, cap);
  mkdir(dir, 0777);
  bk_report_ctx ctx = {.dir = dir, .instruments = &x->instr, .seed = 7, .version = "0.1.0",
                       .argc = 2, .argv = ARGV};
  bk_report_run run;
  bk_err err;
  assert_int_equal(bk_report_run_from_sim(x->s, &ctx, &run), BK_OK);
  if (bk_report_write(&run, &err)) fail_msg("write: %s", err.msg);
  FILE *f = tmpfile();
  assert_non_null(f);
  bk_report_print_no_index(f, &run);
  size_t n = (size_t)ftell(f);
  rewind(f);
  assert_true(n < ncap && fread(notes, 1, n, f) == n);
  notes[n] = 0;
  fclose(f);
  bk_report_run_fini(&run);
}

static void asset_without_an_index_gets_empty_cells_and_counts(void **state) {
  (void)state;
  scripted *x = scripted_run();
  char dir[512], path[1024], notes[2048];
  write_run(x, "cells", dir, sizeof dir, notes, sizeof notes);
  bk_t_table sum;
  snprintf(path, sizeof path, "%s/summary.csv", dir);
  bk_t_table_load(path, &sum);
  assert_int_equal(sum.rows, 3);
  assert_string_equal(bk_t_cell(&sum, 1, "settle_asset"), "USDT");
  assert_true(bk_t_num(&sum, 1, "in_spread_capture") == P("6"));
  assert_true(bk_t_num(&sum, 1, "out_spread_capture") == P("1"));
  assert_string_equal(bk_t_cell(&sum, 1, "spread_capture_unpriced"), "1");
  assert_string_equal(bk_t_cell(&sum, 2, "settle_asset"), "USDC");
  assert_string_equal(bk_t_cell(&sum, 2, "in_spread_capture"), "");
  assert_string_equal(bk_t_cell(&sum, 2, "out_spread_capture"), "");
  assert_string_equal(bk_t_cell(&sum, 2, "spread_capture_unpriced"), "2");
  assert_true(bk_t_num(&sum, 1, "fund_end") == P("5")); /* 6 in, 1 out */
  bk_t_documented(&sum, "summary.csv");
  bk_t_table_free(&sum);
  bk_t_table fund;
  snprintf(path, sizeof path, "%s/fund.csv", dir);
  bk_t_table_load(path, &fund);
  assert_true(fund.rows > 2);
  for (size_t r = 1; r < fund.rows; r++) {
    int usdc = strcmp(bk_t_cell(&fund, r, "settle_asset"), "USDC") == 0;
    assert_int_equal(usdc, bk_t_cell(&fund, r, "in_spread_capture")[0] == 0);
    assert_int_equal(usdc, bk_t_cell(&fund, r, "out_spread_capture")[0] == 0);
  }
  bk_t_table_free(&fund);
  assert_non_null(strstr(notes, "no index price in the data for testex:ETH-PERP"));
  assert_non_null(strstr(notes, "cells of an asset with no index empty"));
  assert_non_null(strstr(notes, "cap: 1 trades and liquidation fills on testex:BTC-PERP came "
                                "before its first index price"));
  assert_null(strstr(notes, "on testex:ETH-PERP came before"));
  scripted_free(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(asset_without_an_index_gets_empty_cells_and_counts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
