/*
 * Accounts and margin (see account.h). Called for every account a mark change visits and
 * for every liquidation step, so the functions are allocation-free loops over the few
 * positions an account holds. Liquidation and bankruptcy prices are solved in closed form
 * (the equity and margin of one position are linear in p, or in 1/p for inverse), exact
 * in 256-bit intermediate arithmetic; the tier is found by trying each and keeping the
 * one whose bracket holds the solution.
 */
#include "engine/account.h"

#include "engine/instrument.h"

#include <stdlib.h>
#include <string.h>

void bk_acct_init(bk_account *a, uint32_t settle) {
  memset(a, 0, sizeof *a);
  a->settle = settle;
}

void bk_acct_fini(bk_account *a) {
  if (a->cap > 1) free(a->pos);
  free(a->coll);
  bk_acct_init(a, a->settle);
}

void bk_acct_moved(bk_account *a) {
  if (a->cap == 1) a->pos = &a->one;
}

int bk_acct_find(const bk_account *a, uint32_t contract) {
  for (uint32_t i = 0; i < a->npos; i++)
    if (a->pos[i].contract == contract) return (int)i;
  return -1;
}

bk_rc bk_acct_set_pos(bk_account *a, const bk_pos *p) {
  int i = bk_acct_find(a, p->contract);
  if (p->size == 0) {
    if (i >= 0) a->pos[i] = a->pos[--a->npos];
    return BK_OK;
  }
  if (i >= 0) {
    a->pos[i] = *p;
    return BK_OK;
  }
  if (a->cap == 0) { /* most accounts hold one position: in the account itself */
    a->pos = &a->one;
    a->cap = 1;
  } else if (a->npos == a->cap) {
    size_t cap = a->cap * 2;
    bk_pos *v = a->cap == 1 ? malloc(cap * sizeof *v) : realloc(a->pos, cap * sizeof *v);
    if (!v) return BK_ENOMEM;
    if (a->cap == 1) v[0] = a->one;
    a->pos = v;
    a->cap = cap;
  }
  a->pos[a->npos++] = *p;
  return BK_OK;
}

bk_rc bk_acct_add_coll(bk_account *a, uint32_t asset, int64_t amount) {
  for (uint32_t i = 0; i < a->ncoll; i++)
    if (a->coll[i].asset == asset) return bk_add(a->coll[i].amount, amount, &a->coll[i].amount);
  bk_coll *v = realloc(a->coll, (a->ncoll + 1) * sizeof *v);
  if (!v) return BK_ENOMEM;
  a->coll = v;
  a->coll[a->ncoll].asset = asset;
  a->coll[a->ncoll].amount = amount;
  a->coll[a->ncoll].ref = 0;
  a->ncoll++;
  return BK_OK;
}

static bk_i128 iabs(bk_i128 x) { return x < 0 ? -x : x; }

bk_rc bk_pos_notional(const bk_contract *c, int64_t size, int64_t price, int64_t *out) {
  bk_i128 s = iabs(size);
  if (c->kind == BK_INVERSE) /* |s| × face / price, coin */
    return bk_acct_muldiv_wide(s, c->contract_size, price, BK_CEIL, out);
  /* |s| × cs × price / 1e16 */
  return bk_acct_muldiv_wide(s * c->contract_size, price, (bk_i128)BK_FX_SCALE * BK_FX_SCALE,
                             BK_CEIL, out);
}

bk_rc bk_pos_upnl(const bk_contract *c, int64_t size, int64_t entry, int64_t price,
                  int64_t *out) {
  bk_i128 k = (bk_i128)size * c->contract_size; /* e-16 */
  if (c->kind == BK_INVERSE) {
    /* s × face × (1/entry − 1/price) = s × face × (price − entry) / (entry × price) */
    return bk_acct_muldiv_wide(k, (bk_i128)price - entry, (bk_i128)entry * price, BK_FLOOR,
                               out);
  }
  return bk_acct_muldiv_wide(k, (bk_i128)price - entry, (bk_i128)BK_FX_SCALE * BK_FX_SCALE,
                             BK_FLOOR, out);
}

bk_rc bk_pos_mm(const bk_contract *c, const bk_pos *p, int64_t price, int64_t *out) {
  int64_t n;
  bk_rc rc = bk_pos_notional(c, p->size, c->mm_basis == BK_MM_ENTRY ? p->entry : price, &n);
  if (rc) return rc;
  return bk_tiers_mm_scaled(&c->tiers, n, c->mm_scale, out);
}

