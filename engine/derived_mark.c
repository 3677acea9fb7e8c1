/*
 * Marks derived from trades (see derived_mark.h): the trades of a trailing window in a
 * queue, their prices in two heaps around the lower median.
 *
 * Why an object of its own: the simulation only decides when a derived mark is used and
 * what it triggers; how the mark is made (window, buckets, median) is this file.
 *
 * Workload: one trade of a contract without marks in the data at a time, up to a few
 * thousand a second in a crash, each O(log n) for the n trades of the window; a median
 * when a bucket closes (at most once per step_us), O(log n) for each trade that left the
 * window since, and now and then an O(n) rebuild of a heap. Integers only.
 *
 * The heaps' invariant: every live entry of the lower half is below (in price, then in
 * seq) every live entry of the upper half, and the lower half holds half the window
 * rounded up, so its top is the lower median. Dead entries (trades that left the window,
 * seq < first) stay where they are until they surface at a top, or until the heap is
 * rebuilt without them: when they outnumber the live ones (and 32), or when the heap must
 * take an entry from the other half and is full.
 */
#include "engine/derived_mark.h"

#include <stdlib.h>

#include "engine/fixed.h"
#include "engine/vec.h"

void bk_dmark_init(bk_derived_mark *d, int64_t window_us, int64_t step_us) {
  *d = (bk_derived_mark){.window_us = window_us, .step_us = step_us};
}

void bk_dmark_fini(bk_derived_mark *d) {
  free(d->q);
  free(d->lo);
  free(d->hi);
  bk_dmark_init(d, d->window_us, d->step_us);
}

/* --- heaps ------------------------------------------------------------------------- */

/* a before b in price, then in seq */
static int below(bk_dmark_entry a, bk_dmark_entry b) {
  return a.px < b.px || (a.px == b.px && a.seq < b.seq);
}

/* Whether entry a belongs above b in heap h: the lower half is a max-heap, the upper a
 * min-heap. */
static int over(int lower, bk_dmark_entry a, bk_dmark_entry b) {
  return lower ? below(b, a) : below(a, b);
}

static void sift_up(bk_dmark_entry *h, size_t i, int lower) {
  bk_dmark_entry e = h[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!over(lower, e, h[p])) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = e;
}

static void sift_down(bk_dmark_entry *h, size_t n, size_t i, int lower) {
  bk_dmark_entry e = h[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && over(lower, h[c + 1], h[c])) c++;
    if (!over(lower, h[c], e)) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = e;
}

static void pop(bk_dmark_entry *h, size_t *n, int lower) {
  h[0] = h[--*n];
  if (*n) sift_down(h, *n, 0, lower);
}

/* Drops the dead entries that reached the top. */
static void prune(const bk_derived_mark *d, bk_dmark_entry *h, size_t *n, int lower) {
  while (*n && h[0].seq < d->first) pop(h, n, lower);
}

/* Rebuilds a heap without its dead entries. */
static void rebuild(const bk_derived_mark *d, bk_dmark_entry *h, size_t *n, int lower) {
  size_t k = 0;
  for (size_t i = 0; i < *n; i++)
    if (h[i].seq >= d->first) h[k++] = h[i];
  *n = k;
  for (size_t i = k / 2; i-- > 0;) sift_down(h, k, i, lower);
}

/* The same once the dead entries outnumber the live ones (and 32), so that a heap never
 * holds much more than its half of the window. */
static void compact(const bk_derived_mark *d, bk_dmark_entry *h, size_t *n, size_t live,
                    int lower) {
  if (*n - live > live + 32) rebuild(d, h, n, lower);
}

/* Moves the top (live, after prune) of one half to the other. The other has room: after
 * a trade joins, reserve() made it; after trades leave, the half that receives ends with
 * no more live entries than it held before they left, so dropping its dead entries makes
 * room. */
