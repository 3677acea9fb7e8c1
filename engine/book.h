/*
 * The L2 order book of one instrument, as the replayed history says it is.
 *
 * Layout: per side, a dense array of level quantities indexed by (price / tick − base)
 * over a window that re-centres as the market moves, with a 64-bit occupancy bitmap so
 * the best level and depth walks are ctz/clz scans; levels far from the window live in
 * a balanced search tree per side (O(log n) a level in any arrival order). Tuned for the
 * Tardis incremental_book_L2 load:
 * millions of updates, almost all within a few ticks of the top.
 *
 * Semantics (Tardis): bk_book_set gives the new total at a price, 0 deletes. The caller
 * (the replay loop) applies every row of one message before reading the book.
 *
 * Every level also carries `seq`, the book's update counter when the level last changed,
 * so a caller can tell whether a level it consumed has since been rewritten by the
 * history (see the liquidation engine's consumption overlay).
 *
 * Ownership: bk_book_new allocates, bk_book_free releases (NULL is fine).
 */
#ifndef BK_BOOK_H
#define BK_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef struct bk_book bk_book;

typedef struct bk_level {
  int64_t price; /* fixed point */
  int64_t qty;   /* fixed point, > 0 */
  uint64_t seq;  /* book update counter when this level last changed */
} bk_level;

typedef struct bk_fill {
  int64_t price; /* fixed point */
  int64_t qty;   /* fixed point, > 0 */
} bk_fill;

/* tick: price tick in fixed point, or 0 to infer it from the prices seen (the greatest
 * common divisor; the layout is rebuilt if a later price is finer). NULL on no memory or
 * a negative tick. A given tick is refined the same way when a price is not a multiple
 * of it (correctness first). The window spans 2^16 ticks, about 1 MB per side, allocated
 * on the side's first level: a book that never holds a level costs a few hundred bytes. */
bk_book *bk_book_new(int64_t tick);
void bk_book_free(bk_book *b);

/* Removes every level (a snapshot after updates resets the book). */
void bk_book_clear(bk_book *b);

/* Sets the total quantity at price on side (BK_BID or BK_ASK); qty 0 deletes the level
 * (deleting a level that is not there only counts the update). price must be > 0, qty
 * >= 0 and side BK_BID or BK_ASK, else BK_EDATA; BK_ENOMEM if the book cannot grow.
 * After an error the book, its seq included, is unchanged. */
bk_rc bk_book_set(bk_book *b, int side, int64_t price, int64_t qty);

/* Best level of a side: returns 1 and fills *lvl, or 0 when the side is empty. */
int bk_book_best(const bk_book *b, int side, bk_level *lvl);

/* Number of levels on a side. */
size_t bk_book_count(const bk_book *b, int side);

/* The tick in use (given or inferred so far; 0 before any price). */
int64_t bk_book_tick(const bk_book *b);

/* Update counter: incremented by every bk_book_set and bk_book_clear. */
uint64_t bk_book_seq(const bk_book *b);

/* Copies up to max levels of a side into out, best first, stopping at the first level
 * beyond limit (bids below it, asks above it; limit 0 = no limit). Returns the count. */
size_t bk_book_levels(const bk_book *b, int side, int64_t limit, bk_level *out, size_t max);

/* How much of a level a walker may take. Given the level as the book holds it, returns
 * the quantity available to this walker (e.g. minus what earlier liquidations consumed).
 * NULL means the whole level. The answer is capped to [0, lvl->qty]. */
typedef int64_t (*bk_avail_fn)(void *ctx, int side, const bk_level *lvl);

typedef struct bk_walk {
  int side;             /* side whose resting levels are taken: BK_BID to sell, BK_ASK to buy */
  int64_t qty;          /* quantity wanted, fixed point, > 0 */
  int64_t limit;        /* worst acceptable price (bids >= limit, asks <= limit); 0 = none */
  int64_t participation; /* share of each level's available quantity that may be taken,
                            fixed point in (0, BK_FX(1)]; the share is rounded down */
  bk_avail_fn avail;    /* NULL: whole level available */
  void *avail_ctx;
} bk_walk;

/* Walks the book for w->qty, best level first, never past w->limit, taking at each level
 * at most participation × available. Writes one fill per level touched (up to max_fills;
 * the walk stops when they are used) and returns the number of fills; *filled gets the
 * total quantity. The book is not changed: consuming liquidity is the caller's business.
 * A level whose share rounds down to 0 gives no fill and the walk goes on to the next;
 * participation above BK_FX(1) counts as BK_FX(1); a walk with qty <= 0, participation
 * <= 0 or no valid side fills nothing. */
size_t bk_book_walk(const bk_book *b, const bk_walk *w, bk_fill *fills, size_t max_fills,
                    int64_t *filled);

#endif
