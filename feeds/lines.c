/*
 * The line reader (see lines.h). Tuned for long files of short lines (50-700 bytes):
 * lines are found with memchr in a buffer refilled by the source and handed out in place,
 * without copying; only the tail of a partial line moves to the front before a refill.
 * With a decompression thread the buffer is the thread's own block, lent for as long as
 * its lines are being read, so decompressed bytes are never copied but at block ends.
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
  l->borrow = bk_source_can_borrow(src);
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

/* Hands out the line p[0, n) (its LF already dropped). */
static bk_rc hand_out(bk_lines *l, const char *p, size_t n, const char **line, size_t *len) {
  l->cr = n > 0 && p[n - 1] == '\r';
  if (l->cr) n--;
  if (n > l->max_line) return too_long(l);
  l->lineno++;
  *line = p;
  *len = n;
  return BK_OK;
}

/* The next line from borrowed blocks: in place when it lies inside one block, else
 * joined in buf (buf[0, end) holds the start of a line that a block boundary cut). */
static bk_rc next_borrowed(bk_lines *l, const char **line, size_t *len) {
  for (;;) {
    if (l->ext_pos < l->ext_len) {
      const char *p = l->ext + l->ext_pos;
      size_t avail = l->ext_len - l->ext_pos;
      const char *nl = memchr(p, '\n', avail);
      size_t n = nl ? (size_t)(nl - p) : avail;
      if (nl && l->end == 0) {
        l->ext_pos += n + 1;
        return hand_out(l, p, n, line, len);
      }
      if (l->end + n > l->max_line + 1) return too_long(l);
      memcpy(l->buf + l->end, p, n);
      l->end += n;
      l->ext_pos += nl ? n + 1 : n;
      if (nl) {
        size_t m = l->end;
        l->end = 0;
        return hand_out(l, l->buf, m, line, len);
      }
    }
    if (l->eof) {
      if (l->end == 0) return l->state = BK_EOF;
      size_t m = l->end;
      l->end = 0;
      return hand_out(l, l->buf, m, line, len);
    }
    l->ext_pos = 0;
    bk_rc rc = bk_source_borrow(l->src, &l->ext, &l->ext_len);
    if (rc == BK_EOF) {
      l->eof = 1;
    } else if (rc) {
      l->err = *bk_source_error(l->src);
      return l->state = rc;
    }
  }
}

bk_rc bk_lines_next(bk_lines *l, const char **line, size_t *len) {
  if (l->state) return l->state;
  if (l->borrow) return next_borrowed(l, line, len);
  size_t scanned = 0; /* bytes from start known to hold no LF */
  for (;;) {
    char *p = l->buf + l->start;
    size_t avail = l->end - l->start;
    char *nl = avail > scanned ? memchr(p + scanned, '\n', avail - scanned) : NULL;
    if (nl || (l->eof && avail > 0)) {
      size_t n = nl ? (size_t)(nl - p) : avail;
      l->start += nl ? n + 1 : n;
      return hand_out(l, p, n, line, len);
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
