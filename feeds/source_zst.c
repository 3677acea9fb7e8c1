/*
 * zstd codec for byte sources: ZSTD_decompressStream over a fixed input chunk, any
 * number of frames (skippable frames are skipped by libzstd).
 *
 * The window is capped at 2^27 bytes: a frame header that claims a larger window is
 * refused instead of allocating for it. At the end of the file the decoder must stand at
 * a frame boundary, otherwise the frame was truncated: BK_EDATA, never a short read.
 */
#include "feeds/source_int.h"

#include <stdlib.h>
#include <zstd.h>
#include <zstd_errors.h>

typedef struct zst_state {
  ZSTD_DCtx *d;
  unsigned char *in;
  ZSTD_inBuffer ib;
  int eof;
  size_t last; /* last return of ZSTD_decompressStream: 0 at a frame end */
} zst_state;

static bk_rc zst_open(bk_source *s) {
  zst_state *z = calloc(1, sizeof *z);
  if (!z) return bk_err_set(&s->perr, BK_ENOMEM, "%s: out of memory", s->path);
  s->cs = z;
  z->in = malloc(s->chunk);
  z->d = ZSTD_createDCtx();
  if (!z->in || !z->d) return bk_err_set(&s->perr, BK_ENOMEM, "%s: out of memory", s->path);
  ZSTD_DCtx_setParameter(z->d, ZSTD_d_windowLogMax, BK_SOURCE_ZSTD_WINDOW_LOG_MAX);
  z->ib.src = z->in;
  return BK_OK;
}

static uint64_t zst_offset(const bk_source *s, const zst_state *z) {
  return s->file_pos - (z->ib.size - z->ib.pos);
}

static bk_rc zst_read(bk_source *s, unsigned char *buf, size_t cap, size_t *got) {
  zst_state *z = s->cs;
  *got = 0;
  for (;;) {
    if (z->ib.pos == z->ib.size && !z->eof) {
      size_t n = 0;
      bk_rc rc = bk_src_file_read(s, z->in, s->chunk, &n);
      if (rc == BK_EOF)
        z->eof = 1;
      else if (rc)
        return rc;
      z->ib.size = n;
      z->ib.pos = 0;
    }
    ZSTD_outBuffer ob = {buf, cap, 0};
    /* with no input left, one more call flushes what the decoder still holds */
    size_t before = z->ib.pos;
    size_t r = ZSTD_decompressStream(z->d, &ob, &z->ib);
    s->prod_in = zst_offset(s, z);
    if (ZSTD_isError(r)) {
      ZSTD_ErrorCode c = ZSTD_getErrorCode(r);
      if (c == ZSTD_error_frameParameter_windowTooLarge)
        return bk_err_set(&s->perr, BK_EDATA,
                          "%s: zstd frame at compressed byte %llu asks for a window larger "
                          "than 2^%d bytes (refused to bound memory)",
                          s->path, (unsigned long long)zst_offset(s, z),
                          BK_SOURCE_ZSTD_WINDOW_LOG_MAX);
      /* zstd does not say where in this call's input it found the damage: name the
         range it lies in (from where the call started to what had been read) */
      uint64_t from = s->file_pos - (z->ib.size - before);
      return bk_err_set(&s->perr, BK_EDATA,
                        "%s: corrupt zstd stream between compressed bytes %llu and %llu: %s",
                        s->path, (unsigned long long)from, (unsigned long long)s->file_pos,
                        ZSTD_getErrorName(r));
    }
    /* a call that neither read nor wrote only restates the hint for a next frame */
    if (z->ib.pos != before || ob.pos > 0) z->last = r;
    if (ob.pos > 0) {
      *got = ob.pos;
      return BK_OK;
    }
    if (z->eof && z->ib.pos == z->ib.size) {
      if (z->last != 0)
        return bk_err_set(&s->perr, BK_EDATA,
                          "%s: truncated zstd frame: the file ends at compressed byte %llu "
                          "inside a frame",
                          s->path, (unsigned long long)s->file_pos);
      return BK_EOF;
    }
  }
}

static void zst_close(bk_source *s) {
  zst_state *z = s->cs;
  if (!z) return;
  ZSTD_freeDCtx(z->d);
  free(z->in);
  free(z);
  s->cs = NULL;
}

const bk_codec_ops bk_codec_zstd_ops = {zst_open, zst_read, zst_close};
