/*
 * Spread capture: what the venue makes as the counterparty of a fill, priced against the
 * index. A venue that quotes around the index itself (Drift's AMM quotes bid and ask
 * around an oracle-pegged reservation price; Hyperliquid's HLP vault makes markets around
 * a fair price from external venues) sells to a taker buying at p above the index i and
 * keeps (p − i) × qty; it buys from a taker selling below the index and keeps (i − p) ×
 * qty. A fill on the wrong side of the index is the counterparty's loss, and counts
 * negative: the capture is the counterparty's gain marked to the index at the fill, signed.
 *
 * A policy names the flows the venue is the counterparty of (a share of the replayed
 * taker flow, the liquidation fills) and the share of the capture that goes to the fund;
 * the fund's part is posted from the market to the fund (cause spread_capture), so the
 * ledger still sums to zero. Rounding: the capture is rounded down, then the fund's part
 * of it rounded down (towards the smaller gain or the larger loss, as protocol revenue is:
 * the fund's income is never overstated).
 *
 * The taker flow is marked to the index at the trade. A liquidation fill is not: in a
 * crash the index moves faster than the venue could unwind what it bought, so the fill is
 * held for the policy's horizon and marked to the first index at or after fill time +
 * horizon, posted in that index's event; the run's end marks what is still held to the
 * last index (counted in held_to_end). A trade or fill with no index to price it (none
 * yet, or none in the whole run) captures nothing and is counted in unpriced[contract].
 * docs/liquidation.md §13 writes the rule out.
 *
 * Internal to engine/: called by risk.c for trades and liquidation.c for fills.
 */
#ifndef BK_CAPTURE_H
#define BK_CAPTURE_H

#include <stdint.h>

#include "engine/account.h"
#include "engine/error.h"

typedef struct bk_risk bk_risk;

/* The counterparty's gain, marked to index, on qty (> 0) contracts a taker on side
 * (BK_BUY / BK_SELL) traded at price: qty × size × (price − index) for a taker buy, the
 * other sign for a sell; inverse contracts in coin, qty × size × (1/index − 1/price) for a
 * buy. Signed, rounded down. BK_ERANGE on overflow or a side that is neither. */
bk_rc bk_capture_value(const bk_contract *c, int side, int64_t qty, int64_t price,
                       int64_t index, int64_t *out);

/* Posts the fund's part of share (fraction e-8) of the capture on a taker's trade of
 * contract (as bk_capture_value) at the contract's last index: market -> fund, or fund ->
 * market when the capture is a loss. Nothing when the side is unknown or a share is 0;
 * nothing but a count in unpriced when the contract has no index yet. BK_ERANGE with
 * the detail in r->err. */
bk_rc bk_capture_post(bk_risk *r, uint32_t contract, int side, int64_t qty, int64_t price,
                      int64_t share);

/* A liquidation fill at r->now, the liquidation order the taker on side: with a horizon
 * of 0 posted at once as bk_capture_post, else held (BK_ENOMEM when it cannot be).
 * Nothing when the policy does not take the liquidation flow. */
bk_rc bk_capture_liq(bk_risk *r, uint32_t contract, int side, int64_t qty, int64_t price);

/* 1 when a held fill of contract is due at ts (its horizon has passed). */
int bk_capture_due(const bk_risk *r, uint32_t contract, int64_t ts);

/* Posts every held fill of contract due at ts, marked to the contract's index (just set
 * by the caller, inside an event). */
bk_rc bk_capture_release(bk_risk *r, uint32_t contract, int64_t ts);

/* The run's end: posts every fill still held at its contract's last index, counting them
 * in held_to_end (unpriced when the contract never had an index). */
bk_rc bk_capture_release_all(bk_risk *r);

#endif
