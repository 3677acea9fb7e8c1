/*
 * The window of `run` and `replay` against the data: a reversed or empty window is a
 * usage error (64); a window outside the data is bad data (65) naming the data's span;
 * a window with no warm-up or only partly covered by the data runs, with a warning on
 * stderr and a row in quality.csv. A window well inside the data gives no warning.
 *
 * The data: `backstop synth --hours 1`, whose day starts at 2025-10-10T00:00:00Z with the
 * book's opening snapshot (reports/synth.h: the sample day), and hand-written trade
 * files whose first and last times are the ones written here.
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

#include "tests/testutil.h"

static char dir[4096], sample[4200];

static int setup(void **state) {
  (void)state;
  bk_t_tmp("window", dir, sizeof dir);
  mkdir(dir, 0777);
  snprintf(sample, sizeof sample, "%s/sample", dir);
  mkdir(sample, 0777);
  const char *args[] = {"synth", "--quiet", "-o", sample, "--hours", "1", NULL};
  return bk_t_run(NULL, NULL, args) == 0 ? 0 : -1;
}

/* The shipped default scenario on the one-hour sample, with `window` as its window
 * (the text of a JSON object). Written to dir/name; the path goes to path. */
static void scenario(const char *name, const char *window, char *path, size_t cap) {
  char src[4096];
  snprintf(src, sizeof src, "%s/data/scenarios/default.json", getenv("BK_SOURCE_DIR"));
  char *text = bk_t_slurp(src, NULL);
  assert_non_null(text);
  const char *data = "\"data\": [\"out/sample\"]";
  char *d = strstr(text, data), *w = strstr(text, "\"window\"");
  assert_non_null(d);
  assert_non_null(w);
  char *w_end = strchr(w, '}');
  assert_non_null(w_end);
  size_t cap_out = strlen(text) + strlen(sample) + strlen(window) + 64;
  char *out = malloc(cap_out);
  assert_non_null(out);
  int n = snprintf(out, cap_out, "%.*s\"data\": [\"%s\"]%.*s\"window\": %s%s",
                   (int)(d - text), text, sample, (int)(w - (d + strlen(data))),
                   d + strlen(data), window, w_end + 1);
  assert_true(n > 0 && (size_t)n < cap_out);
  snprintf(path, cap, "%s/%s", dir, name);
  bk_t_write(path, out, (size_t)n);
  free(out);
  free(text);
}

/* Runs `backstop run` on the default scenario over the sample with extra arguments (up
 * to four, NULL-terminated), into dir/<out>; stderr is read into *msg (malloc'd). */
static int run_window(const char *out, char **msg, const char *a1, const char *a2,
                      const char *a3, const char *a4) {
  char scen[4400], folder[4400], err[4400];
  scenario("scenario.json", "{ \"from\": \"2025-10-10T00:20:00Z\" }", scen, sizeof scen);
  snprintf(folder, sizeof folder, "%s/%s", dir, out);
  snprintf(err, sizeof err, "%s/%s.err", dir, out);
  const char *args[] = {"run", "-o", folder, scen, a1, a2, a3, a4, NULL};
  int st = bk_t_run(NULL, err, args);
  *msg = bk_t_slurp(err, NULL);
  assert_non_null(*msg);
  return st;
}

/* The rows of dir/<out>/quality.csv whose scope is "warning", as "code" names joined
 * by spaces into buf. */
static const char *warnings(const char *out, char *buf, size_t cap) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s/quality.csv", dir, out);
  bk_t_table t;
  bk_t_table_load(path, &t);
  buf[0] = '\0';
  for (size_t r = 1; r < t.rows; r++)
    if (!strcmp(bk_t_cell(&t, r, "scope"), "warning")) {
      size_t n = strlen(buf);
      snprintf(buf + n, cap - n, "%s%s", n ? " " : "", bk_t_cell(&t, r, "name"));
    }
  bk_t_table_free(&t);
  return buf;
}

static int exists(const char *out) {
  char path[4400];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, out);
  return stat(path, &st) == 0;
}

