/*
 * Row splitting and decoding: every real file a decoder accepts gives as many rows as
 * it has data lines (counted here with zlib, libzstd and libzip directly), the same
 * events whatever its codec, read size or thread; the fast splitter agrees with libcsv
 * field by field on real files and fuzzed rows; each format's events follow feed.h; and
 * every broken row is an error naming file, line and column.
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

#include <zip.h>
#include <zlib.h>
#include <zstd.h>

#include "engine/fixed.h"
#include "feeds/feed.h"
#include "feeds/num.h"
#include "feeds/rows.h"
#include "feeds/source.h"
#include "tests/testutil.h"

/* ---- helpers ---- */

typedef struct evs {
  bk_event *v;
  size_t n, cap;
  bk_rc rc;
  bk_err err;
  bk_feed_info info;
  char format[40]; /* info.file.format, kept after the feed is freed */
} evs;

/* Decodes all of path; the result holds the events, the final rc and the info. */
static evs collect(const char *path, bk_instruments *in, const bk_feed_opts *o) {
  evs e;
  memset(&e, 0, sizeof e);
  bk_feed *f;
  e.rc = bk_feed_open(path, in, o, &f, &e.err);
  if (e.rc) return e;
  bk_event ev;
  while ((e.rc = bk_feed_next(f, &ev)) == BK_OK) {
    if (e.n == e.cap) {
      e.cap = e.cap ? e.cap * 2 : 1024;
      e.v = realloc(e.v, e.cap * sizeof *e.v);
      assert_non_null(e.v);
    }
    e.v[e.n++] = ev;
  }
  e.err = *bk_feed_error(f);
  e.info = *bk_feed_info_get(f);
  snprintf(e.format, sizeof e.format, "%s", e.info.file.format);
  e.info.file.format = NULL; /* use e.format: e is returned by value */
  e.info.file.path = e.info.file.codec = NULL;
  bk_feed_free(f);
  return e;
}

static void expect_same_events(const evs *a, const evs *b) {
  assert_int_equal(a->n, b->n);
  for (size_t i = 0; i < a->n; i++)
    if (memcmp(&a->v[i], &b->v[i], sizeof a->v[i]) != 0) fail_msg("event %zu differs", i);
}

static const char *fixture(const char *name, char *buf, size_t cap) {
  const char *root = getenv("BK_SOURCE_DIR");
  snprintf(buf, cap, "%s/tests/fixtures/feeds/%s", root && *root ? root : ".", name);
  return buf;
}

/* Counts the non-empty lines of decompressed bytes, chunk by chunk. */
typedef struct counter {
  uint64_t lines;
  int in_line;
} counter;

static void count_bytes(counter *c, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '\n') {
      if (c->in_line) c->lines++;
      c->in_line = 0;
    } else if (p[i] != '\r') {
      c->in_line = 1;
    }
  }
}

/* Data rows of a file (non-empty lines less the header), decompressed independently. */
static uint64_t count_rows(const char *path) {
  counter c = {0, 0};
  static unsigned char buf[1 << 16];
  size_t len = strlen(path);
  if (len > 4 && strcmp(path + len - 4, ".zip") == 0) {
    int ze;
    zip_t *z = zip_open(path, ZIP_RDONLY, &ze);
    assert_non_null(z);
    zip_file_t *zf = zip_fopen_index(z, 0, 0);
    assert_non_null(zf);
    zip_int64_t n;
    while ((n = zip_fread(zf, buf, sizeof buf)) > 0) count_bytes(&c, buf, (size_t)n);
    zip_fclose(zf);
    zip_discard(z);
  } else if (len > 4 && strcmp(path + len - 4, ".zst") == 0) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    ZSTD_DCtx *d = ZSTD_createDCtx();
    static unsigned char in[1 << 16];
    size_t n;
    while ((n = fread(in, 1, sizeof in, f)) > 0) {
      ZSTD_inBuffer ib = {in, n, 0};
      while (ib.pos < ib.size) {
        ZSTD_outBuffer ob = {buf, sizeof buf, 0};
        assert_false(ZSTD_isError(ZSTD_decompressStream(d, &ob, &ib)));
        count_bytes(&c, buf, ob.pos);
      }
    }
    for (;;) { /* flush */
      ZSTD_inBuffer ib = {in, 0, 0};
      ZSTD_outBuffer ob = {buf, sizeof buf, 0};
      ZSTD_decompressStream(d, &ob, &ib);
      if (ob.pos == 0) break;
      count_bytes(&c, buf, ob.pos);
    }
    ZSTD_freeDCtx(d);
    fclose(f);
  } else { /* gzopen reads plain files as they are, and every gzip member */
    gzFile g = gzopen(path, "rb");
    assert_non_null(g);
    int n;
    while ((n = gzread(g, buf, sizeof buf)) > 0) count_bytes(&c, buf, (size_t)n);
    gzclose(g);
  }
  if (c.in_line) c.lines++;
  return c.lines - 1;
}

