/*
 * backstop sweep and merge: a grid of one small scenario (a synthetic hour, 20 accounts)
 * crossed with two policies and two seeds, four cells. The whole sweep in one process
 * must equal, byte for byte and file for file, the merge of its shards for N = 1, 2 and
 * 7 (7 > 4 cells: three shards run nothing). A merge of shards that do not add up (one
 * missing or given twice, a cell unfinished or run twice, another grid) must say which
 * shard and why, with its sysexits code, and write nothing.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "tests/testutil.h"

static char root[256], grid[600], errp[600], whole[600];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  remove(path);
  return 0;
}

static void rmtree(const char *path) { nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

static int exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

static int setup(void **state) {
  (void)state;
  char day[600], scen[600];
  bk_t_tmp("sw", root, sizeof root);
  rmtree(root);
  mkdir(root, 0777);
  snprintf(day, sizeof day, "%s/day", root);
  const char *synth[] = {"synth", "-o", day, "--hours", "1", "--rate", "1", "--seed", "3",
                         "--quiet", NULL};
  if (bk_t_run(NULL, NULL, synth) != 0) return -1;
  const char *src = getenv("BK_SOURCE_DIR");
  if (!src || !*src) src = ".";
  char json[4096];
  int n = snprintf(json, sizeof json,
      "{ \"name\": \"tiny\", \"data\": [\"day\"], \"seed\": 7,\n"
      "  \"instruments\": { \"SYNUSDT\": { \"kind\": \"linear\", \"tick\": \"0.1\",\n"
      "    \"contract_size\": \"1\", \"settle\": \"USDT\",\n"
      "    \"tiers\": [ { \"floor\": \"0\", \"mmr\": \"0.004\", \"max_leverage\": \"125\" } ] } },\n"
      "  \"population\": { \"model\": \"synthetic\", \"accounts_per_contract\": 20 },\n"
      "  \"policies\": [ \"%s/data/policies/binance-like.json\" ] }\n", src);
  snprintf(scen, sizeof scen, "%s/scen.json", root);
  bk_t_write(scen, json, (size_t)n);
  n = snprintf(json, sizeof json,
      "{ \"name\": \"tiny-grid\", \"scenarios\": [\"scen.json\"],\n"
      "  \"windows\": [ { \"from\": \"2025-10-10T00:10:00Z\" } ],\n"
      "  \"policies\": [ \"%s/data/policies/binance-like.json\",\n"
      "                  \"%s/data/policies/dydx-like.json\" ],\n"
      "  \"seeds\": [ 1, 2 ] }\n", src, src);
  snprintf(grid, sizeof grid, "%s/grid.json", root);
  bk_t_write(grid, json, (size_t)n);
  snprintf(errp, sizeof errp, "%s/stderr", root);
  snprintf(whole, sizeof whole, "%s/one/tiny-grid", root);
  const char *args[] = {"sweep", grid, "--quiet", "-o", whole, NULL};
  return bk_t_run(NULL, errp, args) == 0 ? 0 : -1;
}

/* Every file under folder a has a byte-identical twin under b; returns how many. */
static size_t same_tree(const char *a, const char *b) {
  static const char *const top[] = {"grid.json", "sweep.csv", NULL};
  size_t n = 0;
  for (size_t i = 0; top[i]; i++, n++) {
    char pa[1024], pb[1024];
    snprintf(pa, sizeof pa, "%s/%s", a, top[i]);
    snprintf(pb, sizeof pb, "%s/%s", b, top[i]);
    assert_true(bk_t_same_file(pa, pb));
  }
  static const char *const files[] = {"adl.csv",     "charts.gp",      "fund.csv",
                                      "liquidations.csv", "manifest.json", "population.csv",
                                      "quality.csv", "scenario.json", "summary.csv", NULL};
  for (int c = 0; c < 4; c++)
    for (size_t i = 0; files[i]; i++, n++) {
      char pa[1024], pb[1024];
      snprintf(pa, sizeof pa, "%s/cells/%05d/%s", a, c, files[i]);
      snprintf(pb, sizeof pb, "%s/cells/%05d/%s", b, c, files[i]);
      if (!bk_t_same_file(pa, pb)) fail_msg("%s and %s differ", pa, pb);
    }
  return n;
}

/* Runs the grid as n shards into <root>/<label>N/tiny-grid.shard-K-of-N; out gets the sweep
 * folder's path. */
static void shards(const char *label, int n, char *out, size_t cap) {
  snprintf(out, cap, "%s/%s%d/tiny-grid", root, label, n);
  for (int k = 0; k < n; k++) {
    char spec[32];
    snprintf(spec, sizeof spec, "%d/%d", k, n);
    const char *args[] = {"sweep", grid, "--quiet", "--shard", spec, "-o", out, NULL};
    assert_int_equal(bk_t_run(NULL, errp, args), 0);
  }
}

