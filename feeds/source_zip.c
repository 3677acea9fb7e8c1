/*
 * zip codec for byte sources: a zip archive holding exactly one file, as Binance public
 * data ships its CSVs (BTCUSD_PERP-markPriceKlines-1m-2025-10-10.zip holds one .csv).
 * libzip reads the archive; its CRC check at the end of the entry turns a corrupt file
 * into an error. Compressed progress is the entry's compressed size scaled by the share
 * of its uncompressed bytes delivered (libzip does not expose its read position).
 * libzip opens the file by name; the archive's bytes are hashed through the source's own
 * descriptor when it is opened.
 */
#include "feeds/source_int.h"

#include "engine/fixed.h"

#include <stdlib.h>
#include <zip.h>

typedef struct zip_state {
  zip_t *za;
  zip_file_t *zf;
  uint64_t out, usize, csize; /* bytes delivered; entry sizes */
} zip_state;

static bk_rc zip_open_codec(bk_source *s) {
  zip_state *z = calloc(1, sizeof *z);
  if (!z) return bk_err_set(&s->perr, BK_ENOMEM, "%s: out of memory", s->path);
  s->cs = z;
  /* libzip reads the archive by its name, not through our descriptor: hash the file's
   * bytes first, in one pass, so the manifest records what was there when it was opened
   * (an archive is rewritten whole, never appended to, so there is no later tail) */
  unsigned char buf[1 << 14];
  size_t got;
  bk_rc hrc = BK_EOF;
  while (s->hashing && (hrc = bk_src_file_read(s, buf, sizeof buf, &got)) == BK_OK) {
  }
  if (s->hashing && hrc != BK_EOF) return hrc;
  int ze = 0;
  z->za = zip_open(s->path, ZIP_RDONLY, &ze);
  if (!z->za) {
    zip_error_t e;
    zip_error_init_with_code(&e, ze);
    bk_rc rc = bk_err_set(&s->perr, BK_EDATA, "%s: not a readable zip archive: %s", s->path,
                          zip_error_strerror(&e));
    zip_error_fini(&e);
    return rc;
  }
  zip_int64_t n = zip_get_num_entries(z->za, 0);
  if (n == 0)
    return bk_err_set(&s->perr, BK_EFORMAT,
                      "%s: the zip archive holds no file, expected exactly one CSV file", s->path);
  if (n != 1)
    return bk_err_set(&s->perr, BK_EFORMAT,
                      "%s: zip archive holds %lld entries, expected exactly one CSV file",
                      s->path, (long long)n);
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(z->za, 0, 0, &st) != 0)
    return bk_err_set(&s->perr, BK_EDATA, "%s: %s", s->path, zip_strerror(z->za));
  z->usize = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
  z->csize = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
  z->zf = zip_fopen_index(z->za, 0, 0);
  if (!z->zf)
    return bk_err_set(&s->perr, BK_EDATA, "%s: cannot open entry '%s': %s", s->path,
                      (st.valid & ZIP_STAT_NAME) ? st.name : "?", zip_strerror(z->za));
  return BK_OK;
}

static bk_rc zip_read_codec(bk_source *s, unsigned char *buf, size_t cap, size_t *got) {
  zip_state *z = s->cs;
  *got = 0;
  zip_int64_t n = zip_fread(z->zf, buf, cap);
  if (n < 0)
    return bk_err_set(&s->perr, BK_EDATA, "%s: corrupt zip entry near compressed byte %llu: %s",
                      s->path, (unsigned long long)s->prod_in, zip_file_strerror(z->zf));
  if (n == 0) {
    s->prod_in = s->size;
    return BK_EOF;
  }
  z->out += (uint64_t)n;
  if (z->usize) s->prod_in = (uint64_t)((bk_u128)z->csize * z->out / z->usize);
  *got = (size_t)n;
  return BK_OK;
}

static void zip_close_codec(bk_source *s) {
  zip_state *z = s->cs;
  if (!z) return;
  if (z->zf) zip_fclose(z->zf);
  if (z->za) zip_discard(z->za);
  free(z);
  s->cs = NULL;
}

const bk_codec_ops bk_codec_zip_ops = {zip_open_codec, zip_read_codec, zip_close_codec};
