/*
 * Tiered maintenance margin tables (see tiers.h). A table has a handful of brackets and is
 * read on every margin computation, so lookup is a short linear scan from the top: most
 * positions sit in the first tiers and tables rarely exceed a dozen rows.
 */
#include "engine/tiers.h"

#include "engine/fixed.h"

bk_rc bk_tiers_finish(bk_tiers *t, bk_err *err) {
  if (t->n == 0 || t->n > BK_TIERS_MAX)
    return bk_err_set(err, BK_ECONFIG, "a tier table needs 1 to %d tiers", BK_TIERS_MAX);
  if (t->v[0].floor != 0) return bk_err_set(err, BK_ECONFIG, "the first tier's floor must be 0");
  int64_t cum[BK_TIERS_MAX];
  for (size_t i = 0; i < t->n; i++) {
    const bk_tier *x = &t->v[i];
    if (x->mmr < 0 || x->mmr >= BK_FX(1))
      return bk_err_set(err, BK_ECONFIG, "tier %zu: mmr must be in [0, 1)", i + 1);
    if (x->max_lev < 0 || (x->max_lev > 0 && x->max_lev < BK_FX(1)))
      return bk_err_set(err, BK_ECONFIG, "tier %zu: max leverage must be >= 1", i + 1);
    if (i > 0 && x->floor <= t->v[i - 1].floor)
      return bk_err_set(err, BK_ECONFIG, "tier %zu: floors must ascend", i + 1);
    if (x->maint_amount >= 0) {
      cum[i] = x->maint_amount;
    } else if (x->maint_amount == -1) {
      if (i == 0) {
        cum[i] = 0;
      } else {
        /* cum_n = floor_n × (MMR_n − MMR_{n−1}) + cum_{n−1}; exact for 8-decimal inputs
           up to the last unit, rounded down (the smaller amount is the larger margin) */
        int64_t d;
        if (bk_fx_mul(x->floor, x->mmr - t->v[i - 1].mmr, BK_FLOOR, &d) ||
            bk_add(d, cum[i - 1], &cum[i]))
          return bk_err_set(err, BK_ECONFIG, "tier %zu: maintenance amount overflows", i + 1);
      }
    } else {
      return bk_err_set(err, BK_ECONFIG, "tier %zu: maintenance amount must be >= 0", i + 1);
    }
  }
  for (size_t i = 0; i < t->n; i++) t->v[i].maint_amount = cum[i];
  return BK_OK;
}

size_t bk_tiers_index(const bk_tiers *t, int64_t notional) {
  if (notional < 0) notional = notional == INT64_MIN ? INT64_MAX : -notional;
  size_t i = t->n;
  while (i > 1 && t->v[i - 1].floor > notional) i--;
  return i ? i - 1 : 0;
}

bk_rc bk_tiers_mm(const bk_tiers *t, int64_t notional, int64_t *out) {
  return bk_tiers_mm_scaled(t, notional, BK_FX(1), out);
}

bk_rc bk_tiers_terms(const bk_tiers *t, size_t i, int64_t scale, int64_t *mmr,
                     int64_t *amount) {
  const bk_tier *x = &t->v[i];
  if (scale == 0 || scale == BK_FX(1)) {
    *mmr = x->mmr;
    *amount = x->maint_amount;
    return BK_OK;
  }
  if (bk_fx_mul(x->mmr, scale, BK_CEIL, mmr) ||
      bk_fx_mul(x->maint_amount, scale, BK_FLOOR, amount))
    return BK_ERANGE;
  if (*mmr >= BK_FX(1)) *mmr = BK_FX(1) - 1; /* a margin never reaches the whole notional */
  return BK_OK;
}

bk_rc bk_tiers_mm_scaled(const bk_tiers *t, int64_t notional, int64_t scale, int64_t *out) {
  if (notional < 0) notional = -notional;
  int64_t mmr, amount, m;
  if (bk_tiers_terms(t, bk_tiers_index(t, notional), scale, &mmr, &amount) ||
      bk_fx_mul(notional, mmr, BK_CEIL, &m))
    return BK_ERANGE;
  m -= amount;
  *out = m < 0 ? 0 : m;
  return BK_OK;
}
