/*
 * Golden runs: the built-in default scenario (`backstop run` with no scenario: the
 * synthetic crash day, a synthetic population, three policies) against the reports kept
 * in tests/golden/default, run again and with other read sizes and thread counts, and the
 * accounting identities of the reports checked from the CSVs themselves.
 *
 * The same run checks the report schema: every column it writes is defined in
 * docs/reports.md, the fund's flows by cause reconcile with its start and end on every
 * row, and the summary printed as JSON and as the terminal table says what summary.csv
 * says.
 *
 * Conservation (the ledger sums to zero, long and short open interest match) is checked
 * by the engine after every event of these runs in debug builds: a violation stops the
 * run with exit 70, which fails these tests.
 *
 * When a change is meant to move the figures, regenerate the expected files with
 * BK_GOLDEN_UPDATE=1 and say why in the commit.
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
#include <unistd.h>

#include <jansson.h>

#include "engine/fixed.h"
#include "reports/report.h"
#include "tests/testutil.h"

static const char *const compared[] = {"summary.csv", "fund.csv", "liquidations.csv",
                                       "adl.csv", "quality.csv", "population.csv", NULL};

/* Runs `backstop run --quiet -o DIR [extra...]` in the test's scratch folder. */
static void run_default(const char *dir, const char *a1, const char *a2, const char *a3,
                        const char *a4) {
  const char *args[] = {"run", "--quiet", "-o", dir, a1, a2, a3, a4, NULL};
  char err[4096];
  bk_t_tmp("golden.err", err, sizeof err);
  int st = bk_t_run(NULL, err, args);
  if (st != 0) {
    char *msg = bk_t_slurp(err, NULL);
    fail_msg("backstop run exited %d: %s", st, msg ? msg : "");
  }
}

/* Removes a run folder left by an earlier run of this test (reports only). */
static void clear_run(const char *dir) {
  const char *const *lists[] = {bk_report_files, bk_report_optional_files};
  for (size_t l = 0; l < 2; l++)
    for (const char *const *f = lists[l]; *f; f++) {
      char p[512];
      snprintf(p, sizeof p, "%s/%s", dir, *f);
      unlink(p);
    }
  rmdir(dir);
}

static int setup(void **state) {
  (void)state;
  char dir[4096];
  bk_t_tmp("golden", dir, sizeof dir);
  mkdir(dir, 0777);
  if (chdir(dir) != 0) return -1;
  static const char *const runs[] = {"run-main", "again", "again-1", "one-byte", "big", "s1",
                                     "s60", "as-json", "as-text", NULL};
  for (const char *const *r = runs; *r; r++) clear_run(*r);
  /* the built-in default writes its sample day into out/sample once */
  run_default("run-main", NULL, NULL, NULL, NULL);
  return 0;
}

static void default_scenario_matches_its_golden_reports(void **state) {
  (void)state;
  const char *src = getenv("BK_SOURCE_DIR");
  assert_non_null(src);
  int update = getenv("BK_GOLDEN_UPDATE") != NULL;
  for (const char *const *f = compared; *f; f++) {
    char got[4096], want[8192];
    snprintf(got, sizeof got, "run-main/%s", *f);
    snprintf(want, sizeof want, "%s/tests/golden/default/%s", src, *f);
    if (update) {
      size_t n;
      char *text = bk_t_slurp(got, &n);
      assert_non_null(text);
      bk_t_write(want, text, n);
      free(text);
      printf("updated %s\n", want);
      continue;
    }
    if (!bk_t_same_file(got, want))
      fail_msg("%s differs from %s (BK_GOLDEN_UPDATE=1 regenerates it when the change is "
               "meant)", got, want);
  }
}

static void same_run_twice_gives_identical_bytes(void **state) {
  (void)state;
  static const char *const all[] = {"summary.csv", "fund.csv", "liquidations.csv", "adl.csv",
                                    "quality.csv", "population.csv", "manifest.json",
                                    "charts.gp", NULL};
  run_default("again", NULL, NULL, NULL, NULL);
  assert_int_equal(rename("again", "again-1"), 0);
  run_default("again", NULL, NULL, NULL, NULL);
  for (const char *const *f = all; *f; f++) {
    char a[256], b[256];
    snprintf(a, sizeof a, "again-1/%s", *f);
    snprintf(b, sizeof b, "again/%s", *f);
    if (!bk_t_same_file(a, b)) fail_msg("%s differs between two identical runs", *f);
  }
}

