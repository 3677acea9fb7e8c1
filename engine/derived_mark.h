/*
 * A mark derived from trades, for contracts whose data carries no mark price (trade tapes
 * only). The mark is the lower median of the trade prices of the last `window_us` of
 * exchange time (at most BK_DMARK_TRADES of them, the newest), recomputed when a bucket
 * of `step_us` closes: a single wick does not move it, as venues intend by marking on a
 * median rather than on the last trade.
 *
 * Buckets: the first trade after a closed bucket opens the bucket [.., end) that ends at
 * the next multiple of step_us after it; the first trade at or after `end` closes it, and
 * the median is taken at `end` over the trades before that trade (the closing trade is
 * not part of it). A bucket with no trade never opens, so quiet time costs nothing.
 *
 * Ownership: caller storage (_init); nothing is allocated.
 */
#ifndef BK_DERIVED_MARK_H
#define BK_DERIVED_MARK_H

#include <stddef.h>
#include <stdint.h>

#define BK_DMARK_TRADES 255 /* trades kept: the median's sample at most */

typedef struct bk_derived_mark {
  int64_t window_us;             /* trailing window of the median, µs, > 0 */
  int64_t step_us;               /* bucket, µs, > 0 */
  int64_t ts[BK_DMARK_TRADES];   /* a ring of the last trades: time, µs */
  int64_t px[BK_DMARK_TRADES];   /* and price, fixed point */
  size_t head;                   /* where the next trade goes */
  size_t n;                      /* trades held, <= BK_DMARK_TRADES */
  int64_t bucket_end;            /* end of the open bucket, µs */
  int open;                      /* 1 while a bucket has trades and has not closed */
} bk_derived_mark;

/* An empty ring over window_us with buckets of step_us (both > 0). */
void bk_dmark_init(bk_derived_mark *d, int64_t window_us, int64_t step_us);

/* Records a trade at ts (trades come in time order). When the trade closes the open
 * bucket, returns the median at the bucket's end (trades before this one) and sets *at to
 * that end; otherwise returns 0 and leaves *at alone. */
int64_t bk_dmark_trade(bk_derived_mark *d, int64_t ts, int64_t price, int64_t *at);

/* The lower median of the trades held that are at or after now - window_us (the newest
 * trade always counts, however old); 0 when no trade is held. */
int64_t bk_dmark_median(const bk_derived_mark *d, int64_t now);

#endif
