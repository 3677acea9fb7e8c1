/*
 * Marks derived from trades (see derived_mark.h): a ring of the last trades of one
 * contract and the lower median over a trailing window.
 *
 * Why an object of its own: the simulation only decides when a derived mark is used and
 * what it triggers; how the mark is made (ring, window, buckets, median) is this file.
 *
 * Workload: one call per trade of a contract without marks in the data, up to a few
 * thousand a second in a crash. Recording is O(1); a median is computed only when a
 * bucket closes (at most once per step_us), by selecting among at most BK_DMARK_TRADES
 * prices copied to the stack. Integers only.
 */
#include "engine/derived_mark.h"

void bk_dmark_init(bk_derived_mark *d, int64_t window_us, int64_t step_us) {
  d->window_us = window_us;
  d->step_us = step_us;
  d->head = 0;
  d->n = 0;
  d->bucket_end = 0;
  d->open = 0;
}

/* The k-th smallest of v[0..n) (0-based), reordering v: Hoare's selection with a
 * median-of-three pivot, O(n) on average instead of a full sort's O(n log n). */
static int64_t select_kth(int64_t *v, size_t n, size_t k) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int64_t a = v[lo], b = v[mid], c = v[hi];
    int64_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
    size_t i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (v[j] > pivot) j--;
      if (i <= j) {
        int64_t t = v[i];
        v[i] = v[j];
        v[j] = t;
        i++;
        if (j == 0) break;
        j--;
      }
    }
    /* now v[lo..j] <= pivot <= v[i..hi], and anything between equals the pivot */
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k];
  }
  return v[k];
}

int64_t bk_dmark_median(const bk_derived_mark *d, int64_t now) {
  int64_t v[BK_DMARK_TRADES];
  size_t n = 0;
  for (size_t i = 0; i < d->n; i++) { /* newest first */
    size_t j = (d->head + BK_DMARK_TRADES - 1 - i) % BK_DMARK_TRADES;
    if (d->ts[j] < now - d->window_us && n > 0) break;
    v[n++] = d->px[j];
  }
  if (n == 0) return 0;
  return select_kth(v, n, (n - 1) / 2);
}

int64_t bk_dmark_trade(bk_derived_mark *d, int64_t ts, int64_t price, int64_t *at) {
  int64_t m = 0;
  if (d->open && ts >= d->bucket_end) {
    d->open = 0;
    m = bk_dmark_median(d, d->bucket_end);
    *at = d->bucket_end;
  }
  d->ts[d->head] = ts;
  d->px[d->head] = price;
  d->head = (d->head + 1) % BK_DMARK_TRADES;
  if (d->n < BK_DMARK_TRADES) d->n++;
  if (!d->open) {
    d->open = 1;
    d->bucket_end = (ts / d->step_us + 1) * d->step_us;
  }
  return m;
}
