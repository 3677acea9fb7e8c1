/*
 * Byte sources and the line reader: codec detection by magic, multi-member gzip and
 * multi-frame zstd, identical bytes whatever the read size or thread, and every broken
 * input an error naming the file and the compressed byte offset, never a short read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zip.h>
#include <zlib.h>
#include <zstd.h>

#include "feeds/lines.h"
#include "engine/sha256.h"
#include "feeds/source.h"
#include "tests/testutil.h"

/* ---- independent compressors (zlib and libzstd directly) ---- */

static unsigned char *gz_pack(const void *src, size_t n, size_t *out_n) {
  z_stream z;
  memset(&z, 0, sizeof z);
  assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  size_t cap = deflateBound(&z, (uLong)n) + 64;
  unsigned char *out = malloc(cap);
  assert_non_null(out);
  z.next_in = (Bytef *)(uintptr_t)src;
  z.avail_in = (uInt)n;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  *out_n = cap - z.avail_out;
  deflateEnd(&z);
  return out;
}

static unsigned char *zst_pack(const void *src, size_t n, size_t *out_n) {
  size_t cap = ZSTD_compressBound(n);
  unsigned char *out = malloc(cap);
  assert_non_null(out);
  ZSTD_CCtx *c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
  size_t r = ZSTD_compress2(c, out, cap, src, n);
  ZSTD_freeCCtx(c);
  assert_false(ZSTD_isError(r));
  *out_n = r;
  return out;
}

/* Some text with many lines, deterministic. */
static char *sample_text(size_t lines, size_t *n) {
  char *t = malloc(lines * 64 + 1);
  assert_non_null(t);
  size_t k = 0;
  uint64_t st = 7;
  for (size_t i = 0; i < lines; i++)
    k += (size_t)sprintf(t + k, "row,%zu,%llu\n", i, (unsigned long long)(bk_t_rand(&st) % 100000));
  *n = k;
  return t;
}

/* Reads the whole source with the given options; returns the bytes (malloc) or fails. */
static char *read_all(const char *path, size_t read_size, int threaded, size_t chunk,
                      size_t *n, bk_rc *rc_out, bk_err *err_out) {
  bk_source_opts o = {read_size, threaded, 0};
  bk_source *s;
  bk_err err;
  bk_err_clear(&err);
  bk_rc rc = bk_source_open(path, &o, &s, &err);
  if (rc) {
    *rc_out = rc;
    if (err_out) *err_out = err;
    return NULL;
  }
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  char *tmp = malloc(chunk);
  for (;;) {
    size_t got;
    rc = bk_source_read(s, tmp, chunk, &got);
    if (rc) break;
    assert_true(got > 0 && got <= chunk);
    while (len + got > cap) buf = realloc(buf, cap *= 2);
    memcpy(buf + len, tmp, got);
    len += got;
  }
  *rc_out = rc;
  if (err_out) *err_out = *bk_source_error(s);
  if (rc == BK_EOF) assert_true(bk_source_bytes_in(s) == bk_source_size(s));
  bk_source_free(s);
  free(tmp);
  *n = len;
  return buf;
}

static void expect_same_bytes(const char *path, const char *want, size_t want_n,
                              size_t read_size, int threaded, size_t chunk) {
  size_t n;
  bk_rc rc;
  bk_err err;
  char *got = read_all(path, read_size, threaded, chunk, &n, &rc, &err);
  if (rc != BK_EOF) fail_msg("%s: %s", path, err.msg);
  assert_int_equal(n, want_n);
  assert_memory_equal(got, want, n);
  free(got);
}

