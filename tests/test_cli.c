/*
 * The backstop command as a user meets it: inspect's row counts on every real file,
 * identical replays whatever the codec, buffer size or thread count, and broken inputs
 * that must end in a clear message naming the file and place, with a sysexits.h code.
 *
 * Row counts are checked against an independent count made here with zlib, libzstd and
 * libzip directly (newlines minus the header, blank lines excluded), not through the
 * project's readers.
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
#include <zip.h>
#include <zlib.h>
#include <zstd.h>

#include "tests/testutil.h"

/* --- independent line counting ------------------------------------------------------ */

typedef struct counter {
  uint64_t lines, blank;
  int at_start; /* next byte starts a line */
  int only_cr;  /* the current line so far is empty or "\r" */
} counter;

static void count_bytes(counter *c, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (c->at_start) {
      c->at_start = 0;
      c->only_cr = 1;
    }
    if (p[i] == '\n') {
      c->lines++;
      if (c->only_cr) c->blank++;
      c->at_start = 1;
    } else if (p[i] != '\r') {
      c->only_cr = 0;
    }
  }
}

static void count_end(counter *c) {
  if (!c->at_start) { /* last line without newline */
    c->lines++;
    if (c->only_cr) c->blank++;
  }
}

static int ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && !strcmp(s + n - k, suf);
}

/* Data rows of a CSV file: lines minus blank ones minus the header. */
static uint64_t data_rows(const char *path) {
  counter c = {0, 0, 1, 1};
  unsigned char buf[1 << 16];
  if (ends_with(path, ".zst")) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    ZSTD_DCtx *z = ZSTD_createDCtx();
    unsigned char in[1 << 16];
    size_t got;
    while ((got = fread(in, 1, sizeof in, f)) > 0) {
      ZSTD_inBuffer ib = {in, got, 0};
      while (ib.pos < ib.size) {
        ZSTD_outBuffer ob = {buf, sizeof buf, 0};
        size_t r = ZSTD_decompressStream(z, &ob, &ib);
        assert_false(ZSTD_isError(r));
        count_bytes(&c, buf, ob.pos);
      }
    }
    ZSTD_freeDCtx(z);
    fclose(f);
  } else if (ends_with(path, ".zip")) {
    int e;
    zip_t *za = zip_open(path, ZIP_RDONLY, &e);
    assert_non_null(za);
    zip_file_t *zf = zip_fopen_index(za, 0, 0);
    assert_non_null(zf);
    zip_int64_t got;
    while ((got = zip_fread(zf, buf, sizeof buf)) > 0) count_bytes(&c, buf, (size_t)got);
    zip_fclose(zf);
    zip_close(za);
  } else { /* gzopen reads plain files as they are */
    gzFile g = gzopen(path, "rb");
    assert_non_null(g);
    int got;
    while ((got = gzread(g, buf, sizeof buf)) > 0) count_bytes(&c, buf, (size_t)got);
    gzclose(g);
  }
  count_end(&c);
  return c.lines - c.blank - 1;
}

/* --- running the command ------------------------------------------------------------ */

static int run(const char *out, const char *err, const char *a0, const char *a1,
               const char *a2, const char *a3, const char *a4) {
  const char *args[] = {a0, a1, a2, a3, a4, NULL};
  return bk_t_run(out, err, args);
}

/* The "rows" column (third) of inspect's CSV second line. */
static uint64_t inspect_rows(const char *path) {
  char out[4096], err[4096];
  bk_t_tmp("inspect.csv", out, sizeof out);
  bk_t_tmp("inspect.err", err, sizeof err);
  int st = run(out, err, "inspect", "--format", "csv", path, NULL);
  char *text = bk_t_slurp(out, NULL), *msg = bk_t_slurp(err, NULL);
  if (st != 0) fail_msg("inspect %s exited %d: %s", path, st, msg);
  char *line = strchr(text, '\n');
  assert_non_null(line);
  line++;
  assert_true(strncmp(text, "file,format,rows,", 17) == 0);
  /* the file name may be quoted; the path has no comma in our data */
  char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
  assert_non_null(c2);
  uint64_t rows = strtoull(c2 + 1, NULL, 10);
  free(text);
  free(msg);
  return rows;
}

