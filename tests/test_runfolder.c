/*
 * The run folder as one transaction (reports/runfolder.h), through `backstop run`.
 *
 * A small scenario (a synthetic hour, two shipped policies, 20 accounts) is run into one
 * folder with seed 1 (the previous report, OLD) and seed 2 (the new one, NEW); the two
 * differ in every file. Then the seed-2 run is failed, killed (SIGKILL: a crash) and
 * interrupted (SIGTERM) at every write, fsync, mkdir and rename it makes, one run per
 * step, and after each the folder must hold exactly OLD or exactly NEW, nothing else
 * beside it but what the next run cleans up (and, after a failure or SIGTERM, nothing at
 * all). Real processes show the lock (a second run is refused with 75 naming the first)
 * and SIGTERM at a named step (the debug builds' BK_PAUSE_AT hook; skipped without it).
 * Also: leftovers of dead runs are removed and reported, bad -o folders are refused
 * before the replay, a rerun keeps no file of the previous one, and a scenario name
 * cannot leave out/.
 *
 * In-process runs are bk_cli_main in a forked child, so the fault hook of outfile.h is
 * per run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "reports/outfile.h"
#include "tests/testutil.h"

/* ---- files and folders ---- */

#define SNAP_MAX 16

/* Every regular file of a folder, by name, with its bytes. */
typedef struct snap {
  size_t n;
  char name[SNAP_MAX][64];
  char *data[SNAP_MAX];
  size_t len[SNAP_MAX];
  int exists;
} snap;

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void snap_free(snap *s) {
  for (size_t i = 0; i < s->n; i++) free(s->data[i]);
  memset(s, 0, sizeof *s);
}

static void snap_take(const char *dir, snap *s) {
  memset(s, 0, sizeof *s);
  DIR *d = opendir(dir);
  if (!d) return;
  s->exists = 1;
  char *names[SNAP_MAX + 1];
  size_t k = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (k == SNAP_MAX) fail_msg("%s: more than %d files", dir, SNAP_MAX);
    names[k++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, k, sizeof *names, by_name);
  for (size_t i = 0; i < k; i++) {
    char p[1024];
    snprintf(s->name[i], sizeof s->name[i], "%s", names[i]);
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    s->data[i] = bk_t_slurp(p, &s->len[i]);
    if (!s->data[i]) s->len[i] = 0;
    free(names[i]);
  }
  s->n = k;
}

static int snap_same(const snap *a, const snap *b) {
  if (a->exists != b->exists || a->n != b->n) return 0;
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->name[i], b->name[i]) || a->len[i] != b->len[i] ||
        (a->len[i] && memcmp(a->data[i], b->data[i], a->len[i])))
      return 0;
  return 1;
}

static void snap_describe(const snap *s, char *out, size_t cap) {
  size_t n = (size_t)snprintf(out, cap, "%s", s->exists ? "" : "(absent)");
  for (size_t i = 0; i < s->n && n < cap; i++)
    n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? " " : "", s->name[i]);
}

static void rm_rf(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    struct dirent *e;
    char p[1024];
    while (d && (e = readdir(d)) != NULL) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      snprintf(p, sizeof p, "%s/%s", path, e->d_name);
      rm_rf(p);
    }
    if (d) closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

/* Entries of the target's parent that belong to the target but are not it (temporary
 * folders, set-aside reports, the lock), and entries inside the target that are
 * temporary files. The first one found is named in `first`. */
static int leftovers_but(const char *target, const char *except, char *first, size_t cap);

static int leftovers(const char *target, char *first, size_t cap) {
  return leftovers_but(target, NULL, first, cap);
}

