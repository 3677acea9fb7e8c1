/*
 * A synthetic order book for a contract whose data has none (trade tapes only): levels on
 * both sides of the mark whose cumulative notional within a fraction of the mark follows
 * a piecewise-linear profile, in minutes of the contract's average traded notional over
 * the warm-up. The liquidation engine walks it as it would walk a replayed book.
 *
 * Profile: points (pct[i], minutes[i]) with pct ascending strictly from above 0; the depth
 * within x of the mark is interpolated linearly from (0, 0) through the points and stays
 * at the last point's beyond it. The book has BK_DMODEL_LEVELS levels a side at
 * x = range / BK_DMODEL_LEVELS × i (range = the last pct), priced at mark × (1 ∓ x) rounded
 * to the tick away from the mark (and strictly beyond the level before), each holding
 * the depth between its x and the previous level's, in whole contracts rounded down.
 *
 * Volume: the average traded notional per minute is the warm-up's (trades before the
 * window) over the minutes from the first trade to the window's start (to `now` when the
 * window is open; at least one minute).
 *
 * Breathing: when a reference instrument with a depth profile is named (Binance
 * bookDepth), every depth is multiplied by the reference's ±1 % notional now over its
 * first value (bk_depth_ref), so the model thins when the real market thins.
 *
 * The tape's band: the book handed out never offers a price the tape did not trade near
 * that time. A bid above the highest trade price of the last band_us (engine/trade_band.h:
 * only trades already seen; the newest always counts) is moved down to that price, floored
 * to the tick; an ask below the lowest is moved up to it, ceiled to the tick; levels that
 * land on the same price are summed. The depth stays, its price follows the tape: a mark
 * that lags the trades (a median of the last seconds, in a crash) would otherwise let a
 * liquidation sell above anything the market paid. The band is applied whenever the book
 * is asked for, between rebuilds too (re-setting only the levels it moves, so depth a
 * liquidation consumed elsewhere stays consumed); without a trade yet there is no band.
 *
 * Ownership: a model borrows its spec, contract and reference for its life (caller
 * storage: _init/_fini) and owns its book.
 */
#ifndef BK_DEPTH_MODEL_H
#define BK_DEPTH_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/account.h"
#include "engine/book.h"
#include "engine/error.h"
#include "engine/market.h"
#include "engine/trade_band.h"

#define BK_DEPTH_SPEC_POINTS 8 /* points of a profile at most */
#define BK_DMODEL_LEVELS 40    /* levels a side, spread evenly over the profile's range */

/* The profile and its reference, as a scenario gives them. */
typedef struct bk_depth_spec {
  size_t n;                             /* points, ascending pct, <= BK_DEPTH_SPEC_POINTS */
  int64_t pct[BK_DEPTH_SPEC_POINTS];    /* fraction from the mark (0.01 = 1 %) */
  int64_t minutes[BK_DEPTH_SPEC_POINTS]; /* cumulative depth within pct, in minutes of
                                           average volume, fixed point, >= 0 */
  uint32_t ref_instr;  /* instrument id whose BK_EV_DEPTH profile scales it, or UINT32_MAX */
  int64_t refresh_us;  /* rebuild the model book at most this often, > 0 */
  int64_t band_us;     /* the trailing window of trades that bounds its prices, > 0 */
} bk_depth_spec;

/* The default profile: 1 minute of volume within 1 % growing to 4 within 5 %, refreshed
 * once a second, bounded by the last second's trades, no reference. */
void bk_depth_spec_default(bk_depth_spec *d);

/* BK_OK, or BK_ECONFIG with the point or field at fault in err. */
bk_rc bk_depth_spec_check(const bk_depth_spec *d, bk_err *err);

/* The reference instrument's ±1 % notional (bid side plus ask side): the first seen and
 * the latest; 0 before any. */
typedef struct bk_depth_ref {
  int64_t first, now;
} bk_depth_ref;

/* Follows the reference's latest depth profile: takes its ±1 % notional once both points
 * of the newest profile are in (nothing changes otherwise). */
void bk_depth_ref_follow(bk_depth_ref *r, const bk_depth_profile *p);

/* One level of the model as built, before the band. */
typedef struct bk_dmodel_level {
  int64_t price; /* fixed point, > 0 */
  int64_t qty;   /* contracts, > 0 */
} bk_dmodel_level;

typedef struct bk_depth_model {
  const bk_depth_spec *spec;   /* borrowed, checked */
  const bk_contract *contract; /* borrowed */
  const bk_depth_ref *ref;     /* borrowed */
  int64_t warm_end;            /* the window's start, µs; INT64_MIN when open */
  int64_t warm_notional;       /* traded notional in the warm-up, settle units */
  int64_t first_trade_ts;      /* µs; INT64_MIN before any trade */
  bk_trade_band band;          /* the trades of the last spec->band_us */
  /* indexed by side (BK_BID, BK_ASK; index 0 unused), best level first: */
  bk_dmodel_level lvl[3][BK_DMODEL_LEVELS]; /* the last build */
  size_t nlvl[3];
  bk_dmodel_level pub[3][BK_DMODEL_LEVELS]; /* what the book holds: lvl under the band */
  size_t npub[3];
  int64_t band_lo, band_hi;    /* the band the book was last bounded by; 0 when none */
  bk_book *book;               /* owned: lvl bounded by the band; NULL before a build */
  int64_t built_ts;            /* `now` of the last build */
} bk_depth_model;

/* A model with no volume and no book yet. */
void bk_dmodel_init(bk_depth_model *m, const bk_depth_spec *spec, const bk_contract *c,
                    const bk_depth_ref *ref, int64_t warm_end);
void bk_dmodel_fini(bk_depth_model *m);

/* Counts a trade of qty contracts at price and ts into the band; its notional goes to the
 * warm-up's when `warmup` is set. BK_ERANGE when the warm-up notional would overflow,
 * BK_ENOMEM when the band cannot grow (nothing counted either way). */
bk_rc bk_dmodel_trade(bk_depth_model *m, int64_t ts, int64_t price, int64_t qty, int warmup);

/* The model book around mark at time now, rebuilt when never built or built refresh_us
 * or more before now, and bounded by the band of trades at now (now never goes back);
 * *out stays valid until the next call or _fini. BK_ENOMEM, BK_ERANGE or the book's
 * error when a build fails (the book is then partial; *out is left alone). */
bk_rc bk_dmodel_book(bk_depth_model *m, int64_t mark, int64_t now, const bk_book **out);

#endif