static void inspect_counts_every_row_of_every_real_file(void **state) {
  (void)state;
  static const char *const dirs[] = {
      "binance-futures-btcusdt-2023-04-05", "binance-delivery-2025-10-10",
      "binance-2025-10-10-depth-and-mark", "tardis-format-samples"};
  int files = 0;
  for (size_t d = 0; d < sizeof dirs / sizeof *dirs; d++) {
    char dir[8192];
    bk_t_data(dirs[d], dir, sizeof dir);
    DIR *dh = opendir(dir);
    assert_non_null(dh);
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
      if (e->d_name[0] == '.') continue;
      char path[8192 + 512];
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      uint64_t want = data_rows(path), got = inspect_rows(path);
      if (want != got)
        fail_msg("%s: inspect says %llu rows, the file has %llu", path,
                 (unsigned long long)got, (unsigned long long)want);
      files++;
    }
    closedir(dh);
  }
  printf("%d files: every row counted\n", files);
  assert_true(files >= 27);
}

static void funding_histories_are_reported_unsupported(void **state) {
  (void)state;
  char path[4096], out[4096], err[4096];
  bk_t_data("funding-history/bitmex_XBTUSD_funding_2016-2020.csv", path, sizeof path);
  bk_t_tmp("unsup.out", out, sizeof out);
  bk_t_tmp("unsup.err", err, sizeof err);
  assert_int_equal(run(out, err, "inspect", path, NULL, NULL, NULL), EX_DATAERR);
  char *msg = bk_t_slurp(err, NULL);
  assert_non_null(strstr(msg, "bitmex_XBTUSD_funding_2016-2020.csv"));
  assert_non_null(strstr(msg, "unsupported"));
  assert_non_null(strstr(msg, "incremental_book_L2")); /* lists what is supported */
  free(msg);
}

/* --- identical replays -------------------------------------------------------------- */

static void write_plain_and_gz(const char *zst, const char *plain, const char *gz) {
  FILE *in = fopen(zst, "rb"), *out = fopen(plain, "wb");
  gzFile g = gzopen(gz, "wb6");
  assert_non_null(in);
  assert_non_null(out);
  assert_non_null(g);
  ZSTD_DCtx *z = ZSTD_createDCtx();
  unsigned char ibuf[1 << 16], obuf[1 << 16];
  size_t got;
  while ((got = fread(ibuf, 1, sizeof ibuf, in)) > 0) {
    ZSTD_inBuffer ib = {ibuf, got, 0};
    while (ib.pos < ib.size) {
      ZSTD_outBuffer ob = {obuf, sizeof obuf, 0};
      assert_false(ZSTD_isError(ZSTD_decompressStream(z, &ob, &ib)));
      assert_int_equal(fwrite(obuf, 1, ob.pos, out), ob.pos);
      assert_int_equal(gzwrite(g, obuf, (unsigned)ob.pos), (int)ob.pos);
    }
  }
  ZSTD_freeDCtx(z);
  fclose(in);
  assert_int_equal(fclose(out), 0);
  assert_int_equal(gzclose(g), Z_OK);
}

static int replay_tob(const char *input, const char *out, const char *const *extra) {
  const char *args[12];
  size_t n = 0;
  args[n++] = "replay";
  args[n++] = "--quiet";
  args[n++] = "--tob-csv";
  args[n++] = out;
  for (; extra && *extra; extra++) args[n++] = *extra;
  args[n++] = input;
  args[n] = NULL;
  return bk_t_run(NULL, NULL, args);
}

static void gz_zst_and_plain_copies_replay_byte_identically(void **state) {
  (void)state;
  char zst[4096], plain[4096], gz[4096], a[4096], b[4096], c[4096];
  bk_t_data("binance-futures-btcusdt-2023-04-05/"
            "binance-futures_incremental_book_L2_2023-04-05_BTCUSDT.csv.zst",
            zst, sizeof zst);
  bk_t_tmp("l2.csv", plain, sizeof plain);
  bk_t_tmp("l2.csv.gz", gz, sizeof gz);
  write_plain_and_gz(zst, plain, gz);
  bk_t_tmp("tob-zst.csv", a, sizeof a);
  bk_t_tmp("tob-plain.csv", b, sizeof b);
  bk_t_tmp("tob-gz.csv", c, sizeof c);
  assert_int_equal(replay_tob(zst, a, NULL), 0);
  assert_int_equal(replay_tob(plain, b, NULL), 0);
  assert_int_equal(replay_tob(gz, c, NULL), 0);
  size_t n;
  char *text = bk_t_slurp(a, &n);
  assert_true(n > 100000); /* thousands of top-of-book changes */
  free(text);
  assert_true(bk_t_same_file(a, b));
  assert_true(bk_t_same_file(a, c));
}

