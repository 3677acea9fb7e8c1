/*
 * The insurance fund (see fund.h). A run has few contracts, so inventory is a dense array
 * by contract; the drawdown window is a monotone deque of (time, equity) observations
 * whose front is the window's peak, so each observation costs O(1) amortized. Pure
 * arithmetic: the risk state moves the money (transfer.c) and the offload sells the
 * inventory (offload.c).
 */
#include "engine/fund.h"


#include "engine/fixed.h"

#include <stdlib.h>
#include <string.h>

bk_rc bk_fund_init(bk_fund *f, size_t ncontracts) {
  memset(f, 0, sizeof *f);
  f->inv = calloc(ncontracts ? ncontracts : 1, sizeof *f->inv);
  if (!f->inv) return BK_ENOMEM;
  f->ncontracts = ncontracts;
  return BK_OK;
}

void bk_fund_fini(bk_fund *f) {
  free(f->inv);
  for (size_t a = 0; a < BK_FUND_KEYS; a++) free(f->path[a].dq);
  memset(f, 0, sizeof *f);
}

bk_rc bk_fund_inv_pnl(const bk_fund *f, const bk_menv *e, uint32_t asset, int64_t *out) {
  bk_i128 sum = 0;
  for (size_t k = 0; k < f->ncontracts; k++) {
    const bk_fund_pos *p = &f->inv[k];
    if (!p->size || e->contracts[k].settle != asset) continue;
    int64_t u;
    if (bk_pos_upnl(&e->contracts[k], p->size, p->entry, e->mark[k], &u)) return BK_ERANGE;
    sum += u;
  }
  if (sum > INT64_MAX || sum < INT64_MIN) return BK_ERANGE;
  *out = (int64_t)sum;
  return BK_OK;
}

bk_rc bk_fund_equity(const bk_fund *f, const bk_menv *e, uint32_t asset, int64_t *out) {
  int64_t u;
  if (asset >= BK_LEDGER_ASSETS || bk_fund_inv_pnl(f, e, asset, &u)) return BK_ERANGE;
  return bk_add(f->cash[asset], u, out);
}

bk_rc bk_fund_net_value(const bk_fund *f, const bk_menv *e, uint32_t asset, int64_t *out) {
  bk_i128 sum = 0;
  for (size_t k = 0; k < f->ncontracts; k++) {
    if (!f->inv[k].size || e->contracts[k].settle != asset) continue;
    int64_t n;
    if (bk_pos_notional(&e->contracts[k], f->inv[k].size, e->mark[k], &n)) return BK_ERANGE;
    sum += n;
  }
  if (sum > INT64_MAX) return BK_ERANGE;
  *out = (int64_t)sum;
  return BK_OK;
}

bk_rc bk_fund_trade(bk_fund *f, const bk_contract *c, uint32_t contract, int64_t size,
                    int64_t price, int64_t *realized) {
  if (contract >= f->ncontracts) return BK_EDATA;
  bk_fund_pos *p = &f->inv[contract];
  /* sizes and prices below 2^63 keep |a|·pa + |b|·pb below 2^127; INT64_MIN has no |size| */
  if (size == INT64_MIN || p->size == INT64_MIN) return BK_ERANGE;
  int64_t r = 0;
  bk_fund_pos np = *p;
  if (p->size && ((p->size > 0) != (size > 0))) {
    /* reduces (and maybe flips) the position: realize on the reduced part */
    int64_t red = llabs(size) < llabs(p->size) ? size : -p->size;
    if (bk_pos_upnl(c, -red, p->entry, price, &r)) return BK_ERANGE;
    np.size = p->size + size;
    if (np.size == 0) np.entry = 0;
    else if ((np.size > 0) != (p->size > 0)) np.entry = price; /* flipped */
  } else {
    /* increases: weighted average entry (inverse: harmonic, by contracts over price) */
    int64_t ns;
    if (bk_add(p->size, size, &ns) || ns == INT64_MIN) return BK_ERANGE;
    if (p->size == 0) {
      np.entry = price;
    } else if (c->kind == BK_INVERSE) {
      /* entry = (|a| + |b|) / (|a|/ea + |b|/eb) */
      bk_i128 den = (bk_i128)llabs(p->size) * price + (bk_i128)llabs(size) * p->entry;
      if (bk_acct_muldiv_wide((bk_i128)llabs(ns) * p->entry, price, den,
                              ns > 0 ? BK_CEIL : BK_FLOOR, &np.entry))
        return BK_ERANGE;
    } else {
      bk_i128 num = (bk_i128)llabs(p->size) * p->entry + (bk_i128)llabs(size) * price;
      np.entry = bk_div_round(num, llabs(ns), ns > 0 ? BK_CEIL : BK_FLOOR);
    }
    np.size = ns;
  }
  *p = np;
  *realized = r;
  return BK_OK;
}