static void codec_is_detected_by_magic_not_name(void **state) {
  (void)state;
  size_t n, gn, zn;
  char *t = sample_text(2000, &n);
  unsigned char *g = gz_pack(t, n, &gn), *z = zst_pack(t, n, &zn);
  char p1[512], p2[512], p3[512];
  bk_t_write(bk_t_tmp("gzip_named.csv", p1, sizeof p1), g, gn);
  bk_t_write(bk_t_tmp("zstd_named.gz", p2, sizeof p2), z, zn);
  bk_t_write(bk_t_tmp("plain_named.zst", p3, sizeof p3), t, n);
  const char *paths[] = {p1, p2, p3};
  const bk_codec want[] = {BK_CODEC_GZIP, BK_CODEC_ZSTD, BK_CODEC_PLAIN};
  for (int i = 0; i < 3; i++) {
    bk_source *s;
    assert_int_equal(bk_source_open(paths[i], NULL, &s, NULL), BK_OK);
    assert_int_equal(bk_source_codec(s), want[i]);
    bk_source_free(s);
    expect_same_bytes(paths[i], t, n, 0, 0, 4096);
  }
  free(t);
  free(g);
  free(z);
}

static void gzip_members_and_zstd_frames_are_read_one_after_another(void **state) {
  (void)state;
  size_t n, a, b, c, d;
  char *t = sample_text(5000, &n);
  size_t half = n / 2;
  unsigned char *g1 = gz_pack(t, half, &a), *g2 = gz_pack(t + half, n - half, &b);
  unsigned char *z1 = zst_pack(t, half, &c), *z2 = zst_pack(t + half, n - half, &d);
  unsigned char *gg = malloc(a + b), *zz = malloc(c + d);
  memcpy(gg, g1, a);
  memcpy(gg + a, g2, b);
  memcpy(zz, z1, c);
  memcpy(zz + c, z2, d);
  char pg[512], pz[512];
  bk_t_write(bk_t_tmp("two_members.gz", pg, sizeof pg), gg, a + b);
  bk_t_write(bk_t_tmp("two_frames.zst", pz, sizeof pz), zz, c + d);
  expect_same_bytes(pg, t, n, 0, 0, 1 << 16);
  expect_same_bytes(pz, t, n, 0, 0, 1 << 16);
  free(t), free(g1), free(g2), free(z1), free(z2), free(gg), free(zz);
}

static void one_byte_reads_and_the_thread_deliver_the_same_bytes(void **state) {
  (void)state;
  size_t n, zn, gn;
  char *t = sample_text(20000, &n);
  unsigned char *z = zst_pack(t, n, &zn), *g = gz_pack(t, n, &gn);
  char pz[512], pg[512];
  bk_t_write(bk_t_tmp("rs.zst", pz, sizeof pz), z, zn);
  bk_t_write(bk_t_tmp("rs.gz", pg, sizeof pg), g, gn);
  const char *paths[] = {pz, pg};
  for (int i = 0; i < 2; i++) {
    expect_same_bytes(paths[i], t, n, 1, 0, 1);           /* 1-byte reads everywhere */
    expect_same_bytes(paths[i], t, n, 1, 1, 7);           /* thread, 1-byte blocks */
    expect_same_bytes(paths[i], t, n, 1 << 20, 0, 1 << 20);
    expect_same_bytes(paths[i], t, n, 1 << 20, 1, 1000);  /* thread, 4 x 1 MiB ring */
    expect_same_bytes(paths[i], t, n, 4096, 1, 1 << 20);
  }
  free(t), free(z), free(g);
}

static void zip_with_one_file_is_read(void **state) {
  (void)state;
  char p[512];
  bk_t_data("binance-2025-10-10-depth-and-mark/BTCUSDT-markPriceKlines-5m-2025-10-10.zip", p,
            sizeof p);
  size_t n;
  bk_rc rc;
  bk_err err;
  char *t = read_all(p, 0, 0, 1 << 16, &n, &rc, &err);
  if (rc != BK_EOF) fail_msg("%s", err.msg);
  assert_int_equal(n, 29715); /* the size the archive lists for its entry */
  assert_memory_equal(t, "open_time,open,high,low,close", 29);
  free(t);
}


