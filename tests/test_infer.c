/*
 * A scenario inferred from data (config/infer.h): the window rule on hand-made spans,
 * `backstop run --data` without a scenario on a small synthetic day (made here with
 * `backstop synth`) and the files it opens (each twice: inference, then the run),
 * `backstop init` whose file runs to the same reports, and, in the
 * data group, a copy of the real Binance BTCUSDT capture in a folder of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "config/infer.h"
#include "engine/clock.h"
#include "engine/fixed.h"
#include "tests/testutil.h"

static char dir[4096];

static int64_t at(const char *iso) {
  int64_t us;
  assert_int_equal(bk_time_parse(iso, strlen(iso), &us), BK_OK);
  return us;
}

static void window_is_the_span_with_its_first_quarter_as_warm_up(void **state) {
  (void)state;
  /* 8 hours of data: 2 hours of warm-up; 6 hours = 21,600 s of window over 500 samples
   * is 43.2 s, so the round interval is 60 s; the window ends on the first minute after
   * the last row */
  bk_datascan ds;
  memset(&ds, 0, sizeof ds);
  ds.first_ts = at("2025-10-10T00:00:00Z");
  ds.last_ts = at("2025-10-10T08:00:00Z");
  int64_t from, to, step;
  bk_err err;
  memset(&err, 0, sizeof err);
  assert_int_equal(bk_infer_window(&ds, &from, &to, &step, &err), BK_OK);
  assert_true(from == at("2025-10-10T02:00:00Z"));
  assert_true(to == at("2025-10-10T08:01:00Z"));
  assert_true(step == 60 * BK_US_PER_S);
  /* a quarter of 10 minutes and 7 s is 151.75 s: on the 1 s grid (455.25 s of window
   * over 500 is 0.91 s: 1 s), 00:02:32 */
  ds.last_ts = at("2025-10-10T00:10:07Z");
  assert_int_equal(bk_infer_window(&ds, &from, &to, &step, &err), BK_OK);
  assert_true(step == BK_US_PER_S);
  assert_true(from == at("2025-10-10T00:02:32Z"));
  assert_true(to == at("2025-10-10T00:10:08Z"));
}

static void a_span_too_short_for_a_window_is_a_data_error(void **state) {
  (void)state;
  /* one second: the warm-up ends at 0.25 s, on the 1 s grid at the last row itself */
  bk_datascan ds;
  memset(&ds, 0, sizeof ds);
  ds.first_ts = at("2025-10-10T00:00:00Z");
  ds.last_ts = at("2025-10-10T00:00:01Z");
  int64_t from, to, step;
  bk_err err;
  memset(&err, 0, sizeof err);
  assert_int_equal(bk_infer_window(&ds, &from, &to, &step, &err), BK_EDATA);
  assert_non_null(strstr(err.msg, "too short"));
  assert_non_null(strstr(err.msg, "2025-10-10T00:00:01Z"));
}

static int setup(void **state) {
  (void)state;
  bk_t_tmp("infer", dir, sizeof dir);
  mkdir(dir, 0777);
  char sample[8192];
  snprintf(sample, sizeof sample, "%s/sample", dir);
  mkdir(sample, 0777);
  const char *args[] = {"synth", "-o", sample, "--hours", "1", NULL};
  return bk_t_run(NULL, NULL, args) == 0 ? 0 : -1;
}

/* The column whose name starts with prefix (summary columns carry the asset). */
static const char *cell_prefixed(const bk_t_table *t, size_t row, const char *prefix) {
  for (size_t c = 0; c < t->cols; c++)
    if (!strncmp(t->cell[c], prefix, strlen(prefix))) return t->cell[row * t->cols + c];
  fail_msg("no column %s", prefix);
  return NULL;
}

/* The text after `key` in text. */
static const char *after(const char *text, const char *key) {
  const char *p = strstr(text, key);
  if (!p) fail_msg("no '%s' in:\n%s", key, text);
  return p + strlen(key);
}

/* The UTC time at p, up to its Z. */
static int64_t word_time(const char *p) {
  size_t n = strcspn(p, "Z\n") + 1;
  int64_t us;
  assert_int_equal(bk_time_parse(p, n, &us), BK_OK);
  return us;
}

/* Runs --data on folder into out and checks what the run says against its reports:
 * shipped policies, funds as printed, a window whose warm-up is a quarter of the span
 * the reports' quality.csv gives. */
