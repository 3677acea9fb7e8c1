/*
 * The trade band (see trade_band.h): the extremes of a sliding window of trade prices,
 * kept as two monotonic queues. The high's queue holds the trades that are higher than
 * every later one; its first element is the highest of the window, and a trade that
 * leaves the window leaves from the front. The low's queue mirrors it.
 *
 * Why an object of its own: "what did the tape trade near now" is the fact the depth
 * model's bound rests on; it deserves a rule that can be read and checked alone (the
 * test compares it with a plain scan of every trade).
 *
 * Workload: one call per trade of a contract without a book, up to a few thousand a
 * second in a crash, and one query per model book (at most once a mark). Each trade is
 * pushed and popped at most once per queue, so both calls are O(1) amortized; a queue
 * holds at most the trades of one window and is compacted in place when half of it is
 * dead. Integers only.
 */
#include "engine/trade_band.h"

#include <stdlib.h>
#include <string.h>

#include "engine/fixed.h"
#include "engine/vec.h"

void bk_band_init(bk_trade_band *b, int64_t window_us) {
  memset(b, 0, sizeof *b);
  b->window_us = window_us;
}

void bk_band_fini(bk_trade_band *b) {
  free(b->hi.v);
  free(b->lo.v);
  memset(&b->hi, 0, sizeof b->hi);
  memset(&b->lo, 0, sizeof b->lo);
}

/* Room for one more element at the back: the dead front is reclaimed when it is at least
 * half the queue, else the queue grows. -1 when memory runs out (nothing changed but a
 * compaction, which the queue's contents do not see). */
static int reserve(bk_band_queue *q) {
  if (q->n < q->cap) return 0;
  if (q->head > 0 && q->head >= q->n - q->head) {
    memmove(q->v, q->v + q->head, (q->n - q->head) * sizeof *q->v);
    q->n -= q->head;
    q->head = 0;
    return 0;
  }
  bk_band_trade *v = bk_vec_grow(q->v, &q->cap, q->n + 1, sizeof *v);
  if (!v) return -1;
  q->v = v;
  return 0;
}

/* Appends t after dropping the trades it outranks: for the high's queue (sign 1) those
 * not above it, for the low's (sign -1) those not below it. */
static void push(bk_band_queue *q, bk_band_trade t, int sign) {
  while (q->n > q->head &&
         (sign > 0 ? q->v[q->n - 1].price <= t.price : q->v[q->n - 1].price >= t.price))
    q->n--;
  q->v[q->n++] = t;
}

/* Drops front trades older than `from`, keeping the newest. */
static void expire(bk_band_queue *q, bk_i128 from) {
  while (q->n - q->head > 1 && q->v[q->head].ts < from) q->head++;
}

bk_rc bk_band_trade_at(bk_trade_band *b, int64_t ts, int64_t price) {
  if (reserve(&b->hi) || reserve(&b->lo)) return BK_ENOMEM;
  bk_band_trade t = {ts, price};
  push(&b->hi, t, 1);
  push(&b->lo, t, -1);
  expire(&b->hi, (bk_i128)ts - b->window_us);
  expire(&b->lo, (bk_i128)ts - b->window_us);
  return BK_OK;
}

int bk_band_at(bk_trade_band *b, int64_t now, int64_t *lo, int64_t *hi) {
  if (b->hi.n == b->hi.head) return 0;
  expire(&b->hi, (bk_i128)now - b->window_us);
  expire(&b->lo, (bk_i128)now - b->window_us);
  *hi = b->hi.v[b->hi.head].price;
  *lo = b->lo.v[b->lo.head].price;
  return 1;
}
