/*
 * Hostile inputs through the command: files built to make a reader allocate without
 * bound, overflow a number, read forever or follow a path that never ends. Each must
 * end with a sysexits.h code and a message that names the file and what is wrong: no
 * crash, no hang (each run has a 60 s alarm), and memory that stays bounded (the peak
 * RSS of the run, from wait4, compared with that of `backstop --help`).
 */
#define _DEFAULT_SOURCE /* wait4: the peak RSS of one child, not of all children */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>
#include <zip.h>

#include "engine/fixed.h"
#include "tests/testutil.h"

#define MB 1024L /* ru_maxrss counts KiB */

typedef struct outcome {
  int code;      /* exit code; -1 when killed */
  int signal;    /* the signal that killed it, 0 when it exited */
  long rss_kb;   /* peak resident set of the run */
  char err[4096]; /* its stderr, cut */
} outcome;

/* Runs backstop ARGS (NULL-terminated) with an alarm of `seconds`. */
static void run_for(outcome *o, const char *const *args, unsigned seconds) {
  const char *exe = getenv("BK_BACKSTOP");
  if (!exe || !*exe) exe = "backstop";
  char errp[512];
  bk_t_tmp("hostile.stderr", errp, sizeof errp);
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int n = open("/dev/null", O_WRONLY), e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (n < 0 || e < 0) _exit(126);
    dup2(n, 1);
    dup2(e, 2);
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)exe;
    for (size_t i = 0; args[i] && argc < 31; i++) argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    alarm(seconds); /* survives exec: a hang ends in SIGALRM */
    execv(exe, argv);
    _exit(127);
  }
  int st = 0;
  struct rusage ru;
  while (wait4(pid, &st, 0, &ru) < 0) assert_int_equal(errno, EINTR);
  o->code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  o->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
  o->rss_kb = ru.ru_maxrss;
  size_t len = 0;
  char *msg = bk_t_slurp(errp, &len);
  snprintf(o->err, sizeof o->err, "%s", msg ? msg : "");
  free(msg);
  printf("  backstop %s ... -> exit %d, peak RSS %ld MiB: %s", args[0], o->code,
         o->rss_kb / MB, o->err[0] ? o->err : "(no message)\n");
  if (o->signal) fail_msg("killed by signal %d (a crash, or a hang cut by the alarm)", o->signal);
  if (o->code == 127 || o->code == 126) fail_msg("could not run %s", exe);
}

/* Runs backstop ARGS (NULL-terminated) with a 60 s alarm. */
static void run(outcome *o, const char *const *args) { run_for(o, args, 60); }

/* Expects exit `code` and a message holding every one of the NULL-terminated words. */
static void expect(const outcome *o, int code, const char *const *words) {
  if (o->code != code) fail_msg("exit %d, expected %d; stderr: %s", o->code, code, o->err);
  for (size_t i = 0; words && words[i]; i++)
    if (!strstr(o->err, words[i]))
      fail_msg("the message lacks '%s': %s", words[i], o->err);
}

/* Peak RSS of a run that does nothing, the baseline for memory bounds. */
static long baseline_kb(void) {
  outcome o;
  const char *args[] = {"--help", NULL};
  run(&o, args);
  assert_int_equal(o.code, 0);
  return o.rss_kb;
}

static void path_in_tmp(const char *name, char *buf, size_t cap) { bk_t_tmp(name, buf, cap); }

static const char trades_head[] = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n";

/* A zstd frame header: magic, then the frame header descriptor fhd, an optional window
 * descriptor wd (0 = absent), an 8-byte content size, then one raw block. */
static size_t zstd_frame(unsigned char *p, unsigned fhd, unsigned wd, uint64_t content) {
  size_t k = 0;
  const unsigned char magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
  memcpy(p, magic, 4);
  k = 4;
  p[k++] = (unsigned char)fhd;
  if (wd) p[k++] = (unsigned char)wd;
  for (int i = 0; i < 8; i++) p[k++] = (unsigned char)(content >> (8 * i));
  /* last block, raw, 10 bytes */
  p[k++] = (unsigned char)((10u << 3) | 1u);
  p[k++] = 0;
  p[k++] = 0;
  memcpy(p + k, "exchange,s", 10);
  return k + 10;
}

static void zstd_frame_claiming_10gb_window_is_refused_without_allocating(void **state) {
  (void)state;
  long base = baseline_kb();
  uint64_t ten_gb = UINT64_C(10000000000);
  /* 0xC0: an 8-byte content size, not single-segment, so a window descriptor follows:
   * 0xBA = exponent 23, mantissa 2 -> 2^33 + 2 x 2^30 = 10 GiB. */
  unsigned char frame[64];
  size_t n = zstd_frame(frame, 0xC0, 0xBA, ten_gb);
  char path[512];
  path_in_tmp("big-window_trades_2025-10-10_X.csv.zst", path, sizeof path);
  bk_t_write(path, frame, n);
  outcome o;
  const char *args[] = {"replay", "--quiet", path, NULL};
  run(&o, args);
  const char *words[] = {"big-window", "window", NULL};
  expect(&o, EX_DATAERR, words);
  assert_true(o.rss_kb < base + 32 * MB);

  /* 0xE0: single segment: the window is the content size itself, 10 GB. */
  n = zstd_frame(frame, 0xE0, 0, ten_gb);
  path_in_tmp("big-content_trades_2025-10-10_X.csv.zst", path, sizeof path);
  bk_t_write(path, frame, n);
  const char *args2[] = {"inspect", path, NULL};
  run(&o, args2);
  const char *words2[] = {"big-content", NULL};
  expect(&o, EX_DATAERR, words2);
  assert_true(o.rss_kb < base + 32 * MB);
}

static void line_of_100mb_without_newline_fails_in_bounded_memory(void **state) {
  (void)state;
  long base = baseline_kb();
  char path[512];
  path_in_tmp("long-line_trades_2025-10-10_X.csv", path, sizeof path);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(trades_head, 1, sizeof trades_head - 1, f), sizeof trades_head - 1);
  static char chunk[1 << 16];
  memset(chunk, '7', sizeof chunk);
  for (int i = 0; i < 100 * 16; i++) /* 100 MiB */
    assert_int_equal(fwrite(chunk, 1, sizeof chunk, f), sizeof chunk);
  assert_int_equal(fclose(f), 0);
  outcome o;
  const char *args[] = {"replay", "--quiet", path, NULL};
  run(&o, args);
  const char *words[] = {"long-line", "line 2", "longer than", NULL};
  expect(&o, EX_DATAERR, words);
  printf("  peak RSS %ld MiB over a baseline of %ld MiB\n", o.rss_kb / MB, base / MB);
  assert_true(o.rss_kb < base + 40 * MB);
  unlink(path);
}