/* Lists the files of the real-data folders the decoders must accept. */
static size_t market_files(char paths[][1024], size_t cap) {
  static const char *dirs[] = {"binance-futures-btcusdt-2023-04-05", "binance-delivery-2025-10-10",
                               "binance-2025-10-10-depth-and-mark", "tardis-format-samples"};
  size_t n = 0;
  for (size_t d = 0; d < 4; d++) {
    char dir[512];
    bk_t_data(dirs[d], dir, sizeof dir);
    DIR *h = opendir(dir);
    assert_non_null(h);
    struct dirent *e;
    while ((e = readdir(h)) && n < cap) {
      if (e->d_name[0] == '.' || strstr(e->d_name, ".md")) continue;
      if (snprintf(paths[n], 1024, "%s/%s", dir, e->d_name) < 1024) n++;
    }
    closedir(h);
  }
  return n;
}

/* ---- real files ---- */

static void rows_equal_the_data_lines_of_every_real_file(void **state) {
  (void)state;
  static char paths[64][1024];
  size_t n = market_files(paths, 64);
  assert_true(n >= 20);
  for (size_t i = 0; i < n; i++) {
    bk_instruments in;
    bk_instruments_init(&in);
    evs e = collect(paths[i], &in, NULL);
    if (e.rc != BK_EOF) fail_msg("%s: %s", paths[i], e.err.msg);
    uint64_t want = count_rows(paths[i]);
    printf("  %-100s %-20s %8llu rows %8zu events\n", paths[i], e.format,
           (unsigned long long)e.info.file.rows, e.n);
    assert_true(e.info.file.rows == want);
    assert_true(e.info.file.events == e.n);
    /* every format gives at least one event per row here */
    assert_true(e.n >= e.info.file.rows);
    assert_true(e.info.bytes_in == e.info.bytes_total);
    assert_true(e.info.n_symbols >= 1);
    free(e.v);
    bk_instruments_fini(&in);
  }
}

static void real_file_counts_match_the_published_figures(void **state) {
  (void)state;
  /* the data README states these counts for the two files of each kind together;
   * its "book updates" are the is_snapshot=false rows */
  static const struct { const char *glob; uint64_t rows; } want[] = {
      {"incremental_book_L2", 322682}, {"trades", 12934}, {"quotes", 44205},
      {"derivative_ticker", 514}};
  for (size_t k = 0; k < 4; k++) {
    uint64_t total = 0;
    const char *days[] = {"2023-04-04", "2023-04-05"};
    for (int d = 0; d < 2; d++) {
      char rel[256], p[512];
      snprintf(rel, sizeof rel, "binance-futures-btcusdt-2023-04-05/binance-futures_%s_%s_BTCUSDT.csv.zst",
               want[k].glob, days[d]);
      bk_t_data(rel, p, sizeof p);
      bk_instruments in;
      bk_instruments_init(&in);
      evs e = collect(p, &in, NULL);
      assert_int_equal(e.rc, BK_EOF);
      uint64_t rows = e.info.file.rows;
      if (k == 0) {
        rows = 0;
        for (size_t i = 0; i < e.n; i++) rows += e.v[i].kind == BK_EV_BOOK;
      }
      total += rows;
      free(e.v);
      bk_instruments_fini(&in);
    }
    printf("  %s: %llu rows\n", want[k].glob, (unsigned long long)total);
    assert_true(total == want[k].rows);
  }
}

/* Writes the decompressed bytes of a real file to plain, .gz and .zst copies. */
static void make_copies(const char *src, char *plain, char *gz, char *zst) {
  size_t n = 0, cap = 1 << 20;
  unsigned char *all = malloc(cap);
  bk_source *s;
  assert_int_equal(bk_source_open(src, NULL, &s, NULL), BK_OK);
  size_t got;
  for (;;) {
    if (n == cap) all = realloc(all, cap *= 2);
    bk_rc rc = bk_source_read(s, all + n, cap - n, &got);
    if (rc == BK_EOF) break;
    assert_int_equal(rc, BK_OK);
    n += got;
  }
  bk_source_free(s);
  bk_t_write(plain, all, n);
  gzFile g = gzopen(gz, "wb6");
  assert_non_null(g);
  assert_int_equal(gzwrite(g, all, (unsigned)n), (int)n);
  assert_int_equal(gzclose(g), Z_OK);
  size_t zc = ZSTD_compressBound(n);
  unsigned char *z = malloc(zc);
  size_t zn = ZSTD_compress(z, zc, all, n, 3);
  assert_false(ZSTD_isError(zn));
  bk_t_write(zst, z, zn);
  free(z);
  free(all);
}

