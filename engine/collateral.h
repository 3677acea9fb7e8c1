/*
 * Collateral in other assets than an account's settle asset: the run's table of them,
 * their prices following the replay, when they are sold, and how much of the fund's loss
 * their fall made.
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
 * The sale (the rule a venue's auto-exchange follows). Collateral is sold to the market
 * (the replayed market as counterparty, as for every trade) at the replayed price less
 * the haircut, the proceeds, the same amounts bk_acct_collateral counts, posted into the
 * account's cash (cause collateral_sale):
 *   - when a liquidated account's cross pool has closed (every cross position liquidated
 *     or deleveraged): under the remaining-margin penalty all of it, since the fund takes
 *     the whole remaining equity, collateral included, whatever the sign of the cash;
 *     under the fee penalty only what brings a negative cash to 0, the rest staying the
 *     account's;
 *   - when an ADL counterparty's pool has closed with negative cash, or an account leaves
 *     with negative cash: what brings the cash to 0.
 * "What brings the cash to 0" is, asset by asset in the order posted, the fewest whole
 * units (of 1e-8) whose proceeds cover the debt, so the account is never left short.
 * What is still negative is its deficit, covered by the waterfall. The fund never holds
 * an asset it does not settle in: it takes collateral only as the value of its sale. An
 * account that leaves takes the rest of its collateral with it.
 *
 * Attribution. Each holding keeps its reference value (bk_coll.ref): what it was worth,
 * as bk_acct_collateral counts it, when posted, or when the window opened if posted
 * before; a sale of part of it takes the same part of it (rounded down). For a deficit d
 * paid in part f by the fund, let fall be the reference value of the sold collateral less
 * its proceeds. Had the collateral kept its reference value, the deficit would have been
 * d0 = max(0, d − fall) and the fund, whose payment is min(deficit, what its trigger
 * allows), would have paid min(d0, f); the part of f that the fall made is
 * f − min(d0, f) = max(0, f − d0), summed per settle asset in coll.loss. This compares
 * at the moment of the deficit only: the account might, with collateral that held its
 * value, not have been liquidated then at all. Before the window opens nothing has
 * fallen.
 *
 * Conservation. Per asset the units posted, sold and withdrawn are counted where that
 * happens; the units the accounts hold add up to posted − sold − withdrawn
 * (engine/conservation.c).
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

/* The window opens: every holding's reference value becomes its value now. */
void bk_risk_collateral_start(bk_risk *r);

/* The most units of collateral asset whose value for an account settling in settle is at
 * most value (>= 0), at the prices now, rounded down. BK_EDATA when the asset or the
 * settle asset has no price yet; BK_ERANGE on overflow. */
bk_rc bk_risk_collateral_amount(const bk_risk *r, uint32_t settle, uint32_t asset,
                                int64_t value, int64_t *amount);

/* The deficits paid by the fund in a settle asset that the collateral's fall made. */
int64_t bk_risk_collateral_loss(const bk_risk *r, uint32_t asset);

/* What the collateral of the accounts settling in a settle asset brought when sold. */
int64_t bk_risk_collateral_sold(const bk_risk *r, uint32_t asset);

/* 1 when a mark of contract moves the equity of account a, which holds collateral: a
 * position on it, or it prices a's collateral or a's settle asset. (Collateral holders
 * are visited on every such mark instead of being indexed by one liquidation price.) */
int bk_coll_moves(const bk_risk *r, const bk_account *a, uint32_t contract);

/* A contract's mark moved: the collateral and settle assets it prices take it. */
void bk_coll_reprice(bk_risk *r, uint32_t contract, int64_t mark);

/* Account id posts amount units of asset (both checked): refused (BK_ECONFIG) when the
 * asset is named like the account's settle asset, BK_EDATA when the asset or the settle
 * asset has no price yet. Its value now adds to the holding's reference value. */
bk_rc bk_coll_post(bk_risk *r, uint32_t id, uint32_t asset, int64_t amount);

/* Sells account id's collateral to the market (see above): all of it when all, else
 * what brings a negative cash to 0; *fall gets the reference value sold less the
 * proceeds (0 when nothing is sold or before the window opens). */
bk_rc bk_coll_sell(bk_risk *r, uint32_t id, int all, int64_t *fall);

/* Account id leaves with its collateral. */
void bk_coll_withdraw(bk_risk *r, uint32_t id);

/* Counts in coll.loss the part of a fund payment paid for a deficit d whose collateral
 * fell by fall (see above). BK_ERANGE on overflow. */
bk_rc bk_coll_attribute(bk_risk *r, uint32_t settle, int64_t d, int64_t fall, int64_t paid);

#endif
