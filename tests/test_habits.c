/*
 * The habits of the command line a user relies on: --version (also in the manifest),
 * `help CMD` as `CMD --help`, a short message for a mistyped option, `synth -o` making
 * its folder and saying what it wrote, --quiet printing nothing but errors, `policies`
 * listing the shipped policies, and the population line of a run.
 *
 * Expected texts come from elsewhere than the command: the version from CMakeLists.txt,
 * the policies' names and descriptions from their JSON files (read here with jansson),
 * the population from the hand-written accounts of tests/fixtures/run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <jansson.h>

#include "tests/testutil.h"

static char dir[4096], sample[4200];

static int setup(void **state) {
  (void)state;
  bk_t_tmp("habits", dir, sizeof dir);
  mkdir(dir, 0777);
  snprintf(sample, sizeof sample, "%s/sample", dir);
  const char *args[] = {"synth", "--quiet", "-o", sample, "--hours", "1", NULL};
  return bk_t_run(NULL, NULL, args) == 0 ? 0 : -1;
}

/* Runs the command with args; its stdout and stderr are read into *out and *err. */
static int run(char **out, char **err, const char *const *args) {
  char o[4400], e[4400];
  snprintf(o, sizeof o, "%s/cmd.out", dir);
  snprintf(e, sizeof e, "%s/cmd.err", dir);
  int st = bk_t_run(o, e, args);
  *out = bk_t_slurp(o, NULL);
  *err = bk_t_slurp(e, NULL);
  assert_non_null(*out);
  assert_non_null(*err);
  return st;
}

