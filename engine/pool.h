/*
 * Shared funds (docs/liquidation.md §11): a policy may pool the funds of several settle
 * assets into one, as Binance runs one fund for a group of contracts. The pool keeps each
 * asset's cash where it is and is valued in a reference currency at replayed prices: an
 * asset named like the currency is worth 1, any other (a coin) the mark of the first
 * inverse contract settling in it (inverse contracts quote in USD). The waterfall's
 * trigger looks at the pool's value (its key, fund.h, is BK_LEDGER_ASSETS + pool), and a
 * deficit one asset's cash cannot pay is paid with the other members' cash converted at
 * those prices, then with the pool's own cash, held in the currency (convert.h).
 *
 * Values round down (floor of a signed amount): the pool's value is never overstated and
 * a change that lowers it is never understated; a net position (the drawdown-free
 * net-position trigger) rounds up. Internal to engine/.
 */
#ifndef BK_POOL_H
#define BK_POOL_H

#include <stdint.h>

#include "engine/error.h"
#include "engine/risk_state.h"

/* Resolves the policy's pools against the run's assets into r->pool_of. BK_ECONFIG (in
 * err) for an asset in two pools or one the pool's currency cannot price. */
bk_rc bk_pool_setup(bk_risk *r, bk_err *err);

/* The fund an asset draws on: the asset itself, or BK_LEDGER_ASSETS + its pool. */
uint32_t bk_pool_key(const bk_risk *r, uint32_t asset);

/* The currency of a key's values: the pool's, or NULL for an asset's own fund. */
const char *bk_pool_currency(const bk_risk *r, uint32_t key);

/* Price of one unit of asset in currency (e-8): 1 when the asset is named so, else the
 * mark of the first inverse contract settling in it; 0 when there is none (yet). */
int64_t bk_pool_price(const bk_risk *r, uint32_t asset, const char *currency);

/* x units of asset valued in currency (NULL: x itself), rounded by rnd. */
bk_rc bk_pool_value(const bk_risk *r, uint32_t asset, const char *currency, int64_t x,
                    bk_round rnd, int64_t *out);

/* A key's amount of asset: bk_pool_value in the key's currency. */
bk_rc bk_pool_in_key(const bk_risk *r, uint32_t key, uint32_t asset, int64_t x, bk_round rnd,
                     int64_t *out);

/* A pool's equity (cash + inventory PnL), cash and net inventory value, summed over its
 * members in its currency; its own cash (r->pool_cash, held in the currency) counts in
 * equity and cash. */
bk_rc bk_pool_state(const bk_risk *r, uint32_t key, int64_t *equity, int64_t *cash,
                    int64_t *net);

/* Counts a movement of the fund of a pooled asset into r->pflow (from transfer.c). */
void bk_pool_count(bk_risk *r, int out, uint32_t asset, int cause, int64_t amount);

#endif
