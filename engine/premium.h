/*
 * Premiums to the reinsurance layer (reinsurance.h): which fund inflows pay one and how
 * much, and each member's tally of premiums paid and claims received, valued in the
 * layer's currency at the price of the moment. Called by transfer.c on every movement
 * of money, so it is a few comparisons when no layer is configured. Internal to engine/.
 */
#ifndef BK_PREMIUM_H
#define BK_PREMIUM_H

#include <stdint.h>

#include "engine/risk_state.h"

/* The premium a movement into the fund owes (0: none): reins_share of a liquidation fee,
 * a spread captured or protocol revenue, rounded down. */
int64_t bk_premium_due(const bk_risk *r, uint32_t to, int cause, int64_t amount);

/* Counts a movement to or from the layer into the member's tally (reins_paid, reins_got;
 * a member is the key of the asset's fund, pool.h). */
void bk_premium_count(bk_risk *r, uint32_t asset, int cause, int64_t amount);

#endif
