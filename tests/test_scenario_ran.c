/*
 * The run folder records the scenario that ran (scenario.json): the serializer gives back
 * what the readers read for every shipped scenario and policy, a run of scenario.json
 * reproduces the reports byte for byte, the brief shows the inferred scenario of a
 * --data run and the policies of --policy, and every policy file a scenario names is
 * hashed in the manifest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/policy_json.h"
#include "config/relpath.h"
#include "config/scenario.h"
#include "reports/report.h"
#include "tests/testutil.h"

static char dir[4096];

static int setup(void **state) {
  (void)state;
  bk_t_tmp("scenario_ran", dir, sizeof dir);
  mkdir(dir, 0777);
  char cmd[9000];
  /* an hour of the synthetic day, its symbol renamed: what a run names comes from the data */
  snprintf(cmd, sizeof cmd,
           "cd '%s' && mkdir -p sample tst && '%s' synth --quiet --plain --hours 1 -o sample && "
           "for f in sample/*.csv; do b=$(basename $f | sed s/SYNUSDT/TSTUSDT/); "
           "sed s/SYNUSDT/TSTUSDT/g $f > tst/$b; done",
           dir, getenv("BK_BACKSTOP"));
  return system(cmd) == 0 ? 0 : -1;
}

static int have(const char *tools) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "for t in %s; do command -v $t >/dev/null || exit 1; done", tools);
  return system(cmd) == 0;
}

/* A path as the working folder sees it, folded, for comparing two spellings of one. */
static void folded(const char *path, char *out, size_t cap) {
  assert_int_equal(bk_relpath(".", path, out, cap), BK_OK);
}

static void assert_same_scenario(const bk_scenario *a, const bk_scenario *b) {
  assert_string_equal(a->name, b->name);
  assert_string_equal(a->description ? a->description : "", b->description ? b->description : "");
  assert_int_equal(a->ndata, b->ndata);
  for (size_t i = 0; i < a->ndata; i++) {
    char x[4096], y[4096];
    folded(a->data[i], x, sizeof x);
    folded(b->data[i], y, sizeof y);
    assert_string_equal(x, y);
  }
  assert_true(a->from == b->from && a->to == b->to && a->seed == b->seed);
  assert_int_equal(a->ninstr, b->ninstr);
  assert_memory_equal(a->instr, b->instr, a->ninstr * sizeof *a->instr);
  assert_int_equal(a->npolicies, b->npolicies);
  assert_memory_equal(a->policies, b->policies, a->npolicies * sizeof *a->policies);
  assert_true(json_equal(a->policy_notes, b->policy_notes));
  assert_true(a->population == b->population || json_equal(a->population, b->population));
  assert_memory_equal(&a->sim, &b->sim, sizeof a->sim);
  assert_string_equal(a->depth_ref, b->depth_ref);
  assert_true(a->calib_lo == b->calib_lo && a->calib_hi == b->calib_hi &&
              a->calib_points == b->calib_points);
}

/* parse(serialize(parse(file))) == parse(file), written from and read in its folder. */
static void round_trip_scenario(const char *path) {
  bk_scenario a, b;
  bk_err e;
  if (bk_scenario_load(path, &a, &e)) fail_msg("%s", e.msg);
  char *text;
  if (bk_scenario_json(&a, a.dir, &text, &e)) fail_msg("%s", e.msg);
  if (bk_scenario_parse(text, strlen(text), "(written)", a.dir, &b, &e))
    fail_msg("%s\n%s", e.msg, text);
  assert_same_scenario(&a, &b);
  free(text);
  bk_scenario_fini(&a);
  bk_scenario_fini(&b);
}

static void round_trip_policy(const char *path) {
  bk_policy a, b;
  bk_err e;
  if (bk_policy_json_load(path, &a, &e)) fail_msg("%s", e.msg);
  json_t *o = bk_policy_json_dump(&a);
  assert_non_null(o);
  char *text = json_dumps(o, 0);
  if (bk_policy_json_parse(text, strlen(text), "(written)", &b, &e)) fail_msg("%s", e.msg);
  assert_memory_equal(&a, &b, sizeof a);
  free(text);
  json_decref(o);
}

static void every_shipped_scenario_and_policy_reads_back_as_written(void **state) {
  (void)state;
  static const char *const folders[] = {"data/scenarios", "data/policies"};
  size_t n[2] = {0, 0};
  for (int f = 0; f < 2; f++) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", getenv("BK_SOURCE_DIR"), folders[f]);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
      size_t len = strlen(e->d_name);
      if (len < 6 || strcmp(e->d_name + len - 5, ".json")) continue;
      snprintf(path, sizeof path, "%s/%s/%s", getenv("BK_SOURCE_DIR"), folders[f], e->d_name);
      if (f) round_trip_policy(path);
      else round_trip_scenario(path);
      n[f]++;
    }
    closedir(d);
  }
  assert_true(n[0] >= 2 && n[1] >= 3);
}