/* The shard folders of n shards for out, as merge's arguments after "merge". */
static int merge_of(int n, const char *out, const char *to) {
  char dirs[8][600];
  const char *args[16] = {"merge"};
  int a = 1;
  for (int k = 0; k < n; k++) {
    snprintf(dirs[k], sizeof dirs[k], "%s.shard-%d-of-%d", out, k, n);
    args[a++] = dirs[k];
  }
  args[a++] = "-o";
  args[a++] = to;
  args[a] = NULL;
  return bk_t_run(NULL, errp, args);
}

static void merged_shards_equal_the_whole_sweep(int n) {
  char out[600];
  shards("n", n, out, sizeof out);
  assert_int_equal(merge_of(n, out, out), 0);
  /* 2 files of the sweep folder and 9 per cell, 4 cells */
  assert_int_equal(same_tree(whole, out), 2 + 9 * 4);
}

static void one_shard_merges_to_the_whole_sweep(void **s) {
  (void)s;
  merged_shards_equal_the_whole_sweep(1);
}

static void two_shards_merge_to_the_whole_sweep(void **s) {
  (void)s;
  merged_shards_equal_the_whole_sweep(2);
}

static void seven_shards_for_four_cells_merge_to_the_whole_sweep(void **s) {
  (void)s;
  merged_shards_equal_the_whole_sweep(7);
  /* round robin: shard 1 of 7 runs cell 1 alone, shard 5 of 7 none */
  char p[700];
  snprintf(p, sizeof p, "%s/n7/tiny-grid.shard-1-of-7/shard.json", root);
  char *t = bk_t_slurp(p, NULL);
  assert_non_null(t);
  assert_non_null(strstr(t, "\"cells\": [\n    \"00001\"\n  ]"));
  free(t);
  snprintf(p, sizeof p, "%s/n7/tiny-grid.shard-5-of-7/shard.json", root);
  assert_non_null(t = bk_t_slurp(p, NULL));
  assert_non_null(strstr(t, "\"cells\": []"));
  free(t);
  snprintf(p, sizeof p, "%s/n7/tiny-grid.shard-5-of-7/cells", root);
  assert_true(exists(p));
}

/* Cells run in the grid's order: window, then policy, then seed fastest. */
static void sweep_csv_lists_the_cells_in_grid_order(void **s) {
  (void)s;
  char p[700];
  snprintf(p, sizeof p, "%s/sweep.csv", whole);
  bk_t_table t;
  bk_t_table_load(p, &t);
  assert_int_equal(t.rows, 1 + 4); /* the header, then one policy and asset per cell */
  static const char *const pol[] = {"binance-like", "binance-like", "dydx-like", "dydx-like"};
  static const char *const seed[] = {"1", "2", "1", "2"};
  for (size_t r = 0; r < 4; r++) {
    char id[8];
    snprintf(id, sizeof id, "%05zu", r);
    assert_string_equal(bk_t_cell(&t, r + 1, "cell"), id);
    assert_string_equal(bk_t_cell(&t, r + 1, "policy"), pol[r]);
    assert_string_equal(bk_t_cell(&t, r + 1, "seed"), seed[r]);
    assert_string_equal(bk_t_cell(&t, r + 1, "scenario_file"), "scen.json");
    assert_string_equal(bk_t_cell(&t, r + 1, "from"), "2025-10-10T00:10:00Z");
    assert_string_equal(bk_t_cell(&t, r + 1, "to"), "");
  }
  bk_t_table_free(&t);
  snprintf(p, sizeof p, "%s/cells/00003/manifest.json", whole);
  char *m = bk_t_slurp(p, NULL);
  assert_non_null(m); /* the cell's own run command, without the folder it was written to */
  assert_non_null(strstr(m, "\"--seed\", \"2\""));
  assert_null(strstr(m, "\"-o\""));
  free(m);
}

/* merge refuses with code and a message naming the shard, and writes nothing. */
static void refused(int code, const char *why, const char *const *args) {
  char to[600];
  snprintf(to, sizeof to, "%s/refused", root);
  const char *a[16];
  size_t n = 0;
  for (; args[n]; n++) a[n] = args[n];
  a[n++] = "-o";
  a[n++] = to;
  a[n] = NULL;
  assert_int_equal(bk_t_run(NULL, errp, a), code);
  char *e = bk_t_slurp(errp, NULL);
  assert_non_null(e);
  if (!strstr(e, why)) fail_msg("expected '%s' in: %s", why, e);
  free(e);
  assert_false(exists(to));
}

