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
  c->start[c->n] = *a;
  c->from[c->n] = from;
  *index = (uint32_t)c->n++;
  r->env.nassets = c->n;
  return BK_OK;
}

void bk_risk_collateral_start(bk_risk *r) {
  bk_coll_state *c = &r->coll;
  memcpy(c->start, c->now, sizeof c->start);
  memcpy(c->unit0, c->unit, sizeof c->unit0);
  c->started = 1;
}

bk_rc bk_risk_collateral_amount(const bk_risk *r, uint32_t settle, uint32_t asset,
                                int64_t value, int64_t *amount) {
  const bk_coll_state *c = &r->coll;
  if (asset >= c->n || settle >= BK_LEDGER_ASSETS || value < 0 || c->now[asset].price <= 0 ||
      c->unit[settle] <= 0)
    return BK_EDATA;
  /* the inverse of bk_acct_collateral: value × unit × 1e8 / (price × (1 − haircut)) */
  return bk_acct_muldiv_wide((bk_i128)value * c->unit[settle], BK_FX_SCALE,
                             (bk_i128)c->now[asset].price * (BK_FX(1) - c->now[asset].haircut),
                             BK_FLOOR, amount);
}

int64_t bk_risk_collateral_loss(const bk_risk *r, uint32_t asset) {
  return asset < BK_LEDGER_ASSETS ? r->coll.loss[asset] : 0;
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
    if (c->from[j] == contract) {
      c->now[j].price = mark;
      if (!c->started || c->start[j].price == 0) c->start[j].price = mark;
    }
  for (uint32_t s = 0; s < BK_LEDGER_ASSETS; s++)
    if (c->unit_from[s] == contract) {
      c->unit[s] = mark;
      if (!c->started || c->unit0[s] == 0) c->unit0[s] = mark;
    }
}

bk_rc bk_coll_sell(bk_risk *r, uint32_t id, int64_t *fall) {
  bk_account *a = &r->acct[id];
  *fall = 0;
  if (a->ncoll == 0) return BK_OK;
  bk_menv then = r->env;
  then.assets = r->coll.start;
  then.unit = r->coll.unit0;
  int64_t now, was, proceeds;
  if (bk_acct_collateral(&r->env, a, &now) || bk_acct_collateral(&then, a, &was) ||
      bk_sub(was, now, fall) || bk_sub(now, a->cash, &proceeds))
    return bk_err_set(&r->err, BK_ERANGE, "risk: collateral overflow");
  bk_rc rc = bk_xfer_pay(r, BK_PARTY_MARKET, NULL, BK_XFER_PARTY(id), &a->cash, a->settle,
                         BK_CAUSE_COLLATERAL_SALE, proceeds);
  if (!rc) bk_coll_withdraw(r, id);
  return rc;
}

void bk_coll_withdraw(bk_risk *r, uint32_t id) {
  bk_account *a = &r->acct[id];
  for (uint32_t i = 0; i < a->ncoll; i++) r->coll.held[a->coll[i].asset] -= a->coll[i].amount;
  a->ncoll = 0;
}

bk_rc bk_coll_attribute(bk_risk *r, uint32_t settle, int64_t d, int64_t fall, int64_t paid) {
  bk_i128 d0 = (bk_i128)d - fall, part = paid - (d0 > 0 ? d0 : 0);
  if (part <= 0) return BK_OK;
  if (bk_add(r->coll.loss[settle], (int64_t)part, &r->coll.loss[settle]))
    return bk_err_set(&r->err, BK_ERANGE, "risk: collateral loss overflow");
  return BK_OK;
}
