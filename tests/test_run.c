/*
 * `backstop run` end to end on a small synthetic crash day (made here with
 * `backstop synth`): a scenario of three hand-written accounts whose fate follows from
 * the crash's depth, the strict scenario reader's errors with their exit codes, the
 * command-line overrides, a run opening each of its files once whatever the read size
 * and thread count, with the same reports, and the draws of an uncertainty run: the same
 * bytes whatever the reading (ten draws and a hundred), draw 0 the run without draws,
 * nearest-rank bands.
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
#include <sysexits.h>
#include <unistd.h>

#include "tests/testutil.h"

static char dir[4096];

static int run(const char *err, const char *const *args) { return bk_t_run(NULL, err, args); }

/* Copies a fixture next to the sample data. */
static void fixture(const char *name) {
  char src[8192], dst[8192];
  snprintf(src, sizeof src, "%s/tests/fixtures/run/%s", getenv("BK_SOURCE_DIR"), name);
  snprintf(dst, sizeof dst, "%s/%s", dir, name);
  size_t n;
  char *text = bk_t_slurp(src, &n);
  assert_non_null(text);
  bk_t_write(dst, text, n);
  free(text);
}

static int setup(void **state) {
  (void)state;
  bk_t_tmp("run", dir, sizeof dir);
  mkdir(dir, 0777);
  char sample[8192];
  snprintf(sample, sizeof sample, "%s/sample", dir);
  mkdir(sample, 0777);
  /* one hour: the crash comes at 60 % of it, 00:36 UTC */
  const char *args[] = {"synth", "-o", sample, "--hours", "1", NULL};
  if (run(NULL, args) != 0) return -1;
  return 0;
}

static void hand_written_accounts_meet_the_fate_the_crash_gives_them(void **state) {
  (void)state;
  fixture("accounts.json");
  fixture("accounts-scenario.json");
  char scen[8192], out[8192], err[8192], path[8448];
  snprintf(scen, sizeof scen, "%s/accounts-scenario.json", dir);
  snprintf(out, sizeof out, "%s/out-accounts", dir);
  snprintf(err, sizeof err, "%s/accounts.err", dir);
  const char *args[] = {"run", "--quiet", "-o", out, scen, NULL};
  int st = run(err, args);
  if (st != 0) fail_msg("run exited %d: %s", st, bk_t_slurp(err, NULL));
  bk_t_table liq, sum;
  snprintf(path, sizeof path, "%s/liquidations.csv", out);
  bk_t_table_load(path, &liq);
  snprintf(path, sizeof path, "%s/summary.csv", out);
  bk_t_table_load(path, &sum);
  /* the 28x long (10 SYN with 10,000 USDT, liquidated about 3 % down) is liquidated,
     once, during the crash, and the report names it as the file did; the 2x long and
     the short are not */
  assert_int_equal(liq.rows, 2);
  assert_string_equal(bk_t_cell(&liq, 1, "account"), "long-28x");
  assert_string_equal(bk_t_cell(&liq, 1, "side"), "long");
  const char *t = bk_t_cell(&liq, 1, "time");
  assert_true(strncmp(t, "2025-10-10T00:36", 16) >= 0 && strncmp(t, "2025-10-10T00:42", 16) < 0);
  /* its bankruptcy price: 28,000 - 10,000 / 10 = 27,000 */
  assert_string_equal(bk_t_cell(&liq, 1, "bankruptcy_price"), "27000.00000000");
  assert_int_equal(sum.rows, 2);
  assert_true(bk_t_num(&sum, 1, "ledger_imbalance") == 0);
  assert_true(bk_t_num(&sum, 1, "liquidations") == 100000000);
  bk_t_table_free(&liq);
  bk_t_table_free(&sum);
}

/* Writes a scenario text into the folder and runs it; returns the exit code and leaves
 * stderr in err. */
static int run_text(const char *name, const char *text, char *err, size_t cap) {
  char scen[8192];
  snprintf(scen, sizeof scen, "%s/%s", dir, name);
  bk_t_write(scen, text, strlen(text));
  snprintf(err, cap, "%s/%s.err", dir, name);
  char out[8192];
  snprintf(out, sizeof out, "%s/out-%s", dir, name);
  const char *args[] = {"run", "--quiet", "-o", out, scen, NULL};
  return run(err, args);
}

static void expect(const char *err, const char *want) {
  char *msg = bk_t_slurp(err, NULL);
  assert_non_null(msg);
  printf("  %s", msg);
  if (!strstr(msg, want)) fail_msg("expected '%s' in: %s", want, msg);
  free(msg);
}

