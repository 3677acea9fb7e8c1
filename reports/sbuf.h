/*
 * A bounded string writer, snprintf-style: characters past the capacity are counted but
 * not stored, and the end NUL-terminates what fits. The field escapers (CSV, JSON) write
 * through it, so a caller can size its buffer from the returned length.
 */
#ifndef BK_SBUF_H
#define BK_SBUF_H

#include <stddef.h>

typedef struct bk_sbuf {
  char *out;
  size_t cap; /* bytes at out, room for the NUL included; may be 0 */
  size_t n;   /* characters written so far, stored or not */
} bk_sbuf;

static inline void bk_sbuf_put(bk_sbuf *b, char c) {
  if (b->n + 1 < b->cap) b->out[b->n] = c;
  b->n++;
}

/* Terminates what fits and returns the length the whole text needs. */
static inline size_t bk_sbuf_end(bk_sbuf *b) {
  if (b->cap) b->out[b->n < b->cap ? b->n : b->cap - 1] = '\0';
  return b->n;
}

#endif
