/*
 * Conversions between assets (see convert.h): at most one sale per other asset, two
 * postings each, only when a payment finds its own asset's cash short; a pool's cash in
 * its currency is outside the ledger (no asset of the run), so buying with it posts the
 * asset bought alone.
 */
#include "engine/convert.h"

#include "engine/fixed.h"
#include "engine/pool.h"
#include "engine/transfer.h"

bk_rc bk_convert_raise(bk_risk *r, uint32_t party, int64_t *cash, uint32_t key,
                       const char *currency, uint32_t asset, int64_t want) {
  int64_t pa = bk_pool_price(r, asset, currency);
  bk_rc rc = BK_OK;
  for (uint32_t b = 0; b < BK_LEDGER_ASSETS && !rc && pa > 0 && cash[asset] < want; b++) {
    int64_t pb = b == asset ? 0 : bk_pool_price(r, b, currency);
    if (pb <= 0 || cash[b] <= 0 || (key < BK_FUND_KEYS && bk_pool_key(r, b) != key)) continue;
    int64_t shortfall, sell, buy;
    if (bk_sub(want, cash[asset], &shortfall) ||
        bk_acct_muldiv_wide((bk_i128)shortfall * pa, 1, pb, BK_CEIL, &sell))
      return bk_err_set(&r->err, BK_ERANGE, "risk: conversion overflow");
    buy = shortfall;
    if (sell > cash[b]) {
      sell = cash[b];
      if (bk_acct_muldiv_wide((bk_i128)sell * pb, 1, pa, BK_FLOOR, &buy))
        return bk_err_set(&r->err, BK_ERANGE, "risk: conversion overflow");
    }
    rc = bk_xfer_pay(r, party, &cash[b], BK_PARTY_MARKET, NULL, b, BK_CAUSE_CONVERT, sell);
    if (!rc)
      rc = bk_xfer_pay(r, BK_PARTY_MARKET, NULL, party, &cash[asset], asset, BK_CAUSE_CONVERT,
                       buy);
  }
  return rc;
}

bk_rc bk_convert_buy(bk_risk *r, uint32_t key, uint32_t asset, int64_t want, int owe) {
  int64_t *own = &r->pool_cash[key - BK_LEDGER_ASSETS], *cash = bk_xfer_fund_cash(r, asset);
  int64_t pa = bk_pool_price(r, asset, bk_pool_currency(r, key)), shortfall, cost, buy;
  if (pa <= 0 || *cash >= want || (!owe && *own <= 0)) return BK_OK;
  if (bk_sub(want, *cash, &shortfall) || bk_fx_mul(shortfall, pa, BK_CEIL, &cost))
    return bk_err_set(&r->err, BK_ERANGE, "risk: conversion overflow");
  buy = shortfall;
  if (!owe && cost > *own) {
    cost = *own;
    if (bk_fx_div(cost, pa, BK_FLOOR, &buy))
      return bk_err_set(&r->err, BK_ERANGE, "risk: conversion overflow");
  }
  if (buy <= 0) return BK_OK;
  if (bk_sub(*own, cost, own)) return bk_err_set(&r->err, BK_ERANGE, "risk: pool cash overflow");
  return bk_xfer_pay(r, BK_PARTY_MARKET, NULL, BK_PARTY_FUND, cash, asset, BK_CAUSE_CONVERT,
                     buy);
}
