/*
 * The event cache (feeds/cache.h) end to end: a run or replay that writes the cache and
 * one that reads it give the same bytes as one without it, on the built-in default day
 * and (in the data group) on Binance's BTCUSDT day of 2023-04-05; a cache with a byte
 * changed in its header or its events, or cut short, is named as corrupt and rebuilt; an
 * input touched, changed at its end behind an unchanged time, added or removed makes it
 * stale, named and rebuilt; a cache of other options under this one's name is not taken
 * for it; a cache folder that cannot be made is refused with 73. And
 * the checksum itself: any one byte changed changes it, however the bytes are fed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "feeds/cache.h"
#include "tests/testutil.h"

static char dir[4096];   /* the scratch folder, also the working directory */
static char cache[4200]; /* the cache folder */

/* Runs the command with or without the cache; stderr into err (may be NULL). */
static int run(int cached, const char *err, const char *const *args) {
  if (cached) setenv("BK_CACHE_DIR", cache, 1);
  else unsetenv("BK_CACHE_DIR");
  int st = bk_t_run(NULL, err, args);
  unsetenv("BK_CACHE_DIR");
  return st;
}

/* 1 when the file at path holds needle. */
static int file_has(const char *path, const char *needle) {
  char *text = bk_t_slurp(path, NULL);
  int has = text && strstr(text, needle);
  if (!has) print_message("%s: no \"%s\" in: %s\n", path, needle, text ? text : "(none)");
  free(text);
  return has;
}

/* The one cache file in the cache folder, into buf. */
static const char *cache_file(char *buf, size_t cap) {
  DIR *d = opendir(cache);
  assert_non_null(d);
  struct dirent *e;
  int found = 0;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".bkev")) {
      assert_false(found); /* one input set, one file, no temporary left behind */
      snprintf(buf, cap, "%s/%s", cache, e->d_name);
      found = 1;
    }
  closedir(d);
  assert_true(found);
  return buf;
}

static void rm_cache(void) {
  DIR *d = opendir(cache);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char p[8448];
    snprintf(p, sizeof p, "%s/%s", cache, e->d_name);
    remove(p);
  }
  if (d) closedir(d);
}

static int setup(void **state) {
  (void)state;
  bk_t_tmp("work", dir, sizeof dir);
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir); /* what an earlier run left */
  if (system(cmd) != 0 || mkdir(dir, 0777) != 0 || chdir(dir) != 0) return -1;
  snprintf(cache, sizeof cache, "%s/cache", dir);
  /* one hour of the synthetic day, for the replays below */
  const char *args[] = {"synth", "-o", "hour", "--hours", "1", NULL};
  return run(0, NULL, args) == 0 ? 0 : -1;
}

/* ---- the checksum ---- */

static void any_one_byte_changed_changes_the_checksum_however_fed(void **state) {
  (void)state;
  unsigned char buf[203]; /* not a multiple of the 32-byte block: a tail is summed too */
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 37 + 11);
  bk_cache_sum s;
  bk_cache_sum_init(&s);
  bk_cache_sum_update(&s, buf, sizeof buf);
  uint64_t whole = bk_cache_sum_final(&s);
  /* fed in uneven pieces: the same sum */
  bk_cache_sum_init(&s);
  for (size_t at = 0, k = 1; at < sizeof buf; at += k, k = k * 3 % 41 + 1)
    bk_cache_sum_update(&s, buf + at, at + k > sizeof buf ? sizeof buf - at : k);
  assert_true(bk_cache_sum_final(&s) == whole);
  for (size_t i = 0; i < sizeof buf; i++)
    for (int bit = 0; bit < 8; bit++) {
      buf[i] ^= (unsigned char)(1u << bit);
      bk_cache_sum_init(&s);
      bk_cache_sum_update(&s, buf, sizeof buf);
      assert_true(bk_cache_sum_final(&s) != whole);
      buf[i] ^= (unsigned char)(1u << bit);
    }
  /* one zero byte more or less is another sum: the length counts */
  bk_cache_sum_init(&s);
  bk_cache_sum_update(&s, buf, sizeof buf - 1);
  assert_true(bk_cache_sum_final(&s) != whole);
}

/* ---- runs ---- */

/* Compares the report files of two run folders. */
static void same_reports(const char *a, const char *b) {
  static const char *const files[] = {"summary.csv", "fund.csv", "liquidations.csv",
                                      "adl.csv", "quality.csv", "population.csv",
                                      "manifest.json", "scenario.json", "charts.gp", NULL};
  for (size_t i = 0; files[i]; i++) {
    char pa[8448], pb[8448];
    snprintf(pa, sizeof pa, "%s/%s", a, files[i]);
    snprintf(pb, sizeof pb, "%s/%s", b, files[i]);
    if (!bk_t_same_file(pa, pb)) fail_msg("%s differs from %s", pb, pa);
  }
}

