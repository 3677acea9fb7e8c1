/*
 * The living part of the synthetic population (pop_synth.h, "Living"), per contract:
 * the accounts it holds on each side with their sizes, its own open interest, the trades
 * and taker flow of the rebalance step under way, and the choice of whom to close when
 * the open interest must shrink. Also the scenario's open-interest path. Pure
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
                               open interest is half their sum */
  bk_living_trade_rec *step;   /* reservoir of the step's trades (`cap` slots) */
  size_t nstep, cap;
  uint64_t seen;            /* trades of the step */
  int64_t buy, sell;        /* taker buy and sell quantity of the step (capped at INT64_MAX) */
} bk_living;

/* A living state sampling up to cap trades per step. BK_ENOMEM. */
bk_rc bk_living_init(bk_living *l, size_t cap);
void bk_living_fini(bk_living *l);

/* The population holds account id with a position of size (signed, != 0). BK_ENOMEM,
 * BK_ERANGE (a side's sum overflows). */
bk_rc bk_living_hold(bk_living *l, uint32_t id, int64_t size);

/* A trade of the step: counted in the taker flow and offered to the step's reservoir
 * (one draw from rng once the reservoir is full). */
void bk_living_trade(bk_living *l, const bk_living_trade_rec *t, uint64_t *rng);

/* Forgets the step's trades and flow (a new step starts). */
void bk_living_next_step(bk_living *l);

/* Chooses the accounts to close so that the gross size falls by about `excess` (> 0):
 * the excess is split between the sides as the step's taker flow was (taker buys close
 * shorts, taker sells close longs; no flow: half each; a side that runs out passes the
 * rest to the other), and on each side accounts drawn uniformly from rng are closed while
 * the one drawn is smaller than twice what is left to close there. Each side ends within
 * half the size of the account it stopped at, so the gross size ends within one account's
 * size of the goal. The chosen ids are removed from the sides and their sums and
 * written to out (room for every account held); *n gets their number. */
void bk_living_shrink(bk_living *l, int64_t excess, uint64_t *rng, uint32_t *out, size_t *n);

/* The scale of a path at time t: piecewise linear between its points (sorted by time,
 * n >= 1), the first point's scale before it and the last's after, rounded down. */
int64_t bk_living_path_scale(const bk_living_point *path, size_t n, int64_t t);

#endif