/* The same, not counting the entry named base + except. */
static int leftovers_but(const char *target, const char *except, char *first, size_t cap) {
  char parent[1024];
  snprintf(parent, sizeof parent, "%s", target);
  char *slash = strrchr(parent, '/');
  assert_non_null(slash);
  *slash = '\0';
  const char *base = slash + 1;
  size_t k = strlen(base);
  int n = 0;
  if (first && cap) first[0] = '\0';
  DIR *d = opendir(parent);
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL)
    if (!strncmp(e->d_name, base, k) && e->d_name[k] == '.' &&
        !(except && !strcmp(e->d_name + k, except))) {
      if (!n++ && first) snprintf(first, cap, "%s", e->d_name);
    }
  if (d) closedir(d);
  d = opendir(target);
  while (d && (e = readdir(d)) != NULL)
    if (strstr(e->d_name, ".tmp.")) {
      if (!n++ && first) snprintf(first, cap, "%s/%s", base, e->d_name);
    }
  if (d) closedir(d);
  return n;
}

static int contains(const char *path, const char *word) {
  char *t = bk_t_slurp(path, NULL);
  int yes = t && strstr(t, word);
  free(t);
  return yes;
}

/* ---- the scenario ---- */

static char scen[512], target[512], errp[512];
static snap OLD, NEW;

static int setup(void **state) {
  (void)state;
  char day[512];
  bk_t_tmp("rf-day", day, sizeof day);
  mkdir(day, 0777);
  const char *synth[] = {"synth", "-o", day, "--hours", "1", "--rate", "1", "--seed", "3", NULL};
  if (bk_t_run(NULL, NULL, synth) != 0) return -1;
  const char *src = getenv("BK_SOURCE_DIR");
  if (!src || !*src) src = ".";
  char json[4096];
  int n = snprintf(json, sizeof json,
      "{ \"name\": \"tiny\", \"data\": [\"%s\"], \"seed\": 7,\n"
      "  \"window\": { \"from\": \"2025-10-10T00:10:00Z\" },\n"
      "  \"instruments\": { \"SYNUSDT\": { \"kind\": \"linear\", \"tick\": \"0.1\",\n"
      "    \"contract_size\": \"1\", \"settle\": \"USDT\",\n"
      "    \"tiers\": [ { \"floor\": \"0\", \"mmr\": \"0.004\", \"max_leverage\": \"125\" } ] } },\n"
      "  \"population\": { \"model\": \"synthetic\", \"accounts_per_contract\": 20 },\n"
      "  \"policies\": [ \"%s/data/policies/binance-like.json\",\n"
      "                \"%s/data/policies/dydx-like.json\" ] }\n",
      day, src, src);
  bk_t_tmp("rf-scenario.json", scen, sizeof scen);
  bk_t_write(scen, json, (size_t)n);
  bk_t_tmp("rf-target", target, sizeof target);
  bk_t_tmp("rf.stderr", errp, sizeof errp);
  return 0;
}

#define RUN_ARGS(seed) "run", "--quiet", "-o", target, "--seed", seed, scen

/* Runs backstop in a forked child through bk_cli_main. n > 0 arms the fault hook: the
 * n-th injectable call fails (sig 0) or raises sig. Returns the wait status; *calls gets
 * the injectable calls made when the child exited normally. */
static int child(unsigned long n, int sig, const char *const *args, unsigned long *calls) {
  int fd[2];
  assert_int_equal(pipe(fd), 0);
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fd[0]);
    int o = open("/dev/null", O_WRONLY);
    int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (o < 0 || e < 0) _exit(120);
    dup2(o, 1);
    dup2(e, 2);
    char *argv[32];
    int argc = 0;
    argv[argc++] = "backstop";
    for (size_t i = 0; args[i] && argc < 31; i++) argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    if (sig) bk_outfile_kill_after(n, sig);
    else bk_outfile_fail_after(n);
    int code = bk_cli_main(argc, argv);
    unsigned long c = bk_outfile_fail_after(0);
    if (write(fd[1], &c, sizeof c) != (ssize_t)sizeof c) _exit(121);
    fflush(stdout);
    fflush(stderr);
    _exit(code);
  }
  close(fd[1]);
  unsigned long c = 0;
  ssize_t got = read(fd[0], &c, sizeof c);
  close(fd[0]);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0) assert_int_equal(errno, EINTR);
  if (calls) *calls = got == (ssize_t)sizeof c ? c : 0;
  return st;
}

