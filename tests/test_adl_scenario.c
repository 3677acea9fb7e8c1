/*
 * The ADL mechanisms compared end to end: data/scenarios/binance-2025-10-10-adl.json
 * (fee-1pct with the BitMEX, Hyperliquid and dYdX queues, socialization over profit
 * and over open interest, and the five allocation rules) over two of its coins, DOT and AAVE, in 20:45-21:45 UTC, where
 * both legs of the crash are (skipped when the data is absent; two coins and an hour
 * keep it within seconds in a debug build). The reports must agree with each other:
 * adl_rounds.csv's rounds add up to adl.csv's fills and to summary.csv's totals, the
 * windows' needed budgets to the shadow's safe fund, their fund used to the fund's
 * deficit and takeover outflows, and socialized losses to what the rounds took; the
 * rounds of a coin are the gap apart; and conservation holds.
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
#include "tests/testutil.h"

#define POLICIES 10
#define COINS 2
#define GAP_US INT64_C(60000000) /* the scenario's adl_round_gap_s */

static bk_t_table sum, rounds, adl;
static char *terminal; /* what the run printed */

static int setup(void **state) {
  (void)state;
  char data[4096], scen[4096], out[4096], err[4096], coin[2][4352], depth[8192], said[4096];
  snprintf(scen, sizeof scen, "%s/data/scenarios/binance-2025-10-10-adl.json",
           getenv("BK_SOURCE_DIR") ? getenv("BK_SOURCE_DIR") : ".");
  bk_t_tmp("adl-scenario", out, sizeof out);
  bk_t_tmp("adl-scenario.err", err, sizeof err);
  bk_t_data("binance-delivery-2025-10-10", data, sizeof data);
  const char *sym[2] = {"DOT", "AAVE"};
  for (int i = 0; i < 2; i++)
    snprintf(coin[i], sizeof coin[i], "%s/binance-delivery_trades_2025-10-10_%sUSD_PERP.csv.gz",
             data, sym[i]);
  snprintf(depth, sizeof depth, "%s/../binance-2025-10-10-depth-and-mark/"
           "BTCUSDT-bookDepth-2025-10-10.csv.gz", data);
  bk_t_tmp("adl-scenario.txt", said, sizeof said);
  const char *args[] = {"run", "-o", out, "--data", coin[0], "--data", coin[1],
                        "--data", depth, "--from", "2025-10-10T20:45:00Z",
                        "--to", "2025-10-10T21:45:00Z", scen, NULL};
  int st = bk_t_run(said, err, args);
  if (st != 0) {
    char *msg = bk_t_slurp(err, NULL);
    printf("backstop run exited %d: %s\n", st, msg ? msg : "");
    free(msg);
    return -1;
  }
  char path[8448];
  snprintf(path, sizeof path, "%s/summary.csv", out);
  bk_t_table_load(path, &sum);
  snprintf(path, sizeof path, "%s/adl_rounds.csv", out);
  bk_t_table_load(path, &rounds);
  snprintf(path, sizeof path, "%s/adl.csv", out);
  bk_t_table_load(path, &adl);
  terminal = bk_t_slurp(said, NULL);
  return terminal ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  bk_t_table_free(&sum);
  bk_t_table_free(&rounds);
  bk_t_table_free(&adl);
  free(terminal);
  return 0;
}

static int of(const bk_t_table *t, size_t row, const char *pol, const char *coin) {
  return !strcmp(bk_t_cell(t, row, "policy"), pol) &&
         !strcmp(bk_t_cell(t, row, "settle_asset"), coin);
}

/* An integer cell (counts and µs, which do not fit fixed point). */
static int64_t whole(const bk_t_table *t, size_t row, const char *col) {
  return strtoll(bk_t_cell(t, row, col), NULL, 10);
}

/* The sum of a column over the rows of one policy and coin; *n gets their number. */
static int64_t total(const bk_t_table *t, const char *col, const char *pol, const char *coin,
                     size_t *n) {
  int64_t s = 0;
  *n = 0;
  for (size_t r = 1; r < t->rows; r++)
    if (of(t, r, pol, coin)) {
      s += bk_t_num(t, r, col);
      ++*n;
    }
  return s;
}

