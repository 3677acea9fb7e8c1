/*
 * Fuzz target: the byte sources (feeds/source.h) fed arbitrary bytes as a file, plain,
 * gzip, zstd or zip by their magic. Three readings must deliver the same bytes and end
 * the same way: one read of the default size, reads of a size taken from the input (down
 * to 1 byte), and the decompression thread. For gzip and zstd the bytes must also equal
 * what a straightforward reference decoder written here with zlib / libzstd yields
 * (same limits: gzip members back to back, zstd window at most 2^27).
 *
 * Each reading stops after LIMIT bytes: a small input may legitimately expand to
 * gigabytes, and the point is the code paths, not the volume.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "feeds/source.h"
#include "tests/fuzz/fuzz.h"

#define LIMIT ((size_t)1 << 20)

typedef struct reading {
  unsigned char *buf; /* LIMIT bytes */
  size_t n;           /* bytes delivered */
  bk_rc rc;           /* how it ended: BK_EOF, an error, or BK_OK when LIMIT was reached */
} reading;

static void read_all(const char *path, size_t read_size, int threaded, size_t cap, reading *r,
                     int *codec) {
  bk_source_opts o;
  bk_source_opts_init(&o);
  o.read_size = read_size;
  o.threaded = threaded;
  bk_source *s = NULL;
  bk_err err;
  r->n = 0;
  r->rc = bk_source_open(path, &o, &s, &err);
  if (r->rc) {
    BK_FZ_CHECK(s == NULL && err.msg[0], "failed open left a source or no message");
    return;
  }
  *codec = (int)bk_source_codec(s);
  while (r->n < LIMIT) {
    size_t want = LIMIT - r->n < cap ? LIMIT - r->n : cap, got = 99;
    r->rc = bk_source_read(s, r->buf + r->n, want, &got);
    if (r->rc != BK_OK) {
      BK_FZ_CHECK(got == 0, "read returned rc %d with %zu bytes", r->rc, got);
      BK_FZ_CHECK(r->rc == BK_EOF || bk_source_error(s)->msg[0], "error %d without a message",
                  r->rc);
      /* errors and EOF are sticky */
      size_t again = 99;
      BK_FZ_CHECK(bk_source_read(s, r->buf, 1, &again) == r->rc && again == 0,
                  "a second read after rc %d did not repeat it", r->rc);
      break;
    }
    BK_FZ_CHECK(got > 0 && got <= want, "read returned %zu bytes for %zu", got, want);
    r->n += got;
  }
  if (r->rc == BK_EOF) BK_FZ_CHECK(bk_source_bytes_in(s) == bk_source_size(s),
                                   "at EOF bytes_in %llu != size %llu",
                                   (unsigned long long)bk_source_bytes_in(s),
                                   (unsigned long long)bk_source_size(s));
  bk_source_free(s);
}

/* gzip: members back to back, each opening with the magic; anything else is an error. */
static void ref_gzip(const uint8_t *d, size_t size, reading *r) {
  z_stream z;
  memset(&z, 0, sizeof z);
  r->n = 0;
  r->rc = BK_EDATA;
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) abort();
  z.next_in = (Bytef *)(uintptr_t)d;
  z.avail_in = (uInt)size;
  int in_member = 0;
  for (;;) {
    if (r->n == LIMIT) {
      r->rc = BK_OK;
      break;
    }
    if (!in_member) {
      if (z.avail_in == 0) {
        r->rc = BK_EOF;
        break;
      }
      if (z.next_in[0] != 0x1f || (z.avail_in > 1 && z.next_in[1] != 0x8b)) break;
      in_member = 1;
    }
    z.next_out = r->buf + r->n;
    z.avail_out = (uInt)(LIMIT - r->n);
    int zr = inflate(&z, Z_NO_FLUSH);
    r->n = LIMIT - z.avail_out;
    if (zr == Z_STREAM_END) {
      in_member = 0;
      inflateReset(&z);
    } else if (zr != Z_OK && !(zr == Z_BUF_ERROR && z.avail_out == 0)) {
      break; /* corrupt, or truncated (no progress possible) */
    }
  }
  inflateEnd(&z);
}