static void merge_refuses_shards_that_do_not_add_up(void **s) {
  (void)s;
  char out[600], s0[700], s1[700], bad[700], cmd[2200];
  shards("refused", 2, out, sizeof out);
  snprintf(s0, sizeof s0, "%s.shard-0-of-2", out);
  snprintf(s1, sizeof s1, "%s.shard-1-of-2", out);
  snprintf(bad, sizeof bad, "%s/bad", root);
  const char *missing[] = {"merge", s0, NULL};
  refused(EX_NOINPUT, "shard 1 of 2 is missing", missing);
  const char *twice[] = {"merge", s0, s1, s1, NULL};
  refused(EX_USAGE, "shard 1 of 2 given twice", twice);
  const char *nothing[] = {"merge", s0, bad, NULL};
  refused(EX_NOINPUT, "shard.json", nothing); /* bad does not exist */
  /* a cell whose run did not finish */
  snprintf(cmd, sizeof cmd, "cp -r %s %s && rm %s/cells/00003/manifest.json", s1, bad, bad);
  assert_int_equal(system(cmd), 0);
  const char *partial[] = {"merge", s0, bad, NULL};
  refused(EX_NOINPUT, "cell 00003 has no manifest.json", partial);
  /* a shard that also claims cell 0 */
  rmtree(bad);
  snprintf(cmd, sizeof cmd, "cp -r %s %s && sed -i 's/\"00001\",/\"00000\", \"00001\",/' "
           "%s/shard.json", s1, bad, bad);
  assert_int_equal(system(cmd), 0);
  const char *dup[] = {"merge", s0, bad, NULL};
  refused(EX_DATAERR, "cell 00000 was run twice", dup);
  /* a shard of another grid (one more space, another hash) */
  rmtree(bad);
  char g2[600];
  snprintf(g2, sizeof g2, "%s/grid2.json", root);
  snprintf(cmd, sizeof cmd, "cp %s %s && echo ' ' >> %s", grid, g2, g2);
  assert_int_equal(system(cmd), 0);
  const char *other[] = {"sweep", g2, "--quiet", "--shard", "1/2", "-o", out, NULL};
  snprintf(bad, sizeof bad, "%s.shard-1-of-2", out);
  rmtree(bad);
  assert_int_equal(bk_t_run(NULL, errp, other), 0);
  const char *mixed[] = {"merge", s0, bad, NULL};
  refused(EX_DATAERR, "ran another grid", mixed);
}

static void a_grid_with_an_unknown_key_is_refused_at_its_line(void **s) {
  (void)s;
  char g[600], out[600];
  snprintf(g, sizeof g, "%s/typo.json", root);
  const char *text = "{ \"name\": \"typo\",\n  \"scenarios\": [\"scen.json\"],\n  \"seed\": [1] }\n";
  bk_t_write(g, text, strlen(text));
  snprintf(out, sizeof out, "%s/typo-out", root);
  const char *args[] = {"sweep", g, "-o", out, NULL};
  assert_int_equal(bk_t_run(NULL, errp, args), EX_CONFIG);
  char *e = bk_t_slurp(errp, NULL);
  assert_non_null(e);
  if (!strstr(e, "typo.json:3:")) fail_msg("expected typo.json:3: in: %s", e);
  free(e);
  assert_false(exists(out));
}

/* A cell that fails (its scenario is missing) after one that ran leaves no sweep folder. */
static void a_failed_cell_leaves_no_sweep_folder(void **s) {
  (void)s;
  char g[600], out[600];
  snprintf(g, sizeof g, "%s/gone.json", root);
  const char *text = "{ \"name\": \"gone\", \"scenarios\": [\"scen.json\", \"nowhere.json\"],\n"
                     "  \"windows\": [ { \"from\": \"2025-10-10T00:10:00Z\" } ] }\n";
  bk_t_write(g, text, strlen(text));
  snprintf(out, sizeof out, "%s/gone-out", root);
  const char *args[] = {"sweep", g, "--quiet", "-o", out, NULL};
  assert_int_equal(bk_t_run(NULL, errp, args), EX_NOINPUT);
  assert_false(exists(out));
  char cmd[800]; /* nor its private folder gone-out.tmp.<pid> */
  snprintf(cmd, sizeof cmd, "ls %s | grep -q '^gone-out'", root);
  assert_int_not_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sweep_csv_lists_the_cells_in_grid_order),
      cmocka_unit_test(one_shard_merges_to_the_whole_sweep),
      cmocka_unit_test(two_shards_merge_to_the_whole_sweep),
      cmocka_unit_test(seven_shards_for_four_cells_merge_to_the_whole_sweep),
      cmocka_unit_test(merge_refuses_shards_that_do_not_add_up),
      cmocka_unit_test(a_grid_with_an_unknown_key_is_refused_at_its_line),
      cmocka_unit_test(a_failed_cell_leaves_no_sweep_folder),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
