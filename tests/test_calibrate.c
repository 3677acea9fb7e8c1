/*
 * The open-interest calibration (strategies/calibrate.h): the log-spaced grid against
 * values worked out by hand, the error measure on a three-minute table worked by hand,
 * the choice of the best scale; and end to end, a hand-made tape whose liquidation prints
 * are those of a known population at a known scale, which the fit must find.
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
#include <sysexits.h>

#include "engine/fixed.h"
#include "strategies/calibrate.h"
#include "tests/testutil.h"

/* 0.25 to 4 in five points is the powers of two: 0.25 × 16^(i/4) = 0.25 × 2^i. */
static void five_points_from_a_quarter_to_four_are_powers_of_two(void **state) {
  (void)state;
  int64_t g[5];
  assert_int_equal(bk_calib_grid(P("0.25"), P("4"), 5, g), BK_OK);
  static const char *const want[] = {"0.25", "0.5", "1", "2", "4"};
  for (int i = 0; i < 5; i++) assert_true(g[i] == P(want[i]));
}

/* 0.05 to 4 in 16 points: 0.05 × 80^(i/15), e.g. 80^(1/15) = e^(ln 80 / 15) = e^0.29214 =
 * 1.33928, so the second point is 0.0669642 -> 0.0670 at 3 significant digits; the others
 * likewise (40-digit decimal arithmetic, none within 1e-4 of a rounding boundary). */
static void sixteen_points_from_005_to_4_are_log_spaced_to_three_digits(void **state) {
  (void)state;
  static const char *const want[] = {"0.05",  "0.067", "0.0897", "0.12", "0.161", "0.215",
                                     "0.289", "0.386", "0.518",  "0.693", "0.928", "1.24",
                                     "1.67",  "2.23",  "2.99",   "4"};
  int64_t g[16];
  assert_int_equal(bk_calib_grid(P("0.05"), P("4"), 16, g), BK_OK);
  for (int i = 0; i < 16; i++)
    if (g[i] != P(want[i])) fail_msg("point %d: %lld, want %s", i, (long long)g[i], want[i]);
}

static void grids_out_of_range_are_refused(void **state) {
  (void)state;
  int64_t g[BK_CALIB_MAX_POINTS + 1];
  assert_int_equal(bk_calib_grid(P("4"), P("0.25"), 5, g), BK_ECONFIG);  /* reversed */
  assert_int_equal(bk_calib_grid(P("1"), P("1"), 5, g), BK_ECONFIG);     /* empty */
  assert_int_equal(bk_calib_grid(P("0.0001"), P("1"), 5, g), BK_ECONFIG); /* too small */
  assert_int_equal(bk_calib_grid(P("1"), P("2000"), 5, g), BK_ECONFIG);   /* too large */
  assert_int_equal(bk_calib_grid(P("1"), P("2"), 1, g), BK_ECONFIG);
  assert_int_equal(bk_calib_grid(P("0.01"), P("100"), BK_CALIB_MAX_POINTS + 1, g), BK_ECONFIG);
  /* 1 to 1.01 in 64 points: steps of 0.016 %, the same at 3 digits */
  assert_int_equal(bk_calib_grid(P("1"), P("1.01"), 64, g), BK_ECONFIG);
}

/* Three minutes: printed 100, 0, 300; simulated 80, 30, 500. |differences| 20 + 30 + 200
 * = 250 over 400 printed: E = 0.625; totals 610 simulated, 400 printed. */
