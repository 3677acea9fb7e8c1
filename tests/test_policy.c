/*
 * Policies from JSON: the shipped data/policies files load and validate; strictness —
 * duplicate keys, unknown keys, NaN, JSON numbers where decimal strings are required,
 * out-of-range values (negative fee, participation above 1), unknown words — fails with
 * file:line:column pointing at the offending key; a failed load leaves the output alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/policy_json.h"
#include "engine/fixed.h"
#include "tests/testutil.h"

static void shipped_policies_load_and_say_where_numbers_come_from(void **state) {
  (void)state;
  const char *src = getenv("BK_SOURCE_DIR");
  if (!src) src = ".";
  const char *files[] = {"binance-like", "dydx-like", "hyperliquid-like"};
  for (size_t i = 0; i < 3; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/data/policies/%s.json", src, files[i]);
    bk_policy p;
    bk_err err;
    bk_err_clear(&err);
    bk_rc rc = bk_policy_json_load(path, &p, &err);
    if (rc) fail_msg("%s: %s", path, err.msg);
    assert_string_equal(p.name, files[i]);
    assert_int_equal(bk_policy_check(&p, NULL), BK_OK);
    char *text = bk_t_slurp(path, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"source\""));
    free(text);
    if (i == 0) {
      assert_true(p.taker_fee == BK_FX(5) / 10000);
      assert_int_equal(p.penalty_mode, BK_PEN_REMAINING);
      assert_int_equal(p.wf_trigger, BK_WF_NETPOS);
      assert_int_equal(p.size_mode, BK_SIZE_HEALTH);
    } else if (i == 1) {
      assert_int_equal(p.price_limit, BK_LIMIT_FILLABLE);
      assert_int_equal(p.adl_rank, BK_ADL_DYDX);
      assert_true(p.loss_cap == BK_FX(100000000) && p.loss_period_us == 1000000);
    } else {
      assert_int_equal(p.remainder, BK_REM_SLICE);
      assert_true(p.slice_cooldown_us == 30 * INT64_C(1000000));
      assert_true(p.slice_share == BK_FX(1) / 5);
      assert_true(p.slice_above == BK_FX(100000));
    }
  }
}

/* Parses text and expects failure with the message containing each of the needles. */
static void expect_fail(const char *text, const char *n1, const char *n2) {
  bk_policy p;
  bk_policy_default(&p);
  strcpy(p.name, "untouched");
  bk_err err;
  bk_err_clear(&err);
  bk_rc rc = bk_policy_json_parse(text, strlen(text), "pol.json", &p, &err);
  if (rc == BK_OK) fail_msg("accepted: %s", text);
  assert_int_equal(rc, BK_ECONFIG);
  if (n1 && !strstr(err.msg, n1)) fail_msg("'%s' lacks '%s'", err.msg, n1);
  if (n2 && !strstr(err.msg, n2)) fail_msg("'%s' lacks '%s'", err.msg, n2);
  assert_string_equal(p.name, "untouched");
}

