/*
 * gzip codec for byte sources: zlib inflate over a fixed input chunk, any number of
 * members one after another (as `cat a.gz b.gz` makes and as bgzip writes).
 *
 * Errors are never a short read: a corrupt deflate stream, a CRC or length mismatch, a
 * file that ends inside a member, or bytes after the last member that do not start a
 * new one are each BK_EDATA with the compressed byte offset.
 */
#include "feeds/source_int.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct gz_state {
  z_stream z;
  unsigned char *in;  /* compressed chunk */
  int eof;            /* the file is read to its end */
  int in_member;      /* inside a member (not at a member boundary) */
} gz_state;

static bk_rc gz_open(bk_source *s) {
  gz_state *g = calloc(1, sizeof *g);
  if (!g) return bk_err_set(&s->perr, BK_ENOMEM, "%s: out of memory", s->path);
  s->cs = g;
  g->in = malloc(s->chunk);
  if (!g->in) return bk_err_set(&s->perr, BK_ENOMEM, "%s: out of memory", s->path);
  if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
    free(g->in);
    g->in = NULL;
    return bk_err_set(&s->perr, BK_ENOMEM, "%s: cannot start zlib", s->path);
  }
  return BK_OK;
}

/* Offset in the file of the next compressed byte the decoder has not consumed. */
static uint64_t gz_offset(const bk_source *s, const gz_state *g) {
  return s->file_pos - g->z.avail_in;
}

static bk_rc gz_read(bk_source *s, unsigned char *buf, size_t cap, size_t *got) {
  gz_state *g = s->cs;
  *got = 0;
  if (cap > UINT32_MAX) cap = UINT32_MAX;
  for (;;) {
    if (g->z.avail_in == 0 && !g->eof) {
      size_t n = 0;
      bk_rc rc = bk_src_file_read(s, g->in, s->chunk, &n);
      if (rc == BK_EOF)
        g->eof = 1;
      else if (rc)
        return rc;
      g->z.next_in = g->in;
      g->z.avail_in = (uInt)n;
    }
    if (g->z.avail_in == 0 && g->eof) {
      s->prod_in = s->file_pos;
      if (g->in_member)
        return bk_err_set(&s->perr, BK_EDATA,
                          "%s: truncated gzip stream: the file ends inside a member at "
                          "compressed byte %llu",
                          s->path, (unsigned long long)s->file_pos);
      return BK_EOF;
    }
    if (!g->in_member) {
      /* a new member must start with the gzip magic */
      if (g->z.next_in[0] != 0x1f || (g->z.avail_in > 1 && g->z.next_in[1] != 0x8b))
        return bk_err_set(&s->perr, BK_EDATA,
                          "%s: corrupt gzip stream: bytes after the last member at "
                          "compressed byte %llu are not a gzip member",
                          s->path, (unsigned long long)gz_offset(s, g));
      g->in_member = 1;
    }
    g->z.next_out = buf;
    g->z.avail_out = (uInt)cap;
    int zr = inflate(&g->z, Z_NO_FLUSH);
    size_t n = cap - g->z.avail_out;
    s->prod_in = gz_offset(s, g);
    if (zr == Z_STREAM_END) {
      g->in_member = 0;
      inflateReset(&g->z);
    } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
      return bk_err_set(&s->perr, BK_EDATA, "%s: corrupt gzip stream at compressed byte %llu: %s",
                        s->path, (unsigned long long)gz_offset(s, g),
                        g->z.msg ? g->z.msg : "inflate failed");
    }
    if (n > 0) {
      *got = n;
      return BK_OK;
    }
  }
}

static void gz_close(bk_source *s) {
  gz_state *g = s->cs;
  if (!g) return;
  if (g->in) inflateEnd(&g->z);
  free(g->in);
  free(g);
  s->cs = NULL;
}

const bk_codec_ops bk_codec_gzip_ops = {gz_open, gz_read, gz_close};