static void buffer_size_and_threads_do_not_change_the_replay(void **state) {
  (void)state;
  char zst[4096], a[4096], b[4096], c[4096];
  bk_t_data("binance-futures-btcusdt-2023-04-05/"
            "binance-futures_incremental_book_L2_2023-04-04_BTCUSDT.csv.zst",
            zst, sizeof zst);
  bk_t_tmp("tob-1.csv", a, sizeof a);
  bk_t_tmp("tob-big.csv", b, sizeof b);
  bk_t_tmp("tob-thr.csv", c, sizeof c);
  const char *one[] = {"--read-size", "1", "--threads", "1", NULL};
  const char *big[] = {"--read-size", "4194304", "--threads", "1", NULL};
  const char *thr[] = {"--read-size", "7", "--threads", "2", NULL};
  assert_int_equal(replay_tob(zst, a, one), 0);
  assert_int_equal(replay_tob(zst, b, big), 0);
  assert_int_equal(replay_tob(zst, c, thr), 0);
  assert_true(bk_t_same_file(a, b));
  assert_true(bk_t_same_file(a, c));
}

/* --- broken inputs ------------------------------------------------------------------ */

/* Runs replay on path; checks the exit code and that stderr names `name` and contains
 * each of the `want` strings. */
static void expect_fail(const char *path, int code, const char *name, const char *w1,
                        const char *w2) {
  char err[4096];
  bk_t_tmp("fail.err", err, sizeof err);
  int st = run(NULL, err, "replay", "--quiet", path, NULL, NULL);
  char *msg = bk_t_slurp(err, NULL);
  assert_non_null(msg);
  printf("  %s -> %d: %s", name, st, msg);
  if (st != code) fail_msg("%s: exit %d, expected %d (%s)", path, st, code, msg);
  assert_non_null(strstr(msg, name));
  if (w1) assert_non_null(strstr(msg, w1));
  if (w2) assert_non_null(strstr(msg, w2));
  free(msg);
}

static const char head[] = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n";

static void write_trades(const char *name, const char *rows, char *path, size_t cap) {
  bk_t_tmp(name, path, cap);
  size_t n = strlen(head) + strlen(rows);
  char *buf = malloc(n + 1);
  assert_non_null(buf);
  strcpy(buf, head);
  strcat(buf, rows);
  bk_t_write(path, buf, n);
  free(buf);
}