static void reversed_and_empty_windows_are_usage_errors(void **state) {
  (void)state;
  char *msg;
  assert_int_equal(run_window("rev", &msg, "--from", "2025-10-10T00:40:00Z", "--to",
                              "2025-10-10T00:30:00Z"),
                   EX_USAGE);
  assert_non_null(strstr(msg, "window is empty"));
  assert_non_null(strstr(msg, "2025-10-10T00:40:00.000000Z"));
  assert_non_null(strstr(msg, "2025-10-10T00:30:00.000000Z"));
  free(msg);
  /* with --data and no scenario, refused before the data is read to infer one: the error
     is the only line (no inference line naming another window) */
  char folder[4400], err[4400];
  snprintf(folder, sizeof folder, "%s/rev-data", dir);
  snprintf(err, sizeof err, "%s/rev-data.err", dir);
  const char *args[] = {"run", "-o", folder, "--data", sample, "--from", "2025-10-10T00:40:00Z",
                        "--to", "2025-10-10T00:30:00Z", NULL};
  assert_int_equal(bk_t_run(NULL, err, args), EX_USAGE);
  msg = bk_t_slurp(err, NULL);
  assert_non_null(msg);
  assert_non_null(strstr(msg, "window is empty"));
  int lines = 0;
  for (const char *c = msg; *c; c++) lines += *c == '\n';
  if (lines != 1) fail_msg("%d lines, expected the error alone: %s", lines, msg);
  free(msg);
  assert_int_equal(run_window("same", &msg, "--from", "2025-10-10T00:40:00Z", "--to",
                              "2025-10-10T00:40:00Z"),
                   EX_USAGE);
  assert_non_null(strstr(msg, "window is empty"));
  free(msg);
  /* --to alone before the scenario's from (00:20) */
  assert_int_equal(run_window("to-only", &msg, "--to", "2025-10-10T00:10:00Z", NULL, NULL),
                   EX_USAGE);
  assert_non_null(strstr(msg, "2025-10-10T00:20:00.000000Z"));
  free(msg);
  assert_false(exists("rev") || exists("same") || exists("to-only"));
}

static void a_window_after_the_data_is_bad_data_naming_its_span(void **state) {
  (void)state;
  char *msg;
  assert_int_equal(run_window("after", &msg, "--from", "2025-10-10T03:00:00Z", NULL, NULL),
                   EX_DATAERR);
  assert_non_null(strstr(msg, "starts after the data"));
  assert_non_null(strstr(msg, "spans 2025-10-10T00:00:00.000000Z to 2025-10-10T01:00:"));
  assert_false(exists("after")); /* no header-only fund.csv */
  free(msg);
}

static void a_window_before_the_data_is_bad_data_naming_its_start(void **state) {
  (void)state;
  char *msg;
  assert_int_equal(run_window("before", &msg, "--from", "2025-10-09T20:00:00Z", "--to",
                              "2025-10-09T22:00:00Z"),
                   EX_DATAERR);
  assert_non_null(strstr(msg, "ends before the data, which starts at "
                              "2025-10-10T00:00:00.000000Z"));
  assert_false(exists("before"));
  free(msg);
}

static void a_scenario_window_outside_the_data_is_bad_data(void **state) {
  (void)state;
  char scen[4400], err[4400], out[4400];
  scenario("late.json", "{ \"from\": \"2025-10-11T00:00:00Z\" }", scen, sizeof scen);
  snprintf(out, sizeof out, "%s/late", dir);
  snprintf(err, sizeof err, "%s/late.err", dir);
  const char *args[] = {"run", "-o", out, scen, NULL};
  assert_int_equal(bk_t_run(NULL, err, args), EX_DATAERR);
  char *msg = bk_t_slurp(err, NULL);
  assert_non_null(strstr(msg, "from 2025-10-11T00:00:00.000000Z to the end of the data"));
  free(msg);
}

static void a_window_at_the_data_start_warns_of_no_warm_up(void **state) {
  (void)state;
  char *msg, codes[256];
  assert_int_equal(run_window("nowarm", &msg, "--from", "2025-10-10T00:00:00Z", NULL, NULL),
                   0);
  assert_non_null(strstr(msg, "warning: no warm-up"));
  assert_null(strstr(msg, "covers only part"));
  assert_string_equal(warnings("nowarm", codes, sizeof codes), "no_warmup");
  free(msg);
}