static int exit_code(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : -1; }

/* Runs seed 1 or 2 without faults; the run must succeed. */
static void plain_run(const char *seed) {
  const char *args[] = {RUN_ARGS(seed), NULL};
  int st = child(0, 0, args, NULL);
  if (exit_code(st) != 0) {
    char *msg = bk_t_slurp(errp, NULL);
    fail_msg("seed %s: status %d: %s", seed, st, msg ? msg : "");
  }
}

/* OLD and NEW, taken once; leaves the target holding OLD. */
static void take_old_and_new(void) {
  if (OLD.exists) {
    plain_run("1");
    return;
  }
  rm_rf(target);
  plain_run("2");
  snap_take(target, &NEW);
  plain_run("1");
  snap_take(target, &OLD);
  assert_true(OLD.n >= 8);
  assert_int_equal(OLD.n, NEW.n);
  assert_false(snap_same(&OLD, &NEW));
}

/* 1 when the target is OLD, 2 when NEW; fails the test otherwise. */
static int old_or_new(const char *when) {
  snap now;
  snap_take(target, &now);
  int which = snap_same(&now, &OLD) ? 1 : snap_same(&now, &NEW) ? 2 : 0;
  if (!which) {
    char d[1024];
    snap_describe(&now, d, sizeof d);
    snap_free(&now);
    fail_msg("%s: the run folder is neither the previous nor the new report: %s", when, d);
  }
  snap_free(&now);
  return which;
}

/* The number of injectable calls of a seed-2 run into a folder holding OLD. */
static unsigned long count_steps(void) {
  take_old_and_new();
  const char *args[] = {RUN_ARGS("2"), NULL};
  unsigned long calls = 0;
  assert_int_equal(exit_code(child(ULONG_MAX, 0, args, &calls)), 0);
  assert_true(calls > 14); /* at least a write and a rename per file */
  take_old_and_new();
  return calls;
}

/* ---- the commit, step by step ---- */

static void a_run_failed_at_any_step_leaves_the_previous_report_and_nothing_else(void **state) {
  (void)state;
  unsigned long total = count_steps();
  const char *args[] = {RUN_ARGS("2"), NULL};
  for (unsigned long n = 1; n <= total + 1; n++) {
    unsigned long calls = 0;
    int code = exit_code(child(n, 0, args, &calls));
    char when[64], left[512];
    snprintf(when, sizeof when, "failed call %lu of %lu", n, total);
    if (n <= total) {
      if (code != EX_CANTCREAT) {
        char *msg = bk_t_slurp(errp, NULL);
        fail_msg("%s: exit %d, not 73: %s", when, code, msg ? msg : "");
      }
      if (old_or_new(when) != 1) fail_msg("%s: the failed run replaced the report", when);
    } else {
      assert_int_equal(code, 0);
      assert_int_equal(old_or_new(when), 2);
      plain_run("1");
    }
    if (leftovers(target, left, sizeof left))
      fail_msg("%s: %s is left beside or in the run folder", when, left);
  }
  printf("%lu steps failed in turn, each left the previous report\n", total);
}

static void a_run_killed_at_any_step_leaves_one_complete_report(void **state) {
  (void)state;
  unsigned long total = count_steps();
  const char *args[] = {RUN_ARGS("2"), NULL};
  const char *again[] = {RUN_ARGS("1"), NULL};
  int olds = 0, news = 0, cleaned = 0;
  for (unsigned long n = 1; n <= total; n++) {
    int st = child(n, SIGKILL, args, NULL);
    char when[64], left[512];
    snprintf(when, sizeof when, "killed at call %lu of %lu", n, total);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) fail_msg("%s: status %d", when, st);
    if (old_or_new(when) == 1) olds++;
    else news++;
    /* the next run removes what the killed one left, and says so */
    int had = leftovers_but(target, ".lock", left, sizeof left);
    int code = exit_code(child(0, 0, again, NULL));
    if (code != 0) fail_msg("%s: the next run exited %d", when, code);
    if (had) {
      if (!contains(errp, "no longer runs"))
        fail_msg("%s: the next run did not report removing %s", when, left);
      cleaned++;
    }
    if (leftovers(target, left, sizeof left))
      fail_msg("%s: after the next run, %s is still there", when, left);
    assert_int_equal(old_or_new(when), 1);
  }
  printf("%lu kills: %d left the previous report, %d the new one; the next run cleaned up "
         "after %d\n", total, olds, news, cleaned);
  assert_true(olds > 0 && news > 0);
}

