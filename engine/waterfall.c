/*
 * Loss-waterfall arithmetic (see waterfall.h). ADL runs rarely (only when the fund cannot
 * absorb a bankruptcy), over the opposite side's positions of one contract, so a sort of
 * the candidates is fine; socialization is one pass.
 */
#include "engine/waterfall.h"

#include "engine/fixed.h"

#include <stdlib.h>

bk_rc bk_wf_bitmex_rank(int64_t entry_value, int64_t mark_value, int64_t bankrupt_value,
                        int64_t *pnl_pct, int64_t *eff_lev, int64_t *rank) {
  int64_t pct, lev, rk, gain, cushion;
  if (entry_value == 0 || entry_value == INT64_MIN || mark_value == INT64_MIN ||
      mark_value == bankrupt_value || bk_sub(mark_value, entry_value, &gain) ||
      bk_sub(mark_value, bankrupt_value, &cushion) || cushion == INT64_MIN)
    return BK_ERANGE;
  if (bk_fx_div(gain, llabs(entry_value), BK_FLOOR, &pct)) return BK_ERANGE;
  if (bk_fx_div(llabs(mark_value), llabs(cushion), BK_FLOOR, &lev)) return BK_ERANGE;
  if (lev == 0) return BK_ERANGE;
  if (pct > 0) {
    if (bk_fx_mul(pct, lev, BK_FLOOR, &rk)) return BK_ERANGE;
  } else if (bk_fx_div(pct, lev, BK_FLOOR, &rk)) {
    return BK_ERANGE;
  }
  if (pnl_pct) *pnl_pct = pct;
  if (eff_lev) *eff_lev = lev;
  if (rank) *rank = rk;
  return BK_OK;
}

bk_rc bk_wf_hl_key(int64_t mark, int64_t entry, int64_t notional, int64_t account_value,
                   int is_long, int64_t *key) {
  if (account_value <= 0) {
    *key = 0;
    return BK_OK;
  }
  int64_t r, l;
  if (is_long ? bk_fx_div(mark, entry, BK_FLOOR, &r) : bk_fx_div(entry, mark, BK_FLOOR, &r))
    return BK_ERANGE;
  if (bk_fx_div(notional, account_value, BK_FLOOR, &l)) return BK_ERANGE;
  return bk_fx_mul(r, l, BK_FLOOR, key);
}

static int by_score(const void *pa, const void *pb) {
  const bk_adl_cand *a = pa, *b = pb;
  if (a->score != b->score) return a->score > b->score ? -1 : 1;
  return (a->acct > b->acct) - (a->acct < b->acct);
}

size_t bk_wf_adl_allocate(bk_adl_cand *cands, size_t n, int64_t need, bk_adl_take *out,
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

size_t bk_wf_dydx_start(uint64_t seed, uint64_t draw, size_t n) {
  if (!n) return 0;
  uint64_t z = seed + (draw + 1) * UINT64_C(0x9E3779B97F4A7C15);
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  z ^= z >> 31;
  return (size_t)(z % n);
}

bk_rc bk_wf_socialize(const int64_t *weights, size_t n, int64_t loss, int64_t *shares) {
  bk_i128 total = 0;
  for (size_t i = 0; i < n; i++) total += weights[i] > 0 ? weights[i] : 0;
  if (total == 0) return BK_ERANGE;
  for (size_t i = 0; i < n; i++)
    shares[i] = weights[i] > 0 ? bk_div_round((bk_i128)loss * weights[i], total, BK_CEIL) : 0;
  return BK_OK;
}

bk_rc bk_wf_mango(int64_t eligible, int64_t fund_tokens, int64_t token_price,
                  int64_t settle_price, int64_t *fund_pays, int64_t *socialized) {
  int64_t cap;
  if (bk_fx_muldiv(fund_tokens, token_price, settle_price, BK_FLOOR, &cap)) return BK_ERANGE;
  int64_t pay = eligible < cap ? eligible : cap;
  if (pay < 0) pay = 0;
  *fund_pays = pay;
  *socialized = eligible - pay;
  return BK_OK;
}