static void scenario_mistakes_are_config_errors_with_their_place(void **state) {
  (void)state;
  char err[8448];
  /* a typo'd key: 78 with file:line:column */
  assert_int_equal(run_text("typo.json", "{\"name\": \"x\", \"data\": [\"sample\"],\n"
                            " \"polices\": []}", err, sizeof err), EX_CONFIG);
  expect(err, "typo.json:2:");
  expect(err, "polices");
  /* a duplicate key */
  assert_int_equal(run_text("dup.json", "{\"name\": \"x\", \"name\": \"y\", \"data\": [\"sample\"],"
                            " \"policies\": [{\"name\": \"p\"}]}", err, sizeof err), EX_CONFIG);
  /* money as a JSON number, not a decimal string */
  assert_int_equal(run_text("num.json", "{\"name\": \"x\", \"data\": [\"sample\"], \"policies\":"
                            " [{\"name\": \"p\", \"fund\": {\"initial\": 1e6}}]}", err, sizeof err),
                   EX_CONFIG);
  expect(err, "fund.initial");
  /* a scenario that names itself as its policy */
  assert_int_equal(run_text("self.json", "{\"name\": \"x\", \"data\": [\"sample\"], "
                            "\"policies\": [\"self.json\"]}", err, sizeof err), EX_CONFIG);
  expect(err, "names itself");
  /* a policy file that does not exist */
  assert_int_equal(run_text("nopol.json", "{\"name\": \"x\", \"data\": [\"sample\"], "
                            "\"policies\": [\"missing-policy.json\"]}", err, sizeof err),
                   EX_NOINPUT);
  expect(err, "missing-policy.json");
  /* data that does not exist */
  assert_int_equal(run_text("nodata.json", "{\"name\": \"x\", \"data\": [\"nowhere\"], "
                            "\"policies\": [{\"name\": \"p\"}]}", err, sizeof err), EX_NOINPUT);
  expect(err, "nowhere");
  /* an instrument the data does not have */
  assert_int_equal(run_text("noinstr.json", "{\"name\": \"x\", \"data\": [\"sample\"], "
                            "\"instruments\": {\"BTCUSDT\": {\"kind\": \"linear\", \"tick\": "
                            "\"0.1\", \"contract_size\": \"1\", \"settle\": \"USDT\", \"tiers\": "
                            "[{\"floor\": \"0\", \"mmr\": \"0.005\"}]}}, \"policies\": "
                            "[{\"name\": \"p\"}]}", err, sizeof err), EX_CONFIG);
  expect(err, "BTCUSDT");
  /* an open-interest scale of 0 or above 1000, refused at its own key (line 3) */
  for (int i = 0; i < 2; i++) {
    char text[512];
    snprintf(text, sizeof text, "{\"name\": \"x\", \"data\": [\"sample\"],\n"
             " \"population\": {\"model\": \"synthetic\",\n"
             "  \"oi_scale\": \"%s\"}, \"policies\": [{\"name\": \"p\"}]}",
             i ? "1000.00000001" : "0");
    assert_int_equal(run_text("scale.json", text, err, sizeof err), EX_CONFIG);
    expect(err, "scale.json:3:");
    expect(err, "population.oi_scale");
  }
  /* two policies with one name */
  assert_int_equal(run_text("twins.json", "{\"name\": \"x\", \"data\": [\"sample\"], "
                            "\"policies\": [{\"name\": \"p\"}, {\"name\": \"p\"}]}", err,
                            sizeof err), EX_CONFIG);
  expect(err, "twins.json");
  expect(err, "named");
  /* an uncertainty section with no draws, or too many */
  assert_int_equal(run_text("unc.json", "{\"name\": \"x\", \"data\": [\"sample\"], "
                            "\"uncertainty\": {\"draw\": 10}, \"policies\": [{\"name\": "
                            "\"p\"}]}", err, sizeof err), EX_CONFIG);
  expect(err, "draw");
  assert_int_equal(run_text("unc2.json", "{\"name\": \"x\", \"data\": [\"sample\"], "
                            "\"uncertainty\": {\"draws\": 0}, \"policies\": [{\"name\": "
                            "\"p\"}]}", err, sizeof err), EX_CONFIG);
  expect(err, "uncertainty.draws");
  /* the scenario file itself missing */
  const char *args[] = {"run", "--quiet", "/nonexistent/scenario.json", NULL};
  assert_int_equal(run(err, args), EX_NOINPUT);
}


/* A run compares at most 64 policies: more is a clear configuration error, not gigabytes
 * of accounts (200 policies on the crash day took 8.5 GB). */
static void too_many_policies_are_refused(void **state) {
  (void)state;
  char text[16384], err[8192];
  int n = snprintf(text, sizeof text, "{\"name\": \"many\", \"data\": [\"sample\"], \"policies\": [");
  for (int i = 0; i < 65; i++)
    n += snprintf(text + n, sizeof text - (size_t)n, "%s{\"name\": \"p%d\"}", i ? ", " : "", i);
  snprintf(text + n, sizeof text - (size_t)n, "]}\n");
  assert_int_equal(run_text("many.json", text, err, sizeof err), EX_CONFIG);
  expect(err, "at most 64");
}

static void a_folder_of_data_without_a_scenario_list_gets_inferred_specs(void **state) {
  (void)state;
  /* --data and --policy alone: the built-in default's scenario with other data */
  char sample[8192], out[8192], err[8192], pol[8192];
  snprintf(sample, sizeof sample, "%s/sample", dir);
  snprintf(out, sizeof out, "%s/out-data", dir);
  snprintf(err, sizeof err, "%s/data.err", dir);
  snprintf(pol, sizeof pol, "%s/data/policies/binance-like.json", getenv("BK_SOURCE_DIR"));
  const char *args[] = {"run", "-o", out, "--data", sample, "--policy", pol,
                        "--from", "2025-10-10T00:10:00Z", NULL};
  int st = run(err, args);
  if (st != 0) fail_msg("run exited %d: %s", st, bk_t_slurp(err, NULL));
  expect(err, "marks from the data, book from the data");
  bk_t_table sum;
  char path[8448];
  snprintf(path, sizeof path, "%s/summary.csv", out);
  bk_t_table_load(path, &sum);
  assert_int_equal(sum.rows, 2);
  assert_string_equal(bk_t_cell(&sum, 1, "policy"), "binance-like");
  bk_t_table_free(&sum);
}