static void codecs_read_sizes_and_thread_give_identical_events(void **state) {
  (void)state;
  char src[512], plain[512], gz[512], zst[512];
  bk_t_data("binance-futures-btcusdt-2023-04-05/binance-futures_derivative_ticker_2023-04-05_BTCUSDT.csv.zst",
            src, sizeof src);
  bk_t_tmp("binance-futures_derivative_ticker_2023-04-05_BTCUSDT.csv", plain, sizeof plain);
  bk_t_tmp("binance-futures_derivative_ticker_2023-04-05_BTCUSDT.csv.gz", gz, sizeof gz);
  bk_t_tmp("binance-futures_derivative_ticker_2023-04-05_BTCUSDT.csv.zst", zst, sizeof zst);
  make_copies(src, plain, gz, zst);
  bk_instruments in;
  bk_instruments_init(&in);
  bk_feed_opts o;
  bk_feed_opts_init(&o);
  evs ref = collect(src, &in, &o);
  assert_int_equal(ref.rc, BK_EOF);
  assert_true(ref.n > 500);
  const char *copies[] = {plain, gz, zst};
  for (int i = 0; i < 3; i++) {
    for (int mode = 0; mode < 4; mode++) {
      bk_feed_opts m = o;
      m.read_size = mode == 0 ? 1 : mode == 1 ? (1u << 20) : 4096;
      m.threaded = mode >= 2;
      if (mode == 3) m.read_size = 1;
      evs e = collect(copies[i], &in, &m);
      if (e.rc != BK_EOF) fail_msg("%s: %s", copies[i], e.err.msg);
      expect_same_events(&ref, &e);
      free(e.v);
    }
  }
  free(ref.v);
  /* a large real file: 1 MiB reads with and without the thread, and 1-byte reads */
  bk_t_data("binance-futures-btcusdt-2023-04-05/binance-futures_trades_2023-04-05_BTCUSDT.csv.zst",
            src, sizeof src);
  ref = collect(src, &in, &o);
  assert_int_equal(ref.rc, BK_EOF);
  bk_feed_opts m = o;
  m.threaded = 1;
  evs e = collect(src, &in, &m);
  expect_same_events(&ref, &e);
  free(e.v);
  m.read_size = 1;
  m.threaded = 0;
  e = collect(src, &in, &m);
  expect_same_events(&ref, &e);
  free(e.v);
  free(ref.v);
  bk_instruments_fini(&in);
}

/* ---- differential: fast splitter vs libcsv ---- */

/* Reads path twice, fast and reference; compares every row field by field. */
static uint64_t compare_splitters(const char *path) {
  bk_source *s1, *s2;
  assert_int_equal(bk_source_open(path, NULL, &s1, NULL), BK_OK);
  assert_int_equal(bk_source_open(path, NULL, &s2, NULL), BK_OK);
  bk_rows *fast, *ref;
  assert_int_equal(bk_rows_new(s1, 0, 0, 0, &fast, NULL), BK_OK);
  assert_int_equal(bk_rows_new(s2, 0, 0, 1, &ref, NULL), BK_OK);
  uint64_t rows = 0;
  for (;;) {
    const bk_row *a, *b;
    bk_rc ra = bk_rows_next(fast, &a), rb = bk_rows_next(ref, &b);
    assert_int_equal(ra, rb);
    if (ra) {
      assert_int_equal(ra, BK_EOF);
      break;
    }
    rows++;
    assert_true(a->line == b->line);
    if (a->nf != b->nf) fail_msg("%s:%llu: %zu vs %zu fields", path, (unsigned long long)a->line, a->nf, b->nf);
    for (size_t i = 0; i < a->nf; i++)
      if (a->n[i] != b->n[i] || memcmp(a->f[i], b->f[i], a->n[i]) != 0)
        fail_msg("%s:%llu: field %zu differs", path, (unsigned long long)a->line, i);
  }
  assert_true(bk_rows_blank(fast) == bk_rows_blank(ref));
  bk_rows_free(fast);
  bk_rows_free(ref);
  bk_source_free(s1);
  bk_source_free(s2);
  return rows;
}

static void fast_splitter_agrees_with_libcsv_on_every_real_file(void **state) {
  (void)state;
  static char paths[64][1024];
  size_t n = market_files(paths, 64);
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) total += compare_splitters(paths[i]);
  printf("  %zu files, %llu rows compared\n", n, (unsigned long long)total);
  assert_true(total > 400000);
}

/* A random field: characters that matter to CSV, and plain ones. */
static size_t rand_field(uint64_t *st, char *out) {
  static const char alpha[] = "ab9.-, \"\r\n\tx";
  size_t len = bk_t_rand(st) % 7;
  int plain_only = bk_t_rand(st) % 2; /* half the fields need no quotes */
  for (size_t i = 0; i < len; i++) {
    size_t k = bk_t_rand(st) % (plain_only ? 6 : sizeof alpha - 1);
    out[i] = plain_only ? "ab9.- "[k] : alpha[k];
  }
  return len;
}