bk_rc bk_acct_coll_value(const bk_menv *e, uint32_t settle, uint32_t asset, int64_t amount,
                         int64_t *out) {
  const bk_asset *as = &e->assets[asset];
  bk_i128 unit = e->unit ? e->unit[settle] : BK_FX(1);
  /* amount × price × (1 − haircut) / unit: an e-24 product over unit × 1e8 */
  return bk_acct_muldiv_wide((bk_i128)amount * as->price, BK_FX(1) - as->haircut,
                             unit * BK_FX_SCALE, BK_FLOOR, out);
}

bk_rc bk_acct_collateral(const bk_menv *e, const bk_account *a, int64_t *out) {
  bk_i128 sum = a->cash;
  for (uint32_t i = 0; i < a->ncoll; i++) {
    int64_t v;
    if (bk_acct_coll_value(e, a->settle, a->coll[i].asset, a->coll[i].amount, &v))
      return BK_ERANGE;
    sum += v;
  }
  if (sum > INT64_MAX || sum < INT64_MIN) return BK_ERANGE;
  *out = (int64_t)sum;
  return BK_OK;
}

bk_rc bk_acct_equity(const bk_menv *e, const bk_account *a, int64_t *out) {
  int64_t eq;
  if (bk_acct_collateral(e, a, &eq)) return BK_ERANGE;
  bk_i128 sum = eq;
  for (uint32_t i = 0; i < a->npos; i++) {
    const bk_pos *p = &a->pos[i];
    if (p->isolated) continue;
    int64_t u;
    if (bk_pos_upnl(&e->contracts[p->contract], p->size, p->entry, e->mark[p->contract], &u))
      return BK_ERANGE;
    sum += u;
  }
  if (sum > INT64_MAX || sum < INT64_MIN) return BK_ERANGE;
  *out = (int64_t)sum;
  return BK_OK;
}

static bk_rc mm_except(const bk_menv *e, const bk_account *a, long skip, int64_t *out) {
  bk_i128 sum = 0;
  for (uint32_t i = 0; i < a->npos; i++) {
    const bk_pos *p = &a->pos[i];
    if (p->isolated || (long)i == skip) continue;
    int64_t m;
    if (bk_pos_mm(&e->contracts[p->contract], p, e->mark[p->contract], &m)) return BK_ERANGE;
    sum += m;
  }
  if (sum > INT64_MAX) return BK_ERANGE;
  *out = (int64_t)sum;
  return BK_OK;
}

bk_rc bk_acct_mm(const bk_menv *e, const bk_account *a, int64_t *out) {
  return mm_except(e, a, -1, out);
}

bk_rc bk_acct_pos_equity(const bk_menv *e, const bk_account *a, size_t i, int64_t *out) {
  const bk_pos *p = &a->pos[i];
  if (!p->isolated) return bk_acct_equity(e, a, out);
  int64_t u;
  if (bk_pos_upnl(&e->contracts[p->contract], p->size, p->entry, e->mark[p->contract], &u))
    return BK_ERANGE;
  return bk_add(p->margin, u, out);
}

bk_rc bk_acct_pos_unit_notional(const bk_menv *e, const bk_account *a, size_t i, int64_t *out) {
  *out = 0;
  for (uint32_t k = 0; k < a->npos; k++) {
    const bk_pos *p = &a->pos[k];
    int64_t n;
    if (a->pos[i].isolated ? k != i : p->isolated) continue;
    if (bk_pos_notional(&e->contracts[p->contract], llabs(p->size), e->mark[p->contract], &n) ||
        bk_add(*out, n, out))
      return BK_ERANGE;
  }
  return BK_OK;
}

int64_t bk_acct_ratio(int64_t mm, int64_t equity) {
  int64_t r;
  if (equity <= 0 || bk_fx_div(mm, equity, BK_CEIL, &r)) return INT64_MAX;
  return r;
}

int bk_acct_liquidatable(const bk_menv *e, const bk_account *a, int *which) {
  int cross = 0;
  for (uint32_t i = 0; i < a->npos; i++) {
    const bk_pos *p = &a->pos[i];
    if (!p->isolated) {
      cross = 1;
      continue;
    }
    int64_t eq, mm;
    if (bk_acct_pos_equity(e, a, i, &eq) ||
        bk_pos_mm(&e->contracts[p->contract], p, e->mark[p->contract], &mm) || eq < mm) {
      if (which) *which = (int)i;
      return 1;
    }
  }
  if (cross) {
    int64_t eq, mm;
    if (bk_acct_equity(e, a, &eq) || bk_acct_mm(e, a, &mm) || eq < mm) {
      if (which) *which = -1;
      return 1;
    }
  }
  return 0;
}

