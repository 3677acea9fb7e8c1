/*
 * The reinsurance layer (docs/liquidation.md §12): the policy's funds (each pool, and
 * each asset in none) stand for venues that pay a premium (premium.h) into a common layer,
 * which tops a member's fund up when its trigger would stop it acting (a takeover or a
 * deficit refused, its inventory about to be deleveraged), before its ADL or
 * socialization fires. A member receives at most reins_limit over the run, valued in the
 * layer's currency; the layer pays from its cash in the asset, converting its other
 * assets at replayed prices when short (convert.h). A shadow run never claims: its
 * smallest safe fund is the one that needs no layer. Internal to engine/.
 */
#ifndef BK_REINSURANCE_H
#define BK_REINSURANCE_H

#include <stdint.h>

#include "engine/risk_state.h"

/* The most of asset the fund of asset may still claim (0 without a layer or in a shadow):
 * what is left of its member's limit and of the layer's value, in the layer's currency,
 * over the asset's price, rounded down. The waterfall (waterfall.c) searches the smallest
 * claim that lets the fund act within it. */
int64_t bk_reins_claimable(const bk_risk *r, uint32_t asset);

/* Pays a claim of x of asset from the layer into the fund's cash of asset, converting the
 * layer's other assets when its own cash is short; *paid gets what it paid (less than x
 * only by the conversions' rounding). */
bk_rc bk_reins_pay(bk_risk *r, uint32_t asset, int64_t x, int64_t *paid);

/* The layer's cash valued in its currency (floor, at the prices of the moment); reports
 * read it too. */
int64_t bk_reins_value(const bk_risk *r);


#endif
