/*
 * Converting cash between assets at replayed prices: a shared fund paying a deficit in one
 * asset with another member's cash or its own cash in its currency, or the reinsurance
 * layer paying a claim. The market is the counterparty (cause convert), at the prices of
 * pool.h. Internal to engine/.
 */
#ifndef BK_CONVERT_H
#define BK_CONVERT_H

#include <stdint.h>

#include "engine/risk_state.h"

/* Raises the cash of party (a fund or the layer; cash: its holder array by asset) in
 * asset to want where it can: the other assets' positive cash, in asset order, is sold
 * to the market for asset at the prices in currency. Only assets whose key (pool.h) is
 * key take part (BK_FUND_KEYS: every asset). Rounded against the party: it sells
 * ceil(short × price(asset) / price(other)) for the short amount, and buys
 * floor(sold × price(other) / price(asset)) when it sells all it has. The cash may stay
 * short when the others cannot fill it. */
bk_rc bk_convert_raise(bk_risk *r, uint32_t party, int64_t *cash, uint32_t key,
                       const char *currency, uint32_t asset, int64_t want);

/* Raises the fund cash of asset, a member of pool key, to want with the pool's own cash
 * in its currency (r->pool_cash), once its members' cash is spent: the market sells the
 * short amount for ceil(short × price(asset)) of the currency, or, when the pool's cash is
 * not enough, floor(pool cash / price(asset)) of asset for all of it. With owe (a shadow,
 * or a fund that pays everything) the pool's cash may go below zero: a debt in its
 * currency, fixed at the price of the moment. */
bk_rc bk_convert_buy(bk_risk *r, uint32_t key, uint32_t asset, int64_t want, int owe);

#endif
