/*
 * Hostile names through every output (config/safename.h).
 *
 * Each hostile name (quotes, a newline followed by a gnuplot shell escape, `!cmd`, a
 * backquote, $(...), a NUL, ../) is fed through every way a name enters a run: a data
 * symbol that becomes an instrument and (binance-delivery) a settle asset, a linear data
 * symbol, a scenario's instrument key and settle asset, a policy name and the scenario
 * name. Each run must either be refused with a one-line printable error and exit 65
 * (data) or 78 (configuration), or succeed with CSV headers of plain column names; and in
 * no case may a command run: where a run folder exists `backstop chart` renders it (when
 * gnuplot is installed) and the marker file the names try to create must not appear.
 * The commands that only read data keep such names, but quote them in the CSV they
 * write (`replay --tob-csv`, `inspect --format csv`). And `backstop chart` refuses a
 * charts.gp (from an older version, or edited) that would make gnuplot run a program.
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

#include "config/safename.h"
#include "tests/testutil.h"

/* The hostile names, with their lengths (one holds a NUL). Each would create a file "m"
 * if it reached a shell or gnuplot unescaped, and stays within the 15 bytes of a settle
 * asset so the name check, not a length check, is what refuses it. */
#define NAME(lit) {lit, sizeof lit - 1}
static const struct {
  const char *s;
  size_t len;
} hostile[] = {
    NAME("x'q"),        NAME("x\"q"),       NAME("x'\n!touch m\n#"), NAME("!touch m"),
    NAME("x`touch m`"), NAME("$(touch m)"), NAME("x\0y"),             NAME("../x"),
    NAME("x';!touch m;#"), NAME("x,y"),
};
#define NHOSTILE (sizeof hostile / sizeof *hostile)

static void the_name_check_takes_only_the_documented_set(void **state) {
  (void)state;
  const char *good[] = {"USDT", "BTC-PERPETUAL", "DOTUSD_PERP", "fee-1pct", "a.b", "1000PEPE"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    assert_true(bk_name_ok(good[i], strlen(good[i])));
  for (size_t i = 0; i < NHOSTILE; i++) assert_false(bk_name_ok(hostile[i].s, hostile[i].len));
  const char *bad[] = {"", ".", "..", ".hidden", "-o", "a b", "a/b", "a:b",
                       "0123456789012345678901234567890123456789012345678"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_false(bk_name_ok(bad[i], strlen(bad[i])));
  char field[8] = {'B', 'T', 'C', 0, 'x', 0, 0, 0};
  assert_false(bk_name_ok_field(field, sizeof field));
  field[4] = 0;
  assert_true(bk_name_ok_field(field, sizeof field));
  char out[64];
  assert_string_equal(bk_name_print("a'\n\0\x7f\"", 6, out, sizeof out), "\"a'\\n\\x00\\x7f\\\"\"");
}

/* ---- runs ---- */

static char root[512];

/* A JSON string literal of len bytes. */
static void json_str(const char *s, size_t len, char *out, size_t cap) {
  size_t n = 0;
  out[n++] = '"';
  for (size_t i = 0; i < len && n + 8 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') n += (size_t)snprintf(out + n, cap - n, "\\%c", c);
    else if (c < 0x20) n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
    else out[n++] = (char)c;
  }
  out[n++] = '"';
  out[n] = '\0';
}

/* A CSV field of len bytes, quoted when it needs to be. */
static size_t csv_str(const char *s, size_t len, char *out) {
  int q = 0;
  for (size_t i = 0; i < len; i++) q |= s[i] == ',' || s[i] == '"' || s[i] == '\n';
  size_t n = 0;
  if (q) out[n++] = '"';
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"') out[n++] = '"';
    out[n++] = s[i];
  }
  if (q) out[n++] = '"';
  return n;
}

/* A trades file of one instrument: two hours from 2025-10-10T00:00Z, one trade every 10 s,
 * the price falling from 100 by 0.01 a trade. */
static void write_trades(const char *path, const char *exchange, const char *symbol,
                         size_t symbol_len) {
  size_t cap = 1 << 20, n = 0;
  char *b = malloc(cap);
  assert_non_null(b);
  n += (size_t)snprintf(b, cap, "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n");
  char sym[128];
  size_t sl = csv_str(symbol, symbol_len, sym);
  for (int i = 0; i < 720; i++) {
    long long ts = 1760054400000000LL + (long long)i * 10000000LL;
    n += (size_t)snprintf(b + n, cap - n, "%s,", exchange);
    memcpy(b + n, sym, sl);
    n += sl;
    int cents = 10000 - i;
    n += (size_t)snprintf(b + n, cap - n, ",%lld,%lld,%d,%s,%d.%02d,5\n", ts, ts + 1, i,
                          i % 2 ? "buy" : "sell", cents / 100, cents % 100);
  }
  bk_t_write(path, b, n);
  free(b);
}

enum entry { E_SETTLE_DATA, E_SYMBOL_DATA, E_INSTRUMENT, E_SETTLE, E_POLICY, E_SCENARIO };
static const char *const entry_names[] = {"binance-delivery symbol (settle asset)",
                                          "linear data symbol", "scenario instrument key",
                                          "scenario settle asset", "policy name",
                                          "scenario name"};

/* 1 when the file's first line is a plain header: names of [a-z0-9_] and commas. */
static int plain_header(const char *path) {
  char *t = bk_t_slurp(path, NULL);
  if (!t) return 0;
  int ok = 1;
  for (char *p = t; *p && *p != '\n'; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == ','))
      ok = 0;
  free(t);
  return ok;
}

