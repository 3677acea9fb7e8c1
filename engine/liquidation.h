/*
 * Depth-aware liquidation (docs/liquidation.md §3, §7): the consumption overlay that makes
 * depth taken by one liquidation unavailable to the next, the book walk through it, the
 * price limit, participation and penalty of a step, and dYdX's fillable price (the one
 * venue price rule a policy uses; the others are reference formulas in the tests).
 * The risk state (engine/risk.c) strings the steps into a liquidation.
 *
 * The overlay belongs to one policy's run: several policies read one shared book, each
 * with its own overlay. An entry (contract, side, price) remembers how much was taken and
 * the level's `seq` at the time; when the history rewrites the level (a new seq) the
 * entry no longer counts, and with a half-life the consumed amount halves every
 * half-life.
 *
 * Ownership: caller storage (_init/_fini); the overlay owns its table.
 */
#ifndef BK_LIQUIDATION_H
#define BK_LIQUIDATION_H

#include <stddef.h>
#include <stdint.h>

#include "engine/book.h"
#include "engine/error.h"
#include "engine/fixed.h"
#include "engine/overlay.h"

/* Walks the book as bk_book_walk does (w->avail is ignored), with this overlay deciding
 * what is available, as deep as the side goes: there is no cap on levels. Records the
 * fills as consumed. *fills points into the overlay's scratch (valid until the next
 * walk), *nf is their number and *filled their total. BK_ENOMEM: nothing was consumed. */
bk_rc bk_liq_walk(bk_liq_overlay *o, uint32_t contract, const bk_book *b, const bk_walk *w,
                  int64_t now, const bk_fill **fills, size_t *nf, int64_t *filled);

/* --- the steps of a liquidation (docs/liquidation.md §3, §7) --------------------------- */

typedef struct bk_risk bk_risk;
typedef struct bk_account bk_account;
typedef struct bk_liq_rec bk_liq_rec;

/* Fills of one step so far: quantity, Σ price × qty, levels walked, Σ notional. */
typedef struct bk_liq_tally {
  int64_t qty;
  bk_i128 pq;
  uint32_t levels;
  int64_t notional; /* settle units, each fill's notional rounded up */
} bk_liq_tally;

/* Depth band the depth-adapted participation measures: within 1 % of the best level. */
#define BK_LIQ_DEPTH_BAND (BK_FX(1) / 100)

/* Realized volatility of a contract over the policy's window (0 when off). */
int64_t bk_liq_vol_of(const bk_risk *r, uint32_t contract);

/* Adds the |return| of a mark change (old -> mark) at r->now to the contract's window
 * and drops what left it. BK_ENOMEM when the window cannot grow. */
bk_rc bk_liq_vol_observe(bk_risk *r, uint32_t contract, int64_t old, int64_t mark);

/* The penalty rate the policy applies now on a contract (after its volatility scaling). */
int64_t bk_liq_penalty_now(const bk_risk *r, uint32_t contract);

/* The participation the policy applies now on a side of a book (after its depth
 * scaling); book may be NULL. */
int64_t bk_liq_participation_now(const bk_risk *r, uint32_t contract, int side, const bk_book *book);

/* The walk's worst acceptable price for position i of account a (bankruptcy price bp):
 * bp, dYdX's fillable price, or none (0), as the policy says. */
bk_rc bk_liq_limit(bk_risk *r, const bk_account *a, int i, int64_t bp, int64_t *limit);

/* Closes up to qty of account id's position on contract through the book under limit;
 * each fill realizes its PnL and, when the policy takes the liquidation flow, posts the
 * fund's part of the spread it captured against the index (capture.h); t accumulates
 * the fills. */
bk_rc bk_liq_close_by_book(bk_risk *r, uint32_t id, uint32_t contract, const bk_book *book,
                           int64_t qty, int64_t limit, bk_liq_tally *t);

/* Charges the fee penalty on a step's filled notional, capped by what the unit still has
 * (its isolated margin or what it released, or the cross equity), account -> fund. */
bk_rc bk_liq_charge_fee(bk_risk *r, uint32_t id, uint32_t contract, int isolated,
                        int64_t notional, int64_t *fee);

/* dYdX v4 fillable price: ABR = clamp(BA × (1 − TNC/TMMR), 0, 1), price = (PNNV − ABR ×
 * SMMR × PMMR) / PS. pnnv: the position's net notional (signed), ps: its signed size,
 * tnc/tmmr: the account's net collateral and maintenance margin, pmmr: the position's
 * maintenance margin. Rounded against the liquidated trader's counterparty risk (a long's
 * price up, a short's down). *abr may be NULL. BK_ERANGE when tmmr or ps is 0. */
bk_rc bk_liq_dydx_fillable(int64_t pnnv, int64_t ps, int64_t tnc, int64_t tmmr, int64_t pmmr,
                           int64_t ba, int64_t smmr, int64_t *abr, int64_t *price);

#endif
