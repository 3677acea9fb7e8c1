/*
 * The line reader: a byte source cut into lines. A line is handed out without its LF
 * and without the CR of a CRLF; empty lines are handed out too (the row reader skips and
 * counts them). The last line needs no newline.
 *
 * Memory is bounded: one buffer of max_line + read size bytes. A line longer than
 * max_line is an error, found as soon as max_line bytes pass without a newline, so a
 * 100 MB line is never buffered whole.
 */
#ifndef BK_FEEDS_LINES_H
#define BK_FEEDS_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "feeds/source.h"

#define BK_LINE_MAX_DEFAULT ((size_t)1 << 20) /* 1 MiB */

typedef struct bk_lines {
  bk_source *src;    /* borrowed */
  char *buf;         /* cap bytes */
  size_t cap;        /* max_line + read size + 1 */
  size_t start, end; /* unread bytes are buf[start, end) */
  size_t read_size;  /* bytes asked of the source per read */
  size_t max_line;   /* longest line accepted, bytes without CR/LF */
  uint64_t lineno;   /* number of the line last handed out, from 1 */
  int cr;            /* the line last handed out ended with CRLF */
  int eof;           /* the source is at its end */
  int borrow;        /* the source lends its blocks: lines are handed out in place in
                        them, and buf only joins a line that spans two blocks */
  const char *ext;   /* the borrowed block, unread bytes ext[ext_pos, ext_len) */
  size_t ext_pos, ext_len;
  bk_rc state;       /* sticky EOF or error */
  bk_err err;
} bk_lines;

/* Prepares l to read src (borrowed, must outlive l) with reads of read_size bytes
 * (0 = BK_SOURCE_READ_DEFAULT) and lines up to max_line bytes (0 = BK_LINE_MAX_DEFAULT).
 * BK_ENOMEM; after an error l needs no bk_lines_fini. */
bk_rc bk_lines_init(bk_lines *l, bk_source *src, size_t read_size, size_t max_line);

/* Frees l's buffer (not the source). */
void bk_lines_fini(bk_lines *l);

/* Hands out the next line: *line (not NUL-terminated, valid until the next call) and
 * *len. Returns BK_OK, BK_EOF after the last line, or an error whose message (in l->err)
 * names the file and line: the source's errors as they are, and BK_EDATA
 * "line N longer than M bytes". Errors and EOF are sticky. */
bk_rc bk_lines_next(bk_lines *l, const char **line, size_t *len);

/* In-place access for decoders with a fast path over whole lines (feeds/feed.c).
 * bk_lines_avail points *p at the unread bytes that lie in memory already and returns how
 * many there are: 0 while a line cut by a block end is being joined, after EOF or an
 * error, or when the buffer is used up (bk_lines_next then reads on). The bytes are valid
 * until the next call on l. bk_lines_skip consumes n of them, which must be `lines` whole
 * lines each ending in LF, none longer than max_line, as bk_lines_next would have handed
 * them out; bk_lines_next then goes on after them. */
static inline size_t bk_lines_avail(const bk_lines *l, const char **p) {
  if (l->state) return 0;
  if (l->borrow) {
    if (l->end != 0 || l->ext_pos >= l->ext_len) return 0;
    *p = l->ext + l->ext_pos;
    return l->ext_len - l->ext_pos;
  }
  if (l->start >= l->end) return 0;
  *p = l->buf + l->start;
  return l->end - l->start;
}

static inline void bk_lines_skip(bk_lines *l, size_t n, uint64_t lines) {
  if (l->borrow) l->ext_pos += n;
  else l->start += n;
  l->lineno += lines;
  l->cr = 0;
}

#endif