/* Writes the liquidation-print scenario (the sample day and a file of three prints) into
 * scen. */
static void prints_scenario(char *scen, size_t cap) {
  /* three prints in the crash (sell = a long liquidated), two in one minute */
  char liq[8192];
  snprintf(liq, sizeof liq, "%s/synthetic_liquidations_2025-10-10_SYNUSDT.csv", dir);
  static const char prints[] =
      "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
      "synthetic,SYNUSDT,1760056630000000,1760056630000000,1,sell,27500,2\n"
      "synthetic,SYNUSDT,1760056650000000,1760056650000000,2,sell,27400,1\n"
      "synthetic,SYNUSDT,1760056700000000,1760056700000000,3,sell,27000,3\n";
  bk_t_write(liq, prints, sizeof prints - 1);
  snprintf(scen, cap, "%s/prints-scenario.json", dir);
  static const char text[] =
      "{\"name\": \"prints\", \"data\": [\"sample\", "
      "\"synthetic_liquidations_2025-10-10_SYNUSDT.csv\"],\n"
      " \"window\": {\"from\": \"2025-10-10T00:10:00Z\"},\n"
      " \"population\": {\"model\": \"liquidation_prints\", \"leverage\": \"20\"},\n"
      " \"policies\": [{\"name\": \"p\", \"fund\": {\"initial\": \"10000000\"}}]}\n";
  /* (a fund to take over what the book cannot absorb: the print accounts have no
     counterparties in the population, so an empty fund would leave them unresolved) */
  bk_t_write(scen, text, sizeof text - 1);
}

static void liquidation_prints_are_reported_against_the_simulation(void **state) {
  (void)state;
  char scen[8192], out[8192], err[8192], path[8448];
  prints_scenario(scen, sizeof scen);
  snprintf(out, sizeof out, "%s/out-prints", dir);
  snprintf(err, sizeof err, "%s/prints.err", dir);
  const char *args[] = {"run", "--quiet", "-o", out, scen, NULL};
  int st = run(err, args);
  if (st != 0) fail_msg("run exited %d: %s", st, bk_t_slurp(err, NULL));
  bk_t_table cal;
  snprintf(path, sizeof path, "%s/calibration.csv", out);
  bk_t_table_load(path, &cal);
  bk_t_documented(&cal, "calibration.csv"); /* its columns are defined in docs/reports.md */
  /* the minute of 00:37 holds the first two prints: 2 x 27,500 + 1 x 27,400 */
  int found37 = 0, found38 = 0;
  int64_t simulated = 0;
  for (size_t r = 1; r < cal.rows; r++) {
    const char *m = bk_t_cell(&cal, r, "minute");
    simulated += bk_t_num(&cal, r, "simulated_notional_quote");
    if (!strncmp(m, "2025-10-10T00:37:00", 19)) {
      found37 = 1;
      assert_true(bk_t_num(&cal, r, "printed_notional_quote") == P("82400"));
      assert_true(bk_t_num(&cal, r, "prints") == P("2"));
    }
    if (!strncmp(m, "2025-10-10T00:38:00", 19)) {
      found38 = 1;
      assert_true(bk_t_num(&cal, r, "printed_notional_quote") == P("81000"));
    }
  }
  assert_true(found37 && found38);
  assert_true(simulated > 0); /* the accounts behind the prints were liquidated */
  bk_t_table_free(&cal);
}

/* The lines "backstop: opened PATH" of a debug build's stderr under BK_TRACE_OPENS (file
 * err): fails when a path comes twice, returns how many paths end with suffix. */
static int opened(const char *err, const char *suffix) {
  char *text = bk_t_slurp(err, NULL);
  assert_non_null(text);
  static const char tag[] = "backstop: opened ";
  int n = 0;
  for (char *at = strstr(text, tag); at; at = strstr(at + 1, tag)) {
    char *path = at + sizeof tag - 1;
    size_t len = strcspn(path, "\n");
    for (char *again = strstr(path + len, tag); again; again = strstr(again + 1, tag)) {
      char *p2 = again + sizeof tag - 1;
      if (strcspn(p2, "\n") == len && !strncmp(p2, path, len))
        fail_msg("%.*s opened twice", (int)len, path);
    }
    size_t sl = strlen(suffix);
    if (len >= sl && !strncmp(path + len - sl, suffix, sl)) n++;
  }
  free(text);
  return n;
}

/* Each data file of the run (the sample day's files and the prints) opened exactly once,
 * and no other file opened twice. */
static void each_data_file_opened_once(const char *err) {
  char sample[8192];
  snprintf(sample, sizeof sample, "%s/sample", dir);
  DIR *d = opendir(sample);
  assert_non_null(d);
  int files = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    char suffix[512];
    snprintf(suffix, sizeof suffix, "/sample/%s", e->d_name);
    if (opened(err, suffix) != 1) fail_msg("%s: opened %d times", suffix, opened(err, suffix));
    files++;
  }
  closedir(d);
  assert_int_equal(files, 3); /* ticker, book and trades */
  assert_int_equal(opened(err, "/synthetic_liquidations_2025-10-10_SYNUSDT.csv"), 1);
}

