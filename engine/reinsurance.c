/*
 * The reinsurance layer (see reinsurance.h): what a member may claim and paying it. Both
 * run only when a fund is refused, which is rare; the layer's value is a sum over at most
 * eight assets.
 */
#include "engine/reinsurance.h"

#include "engine/convert.h"
#include "engine/fixed.h"
#include "engine/pool.h"
#include "engine/transfer.h"

int64_t bk_reins_value(const bk_risk *r) {
  bk_i128 sum = 0;
  for (uint32_t a = 0; a < BK_LEDGER_ASSETS; a++) {
    int64_t v;
    if (r->reins_cash[a] && !bk_pool_value(r, a, r->pol.reins_currency, r->reins_cash[a],
                                           BK_FLOOR, &v))
      sum += v;
  }
  return sum > INT64_MAX ? INT64_MAX : (int64_t)sum;
}

int64_t bk_reins_claimable(const bk_risk *r, uint32_t asset) {
  if (!r->pol.reins_share || r->shadow) return 0;
  int64_t left = r->pol.reins_limit - r->reins_got[bk_pool_key(r, asset)];
  int64_t have = bk_reins_value(r), pa = bk_pool_price(r, asset, r->pol.reins_currency), x;
  if (have < left) left = have;
  if (left <= 0 || pa <= 0 || bk_fx_div(left, pa, BK_FLOOR, &x)) return 0;
  return x;
}

bk_rc bk_reins_pay(bk_risk *r, uint32_t asset, int64_t x, int64_t *paid) {
  *paid = 0;
  bk_rc rc = bk_convert_raise(r, BK_PARTY_REINS, r->reins_cash, BK_FUND_KEYS,
                              r->pol.reins_currency, asset, x);
  int64_t pay = r->reins_cash[asset] < x ? r->reins_cash[asset] : x;
  if (rc || pay <= 0) return rc;
  *paid = pay;
  return bk_xfer_pay(r, BK_PARTY_REINS, &r->reins_cash[asset], BK_PARTY_FUND,
                     bk_xfer_fund_cash(r, asset), asset, BK_CAUSE_CLAIM, pay);
}
