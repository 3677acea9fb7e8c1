/*
 * The arithmetic every population shares, as pure functions so it can be tested without a
 * simulation: a small seeded generator, leverage distributions, whole-lot apportionment of
 * an open-interest target, deposits from leverage, and the entry that puts a position's
 * bankruptcy price on a given price.
 *
 * Everything is integer: leverages, prices and amounts are fixed point e-8
 * (engine/fixed.h); no floating point feeds a draw, so a seed gives the same population
 * on every machine and compiler. Rounding favours the exchange: deposits round up.
 */
#ifndef BK_STRAT_SIZING_H
#define BK_STRAT_SIZING_H

#include <stddef.h>
#include <stdint.h>

#include "engine/account.h"
#include "engine/error.h"

/* --- leverage distributions ------------------------------------------------------ */

enum { BK_LEV_DISCRETE = 0,   /* weights over a list of leverages */
       BK_LEV_LOGUNIFORM = 1  /* log-uniform on [min, max], drawn as whole leverages */ };

#define BK_LEV_POINTS 16   /* discrete leverages in a configuration */
#define BK_LEV_TABLE 512   /* whole leverages in a log-uniform table (max - min + 1) */

/* How leverage is drawn. Discrete: lev[i] with integer weight[i] (> 0 in total).
 * Log-uniform: the leverage of a continuous log-uniform draw on [min, max] rounded to the
 * nearest whole number; min and max are whole, 1 <= min <= max < min + BK_LEV_TABLE. */
typedef struct bk_lev_config {
  int kind;                     /* BK_LEV_* */
  size_t n;                     /* discrete points, 1..BK_LEV_POINTS */
  int64_t lev[BK_LEV_POINTS];   /* leverage, e-8 (BK_FX(20) = 20×), >= BK_FX(1) */
  uint32_t weight[BK_LEV_POINTS];
  int64_t min, max;             /* log-uniform bounds, e-8, whole numbers */
} bk_lev_config;

/* A built distribution: cumulative integer weights, searched by bisection. */
typedef struct bk_lev_table {
  size_t n;
  int64_t lev[BK_LEV_TABLE];
  uint64_t cum[BK_LEV_TABLE];   /* cum[i] = weight of lev[0..i]; cum[n-1] = total */
} bk_lev_table;

/* The default: discrete {2, 5, 10, 20, 50, 100}× with weights {10, 20, 30, 25, 12, 3}: two
 * accounts in three at 10–50×, a thin tail at 100× (see strategies/pop_synth.h). */
void bk_lev_config_default(bk_lev_config *c);

/* Builds the table of c. BK_ECONFIG with the reason in err (may be NULL) when c is out of
 * range; t is unchanged then. Log-uniform weights are log2 of each whole leverage's
 * rounding interval, computed in 32.32 fixed point. */
bk_rc bk_lev_build(const bk_lev_config *c, bk_lev_table *t, bk_err *err);

/* One leverage drawn from t. */
int64_t bk_lev_draw(const bk_lev_table *t, uint64_t *rng);

/* A drawn leverage times scale (e-8), rounded down, and at least 1× (a deposit never
 * exceeds the notional). The tier cap applies after it, as to any drawn leverage. */
int64_t bk_lev_scale(int64_t lev, int64_t scale);

/* log2(x) for x >= 1 as a 32.32 fixed-point number (exact to 2^-32, truncated). */
uint64_t bk_pop_log2_q32(uint64_t x);

/* Reservoir sampling (Vitter's algorithm R) of `cap` items out of a stream: the slot of
 * the seen-th item (1-based) given the `kept` already held, or SIZE_MAX when it is not
 * kept. Each of the first cap items takes the next slot; after that an item is kept with
 * probability cap / seen, in a uniform slot (one draw from rng). */
size_t bk_pop_reservoir_slot(size_t kept, size_t cap, uint64_t seen, uint64_t *rng);

/* --- sizing ------------------------------------------------------------------------ */

/* Splits `total` whole units over n weights (>= 0) by largest remainder: out[i] is
 * floor(total × w[i] / W) plus one for the (total − Σ floors) largest remainders (ties to
 * the lower index), so Σ out = total exactly and a zero weight gets nothing. W = 0 gives
 * all zeros. BK_ENOMEM / BK_ERANGE (total × W past 128 bits cannot happen; negative input
 * is BK_ERANGE) leave out unspecified. */
bk_rc bk_pop_apportion(const int64_t *w, size_t n, int64_t total, int64_t *out);

/* Deposit for positions of `notional` in the settle asset (>= 0) at leverage `lev`:
 * notional / lev (+ cushion × that), each step rounded up. */
bk_rc bk_pop_margin_deposit(int64_t notional, int64_t lev, int64_t cushion, int64_t *out);

/* Deposit for a position of `size` contracts entered at `entry` with leverage `lev`:
 * notional / lev (+ cushion × that), each step rounded up, in the contract's settle asset. */
bk_rc bk_pop_deposit(const bk_contract *c, int64_t size, int64_t entry, int64_t lev,
                     int64_t cushion, int64_t *out);

/* Contracts (e-8, rounded down to whole lots of `lot`) worth a notional at price:
 * `quote` says the notional is in the quote currency (USD for inverse: contracts × face;
 * quote for linear), else in the settle asset (coin for inverse). */
bk_rc bk_pop_contracts_for(const bk_contract *c, int64_t notional, int quote, int64_t price,
                           int64_t lot, int64_t *out);

/* Quote-currency notional of size contracts at price (inverse: |size| × face, USD;
 * linear: |size| × contract size × price), rounded down. */
bk_rc bk_pop_quote_notional(const bk_contract *c, int64_t size, int64_t price, int64_t *out);

/* Entry and deposit of a position of `size` contracts whose bankruptcy price is `bankrupt`
 * with leverage `lev` at entry (margin = notional at entry / lev):
 *   linear:  long E = B / (1 − 1/L), short E = B / (1 + 1/L);
 *   inverse: long E = B × (1 + 1/L), short E = B × (1 − 1/L)  (PnL is in 1/price);
 * entry rounded to 1e-8, then the deposit is exactly the position's loss at `bankrupt`
 * (rounded as the engine rounds a loss), so equity is zero at that price. L > 1. */
bk_rc bk_pop_entry_for_bankrupt(const bk_contract *c, int64_t size, int64_t bankrupt,
                                int64_t lev, int64_t *entry, int64_t *deposit);

/* Liquidation and bankruptcy prices (tick-rounded, as the engine computes them) of an
 * account holding only `deposit` and one cross position on c. Either output may be NULL. */
bk_rc bk_pop_single_prices(const bk_contract *c, int64_t deposit, int64_t size, int64_t entry,
                           int64_t *liq, int64_t *bankrupt);

#endif
