/*
 * The fund's offload (see offload.h): after each mark of a contract, the policy's share
 * of the fund's inventory is sold into the book through the liquidation overlay (so the
 * fund and the liquidations of the same policy do not both take the same depth), with
 * the policy's participation and no price limit. Its realized PnL is posted with cause
 * offload.
 */
#include "engine/offload.h"

#include <stdlib.h>

#include "engine/event.h"
#include "engine/fixed.h"
#include "engine/liquidation.h"
#include "engine/transfer.h"

bk_rc bk_offload_step(bk_risk *r, uint32_t contract, const bk_book *book) {
  bk_fund_pos *inv = &r->fund.inv[contract];
  if (!book || !inv->size || r->pol.offload == BK_OFFLOAD_HOLD) return BK_OK;
  int64_t qty = llabs(inv->size);
  if (r->pol.offload == BK_OFFLOAD_GRADUAL) {
    int64_t s;
    if (bk_fx_mul(qty, r->pol.offload_share, BK_CEIL, &s) == BK_OK && s < qty) qty = s;
  }
  int side = inv->size > 0 ? BK_BID : BK_ASK;
  size_t nf;
  int64_t filled;
  const bk_fill *fills;
  bk_rc rc = bk_liq_walk(&r->overlay, contract, book,
                         &(bk_walk){side, qty, 0, r->pol.participation, NULL, NULL}, r->now,
                         &fills, &nf, &filled);
  if (rc) return bk_err_set(&r->err, rc, "risk: no memory for the overlay");
  int64_t dir = inv->size > 0 ? -1 : 1;
  for (size_t f = 0; f < nf && !rc; f++)
    rc = bk_xfer_fund_trade(r, contract, dir * fills[f].qty, fills[f].price, BK_CAUSE_OFFLOAD);
  return rc;
}