static size_t lines(const char *s) {
  size_t n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

static const char *const commands[] = {"chart", "inspect", "replay", "run",   "synth",
                                       "margin", "policies", "init", "report"};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static void version_is_the_projects_and_in_the_manifest(void **state) {
  (void)state;
  char path[4096];
  snprintf(path, sizeof path, "%s/CMakeLists.txt", getenv("BK_SOURCE_DIR"));
  char *cm = bk_t_slurp(path, NULL);
  assert_non_null(cm);
  char *v = strstr(cm, "project(backstop VERSION ");
  assert_non_null(v);
  v += strlen("project(backstop VERSION ");
  char want[64];
  snprintf(want, sizeof want, "backstop %.*s\n", (int)strcspn(v, " )"), v);
  char *out, *err;
  const char *args[] = {"--version", NULL};
  assert_int_equal(run(&out, &err, args), 0);
  assert_string_equal(out, want);
  free(out);
  free(err);
  /* the manifest of a run carries the same version */
  char scen[4400], folder[4400], man[4500];
  snprintf(scen, sizeof scen, "%s/data/scenarios/default.json", getenv("BK_SOURCE_DIR"));
  snprintf(folder, sizeof folder, "%s/version-run", dir);
  /* the default scenario's window starts at 02:00, after this one-hour sample */
  const char *wargs[] = {"run", "--quiet", "--data", sample, "--from", "2025-10-10T00:20:00Z",
                         "-o", folder, scen, NULL};
  assert_int_equal(run(&out, &err, wargs), 0);
  free(out);
  free(err);
  snprintf(man, sizeof man, "%s/manifest.json", folder);
  json_t *m = json_load_file(man, 0, NULL);
  assert_non_null(m);
  want[strlen(want) - 1] = '\0';
  assert_string_equal(json_string_value(json_object_get(m, "backstop_version")),
                      want + strlen("backstop "));
  json_decref(m);
  free(cm);
}

static void help_cmd_prints_the_commands_own_help(void **state) {
  (void)state;
  char *top, *err;
  const char *targs[] = {"help", NULL};
  assert_int_equal(run(&top, &err, targs), 0);
  free(err);
  for (size_t i = 0; i < NCOMMANDS; i++) {
    char *a, *b, *e1, *e2;
    const char *h1[] = {"help", commands[i], NULL};
    const char *h2[] = {commands[i], "--help", NULL};
    assert_int_equal(run(&a, &e1, h1), 0);
    assert_int_equal(run(&b, &e2, h2), 0);
    char head[64];
    snprintf(head, sizeof head, "usage: backstop %s", commands[i]);
    if (strncmp(a, head, strlen(head))) fail_msg("help %s printed: %.80s", commands[i], a);
    assert_string_equal(a, b);
    assert_string_not_equal(a, top);
    free(a);
    free(b);
    free(e1);
    free(e2);
  }
  free(top);
  char *out;
  const char *bad[] = {"help", "no-such-command", NULL};
  assert_int_equal(run(&out, &err, bad), EX_USAGE);
  assert_non_null(strstr(err, "no-such-command"));
  free(out);
  free(err);
}

static void unknown_options_get_two_lines_not_the_help(void **state) {
  (void)state;
  for (size_t i = 0; i < NCOMMANDS; i++) {
    char *out, *err;
    const char *args[] = {commands[i], "--no-such-option", NULL};
    assert_int_equal(run(&out, &err, args), EX_USAGE);
    assert_string_equal(out, "");
    char want[128];
    snprintf(want, sizeof want,
             "backstop %s: unknown option '--no-such-option'\n"
             "Try 'backstop %s --help' for its options.\n",
             commands[i], commands[i]);
    assert_string_equal(err, want);
    free(out);
    free(err);
  }
  char *out, *err;
  const char *missing[] = {"run", "--out", NULL};
  assert_int_equal(run(&out, &err, missing), EX_USAGE);
  assert_non_null(strstr(err, "option '--out' needs a value"));
  assert_true(lines(err) == 2);
  free(out);
  free(err);
  const char *letter[] = {"synth", "-Z", NULL};
  assert_int_equal(run(&out, &err, letter), EX_USAGE);
  assert_non_null(strstr(err, "unknown option '-Z'"));
  free(out);
  free(err);
}

static void synth_makes_its_folder_and_names_what_it_wrote(void **state) {
  (void)state;
  char deep[4400];
  snprintf(deep, sizeof deep, "%s/not/yet/there", dir);
  char *out, *err;
  const char *args[] = {"synth", "-o", deep, "--rows", "50", "--plain", NULL};
  assert_int_equal(run(&out, &err, args), 0);
  assert_string_equal(err, "");
  /* Tardis's naming: exchange_kind_date_symbol.csv, for the three kinds */
  static const char *const kinds[] = {"incremental_book_L2", "trades", "derivative_ticker"};
  assert_int_equal(lines(out), 3);
  for (size_t k = 0; k < 3; k++) {
    char path[4600], line[4700];
    snprintf(path, sizeof path, "%s/synthetic_%s_2025-10-10_SYNUSDT.csv", deep, kinds[k]);
    snprintf(line, sizeof line, "wrote %s\n", path);
    assert_non_null(strstr(out, line));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
  }
  free(out);
  free(err);
  /* a file in the way is a clear error naming it */
  char blocker[4400], below[4500];
  snprintf(blocker, sizeof blocker, "%s/a-file", dir);
  bk_t_write(blocker, "x", 1);
  snprintf(below, sizeof below, "%s/sub", blocker);
  const char *bad[] = {"synth", "-o", below, NULL};
  assert_int_equal(run(&out, &err, bad), EX_CANTCREAT);
  assert_non_null(strstr(err, blocker));
  assert_null(strstr(err, ".tmp"));
  free(out);
  free(err);
}

static void quiet_prints_nothing_but_errors(void **state) {
  (void)state;
  char scen[4400], folder[4400], synth_dir[4400];
  snprintf(scen, sizeof scen, "%s/data/scenarios/default.json", getenv("BK_SOURCE_DIR"));
  snprintf(folder, sizeof folder, "%s/quiet-run", dir);
  snprintf(synth_dir, sizeof synth_dir, "%s/quiet-synth", dir);
  const char *run_args[] = {"run", "--quiet", "--data", sample,
                            "--from", "2025-10-10T00:00:00Z", /* a warning, silenced */
                            "-o", folder, scen, NULL};
  const char *replay_args[] = {"replay", "--quiet", sample, NULL};
  const char *synth_args[] = {"synth", "--quiet", "-o", synth_dir, "--rows", "10", NULL};
  char pdf[4500];
  snprintf(pdf, sizeof pdf, "%s/quiet-brief.pdf", dir);
  const char *chart_args[] = {"chart", "--quiet", folder, NULL};
  const char *report_args[] = {"report", "--quiet", "--pdf", "-o", pdf, folder, NULL};
  const char *const *all[] = {run_args, replay_args, synth_args, chart_args, report_args};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
    char *out, *err;
    assert_int_equal(run(&out, &err, all[i]), 0);
    if (out[0] || err[0]) fail_msg("%s --quiet printed: %.200s%.200s", all[i][0], out, err);
    free(out);
    free(err);
  }
  /* an error still speaks */
  char *out, *err;
  const char *bad[] = {"replay", "--quiet", "--from", "2025-10-11T00:00:00Z", sample, NULL};
  assert_int_equal(run(&out, &err, bad), EX_DATAERR);
  assert_non_null(strstr(err, "starts after the data"));
  free(out);
  free(err);
}

/* The summary table cuts a policy name at 20 characters to keep its columns; the whole
 * name follows on a line of its own, and no line of the table passes 100 characters. */