/* Solves for the price p where equity(p) = others_mm + MM_i(p), with equity linear in p
 * (or 1/p) around the mark: e0 is the equity at the mark, mmr/cum the tier's terms (both
 * 0 for the bankruptcy price), mm_fixed a maintenance margin that does not move with p
 * (entry basis). Returns the price rounded to 1e-8 in the exchange's favour, or 0 when no
 * positive price solves it on a linear contract and INT64_MAX on an inverse one (see
 * bk_acct_liq_price for why those are the right "never" and "always"). */
static bk_rc solve(const bk_contract *c, int64_t size, int64_t mark, int64_t e0,
                   int64_t others_mm, int64_t mmr, int64_t cum, int64_t mm_fixed,
                   int64_t *out) {
  const bk_i128 S8 = BK_FX_SCALE, S16 = S8 * S8;
  bk_round r = size > 0 ? BK_CEIL : BK_FLOOR;
  /* the four int64 terms, their sums and s·S8, |s|·mmr and s·cs cannot overflow 128 bits;
     every product with a third factor is checked: inputs far past any real account
     (a size or price near 9e10) give BK_ERANGE rather than a wrapped answer */
  bk_i128 s = size, cs = c->contract_size, k = s * cs; /* k: e-16 */
  bk_i128 as = iabs(s), terms = (bk_i128)others_mm - cum + mm_fixed - e0;
  int64_t p = 0;
  bk_rc rc;
  if (c->kind == BK_LINEAR) {
    /* p = (Mo − cum + MMfix − E0 + s·cs·mark) / (cs·(s − |s|·mmr)) */
    bk_i128 num, km, den; /* e-24 */
    if (__builtin_mul_overflow(terms, S16, &num) || __builtin_mul_overflow(k, mark, &km) ||
        __builtin_add_overflow(num, km, &num) ||
        __builtin_mul_overflow(cs, s * S8 - as * mmr, &den))
      return BK_ERANGE;
    if (den == 0) {
      *out = 0;
      return BK_OK;
    }
    rc = bk_acct_muldiv_wide(num, S8, den, r, &p);
    if (rc == BK_ERANGE) p = num / den > 0 ? INT64_MAX : 0;
    *out = p > 0 ? p : 0;
    return BK_OK;
  }
  /* p = cs·(s + |s|·mmr)·mark / ((E0 − Mo + cum − MMfix)·mark + s·cs) */
  bk_i128 n, d; /* n: e-24, d: e-16 */
  if (__builtin_mul_overflow(cs, s * S8 + as * mmr, &n) ||
      __builtin_mul_overflow(-terms, mark, &d) || __builtin_add_overflow(d, k, &d))
    return BK_ERANGE;
  if (d <= 0 && size > 0) { /* a long whose equity stays below margin at any price */
    *out = INT64_MAX;
    return BK_OK;
  }
  if (d >= 0 && size < 0) { /* a short whose loss in coin never reaches its margin */
    *out = INT64_MAX;
    return BK_OK;
  }
  if (__builtin_mul_overflow(d, S8, &d)) return BK_ERANGE;
  rc = bk_acct_muldiv_wide(n, mark, d, r, &p);
  *out = rc == BK_ERANGE ? INT64_MAX : p > 0 ? p : 0;
  return BK_OK;
}

