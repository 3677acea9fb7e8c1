/*
 * Marks derived from trades (see derived_mark.h): a ring of the last trades of one
 * contract and the lower median over a trailing window.
 *
 * Why an object of its own: the simulation only decides when a derived mark is used and
 * what it triggers; how the mark is made (ring, window, buckets, median) is this file.
 *
 * Workload: one call per trade of a contract without marks in the data, up to a few
 * thousand a second in a crash. Recording is O(1); a median is computed only when a
 * bucket closes (at most once per step_us), by sorting at most BK_DMARK_TRADES prices
 * copied to the stack. Integers only.
 */
#include "engine/derived_mark.h"

#include <stdlib.h>

void bk_dmark_init(bk_derived_mark *d, int64_t window_us, int64_t step_us) {
  d->window_us = window_us;
  d->step_us = step_us;
  d->head = 0;
  d->n = 0;
  d->bucket_end = 0;
  d->open = 0;
}

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
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
  qsort(v, n, sizeof *v, cmp64);
  return v[(n - 1) / 2];
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