static void strict_json_errors_name_file_line_and_column(void **state) {
  (void)state;
  /* duplicate key (jansson reports where the parser stood) */
  expect_fail("{\n \"fees\": {\"taker\": \"0.1\", \"taker\": \"0.2\"}\n}", "pol.json:2:", "duplicate");
  /* unknown key: line 3, column 3 is where "takr" starts */
  expect_fail("{\n \"fees\": {\n  \"takr\": \"0.0005\"\n }\n}", "pol.json:3:3: fees.takr",
              "unknown key");
  expect_fail("{\"fess\": {}}", "pol.json:1:2: fess", "unknown key");
  /* NaN and trailing commas are not JSON */
  expect_fail("{\"fees\": {\"taker\": NaN}}", "pol.json:1:", NULL);
  expect_fail("{\"fees\": {\"taker\": \"0.1\",}}", "pol.json:1:", NULL);
  /* money as a JSON number */
  expect_fail("{\"fees\":\n  {\"taker\": 0.0005}}", "pol.json:2:4: fees.taker", "decimal string");
  /* strings that are not decimals */
  expect_fail("{\"fees\": {\"taker\": \"nan\"}}", "fees.taker", "not a decimal");
  expect_fail("{\"fees\": {\"taker\": \"1e-4\"}}", "fees.taker", "not a decimal");
  /* out of range */
  expect_fail("{\"fees\": {\"maker\": \"-0.0001\"}}", "pol.json:1:11: fees.maker", "[0, 1)");
  expect_fail("{\n\"liquidation\": {\"participation\": \"1.5\"}}",
              "pol.json:2:17: liquidation.participation", "(0, 1]");
  expect_fail("{\"liquidation\": {\"slice_cooldown_s\": \"-1\"}}", "slice_cooldown_s", ">= 0");
  /* unknown words */
  expect_fail("{\"waterfall\": {\"action\": \"pray\"}}", "waterfall.action", "adl, socialize");
  expect_fail("{\"waterfall\": {\"seed\": \"-7\"}}", "waterfall.seed", "integer");
  expect_fail("[1, 2]", "pol.json:1:1", "expected an object");
  expect_fail("{\"liquidation\": {\"penalty_vol_k\": \"1\"}}", "liquidation.penalty_vol_k",
              "vol_window_s");
  /* partial liquidation */
  expect_fail("{\"liquidation\": {\"size\": \"half\"}}", "liquidation.size", "all, to_health");
  expect_fail("{\"liquidation\": {\"health_buffer\": \"0.9\"}}", "liquidation.health_buffer",
              "[1, 10]");
  expect_fail("{\"liquidation\": {\"health_lot\": \"0\"}}", "liquidation.health_lot", "> 0");
  expect_fail("{\"liquidation\": {\"slice_above\": \"-1\"}}", "liquidation.slice_above", ">= 0");
  expect_fail("{\"fund\": {\"loss_cap\": \"-5\"}}", "fund.loss_cap", ">= 0");
  expect_fail("{\"fund\": {\"loss_period_s\": \"0\"}}", "fund.loss_period_s", "> 0");
  /* a cap the rule would ignore */
  expect_fail("{\"waterfall\": {\"adl_rule\": \"pro_rata\", \"adl_cap\": \"0.5\"}}",
              "waterfall.adl_cap", "capped_pro_rata");
  expect_fail("{\"waterfall\": {\"adl_cap\": \"0.5\"}}", "waterfall.adl_cap", "adl_rule");
}

static void omitted_keys_keep_the_defaults(void **state) {
  (void)state;
  const char *text = "{\"name\": \"mine\", \"fees\": {\"fund_share\": \"0.25\"},"
                     " \"liquidation\": {\"consumed_halflife_s\": \"1.5\", \"vol_window_s\": \"3600\","
                     " \"penalty_vol_k\": \"2\", \"depth_ref\": \"50\"}}";
  bk_policy p, d;
  bk_policy_default(&d);
  bk_err err;
  assert_int_equal(bk_policy_json_parse(text, strlen(text), "x", &p, &err), BK_OK);
  assert_string_equal(p.name, "mine");
  assert_true(p.fund_share == BK_FX(1) / 4);
  assert_true(p.halflife_us == 1500000);
  assert_true(p.vol_window_us == 3600 * INT64_C(1000000));
  assert_true(p.penalty_vol_k == BK_FX(2) && p.depth_ref == BK_FX(50));
  assert_true(p.taker_fee == d.taker_fee && p.remainder == d.remainder);
  /* the partial modes are off unless asked for */
  assert_int_equal(p.size_mode, BK_SIZE_ALL);
  assert_true(p.slice_above == 0 && p.loss_cap == 0);
}

static void jdoc_where_follows_paths_through_arrays(void **state) {
  (void)state;
  const char *t = "{\"a\": [ {\"b\": 1},\n  {\"c\": {\"d\": \"x\"}} ], \"e\": 2}";
  bk_jdoc d = {t, strlen(t), "t"};
  int line, col;
  bk_jdoc_where(&d, "a.1.c.d", &line, &col);
  assert_int_equal(line, 2);
  assert_int_equal(col, 10);
  bk_jdoc_where(&d, "e", &line, &col);
  assert_int_equal(line, 2);
  assert_int_equal(col, 24);
  bk_jdoc_where(&d, "a.7", &line, &col); /* missing: the nearest found */
  assert_int_equal(line, 1);
  assert_int_equal(col, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(shipped_policies_load_and_say_where_numbers_come_from),
      cmocka_unit_test(strict_json_errors_name_file_line_and_column),
      cmocka_unit_test(omitted_keys_keep_the_defaults),
      cmocka_unit_test(jdoc_where_follows_paths_through_arrays),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