static void a_window_past_the_data_end_warns_of_a_partial_overlap(void **state) {
  (void)state;
  char *msg, codes[256];
  assert_int_equal(run_window("partial", &msg, "--from", "2025-10-10T00:30:00Z", "--to",
                              "2025-10-10T02:00:00Z"),
                   0);
  assert_non_null(strstr(msg, "covers only part of the window"));
  assert_null(strstr(msg, "no warm-up"));
  assert_string_equal(warnings("partial", codes, sizeof codes), "partial_overlap");
  free(msg);
  /* starting an hour before the data: both */
  assert_int_equal(run_window("early", &msg, "--from", "2025-10-09T23:00:00Z", "--to",
                              "2025-10-10T00:30:00Z"),
                   0);
  assert_string_equal(warnings("early", codes, sizeof codes), "no_warmup partial_overlap");
  free(msg);
}

static void a_window_inside_the_data_warns_of_nothing(void **state) {
  (void)state;
  char *msg, codes[256];
  assert_int_equal(run_window("inside", &msg, "--to", "2025-10-10T00:50:00Z", NULL, NULL), 0);
  assert_null(strstr(msg, "warning"));
  assert_string_equal(warnings("inside", codes, sizeof codes), "");
  free(msg);
}

/* --- replay ------------------------------------------------------------------------- */

/* Trades at 00:00:10, 00:00:20 and 00:01:00 UTC on 2025-10-10 (1760054400 s). */
static void trades(char *path, size_t cap) {
  static const char rows[] =
      "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
      "binance-futures,BTCUSDT,1760054410000000,1760054410000100,1,buy,100.0,1\n"
      "binance-futures,BTCUSDT,1760054420000000,1760054420000100,2,sell,100.5,2\n"
      "binance-futures,BTCUSDT,1760054460000000,1760054460000100,3,buy,101.0,1\n";
  snprintf(path, cap, "%s/trades.csv", dir);
  bk_t_write(path, rows, sizeof rows - 1);
}

static int replay(const char *file, char **msg, const char *from, const char *to) {
  char err[4400];
  snprintf(err, sizeof err, "%s/replay.err", dir);
  const char *args[] = {"replay", "--from", from, "--to", to, file, NULL};
  int st = bk_t_run(NULL, err, args);
  *msg = bk_t_slurp(err, NULL);
  assert_non_null(*msg);
  return st;
}

static void replay_checks_its_window_the_same_way(void **state) {
  (void)state;
  char file[4400], *msg;
  trades(file, sizeof file);
  assert_int_equal(replay(file, &msg, "2025-10-10T00:01:00Z", "2025-10-10T00:00:30Z"),
                   EX_USAGE);
  free(msg);
  assert_int_equal(replay(file, &msg, "2025-10-10T00:02:00Z", "2025-10-10T00:03:00Z"),
                   EX_DATAERR);
  assert_non_null(strstr(msg, "spans 2025-10-10T00:00:10.000000Z to "
                              "2025-10-10T00:01:00.000000Z"));
  free(msg);
  /* from 00:00:10 exactly: no warm-up; the data ends at 00:01, 9 minutes short */
  assert_int_equal(replay(file, &msg, "2025-10-10T00:00:10Z", "2025-10-10T00:10:00Z"), 0);
  assert_non_null(strstr(msg, "no warm-up: the data starts at 2025-10-10T00:00:10.000000Z"));
  assert_non_null(strstr(msg, "2025-10-10T00:00:10.000000Z to 2025-10-10T00:01:00.000000Z"));
  free(msg);
  /* ending 3 s after the last trade is within the slack (5 s): no warning */
  assert_int_equal(replay(file, &msg, "2025-10-10T00:00:15Z", "2025-10-10T00:01:03Z"), 0);
  assert_null(strstr(msg, "warning"));
  free(msg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(reversed_and_empty_windows_are_usage_errors),
      cmocka_unit_test(a_window_after_the_data_is_bad_data_naming_its_span),
      cmocka_unit_test(a_window_before_the_data_is_bad_data_naming_its_start),
      cmocka_unit_test(a_scenario_window_outside_the_data_is_bad_data),
      cmocka_unit_test(a_window_at_the_data_start_warns_of_no_warm_up),
      cmocka_unit_test(a_window_past_the_data_end_warns_of_a_partial_overlap),
      cmocka_unit_test(a_window_inside_the_data_warns_of_nothing),
      cmocka_unit_test(replay_checks_its_window_the_same_way),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
