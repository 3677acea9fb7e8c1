/*
 * The loss waterfall (docs/liquidation.md §4–7, §9): what happens to what the book could
 * not absorb and to deficits.
 *   - The fund's trigger as a state: whether the fund may still act (take over, pay a
 *     deficit), evaluated at every point that changes the fund's equity; in a shadow run
 *     the same points compute the smallest safe initial fund instead.
 *   - Takeover of a remainder by the fund at the bankruptcy price.
 *   - ADL: closing a bankrupt position (or the fund's inventory, once its trigger fired)
 *     against the opposite side's ranked positions; rankings (BitMEX/Bybit score,
 *     Hyperliquid key, dYdX pseudo-random walk) and the allocation over the queue.
 *   - Deficit cover by the fund, socialization (pro rata over profit or open interest,
 *     spread at the end of the event), and what nobody paid (uncovered).
 * The pure arithmetic (rankings, allocation, shares) works on caller arrays and is tested
 * alone; the rest acts on a risk state through transfer.h.
 */
#ifndef BK_WATERFALL_H
#define BK_WATERFALL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/ledger.h"
#include "engine/policy.h"
#include "engine/waterfall_state.h"

typedef struct bk_risk bk_risk;

/* BitMEX rank from position values (signed like the position, quote or coin):
 * PnL% = (mark − entry)/|entry|; effective leverage = |mark| / (mark − bankrupt) (as a
 * magnitude); rank = PnL% × leverage when PnL% > 0, else PnL% / leverage. Outputs may be
 * NULL. BK_ERANGE when a denominator is 0. */
bk_rc bk_wf_bitmex_rank(int64_t entry_value, int64_t mark_value, int64_t bankrupt_value,
                        int64_t *pnl_pct, int64_t *eff_lev, int64_t *rank);

/* Hyperliquid ADL key = (mark / entry) × (notional / account value), for a long; a
 * short's mark/entry is inverted. account_value <= 0 ranks last (key 0). */
bk_rc bk_wf_hl_key(int64_t mark, int64_t entry, int64_t notional, int64_t account_value,
                   int is_long, int64_t *key);

/* dYdX order: candidates in their given order, walked cyclically from a pseudo-random
 * start drawn from seed (splitmix64); returns the start index (0 when n == 0). The walk
 * itself is the caller's: take from cands[(start + i) % n]. */
size_t bk_wf_dydx_start(uint64_t seed, uint64_t draw, size_t n);

/* Pro rata shares of loss over weights (>= 0), each rounded up so the shares cover the
 * loss (their sum exceeds it by less than n units). Returns BK_ERANGE when every weight
 * is 0 (nothing to spread over; shares untouched). */
bk_rc bk_wf_socialize(const int64_t *weights, size_t n, int64_t loss, int64_t *shares);

/* --- acting on a risk state ---------------------------------------------------------- */


/* The fund as its trigger sees it, in one asset. cash_checked: the cash must stay >= 0
 * (a payment out of cash). */
typedef struct bk_wf_view {
  int64_t equity, cash, net; /* net: Σ notional of the inventory at mark */
  int64_t before;            /* equity before the operation the view looks past (a peak
                                candidate for the drawdown trigger) */
  int cash_checked;
} bk_wf_view;

bk_rc bk_wf_init(bk_wf_state *w, size_t ncontracts);
void bk_wf_fini(bk_wf_state *w);

/* The fund's state in an asset now. */
bk_rc bk_wf_view_now(bk_risk *r, uint32_t asset, bk_wf_view *v);

/* 1 while the fund may act in this state (docs §6); a shadow records the smallest
 * initial fund for which that holds and always returns 1. */
int bk_wf_allows(bk_risk *r, uint32_t asset, const bk_wf_view *v);

/* Takes qty of account id's position on contract over at price bp when the trigger
 * allows it before and after; *done says whether it did. */
bk_rc bk_wf_takeover(bk_risk *r, uint32_t id, uint32_t contract, int64_t qty, int64_t bp,
                     int *done);

/* 1 when the policy's ADL rule closes positions (the queue, contract pro rata,
 * water-filling); 0 when it haircuts profit (the pro rata rules on profit: the remainder
 * goes to the book at any price and bk_wf_cover haircuts the deficit the fund leaves). */
int bk_wf_adl_closes(const bk_policy *p);

/* Deleverages qty of account id's position on contract at price against the opposite
 * side, by the policy's closing rule (profit rules: the fund's inventory only, through the
 * queue); *left gets what was not closed. */
bk_rc bk_wf_adl(bk_risk *r, uint32_t id, uint32_t contract, int64_t qty, int64_t price,
                int64_t *left);

/* A deficit d > 0 of account id (held in *holder: its cash or an isolated margin): the
 * fund pays what its trigger allows, the rest is haircut from the contract's winners
 * (an ADL profit rule), socialized (at the end of the event) or uncovered, as the policy
 * says. */
bk_rc bk_wf_cover(bk_risk *r, uint32_t id, int64_t *holder, uint32_t contract, int64_t d);

/* A cross pool of account id that has closed (its last position on contract): its other
 * collateral is sold (bk_coll_sell: all of it when sell_all, else what brings a negative
 * cash to 0), and what is still negative is its deficit (bk_wf_cover), the part of the
 * fund's payment that the collateral's fall made counted in r->coll.loss
 * (engine/collateral.h). */
bk_rc bk_wf_cover_cross(bk_risk *r, uint32_t id, uint32_t contract, int sell_all);

/* Covers the deficit an isolated position left when it ended (r->iso_deficit), paid into
 * the account's cash so its cross pool does not bear it. Nothing to do when none. */
bk_rc bk_wf_cover_isolated(bk_risk *r);

/* 1 when the fund of key (an asset, or a pool: bk_pool_key) holds inventory on a contract
 * settling in it: only then can its trigger make it act at an event's end. */
int bk_wf_holds_inventory(const bk_risk *r, uint32_t key);

/* The end of an event that moved the fund of an asset: spreads pending socialization,
 * then evaluates the trigger and, when it fired under ADL, deleverages the fund's
 * inventory in that asset at the mark. */
bk_rc bk_wf_end_event(bk_risk *r, uint32_t asset);

#endif