static void fast_splitter_agrees_with_libcsv_on_fuzzed_rows(void **state) {
  (void)state;
  uint64_t st = bk_t_seed();
  enum { ROWS = 5000, MAXF = 9 };
  static char want[ROWS][MAXF][8];
  static size_t wlen[ROWS][MAXF], wnf[ROWS];
  size_t cap = (size_t)ROWS * MAXF * 20, n = 0;
  char *text = malloc(cap);
  size_t quoted_rows = 0;
  for (size_t r = 0; r < ROWS; r++) {
    wnf[r] = 1 + bk_t_rand(&st) % MAXF;
    int any_quote = 0;
    for (size_t i = 0; i < wnf[r]; i++) {
      size_t len = rand_field(&st, want[r][i]);
      wlen[r][i] = len;
      int q = memchr(want[r][i], ',', len) || memchr(want[r][i], '"', len) ||
              memchr(want[r][i], '\r', len) || memchr(want[r][i], '\n', len) ||
              (wnf[r] == 1 && len == 0) || bk_t_rand(&st) % 10 == 0;
      if (i) text[n++] = ',';
      if (q) {
        any_quote = 1;
        text[n++] = '"';
        for (size_t k = 0; k < len; k++) {
          if (want[r][i][k] == '"') text[n++] = '"';
          text[n++] = want[r][i][k];
        }
        text[n++] = '"';
      } else {
        memcpy(text + n, want[r][i], len);
        n += len;
      }
    }
    quoted_rows += (size_t)any_quote;
    if (bk_t_rand(&st) % 3 == 0) text[n++] = '\r';
    text[n++] = '\n';
    if (bk_t_rand(&st) % 20 == 0) text[n++] = '\n'; /* a blank line now and then */
  }
  char p[512];
  bk_t_write(bk_t_tmp("fuzz_rows.csv", p, sizeof p), text, n);
  for (int reference = 0; reference < 2; reference++) {
    bk_source *s;
    bk_source_opts so = {reference ? 3 : 0, 0, 0}; /* odd read size for the reference pass */
    assert_int_equal(bk_source_open(p, &so, &s, NULL), BK_OK);
    bk_rows *rows;
    assert_int_equal(bk_rows_new(s, so.read_size, 0, reference, &rows, NULL), BK_OK);
    for (size_t r = 0; r < ROWS; r++) {
      const bk_row *row;
      bk_rc rc = bk_rows_next(rows, &row);
      if (rc) fail_msg("row %zu: %s", r, bk_rows_error(rows)->msg);
      if (row->nf != wnf[r]) fail_msg("row %zu (%s): %zu fields, want %zu", r,
                                      reference ? "libcsv" : "fast", row->nf, wnf[r]);
      for (size_t i = 0; i < wnf[r]; i++)
        if (row->n[i] != wlen[r][i] || memcmp(row->f[i], want[r][i], wlen[r][i]) != 0)
          fail_msg("row %zu field %zu differs (%s)", r, i, reference ? "libcsv" : "fast");
    }
    const bk_row *row;
    assert_int_equal(bk_rows_next(rows, &row), BK_EOF);
    bk_rows_free(rows);
    bk_source_free(s);
  }
  printf("  %d rows, %zu quoted (libcsv path), %zu unquoted (fast path)\n", ROWS, quoted_rows,
         ROWS - quoted_rows);
  assert_true(quoted_rows > 100 && ROWS - quoted_rows > 100);
  free(text);
}

static void fast_split_hands_back_quoted_lines_and_splits_the_rest(void **state) {
  (void)state;
  bk_row row;
  memset(&row, 0, sizeof row);
  assert_int_equal(bk_split_fast("a,\"b\"", 5, &row), BK_EFORMAT);
  assert_int_equal(bk_split_fast(",a,,b ,", 7, &row), BK_OK);
  assert_int_equal(row.nf, 5);
  assert_int_equal(row.n[0], 0);
  assert_memory_equal(row.f[3], "b ", 2); /* no trimming */
  assert_int_equal(row.n[4], 0);
  bk_row_fini(&row);
}


/* ---- number fast paths vs the engine's parser ---- */

static void number_fast_paths_match_the_engine_parser(void **state) {
  (void)state;
  uint64_t st = bk_t_seed();
  static const char alpha[] = "0123456789.-+e x";
  size_t fast_ok = 0;
  for (int k = 0; k < 200000; k++) {
    char s[32];
    size_t n = 0;
    if (k % 2) { /* shaped like market data: sign, digits, point, digits */
      if (bk_t_rand(&st) % 4 == 0) s[n++] = bk_t_rand(&st) % 8 ? '-' : '+';
      size_t a = bk_t_rand(&st) % 13, b = bk_t_rand(&st) % 11;
      for (size_t i = 0; i < a; i++) s[n++] = (char)('0' + bk_t_rand(&st) % 10);
      if (bk_t_rand(&st) % 3) s[n++] = '.';
      for (size_t i = 0; i < b; i++) s[n++] = (char)('0' + bk_t_rand(&st) % 10);
      if (bk_t_rand(&st) % 50 == 0) s[bk_t_rand(&st) % (n + 1)] = alpha[bk_t_rand(&st) % 16];
    } else { /* anything */
      n = bk_t_rand(&st) % 24;
      for (size_t i = 0; i < n; i++) s[i] = alpha[bk_t_rand(&st) % (sizeof alpha - 1)];
    }
    int64_t a = 7, b = 7, c = 7, d = 7;
    bk_rc ra = bk_num_fx(s, n, &a, NULL), rb = bk_fx_parse(s, n, &b, NULL);
    if (ra != rb || a != b) fail_msg("fx '%.*s': fast %d %lld, engine %d %lld", (int)n, s, ra, (long long)a, rb, (long long)b);
    ra = bk_num_int(s, n, &c, NULL);
    rb = bk_int_parse(s, n, &d, NULL);
    if (ra != rb || c != d) fail_msg("int '%.*s': fast %d %lld, engine %d %lld", (int)n, s, ra, (long long)c, rb, (long long)d);
    fast_ok += ra == BK_OK;
  }
  const char *edge[] = {"9999999999.99999999", "-9999999999.99999999", "999999999999999999",
                        "92233720368.54775807", "0.00000001", "-0", "5.", ".5", "1680652800016000"};
  for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) {
    int64_t a = 1, b = 1; /* left alone by both on an error */
    size_t n = strlen(edge[i]);
    assert_int_equal(bk_num_fx(edge[i], n, &a, NULL), bk_fx_parse(edge[i], n, &b, NULL));
    assert_true(a == b);
    a = b = 1;
    assert_int_equal(bk_num_int(edge[i], n, &a, NULL), bk_int_parse(edge[i], n, &b, NULL));
    assert_true(a == b);
  }
  assert_true(fast_ok > 1000);
}

