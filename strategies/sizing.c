/*
 * Population arithmetic (see sizing.h): leverage tables, whole-lot
 * apportionment, deposits and bankruptcy-price entries. Runs once per sampled account
 * (thousands to a million per run), never per market event, so it is written for
 * exactness first: 128-bit intermediates, explicit rounding, no floating point.
 */
#include "strategies/sizing.h"

#include <stdlib.h>
#include <string.h>

#include "engine/fixed.h"
#include "engine/rng.h"

void bk_lev_config_default(bk_lev_config *c) {
  static const int64_t lev[] = {2, 5, 10, 20, 50, 100};
  static const uint32_t w[] = {10, 20, 30, 25, 12, 3};
  memset(c, 0, sizeof *c);
  c->kind = BK_LEV_DISCRETE;
  c->n = sizeof lev / sizeof *lev;
  for (size_t i = 0; i < c->n; i++) {
    c->lev[i] = BK_FX(lev[i]);
    c->weight[i] = w[i];
  }
  c->min = BK_FX(2);
  c->max = BK_FX(100);
}

int64_t bk_lev_scale(int64_t lev, int64_t scale) {
  int64_t out;
  if (bk_fx_mul(lev, scale, BK_FLOOR, &out)) out = INT64_MAX;
  return out < BK_FX(1) ? BK_FX(1) : out;
}

size_t bk_pop_reservoir_slot(size_t kept, size_t cap, uint64_t seen, uint64_t *rng) {
  if (kept < cap) return kept;
  uint64_t j = bk_rng_below(rng, seen);
  return j < cap ? (size_t)j : SIZE_MAX;
}

uint64_t bk_pop_log2_q32(uint64_t x) {
  if (x == 0) return 0;
  unsigned e = 63;
  while (!(x >> e)) e--;
  /* mantissa in [1, 2) as Q62 */
  bk_u128 m = e <= 62 ? (bk_u128)x << (62 - e) : (bk_u128)(x >> (e - 62));
  uint64_t frac = 0;
  for (int i = 31; i >= 0; i--) {
    m = (m * m) >> 62;
    if (m >= ((bk_u128)2 << 62)) {
      m >>= 1;
      frac |= UINT64_C(1) << i;
    }
  }
  return ((uint64_t)e << 32) | frac;
}

bk_rc bk_lev_build(const bk_lev_config *c, bk_lev_table *t, bk_err *err) {
  bk_lev_table tmp;
  tmp.n = 0;
  uint64_t total = 0;
  if (c->kind == BK_LEV_DISCRETE) {
    if (c->n == 0 || c->n > BK_LEV_POINTS)
      return bk_err_set(err, BK_ECONFIG, "leverage: 1 to %d points expected, got %zu",
                        BK_LEV_POINTS, c->n);
    for (size_t i = 0; i < c->n; i++) {
      if (c->lev[i] < BK_FX(1))
        return bk_err_set(err, BK_ECONFIG, "leverage: point %zu is below 1x", i);
      total += c->weight[i];
      tmp.lev[i] = c->lev[i];
      tmp.cum[i] = total;
    }
    tmp.n = c->n;
  } else if (c->kind == BK_LEV_LOGUNIFORM) {
    if (c->min < BK_FX(1) || c->max < c->min || c->min % BK_FX_SCALE || c->max % BK_FX_SCALE)
      return bk_err_set(err, BK_ECONFIG,
                        "leverage: log-uniform needs whole min and max with 1 <= min <= max");
    int64_t lo = c->min / BK_FX_SCALE, hi = c->max / BK_FX_SCALE;
    if (hi - lo + 1 > BK_LEV_TABLE)
      return bk_err_set(err, BK_ECONFIG, "leverage: at most %d whole leverages in [min, max]",
                        BK_LEV_TABLE);
    if (lo == hi) {
      tmp.lev[0] = c->min;
      tmp.cum[0] = total = 1;
      tmp.n = 1;
    }
    for (int64_t k = lo; lo < hi && k <= hi; k++) {
      /* k takes the draws that round to it: [k - 1/2, k + 1/2] clipped to [min, max],
       * counted in halves so both ends are integers. */
      uint64_t a = (uint64_t)(2 * k - 1 < 2 * lo ? 2 * lo : 2 * k - 1);
      uint64_t b = (uint64_t)(2 * k + 1 > 2 * hi ? 2 * hi : 2 * k + 1);
      total += bk_pop_log2_q32(b) - bk_pop_log2_q32(a);
      tmp.lev[tmp.n] = BK_FX(k);
      tmp.cum[tmp.n++] = total;
    }
  } else {
    return bk_err_set(err, BK_ECONFIG, "leverage: unknown distribution kind %d", c->kind);
  }
  if (total == 0) return bk_err_set(err, BK_ECONFIG, "leverage: the weights sum to zero");
  *t = tmp;
  return BK_OK;
}

int64_t bk_lev_draw(const bk_lev_table *t, uint64_t *rng) {
  uint64_t r = bk_rng_below(rng, t->cum[t->n - 1]);
  size_t lo = 0, hi = t->n - 1; /* first i with cum[i] > r */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->cum[mid] > r) hi = mid;
    else lo = mid + 1;
  }
  return t->lev[lo];
}

typedef struct rem_ix {
  bk_u128 rem;
  size_t i;
} rem_ix;

