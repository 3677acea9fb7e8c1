/*
 * The band the tape traded in: the lowest and highest trade price of one contract over
 * the last `window_us` of exchange time, counting only trades already seen (causal). The
 * newest trade always counts, however old, so a band exists from the first trade on: a
 * quiet tape's last price still says where the market last was.
 *
 * The depth model bounds its book by it (engine/depth_model.h): a modelled bid never
 * sits above the band's high, a modelled ask never below its low.
 *
 * Ownership: caller storage (_init/_fini); the queues are allocated as trades come.
 */
#ifndef BK_TRADE_BAND_H
#define BK_TRADE_BAND_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/* A trade as the band keeps it. */
typedef struct bk_band_trade {
  int64_t ts;    /* µs */
  int64_t price; /* fixed point, > 0 */
} bk_band_trade;

/* Trades in time order whose prices run one way (falling for the high's queue, rising
 * for the low's): its first element is the extreme of the trades it stands for. */
typedef struct bk_band_queue {
  bk_band_trade *v; /* owned; elements [head, n) are live */
  size_t head, n, cap;
} bk_band_queue;

typedef struct bk_trade_band {
  int64_t window_us;  /* trailing window, µs, > 0 */
  bk_band_queue hi;   /* the high's candidates */
  bk_band_queue lo;   /* the low's candidates */
} bk_trade_band;

/* An empty band over window_us (> 0). */
void bk_band_init(bk_trade_band *b, int64_t window_us);
void bk_band_fini(bk_trade_band *b);

/* Records a trade at ts (trades come in time order) and forgets trades that left the
 * window. BK_ENOMEM when a queue cannot grow (the band is then as before the call). */
bk_rc bk_band_trade_at(bk_trade_band *b, int64_t ts, int64_t price);

/* The band at now (now >= every trade's time, and not before an earlier call's now):
 * the lowest and highest price of the trades at or after now - window_us, and of the
 * newest trade. 0 when no trade was seen (*lo, *hi untouched), else 1. */
int bk_band_at(bk_trade_band *b, int64_t now, int64_t *lo, int64_t *hi);

#endif