static void move_top(bk_derived_mark *d, int from_lower) {
  bk_dmark_entry *src = from_lower ? d->lo : d->hi, *dst = from_lower ? d->hi : d->lo;
  size_t *ns = from_lower ? &d->nlo : &d->nhi, *nd = from_lower ? &d->nhi : &d->nlo;
  if (*nd == (from_lower ? d->caphi : d->caplo)) rebuild(d, dst, nd, !from_lower);
  prune(d, src, ns, from_lower);
  bk_dmark_entry e = src[0];
  pop(src, ns, from_lower);
  dst[*nd] = e;
  sift_up(dst, (*nd)++, !from_lower);
  d->q[e.seq & (d->qcap - 1)].lower = !from_lower;
  if (from_lower) d->livelo--, d->livehi++;
  else d->livehi--, d->livelo++;
}

/* Restores livelo - livehi in {0, 1}. */
static void balance(bk_derived_mark *d) {
  while (d->livelo > d->livehi + 1) move_top(d, 1);
  while (d->livehi > d->livelo) move_top(d, 0);
}

/* --- the window -------------------------------------------------------------------- */

/* The trades older than now - window_us leave, the newest always staying. */
static void expire(bk_derived_mark *d, int64_t now) {
  while (d->next - d->first > 1) {
    const bk_dmark_slot *s = &d->q[d->first & (d->qcap - 1)];
    if ((bk_i128)s->ts >= (bk_i128)now - d->window_us) break;
    if (s->lower) d->livelo--;
    else d->livehi--;
    d->first++;
  }
  balance(d);
  compact(d, d->lo, &d->nlo, d->livelo, 1);
  compact(d, d->hi, &d->nhi, d->livehi, 0);
}

int64_t bk_dmark_median(bk_derived_mark *d, int64_t now) {
  if (d->next == d->first) return 0;
  expire(d, now);
  prune(d, d->lo, &d->nlo, 1);
  return d->lo[0].px;
}

int64_t bk_dmark_close(bk_derived_mark *d, int64_t ts, int64_t *at) {
  if (!d->open || ts < d->bucket_end) return 0;
  d->open = 0;
  *at = d->bucket_end;
  return bk_dmark_median(d, d->bucket_end);
}

/* Room for one more trade in the queue, in order, and in each heap (a move between the
 * halves may follow the insertion). */
static bk_rc reserve(bk_derived_mark *d) {
  size_t n = (size_t)(d->next - d->first);
  if (n == d->qcap) {
    size_t cap = d->qcap;
    bk_dmark_slot *q = bk_vec_grow(NULL, &cap, n + 1, sizeof *q);
    if (!q) return BK_ENOMEM;
    for (uint64_t s = d->first; s < d->next; s++) q[s & (cap - 1)] = d->q[s & (d->qcap - 1)];
    free(d->q);
    d->q = q;
    d->qcap = cap;
  }
  bk_dmark_entry *lo = bk_vec_grow(d->lo, &d->caplo, d->nlo + 2, sizeof *lo);
  if (!lo) return BK_ENOMEM;
  d->lo = lo;
  bk_dmark_entry *hi = bk_vec_grow(d->hi, &d->caphi, d->nhi + 2, sizeof *hi);
  if (!hi) return BK_ENOMEM;
  d->hi = hi;
  return BK_OK;
}

bk_rc bk_dmark_add(bk_derived_mark *d, int64_t ts, int64_t price) {
  if (reserve(d)) return BK_ENOMEM;
  bk_dmark_entry e = {price, d->next};
  prune(d, d->lo, &d->nlo, 1);
  int lower = d->livelo == 0 || !below(d->lo[0], e);
  bk_dmark_entry *h = lower ? d->lo : d->hi;
  size_t *n = lower ? &d->nlo : &d->nhi;
  h[*n] = e;
  sift_up(h, (*n)++, lower);
  d->q[d->next & (d->qcap - 1)] = (bk_dmark_slot){ts, lower};
  d->next++;
  if (lower) d->livelo++;
  else d->livehi++;
  balance(d);
  if (!d->open) { /* the next multiple of the step after ts (floored, so also below 0) */
    bk_i128 q = ts / d->step_us - (ts % d->step_us < 0), end = (q + 1) * d->step_us;
    d->open = 1;
    d->bucket_end = end > INT64_MAX ? INT64_MAX : (int64_t)end;
  }
  return BK_OK;
}
