/* Growable arrays (see vec.h): capacity doubles from 16, with the byte size checked. */
#include "engine/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *bk_vec_grow(void *v, size_t *cap, size_t want, size_t sz) {
  return bk_vec_grow_from(v, cap, want, sz, 16);
}

void *bk_vec_grow_from(void *v, size_t *cap, size_t want, size_t sz, size_t first) {
  if (want <= *cap && v) return v;
  size_t c = *cap && v ? *cap : first; /* an empty array gets its first block even for 0 */
  while (c < want) {
    if (c > SIZE_MAX / 2) return NULL;
    c *= 2;
  }
  if (sz && c > SIZE_MAX / sz) return NULL;
  void *p = realloc(v, c * sz);
  if (!p) return NULL;
  *cap = c;
  return p;
}

void *bk_vec_push(void *v, size_t *n, size_t *cap, const void *elem, size_t sz) {
  char *p = bk_vec_grow(v, cap, *n + 1, sz);
  if (!p) return NULL;
  memcpy(p + *n * sz, elem, sz);
  (*n)++;
  return p;
}