static void corrupt_zip_and_zip_of_two_files_are_errors(void **state) {
  (void)state;
  char src[512], p[512];
  bk_t_data("binance-2025-10-10-depth-and-mark/BTCUSD_PERP-markPriceKlines-1m-2025-10-10.zip", src,
            sizeof src);
  size_t n;
  unsigned char *z = (unsigned char *)bk_t_slurp(src, &n);
  assert_non_null(z);
  z[n / 2] ^= 0x55; /* inside the deflated entry */
  bk_t_write(bk_t_tmp("BTCUSD_PERP-markPriceKlines-1m-flipped.zip", p, sizeof p), z, n);
  free(z);
  size_t got;
  bk_rc rc;
  bk_err err;
  char *t = read_all(p, 0, 0, 1 << 16, &got, &rc, &err);
  free(t);
  printf("  %s\n", err.msg);
  assert_int_equal(rc, BK_EDATA);
  assert_non_null(strstr(err.msg, p));
  /* two entries */
  bk_t_tmp("two_entries.zip", p, sizeof p);
  remove(p);
  int ze;
  zip_t *za = zip_open(p, ZIP_CREATE | ZIP_TRUNCATE, &ze);
  assert_non_null(za);
  static const char a[] = "x\n", b[] = "y\n";
  assert_true(zip_file_add(za, "a.csv", zip_source_buffer(za, a, 2, 0), 0) >= 0);
  assert_true(zip_file_add(za, "b.csv", zip_source_buffer(za, b, 2, 0), 0) >= 0);
  assert_int_equal(zip_close(za), 0);
  bk_source *s;
  assert_int_equal(bk_source_open(p, NULL, &s, &err), BK_EFORMAT);
  assert_null(s);
  assert_non_null(strstr(err.msg, "2 entries"));
}

/* Opens, reads to the end and expects an error rc whose message holds all needles. */
static void expect_broken(const char *path, bk_rc want, const char *n1, const char *n2) {
  size_t n;
  bk_rc rc;
  bk_err err;
  bk_err_clear(&err);
  char *t = read_all(path, 0, 0, 1 << 16, &n, &rc, &err);
  free(t);
  printf("  %s -> %s: %s\n", path, bk_rc_name(rc), err.msg);
  assert_int_equal(rc, want);
  assert_non_null(strstr(err.msg, path));
  if (n1) assert_non_null(strstr(err.msg, n1));
  if (n2) assert_non_null(strstr(err.msg, n2));
  /* the same with the thread: the error arrives after the data, as an error */
  t = read_all(path, 0, 1, 1 << 16, &n, &rc, &err);
  free(t);
  assert_int_equal(rc, want);
}

static void truncated_zstd_is_an_error_with_its_offset(void **state) {
  (void)state;
  size_t n, zn;
  char *t = sample_text(20000, &n);
  unsigned char *z = zst_pack(t, n, &zn);
  char p[512], want[64];
  bk_t_write(bk_t_tmp("truncated.csv.zst", p, sizeof p), z, zn - 100);
  snprintf(want, sizeof want, "compressed byte %zu", zn - 100);
  expect_broken(p, BK_EDATA, "truncated zstd frame", want);
  free(t), free(z);
}

static void flipped_byte_in_zstd_fails_the_checksum_or_the_decoder(void **state) {
  (void)state;
  size_t n, zn;
  char *t = sample_text(20000, &n);
  unsigned char *z = zst_pack(t, n, &zn);
  z[zn / 2] ^= 0x20;
  char p[512];
  bk_t_write(bk_t_tmp("flipped.csv.zst", p, sizeof p), z, zn);
  expect_broken(p, BK_EDATA, "corrupt zstd stream between compressed bytes", NULL);
  /* a flip in the last block's data reaches the checksum */
  unsigned char *z2 = zst_pack(t, n, &zn);
  z2[zn - 6] ^= 0x01;
  bk_t_write(bk_t_tmp("flipped_end.csv.zst", p, sizeof p), z2, zn);
  expect_broken(p, BK_EDATA, "corrupt zstd stream", NULL);
  free(t), free(z), free(z2);
}

