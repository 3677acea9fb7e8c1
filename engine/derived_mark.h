/*
 * A mark derived from trades, for contracts whose data carries no mark price (trade tapes
 * only). The mark is the lower median of the prices of every trade of the last
 * `window_us` of exchange time, recomputed when a bucket of `step_us` closes: a single
 * wick does not move it, as venues intend by marking on a median rather than on the last
 * trade. However many trades the window holds (thousands a second in a crash), all of
 * them count: the mark is what the window says, not a sample of its newest trades.
 *
 * Buckets: the first trade after a closed bucket opens the bucket [.., end) that ends at
 * the next multiple of step_us after it. It closes when the clock reaches `end`: the
 * caller asks (bk_dmark_close) at every time it moves to, any event of the replay, and the
 * median is taken at `end` over the trades before it. A bucket with no trade never opens,
 * so quiet time costs nothing, and the mark stays the last median taken.
 *
 * How: the window's trades in a queue in time order, and their prices split into two
 * heaps, the lower half (a max-heap, whose top is the lower median) and the upper half (a
 * min-heap). A trade joins in O(log n); a trade that leaves the window is only counted
 * out, and dropped from its heap when it reaches the top or when dead entries outnumber
 * live ones. Memory is a few words per trade of the window.
 *
 * Ownership: caller storage (_init), whose arrays grow as the window fills; _fini frees
 * them.
 */
#ifndef BK_DERIVED_MARK_H
#define BK_DERIVED_MARK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/* A trade of the window, in a heap: its price, and its place in the tape (trades are
 * numbered from 0 as they come), which also orders equal prices. */
typedef struct bk_dmark_entry {
  int64_t px;
  uint64_t seq;
} bk_dmark_entry;

/* A trade of the window, in the queue: its time and which half holds it. */
typedef struct bk_dmark_slot {
  int64_t ts;
  int lower; /* 1: in the lower half (max-heap), 0: in the upper */
} bk_dmark_slot;

typedef struct bk_derived_mark {
  int64_t window_us;       /* trailing window of the median, µs, > 0 */
  int64_t step_us;         /* bucket, µs, > 0 */
  bk_dmark_slot *q;    /* the window's trades, a ring: trade seq at q[seq & (qcap - 1)] */
  size_t qcap;             /* a power of two, or 0 */
  uint64_t first, next;    /* the oldest trade still in the window, and the next number */
  bk_dmark_entry *lo, *hi; /* the two halves, each with dead entries (seq < first) */
  size_t nlo, nhi;         /* entries in each heap, dead ones included */
  size_t caplo, caphi;
  size_t livelo, livehi;   /* trades of the window in each half: livelo - livehi is 0 or 1 */
  int64_t bucket_end;      /* end of the open bucket, µs */
  int open;                /* 1 while a bucket has trades and has not closed */
} bk_derived_mark;

/* An empty window of window_us with buckets of step_us (both > 0). Allocates nothing. */
void bk_dmark_init(bk_derived_mark *d, int64_t window_us, int64_t step_us);
void bk_dmark_fini(bk_derived_mark *d);

/* The clock at ts (it never goes back; a trade at ts is recorded after this call): when
 * ts reaches the open bucket's end, closes it, returns the median at that end (the trades
 * before it) and sets *at to the end; otherwise returns 0 and leaves *at alone.
 * Allocates nothing. */
int64_t bk_dmark_close(bk_derived_mark *d, int64_t ts, int64_t *at);

/* Records the trade (after bk_dmark_close for it), opening a bucket if none is open.
 * BK_ENOMEM (nothing recorded) when the window cannot grow. */
bk_rc bk_dmark_add(bk_derived_mark *d, int64_t ts, int64_t price);

/* The lower median of the trades at or after now - window_us (the newest trade always
 * counts, however old); 0 when no trade was recorded. Trades older than the window leave
 * it for good, so `now` must not go back between calls. */
int64_t bk_dmark_median(bk_derived_mark *d, int64_t now);

#endif
