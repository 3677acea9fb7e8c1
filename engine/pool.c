/*
 * Shared funds (see pool.h). A run has at most eight settle assets, so membership is a
 * small table by asset and a pool's value is a sum over its members, computed when the
 * waterfall asks (a liquidation, not every trade). Prices are read from the marks the
 * risk state already holds.
 */
#include "engine/pool.h"

#include <string.h>

#include "engine/fixed.h"
#include "engine/fund.h"

/* The first inverse contract settling in asset (r->ncontracts: none). */
static size_t inverse_of(const bk_risk *r, uint32_t asset) {
  size_t k = 0;
  while (k < r->ncontracts &&
         (r->contracts[k].settle != asset || r->contracts[k].kind != BK_INVERSE))
    k++;
  return k;
}

static int settles_in(const bk_risk *r, uint32_t asset) {
  for (size_t k = 0; k < r->ncontracts; k++)
    if (r->contracts[k].settle == asset) return 1;
  return 0;
}

/* Whether the spec of a pool names asset a (by name, or "*" for any settled asset). */
static int names(const bk_risk *r, const bk_pool_spec *p, uint32_t a) {
  for (size_t i = 0; i < p->nassets; i++)
    if (strcmp(p->assets[i], r->assets[a].name) == 0 ||
        (strcmp(p->assets[i], "*") == 0 && settles_in(r, a)))
      return 1;
  return 0;
}

bk_rc bk_pool_setup(bk_risk *r, bk_err *err) {
  memset(r->pool_of, -1, sizeof r->pool_of);
  for (size_t i = 0; i < r->pol.npools; i++) {
    const bk_pool_spec *p = &r->pol.pools[i];
    for (uint32_t a = 0; a < r->nassets; a++) {
      if (!names(r, p, a)) continue;
      if (r->pool_of[a] >= 0)
        return bk_err_set(err, BK_ECONFIG, "policy %s: fund.pools: asset %s is in pools %s "
                          "and %s", r->pol.name, r->assets[a].name,
                          r->pol.pools[r->pool_of[a]].name, p->name);
      if (strcmp(r->assets[a].name, p->currency) != 0 && inverse_of(r, a) == r->ncontracts)
        return bk_err_set(err, BK_ECONFIG, "policy %s: fund.pools: pool %s cannot value %s "
                          "in %s: an asset is worth 1 when it is the currency, else the "
                          "mark of an inverse contract settling in it", r->pol.name,
                          p->name, r->assets[a].name, p->currency);
      r->pool_of[a] = (int8_t)i;
    }
  }
  return BK_OK;
}

uint32_t bk_pool_key(const bk_risk *r, uint32_t asset) {
  return asset < BK_LEDGER_ASSETS && r->pool_of[asset] >= 0
             ? BK_LEDGER_ASSETS + (uint32_t)r->pool_of[asset]
             : asset;
}

const char *bk_pool_currency(const bk_risk *r, uint32_t key) {
  return key >= BK_LEDGER_ASSETS ? r->pol.pools[key - BK_LEDGER_ASSETS].currency : NULL;
}

int64_t bk_pool_price(const bk_risk *r, uint32_t asset, const char *currency) {
  if (asset < r->nassets && strcmp(r->assets[asset].name, currency) == 0) return BK_FX_SCALE;
  size_t k = inverse_of(r, asset);
  return k < r->ncontracts ? r->mark[k] : 0;
}

bk_rc bk_pool_value(const bk_risk *r, uint32_t asset, const char *currency, int64_t x,
                    bk_round rnd, int64_t *out) {
  if (!currency) {
    *out = x;
    return BK_OK;
  }
  return bk_fx_mul(x, bk_pool_price(r, asset, currency), rnd, out);
}

bk_rc bk_pool_in_key(const bk_risk *r, uint32_t key, uint32_t asset, int64_t x, bk_round rnd,
                     int64_t *out) {
  return bk_pool_value(r, asset, bk_pool_currency(r, key), x, rnd, out);
}

bk_rc bk_pool_state(const bk_risk *r, uint32_t key, int64_t *equity, int64_t *cash,
                    int64_t *net) {
  bk_i128 own = key >= BK_LEDGER_ASSETS ? r->pool_cash[key - BK_LEDGER_ASSETS] : 0;
  bk_i128 eq = own, c = own, n = 0;
  for (uint32_t a = 0; a < BK_LEDGER_ASSETS; a++) {
    if (bk_pool_key(r, a) != key) continue;
    int64_t e, v, ve, vc, vn;
    if (bk_fund_equity(&r->fund, &r->env, a, &e) || bk_fund_net_value(&r->fund, &r->env, a, &v) ||
        bk_pool_in_key(r, key, a, e, BK_FLOOR, &ve) ||
        bk_pool_in_key(r, key, a, r->fund.cash[a], BK_FLOOR, &vc) ||
        bk_pool_in_key(r, key, a, v, BK_CEIL, &vn))
      return BK_ERANGE;
    eq += ve;
    c += vc;
    n += vn;
  }
  if (eq > INT64_MAX || eq < INT64_MIN || c > INT64_MAX || c < INT64_MIN || n > INT64_MAX)
    return BK_ERANGE;
  *equity = (int64_t)eq;
  *cash = (int64_t)c;
  *net = (int64_t)n;
  return BK_OK;
}

void bk_pool_count(bk_risk *r, int out, uint32_t asset, int cause, int64_t amount) {
  uint32_t key = bk_pool_key(r, asset);
  int64_t v;
  if (key < BK_LEDGER_ASSETS || cause == BK_CAUSE_DEPOSIT ||
      bk_pool_in_key(r, key, asset, amount, BK_FLOOR, &v))
    return;
  bk_pool_flows *f = &r->pflow[asset];
  int64_t *t = cause == BK_CAUSE_CONVERT ? (out ? &f->converted_out : &f->converted_in)
                                         : (out ? &f->drawn : &f->contributed);
  if (bk_add(*t, v, t)) *t = INT64_MAX;
}