static void every_file_is_opened_once_and_the_reading_changes_no_report(void **state) {
  (void)state;
#ifdef NDEBUG
  skip(); /* the trace of opens is a debug build's */
#endif
  char scen[8192];
  prints_scenario(scen, sizeof scen);
  static const char *const reads[][4] = {{"--threads", "2", "--read-size", "1048576"},
                                         {"--threads", "1", "--read-size", "1"},
                                         {"--threads", "2", "--read-size", "4096"},
                                         {"--threads", "1", "--read-size", "16777216"}};
  static const char *const reports[] = {"summary.csv", "fund.csv", "liquidations.csv",
                                        "adl.csv", "quality.csv", "calibration.csv", NULL};
  setenv("BK_TRACE_OPENS", "1", 1);
  for (size_t r = 0; r < sizeof reads / sizeof *reads; r++) {
    char out[8192], err[8192];
    snprintf(out, sizeof out, "%s/out-once-%zu", dir, r);
    snprintf(err, sizeof err, "%s/once-%zu.err", dir, r);
    const char *args[] = {"run", "--quiet", "-o", out, reads[r][0], reads[r][1], reads[r][2],
                          reads[r][3], scen, NULL};
    int st = run(err, args);
    if (st != 0) fail_msg("run %s %s exited %d: %s", reads[r][1], reads[r][3], st,
                          bk_t_slurp(err, NULL));
    each_data_file_opened_once(err);
    for (const char *const *f = reports; r && *f; f++) {
      char a[8448], b[8448];
      snprintf(a, sizeof a, "%s/out-once-0/%s", dir, *f);
      snprintf(b, sizeof b, "%s/%s", out, *f);
      if (!bk_t_same_file(a, b))
        fail_msg("%s differs with --threads %s --read-size %s", *f, reads[r][1], reads[r][3]);
    }
  }
  unsetenv("BK_TRACE_OPENS");
}

/* The draws scenario: the sample day, a synthetic population of 100 accounts, one policy
 * with a small fund, and (draws 1) 10 draws from its uncertainty section. */
static void draws_scenario(char *scen, size_t cap, int draws) {
  snprintf(scen, cap, "%s/draws-scenario-%d.json", dir, draws);
  char text[1024];
  int n = snprintf(text, sizeof text,
                   "{\"name\": \"draws\", \"data\": [\"sample\"],\n"
                   " \"window\": {\"from\": \"2025-10-10T00:10:00Z\"},\n"
                   " \"population\": {\"model\": \"synthetic\", \"accounts_per_contract\": 100},\n"
                   "%s"
                   " \"policies\": [{\"name\": \"p\", \"fund\": {\"initial\": \"1000\"}}]}\n",
                   draws ? " \"uncertainty\": {\"draws\": 10},\n" : "");
  bk_t_write(scen, text, (size_t)n);
}

static void run_or_fail(const char *out, const char *const *extra, const char *scen) {
  char err[8448];
  snprintf(err, sizeof err, "%s.err", out);
  const char *args[12] = {"run", "--quiet", "-o", out};
  size_t n = 4;
  for (; extra && *extra; extra++) args[n++] = *extra;
  args[n++] = scen;
  args[n] = NULL;
  int st = run(err, args);
  if (st != 0) fail_msg("run %s exited %d: %s", out, st, bk_t_slurp(err, NULL));
}

/* The nearest-rank band of draws.csv column col, as docs/reports.md states the rule:
 * the ceil(q × N / 100)-th smallest of the N draws. */
static int64_t nearest_rank(const bk_t_table *t, const char *col, unsigned q) {
  size_t n = t->rows - 1;
  int64_t v[128];
  assert_true(n > 0 && n <= 128);
  for (size_t r = 0; r < n; r++) v[r] = bk_t_num(t, r + 1, col);
  for (size_t i = 1; i < n; i++) /* insertion sort: a slow, plain reference */
    for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
      int64_t x = v[j];
      v[j] = v[j - 1];
      v[j - 1] = x;
    }
  size_t rank = (q * n + 99) / 100;
  return v[rank - 1];
}

/* Ten draws are byte-identical whatever the thread count and read size; draw 0 is the
 * run without draws; the bands in summary.csv are the nearest-rank ones of draws.csv;
 * every new column is documented. */