static void read_size_and_threads_do_not_change_the_reports(void **state) {
  (void)state;
  run_default("one-byte", "--read-size", "1", "--threads", "1");
  run_default("big", "--read-size", "16777216", "--threads", "2");
  for (const char *const *f = compared; *f; f++) {
    char a[256], b[256], c[256];
    snprintf(a, sizeof a, "run-main/%s", *f);
    snprintf(b, sizeof b, "one-byte/%s", *f);
    snprintf(c, sizeof c, "big/%s", *f);
    if (!bk_t_same_file(a, b)) fail_msg("%s differs with 1-byte reads", *f);
    if (!bk_t_same_file(a, c)) fail_msg("%s differs with 16 MiB reads and 2 threads", *f);
  }
}


/* Writes the default scenario with another report interval, up to 06:00. */
static void scenario_with_interval(const char *path, const char *interval) {
  char src[4096];
  const char *root = getenv("BK_SOURCE_DIR");
  snprintf(src, sizeof src, "%s/data/scenarios/default.json", root ? root : ".");
  size_t n;
  char *text = bk_t_slurp(src, &n);
  assert_non_null(text);
  char *at = strstr(text, "\"interval_s\": \"60\"");
  char *win = strstr(text, "\"window\": { \"from\": \"2025-10-10T02:00:00Z\" }");
  assert_non_null(at);
  assert_non_null(win);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fwrite(text, 1, (size_t)(win - text), f);
  fprintf(f, "\"window\": { \"from\": \"2025-10-10T02:00:00Z\", \"to\": \"2025-10-10T06:00:00Z\" }");
  char *after = win + strlen("\"window\": { \"from\": \"2025-10-10T02:00:00Z\" }");
  fwrite(after, 1, (size_t)(at - after), f);
  fprintf(f, "\"interval_s\": \"%s\"", interval);
  fputs(at + strlen("\"interval_s\": \"60\""), f);
  fclose(f);
  free(text);
}

/* The fund's extremes follow every event: sampling every second or every minute gives
 * the same minimum, drawdown, time under water and smallest safe fund. */
static void fund_extremes_do_not_depend_on_the_sampling(void **state) {
  (void)state;
  scenario_with_interval("every-1s.json", "1");
  scenario_with_interval("every-60s.json", "60");
  run_default("s1", "every-1s.json", NULL, NULL, NULL);
  run_default("s60", "every-60s.json", NULL, NULL, NULL);
  bk_t_table a, b;
  bk_t_table_load("s1/summary.csv", &a);
  bk_t_table_load("s60/summary.csv", &b);
  assert_int_equal(a.rows, b.rows);
  static const char *const cols[] = {"fund_min", "max_drawdown", "time_under_water_s",
                                     "safe_initial_fund", "fund_end", NULL};
  for (size_t r = 1; r < a.rows; r++)
    for (const char *const *c = cols; *c; c++)
      if (strcmp(bk_t_cell(&a, r, *c), bk_t_cell(&b, r, *c)))
        fail_msg("%s %s: %s at 1 s, %s at 60 s", bk_t_cell(&a, r, "policy"), *c,
                 bk_t_cell(&a, r, *c), bk_t_cell(&b, r, *c));
  /* and the samples at 1 s lie inside the extremes */
  bk_t_table f;
  bk_t_table_load("s1/fund.csv", &f);
  assert_true(f.rows > 3 * 4 * 3600);
  bk_t_table_free(&f);
  bk_t_table_free(&a);
  bk_t_table_free(&b);
}

/* The walk is not capped at a number of levels: on the default day some steps walk far
 * more than 64. */
static void liquidation_walks_are_not_capped(void **state) {
  (void)state;
  bk_t_table liq;
  bk_t_table_load("run-main/liquidations.csv", &liq);
  int64_t most = 0;
  for (size_t l = 1; l < liq.rows; l++)
    if (bk_t_num(&liq, l, "levels") > most) most = bk_t_num(&liq, l, "levels");
  assert_true(most > 64 * BK_FX_SCALE);
  bk_t_table_free(&liq);
}

