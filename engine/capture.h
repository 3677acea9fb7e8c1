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
 * the fund's income is never overstated). A contract without an index price yet captures
 * nothing. docs/liquidation.md §13 writes the rule out.
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

/* Posts the fund's part of share (fraction e-8) of the capture on a fill of contract (as
 * bk_capture_value) at the contract's last index: market -> fund, or fund -> market when
 * the capture is a loss. Nothing when the contract has no index yet, the side is unknown
 * or the policy's fund share is 0. BK_ERANGE with the detail in r->err. */
bk_rc bk_capture_post(bk_risk *r, uint32_t contract, int side, int64_t qty, int64_t price,
                      int64_t share);

#endif
