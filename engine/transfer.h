/*
 * Moving money and positions inside one policy's risk state: the primitives every rule
 * (liquidation, waterfall, fund) uses, so that the ledger, the holders of money (account
 * cash, isolated margins, fund cash), the open-interest totals, the index of holders per
 * contract and the list of accounts an event touched always move together. A rule never
 * changes a balance or a position any other way; that is what lets the conservation check
 * (conservation.c) look only at what an event touched.
 *
 * Internal to engine/: the public API is risk.h. Errors: BK_ERANGE / BK_ENOMEM with the
 * detail in r->err; the state is then part-way through an event and the run must stop.
 */
#ifndef BK_TRANSFER_H
#define BK_TRANSFER_H

#include <stdint.h>

#include "engine/risk_state.h"

/* The ledger party of account id. */
#define BK_XFER_PARTY(id) ((uint32_t)(BK_PARTY_ACCT0 + (id)))

/* Marks an account as touched by the current event (checked and re-indexed at its end). */
void bk_xfer_touch(bk_risk *r, uint32_t id);

/* Moves a signed amount (negative: the other way) of asset between two parties with a
 * cause, and applies it to the holders that keep those balances (NULL: none, e.g. the
 * market or the sink). */
bk_rc bk_xfer_pay(bk_risk *r, uint32_t from, int64_t *from_h, uint32_t to, int64_t *to_h,
                  uint32_t asset, int cause, int64_t amount);

/* Sets a position of account id (size 0 removes it), keeping the open-interest total and
 * the contract's holder index. */
bk_rc bk_xfer_set_pos(bk_risk *r, uint32_t id, const bk_pos *p);

/* Closes qty (at most the position) of an account's position on contract at price against
 * the market: the realized PnL is posted with cause into its cash (cross) or its isolated
 * margin. An isolated position that ends releases its margin into cash (r->released); a
 * negative one is its own deficit, left in r->iso_deficit for the caller to have the
 * waterfall cover at once (bk_wf_cover_isolated) before anything reads the cash. */
bk_rc bk_xfer_close(bk_risk *r, uint32_t id, uint32_t contract, int64_t qty, int64_t price,
                    int cause);

/* The fund trades size (signed) of a contract at price against the market; the realized
 * PnL of a reduction is posted to the fund's cash with cause. */
bk_rc bk_xfer_fund_trade(bk_risk *r, uint32_t contract, int64_t size, int64_t price, int cause);

/* The fund's cash holder of an asset. */
int64_t *bk_xfer_fund_cash(bk_risk *r, uint32_t asset);

#endif