/* ---- formats ---- */

static void incremental_l2_marks_the_first_row_of_each_snapshot_run(void **state) {
  (void)state;
  char p[512];
  bk_instruments in;
  bk_instruments_init(&in);
  evs e = collect(fixture("deribit_incremental_book_L2_2020-04-01_BTC-PERPETUAL.csv", p, sizeof p), &in, NULL);
  assert_int_equal(e.rc, BK_EOF);
  assert_int_equal(e.n, 6);
  const uint8_t kinds[] = {BK_EV_BOOK, BK_EV_SNAPSHOT, BK_EV_SNAPSHOT, BK_EV_BOOK, BK_EV_SNAPSHOT, BK_EV_SNAPSHOT};
  const uint8_t flags[] = {0, BK_EVF_RESET, 0, 0, BK_EVF_RESET, 0};
  for (size_t i = 0; i < 6; i++) {
    assert_int_equal(e.v[i].kind, kinds[i]);
    assert_int_equal(e.v[i].flags, flags[i]);
  }
  assert_true(e.v[1].price == BK_FX(6421) + BK_FX_SCALE / 2 && e.v[1].qty == BK_FX(18640));
  assert_int_equal(e.v[1].side, BK_ASK);
  assert_int_equal(e.v[3].side, BK_BID);
  assert_true(e.v[3].qty == 0);
  assert_true(e.v[0].ts == 1000 && e.v[0].local_ts == 1001);
  assert_true(e.info.file.rows == 6 && e.info.blank_lines == 1);
  assert_true(e.info.snapshot_runs == 2);
  assert_string_equal(e.format, "incremental_book_L2");
  assert_string_equal(in.v[e.v[0].instr].exchange, "deribit");
  assert_string_equal(in.v[e.v[0].instr].symbol, "BTC-PERPETUAL");
  free(e.v);
  bk_instruments_fini(&in);
}

static void book_snapshot_n_emits_each_non_empty_level_asks_then_bids(void **state) {
  (void)state;
  char p[512];
  bk_instruments in;
  bk_instruments_init(&in);
  evs e = collect(fixture("tardis_binance-futures_book_snapshot_2_BTCUSDT.csv", p, sizeof p), &in, NULL);
  if (e.rc != BK_EOF) fail_msg("%s", e.err.msg);
  assert_string_equal(e.format, "book_snapshot_2");
  assert_int_equal(e.n, 7); /* 3 (bids[1] empty) + 4 */
  assert_int_equal(e.v[0].flags, BK_EVF_RESET);
  assert_int_equal(e.v[1].flags, 0);
  assert_int_equal(e.v[3].flags, BK_EVF_RESET);
  assert_true(e.v[0].side == BK_ASK && e.v[0].price == BK_FX(100) + BK_FX_SCALE / 2);
  assert_true(e.v[1].side == BK_ASK && e.v[1].price == BK_FX(101) && e.v[1].qty == BK_FX(3));
  assert_true(e.v[2].side == BK_BID && e.v[2].price == BK_FX(100) && e.v[2].qty == BK_FX(2));
  assert_true(e.v[6].side == BK_BID && e.v[6].price == BK_FX(99) && e.v[6].qty == BK_FX(4));
  assert_true(e.info.snapshot_runs == 2);
  for (size_t i = 0; i < e.n; i++) assert_int_equal(e.v[i].kind, BK_EV_SNAPSHOT);
  free(e.v);
  /* the real book_snapshot_25 sample: 50 levels a row when the book is full */
  bk_t_data("tardis-format-samples/tardis_binance-futures_book_snapshot_25_BTCUSDT.csv", p, sizeof p);
  e = collect(p, &in, NULL);
  assert_int_equal(e.rc, BK_EOF);
  assert_string_equal(e.format, "book_snapshot_25");
  assert_true(e.n == 50 * e.info.file.rows);
  free(e.v);
  bk_instruments_fini(&in);
}

