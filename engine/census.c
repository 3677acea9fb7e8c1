/*
 * The population in numbers (see census.h): open interest, account counts and leverage
 * buckets of one settle asset, read from a risk state.
 */
#include "engine/census.h"

#include <string.h>

#include "engine/fixed.h"

const int64_t bk_lev_bucket_top[BK_LEV_BUCKETS] = {0, 1, 2, 5, 10, 20, 50, 100, 0};

static int64_t capped(bk_i128 v) { return v > INT64_MAX ? INT64_MAX : (int64_t)v; }

/* |notional| of position p at its contract's mark (INT64_MAX when unknown or too big). */
static int64_t notional_of(const bk_risk *r, const bk_pos *p) {
  int64_t n = 0, mark = r->mark[p->contract];
  if (mark <= 0 || bk_pos_notional(&r->contracts[p->contract], p->size, mark, &n))
    return INT64_MAX;
  return n;
}

static void add_side(const bk_risk *r, const bk_pos *p, bk_i128 *lo, bk_i128 *sh) {
  if (p->size > 0) *lo += notional_of(r, p);
  else *sh += notional_of(r, p);
}

/* |notional| of size contracts of contract k at its mark (INT64_MAX when unknown or too
 * big for the position type). */
static int64_t total_notional(const bk_risk *r, uint32_t k, bk_i128 size) {
  int64_t n = 0, mark = r->mark[k];
  if (size == 0) return 0;
  if (mark <= 0 || size > INT64_MAX || bk_pos_notional(&r->contracts[k], (int64_t)size, mark, &n))
    return INT64_MAX;
  return n;
}

void bk_census_oi(const bk_risk *r, uint32_t asset, int64_t *oi_long, int64_t *oi_short) {
  bk_i128 lo = 0, sh = 0;
  for (uint32_t k = 0; k < r->ncontracts; k++) {
    if (r->contracts[k].settle != asset) continue;
    lo += total_notional(r, k, r->acct_long[k]);
    sh += total_notional(r, k, r->acct_long[k] - r->acct_oi[k]);
  }
  *oi_long = capped(lo);
  *oi_short = capped(sh);
}

/* The bucket of an account with cross notional n and equity eq (n > 0). */
static int bucket_of(int64_t n, int64_t eq) {
  if (eq <= 0) return BK_LEV_BUCKETS - 1;
  for (int i = 1; i < BK_LEV_BUCKETS - 1; i++)
    if ((bk_i128)n <= (bk_i128)bk_lev_bucket_top[i] * eq) return i;
  return BK_LEV_BUCKETS - 1;
}

/* Adds account a to its bucket of c. */
static bk_rc add_account(const bk_risk *r, const bk_account *a, bk_census *c,
                         bk_i128 lo[BK_LEV_BUCKETS], bk_i128 sh[BK_LEV_BUCKETS]) {
  bk_i128 alo = 0, ash = 0;
  for (uint32_t j = 0; j < a->npos; j++)
    if (!a->pos[j].isolated) add_side(r, &a->pos[j], &alo, &ash);
  bk_i128 gross = alo + ash;
  int64_t eq = 0, mm = 0;
  int b = 0;
  if (gross > 0) {
    if (bk_acct_equity(&r->env, a, &eq) || bk_acct_mm(&r->env, a, &mm)) return BK_ERANGE;
    b = bucket_of(capped(gross), eq);
  } else if (bk_acct_collateral(&r->env, a, &eq)) {
    return BK_ERANGE;
  }
  bk_lev_bucket *k = &c->lev[b];
  k->accounts++;
  lo[b] += alo;
  sh[b] += ash;
  if (bk_add(k->equity, eq, &k->equity) || bk_add(k->mm, mm, &k->mm)) return BK_ERANGE;
  return BK_OK;
}

bk_rc bk_census_take(const bk_risk *r, uint32_t asset, bk_census *c) {
  memset(c, 0, sizeof *c);
  bk_i128 lo[BK_LEV_BUCKETS] = {0}, sh[BK_LEV_BUCKETS] = {0};
  for (size_t i = 0; i < r->nacct; i++) {
    if (r->acct[i].settle != asset) continue;
    c->accounts++;
    bk_rc rc = add_account(r, &r->acct[i], c, lo, sh);
    if (rc) return rc;
  }
  for (int b = 0; b < BK_LEV_BUCKETS; b++) {
    c->lev[b].oi_long = capped(lo[b]);
    c->lev[b].oi_short = capped(sh[b]);
  }
  bk_census_oi(r, asset, &c->oi_long, &c->oi_short);
  return BK_OK;
}

bk_rc bk_oi_contracts(const bk_contract *c, int64_t oi, int64_t *contracts) {
  if (c->kind == BK_INVERSE) { /* venues count inverse OI in contracts */
    *contracts = oi;
    return BK_OK;
  }
  return bk_fx_div(oi, c->contract_size, BK_FLOOR, contracts); /* base units -> contracts */
}