static void write_trades(const char *path, const char *rows) {
  char buf[4096];
  int n = snprintf(buf, sizeof buf, "%s%s", trades_head, rows);
  assert_true(n > 0 && (size_t)n < sizeof buf);
  bk_t_write(path, buf, (size_t)n);
}

static void price_of_ten_to_the_15_is_a_data_error(void **state) {
  (void)state;
  char path[512];
  path_in_tmp("huge-price_trades_2025-10-10_X.csv", path, sizeof path);
  write_trades(path, "binance-futures,BTCUSDT,1680652804962000,1680652806996641,1,sell,"
                     "28155.1,0.001\n"
                     "binance-futures,BTCUSDT,1680652804964000,1680652806997675,2,buy,"
                     "1000000000000000,0.012\n");
  outcome o;
  const char *args[] = {"replay", "--quiet", path, NULL};
  run(&o, args);
  const char *words[] = {"huge-price", ":3", "price", NULL};
  expect(&o, EX_DATAERR, words);
}

static void timestamps_far_in_the_future_or_negative_do_not_break_the_replay(void **state) {
  (void)state;
  /* The decoders take any int64 microsecond count: a far-future or negative instant is
   * data, clamped when it goes backwards. The replay must finish, and its printout
   * (which formats the next funding time) must survive the extremes of int64, and the
   * gap count of timestamps a whole int64 range apart must not overflow. */
  char path[512], tick[512];
  path_in_tmp("far-times_trades_2025-10-10_X.csv", path, sizeof path);
  write_trades(path, "binance-futures,BTCUSDT,-9223372036854775808,-1680652806996641,1,sell,"
                     "28155.1,0.001\n"
                     "binance-futures,BTCUSDT,-1680652804962000,-1680652806996641,1,sell,"
                     "28155.1,0.001\n"
                     "binance-futures,BTCUSDT,9000000000000000000,9000000000000000000,2,buy,"
                     "28155.2,0.012\n"
                     "binance-futures,BTCUSDT,1680652804964000,1680652806997675,3,buy,"
                     "28155.2,0.012\n");
  path_in_tmp("far-times_derivative_ticker_2025-10-10_X.csv", tick, sizeof tick);
  static const char ticker[] =
      "exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,"
      "predicted_funding_rate,open_interest,last_price,index_price,mark_price\n"
      "binance-futures,BTCUSDT,-1680652800000000,-1680652800000000,"
      "-9223372036854775808,0.0001,,,,28165.04,28155.1\n"
      "binance-futures,BTCUSDT,1680652801000000,1680652801050102,9223372036854775807,"
      "0.0001,,,,28165.15,28155.2\n";
  bk_t_write(tick, ticker, sizeof ticker - 1);
  outcome o;
  const char *args[] = {"replay", "--quiet", path, tick, NULL};
  run(&o, args);
  expect(&o, 0, NULL);
  /* A timestamp beyond int64 is a number that does not fit: a data error. */
  path_in_tmp("beyond-int64_trades_2025-10-10_X.csv", path, sizeof path);
  write_trades(path, "binance-futures,BTCUSDT,9223372036854775808,1,1,sell,28155.1,0.001\n");
  const char *args2[] = {"replay", "--quiet", path, NULL};
  run(&o, args2);
  const char *words[] = {"beyond-int64", ":2", "timestamp", NULL};
  expect(&o, EX_DATAERR, words);
  /* With --strict, time going backwards from the far future is an error naming the
   * line. */
  path_in_tmp("backwards_trades_2025-10-10_X.csv", path, sizeof path);
  write_trades(path, "binance-futures,BTCUSDT,9000000000000000000,1,1,sell,28155.1,0.001\n"
                     "binance-futures,BTCUSDT,-1680652800000000,1,2,sell,28155.1,0.001\n");
  const char *args3[] = {"replay", "--quiet", "--strict", path, NULL};
  run(&o, args3);
  const char *words3[] = {"backwards", ":3", NULL};
  expect(&o, EX_DATAERR, words3);
}

