/*
 * The risk state of one policy's run: its accounts, insurance fund, ledger, consumption
 * overlay and trigger index, driven by plain calls from the replay loop (or a test):
 * a mark changed (bk_risk_on_mark), a trade printed (bk_risk_on_trade), funding settled
 * (bk_risk_on_funding). Several policies run side by side over one shared market: each
 * has its own bk_risk and all read the same books, which a bk_risk never changes.
 *
 * A liquidation closes the liquidated unit (the cross pool, or one isolated position), or
 * as much of it as the policy says, by the steps of docs/liquidation.md, each in the file
 * named for it: how much one step closes and the fund's loss budget in partial.c; the
 * book walk, price limit and penalty in liquidation.c; the fund's trigger state, takeover, ADL and
 * socialization in waterfall.c; the fund's inventory, offload and extremes in fund.c;
 * money and position movements in transfer.c; conservation in conservation.c. This file
 * only orchestrates: events in, steps in order, the end of each event. Every movement of
 * money is a ledger posting with its cause, and conservation (ledger sums to zero,
 * holders match the ledger, long OI = short OI across accounts, fund and market) is
 * checked after every event when `check` is set (the default in debug builds).
 *
 * Errors: BK_ENOMEM / BK_ERANGE from an event leave the state part-way through that
 * event (the run must stop); BK_EINVARIANT says conservation broke and at which event.
 * Ownership: bk_risk_new copies the policy, contracts and assets; books passed to the
 * event calls are borrowed for the call.
 */
#ifndef BK_RISK_H
#define BK_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/collateral.h"
#include "engine/conservation.h"
#include "engine/risk_state.h"

/* Short name of an outcome ("book", "waiting", ...), for reports. */
const char *bk_outcome_name(int outcome);

/* A risk state for one policy over contracts (with finished tier tables) and collateral
 * assets, in *out. The policy is checked: BK_ECONFIG (or BK_ENOMEM) with *out NULL and
 * the reason in err (may be NULL). The fund starts with the policy's initial balance of
 * each settle asset (names resolved against assets[].name; an unknown name is
 * BK_ECONFIG). */
bk_rc bk_risk_new(const bk_policy *pol, const bk_contract *contracts, size_t ncontracts,
                  const bk_asset *assets, size_t nassets, bk_risk **out, bk_err *err);

/* The shadow of a policy (docs/liquidation.md §9): the same rules with the trigger off,
 * computing in bk_risk_safe_fund the smallest initial fund that needs no waterfall. */
bk_rc bk_risk_new_shadow(const bk_policy *pol, const bk_contract *contracts, size_t ncontracts,
                         const bk_asset *assets, size_t nassets, bk_risk **out, bk_err *err);

/* A shadow's smallest safe initial fund in an asset so far (-1 for a non-shadow, and for
 * an asset in a shared fund: its pool has one). */
int64_t bk_risk_safe_fund(const bk_risk *r, uint32_t asset);

/* A shadow's smallest safe initial value of shared fund `pool` (the policy's pools[pool])
 * so far, in the pool's currency, on top of its members' initial balances (-1 for a
 * non-shadow). */
int64_t bk_risk_pool_safe_fund(const bk_risk *r, uint32_t pool);

/* The value of shared fund `pool` now (its members' equity in its currency, floor). */
int64_t bk_risk_pool_value(const bk_risk *r, uint32_t pool);
void bk_risk_free(bk_risk *r);

/* Opens an account settling in asset settle with a deposit (>= 0). *id gets its index. */
bk_rc bk_risk_add_account(bk_risk *r, uint32_t settle, int64_t deposit, uint32_t *id);

/* Account id posts amount (>= 0) units of collateral asset `asset` (bk_risk_add_collateral),
 * which must have a price, as must the account's settle asset (engine/collateral.h).
 * BK_EDATA / BK_ERANGE with the reason in r->err. */
bk_rc bk_risk_post_collateral(bk_risk *r, uint32_t id, uint32_t asset, int64_t amount);

/* The account trades size (signed) of a contract at price against the market, cross
 * margin: a position is opened, increased, reduced or flipped, realized PnL is posted.
 * No fee. The contract's mark must be known (bk_risk_set_mark). */
bk_rc bk_risk_trade(bk_risk *r, uint32_t id, uint32_t contract, int64_t size, int64_t price);

/* As bk_risk_trade for a new isolated position with margin moved from the account's cash. */
bk_rc bk_risk_open_isolated(bk_risk *r, uint32_t id, uint32_t contract, int64_t size,
                            int64_t price, int64_t margin);

/* The trader of account id leaves at ts, as one event: every position it still holds is
 * closed against the market (the counterparty that took it on when it opened) at the
 * contract's current mark, the realized PnL posted (cause pnl), and what is left of its
 * cash withdrawn to the outside world (cause deposit, the other way); other collateral
 * leaves with it. No fee is charged: opening charged none either, and the fund's share
 * of the fees on the replayed volume, which holds this trade, is already protocol revenue.
 * An account the current marks would liquidate is the liquidation engine's, not its
 * owner's: it is left as it is (*left 0); one already closed out (liquidated, deleveraged)
 * only withdraws its cash. *left is 1 when the account left. */
bk_rc bk_risk_close_account(bk_risk *r, uint32_t id, int64_t ts, int *left);

/* Sets a mark without liquidating (initial state before the replay starts). */
void bk_risk_set_mark(bk_risk *r, uint32_t contract, int64_t mark);

/* The index price of a contract changed (<= 0 is ignored): what spread capture prices
 * fills against (engine/capture.h). */
void bk_risk_set_index(bk_risk *r, uint32_t contract, int64_t index);

/* An index price of a contract at ts (as bk_risk_set_index): when liquidation fills of
 * the contract held for spread capture are due, an event that posts them (capture.h). */
bk_rc bk_risk_on_index(bk_risk *r, uint32_t contract, int64_t index, int64_t ts);

/* The run's end at ts: an event that posts the liquidation fills still held for spread
 * capture, marked to the last index (capture.h); nothing when none is. */
bk_rc bk_risk_end_captures(bk_risk *r, int64_t ts);

/* The mark of a contract changed at ts. Visits the accounts whose trigger was crossed (and
 * those waiting for a slice), liquidates the ones below maintenance, runs the fund's
 * offload and records its equity. books[contract] is the shared book of each contract
 * (NULL entries: no book, the remainder rules apply at once). */
bk_rc bk_risk_on_mark(bk_risk *r, uint32_t contract, int64_t mark, int64_t ts,
                      const bk_book *const *books);

/* A replayed trade, its taker on side (BK_BUY / BK_SELL; BK_SIDE_NONE when the data does
 * not say): the fund receives its share of the fees charged on its notional and, when
 * the policy takes a share of the taker flow, its part of the spread captured against
 * the contract's index (engine/capture.h; none without a side or an index). */
bk_rc bk_risk_on_trade(bk_risk *r, uint32_t contract, int side, int64_t price, int64_t qty,
                       int64_t ts);

/* Funding settles at ts at rate (fraction, > 0: longs pay): every position on the contract
 * pays or receives size × mark × rate (inverse: in coin), rounded for the exchange. */
bk_rc bk_risk_on_funding(bk_risk *r, uint32_t contract, int64_t rate, int64_t ts);


/* Fund equity in an asset (cash + inventory at mark). */
int64_t bk_risk_fund_equity(const bk_risk *r, uint32_t asset);

#endif
