/*
 * Collateral in other assets (see collateral.h). The table is a handful of assets, so
 * every lookup is a short loop; repricing runs on every mark (two loops of at most eight)
 * and the sale once per closed pool that holds collateral.
 */
#include "engine/collateral.h"

#include <string.h>

#include "engine/fixed.h"
#include "engine/transfer.h"

bk_rc bk_risk_add_collateral(bk_risk *r, const char *name, int64_t haircut, uint32_t from,
                             uint32_t *index) {
  bk_coll_state *c = &r->coll;
  if (!name[0] || strlen(name) >= sizeof c->now[0].name || haircut < 0 ||
      haircut >= BK_FX(1) || from >= r->ncontracts)
    return bk_err_set(&r->err, BK_ECONFIG, "collateral %s: needs a name, a haircut from 0 "
                      "below 1 and a contract that prices it", name);
  for (uint32_t j = 0; j < c->n; j++) {
    if (strcmp(c->now[j].name, name)) continue;
    if (c->now[j].haircut != haircut || c->from[j] != from)
      return bk_err_set(&r->err, BK_ECONFIG, "collateral %s: given twice with other terms",
                        name);
    *index = j;
    return BK_OK;
  }
  if (c->n == BK_COLL_ASSETS)
    return bk_err_set(&r->err, BK_ECONFIG, "collateral: at most %d assets", BK_COLL_ASSETS);
  bk_asset *a = &c->now[c->n];
  memset(a, 0, sizeof *a);
  memcpy(a->name, name, strlen(name));
  a->price = r->mark[from];
  a->haircut = haircut;
  c->from[c->n] = from;
  *index = (uint32_t)c->n++;
  r->env.nassets = c->n;
  return BK_OK;
}

void bk_risk_collateral_start(bk_risk *r) {
  for (uint32_t id = 0; id < r->nacct; id++) {
    bk_account *a = &r->acct[id];
    for (uint32_t i = 0; i < a->ncoll; i++) /* on overflow its posting value stays */
      (void)bk_acct_coll_value(&r->env, a->settle, a->coll[i].asset, a->coll[i].amount,
                               &a->coll[i].ref);
  }
  r->coll.started = 1;
}

/* The units of asset worth value (>= 0) to an account settling in settle at the prices
 * now, rounded by mode: the inverse of bk_acct_coll_value,
 * value × unit × 1e8 / (price × (1 − haircut)). */
static bk_rc units_for(const bk_coll_state *c, uint32_t settle, uint32_t asset,
                       bk_i128 value, bk_round mode, int64_t *amount) {
  return bk_acct_muldiv_wide(value * c->unit[settle], BK_FX_SCALE,
                             (bk_i128)c->now[asset].price * (BK_FX(1) - c->now[asset].haircut),
                             mode, amount);
}

bk_rc bk_risk_collateral_amount(const bk_risk *r, uint32_t settle, uint32_t asset,
                                int64_t value, int64_t *amount) {
  const bk_coll_state *c = &r->coll;
  if (asset >= c->n || settle >= BK_LEDGER_ASSETS || value < 0 || c->now[asset].price <= 0 ||
      c->unit[settle] <= 0)
    return BK_EDATA;
  return units_for(c, settle, asset, value, BK_FLOOR, amount);
}

int64_t bk_risk_collateral_loss(const bk_risk *r, uint32_t asset) {
  return asset < BK_LEDGER_ASSETS ? r->coll.loss[asset] : 0;
}

int64_t bk_risk_collateral_sold(const bk_risk *r, uint32_t asset) {
  return asset < BK_LEDGER_ASSETS ? r->coll.proceeds[asset] : 0;
}

int bk_coll_moves(const bk_risk *r, const bk_account *a, uint32_t contract) {
  if (r->coll.unit_from[a->settle] == contract) return 1;
  for (uint32_t i = 0; i < a->ncoll; i++)
    if (r->coll.from[a->coll[i].asset] == contract) return 1;
  return bk_acct_find(a, contract) >= 0;
}

void bk_coll_reprice(bk_risk *r, uint32_t contract, int64_t mark) {
  bk_coll_state *c = &r->coll;
  for (uint32_t j = 0; j < c->n; j++)
    if (c->from[j] == contract) c->now[j].price = mark;
  for (uint32_t s = 0; s < BK_LEDGER_ASSETS; s++)
    if (c->unit_from[s] == contract) c->unit[s] = mark;
}