/* A policy with every setting away from the default, a fund per asset, a seed past 2^63. */
static void a_policy_with_every_setting_changed_reads_back(void **state) {
  (void)state;
  static const char text[] =
      "{\"name\": \"all\", \"fees\": {\"maker\": \"0.0001\", \"taker\": \"0.0007\", "
      "\"fund_share\": \"0.25\"}, \"liquidation\": {\"penalty_mode\": \"remaining_margin\", "
      "\"penalty\": \"0.02\", \"participation\": \"0.5\", \"price_limit\": \"fillable\", "
      "\"fillable_ba\": \"0.9\", \"fillable_smmr\": \"0.2\", \"remainder\": \"slice\", "
      "\"slice_share\": \"0.2\", \"slice_cooldown_s\": \"0.000001\", "
      "\"consumed_halflife_s\": \"7.5\", \"vol_window_s\": \"60\", \"penalty_vol_k\": \"3\", "
      "\"depth_ref\": \"100\", \"backstop_mm\": \"0.66666667\", \"size\": \"to_health\", "
      "\"health_buffer\": \"1.5\", \"health_lot\": \"0.001\", \"slice_above\": \"100000\"}, "
      "\"fund\": {\"initial\": {\"USDT\": \"1000000\", \"BTC\": \"12.5\"}, "
      "\"offload\": \"gradual\", \"offload_share\": \"0.1\", \"loss_cap\": \"5000\", "
      "\"loss_period_s\": \"2\"}, \"waterfall\": {\"trigger\": \"drawdown\", "
      "\"drawdown\": \"0.3\", \"window_s\": \"3600\", \"net_position_cap\": \"2\", "
      "\"action\": \"socialize\", \"adl_ranking\": \"dydx\", \"socialize_over\": "
      "\"open_interest\", \"seed\": \"18446744073709551615\"}}";
  bk_policy a, b;
  bk_err e;
  if (bk_policy_json_parse(text, strlen(text), "all", &a, &e)) fail_msg("%s", e.msg);
  assert_true(a.seed == UINT64_MAX && a.nfund_initial == 2);
  json_t *o = bk_policy_json_dump(&a);
  char *back = json_dumps(o, 0);
  if (bk_policy_json_parse(back, strlen(back), "back", &b, &e)) fail_msg("%s", e.msg);
  assert_memory_equal(&a, &b, sizeof a);
  free(back);
  json_decref(o);
}

/* The text pdftotext finds in the brief of run folder `run`. */
static char *brief_text(const char *run) {
  char cmd[17500], txt[8448], err[8448], pdf[8448];
  snprintf(err, sizeof err, "%s.err", run);
  snprintf(pdf, sizeof pdf, "%s.pdf", run); /* beside the folder: a rerun replaces it */
  const char *args[] = {"report", run, "--pdf", "-o", pdf, NULL};
  if (bk_t_run(NULL, err, args)) fail_msg("backstop report: %s", bk_t_slurp(err, NULL));
  snprintf(txt, sizeof txt, "%s.txt", run);
  snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' '%s'", pdf, txt);
  assert_int_equal(system(cmd), 0);
  char *s = bk_t_slurp(txt, NULL);
  assert_non_null(s);
  return s;
}

static void a_data_run_records_its_inferred_scenario_and_runs_it_again(void **state) {
  (void)state;
  char data[8192], out[8192], again[8192], scen[8448], a[8448], b[8448];
  snprintf(data, sizeof data, "%s/tst", dir);
  snprintf(out, sizeof out, "%s/out-inferred", dir);
  snprintf(again, sizeof again, "%s/out-again", dir);
  const char *run1[] = {"run", "--quiet", "--data", data, "-o", out, NULL};
  assert_int_equal(bk_t_run(NULL, NULL, run1), 0);
  snprintf(a, sizeof a, "%s/manifest.json", out);
  char *m = bk_t_slurp(a, NULL);
  assert_non_null(strstr(m, "\"origin\": \"(scenario inferred from the data)\""));
  free(m);
  /* the written scenario, run from where it lies, gives the same reports */
  snprintf(scen, sizeof scen, "%s/scenario.json", out);
  const char *run2[] = {"run", "--quiet", scen, "-o", again, NULL};
  assert_int_equal(bk_t_run(NULL, NULL, run2), 0);
  static const char *const csv[] = {"fund.csv", "liquidations.csv", "adl.csv", "summary.csv",
                                    "quality.csv", "scenario.json", NULL};
  for (const char *const *f = csv; *f; f++) {
    snprintf(a, sizeof a, "%s/%s", out, *f);
    snprintf(b, sizeof b, "%s/%s", again, *f);
    if (!bk_t_same_file(a, b)) fail_msg("%s differs when scenario.json is run again", *f);
  }
  if (!have("gnuplot groff pdfunite pdftotext")) {
    fprintf(stderr, "SKIP: the brief: gnuplot, groff or poppler-utils not installed\n");
    return;
  }
  char *t = brief_text(out);
  assert_non_null(strstr(t, "TSTUSDT"));
  assert_null(strstr(t, "SYNUSDT")); /* the built-in default's instrument */
  assert_null(strstr(t, "out/sample"));
  free(t);
}

