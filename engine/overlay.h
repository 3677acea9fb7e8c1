/*
 * Depth already consumed: what this run's earlier liquidations took from each book level,
 * so that a later walk does not sell into liquidity that is gone (docs/liquidation.md).
 * Consumption lasts until the level changes (its seq moves) or, with a half-life, decays.
 * One overlay per policy: policies side by side read the same books and each consumes
 * only in its own view. The walk's scratch (fills and levels seen) lives here too, grown
 * to the deepest side walked, so a walk allocates nothing in steady state.
 */
#ifndef BK_OVERLAY_H
#define BK_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/book.h"
#include "engine/error.h"

typedef struct bk_liq_slot {
  int64_t price;    /* level price; 0 = empty slot */
  int64_t consumed; /* quantity taken from the level, > 0 */
  int64_t ts;       /* µs when last consumed */
  uint64_t seq;     /* the level's seq when consumed */
  uint32_t contract;
  int side;
} bk_liq_slot;

typedef struct bk_liq_memo {
  int64_t price;
  uint64_t seq;
} bk_liq_memo;

typedef struct bk_liq_overlay {
  bk_liq_slot *v;
  size_t n, cap;      /* used slots, capacity (a power of two) */
  int64_t halflife_us; /* 0: consumption lasts until the level changes */
  int64_t last;       /* µs of the latest consumption (entries decayed to nothing by then
                         are dropped when the table is rebuilt) */
  /* the walk's scratch, grown to the deepest side walked: its fills, and the levels it
     saw with their seq */
  bk_fill *fills;
  bk_liq_memo *memo;
  size_t scap;
} bk_liq_overlay;

void bk_liq_overlay_init(bk_liq_overlay *o, int64_t halflife_us);
void bk_liq_overlay_fini(bk_liq_overlay *o);

/* Quantity of a level still available to this run at time now. */
int64_t bk_liq_overlay_avail(const bk_liq_overlay *o, uint32_t contract, int side,
                             const bk_level *lvl, int64_t now);

/* Records that qty was taken from a level whose seq was seq. BK_ENOMEM leaves o
 * unchanged. */
bk_rc bk_liq_overlay_consume(bk_liq_overlay *o, uint32_t contract, int side, int64_t price,
                             int64_t qty, uint64_t seq, int64_t now);

/* Room for `more` levels not yet in the table, so that as many consumes cannot fail.
 * BK_ENOMEM leaves o unchanged. */
bk_rc bk_liq_overlay_reserve(bk_liq_overlay *o, size_t more);

#endif
