/*
 * `backstop margin`, the margin calculator: the published examples of
 * reference/formulas.md through the command (text and JSON), and its errors: a bad file
 * named with its line and column, a missing file, a usage error, an overflow. The
 * formulas themselves are tested on the engine alone in test_margin.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

static char *run_margin(const char *fixture, const char *format, int *status) {
  const char *src = getenv("BK_SOURCE_DIR");
  char in[512], out[512], errp[512];
  snprintf(in, sizeof in, "%s/tests/fixtures/risk/%s", src ? src : ".", fixture);
  bk_t_tmp("margin.out", out, sizeof out);
  bk_t_tmp("margin.err", errp, sizeof errp);
  const char *args[] = {"margin", "--format", format, in, NULL};
  *status = bk_t_run(out, errp, args);
  char *o = bk_t_slurp(*status == 0 ? out : errp, NULL);
  assert_non_null(o);
  return o;
}

static void calculator_reproduces_bybit_published_prices(void **state) {
  (void)state;
  int st;
  char *o = run_margin("bybit_isolated.json", "json", &st);
  assert_int_equal(st, 0);
  assert_non_null(strstr(o, "\"maintenance_margin\": \"100\""));
  assert_non_null(strstr(o, "\"liquidation_price\": \"19700\""));
  free(o);
  o = run_margin("bybit_inverse.json", "json", &st);
  assert_int_equal(st, 0);
  assert_non_null(strstr(o, "\"bankruptcy_price\": \"7735.5\""));
  free(o);
}

static void calculator_binance_cross_example_follows_the_faq_formula(void **state) {
  (void)state;
  int st;
  char *o = run_margin("binance_cross.json", "json", &st);
  assert_int_equal(st, 0);
  /* LP = (WB + cum − Pos × EP) / (Pos × MMR − Pos) = 18,778.7259..., up to the cent;
     MM = 3,500,032.45776 × 2.5 % − 16,300 */
  assert_non_null(strstr(o, "\"liquidation_price\": \"18778.73\""));
  assert_non_null(strstr(o, "\"maintenance_margin\": \"71200.811444\""));
  assert_non_null(strstr(o, "\"equity\": \"1479088.44152\""));
  free(o);
  o = run_margin("binance_cross.json", "text", &st);
  assert_int_equal(st, 0);
  assert_non_null(strstr(o, "liquidation price   18778.73"));
  free(o);
}

/* Writes text to the temporary file name, runs `backstop margin` on it and expects the
 * exit code and each of the two words (NULL to skip) on stderr. Returns the file's path. */
static const char *margin_fails(const char *name, const char *text, int code, const char *w1,
                                const char *w2) {
  static char path[512];
  char out[512], errp[512];
  bk_t_tmp(name, path, sizeof path);
  bk_t_write(path, text, strlen(text));
  bk_t_tmp("failed.out", out, sizeof out);
  bk_t_tmp("failed.err", errp, sizeof errp);
  const char *args[] = {"margin", path, NULL};
  assert_int_equal(bk_t_run(out, errp, args), code);
  char *e = bk_t_slurp(errp, NULL);
  assert_non_null(e);
  if (w1) assert_non_null(strstr(e, w1));
  if (w2) assert_non_null(strstr(e, w2));
  free(e);
  return path;
}

static void calculator_rejects_a_bad_file_with_its_position(void **state) {
  (void)state;
  const char *bad = "{\"instruments\": {\"X\": {\"kind\": \"linear\", \"tick\": \"1\",\n"
                    "  \"contract_size\": 1, \"settle\": \"USDT\", \"tiers\": []}}}";
  const char *path = margin_fails("bad_account.json", bad, 78 /* EX_CONFIG */,
                                  ":2:3: instruments.X.contract_size", "decimal string");
  const char *missing[] = {"margin", "/nonexistent/account.json", NULL};
  assert_int_equal(bk_t_run(NULL, NULL, missing), 66); /* EX_NOINPUT */
  const char *usage[] = {"margin", "--format", "xml", path, NULL};
  assert_int_equal(bk_t_run(NULL, NULL, usage), 64); /* EX_USAGE */
}

/* A position far past any real account (found by fuzzing): the inverse solver's products
 * exceed 128 bits. The answer is a clear overflow error, never a wrapped price. */
static void calculator_reports_overflow_of_an_extreme_inverse_position(void **state) {
  (void)state;
  const char *j =
      "{\"instruments\": {\"BTCUSD\": {\"kind\": \"inverse\", \"tick\": \"0.5\",\n"
      "  \"contract_size\": \"1900\", \"settle\": \"BTC\",\n"
      "  \"tiers\": [{\"floor\": \"0\", \"mmr\": \"0.005\"}]}},\n"
      " \"account\": {\"mode\": \"isolated\", \"collateral\": {\"BTC\": \"1\"},\n"
      "  \"positions\": [{\"instrument\": \"BTCUSD\", \"size\": \"-92233720367\",\n"
      "    \"entry\": \"8000000011\", \"mark\": \"118640854\", \"margin\": \"900000001\"}]}}";
  margin_fails("extreme_account.json", j, 65 /* EX_DATAERR */,
               "extreme_account.json: the numbers overflow", NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(calculator_reproduces_bybit_published_prices),
      cmocka_unit_test(calculator_binance_cross_example_follows_the_faq_formula),
      cmocka_unit_test(calculator_rejects_a_bad_file_with_its_position),
      cmocka_unit_test(calculator_reports_overflow_of_an_extreme_inverse_position),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