static int contains_text(const char *path, const char *word) {
  char *t = bk_t_slurp(path, NULL);
  int yes = t && strstr(t, word);
  free(t);
  return yes;
}

static int have_gnuplot(void) { return system("command -v gnuplot >/dev/null 2>&1") == 0; }

/* Any file named m under dir (the marker a hostile name tries to create). */
static int marker_under(const char *dir) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "find '%s' -name m | grep -q .", dir);
  return system(cmd) == 0;
}

static void one_case(enum entry how, const char *s, size_t len, int benign) {
  char dir[700], data[800], scen[800], out[800], err[800];
  static int ncase;
  snprintf(dir, sizeof dir, "%s/case-%d", root, ncase++);
  char cmd[1600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(mkdir(dir, 0777), 0);
  snprintf(data, sizeof data, "%s/trades.csv", dir);
  snprintf(scen, sizeof scen, "%s/scenario.json", dir);
  snprintf(out, sizeof out, "%s/out", dir);
  snprintf(err, sizeof err, "%s/stderr", dir);
  char js[256], sym[128];
  json_str(s, len, js, sizeof js);
  /* the data */
  if (how == E_SETTLE_DATA) {
    memcpy(sym, s, len);
    memcpy(sym + len, "USD_PERP", 8);
    write_trades(data, "binance-delivery", sym, len + 8);
  } else if (how == E_SYMBOL_DATA) {
    memcpy(sym, s, len);
    memcpy(sym + len, "USDT", 4);
    write_trades(data, "synthetic", sym, len + 4);
  } else if (how == E_INSTRUMENT) { /* the data has it, so only its name can be wrong */
    write_trades(data, "synthetic", s, len);
  } else {
    write_trades(data, "synthetic", "SYNUSDT", 7);
  }
  char instr[1024] = "", policy[300] = "{ \"name\": \"p\" }", name[300] = "\"hostile\"";
  if (how == E_INSTRUMENT || how == E_SETTLE)
    snprintf(instr, sizeof instr,
             "\"instruments\": { %s: { \"kind\": \"linear\", \"tick\": \"0.01\", "
             "\"contract_size\": \"1\", \"settle\": %s, \"tiers\": [ { \"floor\": \"0\", "
             "\"mmr\": \"0.004\", \"max_leverage\": \"125\" } ] } },\n",
             how == E_INSTRUMENT ? js : "\"SYNUSDT\"", how == E_SETTLE ? js : "\"USDT\"");
  if (how == E_POLICY) snprintf(policy, sizeof policy, "{ \"name\": %s }", js);
  if (how == E_SCENARIO) snprintf(name, sizeof name, "%s", js);
  char json[4096];
  int n = snprintf(json, sizeof json,
                   "{ \"name\": %s, \"data\": [\"trades.csv\"], \"seed\": 3,\n"
                   "  \"window\": { \"from\": \"2025-10-10T00:20:00Z\" },\n%s"
                   "  \"population\": { \"model\": \"synthetic\", \"accounts_per_contract\": 20 },\n"
                   "  \"policies\": [ %s ] }\n",
                   name, instr, policy);
  bk_t_write(scen, json, (size_t)n);
  /* the scenario name decides the folder: run from dir so out/<name> stays inside it */
  char cwd[1024];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(dir), 0);
  const char *named[] = {"run", "--quiet", "scenario.json", NULL};
  const char *with_o[] = {"run", "--quiet", "scenario.json", "-o", out, NULL};
  int code = bk_t_run(NULL, err, how == E_SCENARIO ? named : with_o);
  if (how == E_SCENARIO) snprintf(out, sizeof out, "%s/out/OK", dir); /* when accepted */
  char *msg = bk_t_slurp(err, NULL);
  char label[300];
  snprintf(label, sizeof label, "%s %s", entry_names[how], js);
  if (benign && code != 0) fail_msg("%s: a benign name was refused: %s", label, msg ? msg : "");
  if (code != 0) {
    int want = how <= E_SYMBOL_DATA ? EX_DATAERR : EX_CONFIG;
    if (code != want) fail_msg("%s: exit %d, not %d: %s", label, code, want, msg ? msg : "");
    /* one line, printable, naming the file */
    size_t lines = 0;
    for (const char *p = msg; p && *p; p++) {
      if (*p == '\n') lines++;
      else if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
        fail_msg("%s: the error carries a raw byte 0x%02x: %s", label, (unsigned char)*p, msg);
    }
    if (lines != 1 || !strstr(msg, how <= E_SYMBOL_DATA ? "trades.csv:" : "scenario.json:"))
      fail_msg("%s: not one line naming the file: %s", label, msg ? msg : "");
  } else {
    /* accepted: plain headers, and rendering runs nothing */
    const char *csvs[] = {"fund.csv", "summary.csv", "liquidations.csv", "adl.csv",
                          "quality.csv"};
    char p[1000];
    /* a scenario name is a folder name: one outside the set is a path trick */
    if (how == E_SCENARIO && !benign) fail_msg("%s: a hostile scenario name was accepted", label);
    for (size_t i = 0; i < sizeof csvs / sizeof *csvs; i++) {
      snprintf(p, sizeof p, "%s/%s", out, csvs[i]);
      if (!plain_header(p)) fail_msg("%s: %s has a broken header", label, csvs[i]);
    }
    if (have_gnuplot()) {
      const char *chart[] = {"chart", out, NULL};
      bk_t_run(NULL, NULL, chart);
    }
  }
  free(msg);
  assert_int_equal(chdir(cwd), 0);
  if (marker_under(dir)) fail_msg("%s: a command ran (the marker file m exists)", label);
}