static void the_error_is_the_per_minute_l1_over_the_printed_total(void **state) {
  (void)state;
  bk_liqcal_row rows[3] = {
      {.minute = 0, .printed = P("100"), .simulated = P("80")},
      {.minute = 60000000, .printed = 0, .simulated = P("30")},
      {.minute = 120000000, .printed = P("300"), .simulated = P("500")},
  };
  bk_liqcal_point pt = {.oi_scale = P("2")};
  assert_int_equal(bk_calib_score(rows, 3, &pt), BK_OK);
  assert_true(pt.error == P("0.625"));
  assert_true(pt.simulated == P("610") && pt.printed == P("400"));
  assert_true(pt.oi_scale == P("2"));
  /* nothing simulated scores exactly 1 */
  for (int i = 0; i < 3; i++) rows[i].simulated = 0;
  assert_int_equal(bk_calib_score(rows, 3, &pt), BK_OK);
  assert_true(pt.error == P("1"));
  /* 1/3 rounds up in the last digit */
  bk_liqcal_row third = {.printed = P("3"), .simulated = P("4")};
  assert_int_equal(bk_calib_score(&third, 1, &pt), BK_OK);
  assert_true(pt.error == P("0.33333334"));
  /* nothing printed: no error to speak of */
  bk_liqcal_row none = {.simulated = P("5")};
  assert_int_equal(bk_calib_score(&none, 1, &pt), BK_EDATA);
}

static void the_best_point_has_the_lowest_error_and_ties_go_low(void **state) {
  (void)state;
  bk_liqcal_point pts[4] = {{.error = P("1")}, {.error = P("0.4")}, {.error = P("0.4")},
                            {.error = P("0.9")}};
  assert_int_equal(bk_calib_best(pts, 4), 1);
  pts[3].error = P("0.39999999");
  assert_int_equal(bk_calib_best(pts, 4), 3);
}


/* ---- end to end: a hand-made tape ---- */

/* The tape: TSTUSDT, linear, 1 contract = 1 coin, a 0.5 % maintenance rate. Ten taker
 * buys of 5 contracts at 100 in the warm-up (00:00 to 00:09), one trade at 100 as the
 * window opens (00:10), then from 00:12:00 trades at 90.3 for ten seconds.
 *
 * The known population: every warm-up trade is a trader (100 accounts a contract keep
 * all ten), all long (taker buys), all at 10x; a scenario open interest of 100,000 USDT
 * at the mark of 100 is 1,000 contracts, so at scale s the population holds 2 × 1,000 × s
 * contracts long (its gross size is twice the one-sided open interest). A 10x long
 * entered at 100 has 10 USDT of margin per contract; at mark M its equity is
 * 10 + (M − 100) against a maintenance margin of 0.005 M, so it is liquidated below
 * M = 90 / 0.995 = 90.45 and bankrupt only at 90: the mark of 90.3 liquidates everyone,
 * whole, in the minute of 00:12, at 90.3 (the fund takes over what the thin book cannot
 * hold, at the bankruptcy price). Liquidated notional at scale s: 2,000 × s × 90.3 =
 * 180,600 × s USDT.
 *
 * The prints are what that population liquidates at the scale SCALE = 2: 4,000 contracts
 * at 90.3, printed as four sells (a sell print is a long liquidated) of 1,000 in 00:12.
 * They are computed here from the model above, not by the program. */
#define MIN_US INT64_C(60000000)
#define T00 INT64_C(1760054400000000) /* 2025-10-10T00:00:00Z */

static char dir[4096];

