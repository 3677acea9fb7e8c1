/*
 * The line reader (see lines.h). Tuned for long files of short lines (50-700 bytes):
 * lines are found with memchr in a buffer refilled by the source and handed out in place,
 * without copying; only the tail of a partial line moves to the front before a refill.
 */
#include "feeds/lines.h"

#include <stdlib.h>
#include <string.h>

bk_rc bk_lines_init(bk_lines *l, bk_source *src, size_t read_size, size_t max_line) {
  memset(l, 0, sizeof *l);
  l->src = src;
  l->read_size = read_size ? read_size : BK_SOURCE_READ_DEFAULT;
  l->max_line = max_line ? max_line : BK_LINE_MAX_DEFAULT;
  l->cap = l->max_line + l->read_size + 2; /* a full line, its CRLF, one read */
  l->buf = malloc(l->cap);
  bk_err_clear(&l->err);
  if (!l->buf)
    return bk_err_set(&l->err, BK_ENOMEM, "%s: out of memory", bk_source_path(src));
  return BK_OK;
}

void bk_lines_fini(bk_lines *l) {
  free(l->buf);
  l->buf = NULL;
}

static bk_rc too_long(bk_lines *l) {
  l->state = bk_err_set(&l->err, BK_EDATA, "%s:%llu: line %llu longer than %zu bytes",
                        bk_source_path(l->src), (unsigned long long)(l->lineno + 1),
                        (unsigned long long)(l->lineno + 1), l->max_line);
  return l->state;
}

bk_rc bk_lines_next(bk_lines *l, const char **line, size_t *len) {
  if (l->state) return l->state;
  size_t scanned = 0; /* bytes from start known to hold no LF */
  for (;;) {
    char *p = l->buf + l->start;
    size_t avail = l->end - l->start;
    char *nl = avail > scanned ? memchr(p + scanned, '\n', avail - scanned) : NULL;
    if (nl || (l->eof && avail > 0)) {
      size_t n = nl ? (size_t)(nl - p) : avail;
      l->start += nl ? n + 1 : n;
      l->cr = n > 0 && p[n - 1] == '\r';
      if (l->cr) n--;
      if (n > l->max_line) return too_long(l);
      l->lineno++;
      *line = p;
      *len = n;
      return BK_OK;
    }
    if (l->eof) return l->state = BK_EOF;
    scanned = avail;
    if (avail > l->max_line + 1) return too_long(l); /* +1: a CR may precede the LF */
    if (l->cap - l->end < l->read_size) {
      memmove(l->buf, p, avail);
      l->start = 0;
      l->end = avail;
    }
    size_t got = 0;
    bk_rc rc = bk_source_read(l->src, l->buf + l->end, l->read_size, &got);
    if (rc == BK_EOF) {
      l->eof = 1;
    } else if (rc) {
      l->err = *bk_source_error(l->src);
      return l->state = rc;
    }
    l->end += got;
  }
}