static void flipped_byte_and_truncation_in_gzip_are_errors(void **state) {
  (void)state;
  size_t n, gn;
  char *t = sample_text(20000, &n);
  unsigned char *g = gz_pack(t, n, &gn);
  char p[512];
  bk_t_write(bk_t_tmp("truncated.csv.gz", p, sizeof p), g, gn - 50);
  expect_broken(p, BK_EDATA, "truncated gzip stream", "compressed byte");
  g[gn / 2] ^= 0x10;
  bk_t_write(bk_t_tmp("flipped.csv.gz", p, sizeof p), g, gn);
  expect_broken(p, BK_EDATA, "corrupt gzip stream at compressed byte", NULL);
  free(t), free(g);
  /* a flip in the CRC trailer: the data decodes but does not check */
  g = gz_pack("a,b\n1,2\n", 8, &gn);
  g[gn - 6] ^= 0x01;
  bk_t_write(bk_t_tmp("bad_crc.csv.gz", p, sizeof p), g, gn);
  expect_broken(p, BK_EDATA, "incorrect data check", NULL);
  free(g);
}

static void zstd_frame_claiming_a_huge_window_is_refused(void **state) {
  (void)state;
  /* frame header: magic, descriptor 0 (no content size, no checksum), window descriptor
   * exponent 24 = a 16 GiB window, then an empty last raw block */
  const unsigned char f[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xC0, 0x01, 0x00, 0x00};
  char p[512];
  bk_t_write(bk_t_tmp("huge_window.csv.zst", p, sizeof p), f, sizeof f);
  expect_broken(p, BK_EDATA, "window larger than", "compressed byte");
}

static void missing_file_and_directory_are_missing_input(void **state) {
  (void)state;
  char p[512];
  bk_source *s = (bk_source *)1;
  bk_err err;
  bk_t_tmp("does_not_exist.csv.zst", p, sizeof p);
  assert_int_equal(bk_source_open(p, NULL, &s, &err), BK_ENOINPUT);
  assert_null(s);
  assert_non_null(strstr(err.msg, p));
  bk_t_tmp("a_directory.csv", p, sizeof p);
  mkdir(p, 0777);
  assert_int_equal(bk_source_open(p, NULL, &s, &err), BK_ENOINPUT);
  assert_non_null(strstr(err.msg, "directory"));
  assert_non_null(strstr(err.msg, p));
}

/* ---- line reader ---- */

static void lines_strip_crlf_and_hand_out_empty_lines(void **state) {
  (void)state;
  const char text[] = "a,b\r\n\r\nc\n\nlast";
  char p[512];
  bk_t_write(bk_t_tmp("crlf.csv", p, sizeof p), text, sizeof text - 1);
  const char *want[] = {"a,b", "", "c", "", "last"};
  for (size_t k = 0; k < 16; k++) {
    bk_source *s;
    bk_source_opts o = {(size_t)1 << (k / 2), (int)(k % 2), 0}; /* 1..128 bytes, thread or not */
    assert_int_equal(bk_source_open(p, &o, &s, NULL), BK_OK);
    bk_lines l;
    assert_int_equal(bk_lines_init(&l, s, o.read_size, 16), BK_OK);
    const char *line;
    size_t len;
    for (size_t i = 0; i < 5; i++) {
      assert_int_equal(bk_lines_next(&l, &line, &len), BK_OK);
      assert_int_equal(len, strlen(want[i]));
      assert_memory_equal(line, want[i], len);
      assert_true(l.lineno == i + 1);
    }
    assert_int_equal(bk_lines_next(&l, &line, &len), BK_EOF);
    assert_int_equal(bk_lines_next(&l, &line, &len), BK_EOF);
    bk_lines_fini(&l);
    bk_source_free(s);
  }
}

static void line_of_2mb_without_newline_is_an_error_in_bounded_memory(void **state) {
  (void)state;
  size_t n = 2u << 20;
  char *big = malloc(n + 20);
  memcpy(big, "header\n", 7);
  memset(big + 7, 'x', n);
  char p[512];
  size_t zn;
  unsigned char *z = zst_pack(big, n + 7, &zn);
  bk_t_write(bk_t_tmp("long_line.csv.zst", p, sizeof p), z, zn);
  for (int threaded = 0; threaded < 2; threaded++) {
    bk_source *s;
    bk_source_opts o = {0, threaded, 0};
    assert_int_equal(bk_source_open(p, &o, &s, NULL), BK_OK);
    bk_lines l;
    assert_int_equal(bk_lines_init(&l, s, 0, 0), BK_OK);
    assert_true(l.cap < (size_t)3 << 20); /* the buffer never holds the whole line */
    const char *line;
    size_t len;
    assert_int_equal(bk_lines_next(&l, &line, &len), BK_OK);
    assert_int_equal(len, 6);
    assert_int_equal(bk_lines_next(&l, &line, &len), BK_EDATA);
    printf("  %s\n", l.err.msg);
    assert_non_null(strstr(l.err.msg, "line 2 longer than 1048576 bytes"));
    assert_non_null(strstr(l.err.msg, p));
    bk_lines_fini(&l);
    bk_source_free(s);
  }
  free(big), free(z);
}

