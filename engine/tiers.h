/*
 * Tiered maintenance margin: a table of notional brackets, each with a maintenance margin
 * rate (MMR), a maintenance amount (Binance's "cum") and a maximum leverage.
 *
 * MM = notional × MMR(tier) − maint_amount(tier), where the tier is the last one whose
 * floor is <= notional. When a table gives no maintenance amounts, the cum rule derives
 * them so MM is continuous at every floor:
 *   cum_1 = 0, cum_n = floor_n × (MMR_n − MMR_{n−1}) + cum_{n−1}.
 * Initial margin rate = 1 / max leverage of the tier.
 *
 * Notional is in the instrument's settle asset (quote for linear, coin for inverse).
 * Storage is the caller's: a bk_tiers is plain data with a fixed capacity.
 */
#ifndef BK_TIERS_H
#define BK_TIERS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

#define BK_TIERS_MAX 32

typedef struct bk_tier {
  int64_t floor;        /* lowest notional of the bracket, settle units e-8, >= 0 */
  int64_t mmr;          /* maintenance margin rate, fraction e-8, in [0, 1) */
  int64_t maint_amount; /* amount subtracted from notional × mmr, settle units e-8;
                           -1 = not given (derived by bk_tiers_finish) */
  int64_t max_lev;      /* maximum leverage, e-8 (BK_FX(50) = 50×); 0 = not given */
} bk_tier;

typedef struct bk_tiers {
  bk_tier v[BK_TIERS_MAX]; /* ascending floors, v[0].floor == 0 */
  size_t n;                /* 1..BK_TIERS_MAX once finished */
} bk_tiers;

/* Checks the table (floors ascending from 0, rates in range) and derives every missing
 * maintenance amount with the cum rule. Returns BK_ECONFIG with the reason in err (which
 * may be NULL) and leaves t unchanged on error. */
bk_rc bk_tiers_finish(bk_tiers *t, bk_err *err);

/* Index of the tier that applies to a notional (>= 0; negative counts as its magnitude). */
size_t bk_tiers_index(const bk_tiers *t, int64_t notional);

/* Maintenance margin of a notional, rounded up (the exchange's favour), never below 0.
 * BK_ERANGE on overflow (out unchanged). */
bk_rc bk_tiers_mm(const bk_tiers *t, int64_t notional, int64_t *out);

/* The rate and amount of tier i under a margin multiplier scale (e-8; 0 or BK_FX(1): as
 * published): the rate times scale rounded up, kept below 1, and the amount times scale
 * rounded down, so the scaled margin is at least scale times the published one. BK_ERANGE
 * on overflow. */
bk_rc bk_tiers_terms(const bk_tiers *t, size_t i, int64_t scale, int64_t *mmr,
                     int64_t *amount);

/* bk_tiers_mm under a margin multiplier (bk_tiers_terms). */
bk_rc bk_tiers_mm_scaled(const bk_tiers *t, int64_t notional, int64_t scale, int64_t *out);

#endif
