/*
 * The living part of the synthetic population (pop_synth.h, "Living"), per contract:
 * the accounts it holds on each side with their sizes (kept in step with the engine's by
 * bk_living_sync), the trades of the rebalance step under way by taker side, how many
 * accounts to open and with which weights, and the choice of whom to close when a side
 * must shrink. Also the scenario's open-interest path. Pure
 * bookkeeping and seeded choices: opening and closing in the simulation is pop_synth.c's.
 *
 * Everything is integer; every draw comes from the contract's own stream, so a contract's
 * choices do not depend on any other contract's.
 */
#ifndef BK_STRAT_POP_LIVING_H
#define BK_STRAT_POP_LIVING_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/* A point of the scenario's open-interest path: from `at` (µs) the target is the
 * window-start target × scale (fraction e-8, >= 0), linear up to the next point. */
typedef struct bk_living_point {
  int64_t at, scale;
} bk_living_point;

/* A trade of the step: its size (contracts e-8, > 0) and taker side (BK_BUY, BK_SELL). */
typedef struct bk_living_trade_rec {
  int64_t qty;
  int side;
} bk_living_trade_rec;

/* The accounts held on one side (long or short): ids and |sizes|, in no useful order. */
typedef struct bk_living_side {
  uint32_t *id;
  int64_t *size;
  size_t n, cap;
} bk_living_side;

typedef struct bk_living {
  bk_living_side side[2];   /* [0] longs, [1] shorts */
  int64_t held[2];          /* Σ |size| of the accounts held per side: the population's
                               long and short open interest */
  int64_t *step[2];         /* reservoirs of the sizes of the step's taker buys [0] and
                               taker sells [1] (`cap` slots each) */
  size_t nstep[2], cap;
  uint64_t seen[2];         /* taker buys and sells of the step */
} bk_living;

/* A living state sampling up to cap trades per side and step. BK_ENOMEM. */
bk_rc bk_living_init(bk_living *l, size_t cap);
void bk_living_fini(bk_living *l);

/* The population holds account id with a position of size (signed, != 0). BK_ENOMEM,
 * BK_ERANGE (a side's sum overflows). */
bk_rc bk_living_hold(bk_living *l, uint32_t id, int64_t size);

/* Sets the size of every account held to size_of(ctx, id) (signed contracts e-8: what the
 * account holds now): an account whose position is gone (0) or on the other side is no
 * longer held. Sizes only shrink this way (a liquidation or deleverage reduces them). */
void bk_living_sync(bk_living *l, int64_t (*size_of)(const void *ctx, uint32_t id),
                    const void *ctx);

/* A trade of the step: offered to its taker side's reservoir (one draw from rng once
 * that reservoir is full). */
void bk_living_trade(bk_living *l, const bk_living_trade_rec *t, uint64_t *rng);

/* Forgets the step's trades (a new step starts). */
void bk_living_next_step(bk_living *l);

/* How many accounts a side opens to grow by gap (> 0): gap / mean (the mean account size,
 * > 0) rounded to the nearest (halves up), at least 1 and at most `most`. */
size_t bk_living_count(int64_t gap, int64_t mean, size_t most);

/* Sizing weights of n accounts opening on side (0 long, 1 short), into w (room for n):
 * sizes of trades drawn from rng without replacement among the step's trades of the
 * matching taker side (taker buys open longs, taker sells shorts), among the other side's
 * when that side had none, equal weights (1) when the step had no trade at all. Returns
 * how many it gave: n, or the trades sampled on the side drawn from when fewer. */
size_t bk_living_weights(bk_living *l, int side, size_t n, uint64_t *rng, int64_t *w);

/* Chooses accounts of one side (0 long, 1 short) to close so that its size falls by about
 * `excess` (> 0): accounts drawn uniformly from rng are closed while the one drawn is
 * smaller than twice what is left to close, so the side ends short of the goal by less
 * than half the account it stopped at (or with none left), or past it by less than half
 * the last one closed. The chosen ids are removed from the side and
 * its sum and written to out (room for every account held on the side); *n gets their
 * number. */
void bk_living_shrink(bk_living *l, int side, int64_t excess, uint64_t *rng, uint32_t *out,
                      size_t *n);

/* The scale of a path at time t: piecewise linear between its points (sorted by time,
 * n >= 1), the first point's scale before it and the last's after, rounded down. */
int64_t bk_living_path_scale(const bk_living_point *path, size_t n, int64_t t);

#endif