static void line_of_exactly_the_limit_is_accepted(void **state) {
  (void)state;
  char text[64];
  memset(text, 'y', 16);
  memcpy(text + 16, "\r\nzz", 4);
  char p[512];
  bk_t_write(bk_t_tmp("at_limit.csv", p, sizeof p), text, 20);
  bk_source *s;
  assert_int_equal(bk_source_open(p, NULL, &s, NULL), BK_OK);
  bk_lines l;
  assert_int_equal(bk_lines_init(&l, s, 1, 16), BK_OK);
  const char *line;
  size_t len;
  assert_int_equal(bk_lines_next(&l, &line, &len), BK_OK);
  assert_int_equal(len, 16);
  assert_int_equal(bk_lines_next(&l, &line, &len), BK_OK);
  assert_int_equal(len, 2);
  bk_lines_fini(&l);
  bk_source_free(s);
  text[16] = 'y'; /* 17 bytes now */
  bk_t_write(p, text, 20);
  assert_int_equal(bk_source_open(p, NULL, &s, NULL), BK_OK);
  assert_int_equal(bk_lines_init(&l, s, 1, 16), BK_OK);
  assert_int_equal(bk_lines_next(&l, &line, &len), BK_EDATA);
  bk_lines_fini(&l);
  bk_source_free(s);
}

/* Reads a source to its end (or stops after `stop` bytes) and seals its digest. */
static const char *digest_of(bk_source *s, size_t stop, uint64_t *bytes) {
  char buf[4096];
  size_t got, total = 0;
  while (total < stop && bk_source_read(s, buf, sizeof buf, &got) == BK_OK) total += got;
  assert_int_equal(bk_source_seal(s), BK_OK);
  return bk_source_sha256(s, bytes);
}

static void sha256_of_a_file_gives_size_and_hash(void **state) {
  (void)state;
  char path[512];
  bk_t_write(bk_t_tmp("abc.txt", path, sizeof path), "abc", 3);
  bk_source *s;
  assert_int_equal(bk_source_open(path, NULL, &s, NULL), BK_OK);
  assert_null(bk_source_sha256(s, NULL));
  uint64_t size = 0;
  const char *hex = digest_of(s, SIZE_MAX, &size);
  assert_true(size == 3);
  assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  bk_source_free(s);
  /* a reader that asked for no digest gets none */
  bk_source_opts nh = {0, 0, 1};
  assert_int_equal(bk_source_open(path, &nh, &s, NULL), BK_OK);
  char tmp[8];
  size_t got;
  while (bk_source_read(s, tmp, sizeof tmp, &got) == BK_OK) {
  }
  assert_int_equal(bk_source_seal(s), BK_OK);
  assert_null(bk_source_sha256(s, NULL));
  bk_source_free(s);
  bk_err e;
  bk_err_clear(&e);
  assert_int_equal(bk_source_open("/nonexistent/x", NULL, &s, &e), BK_ENOINPUT);
  assert_non_null(strstr(e.msg, "/nonexistent/x"));
}

/* The digest is of the bytes read, whatever the codec and the thread: a file appended to
 * after it was read to its end keeps the digest of what was read, and a reader that
 * stopped early (the end of a window) still covers the whole file it did not reach. */