/* A scenario naming a policy file beside it, and an inline one. */
static void scenario_with_policy_file(char *scen, size_t cap, char *pol, size_t pcap) {
  snprintf(pol, pcap, "%s/own-policy.json", dir);
  static const char policy[] = "{\"name\": \"own-file\", \"description\": \"from a file\", "
                               "\"liquidation\": {\"penalty\": \"0.0125\"}}\n";
  bk_t_write(pol, policy, strlen(policy));
  snprintf(scen, cap, "%s/named.json", dir);
  static const char text[] =
      "{\"name\": \"named\", \"data\": [\"sample\"],\n"
      " \"window\": {\"from\": \"2025-10-10T00:10:00Z\"},\n"
      " \"population\": {\"model\": \"synthetic\", \"accounts_per_contract\": 50},\n"
      " \"policies\": [\"own-policy.json\", {\"name\": \"inline\"}]}\n";
  bk_t_write(scen, text, strlen(text));
}

static void policy_files_a_scenario_names_are_hashed(void **state) {
  (void)state;
  char scen[8192], pol[8192], out[8192], path[8448], cmd[9000], want[65];
  scenario_with_policy_file(scen, sizeof scen, pol, sizeof pol);
  snprintf(out, sizeof out, "%s/out-named", dir);
  const char *args[] = {"run", "--quiet", scen, "-o", out, NULL};
  assert_int_equal(bk_t_run(NULL, NULL, args), 0);
  /* the hash as sha256sum computes it, not as the program does */
  snprintf(cmd, sizeof cmd, "sha256sum '%s'", pol);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  assert_int_equal(fscanf(p, "%64s", want), 1);
  pclose(p);
  snprintf(path, sizeof path, "%s/manifest.json", out);
  json_error_t je;
  json_t *m = json_load_file(path, 0, &je);
  json_t *files = json_object_get(m, "policy_files");
  assert_int_equal(json_array_size(files), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(files, 0), "path")), pol);
  assert_string_equal(json_string_value(json_object_get(json_array_get(files, 0), "sha256")),
                      want);
  json_decref(m);
  /* and the file's settings are in scenario.json, inlined */
  snprintf(path, sizeof path, "%s/scenario.json", out);
  json_t *s = json_load_file(path, 0, &je);
  json_t *own = json_array_get(json_object_get(s, "policies"), 0);
  assert_string_equal(json_string_value(json_object_get(own, "description")), "from a file");
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(own, "liquidation"), "penalty")),
      "0.0125");
  json_decref(s);
}

static void the_brief_lists_the_policies_of_policy_not_the_scenarios(void **state) {
  (void)state;
  if (!have("gnuplot groff pdfunite pdftotext")) {
    fprintf(stderr, "SKIP: gnuplot, groff or poppler-utils not installed\n");
    return;
  }
  char scen[8192], pol[8192], out[8192], dydx[8192];
  scenario_with_policy_file(scen, sizeof scen, pol, sizeof pol);
  snprintf(out, sizeof out, "%s/out-policy", dir);
  snprintf(dydx, sizeof dydx, "%s/data/policies/dydx-like.json", getenv("BK_SOURCE_DIR"));
  const char *args[] = {"run", "--quiet", scen, "--policy", dydx, "-o", out, NULL};
  assert_int_equal(bk_t_run(NULL, NULL, args), 0);
  char *t = brief_text(out);
  assert_non_null(strstr(t, "dydx-like"));
  assert_non_null(strstr(t, "waterfall.adl_ranking = dydx")); /* dydx-like.json's ranking */
  assert_non_null(strstr(t, "liquidation.penalty = 0.015"));  /* and its 1.5 % fee */
  assert_null(strstr(t, "own-file"));
  assert_null(strstr(t, "inline"));
  free(t);
}

/* docs/reports.md has a section for every file of a run folder. */
static void every_run_folder_file_is_documented(void **state) {
  (void)state;
  char path[8192];
  snprintf(path, sizeof path, "%s/docs/reports.md", getenv("BK_SOURCE_DIR"));
  char *doc = bk_t_slurp(path, NULL);
  assert_non_null(doc);
  for (size_t i = 0; bk_report_files[i]; i++) {
    int found = 0;
    for (const char *h = strstr(doc, "\n## "); h && !found; h = strstr(h + 1, "\n## ")) {
      const char *end = strchr(h + 1, '\n');
      const char *at = strstr(h, bk_report_files[i]);
      found = at && (!end || at < end);
    }
    if (!found) fail_msg("docs/reports.md has no '## ' section naming %s", bk_report_files[i]);
  }
  free(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_shipped_scenario_and_policy_reads_back_as_written),
      cmocka_unit_test(a_policy_with_every_setting_changed_reads_back),
      cmocka_unit_test(every_run_folder_file_is_documented),
      cmocka_unit_test(policy_files_a_scenario_names_are_hashed),
      cmocka_unit_test(a_data_run_records_its_inferred_scenario_and_runs_it_again),
      cmocka_unit_test(the_brief_lists_the_policies_of_policy_not_the_scenarios),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