static void reports_satisfy_the_accounting_identities(void **state) {
  (void)state;
  bk_t_table sum, liq;
  bk_t_table_load("run-main/summary.csv", &sum);
  bk_t_table_load("run-main/liquidations.csv", &liq);
  assert_int_equal(sum.rows, 4); /* header + three policies */
  int64_t fee1 = -1, fee2 = -1;
  for (size_t r = 1; r < sum.rows; r++) {
    const char *pol = bk_t_cell(&sum, r, "policy");
    /* the fund's cash moved by exactly what the ledger says came in and went out */
    assert_true(bk_t_num(&sum, r, "fund_cash_end") - bk_t_num(&sum, r, "fund_start") ==
                bk_t_num(&sum, r, "inflows") - bk_t_num(&sum, r, "outflows"));
    assert_true(bk_t_num(&sum, r, "fund_end") ==
                bk_t_num(&sum, r, "fund_cash_end") + bk_t_num(&sum, r, "inventory_pnl_end"));
    assert_true(bk_t_num(&sum, r, "ledger_imbalance") == 0);
    /* liquidations.csv adds up to the summary */
    int64_t delta = 0, fees = 0;
    uint64_t n = 0;
    for (size_t l = 1; l < liq.rows; l++)
      if (!strcmp(bk_t_cell(&liq, l, "policy"), pol)) {
        delta += bk_t_num(&liq, l, "fund_delta");
        fees += bk_t_num(&liq, l, "fund_fee");
        n++;
      }
    assert_true(delta == bk_t_num(&sum, r, "liq_fund_delta"));
    assert_true(fees == bk_t_num(&sum, r, "in_liquidation_fee"));
    assert_true(n == (uint64_t)bk_t_num(&sum, r, "liquidations") / BK_FX_SCALE);
    assert_true(n > 100); /* the crash liquidates */
    if (!strcmp(pol, "fee-1pct")) fee1 = fees;
    if (!strcmp(pol, "fee-2pct")) fee2 = fees;
  }
  /* a higher penalty never earns less in penalties on the same population */
  assert_true(fee1 > 0 && fee2 >= fee1);
  bk_t_table_free(&sum);
  bk_t_table_free(&liq);
}

/* Every column of every CSV the run writes has its row in docs/reports.md. */
static void every_report_column_is_documented(void **state) {
  (void)state;
  for (const char *const *f = compared; *f; f++) {
    char path[256];
    snprintf(path, sizeof path, "run-main/%s", *f);
    bk_t_table t;
    bk_t_table_load(path, &t);
    bk_t_documented(&t, *f);
    bk_t_table_free(&t);
  }
}

/* Sum of the columns of row r whose names start with prefix ("in_", "out_"). */
static int64_t sum_prefixed(const bk_t_table *t, size_t r, const char *prefix) {
  int64_t s = 0;
  for (size_t c = 0; c < t->cols; c++)
    if (!strncmp(t->cell[c], prefix, strlen(prefix))) s += bk_t_num(t, r, t->cell[c]);
  return s;
}

/* fund start + inflows − outflows = fund cash, inflows and outflows being the sums of
 * their causes, and cash + inventory = equity: on every fund.csv row and in summary.csv,
 * whose causes are the last fund row's. */