static void ticker_emits_one_event_per_non_empty_field(void **state) {
  (void)state;
  char p[512];
  bk_instruments in;
  bk_instruments_init(&in);
  evs e = collect(fixture("binance-futures_derivative_ticker_2023-04-05_BTCUSDT.csv", p, sizeof p), &in, NULL);
  assert_int_equal(e.rc, BK_EOF);
  assert_true(e.info.file.rows == 3);
  assert_int_equal(e.n, 5);
  assert_int_equal(e.v[0].kind, BK_EV_FUNDING);
  assert_true(e.v[0].price == 2760); /* 0.0000276 */
  assert_true(e.v[0].aux == INT64_C(1680652800000000));
  assert_int_equal(e.v[1].kind, BK_EV_INDEX);
  assert_true(e.v[1].price == INT64_C(2816504857143));
  assert_int_equal(e.v[2].kind, BK_EV_MARK);
  assert_true(e.v[2].price == INT64_C(2815510000000));
  assert_int_equal(e.v[3].kind, BK_EV_OI);
  assert_true(e.v[3].qty == INT64_C(1234550000000));
  assert_int_equal(e.v[4].kind, BK_EV_LAST);
  assert_true(e.v[4].price == BK_FX(28160));
  free(e.v);
  bk_instruments_fini(&in);
}

static void quotes_trades_and_liquidations_fill_their_fields(void **state) {
  (void)state;
  char p[512];
  bk_instruments in;
  bk_instruments_init(&in);
  evs e = collect(fixture("binance-futures_quotes_2023-04-05_BTCUSDT.csv", p, sizeof p), &in, NULL);
  assert_int_equal(e.rc, BK_EOF);
  assert_int_equal(e.n, 2);
  assert_int_equal(e.v[0].kind, BK_EV_QUOTE);
  assert_true(e.v[0].price == INT64_C(2815510000000) && e.v[0].qty == 6000000);
  assert_true(e.v[0].aux == INT64_C(2815520000000) && e.v[0].aux2 == 373000000);
  assert_true(e.v[1].aux == 0 && e.v[1].aux2 == 0 && e.v[1].qty == 7000000);
  free(e.v);
  e = collect(fixture("binance-futures_liquidations_2023-04-05_BTCUSDT.csv", p, sizeof p), &in, NULL);
  assert_int_equal(e.rc, BK_EOF);
  assert_string_equal(e.format, "liquidations");
  assert_int_equal(e.n, 2);
  assert_true(e.v[0].kind == BK_EV_LIQ && e.v[0].side == BK_SELL && e.v[0].qty == 25000000);
  assert_true(e.v[1].side == BK_BUY);
  free(e.v);
  e = collect(fixture("bitmex_trades_2020-03-01_XBTUSD.csv", p, sizeof p), &in, NULL);
  assert_int_equal(e.rc, BK_EOF);
  assert_string_equal(e.format, "trades");
  assert_int_equal(e.n, 3);
  assert_true(e.v[0].kind == BK_EV_TRADE && e.v[0].side == BK_BUY && e.v[0].qty == BK_FX(2152));
  assert_true(e.v[2].side == BK_SIDE_NONE); /* "unknown", on a quoted row */
  free(e.v);
  bk_instruments_fini(&in);
}

static void book_depth_takes_symbol_from_the_file_name(void **state) {
  (void)state;
  char p[512];
  bk_instruments in;
  bk_instruments_init(&in);
  evs e = collect(fixture("BTCUSDT-bookDepth-2025-10-10.csv", p, sizeof p), &in, NULL);
  if (e.rc != BK_EOF) fail_msg("%s", e.err.msg);
  assert_int_equal(e.n, 2);
  assert_true(e.v[0].kind == BK_EV_DEPTH && e.v[0].side == BK_BID);
  assert_true(e.v[0].ts == INT64_C(1760054407000000) && e.v[0].local_ts == e.v[0].ts);
  assert_true(e.v[0].aux == -BK_FX(5) && e.v[0].qty == INT64_C(824301200000));
  assert_true(e.v[0].price == INT64_C(97998331420560000));
  assert_true(e.v[1].side == BK_ASK && e.v[1].aux == BK_FX(1));
  assert_string_equal(in.v[e.v[0].instr].exchange, "binance-futures");
  assert_string_equal(in.v[e.v[0].instr].symbol, "BTCUSDT");
  free(e.v);
  bk_instruments_fini(&in);
}

