/*
 * Reference venue formulas for the worked examples (see venue_formulas.c). Fixed point
 * e-8 throughout; BK_ERANGE on overflow or a zero denominator.
 */
#ifndef BK_VENUE_FORMULAS_H
#define BK_VENUE_FORMULAS_H

#include <stdint.h>

#include "engine/error.h"
#include "engine/tiers.h"
#include "engine/waterfall_state.h"

/* dYdX bankruptcy quote = −DNNV − TNC × |DMMR| / TMMR, rounded toward +inf: the quote
 * the closing order must receive for the account to end at zero. */
bk_rc bk_vf_dydx_bankruptcy_quote(int64_t dnnv, int64_t tnc, int64_t dmmr, int64_t tmmr,
                                  int64_t *out);

/* dYdX fund delta of a fill: delta = quote received − bankruptcy quote; <= 0 the fund pays
 * it; > 0 the fund takes min(|quote| × max_fee, delta). */
bk_rc bk_vf_dydx_fund_delta(int64_t quote, int64_t bankruptcy_quote, int64_t max_fee,
                            int64_t *out);

/* dYdX maximum liquidation spread = 1.5 × MMR, and the share the fund covers when the
 * account is bankrupt `dist` away from the oracle: max(0, spread − dist). */
int64_t bk_vf_dydx_max_spread(int64_t mmr);
int64_t bk_vf_dydx_fund_cover(int64_t mmr, int64_t dist);

/* Drift insurance fee = min(max_fee, 0.95 × (MR − liquidator_fee − shortage / (base ×
 * price))), never below 0, rounded down. */
bk_rc bk_vf_drift_if_fee(int64_t mr, int64_t liquidator_fee, int64_t shortage, int64_t base,
                         int64_t price, int64_t max_fee, int64_t *out);

/* Mango v4 bankruptcy: of a liability `eligible` (>= 0, settle units), the fund pays at
 * most its tokens × token price / settle price; the rest is socialized. */
bk_rc bk_vf_mango(int64_t eligible, int64_t fund_tokens, int64_t token_price,
                  int64_t settle_price, int64_t *fund_pays, int64_t *socialized);

/* Initial margin of a notional at its tier's maximum leverage, rounded up (Binance and
 * Bybit size an opening position's margin this way); BK_ECONFIG when the tier has no
 * maximum leverage. The engine needs no initial margin (accounts arrive with their
 * deposit), so this lives with the worked examples' references. */
bk_rc bk_vf_tiers_im(const bk_tiers *t, int64_t notional, int64_t *out);

typedef struct bk_adl_take {
  uint32_t acct;
  int64_t qty; /* > 0 */
} bk_adl_take;

/* BitMEX's published ADL order (T5): sorts cands by score (descending; ties by account)
 * and takes from the top until need is covered. Writes at most n takes; returns how
 * many; *left gets what no candidate could take (0 when covered). The engine keeps each
 * contract side's queue as a heap (waterfall.c); this sorts, as the worked example reads. */
size_t bk_vf_adl_allocate(bk_adl_cand *cands, size_t n, int64_t need, bk_adl_take *out,
                          int64_t *left);

#endif