static void draws_are_reproducible_and_their_bands_are_nearest_rank(void **state) {
  (void)state;
  char scen[8192], plain[8192], none[8192], one[8192], a[8192], b[8192];
  draws_scenario(scen, sizeof scen, 1);
  draws_scenario(plain, sizeof plain, 0);
  snprintf(none, sizeof none, "%s/out-draws-none", dir);
  snprintf(one, sizeof one, "%s/out-draws-one", dir);
  snprintf(a, sizeof a, "%s/out-draws-a", dir);
  snprintf(b, sizeof b, "%s/out-draws-b", dir);
  const char *const ra[] = {"--threads", "1", "--read-size", "1048576", NULL};
  const char *const rb[] = {"--threads", "2", "--read-size", "4096", NULL};
  const char *const single[] = {"--draws", "1", NULL};
  run_or_fail(a, ra, scen);
  run_or_fail(b, rb, scen);
  static const char *const files[] = {"summary.csv", "draws.csv", "fund.csv",
                                      "liquidations.csv", "adl.csv", NULL};
  for (const char *const *f = files; *f; f++) {
    char x[8448], y[8448];
    snprintf(x, sizeof x, "%s/%s", a, *f);
    snprintf(y, sizeof y, "%s/%s", b, *f);
    if (!bk_t_same_file(x, y)) fail_msg("%s differs between thread counts and read sizes", *f);
  }
  run_or_fail(one, single, scen); /* --draws 1 overrides the scenario's 10: draw 0 alone */
  run_or_fail(none, NULL, plain);
  char path[8448];
  for (const char *const *f = files + 2; *f; f++) { /* draw 0 is the run without draws */
    char x[8448], y[8448], z[8448];
    snprintf(x, sizeof x, "%s/%s", a, *f);
    snprintf(y, sizeof y, "%s/%s", none, *f);
    snprintf(z, sizeof z, "%s/%s", one, *f);
    if (!bk_t_same_file(x, y) || !bk_t_same_file(y, z)) fail_msg("%s: draw 0 differs", *f);
  }
  bk_t_table d, s, s1, d1;
  snprintf(path, sizeof path, "%s/draws.csv", a);
  bk_t_table_load(path, &d);
  snprintf(path, sizeof path, "%s/summary.csv", a);
  bk_t_table_load(path, &s);
  snprintf(path, sizeof path, "%s/summary.csv", none);
  bk_t_table_load(path, &s1);
  /* without draws summary.csv has none of the band columns: draws, 3 bands of 7 figures,
     p_adl_or_socialized come after the usual ones */
  assert_int_equal((int)s1.cols + 1 + 3 * 7 + 1, (int)s.cols);
  for (size_t c = 0; c < s1.cols; c++) assert_string_equal(s1.cell[c], s.cell[c]);
  snprintf(path, sizeof path, "%s/draws.csv", one);
  bk_t_table_load(path, &d1);
  bk_t_documented(&d, "draws.csv");
  bk_t_documented(&s, "summary.csv");
  assert_int_equal((int)d.rows, 11); /* header and 10 draws of one policy in one asset */
  assert_int_equal((int)d1.rows, 2);
  static const char *const fig[] = {"fund_end", "fund_min", "max_drawdown", "adl_notional",
                                    "socialized", "adl_taken", "safe_initial_fund"};
  int differ = 0, hits = 0;
  for (size_t r = 1; r < d.rows; r++) {
    assert_int_equal((int)bk_t_num(&d, r, "draw"), (int)(r - 1) * 100000000);
    differ |= bk_t_num(&d, r, "fund_end") != bk_t_num(&d, 1, "fund_end");
    int hit = bk_t_num(&d, r, "adl_notional") > 0 || bk_t_num(&d, r, "socialized") > 0 ||
              bk_t_num(&d, r, "adl_taken") > 0;
    assert_int_equal(bk_t_num(&d, r, "adl_or_socialized"), hit * 100000000);
    hits += hit;
  }
  assert_true(differ); /* the draws are not one population ten times */
  for (size_t f = 0; f < 7; f++) {
    /* draw 0 is the run without draws: its row is that run's summary */
    assert_string_equal(bk_t_cell(&d, 1, fig[f]), bk_t_cell(&s1, 1, fig[f]));
    static const unsigned q[] = {5, 50, 95};
    for (size_t k = 0; k < 3; k++) {
      char col[64];
      snprintf(col, sizeof col, "%s_p%u", fig[f], q[k]);
      assert_true(bk_t_num(&s, 1, col) == nearest_rank(&d, fig[f], q[k]));
    }
  }
  assert_int_equal(bk_t_num(&s, 1, "draws"), 10 * 100000000);
  assert_int_equal(bk_t_num(&s, 1, "p_adl_or_socialized"), hits * 10000000); /* hits / 10 */
  bk_t_table_free(&d);
  bk_t_table_free(&s);
  bk_t_table_free(&s1);
  bk_t_table_free(&d1);
}

/* A ranges scenario: the draws scenario's sample day, population and policy (its fund
 * `fund`), `draws` draws (0: none given), and the uncertainty section's ranges `ranges`
 * (JSON members). */
static void ranges_scenario(char *scen, size_t cap, const char *tag, int draws,
                            const char *fund, const char *ranges) {
  snprintf(scen, cap, "%s/ranges-%s.json", dir, tag);
  char text[2048], n_draws[32] = "";
  if (draws) snprintf(n_draws, sizeof n_draws, "\"draws\": %d, ", draws);
  int n = snprintf(text, sizeof text,
                   "{\"name\": \"ranges\", \"data\": [\"sample\"],\n"
                   " \"window\": {\"from\": \"2025-10-10T00:10:00Z\"},\n"
                   " \"population\": {\"model\": \"synthetic\", \"accounts_per_contract\": 100},\n"
                   " \"uncertainty\": {%s\"ranges\": {%s}},\n"
                   " \"policies\": [{\"name\": \"p\", \"fund\": {\"initial\": \"%s\"}}]}\n",
                   n_draws, ranges, fund);
  bk_t_write(scen, text, (size_t)n);
}

static void load_out(bk_t_table *t, const char *out, const char *file) {
  char path[8448];
  snprintf(path, sizeof path, "%s/%s", out, file);
  bk_t_table_load(path, t);
}