/* Runs args (whose -o is "res"; not --quiet, so that a run reading the cache says so)
 * without the cache, writing it, and reading it: the three run folders must be the same
 * bytes (the command line, which the manifest records, is
 * the same: the cache is chosen by the environment). */
static void three_runs_agree(const char *const *args) {
  rm_cache();
  char err[8448];
  snprintf(err, sizeof err, "%s/run.err", dir);
  int st = run(0, err, args);
  if (st) fail_msg("run exited %d: %s", st, bk_t_slurp(err, NULL));
  assert_int_equal(rename("res", "res-plain"), 0);
  assert_int_equal(run(1, err, args), 0); /* writes the cache */
  assert_int_equal(rename("res", "res-writing"), 0);
  char path[8448];
  cache_file(path, sizeof path);
  assert_int_equal(run(1, err, args), 0); /* reads it */
  assert_true(file_has(err, "replaying the events cached in"));
  same_reports("res-plain", "res-writing");
  same_reports("res-plain", "res");
  const char *const rm[] = {"res", "res-plain", "res-writing"};
  for (size_t i = 0; i < 3; i++) {
    char cmd[8448];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/%s'", dir, rm[i]);
    assert_int_equal(system(cmd), 0);
  }
}

static void the_default_day_reports_the_same_bytes_from_the_cache(void **state) {
  (void)state;
  const char *const args[] = {"run", "-o", "res", NULL};
  three_runs_agree(args);
}

/* ---- replays: corruption and staleness ---- */

/* `replay` of the hour with its top-of-book file and summary: with the cache, they must
 * be what they are without it. stderr goes to replay.err. */
static void replay_as_without(void) {
  const char *const plain[] = {"replay", "--tob-csv", "tob-plain.csv", "hour", NULL};
  const char *const cached[] = {"replay", "--tob-csv", "tob.csv", "hour", NULL};
  assert_int_equal(bk_t_run("sum-plain.txt", NULL, plain), 0);
  setenv("BK_CACHE_DIR", cache, 1);
  int st = bk_t_run("sum.txt", "replay.err", cached);
  unsetenv("BK_CACHE_DIR");
  if (st) fail_msg("replay exited %d: %s", st, bk_t_slurp("replay.err", NULL));
  assert_true(bk_t_same_file("tob-plain.csv", "tob.csv"));
  assert_true(bk_t_same_file("sum-plain.txt", "sum.txt"));
}

/* Writes byte v at offset at of path (or cuts it to at bytes when v < 0). */
static void poke(const char *path, long at, int v) {
  if (v < 0) {
    assert_int_equal(truncate(path, at), 0);
    return;
  }
  int fd = open(path, O_WRONLY);
  assert_true(fd >= 0);
  unsigned char b = (unsigned char)v;
  assert_int_equal(pwrite(fd, &b, 1, at), 1);
  close(fd);
}