static void directories_and_symlinks_where_files_are_expected(void **state) {
  (void)state;
  char dir[512], link[512], file[512], tob[600], day[512];
  path_in_tmp("hostile-dir", dir, sizeof dir);
  mkdir(dir, 0777);
  path_in_tmp("hostile-dir-link", link, sizeof link);
  unlink(link);
  assert_int_equal(symlink(dir, link), 0);
  path_in_tmp("hostile-day_trades_2025-10-10_X.csv", day, sizeof day);
  write_trades(day, "binance-futures,BTCUSDT,1680652804962000,1680652806996641,1,sell,"
                    "28155.1,0.001\n");
  outcome o;
  /* an output file that is a directory, directly or through a symlink */
  const char *a1[] = {"replay", "--quiet", "--tob-csv", dir, day, NULL};
  run(&o, a1);
  expect(&o, EX_CANTCREAT, (const char *const[]){"hostile-dir", NULL});
  /* A symlink as the output path is replaced by the finished file (rename(2) does not
   * follow it), as atomic writers do: the folder it pointed to is left alone. */
  const char *a2[] = {"replay", "--quiet", "--tob-csv", link, day, NULL};
  run(&o, a2);
  expect(&o, 0, NULL);
  struct stat st;
  assert_int_equal(lstat(link, &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(stat(dir, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  unlink(link);
  assert_int_equal(symlink(dir, link), 0);
  /* an output folder that is a file */
  path_in_tmp("hostile-plain-file", file, sizeof file);
  bk_t_write(file, "x", 1);
  const char *a3[] = {"synth", "-o", file, "--rows", "10", NULL};
  run(&o, a3);
  expect(&o, EX_CANTCREAT, (const char *const[]){"hostile-plain-file", NULL});
  /* an input folder (empty, or only a symlink to a folder) has nothing to read */
  char inner[600];
  snprintf(inner, sizeof inner, "%s/sub_trades_2025-10-10_X.csv", dir);
  unlink(inner);
  assert_int_equal(symlink(dir, inner), 0);
  const char *a4[] = {"replay", "--quiet", link, NULL};
  run(&o, a4);
  expect(&o, EX_NOINPUT, (const char *const[]){"hostile-dir-link", NULL});
  /* a directory named like a data file, given as a file */
  const char *a5[] = {"inspect", inner, NULL};
  run(&o, a5);
  assert_true(o.code == EX_NOINPUT || o.code == EX_DATAERR);
  assert_non_null(strstr(o.err, "sub_trades"));
  unlink(inner);
  snprintf(tob, sizeof tob, "%s/tob.csv", dir);
  assert_int_not_equal(stat(tob, &st), 0); /* nothing was written by the failures */
}

static void a_symlink_loop_is_a_missing_input_not_a_hang(void **state) {
  (void)state;
  char a[512], b[512], dir[512], inner[600];
  path_in_tmp("loop-a_trades_2025-10-10_X.csv", a, sizeof a);
  path_in_tmp("loop-b_trades_2025-10-10_X.csv", b, sizeof b);
  unlink(a);
  unlink(b);
  assert_int_equal(symlink(b, a), 0);
  assert_int_equal(symlink(a, b), 0);
  outcome o;
  const char *a1[] = {"replay", "--quiet", a, NULL};
  run(&o, a1);
  expect(&o, EX_NOINPUT, (const char *const[]){"loop-a", NULL});
  const char *a2[] = {"inspect", b, NULL};
  run(&o, a2);
  expect(&o, EX_NOINPUT, (const char *const[]){"loop-b", NULL});
  /* a folder that holds a loop and a real file: the loop is no regular file */
  path_in_tmp("loop-dir", dir, sizeof dir);
  mkdir(dir, 0777);
  snprintf(inner, sizeof inner, "%s/self_trades_2025-10-10_X.csv", dir);
  unlink(inner);
  assert_int_equal(symlink(inner, inner), 0);
  const char *a3[] = {"replay", "--quiet", dir, NULL};
  run(&o, a3);
  assert_true(o.code == EX_NOINPUT || o.code == EX_DATAERR);
  assert_true(o.err[0] != '\0');
}

static void a_zip_of_two_files_and_an_empty_file_are_refused(void **state) {
  (void)state;
  char path[512];
  path_in_tmp("BTCUSDT-bookDepth-2025-10-10.zip", path, sizeof path);
  int zerr = 0;
  zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  assert_non_null(z);
  static const char body[] = "timestamp,percentage,depth,notional\n";
  for (int i = 0; i < 2; i++) {
    zip_source_t *src = zip_source_buffer(z, body, sizeof body - 1, 0);
    assert_non_null(src);
    assert_true(zip_file_add(z, i ? "b.csv" : "a.csv", src, ZIP_FL_ENC_UTF_8) >= 0);
  }
  assert_int_equal(zip_close(z), 0);
  outcome o;
  const char *a1[] = {"inspect", path, NULL};
  run(&o, a1);
  const char *words[] = {"bookDepth", NULL};
  expect(&o, EX_DATAERR, words);
  path_in_tmp("empty_trades_2025-10-10_X.csv", path, sizeof path);
  bk_t_write(path, "", 0);
  const char *a2[] = {"replay", "--quiet", path, NULL};
  run(&o, a2);
  assert_true(o.code == EX_DATAERR || o.code == EX_NOINPUT);
  assert_non_null(strstr(o.err, "empty_trades"));
}

static void a_quantity_that_overflows_a_notional_is_a_data_error(void **state) {
  (void)state;
  /* 92,233,720,368 BTC at 92,233,720,368 USDT: the notional needs ~2^72 units of 1e-8 */
  static const char acct[] =
      "{ \"instruments\": { \"BTCUSDT\": { \"kind\": \"linear\", \"tick\": \"0.01\",\n"
      "  \"contract_size\": \"1\", \"settle\": \"USDT\",\n"
      "  \"tiers\": [ { \"floor\": \"0\", \"mmr\": \"0.025\" } ] } },\n"
      "  \"account\": { \"mode\": \"cross\", \"collateral\": { \"USDT\": \"1000\" },\n"
      "  \"positions\": [ { \"instrument\": \"BTCUSDT\", \"size\": \"92233720368\",\n"
      "                   \"entry\": \"92233720368\", \"mark\": \"92233720368\" } ] } }\n";
  char path[512];
  path_in_tmp("overflow-account.json", path, sizeof path);
  bk_t_write(path, acct, sizeof acct - 1);
  outcome o;
  const char *args[] = {"margin", path, NULL};
  run(&o, args);
  const char *words[] = {"overflow-account.json", "overflow", NULL};
  expect(&o, EX_DATAERR, words);
  /* an inverse contract at the smallest entry price: 1/entry is as large as it gets */
  static const char inv[] =
      "{ \"instruments\": { \"BTCUSD\": { \"kind\": \"inverse\", \"tick\": \"0.5\",\n"
      "  \"contract_size\": \"100\", \"settle\": \"BTC\",\n"
      "  \"tiers\": [ { \"floor\": \"0\", \"mmr\": \"0.005\" } ] } },\n"
      "  \"account\": { \"mode\": \"cross\", \"collateral\": { \"BTC\": \"1\" },\n"
      "  \"positions\": [ { \"instrument\": \"BTCUSD\", \"size\": \"-92233720368\",\n"
      "                   \"entry\": \"0.00000001\", \"mark\": \"92233720368\" } ] } }\n";
  path_in_tmp("overflow-inverse.json", path, sizeof path);
  bk_t_write(path, inv, sizeof inv - 1);
  const char *args2[] = {"margin", "--format", "json", path, NULL};
  run(&o, args2);
  const char *words2[] = {"overflow-inverse.json", NULL};
  expect(&o, EX_DATAERR, words2);
}

static void a_scenario_that_references_itself_or_a_missing_file_is_refused(void **state) {
  (void)state;
  char dir[512], scen[600], out[600], probe[700];
  path_in_tmp("hostile-scenarios", dir, sizeof dir);
  mkdir(dir, 0777);
  snprintf(out, sizeof out, "%s/run-out", dir);
  outcome o;
  struct {
    const char *file, *json;
    int code;
    const char *word;
  } cases[] = {
      {"self-policy.json", "{ \"name\": \"s\", \"data\": [\"x\"], \"policies\": [\"self-policy.json\"] }",
       EX_CONFIG, "itself"},
      {"missing-policy.json", "{ \"name\": \"s\", \"data\": [\"x\"], \"policies\": [\"no-such-policy.json\"] }",
       EX_NOINPUT, "no-such-policy.json"},
      {"missing-data.json", "{ \"name\": \"s\", \"data\": [\"no-such-data\"], \"policies\": [\"self-data.json\"] }",
       0, NULL}, /* filled below: a policy that exists */
      {"self-data.json", "{ \"name\": \"s\", \"data\": [\"self-data.json\"] }", EX_DATAERR,
       "self-data.json"},
  };
  /* the shipped policy, by absolute path, for the cases about data */
  const char *srcdir = getenv("BK_SOURCE_DIR");
  if (!srcdir || !*srcdir) srcdir = ".";
  char policy[600], missing_data[1200], self_data[1200];
  snprintf(policy, sizeof policy, "%s/data/policies/binance-like.json", srcdir);
  snprintf(missing_data, sizeof missing_data,
           "{ \"name\": \"s\", \"data\": [\"no-such-data\"], \"policies\": [\"%s\"] }", policy);
  snprintf(self_data, sizeof self_data,
           "{ \"name\": \"s\", \"data\": [\"self-data.json\"], \"policies\": [\"%s\"] }", policy);
  cases[2].json = missing_data;
  cases[2].code = EX_NOINPUT;
  cases[2].word = "no-such-data";
  cases[3].json = self_data;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    snprintf(scen, sizeof scen, "%s/%s", dir, cases[i].file);
    bk_t_write(scen, cases[i].json, strlen(cases[i].json));
    const char *args[] = {"run", "--quiet", scen, "-o", out, NULL};
    run(&o, args);
    const char *words[] = {cases[i].word, NULL};
    expect(&o, cases[i].code, words);
    snprintf(probe, sizeof probe, "%s/summary.csv", out);
    struct stat st;
    if (stat(probe, &st) == 0) fail_msg("a failed run left %s", probe);
  }
}

static void a_fifo_or_a_device_where_a_file_is_needed_is_refused_before_reading(void **state) {
  (void)state;
  /* A FIFO with no writer blocks open(2) and read(2) forever; /dev/zero never ends. Each
   * must be refused, naming the file, before anything is read: the alarm of 1 s (not a
   * speed test: a hang is minutes) turns a hang into SIGALRM. */
  char dir[512], fifo[600], scen[600], out[600], json[4096];
  path_in_tmp("hostile-fifo", dir, sizeof dir);
  mkdir(dir, 0777);
  snprintf(fifo, sizeof fifo, "%s/pipe_trades_2025-10-10_X.json", dir);
  unlink(fifo);
  assert_int_equal(mkfifo(fifo, 0666), 0);
  snprintf(out, sizeof out, "%s/run-out", dir);
  const char *srcdir = getenv("BK_SOURCE_DIR");
  if (!srcdir || !*srcdir) srcdir = ".";
  char policy[600], data[700];
  snprintf(policy, sizeof policy, "%s/data/policies/binance-like.json", srcdir);
  snprintf(data, sizeof data, "%s/tests/fixtures/feeds/binance-futures_trades_2023-04-05_BTCUSDT.csv",
           srcdir);
  outcome o;
  const char *fifo_words[] = {"pipe_trades", "FIFO", "expected a regular file", NULL};
  const char *a1[] = {"inspect", fifo, NULL};
  run_for(&o, a1, 1);
  expect(&o, EX_NOINPUT, fifo_words);
  const char *a2[] = {"replay", "--quiet", fifo, NULL};
  run_for(&o, a2, 1);
  expect(&o, EX_NOINPUT, fifo_words);
  const char *a3[] = {"margin", fifo, NULL};
  run_for(&o, a3, 1);
  expect(&o, EX_NOINPUT, fifo_words);
  const char *a4[] = {"run", "--quiet", fifo, "-o", out, NULL};
  run_for(&o, a4, 1);
  expect(&o, EX_NOINPUT, fifo_words);
  /* a policy file and an accounts file named by a scenario */
  snprintf(scen, sizeof scen, "%s/fifo-policy.json", dir);
  snprintf(json, sizeof json, "{ \"name\": \"s\", \"data\": [\"%s\"], \"policies\": [\"%s\"] }",
           data, fifo);
  bk_t_write(scen, json, strlen(json));
  const char *a5[] = {"run", "--quiet", scen, "-o", out, NULL};
  run_for(&o, a5, 1);
  expect(&o, EX_NOINPUT, fifo_words);
  snprintf(scen, sizeof scen, "%s/fifo-accounts.json", dir);
  snprintf(json, sizeof json,
           "{ \"name\": \"s\", \"data\": [\"%s\"], \"policies\": [\"%s\"], "
           "\"population\": {\"model\": \"accounts\", \"file\": \"%s\"} }",
           data, policy, fifo);
  bk_t_write(scen, json, strlen(json));
  const char *a6[] = {"run", "--quiet", scen, "-o", out, NULL};
  run_for(&o, a6, 1);
  expect(&o, EX_NOINPUT, fifo_words);
  /* a character device as a scenario, a margin file or data */
  const char *dev_words[] = {"/dev/zero", "character device", "expected a regular file", NULL};
  const char *a7[] = {"run", "--quiet", "/dev/zero", "-o", out, NULL};
  run_for(&o, a7, 1);
  expect(&o, EX_NOINPUT, dev_words);
  const char *a8[] = {"margin", "/dev/zero", NULL};
  run_for(&o, a8, 1);
  expect(&o, EX_NOINPUT, dev_words);
  const char *a9[] = {"inspect", "/dev/zero", NULL};
  run_for(&o, a9, 1);
  expect(&o, EX_NOINPUT, dev_words);
  unlink(fifo);
}

static void a_json_file_larger_than_the_limit_is_refused_naming_it(void **state) {
  (void)state;
  /* 17 MiB of blanks before a margin file's '{': over the 16 MiB a file read whole may
   * hold, refused with the limit rather than read into memory */
  char path[512];
  path_in_tmp("huge-margin.json", path, sizeof path);
  size_t n = (size_t)17 << 20;
  char *buf = malloc(n);
  assert_non_null(buf);
  memset(buf, ' ', n);
  memcpy(buf + n - 2, "{}", 2);
  bk_t_write(path, buf, n);
  free(buf);
  outcome o;
  const char *args[] = {"margin", path, NULL};
  run(&o, args);
  const char *words[] = {"huge-margin.json", "limit", "16 MiB", NULL};
  expect(&o, EX_DATAERR, words);
  unlink(path);
}

static void bad_prices_amounts_and_time_units_are_refused_with_file_and_line(void **state) {
  (void)state;
  /* Each file's third line is wrong; inspect and replay must both refuse it, naming the
   * file, the line, the column and what was expected. */
  static const char l2[] = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n";
  static const char tick[] = "exchange,symbol,timestamp,local_timestamp,funding_timestamp,"
                             "funding_rate,predicted_funding_rate,open_interest,last_price,"
                             "index_price,mark_price\n";
  static const char quotes[] = "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,"
                               "bid_price,bid_amount\n";
  struct {
    const char *name, *head, *rows, *w1, *w2;
  } cases[] = {
      {"neg-price_trades_2025-10-10_X.csv", trades_head,
       "binance-futures,BTCUSDT,1680652804962000,1680652806996641,1,sell,28155.1,0.001\n"
       "binance-futures,BTCUSDT,1680652804964000,1680652806997675,2,buy,-28155.1,0.012\n",
       "'price'", "a price above 0"},
      {"zero-price_trades_2025-10-10_X.csv", trades_head,
       "binance-futures,BTCUSDT,1680652804962000,1680652806996641,1,sell,28155.1,0.001\n"
       "binance-futures,BTCUSDT,1680652804964000,1680652806997675,2,buy,0,0.012\n",
       "'price'", "a price above 0"},
      {"neg-amount_trades_2025-10-10_X.csv", trades_head,
       "binance-futures,BTCUSDT,1680652804962000,1680652806996641,1,sell,28155.1,0.001\n"
       "binance-futures,BTCUSDT,1680652804964000,1680652806997675,2,buy,28155.1,-0.012\n",
       "'amount'", "an amount of 0 or more"},
      /* the book's fast path takes "0" as a number: the price rule must still hold */
      {"zero-price_incremental_book_L2_2025-10-10_X.csv", l2,
       "binance-futures,BTCUSDT,1680652804962000,1680652806996641,true,bid,28155.1,1\n"
       "binance-futures,BTCUSDT,1680652804962000,1680652806996641,true,ask,0,1\n",
       "'price'", "a price above 0"},
      {"neg-amount_incremental_book_L2_2025-10-10_X.csv", l2,
       "binance-futures,BTCUSDT,1680652804962000,1680652806996641,true,bid,28155.1,1\n"
       "binance-futures,BTCUSDT,1680652804962000,1680652806996641,true,ask,28155.2,-1\n",
       "'amount'", "an amount of 0 or more"},
      {"neg-mark_derivative_ticker_2025-10-10_X.csv", tick,
       "binance-futures,BTCUSDT,1680652800000000,1680652800000000,,0.0001,,,,28165.04,28155.1\n"
       "binance-futures,BTCUSDT,1680652801000000,1680652801050102,,0.0001,,,,28165.15,-1\n",
       "'mark_price'", "a price above 0"},
      {"zero-bid_quotes_2025-10-10_X.csv", quotes,
       "binance-futures,BTCUSDT,1680652800000000,1680652800000000,1,28155.2,28155.1,1\n"
       "binance-futures,BTCUSDT,1680652801000000,1680652801000000,1,28155.2,0,1\n",
       "'bid_price'", "a price above 0"},
      /* times in another unit than microseconds, told by their magnitude */
      {"ms_trades_2025-10-10_X.csv", trades_head,
       "binance-futures,BTCUSDT,1680652804962000,1680652806996641,1,sell,28155.1,0.001\n"
       "binance-futures,BTCUSDT,1680652804964,1680652806997,2,buy,28155.1,0.012\n",
       "'timestamp'", "looks like milliseconds"},
      {"s_trades_2025-10-10_X.csv", trades_head,
       "binance-futures,BTCUSDT,1680652804962000,1680652806996641,1,sell,28155.1,0.001\n"
       "binance-futures,BTCUSDT,1680652804,1680652806,2,buy,28155.1,0.012\n",
       "expected microseconds since the epoch", "looks like seconds"},
      {"ns_incremental_book_L2_2025-10-10_X.csv", l2,
       "binance-futures,BTCUSDT,1680652804962000,1680652806996641,true,bid,28155.1,1\n"
       "binance-futures,BTCUSDT,1680652804962000000,1680652806996641000,true,ask,28155.2,1\n",
       "'timestamp'", "looks like nanoseconds"},
      {"BTCUSD_PERP-markPriceKlines-1m-2025-10-10.csv",
       "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
       "taker_buy_volume,taker_buy_quote_volume,ignore\n",
       "1760054400000,121000,121100,120900,121050,0,1760054459999,0,60,0,0,0\n"
       "1760054460,121000,121100,120900,121050,0,1760054519,0,60,0,0,0\n",
       "expected milliseconds since the epoch", "looks like seconds"},
  };
  outcome o;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char path[512], buf[4096];
    path_in_tmp(cases[i].name, path, sizeof path);
    int n = snprintf(buf, sizeof buf, "%s%s", cases[i].head, cases[i].rows);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    bk_t_write(path, buf, (size_t)n);
    char stem[64];
    snprintf(stem, sizeof stem, "%.20s", cases[i].name);
    const char *words[] = {stem, ":3:", cases[i].w1, cases[i].w2, NULL};
    const char *a1[] = {"inspect", path, NULL};
    run(&o, a1);
    expect(&o, EX_DATAERR, words);
    const char *a2[] = {"replay", "--quiet", path, NULL};
    run(&o, a2);
    expect(&o, EX_DATAERR, words);
  }
}

static void numbers_and_nul_bytes_are_refused_saying_exactly_what_is_wrong(void **state) {
  (void)state;
  struct {
    const char *name, *row, *w1, *w2;
    size_t len; /* of row, for rows holding a NUL; 0 = strlen */
  } cases[] = {
      {"dec20_trades_2025-10-10_X.csv",
       "binance-futures,BTCUSDT,1680652804964000,1680652806997675,2,buy,0.12345678901234567890,1\n",
       "'price'", "more than 8 decimal places", 0},
      {"dec9_trades_2025-10-10_X.csv",
       "binance-futures,BTCUSDT,1680652804964000,1680652806997675,2,buy,28155.123456789,1\n",
       "'price'", "more than 8 decimal places", 0},
      {"past-int64_trades_2025-10-10_X.csv",
       "binance-futures,BTCUSDT,1680652804964000,1680652806997675,2,buy,28155.1,92233720368.54775808\n",
       "'amount'", "out of range: larger than 92233720368.54775807", 0},
      {"ts-past-int64_trades_2025-10-10_X.csv",
       "binance-futures,BTCUSDT,99999999999999999999,1680652806997675,2,buy,28155.1,1\n",
       "'timestamp'", "out of range: larger than 9223372036854775807", 0},
      /* a NUL inside the symbol: refused, and echoed visibly rather than cutting the
       * message at the NUL */
      {"nul-symbol_trades_2025-10-10_X.csv",
       "binance-futures,BTC\0USDT,1680652804964000,1680652806997675,2,buy,28155.1,1\n",
       "a symbol without NUL", "BTC\\x00USDT", 75},
      {"nul-price_trades_2025-10-10_X.csv",
       "binance-futures,BTCUSDT,1680652804964000,1680652806997675,2,buy,28155.1\0,1\n",
       "'price'", "28155.1\\x00", 75},
  };
  outcome o;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char path[512], buf[4096];
    path_in_tmp(cases[i].name, path, sizeof path);
    size_t hn = strlen(trades_head), rn = cases[i].len ? cases[i].len : strlen(cases[i].row);
    memcpy(buf, trades_head, hn);
    memcpy(buf + hn, cases[i].row, rn);
    bk_t_write(path, buf, hn + rn);
    char stem[64];
    snprintf(stem, sizeof stem, "%.12s", cases[i].name);
    const char *words[] = {stem, ":2:", cases[i].w1, cases[i].w2, NULL};
    const char *a1[] = {"replay", "--quiet", path, NULL};
    run(&o, a1);
    expect(&o, EX_DATAERR, words);
  }
}

/* Writes n trades of SYNUSDT one every step_s seconds from 2025-10-10T00:00:00Z, the
 * price moving from p0 by dp each time, amount qty (decimal strings). */
static void write_path(const char *path, size_t n, int step_s, const char *p0, const char *dp,
                       const char *qty) {
  size_t cap = 128 + n * 96, len = 0;
  char *buf = malloc(cap);
  assert_non_null(buf);
  len += (size_t)snprintf(buf, cap, "%s", trades_head);
  int64_t px = bk_t_fx(p0), step = bk_t_fx(dp);
  for (size_t i = 0; i < n; i++, px += step) {
    char price[48];
    bk_fx_format_trim(px, price, sizeof price);
    long long ts = 1760054400000000LL + (long long)i * step_s * 1000000LL;
    len += (size_t)snprintf(buf + len, cap - len, "synthetic,SYNUSDT,%lld,%lld,%zu,%s,%s,%s\n",
                            ts, ts + 1, i, step < 0 ? "sell" : "buy", price, qty);
  }
  bk_t_write(path, buf, len);
  free(buf);
}

static void an_engine_error_names_the_file_line_and_time_of_its_event(void **state) {
  (void)state;
  /* A trade of 9e10 at 28,000 is a legal row whose fee does not fit int64: the
   * simulation stops, and the message must say which row of which file it was
   * processing, and when. */
  char dir[512], data[700], scen[700], out[700], json[2048];
  path_in_tmp("engine-error", dir, sizeof dir);
  mkdir(dir, 0777);
  snprintf(data, sizeof data, "%s/big_trades_2025-10-10_SYNUSDT.csv", dir);
  size_t cap = 128 + 1300 * 96, len = 0;
  char *buf = malloc(cap);
  assert_non_null(buf);
  len += (size_t)snprintf(buf, cap, "%s", trades_head);
  for (int i = 0; i < 1300; i++) {
    long long ts = 1760054400000000LL + (long long)i * 1000000LL;
    len += (size_t)snprintf(buf + len, cap - len, "synthetic,SYNUSDT,%lld,%lld,%d,buy,28000,%s\n",
                            ts, ts + 1, i, i == 1200 ? "90000000000" : "0.05");
  }
  bk_t_write(data, buf, len);
  free(buf);
  const char *srcdir = getenv("BK_SOURCE_DIR");
  if (!srcdir || !*srcdir) srcdir = ".";
  snprintf(scen, sizeof scen, "%s/scenario.json", dir);
  snprintf(json, sizeof json,
           "{ \"name\": \"engine-error\", \"data\": [\"big_trades_2025-10-10_SYNUSDT.csv\"],\n"
           "  \"window\": { \"from\": \"2025-10-10T00:10:00Z\" },\n"
           "  \"policies\": [\"%s/data/policies/binance-like.json\"] }\n", srcdir);
  bk_t_write(scen, json, strlen(json));
  snprintf(out, sizeof out, "%s/out", dir);
  outcome o;
  const char *args[] = {"run", "--quiet", scen, "-o", out, NULL};
  run(&o, args);
  /* the row of i == 1200 is line 1202 (the header is line 1), at 00:20:00 */
  const char *words[] = {"big_trades_2025-10-10_SYNUSDT.csv:1202", "2025-10-10T00:20:00",
                         "overflow", NULL};
  expect(&o, EX_DATAERR, words);
}

static void read_size_and_instruments_per_run_have_limits(void **state) {
  (void)state;
  long base = baseline_kb();
  outcome o;
  char path[512];
  path_in_tmp("limits_trades_2025-10-10_X.csv", path, sizeof path);
  write_trades(path, "binance-futures,BTCUSDT,1680652804962000,1680652806996641,1,sell,"
                     "28155.1,0.001\n");
  /* a read size of 1 GiB made every buffer of every feed that large */
  const char *a1[] = {"replay", "--quiet", "--read-size", "1073741824", path, NULL};
  run(&o, a1);
  expect(&o, EX_USAGE, (const char *const[]){"--read-size", "67108864", "64 MiB", NULL});
  const char *a2[] = {"replay", "--quiet", "--read-size", "67108864", path, NULL};
  run(&o, a2);
  expect(&o, 0, NULL);
  /* 10,000 symbols that only trade: no book window is allocated for them */
  size_t n = 10001, cap = 128 + n * 96, len = 0;
  char *buf = malloc(cap);
  assert_non_null(buf);
  len += (size_t)snprintf(buf, cap, "%s", trades_head);
  size_t len10k = 0;
  for (size_t i = 0; i < n; i++) {
    if (i == n - 1) len10k = len;
    len += (size_t)snprintf(buf + len, cap - len,
                            "binance-futures,S%zuUSDT,%lld,%lld,%zu,buy,100.5,1\n", i,
                            1680652804962000LL + (long long)i, 1680652804962000LL + (long long)i, i);
  }
  path_in_tmp("10k-symbols_trades_2025-10-10_X.csv", path, sizeof path);
  bk_t_write(path, buf, len10k);
  const char *a3[] = {"replay", "--quiet", path, NULL};
  run(&o, a3);
  expect(&o, 0, NULL);
  if (o.rss_kb > base + 64 * MB)
    fail_msg("10,000 trading symbols took %ld MiB, baseline %ld MiB", o.rss_kb / MB, base / MB);
  /* one more is past the limit, named with its line */
  path_in_tmp("10k1-symbols_trades_2025-10-10_X.csv", path, sizeof path);
  bk_t_write(path, buf, len);
  free(buf);
  const char *a4[] = {"replay", "--quiet", path, NULL};
  run(&o, a4);
  expect(&o, EX_DATAERR,
         (const char *const[]){"10k1-symbols", ":10002:", "at most 10000 instruments", NULL});
}

static void an_empty_zip_a_bom_and_a_seed_past_2_to_the_63_are_handled(void **state) {
  (void)state;
  outcome o;
  /* an empty zip is its 22-byte end-of-central-directory record alone */
  char path[512];
  path_in_tmp("BTCUSDT-bookDepth-2025-10-11.zip", path, sizeof path);
  static const unsigned char eocd[22] = {'P', 'K', 5, 6};
  bk_t_write(path, eocd, sizeof eocd);
  const char *a1[] = {"inspect", path, NULL};
  run(&o, a1);
  expect(&o, EX_DATAERR, (const char *const[]){"bookDepth-2025-10-11.zip", "holds no file", NULL});
  /* a margin file and a scenario that start with a UTF-8 byte order mark */
  const char *srcdir = getenv("BK_SOURCE_DIR");
  if (!srcdir || !*srcdir) srcdir = ".";
  char fix[600];
  snprintf(fix, sizeof fix, "%s/tests/fixtures/risk/bybit_isolated.json", srcdir);
  size_t n = 0;
  char *text = bk_t_slurp(fix, &n);
  assert_non_null(text);
  char *bom = malloc(n + 3);
  assert_non_null(bom);
  memcpy(bom, "\xEF\xBB\xBF", 3);
  memcpy(bom + 3, text, n);
  free(text);
  path_in_tmp("bom-margin.json", path, sizeof path);
  bk_t_write(path, bom, n + 3);
  free(bom);
  const char *a2[] = {"margin", path, NULL};
  run(&o, a2);
  expect(&o, 0, NULL);
  char dir[512], data[700], scen[700], out[700], json[2048], manifest[800];
  path_in_tmp("seed-u64", dir, sizeof dir);
  mkdir(dir, 0777);
  snprintf(data, sizeof data, "%s/syn_trades_2025-10-10_SYNUSDT.csv", dir);
  write_path(data, 900, 2, "28000", "0.1", "0.05");
  snprintf(scen, sizeof scen, "%s/scenario.json", dir);
  snprintf(json, sizeof json,
           "\xEF\xBB\xBF{ \"name\": \"seed-u64\", \"data\": [\"syn_trades_2025-10-10_SYNUSDT.csv\"],\n"
           "  \"window\": { \"from\": \"2025-10-10T00:10:00Z\" },\n"
           "  \"policies\": [\"%s/data/policies/binance-like.json\"] }\n", srcdir);
  bk_t_write(scen, json, strlen(json));
  snprintf(out, sizeof out, "%s/out", dir);
  /* the help says a non-negative integer: every uint64 is one */
  const char *a3[] = {"run", "--quiet", scen, "-o", out, "--seed", "18446744073709551615", NULL};
  run(&o, a3);
  expect(&o, 0, NULL);
  snprintf(manifest, sizeof manifest, "%s/manifest.json", out);
  text = bk_t_slurp(manifest, NULL);
  assert_non_null(text);
  assert_non_null(strstr(text, "\"seed\": 18446744073709551615"));
  free(text);
  const char *a4[] = {"run", "--quiet", scen, "-o", out, "--seed", "18446744073709551616", NULL};
  run(&o, a4);
  expect(&o, EX_USAGE, (const char *const[]){"--seed", "18446744073709551615", NULL});
}

/* Scenarios whose numbers are legal one by one but absurd together: sizes near 2^63, a
 * tick of 5e10, a leverage of 9e10, totals that pass int64, a window starting near the
 * beginning of int64 time. Each run ends in a clear error (and no report) or completes;
 * under the asan preset any arithmetic that wraps is a crash. Found by a review of the
 * arithmetic after fuzzing found the margin solver's overflow. */
static void absurd_scenarios_end_in_a_clear_error_or_a_clean_run(void **state) {
  (void)state;
  static const char linear_tick[] =
      "\"instruments\": { \"SYNUSDT\": { \"kind\": \"linear\", \"tick\": \"0.0001\", "
      "\"contract_size\": \"%s\", \"settle\": \"USDT\", %s"
      "\"tiers\": [ { \"floor\": \"0\", \"mmr\": \"0.005\" } ] } },\n";
  struct {
    const char *name;
    const char *body;       /* the scenario without its data, name and braces */
    const char *instrument; /* contract size and extra keys for linear_tick, or NULL */
    const char *extra;
    const char *accounts;   /* accounts.json, or NULL */
    int liq_print;          /* also a liquidation print at 00:10 */
    size_t n;               /* the trade path */
    int step_s;
    const char *p0, *dp, *qty;
    int code;
    const char *word;
  } cases[] = {
      {"depth-pct-below-precision",
       "\"window\": { \"from\": \"2025-10-10T00:10:00Z\" },\n"
       "\"depth_model\": { \"points\": [ { \"pct\": \"0.00000001\", \"minutes\": \"1\" },\n"
       "  { \"pct\": \"0.000001\", \"minutes\": \"2\" } ] },\n",
       NULL, NULL, NULL, 0, 600, 2, "28000", "0", "0.05", EX_CONFIG, "at most 6 decimals"},
      {"tick-of-5e10",
       "\"window\": { \"from\": \"2025-10-10T00:10:00Z\" },\n"
       "\"instruments\": { \"SYNUSDT\": { \"kind\": \"linear\", \"tick\": \"50000000000\",\n"
       "  \"contract_size\": \"1\", \"settle\": \"USDT\",\n"
       "  \"tiers\": [ { \"floor\": \"0\", \"mmr\": \"0.005\" } ] } },\n",
       NULL, NULL, NULL, 0, 900, 2, "28000", "0.1", "0.05", 0, NULL},
      {"size-int64-min",
       "\"window\": { \"from\": \"2025-10-10T00:10:00Z\" },\n"
       "\"population\": { \"model\": \"accounts\", \"file\": \"accounts.json\" },\n",
       NULL, NULL,
       "{\"accounts\": [ {\"id\": \"a\", \"settle\": \"USDT\", \"deposit\": \"1000\",\n"
       "  \"positions\": [{\"contract\": \"SYNUSDT\", \"size\": \"-92233720368.54775808\", "
       "\"entry\": \"28000\"}]} ]}",
       0, 900, 2, "28000", "0", "0.05", EX_DATAERR, "bad trade"},
      {"leverage-of-9e10",
       "\"window\": { \"from\": \"2025-10-10T00:05:00Z\" },\n"
       "\"population\": { \"model\": \"liquidation_prints\", \"leverage\": \"92233720368\" },\n",
       NULL, NULL, NULL, 1, 900, 2, "28000", "0", "0.05", EX_DATAERR, "out of range"},
      {"liquidated-notional-past-int64",
       "\"window\": { \"from\": \"2025-10-10T00:10:00Z\" },\n"
       "\"population\": { \"model\": \"accounts\", \"file\": \"accounts.json\" },\n"
       "\"policies\": [ { \"name\": \"p\", \"waterfall\": { \"trigger\": \"never\" } } ],\n",
       NULL, NULL,
       "{\"accounts\": [\n"
       "  {\"id\": \"a\", \"settle\": \"USDT\", \"deposit\": \"1\", \"positions\": "
       "[{\"contract\": \"SYNUSDT\", \"size\": \"2000000\", \"entry\": \"28000\"}]},\n"
       "  {\"id\": \"b\", \"settle\": \"USDT\", \"deposit\": \"1\", \"positions\": "
       "[{\"contract\": \"SYNUSDT\", \"size\": \"2000000\", \"entry\": \"28000\"}]} ]}",
       0, 900, 2, "28000", "0", "0.05", EX_DATAERR, "notional overflows"},
      {"bitmex-adl-entry-value-int64-min",
       "\"population\": { \"model\": \"accounts\", \"file\": \"accounts.json\" },\n"
       "\"policies\": [ { \"name\": \"p\", \"liquidation\": { \"remainder\": \"waterfall\" },\n"
       "  \"waterfall\": { \"action\": \"adl\", \"adl_ranking\": \"bitmex\" } } ],\n",
       "1", "",
       "{\"accounts\": [\n"
       "  {\"id\": \"short\", \"settle\": \"USDT\", \"deposit\": \"100\", \"positions\": "
       "[{\"contract\": \"SYNUSDT\", \"size\": \"-46116860184.27387904\", \"entry\": \"2\"}]},\n"
       "  {\"id\": \"long\", \"settle\": \"USDT\", \"deposit\": \"1\", \"positions\": "
       "[{\"contract\": \"SYNUSDT\", \"size\": \"100\", \"entry\": \"2\"}]} ]}",
       0, 21, 1, "1.9", "-0.001", "1", 0, NULL},
      {"dydx-fillable-smmr-of-9e10",
       "\"population\": { \"model\": \"accounts\", \"file\": \"accounts.json\" },\n"
       "\"policies\": [ { \"name\": \"p\", \"liquidation\": { \"price_limit\": \"fillable\",\n"
       "  \"fillable_ba\": \"1000\", \"fillable_smmr\": \"92233720368\" } } ],\n",
       "1", "\"mm_basis\": \"entry\", ",
       "{\"accounts\": [ {\"id\": \"short\", \"settle\": \"USDT\", \"deposit\": \"1\", "
       "\"positions\": [{\"contract\": \"SYNUSDT\", \"size\": \"-100\", \"entry\": \"2\"}]} ]}",
       0, 21, 1, "2", "0.001", "1", 0, NULL},
      {"fund-net-position-past-int64",
       "\"population\": { \"model\": \"accounts\", \"file\": \"accounts.json\" },\n"
       "\"policies\": [ { \"name\": \"p\", \"fund\": { \"initial\": \"2000000000\" },\n"
       "  \"waterfall\": { \"trigger\": \"net_position\", \"net_position_cap\": \"1\" } } ],\n",
       "0.01", "",
       "{\"accounts\": [\n"
       "  {\"id\": \"A\", \"settle\": \"USDT\", \"deposit\": \"10000000\", \"positions\": "
       "[{\"contract\": \"SYNUSDT\", \"size\": \"50000000000\", \"entry\": \"2\"}]},\n"
       "  {\"id\": \"C\", \"settle\": \"USDT\", \"deposit\": \"1000000000\", \"positions\": "
       "[{\"contract\": \"SYNUSDT\", \"size\": \"-50000000000\", \"entry\": \"2\"}]},\n"
       "  {\"id\": \"B\", \"settle\": \"USDT\", \"deposit\": \"10000000\", \"positions\": "
       "[{\"contract\": \"SYNUSDT\", \"size\": \"50000000000\", \"entry\": \"2\"}]} ]}",
       0, 31, 1, "2", "-0.001", "1", EX_DATAERR, "overflow"},
      {"warm-up-notional-past-int64",
       "\"window\": { \"from\": \"2025-10-10T00:10:00Z\" },\n", "60000000", "", NULL, 0, 900, 2,
       "28000", "0", "0.05", EX_DATAERR, "warm-up notional"},
      {"window-from-int64-min",
       "\"window\": { \"from\": \"-9223372036854775799\" },\n", NULL, NULL, NULL, 0, 60, 2,
       "28000", "0", "0.05", EX_DATAERR, "report intervals"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char dir[512], path[700], out[700], probe[800];
    char name[128];
    snprintf(name, sizeof name, "absurd-%s", cases[i].name);
    path_in_tmp(name, dir, sizeof dir);
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/synthetic_trades_2025-10-10_SYNUSDT.csv", dir);
    write_path(path, cases[i].n, cases[i].step_s, cases[i].p0, cases[i].dp, cases[i].qty);
    if (cases[i].liq_print) {
      static const char lp[] = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
                               "synthetic,SYNUSDT,1760055000000000,1760055000000001,1,buy,"
                               "28000.1,1\n";
      snprintf(path, sizeof path, "%s/synthetic_liquidations_2025-10-10_SYNUSDT.csv", dir);
      bk_t_write(path, lp, sizeof lp - 1);
    }
    if (cases[i].accounts) {
      snprintf(path, sizeof path, "%s/accounts.json", dir);
      bk_t_write(path, cases[i].accounts, strlen(cases[i].accounts));
    }
    char instr[512] = "", scen[4096];
    if (cases[i].instrument)
      snprintf(instr, sizeof instr, linear_tick, cases[i].instrument, cases[i].extra);
    const char *policies = strstr(cases[i].body, "\"policies\"") ? ""
                           : "\"policies\": [ { \"name\": \"p\" } ],\n";
    int len = snprintf(scen, sizeof scen,
                       "{ \"name\": \"%s\",\n\"data\": [\"synthetic_trades_2025-10-10_SYNUSDT"
                       ".csv\"%s],\n%s%s%s\"seed\": 1 }\n",
                       cases[i].name,
                       cases[i].liq_print ? ", \"synthetic_liquidations_2025-10-10_SYNUSDT.csv\""
                                          : "",
                       cases[i].body, instr, policies);
    assert_true(len > 0 && (size_t)len < sizeof scen);
    snprintf(path, sizeof path, "%s/scenario.json", dir);
    bk_t_write(path, scen, (size_t)len);
    snprintf(out, sizeof out, "%s/out", dir);
    const char *args[] = {"run", "--quiet", path, "-o", out, NULL};
    outcome o;
    run(&o, args);
    const char *words[] = {cases[i].word, NULL};
    expect(&o, cases[i].code, words);
    snprintf(probe, sizeof probe, "%s/summary.csv", out);
    struct stat st;
    if ((stat(probe, &st) == 0) != (cases[i].code == 0))
      fail_msg("%s: exit %d but summary.csv %s", cases[i].name, o.code,
               cases[i].code ? "was written" : "is missing");
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(zstd_frame_claiming_10gb_window_is_refused_without_allocating),
      cmocka_unit_test(line_of_100mb_without_newline_fails_in_bounded_memory),
      cmocka_unit_test(price_of_ten_to_the_15_is_a_data_error),
      cmocka_unit_test(timestamps_far_in_the_future_or_negative_do_not_break_the_replay),
      cmocka_unit_test(directories_and_symlinks_where_files_are_expected),
      cmocka_unit_test(a_symlink_loop_is_a_missing_input_not_a_hang),
      cmocka_unit_test(a_zip_of_two_files_and_an_empty_file_are_refused),
      cmocka_unit_test(a_quantity_that_overflows_a_notional_is_a_data_error),
      cmocka_unit_test(a_scenario_that_references_itself_or_a_missing_file_is_refused),
      cmocka_unit_test(a_fifo_or_a_device_where_a_file_is_needed_is_refused_before_reading),
      cmocka_unit_test(a_json_file_larger_than_the_limit_is_refused_naming_it),
      cmocka_unit_test(bad_prices_amounts_and_time_units_are_refused_with_file_and_line),
      cmocka_unit_test(numbers_and_nul_bytes_are_refused_saying_exactly_what_is_wrong),
      cmocka_unit_test(an_engine_error_names_the_file_line_and_time_of_its_event),
      cmocka_unit_test(read_size_and_instruments_per_run_have_limits),
      cmocka_unit_test(an_empty_zip_a_bom_and_a_seed_past_2_to_the_63_are_handled),
      cmocka_unit_test(absurd_scenarios_end_in_a_clear_error_or_a_clean_run),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