static const char *const ALL_RANGES =
    "\"oi_scale\": [\"0.25\", \"4\"], \"depth_scale\": [\"0.5\", \"2\"], "
    "\"mark_window_s\": [\"1\", \"30\"], \"leverage_scale\": [\"0.5\", \"2\"]";

/* 100 draws with every range are the same bytes whatever the thread count and read size;
 * each draw's values are in draws.csv, the one-at-a-time runs in sensitivity.csv (the
 * base row is draw 0's), and sizing.csv counts, at each fund, the draws of draws.csv
 * whose safe fund exceeds it, marking the nearest-rank P95. */
static void ranged_draws_are_reproducible_with_their_sensitivity_and_sizing(void **state) {
  (void)state;
  char scen[8192], a[8192], b[8192];
  ranges_scenario(scen, sizeof scen, "all", 100, "1000", ALL_RANGES);
  snprintf(a, sizeof a, "%s/out-ranges-a", dir);
  snprintf(b, sizeof b, "%s/out-ranges-b", dir);
  const char *const ra[] = {"--threads", "1", "--read-size", "1048576", NULL};
  const char *const rb[] = {"--threads", "2", "--read-size", "4096", NULL};
  run_or_fail(a, ra, scen);
  run_or_fail(b, rb, scen);
  static const char *const files[] = {"summary.csv", "draws.csv", "sensitivity.csv",
                                      "sizing.csv", "fund.csv", "liquidations.csv",
                                      "adl.csv", NULL};
  for (const char *const *f = files; *f; f++) {
    char x[8448], y[8448];
    snprintf(x, sizeof x, "%s/%s", a, *f);
    snprintf(y, sizeof y, "%s/%s", b, *f);
    if (!bk_t_same_file(x, y)) fail_msg("%s differs between thread counts and read sizes", *f);
  }
  bk_t_table d, sens, sz;
  load_out(&d, a, "draws.csv");
  load_out(&sens, a, "sensitivity.csv");
  load_out(&sz, a, "sizing.csv");
  bk_t_documented(&d, "draws.csv");
  bk_t_documented(&sens, "sensitivity.csv");
  bk_t_documented(&sz, "sizing.csv");
  assert_int_equal((int)d.rows, 101);
  /* draw 0 is the base; the others lie in their ranges */
  assert_true(bk_t_num(&d, 1, "oi_scale") == P("1") && bk_t_num(&d, 1, "mark_window_s") == P("5"));
  for (size_t r = 2; r < d.rows; r++) {
    assert_true(bk_t_num(&d, r, "oi_scale") >= P("0.25") && bk_t_num(&d, r, "oi_scale") <= P("4"));
    assert_true(bk_t_num(&d, r, "mark_window_s") >= P("1") &&
                bk_t_num(&d, r, "mark_window_s") <= P("30"));
  }
  /* the base row, then low and high of the four ranges, in their order */
  assert_int_equal((int)sens.rows, 1 + 1 + 8);
  assert_string_equal(bk_t_cell(&sens, 1, "assumption"), "base");
  assert_string_equal(bk_t_cell(&sens, 1, "fund_end"), bk_t_cell(&d, 1, "fund_end"));
  assert_string_equal(bk_t_cell(&sens, 1, "safe_initial_fund"),
                      bk_t_cell(&d, 1, "safe_initial_fund"));
  assert_string_equal(bk_t_cell(&sens, 2, "assumption"), "oi_scale");
  assert_string_equal(bk_t_cell(&sens, 2, "end"), "low");
  assert_true(bk_t_num(&sens, 2, "value") == P("0.25"));
  assert_string_equal(bk_t_cell(&sens, 9, "assumption"), "leverage_scale");
  assert_string_equal(bk_t_cell(&sens, 9, "end"), "high");
  assert_true(bk_t_num(&sens, 9, "value") == P("2"));
  /* a quarter of the open interest liquidates less than four times as much */
  assert_true(bk_t_num(&sens, 2, "max_drawdown") < bk_t_num(&sens, 3, "max_drawdown"));
  /* sizing.csv against draws.csv, counted here */
  int p95s = 0;
  int64_t p95 = nearest_rank(&d, "safe_initial_fund", 95);
  for (size_t r = 1; r < sz.rows; r++) {
    int64_t f = bk_t_num(&sz, r, "initial_fund");
    int64_t above = 0;
    for (size_t k = 1; k < d.rows; k++) above += bk_t_num(&d, k, "safe_initial_fund") > f;
    assert_true(bk_t_num(&sz, r, "draws_above") == above * 100000000);
    assert_true(bk_t_num(&sz, r, "p_adl_or_socialized") == above * 1000000); /* above / 100 */
    if (bk_t_num(&sz, r, "p95")) {
      p95s++;
      assert_true(f == p95 && above <= 5);
    }
    if (r > 1) assert_true(f > bk_t_num(&sz, r - 1, "initial_fund"));
  }
  assert_int_equal(p95s, 1);
  assert_true(bk_t_num(&sz, 1, "initial_fund") == 0);
  assert_true(bk_t_num(&sz, sz.rows - 1, "draws_above") == 0);
  bk_t_table_free(&d);
  bk_t_table_free(&sens);
  bk_t_table_free(&sz);
  /* without draws the ranges do nothing: the base run, no table of draws or cases */
  char c[8192], x[8448], y[8448];
  ranges_scenario(scen, sizeof scen, "nodraws", 0, "1000", ALL_RANGES);
  snprintf(c, sizeof c, "%s/out-ranges-nodraws", dir);
  run_or_fail(c, NULL, scen);
  snprintf(x, sizeof x, "%s/fund.csv", c);
  snprintf(y, sizeof y, "%s/fund.csv", a);
  assert_true(bk_t_same_file(x, y));
  static const char *const none[] = {"draws.csv", "sensitivity.csv", "sizing.csv", NULL};
  for (const char *const *f = none; *f; f++) {
    struct stat st;
    snprintf(x, sizeof x, "%s/%s", c, *f);
    assert_true(stat(x, &st) != 0);
  }
}