static void hostile_names_are_refused_wherever_they_enter(void **state) {
  (void)state;
  bk_t_tmp("names", root, sizeof root);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  assert_int_equal(system(cmd), 0);
  mkdir(root, 0777);
  for (int how = E_SETTLE_DATA; how <= E_SCENARIO; how++) {
    one_case((enum entry)how, "OK", 2, 1); /* the same run with a plain name works */
    for (size_t h = 0; h < NHOSTILE; h++)
      one_case((enum entry)how, hostile[h].s, hostile[h].len, 0);
  }
}

/* Fields per record of an RFC 4180 text; fails the test when a record differs from
 * `want` or a quoted field is not closed. Returns the number of records. */
static size_t csv_records(const char *t, size_t want, const char *what) {
  size_t records = 0, fields = 1;
  int quoted = 0;
  for (const char *p = t; *p; p++) {
    if (quoted) {
      if (*p == '"' && p[1] == '"') p++;
      else if (*p == '"') quoted = 0;
    } else if (*p == '"') {
      quoted = 1;
    } else if (*p == ',') {
      fields++;
    } else if (*p == '\n') {
      if (fields != want) fail_msg("%s: record %zu has %zu fields, not %zu", what, records,
                                   fields, want);
      records++;
      fields = 1;
    }
  }
  if (quoted) fail_msg("%s: a quoted field is not closed", what);
  return records;
}

