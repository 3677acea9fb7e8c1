/*
 * Venue formulas no policy uses yet, kept as a labelled reference for the published
 * worked examples they reproduce (docs: ../shared/reference/formulas.md): dYdX's
 * bankruptcy quote, fund delta, maximum spread and fund cover (T7, T8), Drift's
 * insurance fee (T9) and Mango's split of a bankruptcy between fund and socialization
 * (T11). They live with the tests, not in the engine, until a policy needs one; then it
 * moves into the file of its rule (liquidation.c or waterfall.c) with the policy that
 * uses it.
 */
#include "tests/venue_formulas.h"

#include <stdlib.h>

#include "engine/fixed.h"

bk_rc bk_vf_dydx_bankruptcy_quote(int64_t dnnv, int64_t tnc, int64_t dmmr, int64_t tmmr,
                                   int64_t *out) {
  if (tmmr == 0 || dmmr == INT64_MIN || dnnv == INT64_MIN) return BK_ERANGE;
  int64_t part;
  /* −DNNV − TNC×|DMMR|/TMMR rounded toward +inf: round the subtracted part down */
  if (bk_fx_muldiv(tnc, llabs(dmmr), tmmr, BK_FLOOR, &part)) return BK_ERANGE;
  return bk_sub(-dnnv, part, out);
}

bk_rc bk_vf_dydx_fund_delta(int64_t quote, int64_t bankruptcy_quote, int64_t max_fee,
                             int64_t *out) {
  int64_t delta, cap;
  if (bk_sub(quote, bankruptcy_quote, &delta)) return BK_ERANGE;
  if (delta <= 0) {
    *out = delta;
    return BK_OK;
  }
  if (quote == INT64_MIN || bk_fx_mul(llabs(quote), max_fee, BK_FLOOR, &cap)) return BK_ERANGE;
  *out = delta < cap ? delta : cap;
  return BK_OK;
}

int64_t bk_vf_dydx_max_spread(int64_t mmr) {
  return mmr + mmr / 2; /* exact for any 8-decimal rate with an even last digit */
}

int64_t bk_vf_dydx_fund_cover(int64_t mmr, int64_t dist) {
  int64_t c = bk_vf_dydx_max_spread(mmr) - dist;
  return c > 0 ? c : 0;
}

bk_rc bk_vf_drift_if_fee(int64_t mr, int64_t liquidator_fee, int64_t shortage, int64_t base,
                          int64_t price, int64_t max_fee, int64_t *out) {
  int64_t notional, share, f;
  if (bk_fx_mul(base, price, BK_CEIL, &notional) || notional <= 0) return BK_ERANGE;
  if (bk_fx_div(shortage, notional, BK_CEIL, &share)) return BK_ERANGE;
  if (bk_sub(mr, liquidator_fee, &f) || bk_sub(f, share, &f) ||
      bk_fx_mul(f, BK_FX(95) / 100, BK_FLOOR, &f))
    return BK_ERANGE;
  if (f > max_fee) f = max_fee;
  *out = f < 0 ? 0 : f;
  return BK_OK;
}

bk_rc bk_vf_mango(int64_t eligible, int64_t fund_tokens, int64_t token_price,
                  int64_t settle_price, int64_t *fund_pays, int64_t *socialized) {
  int64_t cap;
  if (bk_fx_muldiv(fund_tokens, token_price, settle_price, BK_FLOOR, &cap)) return BK_ERANGE;
  int64_t pay = eligible < cap ? eligible : cap;
  if (pay < 0) pay = 0;
  *fund_pays = pay;
  *socialized = eligible - pay;
  return BK_OK;
}

bk_rc bk_vf_tiers_im(const bk_tiers *t, int64_t notional, int64_t *out) {
  if (notional < 0) notional = -notional;
  const bk_tier *x = &t->v[bk_tiers_index(t, notional)];
  if (x->max_lev <= 0) return BK_ECONFIG;
  return bk_fx_div(notional, x->max_lev, BK_CEIL, out);
}

static int by_score(const void *pa, const void *pb) {
  const bk_adl_cand *a = pa, *b = pb;
  if (a->score != b->score) return a->score > b->score ? -1 : 1;
  return (a->acct > b->acct) - (a->acct < b->acct);
}

size_t bk_vf_adl_allocate(bk_adl_cand *cands, size_t n, int64_t need, bk_adl_take *out,
                          int64_t *left) {
  qsort(cands, n, sizeof *cands, by_score);
  size_t k = 0;
  for (size_t i = 0; i < n && need > 0; i++) {
    if (cands[i].qty <= 0) continue;
    int64_t q = cands[i].qty < need ? cands[i].qty : need;
    out[k].acct = cands[i].acct;
    out[k].qty = q;
    k++;
    need -= q;
  }
  *left = need;
  return k;
}
