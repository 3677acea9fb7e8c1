/*
 * Spread capture (see capture.h). Called once per replayed trade when the policy takes a
 * share of the taker flow and once per liquidation fill when it takes the liquidation
 * flow: a few 128-bit products and one ledger posting, no allocation.
 */
#include "engine/capture.h"

#include "engine/event.h"
#include "engine/fixed.h"
#include "engine/risk_state.h"
#include "engine/transfer.h"

bk_rc bk_capture_value(const bk_contract *c, int side, int64_t qty, int64_t price,
                       int64_t index, int64_t *out) {
  *out = 0;
  if (side != BK_BUY && side != BK_SELL) return BK_ERANGE;
  /* the counterparty holds the other side, opened at price and marked to the index */
  return bk_pos_upnl(c, side == BK_BUY ? -qty : qty, price, index, out);
}

bk_rc bk_capture_post(bk_risk *r, uint32_t contract, int side, int64_t qty, int64_t price,
                      int64_t share) {
  int64_t index = r->index[contract], value, part;
  if (index <= 0 || (side != BK_BUY && side != BK_SELL) || qty <= 0 || share <= 0 ||
      r->pol.spread_fund_share <= 0)
    return BK_OK;
  const bk_contract *c = &r->contracts[contract];
  if (bk_capture_value(c, side, qty, price, index, &value) ||
      bk_acct_muldiv_wide((bk_i128)value * share, r->pol.spread_fund_share,
                          (bk_i128)BK_FX_SCALE * BK_FX_SCALE, BK_FLOOR, &part))
    return bk_err_set(&r->err, BK_ERANGE, "risk: spread capture overflow");
  return bk_xfer_pay(r, BK_PARTY_MARKET, NULL, BK_PARTY_FUND, bk_xfer_fund_cash(r, c->settle),
                     c->settle, BK_CAUSE_SPREAD_CAPTURE, part);
}