static void write_tape(void) {
  char path[8192], text[4096];
  snprintf(path, sizeof path, "%s/binance-futures_trades_2025-10-10_TSTUSDT.csv", dir);
  int n = snprintf(text, sizeof text, "exchange,symbol,timestamp,local_timestamp,id,side,"
                                      "price,amount\n");
  int id = 1;
  for (int i = 0; i < 10; i++, id++) {
    long long ts = T00 + i * MIN_US;
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "binance-futures,TSTUSDT,%lld,%lld,%d,buy,100,5\n", ts, ts, id);
  }
  long long open = T00 + 10 * MIN_US;
  n += snprintf(text + n, sizeof text - (size_t)n,
                "binance-futures,TSTUSDT,%lld,%lld,%d,buy,100,1\n", open, open, id++);
  for (int i = 0; i < 10; i++, id++) {
    long long ts = T00 + 12 * MIN_US + i * INT64_C(1000000);
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "binance-futures,TSTUSDT,%lld,%lld,%d,sell,90.3,1\n", ts, ts, id);
  }
  bk_t_write(path, text, (size_t)n);
  /* the prints: the known population at scale 2 */
  const int scale = 2, oi_contracts = 100000 / 100, prints = 4;
  int liquidated = 2 * oi_contracts * scale; /* 4,000 contracts, all long */
  snprintf(path, sizeof path, "%s/binance-futures_liquidations_2025-10-10_TSTUSDT.csv", dir);
  n = snprintf(text, sizeof text, "exchange,symbol,timestamp,local_timestamp,id,side,price,"
                                  "amount\n");
  for (int i = 0; i < prints; i++) {
    long long ts = T00 + 12 * MIN_US + (i + 1) * INT64_C(1000000);
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "binance-futures,TSTUSDT,%lld,%lld,%d,sell,90.3,%d\n", ts, ts, i + 1,
                  liquidated / prints);
  }
  bk_t_write(path, text, (size_t)n);
}