static bk_rc price_of(const bk_menv *e, const bk_account *a, size_t i, int bankrupt,
                      int64_t *exact, int64_t *price) {
  const bk_pos *p = &a->pos[i];
  const bk_contract *c = &e->contracts[p->contract];
  int64_t mark = e->mark[p->contract];
  int64_t e0, mo = 0, x = 0, u;
  /* the equity without this position's own PnL, which the solver then adds back exactly:
     solving from the rounded equity at the mark would move the price by that rounding */
  bk_rc rc = bk_acct_pos_equity(e, a, i, &e0);
  if (!rc) rc = bk_pos_upnl(c, p->size, p->entry, mark, &u);
  if (!rc) rc = bk_sub(e0, u, &e0);
  if (!rc && !p->isolated && !bankrupt) rc = mm_except(e, a, (long)i, &mo);
  if (rc) return rc;
  mark = p->entry; /* e0 is now the equity at the entry price */
  if (bankrupt) {
    rc = solve(c, p->size, mark, e0, 0, 0, 0, 0, &x);
  } else if (c->mm_basis == BK_MM_ENTRY) {
    int64_t mmi;
    rc = bk_pos_mm(c, p, p->entry, &mmi);
    if (!rc) rc = solve(c, p->size, mark, e0, mo, 0, 0, mmi, &x);
  } else {
    /* try each tier, keep the one whose bracket holds the notional at the solution */
    int found = 0;
    for (size_t t = 0; !rc && t < c->tiers.n && !found; t++) {
      int64_t cand, nt, mmr, amount;
      if ((rc = bk_tiers_terms(&c->tiers, t, c->mm_scale, &mmr, &amount))) break;
      rc = solve(c, p->size, mark, e0, mo, mmr, amount, 0, &cand);
      if (rc || cand <= 0 || cand == INT64_MAX) continue;
      if (bk_pos_notional(c, p->size, cand, &nt)) continue;
      if (bk_tiers_index(&c->tiers, nt) == t) {
        x = cand;
        found = 1;
      }
    }
    if (!rc && !found) {
      /* no bracket holds a root: the predicate has one sign at every price (or jumps over
         zero at a floor of a table with explicit, discontinuous amounts); the sign at the
         mark tells which */
      int64_t mm_i;
      rc = bk_pos_mm(c, p, e->mark[p->contract], &mm_i);
      if (!rc) rc = bk_pos_upnl(c, p->size, p->entry, e->mark[p->contract], &u);
      int always = !rc && (bk_i128)e0 + u - mo - mm_i < 0;
      x = (p->size > 0) == always ? INT64_MAX : 0;
    }
  }
  if (rc) return rc;
  if (exact) *exact = x;
  if (price)
    *price = x > 0 && x < INT64_MAX - c->tick
                 ? bk_fx_round_to(x, c->tick, p->size > 0 ? BK_CEIL : BK_FLOOR)
                 : x;
  return BK_OK;
}

bk_rc bk_acct_liq_price(const bk_menv *e, const bk_account *a, size_t i, int64_t *exact,
                        int64_t *price) {
  return price_of(e, a, i, 0, exact, price);
}

bk_rc bk_acct_bankrupt_price(const bk_menv *e, const bk_account *a, size_t i, int64_t *exact,
                             int64_t *price) {
  return price_of(e, a, i, 1, exact, price);
}

/* |x| as unsigned: defined for the most negative value too. */
static bk_u128 mag(bk_i128 x) { return x < 0 ? (bk_u128)0 - (bk_u128)x : (bk_u128)x; }

/* 128 × 128 → 256-bit unsigned product as (hi, lo). */
static void mul256(bk_u128 a, bk_u128 b, bk_u128 *hi, bk_u128 *lo) {
  const bk_u128 M = UINT64_MAX;
  bk_u128 a0 = a & M, a1 = a >> 64, b0 = b & M, b1 = b >> 64;
  bk_u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  bk_u128 mid = (p00 >> 64) + (p01 & M) + (p10 & M);
  *lo = (p00 & M) | (mid << 64);
  *hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
}

bk_rc bk_acct_muldiv_wide(bk_i128 a, bk_i128 b, bk_i128 c, bk_round r, int64_t *out) {
  if (c == 0) return BK_ERANGE;
  int neg = (a < 0) ^ (b < 0) ^ (c < 0);
  if (a == 0 || b == 0) neg = 0;
  bk_u128 ua = mag(a), ub = mag(b), uc = mag(c);
  bk_u128 hi = 0, lo;
  if (ua <= UINT64_MAX && ub <= UINT64_MAX) lo = ua * ub; /* one multiply */
  else mul256(ua, ub, &hi, &lo);
  if (hi >= uc) return BK_ERANGE; /* quotient needs more than 128 bits */
  bk_u128 q, rem;
  if (hi == 0) {
    q = bk_udivrem(lo, uc, &rem);
  } else {
    /* restoring division of (hi, lo) by uc; rem < uc <= 2^127 so rem << 1 fits */
    rem = hi;
    q = 0;
    for (int bit = 127; bit >= 0; bit--) {
      rem = (rem << 1) | ((lo >> bit) & 1);
      q <<= 1;
      if (rem >= uc) {
        rem -= uc;
        q |= 1;
      }
    }
  }
  if (rem) {
    int up = 0;
    switch (r) {
    case BK_FLOOR: up = neg; break;
    case BK_CEIL: up = !neg; break;
    case BK_TRUNC: up = 0; break;
    case BK_HALF_EVEN: up = rem > uc - rem || (rem == uc - rem && (q & 1)); break;
    }
    if (up) q++;
  }
  bk_u128 lim = (bk_u128)INT64_MAX;
  if (neg) lim++;
  if (q > lim) return BK_ERANGE;
  *out = neg ? (int64_t)(-(bk_i128)q) : (int64_t)q;
  return BK_OK;
}