static void fund_flows_reconcile_by_cause_on_every_row(void **state) {
  (void)state;
  bk_t_table sum, fund;
  bk_t_table_load("run-main/summary.csv", &sum);
  bk_t_table_load("run-main/fund.csv", &fund);
  for (size_t r = 1; r < sum.rows; r++) {
    const char *pol = bk_t_cell(&sum, r, "policy");
    int64_t start = bk_t_num(&sum, r, "fund_start");
    int64_t in = bk_t_num(&sum, r, "inflows"), out = bk_t_num(&sum, r, "outflows");
    assert_true(sum_prefixed(&sum, r, "in_") == in);
    assert_true(sum_prefixed(&sum, r, "out_") == out);
    assert_true(start + in - out == bk_t_num(&sum, r, "fund_cash_end"));
    assert_true(bk_t_num(&sum, r, "fund_cash_end") + bk_t_num(&sum, r, "inventory_pnl_end") ==
                bk_t_num(&sum, r, "fund_end"));
    size_t last = 0;
    for (size_t f = 1; f < fund.rows; f++) {
      if (strcmp(bk_t_cell(&fund, f, "policy"), pol)) continue;
      int64_t fi = bk_t_num(&fund, f, "inflows"), fo = bk_t_num(&fund, f, "outflows");
      assert_true(sum_prefixed(&fund, f, "in_") == fi);
      assert_true(sum_prefixed(&fund, f, "out_") == fo);
      assert_true(start + fi - fo == bk_t_num(&fund, f, "fund_cash"));
      assert_true(bk_t_num(&fund, f, "fund_cash") + bk_t_num(&fund, f, "inventory_pnl") ==
                  bk_t_num(&fund, f, "fund_equity"));
      last = f;
    }
    assert_true(last > 0);
    /* the last sample is the end: every cause and the equity agree with the summary */
    for (size_t c = 0; c < fund.cols; c++)
      if (!strncmp(fund.cell[c], "in_", 3) || !strncmp(fund.cell[c], "out_", 4))
        assert_true(bk_t_num(&fund, last, fund.cell[c]) == bk_t_num(&sum, r, fund.cell[c]));
    assert_true(bk_t_num(&fund, last, "fund_equity") == bk_t_num(&sum, r, "fund_end"));
  }
  bk_t_table_free(&fund);
  bk_t_table_free(&sum);
}

/* The fund pays the bankruptcy price and enters at the mark: each takeover books
 * takeover_contracts × (mark − bankruptcy price) for a long (the opposite for a short),
 * rounded down, with cause takeover. The default day's takeovers are longs taken over
 * below the mark (README), so the discounts are gains. SYNUSDT is linear with a contract
 * size of 1 (data/scenarios/default.json). */
static void takeover_columns_carry_the_discount_at_the_mark(void **state) {
  (void)state;
  bk_t_table sum, liq;
  bk_t_table_load("run-main/summary.csv", &sum);
  bk_t_table_load("run-main/liquidations.csv", &liq);
  for (size_t r = 1; r < sum.rows; r++) {
    const char *pol = bk_t_cell(&sum, r, "policy");
    bk_i128 total = 0;
    for (size_t l = 1; l < liq.rows; l++) {
      int64_t q = bk_t_num(&liq, l, "takeover_contracts");
      if (strcmp(bk_t_cell(&liq, l, "policy"), pol) || q == 0) continue;
      int64_t diff = bk_t_num(&liq, l, "mark_price") - bk_t_num(&liq, l, "bankruptcy_price");
      if (!strcmp(bk_t_cell(&liq, l, "side"), "short")) diff = -diff;
      bk_i128 p = (bk_i128)q * diff; /* e-16 */
      total += p >= 0 ? p / BK_FX_SCALE : -((-p + BK_FX_SCALE - 1) / BK_FX_SCALE);
    }
    int64_t in = bk_t_num(&sum, r, "in_takeover"), out = bk_t_num(&sum, r, "out_takeover");
    assert_true(in > 0);
    assert_true(total == in - out);
  }
  bk_t_table_free(&liq);
  bk_t_table_free(&sum);
}

/* Runs the default scenario into dir with its summary as `format` saved in out. */
static void run_summary(const char *dir, const char *format, const char *out) {
  /* --quiet silences the text summary (errors only) but not the JSON, which is the result */
  int json = !strcmp(format, "json");
  const char *args[] = {"run", "-o", dir, "--format", format, json ? "--quiet" : NULL, NULL};
  char err[4096];
  bk_t_tmp("summary.err", err, sizeof err);
  int st = bk_t_run(out, err, args);
  if (st != 0) {
    char *msg = bk_t_slurp(err, NULL);
    fail_msg("backstop run --format %s exited %d: %s", format, st, msg ? msg : "");
  }
}

/* --format json: strict JSON (jansson refuses duplicate keys), one row per summary.csv
 * row with its columns as keys in its order and its cells as strings (null when empty). */