/* Ranges of [x, x] at the base (scales 1, the default 5 s window) give exactly the
 * figures of the draws without ranges, and every one-at-a-time run is the base. */
static void ranges_at_the_base_change_nothing(void **state) {
  (void)state;
  char scen[8192], plain[8192], x[8192], y[8192];
  ranges_scenario(scen, sizeof scen, "base", 10, "1000",
                  "\"oi_scale\": [\"1\", \"1\"], \"depth_scale\": [\"1\", \"1\"], "
                  "\"mark_window_s\": [\"5\", \"5\"], \"leverage_scale\": [\"1\", \"1\"]");
  draws_scenario(plain, sizeof plain, 1);
  snprintf(x, sizeof x, "%s/out-ranges-base", dir);
  snprintf(y, sizeof y, "%s/out-ranges-plain", dir);
  run_or_fail(x, NULL, scen);
  run_or_fail(y, NULL, plain);
  bk_t_table d, p, sens;
  load_out(&d, x, "draws.csv");
  load_out(&p, y, "draws.csv");
  load_out(&sens, x, "sensitivity.csv");
  static const char *const fig[] = {"fund_end", "fund_min", "max_drawdown", "adl_notional",
                                    "socialized", "adl_taken", "safe_initial_fund"};
  assert_int_equal((int)d.rows, (int)p.rows);
  for (size_t r = 1; r < d.rows; r++)
    for (size_t f = 0; f < 7; f++)
      assert_string_equal(bk_t_cell(&d, r, fig[f]), bk_t_cell(&p, r, fig[f]));
  assert_int_equal((int)sens.rows, 10);
  for (size_t r = 1; r < sens.rows; r++)
    for (size_t f = 0; f < 7; f++)
      assert_string_equal(bk_t_cell(&sens, r, fig[f]), bk_t_cell(&p, 1, fig[f]));
  bk_t_table_free(&d);
  bk_t_table_free(&p);
  bk_t_table_free(&sens);
}

/* The safe fund S the shadow reports is the line the sizing curve draws: draw 0 run again
 * with the initial fund at S needs no ADL or socialization, with S − 0.00000001 it does. */
static void the_safe_fund_is_where_adl_stops(void **state) {
  (void)state;
  char scen[8192], out[8192];
  ranges_scenario(scen, sizeof scen, "safe", 1, "1000", "");
  snprintf(out, sizeof out, "%s/out-safe", dir);
  run_or_fail(out, NULL, scen);
  bk_t_table s;
  load_out(&s, out, "summary.csv");
  int64_t safe = bk_t_num(&s, 1, "safe_initial_fund");
  bk_t_table_free(&s);
  assert_true(safe > P("1000")); /* the 1000 of the scenario was not enough */
  for (int below = 0; below < 2; below++) {
    char fund[64];
    int64_t f = safe - below;
    snprintf(fund, sizeof fund, "%lld.%08lld", (long long)(f / 100000000),
             (long long)(f % 100000000));
    ranges_scenario(scen, sizeof scen, below ? "below" : "at", 1, fund, "");
    snprintf(out, sizeof out, "%s/out-safe-%d", dir, below);
    run_or_fail(out, NULL, scen);
    load_out(&s, out, "summary.csv");
    assert_true(bk_t_num(&s, 1, "fund_start") == f);
    int hit = bk_t_num(&s, 1, "adl_notional") > 0 || bk_t_num(&s, 1, "socialized") > 0 ||
              bk_t_num(&s, 1, "adl_taken") > 0;
    assert_int_equal(hit, below);
    assert_true(bk_t_num(&s, 1, "safe_initial_fund") == safe); /* it does not depend on f */
    bk_t_table_free(&s);
  }
}

/* A scenario of the hand-written accounts with two policies alike but for spread capture
 * (10 % of the taker flow, the liquidation fills, half to the fund), over data given as
 * `data`. */
static void capture_scenario(const char *name, const char *data) {
  char text[4096], scen[8192];
  snprintf(text, sizeof text,
           "{\"name\": \"%s\", \"data\": [%s],\n"
           " \"window\": {\"from\": \"2025-10-10T00:10:00Z\"},\n"
           " \"instruments\": {\"SYNUSDT\": {\"kind\": \"linear\", \"tick\": \"0.1\",\n"
           "   \"contract_size\": \"1\", \"settle\": \"USDT\",\n"
           "   \"tiers\": [{\"floor\": \"0\", \"mmr\": \"0.005\", \"max_leverage\": \"100\"}]}},\n"
           " \"population\": {\"model\": \"accounts\", \"file\": \"accounts.json\"},\n"
           " \"policies\": [{\"name\": \"plain\", \"fund\": {\"initial\": \"100000\"}},\n"
           "   {\"name\": \"capture\", \"fund\": {\"initial\": \"100000\"},\n"
           "    \"fees\": {\"spread_capture\": {\"taker_share\": \"0.1\", \"liquidation\": true,\n"
           "                                  \"fund_share\": \"0.5\"}}}]}\n",
           name, data);
  snprintf(scen, sizeof scen, "%s/%s.json", dir, name);
  bk_t_write(scen, text, strlen(text));
}