static void mark_klines_follow_the_documented_path(void **state) {
  (void)state;
  char p[512];
  bk_instruments in;
  bk_instruments_init(&in);
  evs e = collect(fixture("BTCUSD_PERP-markPriceKlines-1m-2025-10-10.csv", p, sizeof p), &in, NULL);
  if (e.rc != BK_EOF) fail_msg("%s", e.err.msg);
  assert_int_equal(e.n, 8);
  const int64_t t0 = INT64_C(1760054400000000);
  /* bar 1 closes above its open: open, low, high, close */
  const int64_t ts[8] = {t0, t0 + 20000000, t0 + 40000000, t0 + 59999000,
                         t0 + 60000000, t0 + 80000000, t0 + 100000000, t0 + 119999000};
  const int64_t px[8] = {BK_FX(121662), BK_FX(121662), INT64_C(12173753736410), INT64_C(12168900965205),
                         INT64_C(12168900965205), INT64_C(12172824075549), BK_FX(121679) + 20000000,
                         BK_FX(121600)};
  for (size_t i = 0; i < 8; i++) {
    assert_int_equal(e.v[i].kind, BK_EV_MARK);
    assert_true(e.v[i].ts == ts[i]);
    assert_true(e.v[i].price == px[i]);
    assert_int_equal(e.v[i].flags, (i % 4 == 1 || i % 4 == 2) ? BK_EVF_SYNTH : 0);
  }
  assert_string_equal(in.v[e.v[0].instr].exchange, "binance-delivery");
  assert_string_equal(in.v[e.v[0].instr].symbol, "BTCUSD_PERP");
  free(e.v);
  /* the real zip: 1440 one-minute bars */
  bk_t_data("binance-2025-10-10-depth-and-mark/BTCUSD_PERP-markPriceKlines-1m-2025-10-10.zip", p, sizeof p);
  e = collect(p, &in, NULL);
  assert_int_equal(e.rc, BK_EOF);
  assert_true(e.info.file.rows == 1440 && e.n == 4 * 1440);
  assert_string_equal(e.format, "markPriceKlines");
  assert_int_equal(in.n, 1); /* the same instrument as the fixture */
  free(e.v);
  bk_instruments_fini(&in);
}


static void kline_files_without_a_header_are_read_from_the_first_row(void **state) {
  (void)state;
  char p[512];
  const char text[] = "1589846400000,9700.1,9800,9600.5,9650,0,1589846459999,0,60,0,0,0\n"
                      "1589846460000,9650,9660,9640,9655,0,1589846519999,0,60,0,0,0\n";
  bk_t_write(bk_t_tmp("BTCUSDT-indexPriceKlines-1m-2020-05-19.csv", p, sizeof p), text, sizeof text - 1);
  bk_instruments in;
  bk_instruments_init(&in);
  evs e = collect(p, &in, NULL);
  if (e.rc != BK_EOF) fail_msg("%s", e.err.msg);
  assert_true(e.info.file.rows == 2);
  assert_int_equal(e.n, 8);
  assert_int_equal(e.v[0].kind, BK_EV_INDEX);
  assert_true(e.v[0].ts == INT64_C(1589846400000000) && e.v[0].price == BK_FX(9700) + 10000000);
  /* close < open: high first, then low */
  assert_true(e.v[1].price == BK_FX(9800) && e.v[2].price == BK_FX(9600) + 50000000);
  assert_true(e.v[4].ts == INT64_C(1589846460000000));
  free(e.v);
  bk_instruments_fini(&in);
}

/* ---- broken inputs ---- */

static evs decode_text(const char *name, const char *text) {
  char p[512];
  bk_t_write(bk_t_tmp(name, p, sizeof p), text, strlen(text));
  bk_instruments in;
  bk_instruments_init(&in);
  evs e = collect(p, &in, NULL);
  bk_instruments_fini(&in);
  printf("  %s -> %s: %s\n", name, bk_rc_name(e.rc), e.err.msg);
  return e;
}

#define TRADES_HDR "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"

static void bad_prices_are_errors_naming_file_line_and_column(void **state) {
  (void)state;
  const char *bad[] = {"nan", "1e5", "0x10", "", "inf", " 1"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char text[512], want[128];
    snprintf(text, sizeof text, TRADES_HDR "bitmex,XBTUSD,1,2,a,buy,100,1\nbitmex,XBTUSD,3,4,b,sell,%s,1\n", bad[i]);
    evs e = decode_text("bad_price_trades.csv", text);
    assert_int_equal(e.rc, BK_EDATA);
    assert_int_equal(e.n, 1); /* the good row came out, nothing of the bad one */
    snprintf(want, sizeof want, "bad_price_trades.csv:3: column 'price': expected a decimal number, got \"%s\"", bad[i]);
    assert_non_null(strstr(e.err.msg, want));
    free(e.v);
  }
}

static void missing_field_and_bad_timestamp_are_errors(void **state) {
  (void)state;
  evs e = decode_text("missing_field.csv", TRADES_HDR "bitmex,XBTUSD,1,2,a,buy,100\n");
  assert_int_equal(e.rc, BK_EDATA);
  assert_non_null(strstr(e.err.msg, "missing_field.csv:2: expected 8 fields as in the header, got 7"));
  free(e.v);
  e = decode_text("bad_ts.csv", TRADES_HDR "bitmex,XBTUSD,1.5,2,a,buy,100,1\n");
  assert_int_equal(e.rc, BK_EDATA);
  assert_non_null(strstr(e.err.msg, "bad_ts.csv:2: column 'timestamp': expected an integer, got \"1.5\""));
  free(e.v);
  e = decode_text("bad_side.csv", TRADES_HDR "bitmex,XBTUSD,1,2,a,long,100,1\n");
  assert_int_equal(e.rc, BK_EDATA);
  assert_non_null(strstr(e.err.msg, "column 'side'"));
  free(e.v);
}