static void json_summary_is_summary_csv_as_strings(void **state) {
  (void)state;
  run_summary("as-json", "json", "summary.json");
  json_error_t e;
  json_t *doc = json_load_file("summary.json", JSON_REJECT_DUPLICATES, &e);
  if (!doc) fail_msg("summary.json:%d:%d: %s", e.line, e.column, e.text);
  json_t *assets = json_object_get(doc, "settle_assets");
  assert_true(json_is_array(assets) && json_array_size(assets) == 1);
  assert_string_equal(json_string_value(json_array_get(assets, 0)), "USDT");
  bk_t_table sum;
  bk_t_table_load("run-main/summary.csv", &sum);
  json_t *rows = json_object_get(doc, "rows");
  assert_true(json_is_array(rows));
  assert_int_equal(json_array_size(rows), sum.rows - 1);
  for (size_t r = 1; r < sum.rows; r++) {
    json_t *row = json_array_get(rows, r - 1);
    assert_int_equal(json_object_size(row), sum.cols);
    void *it = json_object_iter(row);
    for (size_t c = 0; c < sum.cols; c++, it = json_object_iter_next(row, it)) {
      assert_non_null(it);
      assert_string_equal(json_object_iter_key(it), sum.cell[c]);
      json_t *v = json_object_iter_value(it);
      const char *cell = sum.cell[r * sum.cols + c];
      if (cell[0]) assert_string_equal(json_string_value(v), cell);
      else assert_true(json_is_null(v));
    }
  }
  bk_t_table_free(&sum);
  json_decref(doc);
}

/* The terminal table fits 100 columns and names every cause that moved each fund, with
 * summary.csv's net figure (2 decimals): on the default day the fund's largest outflow
 * is the offload of what it took over. */
static void terminal_summary_fits_100_columns_and_shows_every_flow(void **state) {
  (void)state;
  run_summary("as-text", "text", "summary.txt");
  char *text = bk_t_slurp("summary.txt", NULL);
  assert_non_null(text);
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
    if (strlen(l) > 100) fail_msg("%zu columns: %s", strlen(l), l);
  free(text);
  text = bk_t_slurp("summary.txt", NULL);
  bk_t_table sum;
  bk_t_table_load("run-main/summary.csv", &sum);
  static const char *const causes[][2] = {{"liquidation_fee", "liquidation fees"},
                                          {"takeover", "takeover"},
                                          {"offload", "offload"}};
  for (size_t r = 1; r < sum.rows; r++) {
    const char *block = strstr(text, bk_t_cell(&sum, r, "policy"));
    assert_non_null(block);
    for (size_t k = 0; k < 3; k++) {
      char in[64], out[64], num[48], want[128];
      snprintf(in, sizeof in, "in_%s", causes[k][0]);
      snprintf(out, sizeof out, "out_%s", causes[k][0]);
      int64_t net = bk_t_num(&sum, r, in) - (k ? bk_t_num(&sum, r, out) : 0); /* fees: in only */
      assert_true(net != 0);
      bk_fx_format(net, 2, BK_HALF_EVEN, num, sizeof num);
      snprintf(want, sizeof want, "%s %s%s", causes[k][1], net > 0 ? "+" : "", num);
      if (!strstr(block, want)) fail_msg("'%s' is not in the summary of %s", want,
                                         bk_t_cell(&sum, r, "policy"));
    }
    assert_true(bk_t_num(&sum, r, "out_offload") > bk_t_num(&sum, r, "in_liquidation_fee"));
  }
  bk_t_table_free(&sum);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(default_scenario_matches_its_golden_reports),
      cmocka_unit_test(fund_extremes_do_not_depend_on_the_sampling),
      cmocka_unit_test(liquidation_walks_are_not_capped),
      cmocka_unit_test(same_run_twice_gives_identical_bytes),
      cmocka_unit_test(read_size_and_threads_do_not_change_the_reports),
      cmocka_unit_test(reports_satisfy_the_accounting_identities),
      cmocka_unit_test(every_report_column_is_documented),
      cmocka_unit_test(fund_flows_reconcile_by_cause_on_every_row),
      cmocka_unit_test(takeover_columns_carry_the_discount_at_the_mark),
      cmocka_unit_test(json_summary_is_summary_csv_as_strings),
      cmocka_unit_test(terminal_summary_fits_100_columns_and_shows_every_flow),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
