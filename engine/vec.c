/* Growable arrays (see vec.h): capacity doubles from 16, with the byte size checked. */
#include "engine/vec.h"

#include <stdint.h>
#include <stdlib.h>

void *bk_vec_grow(void *v, size_t *cap, size_t want, size_t sz) {
  if (want <= *cap && v) return v;
  size_t c = *cap && v ? *cap : 16; /* an empty array gets its first block even for 0 */
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