static void a_run_interrupted_at_any_step_cleans_up_and_exits_143(void **state) {
  (void)state;
  unsigned long total = count_steps();
  const char *args[] = {RUN_ARGS("2"), NULL};
  for (unsigned long n = 1; n <= total; n++) {
    int st = child(n, SIGTERM, args, NULL);
    char when[64], left[512];
    snprintf(when, sizeof when, "SIGTERM at call %lu of %lu", n, total);
    if (exit_code(st) != 128 + SIGTERM) fail_msg("%s: status %d, not exit 143", when, st);
    int which = old_or_new(when);
    if (leftovers(target, left, sizeof left))
      fail_msg("%s: %s is left beside or in the run folder", when, left);
    if (which == 2) plain_run("1");
  }
}

/* Where the file system cannot exchange two folders, the previous report is moved
 * aside for the moment of the swap: a kill then may leave no folder, but the previous
 * report whole in TARGET.old.<pid>, and the next run puts it back. */
static void without_rename_exchange_no_report_is_lost_at_any_step(void **state) {
  (void)state;
#ifdef NDEBUG
  printf("SKIP: release builds always use RENAME_EXCHANGE where the file system has it\n");
  skip();
#endif
  unsigned long total = count_steps();
  setenv("BK_RENAME_EXCHANGE", "0", 1);
  unsigned long calls = 0;
  const char *args[] = {RUN_ARGS("2"), NULL};
  const char *again[] = {RUN_ARGS("1"), NULL};
  assert_int_equal(exit_code(child(ULONG_MAX, 0, args, &calls)), 0);
  assert_int_equal(calls, total + 1); /* two renames instead of one exchange */
  assert_int_equal(old_or_new("without exchange"), 2);
  plain_run("1");
  int aside = 0;
  for (unsigned long n = 1; n <= calls; n++) {
    char when[80], left[512];
    snprintf(when, sizeof when, "no exchange, failed call %lu of %lu", n, calls);
    if (exit_code(child(n, 0, args, NULL)) != EX_CANTCREAT) fail_msg("%s: not exit 73", when);
    assert_int_equal(old_or_new(when), 1);
    if (leftovers(target, left, sizeof left)) fail_msg("%s: %s is left", when, left);
    snprintf(when, sizeof when, "no exchange, killed at call %lu of %lu", n, calls);
    int st = child(n, SIGKILL, args, NULL);
    if (!WIFSIGNALED(st)) fail_msg("%s: status %d", when, st);
    struct stat sb;
    if (stat(target, &sb) != 0) {
      /* between the two renames: the previous report is whole, aside; the next run
         puts it back before anything else (its first own step, failed here, stops it) */
      aside++;
      assert_int_equal(exit_code(child(1, 0, again, NULL)), EX_CANTCREAT);
      if (!contains(errp, "put back")) fail_msg("%s: the next run did not put it back", when);
      assert_int_equal(old_or_new(when), 1);
    } else {
      old_or_new(when);
    }
    if (exit_code(child(0, 0, again, NULL)) != 0) fail_msg("%s: the next run failed", when);
    if (leftovers(target, left, sizeof left)) fail_msg("%s: %s is left", when, left);
  }
  unsetenv("BK_RENAME_EXCHANGE");
  printf("%lu steps without exchange; %d kills left the previous report aside, put back\n",
         calls, aside);
  assert_int_equal(aside, 1);
}

/* ---- real processes ---- */