static void rounds_add_up_to_the_fills_and_the_totals(void **state) {
  (void)state;
  assert_int_equal(sum.rows, 1 + POLICIES * COINS);
  size_t with_rounds = 0;
  for (size_t s = 1; s < sum.rows; s++) {
    const char *pol = bk_t_cell(&sum, s, "policy"), *coin = bk_t_cell(&sum, s, "settle_asset");
    size_t n, fills, ignore;
    int64_t qty = total(&rounds, "adl_contracts", pol, coin, &n);
    assert_int_equal(n, whole(&sum, s, "adl_rounds"));
    with_rounds += n > 0;
    /* every ADL fill is one take of one round */
    assert_true(qty == total(&adl, "qty_contracts", pol, coin, &fills));
    assert_true(qty == bk_t_num(&sum, s, "adl_contracts"));
    int socialize = strstr(pol, "social") != NULL;
    if (!socialize) assert_true(total(&rounds, "takes", pol, coin, &ignore) == BK_FX((int64_t)fills));
    else assert_int_equal(fills, 0);
    int64_t taken = total(&rounds, "taken", pol, coin, &ignore);
    assert_true(taken == bk_t_num(&sum, s, "adl_taken"));
    assert_true(total(&rounds, "given", pol, coin, &ignore) == bk_t_num(&sum, s, "adl_given"));
    /* what socialization took is what the accounts bore */
    if (socialize) assert_true(taken == bk_t_num(&sum, s, "socialized"));
    /* the windows partition the run: fund used adds up to the fund's deficit and
       takeover outflows, needed to the shadow's safe fund above the initial one */
    if (!n) continue;
    assert_true(total(&rounds, "fund_used", pol, coin, &ignore) ==
                bk_t_num(&sum, s, "out_deficit") + bk_t_num(&sum, s, "out_takeover"));
    int64_t need = bk_t_num(&sum, s, "safe_initial_fund") - bk_t_num(&sum, s, "fund_start");
    assert_true(total(&rounds, "needed", pol, coin, &ignore) == (need > 0 ? need : 0));
    assert_true(bk_t_num(&sum, s, "adl_needed") == (need > 0 ? need : 0));
    assert_true(bk_t_num(&sum, s, "ledger_imbalance") == 0);
  }
  assert_true(with_rounds == POLICIES * COINS); /* every mechanism acted on both coins */
}

/* The terminal says what ADL took from the winners beside the notional its closes moved:
 * under a profit rule (a haircut closes nothing) the closes are 0 and the haircuts are
 * not, and both figures are summary.csv's, to 2 decimals rounded half to even. */
static void the_terminal_shows_what_a_haircut_took(void **state) {
  (void)state;
  size_t haircut_rows = 0;
  for (size_t s = 1; s < sum.rows; s++) {
    int64_t taken = bk_t_num(&sum, s, "adl_taken");
    if (taken == 0) continue;
    char want[160], v[48], n[48];
    bk_fx_format(taken, 2, BK_HALF_EVEN, v, sizeof v);
    bk_fx_format(bk_t_num(&sum, s, "adl_notional"), 2, BK_HALF_EVEN, n, sizeof n);
    snprintf(want, sizeof want, "ADL %s, taken from accounts %s,", n, v);
    if (!strstr(terminal, want))
      fail_msg("%s %s: the terminal does not say \"%s\"", bk_t_cell(&sum, s, "policy"),
               bk_t_cell(&sum, s, "settle_asset"), want);
    haircut_rows += bk_t_num(&sum, s, "adl_contracts") == 0;
  }
  assert_true(haircut_rows > 0); /* the profit rules of the scenario took without closing */
}

static void each_round_is_consistent_and_the_gap_apart(void **state) {
  (void)state;
  for (size_t r = 1; r < rounds.rows; r++) {
    int64_t taken = bk_t_num(&rounds, r, "taken"), need = bk_t_num(&rounds, r, "needed");
    assert_true(bk_t_num(&rounds, r, "overshoot") - bk_t_num(&rounds, r, "undershoot") ==
                taken - need);
    assert_true(bk_t_num(&rounds, r, "overshoot") >= 0 && bk_t_num(&rounds, r, "undershoot") >= 0);
    assert_true(whole(&rounds, r, "end_us") >= whole(&rounds, r, "start_us"));
    assert_true(whole(&rounds, r, "rank_flips") <= whole(&rounds, r, "rank_pairs"));
    assert_true(bk_t_num(&rounds, r, "top_profit_left") <=
                bk_t_num(&rounds, r, "top_profit") + bk_t_num(&rounds, r, "given"));
    if (r == 1 || !of(&rounds, r - 1, bk_t_cell(&rounds, r, "policy"),
                      bk_t_cell(&rounds, r, "settle_asset"))) {
      assert_true(whole(&rounds, r, "round") == 1);
      continue;
    }
    assert_true(whole(&rounds, r, "round") == whole(&rounds, r - 1, "round") + 1);
    assert_true(whole(&rounds, r, "start_us") - whole(&rounds, r - 1, "end_us") > GAP_US);
  }
}

static void every_column_is_documented(void **state) {
  (void)state;
  bk_t_documented(&rounds, "adl_rounds.csv");
  bk_t_documented(&sum, "summary.csv");
}

int main(void) {
  bk_t_need_data("binance-delivery-2025-10-10");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rounds_add_up_to_the_fills_and_the_totals),
      cmocka_unit_test(each_round_is_consistent_and_the_gap_apart),
      cmocka_unit_test(the_terminal_shows_what_a_haircut_took),
      cmocka_unit_test(every_column_is_documented),
  };
  return bk_t_data_exit(cmocka_run_group_tests(tests, setup, teardown));
}