static void a_corrupt_cache_is_named_and_rebuilt(void **state) {
  (void)state;
  rm_cache();
  replay_as_without(); /* writes it */
  char path[8448];
  cache_file(path, sizeof path);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  /* byte 0 is the magic's 'B'; the middle of the file is events; the header says how
     long the file is */
  const struct {
    long at;
    int v;
    const char *why;
  } cases[] = {
      {0, 'X', "is corrupt: it does not start with BKEVCACH"},
      {(long)st.st_size / 2, 0x5a, "is corrupt: its checksum does not match its contents"},
      {(long)st.st_size - 1000, -1, "is corrupt: it holds"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    /* the byte in the middle may already be 0x5a: flip it in that case */
    int v = cases[i].v;
    if (v >= 0) {
      char *bytes = bk_t_slurp(path, NULL);
      if ((unsigned char)bytes[cases[i].at] == v) v ^= 0xff;
      free(bytes);
    }
    poke(path, cases[i].at, v);
    replay_as_without();
    assert_true(file_has("replay.err", cases[i].why));
    assert_true(file_has("replay.err", "rebuilding it"));
    replay_as_without(); /* rebuilt: read back, the same bytes */
    assert_true(file_has("replay.err", "replaying the events cached in"));
  }
}

/* The L2 file of the hour. */
static const char *book_file(char *buf, size_t cap) {
  DIR *d = opendir("hour");
  assert_non_null(d);
  struct dirent *e;
  buf[0] = '\0';
  while ((e = readdir(d)))
    if (strstr(e->d_name, "incremental_book_L2")) snprintf(buf, cap, "hour/%s", e->d_name);
  closedir(d);
  assert_true(buf[0] != '\0');
  return buf;
}

static void a_changed_input_makes_the_cache_stale_and_it_is_rebuilt(void **state) {
  (void)state;
  rm_cache();
  replay_as_without();
  char book[4096];
  book_file(book, sizeof book);
  /* touched: a new modification time */
  struct timespec later[2] = {{0, UTIME_OMIT}, {2000000000, 0}};
  assert_int_equal(utimensat(AT_FDCWD, book, later, 0), 0);
  replay_as_without();
  assert_true(file_has("replay.err", "is stale: hour/"));
  assert_true(file_has("replay.err", "changed since the cache was written (mtime)"));
  replay_as_without();
  assert_true(file_has("replay.err", "replaying the events cached in"));
  /* its last byte changed behind the same size and time: the last byte is part of the
     zstd frame's content checksum (synth writes one frame with a checksum), so the data
     itself is now refused, and the cache must not hide that */
  struct stat st;
  assert_int_equal(stat(book, &st), 0);
  char *bytes = bk_t_slurp(book, NULL);
  unsigned char last = (unsigned char)bytes[st.st_size - 1];
  free(bytes);
  poke(book, (long)st.st_size - 1, last ^ 1);
  struct timespec same[2] = {{0, UTIME_OMIT}, st.st_mtim};
  assert_int_equal(utimensat(AT_FDCWD, book, same, 0), 0);
  setenv("BK_CACHE_DIR", cache, 1);
  const char *const args[] = {"replay", "hour", NULL};
  int code = bk_t_run(NULL, "replay.err", args);
  unsetenv("BK_CACHE_DIR");
  assert_true(file_has("replay.err", "changed since the cache was written (ends)"));
  assert_int_equal(code, EX_DATAERR); /* the rebuild read the data, which is now bad */
  poke(book, (long)st.st_size - 1, last);
  /* a file added to the folder, then removed */
  bk_t_write("hour/notes.txt", "not market data\n", 16);
  replay_as_without();
  assert_true(file_has("replay.err", "is stale: hour/notes.txt is new"));
  assert_int_equal(remove("hour/notes.txt"), 0);
  replay_as_without();
  assert_true(file_has("replay.err", "is stale: hour/notes.txt is gone"));
}

/* A cache copied under the name of another request (another --strict) is not taken for
 * it: the request is compared whole, not only its hash. */
static void a_cache_of_other_options_is_not_taken_for_this_one(void **state) {
  (void)state;
  rm_cache();
  replay_as_without();
  char plain[8448], strict[8448];
  cache_file(plain, sizeof plain);
  const char *const args[] = {"replay", "--strict", "hour", NULL};
  assert_int_equal(run(1, "replay.err", args), 0);
  assert_int_equal(rename(plain, "plain.bkev"), 0);
  cache_file(strict, sizeof strict); /* the only one left: --strict's */
  assert_true(strcmp(plain, strict) != 0);
  assert_int_equal(rename("plain.bkev", strict), 0);
  assert_int_equal(run(1, "replay.err", args), 0);
  assert_true(file_has("replay.err", "is stale: it was written for other inputs or options"));
}

static void a_cache_folder_that_cannot_be_made_is_refused(void **state) {
  (void)state;
  bk_t_write("a-file", "x", 1);
  setenv("BK_CACHE_DIR", "a-file/cache", 1);
  const char *const args[] = {"replay", "hour", NULL};
  int code = bk_t_run(NULL, "replay.err", args);
  unsetenv("BK_CACHE_DIR");
  assert_int_equal(code, EX_CANTCREAT);
  assert_true(file_has("replay.err", "a-file"));
}

/* ---- real data ---- */

static void a_real_day_replays_and_runs_the_same_from_the_cache(void **state) {
  (void)state;
  char data[4096];
  bk_t_data("binance-futures-btcusdt-2023-04-05", data, sizeof data);
  rm_cache();
  const char *const plain[] = {"replay", "--tob-csv", "tob-plain.csv", data, NULL};
  const char *const cached[] = {"replay", "--tob-csv", "tob.csv", data, NULL};
  assert_int_equal(bk_t_run("sum-plain.txt", NULL, plain), 0);
  for (int i = 0; i < 2; i++) { /* writing, then reading */
    assert_int_equal(run(1, "replay.err", cached), 0);
    assert_true(bk_t_same_file("tob-plain.csv", "tob.csv"));
  }
  assert_true(file_has("replay.err", "replaying the events cached in"));
  const char *const args[] = {"run", "--data", data, "-o", "res", NULL};
  three_runs_agree(args);
}

int main(int argc, char **argv) {
  if (bk_t_data_mode(argc, argv)) {
    const struct CMUnitTest data[] = {
        cmocka_unit_test(a_real_day_replays_and_runs_the_same_from_the_cache),
    };
    return bk_t_data_exit(cmocka_run_group_tests(data, setup, NULL));
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(any_one_byte_changed_changes_the_checksum_however_fed),
      cmocka_unit_test(the_default_day_reports_the_same_bytes_from_the_cache),
      cmocka_unit_test(a_corrupt_cache_is_named_and_rebuilt),
      cmocka_unit_test(a_changed_input_makes_the_cache_stale_and_it_is_rebuilt),
      cmocka_unit_test(a_cache_of_other_options_is_not_taken_for_this_one),
      cmocka_unit_test(a_cache_folder_that_cannot_be_made_is_refused),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