static void digest_is_of_the_bytes_read_not_of_the_file_later(void **state) {
  (void)state;
  char path[512], big[512];
  static const char text[] = "exchange,symbol\nx,y\n";
  bk_t_write(bk_t_tmp("appended.csv", path, sizeof path), text, sizeof text - 1);
  for (int threaded = 0; threaded < 2; threaded++) {
    bk_source_opts o = {7, threaded, 0};
    bk_source *s;
    assert_int_equal(bk_source_open(path, &o, &s, NULL), BK_OK);
    char buf[64];
    size_t got, total = 0;
    while (bk_source_read(s, buf, sizeof buf, &got) == BK_OK) total += got;
    assert_true(total == sizeof text - 1);
    /* appended after the reader met the end of file, before the digest is sealed */
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    fputs("x,z\n", f);
    fclose(f);
    uint64_t n = 0;
    assert_int_equal(bk_source_seal(s), BK_OK);
    const char *hex = bk_source_sha256(s, &n);
    assert_non_null(hex);
    /* sha256("exchange,symbol\nx,y\n") */
    bk_sha256 c;
    unsigned char d[32];
    char want[65];
    bk_sha256_init(&c);
    bk_sha256_update(&c, text, sizeof text - 1);
    bk_sha256_final(&c, d);
    bk_sha256_hex(d, want);
    assert_string_equal(hex, want);
    assert_true(n == sizeof text - 1);
    bk_source_free(s);
    bk_t_write(path, text, sizeof text - 1);
  }
  /* a compressed file read only in part: the digest still covers all of its bytes */
  bk_t_data("binance-futures-btcusdt-2023-04-05/binance-futures_derivative_ticker_2023-04-05_BTCUSDT.csv.zst",
            big, sizeof big);
  size_t len = 0;
  char *raw = bk_t_slurp(big, &len);
  if (!raw) {
    printf("  (no shared data: the partial-read case is skipped)\n");
    return;
  }
  bk_sha256 c;
  unsigned char d[32];
  char want[65];
  bk_sha256_init(&c);
  bk_sha256_update(&c, raw, len);
  bk_sha256_final(&c, d);
  bk_sha256_hex(d, want);
  free(raw);
  for (int threaded = 0; threaded < 2; threaded++) {
    bk_source_opts o = {4096, threaded, 0};
    bk_source *s;
    assert_int_equal(bk_source_open(big, &o, &s, NULL), BK_OK);
    uint64_t n = 0;
    const char *hex = digest_of(s, 10000, &n);
    assert_string_equal(hex, want);
    assert_true(n == len);
    size_t got;
    char buf[16];
    assert_int_equal(bk_source_read(s, buf, sizeof buf, &got), BK_EOF); /* sealed: no more */
    bk_source_free(s);
  }
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(codec_is_detected_by_magic_not_name),
      cmocka_unit_test(sha256_of_a_file_gives_size_and_hash),
      cmocka_unit_test(gzip_members_and_zstd_frames_are_read_one_after_another),
      cmocka_unit_test(one_byte_reads_and_the_thread_deliver_the_same_bytes),
      cmocka_unit_test(truncated_zstd_is_an_error_with_its_offset),
      cmocka_unit_test(flipped_byte_in_zstd_fails_the_checksum_or_the_decoder),
      cmocka_unit_test(flipped_byte_and_truncation_in_gzip_are_errors),
      cmocka_unit_test(zstd_frame_claiming_a_huge_window_is_refused),
      cmocka_unit_test(missing_file_and_directory_are_missing_input),
      cmocka_unit_test(lines_strip_crlf_and_hand_out_empty_lines),
      cmocka_unit_test(line_of_2mb_without_newline_is_an_error_in_bounded_memory),
      cmocka_unit_test(line_of_exactly_the_limit_is_accepted),
  };
  /* tests that read the shared real data: `test_source --data` (ctest: test_source_data) */
  const struct CMUnitTest data_tests[] = {
      cmocka_unit_test(digest_is_of_the_bytes_read_not_of_the_file_later),
      cmocka_unit_test(zip_with_one_file_is_read),
      cmocka_unit_test(corrupt_zip_and_zip_of_two_files_are_errors),
  };
  if (bk_t_data_mode(argc, argv))
    return bk_t_data_exit(cmocka_run_group_tests_name("real data", data_tests, NULL, NULL));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
