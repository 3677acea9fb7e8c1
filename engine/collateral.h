/*
 * Collateral in other assets than an account's settle asset: the run's table of them,
 * their prices following the replay, what happens to them when an account's cross pool
 * closes in debt, and how much of the fund's loss their fall made.
 *
 * Prices. A collateral asset is priced by the mark of one of the run's contracts (the
 * mark the run uses: the data's, or the one derived from trades), in that contract's
 * quote: USD for an inverse contract, USDT for a linear one. An account's collateral is
 * worth, in its settle asset, amount × price × (1 − haircut) / unit, where unit is the
 * price of one unit of the settle asset in the same quote: the mark of the first inverse
 * contract settling in it (a coin), else 1 (the quote of linear contracts, taken as one
 * unit of the collateral's quote). Prices move with every mark of their contract, so an
 * account whose collateral falls with its position reaches maintenance earlier.
 *
 * The sale (the rule a venue's auto-exchange follows). When an account's cross pool has
 * closed (every cross position liquidated or deleveraged) and its cash is negative, all
 * its other collateral is sold to the market (the replayed market as counterparty, as
 * for every trade) at the replayed price less the haircut: the proceeds, the same
 * amounts bk_acct_collateral counts, are posted into its cash (cause collateral_sale).
 * What is still negative is its deficit, covered by the waterfall; a positive rest is
 * the account's cash (under the remaining-margin penalty, the fund's). Collateral is
 * never given to the fund: the fund holds no asset it does not settle in. An account
 * that leaves takes its collateral with it.
 *
 * Attribution. For a deficit d paid in part f by the fund, let fall be the value the
 * sold collateral had at the window's start prices (the collateral's and the settle
 * asset's) less its proceeds now, both as bk_acct_collateral counts them. Had the
 * collateral kept its start value, the deficit would have been d0 = max(0, d − fall) and
 * the fund, whose payment is min(deficit, what its trigger allows), would have paid
 * min(d0, f); the part of f that the fall made is f − min(d0, f) = max(0, f − d0),
 * summed per settle asset in coll.loss. This compares at the moment of the deficit only:
 * the account might, with collateral that held its value, not have been liquidated then
 * at all.
 *
 * Internal to engine/ except the bk_risk_ calls, which risk.h includes.
 */
#ifndef BK_COLLATERAL_H
#define BK_COLLATERAL_H

#include <stdint.h>

#include "engine/risk_state.h"

/* Adds a collateral asset named name (shorter than bk_asset.name), with haircut in
 * [0, 1), priced by the mark of contract `from`; *index gets its index (the same in
 * every risk state given the same assets in the same order). The name of an asset
 * already added with the same terms gives its index again. BK_ECONFIG (in r->err): a bad
 * name, haircut or contract, the same name with other terms, or BK_COLL_ASSETS already. */
bk_rc bk_risk_add_collateral(bk_risk *r, const char *name, int64_t haircut, uint32_t from,
                             uint32_t *index);

/* Takes the collateral's prices and the settle assets' now as those of the window's
 * start, which the attribution compares with (until then they follow the prices, so
 * nothing has fallen; one without a price yet takes its first). */
void bk_risk_collateral_start(bk_risk *r);

/* The most units of collateral asset whose value for an account settling in settle is at
 * most value (>= 0), at the prices now, rounded down. BK_EDATA when the asset or the
 * settle asset has no price yet; BK_ERANGE on overflow. */
bk_rc bk_risk_collateral_amount(const bk_risk *r, uint32_t settle, uint32_t asset,
                                int64_t value, int64_t *amount);

/* The deficits paid by the fund in a settle asset that the collateral's fall made. */
int64_t bk_risk_collateral_loss(const bk_risk *r, uint32_t asset);

/* 1 when a mark of contract moves the equity of account a, which holds collateral: a
 * position on it, or it prices a's collateral or a's settle asset. (Collateral holders
 * are visited on every such mark instead of being indexed by one liquidation price.) */
int bk_coll_moves(const bk_risk *r, const bk_account *a, uint32_t contract);

/* A contract's mark moved: the collateral and settle assets it prices take it. */
void bk_coll_reprice(bk_risk *r, uint32_t contract, int64_t mark);

/* Sells every collateral asset of account id to the market (see above); *fall gets the
 * value at the window's start less the proceeds (0 without collateral). */
bk_rc bk_coll_sell(bk_risk *r, uint32_t id, int64_t *fall);

/* Account id leaves with its collateral. */
void bk_coll_withdraw(bk_risk *r, uint32_t id);

/* Counts in coll.loss the part of a fund payment paid for a deficit d whose collateral
 * fell by fall (see above). BK_ERANGE on overflow. */
bk_rc bk_coll_attribute(bk_risk *r, uint32_t settle, int64_t d, int64_t fall, int64_t paid);

#endif
