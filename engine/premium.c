/*
 * Premiums and the members' tallies (see premium.h).
 */
#include "engine/premium.h"

#include "engine/fixed.h"
#include "engine/pool.h"

int64_t bk_premium_due(const bk_risk *r, uint32_t to, int cause, int64_t amount) {
  int64_t p;
  if (!r->pol.reins_share || to != BK_PARTY_FUND ||
      (cause != BK_CAUSE_LIQ_FEE && cause != BK_CAUSE_SPREAD &&
       cause != BK_CAUSE_SPREAD_CAPTURE &&
       cause != BK_CAUSE_PROTOCOL_REVENUE) ||
      bk_fx_mul(amount, r->pol.reins_share, BK_FLOOR, &p))
    return 0;
  return p;
}

void bk_premium_count(bk_risk *r, uint32_t asset, int cause, int64_t amount) {
  uint32_t key = bk_pool_key(r, asset);
  int64_t v;
  if ((cause != BK_CAUSE_PREMIUM && cause != BK_CAUSE_CLAIM) ||
      bk_pool_value(r, asset, r->pol.reins_currency, amount, BK_FLOOR, &v))
    return;
  int64_t *t = cause == BK_CAUSE_PREMIUM ? &r->reins_paid[key] : &r->reins_got[key];
  if (bk_add(*t, v, t)) *t = INT64_MAX;
}