/* zstd: frames back to back (skippable ones included), window at most 2^27. */
static void ref_zstd(const uint8_t *d, size_t size, reading *r) {
  ZSTD_DCtx *z = ZSTD_createDCtx();
  if (!z) abort();
  ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, BK_SOURCE_ZSTD_WINDOW_LOG_MAX);
  ZSTD_inBuffer ib = {d, size, 0};
  size_t last = 0;
  r->n = 0;
  r->rc = BK_EDATA;
  for (;;) {
    if (r->n == LIMIT) {
      r->rc = BK_OK;
      break;
    }
    ZSTD_outBuffer ob = {r->buf + r->n, LIMIT - r->n, 0};
    size_t before_in = ib.pos;
    size_t ret = ZSTD_decompressStream(z, &ob, &ib);
    if (ZSTD_isError(ret)) break;
    r->n += ob.pos;
    if (ob.pos == 0 && ib.pos == before_in) { /* no progress: all input used */
      r->rc = last == 0 ? BK_EOF : BK_EDATA; /* the last call left a frame open: truncated */
      break;
    }
    last = ret;
  }
  ZSTD_freeDCtx(z);
}

static const char *rc_str(bk_rc rc) { return rc == BK_OK ? "limit" : bk_rc_name(rc); }

static void same(const reading *a, const reading *b, int exact, const char *what) {
  size_t n = a->n < b->n ? a->n : b->n;
  BK_FZ_CHECK(memcmp(a->buf, b->buf, n) == 0, "%s: bytes differ within the first %zu", what, n);
  /* Both ended cleanly or both failed; a failure may come at a different point only
   * when one reading stopped at the limit. */
  if (a->rc != BK_OK && b->rc != BK_OK) {
    BK_FZ_CHECK((a->rc == BK_EOF) == (b->rc == BK_EOF), "%s: ended %s vs %s", what,
                rc_str(a->rc), rc_str(b->rc));
    /* every byte before an error is delivered, so the counts agree (ours vs ours) */
    if (a->rc == BK_EOF || exact)
      BK_FZ_CHECK(a->n == b->n, "%s: %zu vs %zu bytes", what, a->n, b->n);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t small = 1 + data[0] % 61; /* the first byte picks the small read size */
  const char *path = bk_fz_file("input.bin", data + 1, size - 1);
  static unsigned char *bufs[3]; /* kept from input to input: the loop runs millions */
  for (int i = 0; i < 3; i++)
    if (!bufs[i] && !(bufs[i] = malloc(LIMIT))) abort();
  reading a = {bufs[0], 0, 0}, b = {bufs[1], 0, 0}, c = {bufs[2], 0, 0};
  int codec = -1, codec2 = -1; /* -1: the file did not open */
  read_all(path, 0, 0, (size_t)1 << 16, &a, &codec);
  read_all(path, small, 0, small + 3, &b, &codec2);
  /* Known gap, kept visible: the gzip, zstd and zip codecs drop the bytes the
   * decompressor produced in the call that then found corrupt data (a bad block, a failed
   * checksum), so how many bytes precede such an error depends on the read size. Exact
   * for every codec once feeds/source_{gz,zst,zip}.c deliver those bytes first (as
   * source.h promises). The bytes that are delivered are still compared. */
  int exact = codec == BK_CODEC_PLAIN;
  same(&a, &b, exact, "default vs small reads");
  if (a.rc != BK_ENOINPUT && a.rc != BK_EFORMAT) {
    read_all(path, small, 1, 7, &c, &codec2);
    same(&a, &c, exact, "default vs threaded");
  }
  if (codec >= 0) {
    if (codec == BK_CODEC_PLAIN) {
      BK_FZ_CHECK(a.rc != BK_EDATA, "plain file read failed");
      BK_FZ_CHECK(a.n == (size - 1 < LIMIT ? size - 1 : LIMIT) &&
                      memcmp(a.buf, data + 1, a.n) == 0,
                  "plain bytes differ from the file");
    } else if (codec == BK_CODEC_GZIP) {
      ref_gzip(data + 1, size - 1, &c);
      same(&a, &c, 0, "gzip vs reference");
    } else if (codec == BK_CODEC_ZSTD) {
      ref_zstd(data + 1, size - 1, &c);
      same(&a, &c, 0, "zstd vs reference");
    }
  }
  return 0;
}