/* Runs scenario name (not quiet) into out-<name>; its terminal output (both streams) is
 * left in <name>.out and <name>.err. */
static void run_capture(const char *name, char *out, size_t cap) {
  char scen[8192], o[8192], e[8192];
  snprintf(scen, sizeof scen, "%s/%s.json", dir, name);
  snprintf(out, cap, "%s/out-%s", dir, name);
  snprintf(o, sizeof o, "%s/%s.out", dir, name);
  snprintf(e, sizeof e, "%s/%s.err", dir, name);
  const char *args[] = {"run", "-o", out, scen, NULL};
  int st = bk_t_run(o, e, args);
  if (st != 0) fail_msg("run exited %d: %s", st, bk_t_slurp(e, NULL));
}

/* With the synthetic ticker's index the capture has its columns: 0 for the policy without
 * it; for the other, with the same liquidations (the hand-written accounts do not depend
 * on the fund), the fund ends higher by exactly its net capture, and the ledger balances.
 * Without the ticker (trades and book only) there is no index: the columns are absent,
 * not 0, the manifest names the contract and the terminal says so. */
static void spread_capture_is_reported_only_where_the_data_has_an_index(void **state) {
  (void)state;
  fixture("accounts.json");
  char out[8192], path[8448];
  capture_scenario("capture-index", "\"sample\"");
  run_capture("capture-index", out, sizeof out);
  bk_t_table sum;
  snprintf(path, sizeof path, "%s/summary.csv", out);
  bk_t_table_load(path, &sum);
  assert_int_equal(sum.rows, 3);
  assert_string_equal(bk_t_cell(&sum, 1, "policy"), "plain");
  assert_true(bk_t_num(&sum, 1, "in_spread_capture") == 0 &&
              bk_t_num(&sum, 1, "out_spread_capture") == 0);
  int64_t net = bk_t_num(&sum, 2, "in_spread_capture") - bk_t_num(&sum, 2, "out_spread_capture");
  assert_true(bk_t_num(&sum, 2, "in_spread_capture") > 0);
  assert_true(bk_t_num(&sum, 2, "liquidations") == bk_t_num(&sum, 1, "liquidations"));
  assert_true(bk_t_num(&sum, 2, "in_liquidation_fee") == bk_t_num(&sum, 1, "in_liquidation_fee"));
  assert_true(bk_t_num(&sum, 2, "fund_end") - bk_t_num(&sum, 1, "fund_end") == net);
  for (size_t r = 1; r < 3; r++) assert_true(bk_t_num(&sum, r, "ledger_imbalance") == 0);
  bk_t_table_free(&sum);
  capture_scenario("capture-none",
                   "\"sample/synthetic_trades_2025-10-10_SYNUSDT.csv.zst\", "
                   "\"sample/synthetic_incremental_book_L2_2025-10-10_SYNUSDT.csv.zst\"");
  run_capture("capture-none", out, sizeof out);
  snprintf(path, sizeof path, "%s/summary.csv", out);
  char *csv = bk_t_slurp(path, NULL);
  assert_non_null(csv);
  assert_null(strstr(csv, "spread_capture"));
  free(csv);
  snprintf(path, sizeof path, "%s/fund.csv", out);
  csv = bk_t_slurp(path, NULL);
  assert_null(strstr(csv, "spread_capture"));
  free(csv);
  snprintf(path, sizeof path, "%s/manifest.json", out);
  char *man = bk_t_slurp(path, NULL);
  assert_non_null(strstr(man, "\"no_index_price\": [\"synthetic:SYNUSDT\"]"));
  free(man);
  snprintf(path, sizeof path, "%s/capture-none.out", dir);
  char *said = bk_t_slurp(path, NULL);
  snprintf(path, sizeof path, "%s/capture-none.err", dir);
  char *err = bk_t_slurp(path, NULL);
  assert_true(strstr(said, "no index price in the data for synthetic:SYNUSDT") ||
              strstr(err, "no index price in the data for synthetic:SYNUSDT"));
  free(said);
  free(err);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hand_written_accounts_meet_the_fate_the_crash_gives_them),
      cmocka_unit_test(scenario_mistakes_are_config_errors_with_their_place),
      cmocka_unit_test(too_many_policies_are_refused),
      cmocka_unit_test(draws_are_reproducible_and_their_bands_are_nearest_rank),
      cmocka_unit_test(ranged_draws_are_reproducible_with_their_sensitivity_and_sizing),
      cmocka_unit_test(ranges_at_the_base_change_nothing),
      cmocka_unit_test(the_safe_fund_is_where_adl_stops),
      cmocka_unit_test(a_folder_of_data_without_a_scenario_list_gets_inferred_specs),
      cmocka_unit_test(liquidation_prints_are_reported_against_the_simulation),
      cmocka_unit_test(every_file_is_opened_once_and_the_reading_changes_no_report),
      cmocka_unit_test(spread_capture_is_reported_only_where_the_data_has_an_index),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