static void a_long_policy_name_is_shown_whole(void **state) {
  (void)state;
  char src[4400], pol[4400], folder[4400], scen[4400];
  snprintf(src, sizeof src, "%s/data/policies/binance-like.json", getenv("BK_SOURCE_DIR"));
  snprintf(scen, sizeof scen, "%s/data/scenarios/default.json", getenv("BK_SOURCE_DIR"));
  snprintf(pol, sizeof pol, "%s/long-name.json", dir);
  snprintf(folder, sizeof folder, "%s/long-name-run", dir);
  size_t len;
  char *text = bk_t_slurp(src, &len);
  assert_non_null(text);
  static const char name[] = "a-policy-name-of-forty-one-characters-xyz";
  char *at = strstr(text, "\"binance-like\"");
  assert_non_null(at);
  char *json = malloc(len + sizeof name);
  assert_non_null(json);
  int n = snprintf(json, len + sizeof name, "%.*s\"%s\"%s", (int)(at - text), text, name,
                   at + strlen("\"binance-like\""));
  bk_t_write(pol, json, (size_t)n);
  const char *args[] = {"run",  "--data", sample, "--from", "2025-10-10T00:20:00Z", "--policy",
                        pol,    "-o",     folder, scen,     NULL};
  char *out, *err;
  assert_int_equal(run(&out, &err, args), 0);
  char want[128];
  snprintf(want, sizeof want, "  policy:      %s\n", name);
  if (!strstr(out, want)) fail_msg("no whole name in: %.600s", out);
  for (char *l = out; *l;) {
    size_t w = strcspn(l, "\n");
    /* the table's lines (the opening line names the run folder, whose path is the
       user's) */
    if (w > 100 && strncmp(l, "run ", 4)) fail_msg("%zu columns: %.*s", w, (int)w, l);
    l += w + (l[w] != 0);
  }
  free(out);
  free(err);
  free(json);
  free(text);
}

/* s with every run of white space made one space. */
static void squeeze(char *s) {
  char *w = s;
  for (char *r = s; *r; r++)
    if (!isspace((unsigned char)*r)) *w++ = *r;
    else if (w > s && w[-1] != ' ') *w++ = ' ';
  *w = '\0';
}

static void policies_lists_every_shipped_policy_with_its_description(void **state) {
  (void)state;
  char *out, *err;
  const char *args[] = {"policies", NULL};
  assert_int_equal(run(&out, &err, args), 0);
  squeeze(out);
  char pdir[4096];
  snprintf(pdir, sizeof pdir, "%s/data/policies", getenv("BK_SOURCE_DIR"));
  DIR *d = opendir(pdir);
  assert_non_null(d);
  struct dirent *e;
  int files = 0;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 5, ".json")) continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", pdir, e->d_name);
    json_t *p = json_load_file(path, 0, NULL);
    assert_non_null(p);
    const char *name = json_string_value(json_object_get(p, "name"));
    const char *desc = json_string_value(json_object_get(p, "description"));
    if (!desc) fail_msg("%s has no description", e->d_name);
    char want[2048], file[600];
    snprintf(want, sizeof want, "%s", desc);
    squeeze(want);
    snprintf(file, sizeof file, "%s (data/policies/%s)", name, e->d_name);
    if (!strstr(out, file)) fail_msg("policies does not list %s", file);
    if (!strstr(out, want)) fail_msg("policies does not describe %s as: %s", name, want);
    json_decref(p);
    files++;
  }
  closedir(d);
  assert_true(files >= 3);
  free(out);
  free(err);
}

/* Copies a fixture of tests/fixtures/run into the scratch folder. */
static void fixture(const char *name) {
  char src[4400], dst[4400];
  snprintf(src, sizeof src, "%s/tests/fixtures/run/%s", getenv("BK_SOURCE_DIR"), name);
  snprintf(dst, sizeof dst, "%s/%s", dir, name);
  size_t n;
  char *text = bk_t_slurp(src, &n);
  assert_non_null(text);
  bk_t_write(dst, text, n);
  free(text);
}

static void a_run_prints_its_population(void **state) {
  (void)state;
  fixture("accounts.json");
  fixture("accounts-scenario.json");
  char scen[4400], folder[4400];
  snprintf(scen, sizeof scen, "%s/accounts-scenario.json", dir);
  snprintf(folder, sizeof folder, "%s/population-run", dir);
  char *out, *err;
  const char *args[] = {"run", "-o", folder, scen, NULL};
  assert_int_equal(run(&out, &err, args), 0);
  /* three accounts: two longs of 10 SYN and a short of 5, all opened before the window
     (contract size 1): at one mark the longs hold 20 × mark and the short 5 × mark */
  const char *head = "  population USDT: 3 accounts opened, 3 by the window's start, "
                     "holding ";
  char *line = strstr(err, head);
  if (!line) fail_msg("no population line in: %s", err);
  char lo[64], sh[64];
  assert_int_equal(sscanf(line + strlen(head), "%63s long / %63s short USDT at", lo, sh), 2);
  int64_t l = P(lo), s = P(sh);
  assert_true(s > 0);
  assert_true(l == 4 * s);
  free(out);
  free(err);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(version_is_the_projects_and_in_the_manifest),
      cmocka_unit_test(help_cmd_prints_the_commands_own_help),
      cmocka_unit_test(unknown_options_get_two_lines_not_the_help),
      cmocka_unit_test(synth_makes_its_folder_and_names_what_it_wrote),
      cmocka_unit_test(quiet_prints_nothing_but_errors),
      cmocka_unit_test(a_long_policy_name_is_shown_whole),
      cmocka_unit_test(policies_lists_every_shipped_policy_with_its_description),
      cmocka_unit_test(a_run_prints_its_population),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