static int rem_cmp(const void *pa, const void *pb) {
  const rem_ix *a = pa, *b = pb;
  if (a->rem != b->rem) return a->rem > b->rem ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

bk_rc bk_pop_apportion(const int64_t *w, size_t n, int64_t total, int64_t *out) {
  if (total < 0) return BK_ERANGE;
  bk_u128 W = 0;
  for (size_t i = 0; i < n; i++) {
    if (w[i] < 0) return BK_ERANGE;
    W = W + (uint64_t)w[i];
  }
  for (size_t i = 0; i < n; i++) out[i] = 0;
  if (W == 0 || n == 0) return BK_OK;
  rem_ix *r = malloc(n * sizeof *r);
  if (!r) return BK_ENOMEM;
  int64_t given = 0;
  for (size_t i = 0; i < n; i++) {
    bk_u128 q = (bk_u128)(uint64_t)total * (uint64_t)w[i]; /* < 2^126 */
    out[i] = (int64_t)(q / W);
    r[i].rem = q % W;
    r[i].i = i;
    given += out[i];
  }
  int64_t left = total - given; /* < n, and <= the number of non-zero remainders */
  if (left > 0) {
    qsort(r, n, sizeof *r, rem_cmp);
    for (size_t k = 0; k < (size_t)left; k++) out[r[k].i]++;
  }
  free(r);
  return BK_OK;
}

bk_rc bk_pop_margin_deposit(int64_t notional, int64_t lev, int64_t cushion, int64_t *out) {
  int64_t im, extra = 0, d;
  if (lev <= 0 || cushion < 0 || notional < 0) return BK_ERANGE;
  bk_rc rc = bk_fx_div(notional, lev, BK_CEIL, &im);
  if (!rc && cushion) rc = bk_fx_mul(im, cushion, BK_CEIL, &extra);
  if (!rc) rc = bk_add(im, extra, &d);
  if (!rc) *out = d;
  return rc;
}

bk_rc bk_pop_deposit(const bk_contract *c, int64_t size, int64_t entry, int64_t lev,
                     int64_t cushion, int64_t *out) {
  int64_t notional;
  if (lev <= 0 || cushion < 0 || entry <= 0) return BK_ERANGE;
  bk_rc rc = bk_pos_notional(c, size, entry, &notional);
  return rc ? rc : bk_pop_margin_deposit(notional, lev, cushion, out);
}

bk_rc bk_pop_contracts_for(const bk_contract *c, int64_t notional, int quote, int64_t price,
                           int64_t lot, int64_t *out) {
  if (notional < 0 || price <= 0 || lot <= 0 || c->contract_size <= 0) return BK_ERANGE;
  int64_t n;
  bk_rc rc;
  if (c->kind == BK_INVERSE) {
    /* USD / face, or coin × price / face */
    rc = quote ? bk_fx_div(notional, c->contract_size, BK_FLOOR, &n)
               : bk_acct_muldiv_wide(notional, price, c->contract_size, BK_FLOOR, &n);
  } else {
    /* quote / (price × cs); the settle asset of a linear contract is its quote */
    rc = bk_acct_muldiv_wide((bk_i128)notional * BK_FX_SCALE, BK_FX_SCALE,
                             (bk_i128)price * c->contract_size, BK_FLOOR, &n);
  }
  if (rc) return rc;
  *out = n / lot * lot;
  return BK_OK;
}

bk_rc bk_pop_quote_notional(const bk_contract *c, int64_t size, int64_t price, int64_t *out) {
  bk_i128 s = size < 0 ? -(bk_i128)size : size;
  if (c->kind == BK_INVERSE)
    return bk_acct_muldiv_wide(s, c->contract_size, BK_FX_SCALE, BK_FLOOR, out);
  return bk_acct_muldiv_wide(s * c->contract_size, price, (bk_i128)BK_FX_SCALE * BK_FX_SCALE,
                             BK_FLOOR, out);
}

bk_rc bk_pop_entry_for_bankrupt(const bk_contract *c, int64_t size, int64_t bankrupt,
                                int64_t lev, int64_t *entry, int64_t *deposit) {
  if (size == 0 || bankrupt <= 0 || lev <= BK_FX(1) || lev > INT64_MAX - BK_FX(1))
    return BK_ERANGE;
  int lng = size > 0;
  /* E = B × num / den with num/den from the kind and side (see sizing.h) */
  int64_t num, den;
  if (c->kind == BK_INVERSE) {
    num = lng ? lev + BK_FX(1) : lev - BK_FX(1);
    den = lev;
  } else {
    num = lev;
    den = lng ? lev - BK_FX(1) : lev + BK_FX(1);
  }
  int64_t e, u;
  bk_rc rc = bk_fx_muldiv(bankrupt, num, den, lng ? BK_CEIL : BK_FLOOR, &e);
  if (rc) return rc;
  if (e <= 0) return BK_ERANGE;
  if ((rc = bk_pos_upnl(c, size, e, bankrupt, &u))) return rc;
  if (u > 0) return BK_ERANGE; /* cannot happen: the entry is on the winning side */
  *entry = e;
  *deposit = -u;
  return BK_OK;
}

bk_rc bk_pop_single_prices(const bk_contract *c, int64_t deposit, int64_t size, int64_t entry,
                           int64_t *liq, int64_t *bankrupt) {
  bk_contract one = *c;
  one.settle = 0;
  int64_t mark = entry;
  bk_asset asset;
  memset(&asset, 0, sizeof asset);
  asset.price = BK_FX(1);
  bk_menv env = {&one, &mark, 1, &asset, 1, NULL};
  bk_pos p = {0, 0, size, entry, 0, 0, 0, 0};
  bk_account a; /* storage on the stack, its one position in it: no _fini */
  bk_acct_init(&a, 0);
  a.cash = deposit;
  a.one = p;
  a.pos = &a.one;
  a.npos = 1;
  a.cap = 1;
  bk_rc rc = BK_OK;
  if (liq) rc = bk_acct_liq_price(&env, &a, 0, NULL, liq);
  if (!rc && bankrupt) rc = bk_acct_bankrupt_price(&env, &a, 0, NULL, bankrupt);
  return rc;
}