/* The scenario around the tape; `population` and `extra` are spliced in. */
static void write_scenario(const char *name, const char *population, const char *extra) {
  char path[8192], text[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int n = snprintf(
      text, sizeof text,
      "{\"name\": \"calib\", \"seed\": 7,\n"
      " \"data\": [\"binance-futures_trades_2025-10-10_TSTUSDT.csv\",\n"
      "          \"binance-futures_liquidations_2025-10-10_TSTUSDT.csv\"],\n"
      " \"window\": {\"from\": \"2025-10-10T00:10:00Z\"},\n"
      " \"instruments\": {\"TSTUSDT\": {\"exchange\": \"binance-futures\", \"kind\": \"linear\",\n"
      "   \"tick\": \"0.01\", \"contract_size\": \"1\", \"settle\": \"USDT\",\n"
      "   \"tiers\": [{\"floor\": \"0\", \"mmr\": \"0.005\", \"max_leverage\": \"125\"}]}},\n"
      " \"population\": %s,\n"
      " \"policies\": [{\"name\": \"takeover\", \"fund\": {\"initial\": \"10000000\"},\n"
      "   \"liquidation\": {\"price_limit\": \"bankruptcy\", \"remainder\": \"takeover\"}},\n"
      "   {\"name\": \"second\"}]%s}\n",
      population, extra);
  bk_t_write(path, text, (size_t)n);
}

#define SYNTHETIC(scale)                                                                    \
  "{\"model\": \"synthetic\", \"accounts_per_contract\": 100, \"oi_scale\": \"" scale "\",\n" \
  "   \"leverage\": {\"levels\": [\"10\"], \"weights\": [1]}, \"lot\": \"0.001\",\n"          \
  "   \"open_interest_usd\": {\"TSTUSDT\": \"100000\"}}"

static int run_scenario(const char *name, const char *out, const char *stdout_path) {
  char scen[8192], err[8192], o[8192];
  snprintf(scen, sizeof scen, "%s/%s", dir, name);
  snprintf(err, sizeof err, "%s/%s.err", dir, name);
  snprintf(o, sizeof o, "%s/%s", dir, out);
  const char *args[] = {"run", "-o", o, scen, NULL};
  int st = bk_t_run(stdout_path, err, args);
  if (st != 0 && st != EX_CONFIG && st != EX_DATAERR)
    fail_msg("run exited %d: %s", st, bk_t_slurp(err, NULL));
  return st;
}

static int setup(void **state) {
  (void)state;
  bk_t_tmp("calibrate", dir, sizeof dir);
  mkdir(dir, 0777);
  write_tape();
  return 0;
}

/* Grid 0.5, 1, 2, 4, 8: E(s) = |180,600 s − 361,200| / 361,200 = |s − 2| / 2, so 0.75,
 * 0.5, 0, 1, 3, and the fit chooses 2, the scale the prints were made at. */
static void the_fit_finds_the_scale_the_prints_were_made_at(void **state) {
  (void)state;
  write_scenario("fit.json", "[" SYNTHETIC("1") ",\n {\"model\": \"liquidation_prints\"}]",
                 ",\n \"calibration\": {\"oi_scale\": [\"0.5\", \"8\"], \"points\": 5}");
  char out[8192], path[8448];
  snprintf(out, sizeof out, "%s/fit.out", dir);
  assert_int_equal(run_scenario("fit.json", "out-fit", out), 0);
  bk_t_table fit;
  snprintf(path, sizeof path, "%s/out-fit/calibration_fit.csv", dir);
  bk_t_table_load(path, &fit);
  bk_t_documented(&fit, "calibration_fit.csv");
  static const char *const scale[] = {"0.5", "1", "2", "4", "8"};
  static const char *const error[] = {"0.75", "0.5", "0", "1", "3"};
  static const char *const simulated[] = {"90300", "180600", "361200", "722400", "1444800"};
  assert_int_equal(fit.rows, 6);
  for (size_t r = 1; r < fit.rows; r++) {
    assert_true(bk_t_num(&fit, r, "oi_scale") == P(scale[r - 1]));
    assert_true(bk_t_num(&fit, r, "printed_notional_quote") == P("361200"));
    assert_true(bk_t_num(&fit, r, "simulated_notional_quote") == P(simulated[r - 1]));
    assert_true(bk_t_num(&fit, r, "error") == P(error[r - 1]));
    assert_string_equal(bk_t_cell(&fit, r, "chosen"), r == 3 ? "1" : "0");
  }
  bk_t_table_free(&fit);
  /* the chosen scale's minutes: the one minute of 00:12, matched */
  bk_t_table min;
  snprintf(path, sizeof path, "%s/out-fit/calibration_fit_minutes.csv", dir);
  bk_t_table_load(path, &min);
  bk_t_documented(&min, "calibration_fit_minutes.csv");
  assert_int_equal(min.rows, 2);
  assert_string_equal(bk_t_cell(&min, 1, "minute"), "2025-10-10T00:12:00.000000Z");
  assert_string_equal(bk_t_cell(&min, 1, "policy"), "takeover");
  assert_true(bk_t_num(&min, 1, "printed_notional_quote") == P("361200"));
  assert_true(bk_t_num(&min, 1, "simulated_notional_quote") == P("361200"));
  assert_true(bk_t_num(&min, 1, "prints") == P("4"));
  bk_t_table_free(&min);
  char *said = bk_t_slurp(out, NULL);
  assert_non_null(said);
  if (!strstr(said, "calibration: OI scale 2 fits the venue's liquidation prints with error 0"))
    fail_msg("no fit line in: %s", said);
  free(said);
  /* scenario.json carries the calibration: run again from it, the same fit, byte for byte */
  char again[8192], err[8192], a[8448], b[8448];
  snprintf(path, sizeof path, "%s/out-fit/scenario.json", dir);
  snprintf(again, sizeof again, "%s/out-again", dir);
  snprintf(err, sizeof err, "%s/again.err", dir);
  const char *args[] = {"run", "--quiet", "-o", again, path, NULL};
  assert_int_equal(bk_t_run(NULL, err, args), 0);
  static const char *const files[] = {"calibration_fit.csv", "calibration_fit_minutes.csv"};
  for (int i = 0; i < 2; i++) {
    snprintf(a, sizeof a, "%s/out-fit/%s", dir, files[i]);
    snprintf(b, sizeof b, "%s/%s", again, files[i]);
    if (!bk_t_same_file(a, b)) fail_msg("%s differs when run from scenario.json", files[i]);
  }
}

/* The second step: the fitted scale written into the scenario gives a run whose own
 * liquidations are the prints' notional (the synthetic population alone, at 2: 361,200). */
static void the_fitted_scale_in_the_scenario_reproduces_the_prints(void **state) {
  (void)state;
  write_scenario("fitted.json", SYNTHETIC("2"), "");
  assert_int_equal(run_scenario("fitted.json", "out-fitted", NULL), 0);
  bk_t_table sum;
  char path[8448];
  snprintf(path, sizeof path, "%s/out-fitted/summary.csv", dir);
  bk_t_table_load(path, &sum);
  assert_string_equal(bk_t_cell(&sum, 1, "policy"), "takeover");
  assert_true(bk_t_num(&sum, 1, "liq_notional") == P("361200"));
  bk_t_table_free(&sum);
}

/* A calibration without the prints' population, without a synthetic one, or over a
 * window without prints, is refused with a clear message. */
static void a_calibration_without_prints_or_population_is_refused(void **state) {
  (void)state;
  static const char cal[] = ",\n \"calibration\": {\"oi_scale\": [\"0.5\", \"8\"], \"points\": 5}";
  char err[8448];
  write_scenario("noprints.json", SYNTHETIC("1"), cal);
  assert_int_equal(run_scenario("noprints.json", "out-noprints", NULL), EX_CONFIG);
  snprintf(err, sizeof err, "%s/noprints.json.err", dir);
  char *msg = bk_t_slurp(err, NULL);
  assert_non_null(strstr(msg, "liquidation_prints"));
  free(msg);
  write_scenario("nosynth.json", "{\"model\": \"liquidation_prints\"}", cal);
  assert_int_equal(run_scenario("nosynth.json", "out-nosynth", NULL), EX_CONFIG);
  snprintf(err, sizeof err, "%s/nosynth.json.err", dir);
  msg = bk_t_slurp(err, NULL);
  assert_non_null(strstr(msg, "synthetic"));
  free(msg);
  /* the window ends before the prints */
  write_scenario("early.json", "[" SYNTHETIC("1") ",\n {\"model\": \"liquidation_prints\"}]",
                 ",\n \"calibration\": {\"oi_scale\": [\"0.5\", \"8\"], \"points\": 5}");
  char scen[8192], o[8192];
  snprintf(scen, sizeof scen, "%s/early.json", dir);
  snprintf(o, sizeof o, "%s/out-early", dir);
  snprintf(err, sizeof err, "%s/early.err", dir);
  const char *args[] = {"run", "--quiet", "--to", "2025-10-10T00:11:00Z", "-o", o, scen, NULL};
  assert_int_equal(bk_t_run(NULL, err, args), EX_DATAERR);
  msg = bk_t_slurp(err, NULL);
  assert_non_null(strstr(msg, "no liquidation"));
  free(msg);
  /* a grid out of range: the scenario's place */
  write_scenario("badgrid.json", SYNTHETIC("1"),
                 ",\n \"calibration\": {\"oi_scale\": [\"4\", \"0.5\"], \"points\": 5}");
  assert_int_equal(run_scenario("badgrid.json", "out-badgrid", NULL), EX_CONFIG);
  snprintf(err, sizeof err, "%s/badgrid.json.err", dir);
  msg = bk_t_slurp(err, NULL);
  assert_non_null(strstr(msg, "badgrid.json:"));
  assert_non_null(strstr(msg, "calibration"));
  free(msg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(five_points_from_a_quarter_to_four_are_powers_of_two),
      cmocka_unit_test(sixteen_points_from_005_to_4_are_log_spaced_to_three_digits),
      cmocka_unit_test(grids_out_of_range_are_refused),
      cmocka_unit_test(the_error_is_the_per_minute_l1_over_the_printed_total),
      cmocka_unit_test(the_best_point_has_the_lowest_error_and_ties_go_low),
      cmocka_unit_test(the_fit_finds_the_scale_the_prints_were_made_at),
      cmocka_unit_test(the_fitted_scale_in_the_scenario_reproduces_the_prints),
      cmocka_unit_test(a_calibration_without_prints_or_population_is_refused),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