static void replay_and_inspect_quote_the_data_s_names_in_their_csv(void **state) {
  (void)state;
  char dir[512], data[600], tob[600], out[600];
  bk_t_tmp("names-csv", dir, sizeof dir);
  mkdir(dir, 0777);
  snprintf(data, sizeof data, "%s/book.csv", dir);
  snprintf(tob, sizeof tob, "%s/tob.csv", dir);
  snprintf(out, sizeof out, "%s/inspect.csv", dir);
  /* a comma and a quote need quoting; a newline or another control byte inside a
     symbol is refused by the decoder itself (test_hostile) */
  const char *ex = "\"ex,\"\"x\"", *sym = "\"a,\"\"b c\"";
  char book[2048];
  int n = snprintf(book, sizeof book,
                   "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
                   "%s,%s,1760054400000000,1760054400000001,true,bid,99.5,1\n"
                   "%s,%s,1760054400000000,1760054400000001,true,ask,100.5,1\n"
                   "%s,%s,1760054401000000,1760054401000001,false,bid,99.7,2\n"
                   "%s,%s,1760054402000000,1760054402000001,false,ask,100.1,3\n",
                   ex, sym, ex, sym, ex, sym, ex, sym);
  bk_t_write(data, book, (size_t)n);
  const char *replay[] = {"replay", "--quiet", "--tob-csv", tob, data, NULL};
  assert_int_equal(bk_t_run(NULL, NULL, replay), 0);
  char *t = bk_t_slurp(tob, NULL);
  assert_non_null(t);
  assert_true(csv_records(t, 6, "tob.csv") >= 3);
  assert_non_null(strstr(t, sym)); /* the name, quoted as it came */
  free(t);
  const char *inspect[] = {"inspect", "--format", "csv", data, NULL};
  assert_int_equal(bk_t_run(out, NULL, inspect), 0);
  t = bk_t_slurp(out, NULL);
  assert_non_null(t);
  size_t cols = 1;
  for (const char *p = t; *p && *p != '\n'; p++) cols += *p == ',';
  assert_int_equal(csv_records(t, cols, "inspect --format csv"), 2);
  free(t);
}

static void chart_refuses_a_script_that_would_run_a_program(void **state) {
  (void)state;
  static const char *const scripts[] = {
      "set print '-'\n!touch m\n",
      "print 1; !touch m\n",
      "x = system('touch m')\n",
      "system \"touch m\"\n",
      "x = `touch m`\n",
      "set output '|touch m'\nplot 1\n",
      "plot '< touch m' using 1\n",
  };
  char dir[512], gp[600], err[600];
  bk_t_tmp("names-chart", dir, sizeof dir);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  mkdir(dir, 0777);
  snprintf(gp, sizeof gp, "%s/charts.gp", dir);
  snprintf(err, sizeof err, "%s.stderr", dir);
  for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++) {
    bk_t_write(gp, scripts[i], strlen(scripts[i]));
    const char *args[] = {"chart", dir, NULL};
    int code = bk_t_run(NULL, err, args);
    if (code != EX_DATAERR || !contains_text(err, "charts.gp:"))
      fail_msg("script %zu: exit %d, not 65 naming the line", i, code);
    if (marker_under(dir)) fail_msg("script %zu ran a command", i);
  }
  /* a name that merely contains "system" is a name */
  const char *fine = "P = 'system-1'\nprint P\n";
  bk_t_write(gp, fine, strlen(fine));
  const char *args[] = {"chart", dir, NULL};
  int code = bk_t_run(NULL, err, args);
  assert_true(code == 0 || code == EX_UNAVAILABLE); /* rendered, or no gnuplot */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_name_check_takes_only_the_documented_set),
      cmocka_unit_test(hostile_names_are_refused_wherever_they_enter),
      cmocka_unit_test(replay_and_inspect_quote_the_data_s_names_in_their_csv),
      cmocka_unit_test(chart_refuses_a_script_that_would_run_a_program),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