static void bad_numbers_and_rows_name_file_line_and_column(void **state) {
  (void)state;
  static const char ok[] = "bitmex,XBTUSD,1583020803145000,1583020803307160,a,sell,8531.5,2152\n";
  const struct {
    const char *file, *bad_row, *want;
  } cases[] = {
      {"nan.csv", "bitmex,XBTUSD,1583020803276000,1583020803336743,b,sell,nan,1\n", "nan"},
      {"exp.csv", "bitmex,XBTUSD,1583020803276000,1583020803336743,b,sell,1e5,1\n", "1e5"},
      {"hex.csv", "bitmex,XBTUSD,1583020803276000,1583020803336743,b,sell,0x10,1\n", "0x10"},
      {"empty.csv", "bitmex,XBTUSD,1583020803276000,1583020803336743,b,sell,,1\n", "price"},
      {"short.csv", "bitmex,XBTUSD,1583020803276000,1583020803336743,b,sell,8531.5\n", ":3"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char rows[512], path[4096];
    snprintf(rows, sizeof rows, "%s%s", ok, cases[i].bad_row);
    write_trades(cases[i].file, rows, path, sizeof path);
    expect_fail(path, EX_DATAERR, cases[i].file, ":3", cases[i].want);
  }
}

static void unterminated_quote_and_unknown_header_are_bad_data(void **state) {
  (void)state;
  char path[4096];
  write_trades("quote.csv",
               "bitmex,XBTUSD,1583020803145000,1583020803307160,\"a,sell,8531.5,2152\n", path,
               sizeof path);
  expect_fail(path, EX_DATAERR, "quote.csv", NULL, NULL);
  bk_t_tmp("unknown.csv", path, sizeof path);
  bk_t_write(path, "when,what\n1,2\n", 14);
  expect_fail(path, EX_DATAERR, "unknown.csv", "incremental_book_L2", "trades");
}

static void corrupt_compressed_files_are_bad_data_with_an_offset(void **state) {
  (void)state;
  char src[4096], path[4096];
  bk_t_data("binance-futures-btcusdt-2023-04-05/"
            "binance-futures_trades_2023-04-05_BTCUSDT.csv.zst", src, sizeof src);
  size_t n;
  char *z = bk_t_slurp(src, &n);
  assert_non_null(z);
  /* truncated: the last 100 bytes cut */
  bk_t_tmp("cut.csv.zst", path, sizeof path);
  bk_t_write(path, z, n - 100);
  expect_fail(path, EX_DATAERR, "cut.csv.zst", "byte", NULL);
  /* a flipped byte in the middle (the frame has a checksum) */
  z[n / 2] = (char)(z[n / 2] ^ 0x5a);
  bk_t_tmp("flip.csv.zst", path, sizeof path);
  bk_t_write(path, z, n);
  expect_fail(path, EX_DATAERR, "flip.csv.zst", "byte", NULL);
  free(z);
  /* gzip: a flipped byte in the deflate stream */
  bk_t_data("tardis-format-samples/tardis_binance-futures_trades_BTCUSDT_2020-02-22_10k.csv.gz",
            src, sizeof src);
  z = bk_t_slurp(src, &n);
  assert_non_null(z);
  z[n / 2] = (char)(z[n / 2] ^ 0x5a);
  bk_t_tmp("flip.csv.gz", path, sizeof path);
  bk_t_write(path, z, n);
  expect_fail(path, EX_DATAERR, "flip.csv.gz", "byte", NULL);
  free(z);
}

static void missing_inputs_exit_66(void **state) {
  (void)state;
  char path[4096];
  bk_t_tmp("no-such-file.csv", path, sizeof path);
  unlink(path);
  expect_fail(path, EX_NOINPUT, "no-such-file.csv", NULL, NULL);
  /* a folder with nothing readable in it */
  bk_t_tmp("empty-dir", path, sizeof path);
  mkdir(path, 0777);
  expect_fail(path, EX_NOINPUT, "empty-dir", NULL, NULL);
  /* a path through a file, where a folder is expected */
  char file[2048];
  write_trades("plain.csv", "", file, sizeof file);
  snprintf(path, sizeof path, "%s/inside.csv", file);
  expect_fail(path, EX_NOINPUT, "inside.csv", NULL, NULL);
  /* an unreadable folder (root reads everything, so only as another user) */
  if (geteuid() != 0) {
    bk_t_tmp("locked-dir", path, sizeof path);
    mkdir(path, 0777);
    chmod(path, 0);
    expect_fail(path, EX_NOINPUT, "locked-dir", NULL, NULL);
    chmod(path, 0755);
  } else {
    printf("  (unreadable folder: not testable as root, permissions do not bind root)\n");
  }
}

static void usage_errors_exit_64(void **state) {
  (void)state;
  assert_int_equal(run(NULL, NULL, "replay", NULL, NULL, NULL, NULL), EX_USAGE);
  assert_int_equal(run(NULL, NULL, "replay", "--threads", "9", "x", NULL), EX_USAGE);
  assert_int_equal(run(NULL, NULL, "replay", "--from", "yesterday", "x", NULL), EX_USAGE);
  assert_int_equal(run(NULL, NULL, "inspect", "--format", "xml", "x", NULL), EX_USAGE);
  assert_int_equal(run(NULL, NULL, "no-such-command", NULL, NULL, NULL, NULL), EX_USAGE);
  assert_int_equal(run(NULL, NULL, "replay", "--help", NULL, NULL, NULL), 0);
}

static void tob_csv_is_not_left_behind_when_the_replay_fails(void **state) {
  (void)state;
  char bad[4096], out[4096];
  write_trades("bad-for-tob.csv",
               "bitmex,XBTUSD,1583020803145000,1583020803307160,a,sell,nan,2152\n", bad,
               sizeof bad);
  bk_t_tmp("never.csv", out, sizeof out);
  unlink(out);
  assert_int_equal(run(NULL, NULL, "replay", "--tob-csv", out, bad, NULL), EX_DATAERR);
  struct stat st;
  assert_true(stat(out, &st) != 0); /* no file under the final name */
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(bad_numbers_and_rows_name_file_line_and_column),
      cmocka_unit_test(unterminated_quote_and_unknown_header_are_bad_data),
      cmocka_unit_test(missing_inputs_exit_66),
      cmocka_unit_test(usage_errors_exit_64),
      cmocka_unit_test(tob_csv_is_not_left_behind_when_the_replay_fails),
  };
  /* tests that read the shared real data: `test_cli --data` (ctest: test_cli_data) */
  const struct CMUnitTest data_tests[] = {
      cmocka_unit_test(inspect_counts_every_row_of_every_real_file),
      cmocka_unit_test(funding_histories_are_reported_unsupported),
      cmocka_unit_test(gz_zst_and_plain_copies_replay_byte_identically),
      cmocka_unit_test(buffer_size_and_threads_do_not_change_the_replay),
      cmocka_unit_test(corrupt_compressed_files_are_bad_data_with_an_offset),
  };
  if (bk_t_data_mode(argc, argv))
    return bk_t_data_exit(cmocka_run_group_tests_name("real data", data_tests, NULL, NULL));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