/* Starts the backstop command with BK_PAUSE_AT=step; stderr to err. */
static pid_t start_paused(const char *step, const char *err, const char *const *args) {
  const char *exe = getenv("BK_BACKSTOP");
  assert_non_null(exe);
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int o = open("/dev/null", O_WRONLY);
    int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (o < 0 || e < 0) _exit(120);
    dup2(o, 1);
    dup2(e, 2);
    setenv("BK_PAUSE_AT", step, 1);
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)exe;
    for (size_t i = 0; args[i] && argc < 31; i++) argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    execv(exe, argv);
    _exit(127);
  }
  return pid;
}

/* Waits until the process says it paused (1), or ends without pausing (0: a build
 * without the hook; its status in *st). */
static int wait_paused(pid_t pid, const char *err, int *st) {
  for (int i = 0; i < 400; i++) {
    if (contains(err, "paused at")) return 1;
    if (waitpid(pid, st, WNOHANG) == pid) return 0;
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, st, 0);
  fail_msg("the paused run did not say it paused within 20 s");
  return 0;
}

static void sigterm_at(const char *step) {
  take_old_and_new();
  char err1[512], err2[512], left[512];
  bk_t_tmp("rf-first.stderr", err1, sizeof err1);
  bk_t_tmp("rf-second.stderr", err2, sizeof err2);
  const char *args[] = {RUN_ARGS("2"), NULL};
  unlink(err1); /* so an earlier run's "paused" is not read as this one's */
  pid_t pid = start_paused(step, err1, args);
  int st = 0;
  if (!wait_paused(pid, err1, &st)) {
#ifdef NDEBUG
    printf("SKIP: release builds have no BK_PAUSE_AT hook\n");
    take_old_and_new();
    skip();
#else
    fail_msg("a debug build ran through BK_PAUSE_AT=%s without pausing (status %d)", step, st);
#endif
  }
  /* a second run into the same folder is refused at once, naming the first */
  const char *second[] = {RUN_ARGS("1"), NULL};
  assert_int_equal(bk_t_run(NULL, err2, second), EX_TEMPFAIL);
  char pidtext[32];
  snprintf(pidtext, sizeof pidtext, "pid %ld", (long)pid);
  if (!contains(err2, pidtext) || !contains(err2, target)) {
    char *msg = bk_t_slurp(err2, NULL);
    fail_msg("the refusal names neither the folder nor %s: %s", pidtext, msg ? msg : "");
  }
  assert_int_equal(kill(pid, SIGTERM), 0);
  while (waitpid(pid, &st, 0) < 0) assert_int_equal(errno, EINTR);
  if (exit_code(st) != 128 + SIGTERM) fail_msg("SIGTERM at %s: status %d, not exit 143", step, st);
  assert_int_equal(old_or_new(step), 1);
  if (leftovers(target, left, sizeof left))
    fail_msg("SIGTERM at %s: %s is left beside or in the run folder", step, left);
}

static void sigterm_during_the_replay_keeps_the_previous_report(void **state) {
  (void)state;
  sigterm_at("replay");
}

static void sigterm_before_the_swap_keeps_the_previous_report(void **state) {
  (void)state;
  sigterm_at("commit");
}

static void a_run_into_a_locked_folder_is_refused_with_75_naming_the_holder(void **state) {
  (void)state;
  take_old_and_new();
  char lock[600];
  snprintf(lock, sizeof lock, "%s.lock", target);
  int fd = open(lock, O_RDWR | O_CREAT, 0644);
  assert_true(fd >= 0);
  assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  assert_int_equal(write(fd, pid, (size_t)n), n);
  const char *args[] = {RUN_ARGS("2"), NULL};
  assert_int_equal(bk_t_run(NULL, errp, args), EX_TEMPFAIL);
  snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
  assert_true(contains(errp, pid));
  assert_int_equal(old_or_new("locked"), 1);
  /* released: the run goes through and removes the lock file */
  close(fd);
  assert_int_equal(bk_t_run(NULL, errp, args), 0);
  assert_int_equal(old_or_new("after the lock"), 2);
  char left[512];
  if (leftovers(target, left, sizeof left)) fail_msg("%s is left", left);
}