bk_rc bk_coll_post(bk_risk *r, uint32_t id, uint32_t asset, int64_t amount) {
  bk_coll_state *c = &r->coll;
  bk_account *a = &r->acct[id];
  if (a->settle < r->nassets && !strcmp(r->assets[a->settle].name, c->now[asset].name))
    return bk_err_set(&r->err, BK_ECONFIG, "risk: collateral %s is the account's settle "
                      "asset: post it as cash", c->now[asset].name);
  if (c->now[asset].price <= 0 || c->unit[a->settle] <= 0)
    return bk_err_set(&r->err, BK_EDATA, "risk: collateral %s has no price yet",
                      c->now[asset].name);
  int64_t posted, value;
  if (bk_add(c->posted[asset], amount, &posted) ||
      bk_acct_coll_value(&r->env, a->settle, asset, amount, &value) ||
      bk_acct_add_coll(a, asset, amount))
    return bk_err_set(&r->err, BK_ERANGE, "risk: no room for collateral");
  c->posted[asset] = posted;
  bk_coll *k = &a->coll[0];
  while (k->asset != asset) k++;
  if (bk_add(k->ref, value, &k->ref))
    return bk_err_set(&r->err, BK_ERANGE, "risk: collateral overflow");
  return BK_OK;
}

/* Sells units of account id's collateral k to the market for what they are worth now,
 * its reference value shrinking pro rata (rounded down); *fall grows by the reference
 * value sold less the proceeds once the window has opened. */
static bk_rc sell_units(bk_risk *r, uint32_t id, bk_coll *k, int64_t units, int64_t *fall) {
  bk_account *a = &r->acct[id];
  int64_t proceeds, ref = k->ref;
  if (bk_acct_coll_value(&r->env, a->settle, k->asset, units, &proceeds) ||
      (units < k->amount &&
       bk_acct_muldiv_wide((bk_i128)k->ref * units, 1, k->amount, BK_FLOOR, &ref)) ||
      (r->coll.started && bk_add(*fall, ref - proceeds, fall)))
    return bk_err_set(&r->err, BK_ERANGE, "risk: collateral overflow");
  k->amount -= units;
  k->ref -= ref;
  r->coll.sold[k->asset] += units;
  if (bk_add(r->coll.proceeds[a->settle], proceeds, &r->coll.proceeds[a->settle]))
    return bk_err_set(&r->err, BK_ERANGE, "risk: collateral overflow");
  return bk_xfer_pay(r, BK_PARTY_MARKET, NULL, BK_XFER_PARTY(id), &a->cash, a->settle,
                     BK_CAUSE_COLLATERAL_SALE, proceeds);
}

/* The units of collateral k to sell: all of them, or the fewest whose proceeds bring the
 * account's cash to 0 (none when it is not negative). */
static int64_t units_to_sell(const bk_risk *r, const bk_account *a, const bk_coll *k,
                             int all) {
  int64_t units;
  if (all) return k->amount;
  if (a->cash >= 0) return 0;
  if (units_for(&r->coll, a->settle, k->asset, -(bk_i128)a->cash, BK_CEIL, &units) ||
      units > k->amount)
    return k->amount; /* it is not enough */
  return units;
}

bk_rc bk_coll_sell(bk_risk *r, uint32_t id, int all, int64_t *fall) {
  bk_account *a = &r->acct[id];
  *fall = 0;
  uint32_t kept = 0;
  bk_rc rc = BK_OK;
  for (uint32_t i = 0; i < a->ncoll; i++) {
    int64_t units = rc ? 0 : units_to_sell(r, a, &a->coll[i], all);
    if (units > 0) rc = sell_units(r, id, &a->coll[i], units, fall);
    if (a->coll[i].amount > 0) a->coll[kept++] = a->coll[i];
  }
  a->ncoll = kept;
  return rc;
}

void bk_coll_withdraw(bk_risk *r, uint32_t id) {
  bk_account *a = &r->acct[id];
  for (uint32_t i = 0; i < a->ncoll; i++)
    r->coll.withdrawn[a->coll[i].asset] += a->coll[i].amount;
  a->ncoll = 0;
}

bk_rc bk_coll_attribute(bk_risk *r, uint32_t settle, int64_t d, int64_t fall, int64_t paid) {
  bk_i128 d0 = (bk_i128)d - fall, part = paid - (d0 > 0 ? d0 : 0);
  if (part <= 0) return BK_OK;
  if (bk_add(r->coll.loss[settle], (int64_t)part, &r->coll.loss[settle]))
    return bk_err_set(&r->err, BK_ERANGE, "risk: collateral loss overflow");
  return BK_OK;
}
