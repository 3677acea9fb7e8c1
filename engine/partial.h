/*
 * Partial liquidation (docs/liquidation.md §3, §4a): how much of a unit one liquidation
 * step closes, and whether a liquidation may run now.
 *   - Size: the whole position, or "to health" (Binance, Bybit): the fewest whole lots
 *     that leave the unit's equity at least health_buffer × its maintenance margin on
 *     what remains, fills assumed at the mark; with tiered margin the requirement falls
 *     as the position shrinks, which is "step down to the tier that restores health".
 *   - Slices (Hyperliquid): under the slice remainder, a position whose quote notional
 *     (USD: a linear one's at the mark, an inverse one's face value) is above slice_above
 *     is closed a slice at a time; a smaller one at once.
 *   - The fund's loss budget (dYdX: a cap per block): a liquidation whose deficit at the
 *     mark would exceed what is left of the period's budget waits for the next period.
 * The risk state (engine/risk.c) asks these before and after each step.
 */
#ifndef BK_PARTIAL_H
#define BK_PARTIAL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef struct bk_risk bk_risk;
typedef struct bk_account bk_account;

/* Rounds of to-health steps one liquidation runs at most: a round after the first only
 * makes up for fills worse than the mark and for the penalty, so each is much smaller
 * than the last; what is still unhealthy after these is taken up on the next mark. */
#define BK_PART_ROUNDS 8

/* The contracts (> 0, at most |size|) of account a's position i that one step closes:
 * the whole position, or to health, then cut to a slice where the policy slices it.
 * 0 when the unit is healthy already (to health only). BK_ERANGE on overflow. */
bk_rc bk_part_qty(const bk_risk *r, const bk_account *a, int i, int64_t *qty);

/* Orders the cross positions of a unit for to-health steps: largest maintenance margin
 * first (ties: lower contract index), so the fewest contracts restore health.
 * contracts[0..n) are contract indices of a's positions. */
void bk_part_order(const bk_risk *r, const bk_account *a, uint32_t *contracts, size_t n);

/* 1 when a liquidation of a unit whose equity at the mark is eq must wait for the fund's
 * next loss period (and sets its retry time); 0 when it may run now. Rolls the period
 * over first. */
int bk_part_budget_waits(bk_risk *r, uint32_t id, int64_t eq);

/* Charges the fund's loss in an asset over one liquidation (its equity before and after)
 * to the period's budget. */
void bk_part_budget_charge(bk_risk *r, uint32_t asset, int64_t before, int64_t after);

#endif
