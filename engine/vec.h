/*
 * Growable arrays: the one doubling rule every array of the engine (and the layers above
 * it) uses, so no module writes its own realloc loop. Arrays stay plain C arrays of
 * their element type; this only decides the new capacity and reallocates.
 */
#ifndef BK_VEC_H
#define BK_VEC_H

#include <stddef.h>

/* Room for at least `want` elements of size sz in v (capacity *cap): returns v when it
 * already has room, else v reallocated to the next power-of-two multiple of 16 elements
 * with *cap updated (a NULL v gets its first 16 even for want 0, so the result is never
 * NULL on success); NULL (v untouched and still owned by the caller, *cap unchanged)
 * when memory or the size runs out. */
void *bk_vec_grow(void *v, size_t *cap, size_t want, size_t sz);

#endif