static void check_run_data(const char *folder, const char *out, const char *asset) {
  char err[8192], path[8448];
  snprintf(err, sizeof err, "%s.err", out);
  const char *args[] = {"run", "-o", out, "--data", folder, NULL};
  int st = bk_t_run(NULL, err, args);
  char *text = bk_t_slurp(err, NULL);
  if (st != 0) fail_msg("run exited %d: %s", st, text);
  assert_non_null(strstr(text, "book from data"));
  assert_null(strstr(text, "book from the depth model"));
  /* the window against the data's span */
  const char *w = after(text, "window ");
  int64_t from = word_time(w), to = word_time(after(w, " to "));
  int64_t step = atoll(after(text, "sampled every ")) * BK_US_PER_S;
  bk_t_table q;
  snprintf(path, sizeof path, "%s/quality.csv", out);
  bk_t_table_load(path, &q);
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (size_t r = 1; r < q.rows; r++) {
    if (strcmp(bk_t_cell(&q, r, "scope"), "file")) continue;
    int64_t a = atoll(bk_t_cell(&q, r, "first_ts_us")), b = atoll(bk_t_cell(&q, r, "last_ts_us"));
    if (a < first) first = a;
    if (b > last) last = b;
  }
  bk_t_table_free(&q);
  int64_t quarter = (last - first) / 4;
  assert_true(step > 0);
  assert_true(first + quarter <= from && from < first + quarter + step + 1);
  assert_true(last < to && to <= last + step);
  /* the three shipped policies, each starting with the fund printed, in the asset */
  char key[64];
  snprintf(key, sizeof key, "fund %s: ", asset);
  const char *f = after(text, key);
  int64_t fund;
  assert_int_equal(bk_fx_parse(f, strcspn(f, " "), &fund, NULL), BK_OK);
  assert_true(fund > 0);
  bk_t_table sum;
  snprintf(path, sizeof path, "%s/summary.csv", out);
  bk_t_table_load(path, &sum);
  static const char *const shipped[] = {"binance-like", "dydx-like", "hyperliquid-like"};
  assert_int_equal(sum.rows, 4);
  for (size_t r = 1; r < sum.rows; r++) {
    assert_string_equal(bk_t_cell(&sum, r, "policy"), shipped[r - 1]);
    assert_string_equal(bk_t_cell(&sum, r, "settle_asset"), asset);
    int64_t start;
    const char *c = cell_prefixed(&sum, r, "fund_start");
    assert_int_equal(bk_fx_parse(c, strlen(c), &start, NULL), BK_OK);
    assert_true(start == fund);
  }
  bk_t_table_free(&sum);
  free(text);
}

static void run_data_without_a_scenario_infers_one(void **state) {
  (void)state;
  char sample[8192], out[8192];
  snprintf(sample, sizeof sample, "%s/sample", dir);
  snprintf(out, sizeof out, "%s/out-data", dir);
  check_run_data(sample, out, "USDT");
}

/* Lines of text that are exactly "backstop: opened PATH". */
static int opens_of(const char *text, const char *path) {
  char line[8448];
  int n = snprintf(line, sizeof line, "backstop: opened %s\n", path), count = 0;
  for (const char *at = strstr(text, line); at; at = strstr(at + n, line))
    count += at == text || at[-1] == '\n';
  return count;
}

static void run_data_reads_each_file_twice_inference_then_the_run(void **state) {
  (void)state;
#ifdef NDEBUG
  skip(); /* the trace of opens is a debug build's */
#endif
  static const char *const files[] = {"synthetic_derivative_ticker_2025-10-10_SYNUSDT.csv.zst",
                                      "synthetic_incremental_book_L2_2025-10-10_SYNUSDT.csv.zst",
                                      "synthetic_trades_2025-10-10_SYNUSDT.csv.zst"};
  char sample[8192], out[8192], err[8192];
  snprintf(sample, sizeof sample, "%s/sample", dir);
  snprintf(out, sizeof out, "%s/out-opens", dir);
  snprintf(err, sizeof err, "%s/opens.err", dir);
  const char *args[] = {"run", "--quiet", "-o", out, "--data", sample, NULL};
  setenv("BK_TRACE_OPENS", "1", 1);
  int st = bk_t_run(NULL, err, args);
  unsetenv("BK_TRACE_OPENS");
  char *text = bk_t_slurp(err, NULL);
  assert_non_null(text);
  if (st != 0) fail_msg("run exited %d: %s", st, text);
  static const char tag[] = "backstop: opened ";
  int total = 0;
  for (const char *at = strstr(text, tag); at; at = strstr(at + 1, tag)) total++;
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char path[8448];
    snprintf(path, sizeof path, "%s/%s", sample, files[i]);
    int n = opens_of(text, path);
    if (n != 2) fail_msg("%s opened %d times:\n%s", files[i], n, text);
  }
  assert_int_equal(total, 6); /* nothing else */
  free(text);
}

static void expect_description(const json_t *o, const char *what) {
  const json_t *d = json_object_get(o, "description");
  if (!json_is_string(d) || json_string_length(d) < 20) fail_msg("%s: no description", what);
}

