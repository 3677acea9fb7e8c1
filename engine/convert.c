/*
 * Conversions between assets (see convert.h): at most one sale per other asset, two
 * postings each, only when a payment finds its own asset's cash short.
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