/* ---- leftovers, bad folders, reruns ---- */

static long dead_pid(void) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) _exit(0);
  int st;
  waitpid(pid, &st, 0);
  return (long)pid;
}

static void leftovers_of_dead_runs_are_removed_and_reported(void **state) {
  (void)state;
  take_old_and_new();
  long dead = dead_pid();
  char tmp[600], aside[600], alive[600], f[700];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld.0000beef", target, dead);
  snprintf(aside, sizeof aside, "%s.old.%ld", target, dead);
  snprintf(alive, sizeof alive, "%s.tmp.%ld.0000cafe", target, (long)getpid());
  mkdir(tmp, 0777);
  mkdir(aside, 0777);
  mkdir(alive, 0777);
  snprintf(f, sizeof f, "%s/fund.csv", tmp);
  bk_t_write(f, "half", 4);
  snprintf(f, sizeof f, "%s/summary.csv", aside);
  bk_t_write(f, "old", 3);
  const char *args[] = {RUN_ARGS("2"), NULL};
  assert_int_equal(exit_code(child(0, 0, args, NULL)), 0);
  struct stat st;
  assert_int_not_equal(stat(tmp, &st), 0);
  assert_int_not_equal(stat(aside, &st), 0);
  assert_int_equal(stat(alive, &st), 0); /* a live process's folder stays */
  assert_true(contains(errp, tmp) && contains(errp, aside) && contains(errp, "left alone"));
  rm_rf(alive);
  assert_int_equal(old_or_new("after cleaning"), 2);
  /* a run killed between moving the previous report aside and the new one in: the
     next run puts the previous one back before anything else */
  snap_free(&NEW);
  snap_free(&OLD);
  take_old_and_new();
  dead = dead_pid();
  snprintf(aside, sizeof aside, "%s.old.%ld", target, dead);
  assert_int_equal(rename(target, aside), 0);
  assert_int_equal(exit_code(child(1, 0, args, NULL)), EX_CANTCREAT); /* its mkdir fails */
  assert_true(contains(errp, "put back"));
  assert_int_equal(old_or_new("put back"), 1);
}

static void bad_output_folders_are_refused_before_the_replay(void **state) {
  (void)state;
  char file[512], under[600], foreign[512], note[600], dot[600];
  bk_t_tmp("rf-a-file", file, sizeof file);
  bk_t_write(file, "mine", 4);
  snprintf(under, sizeof under, "%s/run", file);
  bk_t_tmp("rf-foreign", foreign, sizeof foreign);
  mkdir(foreign, 0777);
  snprintf(note, sizeof note, "%s/notes.txt", foreign);
  bk_t_write(note, "mine", 4);
  snprintf(dot, sizeof dot, "%s/.", foreign);
  const char *outs[] = {file, under, foreign, dot};
  const char *words[] = {"not a folder", "run folder", "notes.txt", "itself"};
  for (size_t i = 0; i < 4; i++) {
    const char *args[] = {"run", "--quiet", "-o", outs[i], scen, NULL};
    char err[512];
    bk_t_tmp("rf-bad.stderr", err, sizeof err);
    /* with the debug hook, a check made after the replay would pause the run 30 s */
    pid_t pid = start_paused("replay", err, args);
    int st;
    while (waitpid(pid, &st, 0) < 0) assert_int_equal(errno, EINTR);
    char *msg = bk_t_slurp(err, NULL);
    if (exit_code(st) != EX_CANTCREAT || !msg || !strstr(msg, outs[i]) ||
        !strstr(msg, words[i]) || strstr(msg, ".tmp.") || strstr(msg, "paused"))
      fail_msg("-o %s: status %d: %s", outs[i], st, msg ? msg : "");
    free(msg);
  }
  assert_true(contains(file, "mine"));
  assert_true(contains(note, "mine"));
}

