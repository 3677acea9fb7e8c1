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

/* The same with the first block's size chosen by the caller (first >= 1): for arrays
 * that are many and mostly tiny, such as an account's positions. */
void *bk_vec_grow_from(void *v, size_t *cap, size_t want, size_t sz, size_t first);

/* Appends the element at `elem` (size sz) to v, which holds *n of them (capacity *cap):
 * returns the array, perhaps moved, with *n one larger, or NULL (v untouched) when
 * memory runs out. */
void *bk_vec_push(void *v, size_t *n, size_t *cap, const void *elem, size_t sz);

#endif
