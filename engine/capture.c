/*
 * Spread capture (see capture.h). Called once per replayed trade when the policy takes a
 * share of the taker flow and once per liquidation fill when it takes the liquidation
 * flow: a few 128-bit products and one ledger posting; a liquidation fill with a horizon
 * waits in r->holds, in fill order (so in order of due time: the horizon is one per
 * policy), until an index event of its contract at or after its due time.
 */
#include "engine/capture.h"

#include "engine/event.h"
#include "engine/fixed.h"
#include "engine/risk_state.h"
#include "engine/transfer.h"
#include "engine/vec.h"

bk_rc bk_capture_value(const bk_contract *c, int side, int64_t qty, int64_t price,
                       int64_t index, int64_t *out) {
  *out = 0;
  if (side != BK_BUY && side != BK_SELL) return BK_ERANGE;
  /* the counterparty holds the other side, opened at price and marked to the index */
  return bk_pos_upnl(c, side == BK_BUY ? -qty : qty, price, index, out);
}

/* Posts the fund's part of share of the capture on a fill marked to index (> 0). */
static bk_rc post_at(bk_risk *r, uint32_t contract, int side, int64_t qty, int64_t price,
                     int64_t share, int64_t index) {
  const bk_contract *c = &r->contracts[contract];
  int64_t value, part;
  if (bk_capture_value(c, side, qty, price, index, &value) ||
      bk_acct_muldiv_wide((bk_i128)value * share, r->pol.spread_fund_share,
                          (bk_i128)BK_FX_SCALE * BK_FX_SCALE, BK_FLOOR, &part))
    return bk_err_set(&r->err, BK_ERANGE, "risk: spread capture overflow");
  return bk_xfer_pay(r, BK_PARTY_MARKET, NULL, BK_PARTY_FUND, bk_xfer_fund_cash(r, c->settle),
                     c->settle, BK_CAUSE_SPREAD_CAPTURE, part);
}

bk_rc bk_capture_post(bk_risk *r, uint32_t contract, int side, int64_t qty, int64_t price,
                      int64_t share) {
  if ((side != BK_BUY && side != BK_SELL) || qty <= 0 || share <= 0 ||
      r->pol.spread_fund_share <= 0)
    return BK_OK;
  if (r->index[contract] <= 0) {
    r->unpriced[contract]++;
    return BK_OK;
  }
  return post_at(r, contract, side, qty, price, share, r->index[contract]);
}

bk_rc bk_capture_liq(bk_risk *r, uint32_t contract, int side, int64_t qty, int64_t price) {
  if (!r->pol.spread_liquidation) return BK_OK;
  if (r->pol.spread_horizon_us == 0) return bk_capture_post(r, contract, side, qty, price,
                                                            BK_FX(1));
  bk_capture_hold h = {r->now + r->pol.spread_horizon_us, qty, price, contract, side};
  bk_capture_hold *v = bk_vec_push(r->holds, &r->nholds, &r->holdcap, &h, sizeof h);
  if (!v) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the held fills");
  r->holds = v;
  return BK_OK;
}

int bk_capture_due(const bk_risk *r, uint32_t contract, int64_t ts) {
  for (size_t i = 0; i < r->nholds && r->holds[i].due <= ts; i++)
    if (r->holds[i].contract == contract) return 1;
  return 0;
}

/* Posts the held fills of contract (of every contract when all) among those due at ts, and drops them from the queue, keeping the others in order. */
static bk_rc release(bk_risk *r, uint32_t contract, int all, int64_t ts) {
  size_t keep = 0, i = 0;
  bk_rc rc = BK_OK;
  for (; i < r->nholds && r->holds[i].due <= ts && !rc; i++) {
    const bk_capture_hold *h = &r->holds[i];
    if (all || h->contract == contract)
      rc = bk_capture_post(r, h->contract, h->side, h->qty, h->price, BK_FX(1));
    else r->holds[keep++] = *h;
  }
  for (; i < r->nholds; i++) r->holds[keep++] = r->holds[i];
  r->nholds = keep;
  return rc;
}

bk_rc bk_capture_release(bk_risk *r, uint32_t contract, int64_t ts) {
  return release(r, contract, 0, ts);
}

bk_rc bk_capture_release_all(bk_risk *r) {
  /* those with an index are marked to the last one; the others stay unpriced */
  for (size_t i = 0; i < r->nholds; i++) r->held_to_end += r->index[r->holds[i].contract] > 0;
  return release(r, 0, 1, INT64_MAX);
}