void bk_fund_start(bk_fund *f, uint32_t asset, int64_t equity) {
  bk_fund_path *p = &f->path[asset];
  p->seen = 1;
  p->min_equity = p->peak = equity;
  p->max_drawdown = p->under_us = 0;
  p->under_since = -1;
}

bk_rc bk_fund_observe(bk_fund *f, uint32_t asset, int64_t ts, int64_t equity,
                      int64_t window_us) {
  bk_fund_path *p = &f->path[asset];
  size_t m = p->dq_cap - 1; /* the capacity is a power of two: an index wraps by a mask */
  if (p->dq_n) {
    /* the equity last observed, again (most events move no fund), while the window still
       holds its peak: the extremes stand, and the steps below would only re-date the
       last point */
    bk_fund_peak *last = &p->dq[(p->dq_head + p->dq_n - 1) & m];
    if (last->equity == equity && p->dq[p->dq_head].ts >= ts - window_us) {
      last->ts = ts;
      return BK_OK;
    }
  }
  if (!p->seen) {
    p->seen = 1;
    p->min_equity = p->peak = equity;
    p->under_since = -1;
  }
  if (equity < p->min_equity) p->min_equity = equity;
  if (equity >= p->peak) {
    p->peak = equity;
    if (p->under_since >= 0) p->under_us += ts - p->under_since;
    p->under_since = -1;
  } else {
    if (p->peak - equity > p->max_drawdown) p->max_drawdown = p->peak - equity;
    if (p->under_since < 0) p->under_since = ts;
  }
  /* the window: drop the front while it left it, the back while not above the new */
  while (p->dq_n && p->dq[p->dq_head].ts < ts - window_us) {
    p->dq_head = (p->dq_head + 1) & m;
    p->dq_n--;
  }
  while (p->dq_n && p->dq[(p->dq_head + p->dq_n - 1) & m].equity <= equity) p->dq_n--;
  if (p->dq_n == p->dq_cap) {
    size_t cap = p->dq_cap ? p->dq_cap * 2 : 16;
    bk_fund_peak *v = malloc(cap * sizeof *v);
    if (!v) return BK_ENOMEM;
    for (size_t i = 0; i < p->dq_n; i++) v[i] = p->dq[(p->dq_head + i) & m];
    free(p->dq);
    p->dq = v;
    p->dq_cap = cap;
    p->dq_head = 0;
  }
  p->dq[(p->dq_head + p->dq_n) & (p->dq_cap - 1)] = (bk_fund_peak){ts, equity};
  p->dq_n++;
  return BK_OK;
}

int64_t bk_fund_peak_in_window(const bk_fund *f, uint32_t asset) {
  const bk_fund_path *p = &f->path[asset];
  return p->dq_n ? p->dq[p->dq_head].equity : 0;
}

void bk_fund_extremes(const bk_fund *f, uint32_t asset, int64_t start, int64_t now,
                      int64_t *min_equity, int64_t *max_drawdown, int64_t *under_us) {
  const bk_fund_path *p = &f->path[asset];
  *min_equity = start;
  *max_drawdown = 0;
  *under_us = 0;
  if (!p->seen) return;
  *min_equity = p->min_equity < start ? p->min_equity : start;
  *max_drawdown = p->max_drawdown;
  *under_us = p->under_us + (p->under_since >= 0 && now > p->under_since ? now - p->under_since : 0);
}