static void init_writes_a_scenario_that_runs_to_the_same_reports(void **state) {
  (void)state;
  char sample[8192], sub[8192], file[8448], out[8192], prev[8192], err[8192];
  snprintf(sample, sizeof sample, "%s/sample", dir);
  snprintf(sub, sizeof sub, "%s/scenarios", dir); /* elsewhere: the paths must still resolve */
  mkdir(sub, 0777);
  snprintf(file, sizeof file, "%s/inferred.json", sub);
  snprintf(err, sizeof err, "%s/init.err", dir);
  const char *init[] = {"init", sample, "-o", file, NULL};
  int st = bk_t_run(NULL, err, init);
  if (st != 0) fail_msg("init exited %d: %s", st, bk_t_slurp(err, NULL));
  json_error_t je;
  json_t *sc = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
  if (!sc) fail_msg("%s: not JSON: %s", file, je.text);
  expect_description(sc, "the scenario");
  static const char *const sections[] = {"window", "report", "population"};
  for (size_t i = 0; i < 3; i++) expect_description(json_object_get(sc, sections[i]), sections[i]);
  const json_t *pols = json_object_get(sc, "policies");
  assert_int_equal(json_array_size(pols), 3);
  for (size_t i = 0; i < 3; i++) {
    const json_t *p = json_array_get(pols, i);
    expect_description(p, "a policy");
    const json_t *init_fund = json_object_get(json_object_get(p, "fund"), "initial");
    assert_int_equal(json_object_size(init_fund), 1);
    assert_non_null(json_object_get(init_fund, "USDT"));
  }
  json_decref(sc);
  snprintf(out, sizeof out, "%s/out-init", dir);
  const char *run[] = {"run", "--quiet", "-o", out, file, NULL};
  st = bk_t_run(NULL, err, run);
  if (st != 0) fail_msg("run exited %d: %s", st, bk_t_slurp(err, NULL));
  static const char *const reports[] = {"fund.csv", "summary.csv", "liquidations.csv", "adl.csv"};
  for (size_t i = 0; i < 4; i++) {
    char a[8448], b[8448];
    snprintf(prev, sizeof prev, "%s/out-data", dir);
    snprintf(a, sizeof a, "%s/%s", prev, reports[i]);
    snprintf(b, sizeof b, "%s/%s", out, reports[i]);
    if (!bk_t_same_file(a, b)) fail_msg("%s differs between run --data and init's file", reports[i]);
  }
}

static void init_of_a_folder_without_market_data_says_so(void **state) {
  (void)state;
  char empty[8192], err[8192];
  snprintf(empty, sizeof empty, "%s/empty", dir);
  mkdir(empty, 0777);
  snprintf(err, sizeof err, "%s/empty.err", dir);
  const char *args[] = {"init", empty, NULL};
  assert_int_equal(bk_t_run(NULL, err, args), EX_NOINPUT);
  char *text = bk_t_slurp(err, NULL);
  assert_non_null(strstr(text, "no market data file"));
  free(text);
}

/* --- the data group ------------------------------------------------------------------ */

static void a_copy_of_the_btcusdt_capture_runs_without_a_scenario(void **state) {
  (void)state;
  static const char *const files[] = {
      "binance-futures_derivative_ticker_2023-04-04_BTCUSDT.csv.zst",
      "binance-futures_derivative_ticker_2023-04-05_BTCUSDT.csv.zst",
      "binance-futures_incremental_book_L2_2023-04-04_BTCUSDT.csv.zst",
      "binance-futures_incremental_book_L2_2023-04-05_BTCUSDT.csv.zst",
      "binance-futures_trades_2023-04-04_BTCUSDT.csv.zst",
      "binance-futures_trades_2023-04-05_BTCUSDT.csv.zst"};
  char copy[8192], out[8192];
  bk_t_tmp("capture", copy, sizeof copy);
  mkdir(copy, 0777);
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char rel[512], src[8192], dst[8448];
    snprintf(rel, sizeof rel, "binance-futures-btcusdt-2023-04-05/%s", files[i]);
    if (!bk_t_data(rel, src, sizeof src)) return;
    size_t n;
    char *bytes = bk_t_slurp(src, &n);
    assert_non_null(bytes);
    snprintf(dst, sizeof dst, "%s/%s", copy, files[i]);
    bk_t_write(dst, bytes, n);
    free(bytes);
  }
  bk_t_tmp("out-capture", out, sizeof out);
  check_run_data(copy, out, "USDT");
}

int main(int argc, char **argv) {
  if (bk_t_data_mode(argc, argv)) {
    const struct CMUnitTest data[] = {
        cmocka_unit_test(a_copy_of_the_btcusdt_capture_runs_without_a_scenario),
    };
    return bk_t_data_exit(cmocka_run_group_tests(data, NULL, NULL));
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(window_is_the_span_with_its_first_quarter_as_warm_up),
      cmocka_unit_test(a_span_too_short_for_a_window_is_a_data_error),
      cmocka_unit_test(run_data_without_a_scenario_infers_one),
      cmocka_unit_test(run_data_reads_each_file_twice_inference_then_the_run),
      cmocka_unit_test(init_writes_a_scenario_that_runs_to_the_same_reports),
      cmocka_unit_test(init_of_a_folder_without_market_data_says_so),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