static void a_rerun_keeps_no_file_of_the_previous_run(void **state) {
  (void)state;
  take_old_and_new();
  char f[700];
  snprintf(f, sizeof f, "%s/calibration.csv", target);
  bk_t_write(f, "policy,minute\n", 14);
  snprintf(f, sizeof f, "%s/fund.csv.tmp.999999", target);
  bk_t_write(f, "half", 4);
  snprintf(f, sizeof f, "%s/fund_USDT.png", target);
  bk_t_write(f, "png", 3);
  const char *args[] = {RUN_ARGS("2"), NULL};
  assert_int_equal(exit_code(child(0, 0, args, NULL)), 0);
  assert_int_equal(old_or_new("rerun"), 2);
}

static void a_scenario_name_cannot_leave_the_output_root(void **state) {
  (void)state;
  /* from cwd a/b/c, out/../../../escaped is a/escaped */
  char root[512], cwd[600], esc[600], kept[700], path[700];
  bk_t_tmp("rf-escape", root, sizeof root);
  rm_rf(root);
  snprintf(cwd, sizeof cwd, "%s/a/b/c", root);
  snprintf(path, sizeof path, "%s/a", root);
  mkdir(root, 0777);
  mkdir(path, 0777);
  snprintf(path, sizeof path, "%s/a/b", root);
  mkdir(path, 0777);
  mkdir(cwd, 0777);
  snprintf(esc, sizeof esc, "%s/a/escaped", root);
  mkdir(esc, 0777);
  snprintf(kept, sizeof kept, "%s/summary.csv", esc);
  bk_t_write(kept, "someone else's\n", 15);
  char *text = bk_t_slurp(scen, NULL);
  assert_non_null(text);
  char *name = strstr(text, "\"tiny\"");
  assert_non_null(name);
  char json[8192];
  snprintf(json, sizeof json, "%.*s\"../../../escaped\"%s", (int)(name - text), text,
           name + 6);
  free(text);
  snprintf(path, sizeof path, "%s/escape.json", root);
  bk_t_write(path, json, strlen(json));
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (chdir(cwd) != 0) _exit(120);
    int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int o = open("/dev/null", O_WRONLY);
    if (e < 0 || o < 0) _exit(120);
    dup2(o, 1);
    dup2(e, 2);
    char *argv[] = {"backstop", "run", "--quiet", path, NULL};
    _exit(bk_cli_main(4, argv));
  }
  int st;
  waitpid(pid, &st, 0);
  char *msg = bk_t_slurp(errp, NULL);
  if (exit_code(st) != EX_CONFIG || !msg || !strstr(msg, "escape.json:1:") ||
      !strstr(msg, "../../../escaped"))
    fail_msg("status %d: %s", st, msg ? msg : "");
  free(msg);
  assert_true(contains(kept, "someone else's"));
  DIR *d = opendir(esc);
  struct dirent *e;
  int n = 0;
  while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
  closedir(d);
  assert_int_equal(n, 1);
  snprintf(path, sizeof path, "%s/a/out", root);
  struct stat sb;
  assert_int_not_equal(stat(path, &sb), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_run_failed_at_any_step_leaves_the_previous_report_and_nothing_else),
      cmocka_unit_test(a_run_killed_at_any_step_leaves_one_complete_report),
      cmocka_unit_test(a_run_interrupted_at_any_step_cleans_up_and_exits_143),
      cmocka_unit_test(without_rename_exchange_no_report_is_lost_at_any_step),
      cmocka_unit_test(sigterm_during_the_replay_keeps_the_previous_report),
      cmocka_unit_test(sigterm_before_the_swap_keeps_the_previous_report),
      cmocka_unit_test(a_run_into_a_locked_folder_is_refused_with_75_naming_the_holder),
      cmocka_unit_test(leftovers_of_dead_runs_are_removed_and_reported),
      cmocka_unit_test(bad_output_folders_are_refused_before_the_replay),
      cmocka_unit_test(a_rerun_keeps_no_file_of_the_previous_run),
      cmocka_unit_test(a_scenario_name_cannot_leave_the_output_root),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