static void unterminated_quote_at_eof_is_an_error(void **state) {
  (void)state;
  evs e = decode_text("open_quote.csv", TRADES_HDR "bitmex,XBTUSD,1,2,\"a,buy,100,1\n\n");
  assert_int_equal(e.rc, BK_EDATA);
  assert_non_null(strstr(e.err.msg, "open_quote.csv:2: a quoted field is still open at the end of the file"));
  free(e.v);
  e = decode_text("stray_quote.csv", TRADES_HDR "bitmex,XBTUSD,1,2,a\"b,buy,100,1\n");
  assert_int_equal(e.rc, BK_EDATA);
  assert_non_null(strstr(e.err.msg, "stray_quote.csv:2: malformed CSV"));
  free(e.v);
}

static void unknown_headers_are_unsupported_with_the_list(void **state) {
  (void)state;
  evs e = decode_text("mystery.csv", "a,b,c\n1,2,3\n");
  assert_int_equal(e.rc, BK_EFORMAT);
  assert_non_null(strstr(e.err.msg, "mystery.csv:1: unsupported file: header \"a,b,c\""));
  assert_non_null(strstr(e.err.msg, "incremental_book_L2"));
  assert_non_null(strstr(e.err.msg, "bookDepth"));
  e = decode_text("empty.csv", "");
  assert_int_equal(e.rc, BK_EFORMAT);
  char p[512];
  const char *fh[] = {"funding-history/binance_BTCUSDT_perp_funding_utc.csv",
                      "funding-history/bitmex_XBTUSD_funding_2016-2020.csv",
                      "funding-history/deribit_BTC-PERPETUAL_funding_hourly_2019-2021.csv.gz",
                      "hyperliquid-2023/liquidations.csv"};
  for (size_t i = 0; i < 4; i++) {
    bk_instruments in;
    bk_instruments_init(&in);
    e = collect(bk_t_data(fh[i], p, sizeof p), &in, NULL);
    printf("  %s\n", e.err.msg);
    assert_int_equal(e.rc, BK_EFORMAT);
    assert_non_null(strstr(e.err.msg, "unsupported"));
    assert_non_null(strstr(e.err.msg, p));
    bk_instruments_fini(&in);
  }
}

static void missing_file_and_directory_fail_to_open_a_feed(void **state) {
  (void)state;
  char p[512];
  bk_instruments in;
  bk_instruments_init(&in);
  evs e = collect(bk_t_tmp("nope_trades.csv.gz", p, sizeof p), &in, NULL);
  assert_int_equal(e.rc, BK_ENOINPUT);
  assert_non_null(strstr(e.err.msg, p));
  bk_t_tmp("dir_as_file.csv", p, sizeof p);
  mkdir(p, 0777);
  e = collect(p, &in, NULL);
  assert_int_equal(e.rc, BK_ENOINPUT);
  assert_non_null(strstr(e.err.msg, "directory"));
  bk_instruments_fini(&in);
}

static void long_line_is_an_error_not_a_huge_buffer(void **state) {
  (void)state;
  size_t n = 2u << 20;
  char *t = malloc(n + 100);
  strcpy(t, TRADES_HDR);
  size_t h = strlen(t);
  memset(t + h, '7', n);
  t[h + n] = '\0';
  evs e = decode_text("long_line_trades.csv", t);
  assert_int_equal(e.rc, BK_EDATA);
  assert_non_null(strstr(e.err.msg, "long_line_trades.csv:2: line 2 longer than 1048576 bytes"));
  free(t);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fast_splitter_agrees_with_libcsv_on_fuzzed_rows),
      cmocka_unit_test(fast_split_hands_back_quoted_lines_and_splits_the_rest),
      cmocka_unit_test(number_fast_paths_match_the_engine_parser),
      cmocka_unit_test(incremental_l2_marks_the_first_row_of_each_snapshot_run),
      cmocka_unit_test(ticker_emits_one_event_per_non_empty_field),
      cmocka_unit_test(quotes_trades_and_liquidations_fill_their_fields),
      cmocka_unit_test(book_depth_takes_symbol_from_the_file_name),
      cmocka_unit_test(kline_files_without_a_header_are_read_from_the_first_row),
      cmocka_unit_test(bad_prices_are_errors_naming_file_line_and_column),
      cmocka_unit_test(missing_field_and_bad_timestamp_are_errors),
      cmocka_unit_test(unterminated_quote_at_eof_is_an_error),
      cmocka_unit_test(missing_file_and_directory_fail_to_open_a_feed),
      cmocka_unit_test(long_line_is_an_error_not_a_huge_buffer),
  };
  /* tests that read the shared real data: `test_decode --data` (ctest: test_decode_data) */
  const struct CMUnitTest data_tests[] = {
      cmocka_unit_test(rows_equal_the_data_lines_of_every_real_file),
      cmocka_unit_test(real_file_counts_match_the_published_figures),
      cmocka_unit_test(codecs_read_sizes_and_thread_give_identical_events),
      cmocka_unit_test(fast_splitter_agrees_with_libcsv_on_every_real_file),
      cmocka_unit_test(book_snapshot_n_emits_each_non_empty_level_asks_then_bids),
      cmocka_unit_test(mark_klines_follow_the_documented_path),
      cmocka_unit_test(unknown_headers_are_unsupported_with_the_list),
  };
  if (bk_t_data_mode(argc, argv))
    return bk_t_data_exit(cmocka_run_group_tests_name("real data", data_tests, NULL, NULL));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
