/*
 * The loss waterfall (see waterfall.h). Tuned for crash days where many bankruptcies on
 * one contract arrive within one event: the ADL queue is ranked once per event and
 * contract side over the contract's holders only (O(h) to build as a heap, O(log h) per
 * account taken), and socialization is one pass per event over the accounts that can
 * bear it, never one pass per bankruptcy.
 */
#include "engine/rng.h"
#include "engine/waterfall.h"

#include <stdlib.h>
#include <string.h>

#include "engine/adl_rounds.h"
#include "engine/collateral.h"
#include "engine/convert.h"
#include "engine/fixed.h"
#include "engine/pool.h"
#include "engine/reinsurance.h"
#include "engine/risk_state.h"
#include "engine/transfer.h"
#include "engine/vec.h"

#define FUND_ID UINT32_MAX /* bk_wf_adl's bankrupt party when it is the fund */

static int64_t sgn(int64_t x) { return (x > 0) - (x < 0); }

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

size_t bk_wf_dydx_start(uint64_t seed, uint64_t draw, size_t n) {
  if (!n) return 0;
  uint64_t state = seed + draw * UINT64_C(0x9e3779b97f4a7c15);
  return (size_t)(bk_rng_next(&state) % n);
}

bk_rc bk_wf_socialize(const int64_t *weights, size_t n, int64_t loss, int64_t *shares) {
  bk_i128 total = 0;
  for (size_t i = 0; i < n; i++) total += weights[i] > 0 ? weights[i] : 0;
  if (total == 0) return BK_ERANGE;
  for (size_t i = 0; i < n; i++)
    shares[i] = weights[i] > 0 ? bk_div_round((bk_i128)loss * weights[i], total, BK_CEIL) : 0;
  return BK_OK;
}

/* --- the working state ------------------------------------------------------------- */

bk_rc bk_wf_init(bk_wf_state *w, size_t ncontracts) {
  memset(w, 0, sizeof *w);
  w->nq = 2 * (ncontracts ? ncontracts : 1);
  w->pending = calloc(ncontracts ? ncontracts : 1, sizeof *w->pending);
  w->q = calloc(w->nq, sizeof *w->q);
  return w->pending && w->q ? BK_OK : BK_ENOMEM;
}

void bk_wf_fini(bk_wf_state *w) {
  for (size_t i = 0; w->q && i < w->nq; i++) free(w->q[i].v);
  free(w->q);
  free(w->pending);
  free(w->w);
  free(w->shares);
  free(w->items);
  memset(w, 0, sizeof *w);
}

/* --- the fund's trigger as a state ----------------------------------------------------- */

bk_rc bk_wf_view_now(bk_risk *r, uint32_t asset, bk_wf_view *v) {
  memset(v, 0, sizeof *v);
  uint32_t key = bk_pool_key(r, asset);
  v->cash = r->fund.cash[asset];
  if (key >= BK_LEDGER_ASSETS ? bk_pool_state(r, key, &v->equity, &v->cash, &v->net)
                              : bk_fund_equity(&r->fund, &r->env, asset, &v->equity) ||
                                    bk_fund_net_value(&r->fund, &r->env, asset, &v->net))
    return bk_err_set(&r->err, BK_ERANGE, "risk: fund equity overflow");
  v->before = v->equity;
  return BK_OK;
}

/* Whether trigger `trig` lets the fund act in state v with every balance shifted by
 * delta (the difference between another initial fund and this run's). 128-bit: a shift
 * never wraps. */
static int holds(const bk_risk *r, int trig, uint32_t key, const bk_wf_view *v,
                 bk_i128 delta) {
  const bk_i128 S = BK_FX_SCALE;
  bk_i128 eq = v->equity + delta;
  if (v->cash_checked && v->cash + delta < 0) return 0;
  switch (trig) {
  case BK_WF_DRAWDOWN: {
    bk_i128 peak = bk_fund_peak_in_window(&r->fund, key);
    if (peak < v->before) peak = v->before;
    peak += delta;
    if (peak < eq) peak = eq;
    bk_i128 num = peak * (S - r->pol.dd_share); /* ceil(peak × (1 − share)) */
    bk_i128 floor_ = num / S + (num % S > 0);
    return eq >= 0 && eq >= floor_;
  }
  case BK_WF_NETPOS: {
    if (eq <= 0) return 0;
    bk_i128 num = eq * r->pol.netpos_cap; /* floor(eq × cap), eq > 0 */
    return v->net <= num / S;
  }
  default: /* negative equity; a `never` fund's shadow measures the same */
    return eq >= 0;
  }
}

int bk_wf_allows(bk_risk *r, uint32_t asset, const bk_wf_view *v) {
  uint32_t key = bk_pool_key(r, asset);
  if (!r->shadow) return r->pol.wf_trigger == BK_WF_NEVER || holds(r, r->pol.wf_trigger, key, v, 0);
  /* the shadow: the smallest initial fund S with which this state would hold is
     initial + the smallest delta; the condition only loosens as delta grows (for a
     pool, a delta is a value in its currency held apart from the coins' prices) */
  bk_wf_state *w = &r->wf;
  bk_i128 lo = (bk_i128)w->need[key] - w->initial[key];
  if (holds(r, r->pol.wf_trigger, key, v, lo)) return 1;
  bk_i128 step = 1, hi = lo + step;
  while (!holds(r, r->pol.wf_trigger, key, v, hi)) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  while (hi - lo > 1) { /* holds(hi), not holds(lo) */
    bk_i128 mid = lo + (hi - lo) / 2;
    if (holds(r, r->pol.wf_trigger, key, v, mid)) hi = mid;
    else lo = mid;
  }
  bk_i128 need = hi + w->initial[key];
  w->need[key] = need > INT64_MAX ? INT64_MAX : (int64_t)need;
  return 1;
}

/* v with x more of asset in the fund's cash (valued in the fund's key). */
static bk_rc shifted(const bk_risk *r, uint32_t asset, const bk_wf_view *v, int64_t x,
                     bk_wf_view *out) {
  int64_t d;
  *out = *v;
  if (bk_pool_in_key(r, bk_pool_key(r, asset), asset, x, BK_FLOOR, &d) ||
      bk_add(v->equity, d, &out->equity) || bk_add(v->cash, d, &out->cash))
    return BK_ERANGE;
  return BK_OK;
}

/* The reinsurance layer's turn before the waterfall (reinsurance.h): when v (the fund of
 * asset after an operation) fails its trigger, the smallest claim that makes it hold is
 * paid into the fund's cash, or all the member may still claim when that is not enough;
 * v moves by what was paid. */
static bk_rc topup(bk_risk *r, uint32_t asset, bk_wf_view *v) {
  int64_t hi = bk_reins_claimable(r, asset), lo = 0, paid;
  if (hi <= 0 || bk_wf_allows(r, asset, v)) return BK_OK;
  bk_wf_view t;
  if (shifted(r, asset, v, hi, &t)) return bk_err_set(&r->err, BK_ERANGE, "risk: claim overflow");
  if (bk_wf_allows(r, asset, &t))
    while (hi - lo > 1) { /* not holds(lo), holds(hi) */
      int64_t mid = lo + (hi - lo) / 2;
      if (shifted(r, asset, v, mid, &t))
        return bk_err_set(&r->err, BK_ERANGE, "risk: claim overflow");
      if (bk_wf_allows(r, asset, &t)) hi = mid;
      else lo = mid;
    }
  bk_rc rc = bk_reins_pay(r, asset, hi, &paid);
  if (!rc && shifted(r, asset, v, paid, v))
    rc = bk_err_set(&r->err, BK_ERANGE, "risk: claim overflow");
  return rc;
}

/* --- takeover ------------------------------------------------------------------------ */

bk_rc bk_wf_takeover(bk_risk *r, uint32_t id, uint32_t contract, int64_t qty, int64_t bp,
                     int *done) {
  *done = 0;
  bk_account *a = &r->acct[id];
  int i = bk_acct_find(a, contract);
  if (i < 0 || qty <= 0 || bp <= 0 || bp == INT64_MAX) return BK_OK;
  const bk_contract *c = &r->contracts[contract];
  uint32_t asset = c->settle;
  int64_t size = sgn(a->pos[i].size) * qty;
  bk_wf_view now, after;
  /* after: the position's value at the mark against bp is booked at once, and the net
     position changes by the inventory it joins (valued in the fund's key) */
  uint32_t key = bk_pool_key(r, asset);
  int64_t u, n0, n1, inv = r->fund.inv[contract].size, inv1, ku, kn0, kn1;
  if (bk_pos_upnl(c, size, bp, r->mark[contract], &u) || bk_add(inv, size, &inv1) ||
      bk_pos_notional(c, inv, r->mark[contract], &n0) ||
      bk_pos_notional(c, inv1, r->mark[contract], &n1) ||
      bk_pool_in_key(r, key, asset, u, BK_FLOOR, &ku) ||
      bk_pool_in_key(r, key, asset, n0, BK_FLOOR, &kn0) ||
      bk_pool_in_key(r, key, asset, n1, BK_CEIL, &kn1))
    return bk_err_set(&r->err, BK_ERANGE, "risk: takeover: the fund position or its notional overflows");
  bk_rc rc = BK_OK;
  for (int pass = 0; pass < 2; pass++) { /* the second after the layer's top-up */
    if ((rc = bk_wf_view_now(r, asset, &now))) return rc;
    after = now;
    if (bk_add(now.equity, ku, &after.equity) || bk_add(now.net - kn0, kn1, &after.net))
      return bk_err_set(&r->err, BK_ERANGE, "risk: takeover: the fund position or its notional overflows");
    if (bk_wf_allows(r, asset, &now) && bk_wf_allows(r, asset, &after)) break;
    if (pass || (rc = topup(r, asset, &after))) return rc;
  }
  /* the fund pays bp but enters its inventory at the mark: the difference u is the
     takeover's own gain (a discount) or cost, booked at once with cause takeover, so that
     offload and inventory PnL measure only what the market does afterwards */
  if ((rc = bk_xfer_close(r, id, contract, qty, bp, BK_CAUSE_TAKEOVER)) ||
      (rc = bk_wf_cover_isolated(r)) ||
      (rc = bk_xfer_fund_trade(r, contract, size, r->mark[contract], BK_CAUSE_TAKEOVER)) ||
      (rc = bk_xfer_pay(r, BK_PARTY_MARKET, NULL, BK_PARTY_FUND, bk_xfer_fund_cash(r, asset),
                        asset, BK_CAUSE_TAKEOVER, u)))
    return rc;
  *done = 1;
  return BK_OK;
}

/* --- ADL ------------------------------------------------------------------------------ */

static int before(const bk_adl_cand *a, const bk_adl_cand *b) {
  return a->score != b->score ? a->score > b->score : a->acct < b->acct;
}

static void sift_down(bk_adl_cand *v, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, best = i;
    if (l < n && before(&v[l], &v[best])) best = l;
    if (l + 1 < n && before(&v[l + 1], &v[best])) best = l + 1;
    if (best == i) return;
    bk_adl_cand t = v[i];
    v[i] = v[best];
    v[best] = t;
    i = best;
  }
}

/* Position value V(s, p) (docs §5): linear s·cs·p, inverse −s·f/p, toward zero. */
static bk_rc value_of(const bk_contract *c, int64_t size, int64_t price, int64_t *out) {
  if (c->kind == BK_INVERSE) {
    if (price <= 0) return BK_ERANGE;
    return bk_acct_muldiv_wide(-(bk_i128)size, c->contract_size, price, BK_TRUNC, out);
  }
  return bk_acct_muldiv_wide((bk_i128)size * c->contract_size, price,
                             (bk_i128)BK_FX_SCALE * BK_FX_SCALE, BK_TRUNC, out);
}

/* The ranking score of account k's position j (higher goes first). */
static int64_t score_of(bk_risk *r, uint32_t k, uint32_t contract, uint64_t start) {
  if (r->pol.adl_rank == BK_ADL_DYDX) /* accounts by id, cyclically from a pseudo-random start */
    return -(int64_t)((k + r->nacct - start) % r->nacct);
  const bk_account *b = &r->acct[k];
  int j = bk_acct_find(b, contract);
  const bk_pos *p = &b->pos[j];
  const bk_contract *c = &r->contracts[contract];
  int64_t mark = r->mark[contract], score = INT64_MIN;
  switch (r->pol.adl_rank) {
  case BK_ADL_BITMEX: {
    int64_t bp, ev, mv, bv = 0;
    if (bk_acct_bankrupt_price(&r->env, b, (size_t)j, NULL, &bp)) bp = 0;
    /* a bankruptcy that never comes: an inverse short's value there is 0 (−s·f/∞), a
       linear long's 0 too (price 0); an inverse long at price 0 has no finite value */
    int never = p->size > 0 ? bp <= 0 : bp == INT64_MAX;
    int bad = p->size > 0 ? never && c->kind == BK_INVERSE : (never ? c->kind != BK_INVERSE : bp <= 0);
    if (value_of(c, p->size, p->entry, &ev) || value_of(c, p->size, mark, &mv) || bad ||
        (!never && value_of(c, p->size, bp, &bv) != BK_OK) ||
        bk_wf_bitmex_rank(ev, mv, bv, NULL, NULL, &score))
      score = INT64_MIN;
    break;
  }
  case BK_ADL_HYPERLIQUID: {
    int64_t notional, eq;
    if (bk_pos_notional(c, p->size, mark, &notional) ||
        bk_acct_pos_equity(&r->env, b, (size_t)j, &eq) ||
        bk_wf_hl_key(mark, p->entry, notional, eq, p->size > 0, &score))
      score = INT64_MIN;
    break;
  }
  default: /* BK_ADL_DYDX, above */
    break;
  }
  return score;
}

/* Ranks the holders of a contract whose positions have sign `side`, once per event. */
static bk_rc queue_for(bk_risk *r, uint32_t contract, int side) {
  bk_adl_queue *q = &r->wf.q[contract * 2 + (side > 0)];
  if (q->valid && q->event == r->event) return BK_OK;
  const bk_holders *h = &r->holders[contract];
  bk_adl_cand *v = bk_vec_grow(q->v, &q->cap, h->n, sizeof *v);
  if (!v) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the ADL queue");
  q->v = v;
  uint64_t start = 0;
  if (r->pol.adl_rank == BK_ADL_DYDX)
    start = bk_wf_dydx_start(r->pol.seed, r->wf.draws++, r->nacct);
  q->n = 0;
  for (size_t t = 0; t < h->n; t++) {
    if (sgn(h->size[t]) != side) continue;
    uint32_t k = h->id[t];
    q->v[q->n++] = (bk_adl_cand){k, llabs(h->size[t]),
                                 score_of(r, k, contract, start)};
  }
  for (size_t i = q->n / 2; i-- > 0;) sift_down(q->v, q->n, i);
  q->event = r->event;
  q->contract = contract;
  q->side = side;
  q->valid = 1;
  return BK_OK;
}

/* Counts an ADL fill into the asset's totals, and keeps its record when records are on. */
static bk_rc adl_record(bk_risk *r, const bk_adl_rec *rec) {
  const bk_contract *c = &r->contracts[rec->contract];
  uint32_t a = c->settle;
  int64_t n = 0;
  if (bk_pos_notional(c, rec->qty, rec->price, &n) ||
      bk_add(r->adl_qty[a], rec->qty, &r->adl_qty[a]) ||
      bk_add(r->adl_notional[a], n, &r->adl_notional[a]))
    r->adl_overflow[a] = 1;
  if (!r->records) return BK_OK;
  bk_adl_rec *v = bk_vec_push(r->adl, &r->nadl, &r->adlcap, rec, sizeof *rec);
  if (!v) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for ADL records");
  r->adl = v;
  return BK_OK;
}

/* An account an ADL closed: once it holds no cross position, a negative balance is its
 * deficit, covered like a liquidated account's; it was not liquidated, so only the
 * collateral that brings its cash to 0 is sold, whatever the penalty. */
static bk_rc settle_counter(bk_risk *r, uint32_t id, uint32_t contract) {
  bk_account *a = &r->acct[id];
  for (uint32_t i = 0; i < a->npos; i++)
    if (!a->pos[i].isolated) return BK_OK;
  return bk_wf_cover_cross(r, id, contract, 0);
}

/* What account k may still give up on its position j (docs/adl.md): the position's
 * unrealized PnL at the mark less the haircuts already taken from it, at most the equity
 * of its margin unit (bk_acct_pos_equity), never below 0. A haircut takes at most this,
 * so the haircuts on a position never add up to more than its unrealized PnL when the
 * last one is taken: profit, never principal. */
static bk_rc adl_profit(bk_risk *r, uint32_t k, int j, int64_t *u) {
  const bk_account *a = &r->acct[k];
  const bk_pos *p = &a->pos[j];
  int64_t eq;
  if (bk_pos_upnl(&r->contracts[p->contract], p->size, p->entry, r->mark[p->contract], u) ||
      bk_sub(*u, p->haircut, u) || bk_acct_pos_equity(&r->env, a, (size_t)j, &eq))
    return bk_err_set(&r->err, BK_ERANGE, "risk: ADL profit overflow");
  if (*u > eq) *u = eq;
  if (*u < 0) *u = 0;
  return BK_OK;
}

/* One ADL close: take contracts of counter's position at price against the bankrupt
 * party (account id of position size, or the fund), both sides with cause adl. */
static bk_rc fill(bk_risk *r, uint32_t id, uint32_t counter, uint32_t contract, int64_t size,
                  int64_t take, int64_t price) {
  int64_t u;
  bk_rc rc = adl_profit(r, counter, bk_acct_find(&r->acct[counter], contract), &u);
  if (!rc) rc = bk_adl_take_fill(r, counter, contract, -sgn(size) * take, price, u);
  if (!rc) rc = bk_xfer_close(r, counter, contract, take, price, BK_CAUSE_ADL);
  if (!rc) rc = bk_wf_cover_isolated(r);
  if (!rc) rc = settle_counter(r, counter, contract);
  if (!rc)
    rc = id == FUND_ID
             ? bk_xfer_fund_trade(r, contract, -sgn(size) * take, price, BK_CAUSE_ADL)
             : bk_xfer_close(r, id, contract, take, price, BK_CAUSE_ADL);
  if (!rc) rc = bk_wf_cover_isolated(r);
  if (!rc)
    rc = adl_record(r, &(bk_adl_rec){r->now, id == FUND_ID ? 0 : id, counter, contract,
                                     id == FUND_ID, take, price, 0});
  return rc;
}

/* The queue: the ranked positions of the opposite side, each taking min(its size, what
 * is left). */
static bk_rc adl_queue(bk_risk *r, uint32_t id, uint32_t contract, int64_t size,
                       int64_t price, int64_t *left) {
  int side = -(int)sgn(size);
  bk_rc rc = queue_for(r, contract, side);
  bk_adl_queue *q = &r->wf.q[contract * 2 + (side > 0)];
  while (!rc && *left > 0 && q->n > 0) {
    bk_adl_cand *top = &q->v[0];
    int j = bk_acct_find(&r->acct[top->acct], contract);
    int64_t have = j >= 0 && sgn(r->acct[top->acct].pos[j].size) == side
                       ? llabs(r->acct[top->acct].pos[j].size)
                       : 0;
    if (top->qty > have) top->qty = have;
    if (top->qty <= 0) { /* closed since it was ranked */
      q->v[0] = q->v[--q->n];
      sift_down(q->v, q->n, 0);
      continue;
    }
    int64_t take = top->qty < *left ? top->qty : *left;
    rc = fill(r, id, top->acct, contract, size, take, price);
    *left -= take;
    top->qty -= take;
  }
  return rc;
}

/* Room for n winners in the round's scratch. */
static bk_adl_item *items(bk_risk *r, size_t n) {
  bk_adl_item *v = bk_vec_grow(r->wf.items, &r->wf.icap, n ? n : 1, sizeof *v);
  if (v) r->wf.items = v;
  else bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the ADL winners");
  return v;
}

/* Water-filling's m: what account k's position j of q contracts would be at leverage 1,
 * q · equity / notional of its margin unit (the cross positions' notional at the mark
 * over the cross equity; an isolated position's own); 0 (unbounded leverage) without
 * equity, and at most 10,000 q (a leverage below 0.0001 counts as 0.0001). */
static bk_rc at_leverage_one(bk_risk *r, uint32_t k, int j, int64_t q, int64_t *m) {
  int64_t eq, n;
  if (bk_acct_pos_equity(&r->env, &r->acct[k], (size_t)j, &eq) ||
      bk_acct_pos_unit_notional(&r->env, &r->acct[k], (size_t)j, &n))
    return bk_err_set(&r->err, BK_ERANGE, "risk: ADL notional overflow");
  bk_i128 most = (bk_i128)q * 10000, v = n > 0 ? (bk_i128)q * eq / n : most;
  *m = eq <= 0 ? 0 : (int64_t)(v < most ? v : most);
  return BK_OK;
}

/* The closing rules' winners: the contract's positions of sign side, weighted by size
 * (contract pro rata) or with their size at leverage 1 (water-filling). */
static bk_rc close_winners(bk_risk *r, uint32_t contract, int side, size_t *n) {
  const bk_holders *h = &r->holders[contract];
  bk_adl_item *v = items(r, h->n);
  if (!v) return BK_ENOMEM;
  *n = 0;
  for (size_t t = 0; t < h->n; t++) {
    if (sgn(h->size[t]) != side) continue;
    uint32_t k = h->id[t];
    int j = bk_acct_find(&r->acct[k], contract);
    int64_t q = llabs(h->size[t]), w = q;
    if (r->pol.adl_rule == BK_ADLR_LEVEL && at_leverage_one(r, k, j, q, &w)) return BK_ERANGE;
    v[(*n)++] = (bk_adl_item){.acct = k, .weight = w, .cap = q};
  }
  return BK_OK;
}

/* Contract pro rata or water-filling: *left contracts shared over the opposite side. */
static bk_rc adl_shared(bk_risk *r, uint32_t id, uint32_t contract, int64_t size,
                        int64_t price, int64_t *left) {
  size_t n;
  int64_t paid;
  bk_rc rc = close_winners(r, contract, -(int)sgn(size), &n);
  if (rc) return rc;
  bk_adl_item *v = r->wf.items;
  if (r->pol.adl_rule == BK_ADLR_LEVEL ? bk_adl_level(v, n, *left, &paid)
                                       : bk_adl_capped(v, n, *left, &paid))
    return bk_err_set(&r->err, BK_ERANGE, "risk: ADL allocation out of range");
  for (size_t i = 0; i < n && !rc; i++)
    if (v[i].alloc > 0) rc = fill(r, id, v[i].acct, contract, size, v[i].alloc, price);
  if (!rc) *left -= paid;
  return rc;
}

int bk_wf_adl_closes(const bk_policy *p) {
  return p->adl_rule == BK_ADLR_QUEUE || p->adl_rule == BK_ADLR_CONTRACTS ||
         p->adl_rule == BK_ADLR_LEVEL;
}

bk_rc bk_wf_adl(bk_risk *r, uint32_t id, uint32_t contract, int64_t qty, int64_t price,
                int64_t *left) {
  *left = qty;
  int64_t size;
  if (id == FUND_ID) {
    size = r->fund.inv[contract].size;
  } else {
    int i = bk_acct_find(&r->acct[id], contract);
    if (i < 0) return BK_OK;
    size = r->acct[id].pos[i].size;
  }
  if (!size || qty <= 0 || price <= 0 || price == INT64_MAX) return BK_OK;
  /* the fund's inventory has no shortfall to haircut: profit rules deleverage it through
     the queue */
  return r->pol.adl_rule == BK_ADLR_CONTRACTS || r->pol.adl_rule == BK_ADLR_LEVEL
             ? adl_shared(r, id, contract, size, price, left)
             : adl_queue(r, id, contract, size, price, left);
}

/* A profit rule's winners: the contract's cross holders other than id with profit left
 * on it, u (adl_profit), weighted by u (or u × leverage, the cross notional at the mark
 * over the cross equity) and capped at u (or adl_cap × u). Isolated positions are left
 * out: their profit sits in their own margin, not in the wallet a haircut draws on. */
static bk_rc haircut_winners(bk_risk *r, uint32_t id, uint32_t contract, size_t *n) {
  const bk_holders *h = &r->holders[contract];
  bk_adl_item *v = items(r, h->n);
  if (!v) return BK_ENOMEM;
  *n = 0;
  for (size_t t = 0; t < h->n; t++) {
    uint32_t k = h->id[t];
    int j = bk_acct_find(&r->acct[k], contract);
    if (k == id || j < 0 || r->acct[k].pos[j].isolated) continue;
    int64_t u, eq, nv, lev, w, cap;
    if (adl_profit(r, k, j, &u)) return BK_ERANGE;
    if (u <= 0) continue;
    if (bk_acct_equity(&r->env, &r->acct[k], &eq) ||
        bk_acct_pos_unit_notional(&r->env, &r->acct[k], (size_t)j, &nv))
      return bk_err_set(&r->err, BK_ERANGE, "risk: ADL leverage overflow");
    w = cap = u;
    if (r->pol.adl_rule != BK_ADLR_PRO_RATA && bk_fx_mul(u, r->pol.adl_cap, BK_FLOOR, &cap))
      return bk_err_set(&r->err, BK_ERANGE, "risk: ADL cap overflow");
    if (r->pol.adl_rule == BK_ADLR_RISK &&
        (bk_fx_div(nv, eq, BK_FLOOR, &lev) || bk_fx_mul(u, lev, BK_FLOOR, &w)))
      return bk_err_set(&r->err, BK_ERANGE, "risk: ADL weight profit × leverage overflows");
    v[(*n)++] = (bk_adl_item){.acct = k, .weight = w, .cap = cap};
  }
  return BK_OK;
}

/* A profit rule's round: what is left of account id's deficit d (held in *holder) is
 * haircut from the contract's winners, paid to it with cause adl; *taken says how much. */
static bk_rc haircut(bk_risk *r, uint32_t id, int64_t *holder, uint32_t contract, int64_t d,
                     int64_t *taken) {
  size_t n;
  *taken = 0;
  bk_rc rc = haircut_winners(r, id, contract, &n);
  if (rc) return rc;
  bk_adl_item *v = r->wf.items;
  if (bk_adl_capped(v, n, d, taken))
    return bk_err_set(&r->err, BK_ERANGE, "risk: ADL allocation out of range");
  uint32_t asset = r->contracts[contract].settle;
  for (size_t i = 0; i < n && !rc; i++) {
    if (!v[i].alloc) continue;
    uint32_t k = v[i].acct;
    int j = bk_acct_find(&r->acct[k], contract);
    int64_t u, *h = &r->acct[k].pos[j].haircut;
    rc = adl_profit(r, k, j, &u); /* as the winners were drawn: k has not paid yet */
    if (!rc) rc = bk_adl_take(r, k, v[i].alloc, u, 0, 0);
    if (!rc && bk_add(*h, v[i].alloc, h))
      rc = bk_err_set(&r->err, BK_ERANGE, "risk: ADL haircut total overflow");
    if (!rc)
      rc = bk_xfer_pay(r, BK_XFER_PARTY(k), &r->acct[k].cash, BK_XFER_PARTY(id), holder,
                       asset, BK_CAUSE_ADL, v[i].alloc);
    if (!rc)
      rc = adl_record(r, &(bk_adl_rec){r->now, id, k, contract, 0, 0, r->mark[contract],
                                       v[i].alloc});
  }
  return rc;
}

/* --- deficits and socialization ------------------------------------------------------- */

/* A pool pays what the asset's own cash cannot with its other members' cash, then its
 * own cash in its currency (a shadow, or a fund that pays everything, owes that in the
 * currency rather than in the coin); what even that does not raise (conversions round
 * against the pool) is not paid, so the payment is min(d, cash, equity) (§11). */
static bk_rc pool_raise(bk_risk *r, uint32_t key, uint32_t asset, int64_t *pays) {
  int owe = r->shadow || r->pol.wf_trigger == BK_WF_NEVER;
  bk_rc rc = bk_convert_raise(r, BK_PARTY_FUND, r->fund.cash, key, bk_pool_currency(r, key),
                              asset, *pays);
  if (!rc) rc = bk_convert_buy(r, key, asset, *pays, owe);
  int64_t cash = r->fund.cash[asset] > 0 ? r->fund.cash[asset] : 0;
  if (cash < *pays) *pays = cash;
  return rc;
}

bk_rc bk_wf_cover(bk_risk *r, uint32_t id, int64_t *holder, uint32_t contract, int64_t d) {
  if (d <= 0) return BK_OK;
  uint32_t asset = r->acct[id].settle;
  bk_wf_view v;
  bk_rc rc = bk_wf_view_now(r, asset, &v);
  if (rc) return rc;
  /* the whole deficit when the trigger allows paying it (a shadow always does);
     otherwise the most that keeps it satisfied */
  int64_t pays = d;
  bk_wf_view after;
  v.cash_checked = 1;
  if (shifted(r, asset, &v, -d, &after))
    return bk_err_set(&r->err, BK_ERANGE, "risk: deficit overflow");
  if (!bk_wf_allows(r, asset, &after)) { /* the reinsurance layer's turn first */
    if ((rc = topup(r, asset, &after)) || (rc = bk_wf_view_now(r, asset, &v))) return rc;
    v.cash_checked = 1;
  }
  if (!bk_wf_allows(r, asset, &after)) {
    int64_t lo = 0, hi = d; /* the most x in [0, d) it may pay: holds(lo), not holds(hi) */
    if (!bk_wf_allows(r, asset, &v)) hi = lo = 0;
    while (hi - lo > 1) {
      int64_t mid = lo + (hi - lo) / 2;
      if (shifted(r, asset, &v, -mid, &after))
        return bk_err_set(&r->err, BK_ERANGE, "risk: deficit overflow");
      if (bk_wf_allows(r, asset, &after)) lo = mid;
      else hi = mid;
    }
    pays = lo;
  }
  uint32_t key = bk_pool_key(r, asset);
  if (key >= BK_LEDGER_ASSETS) rc = pool_raise(r, key, asset, &pays);
  if (!rc)
    rc = bk_xfer_pay(r, BK_PARTY_FUND, bk_xfer_fund_cash(r, asset), BK_XFER_PARTY(id), holder,
                     asset, BK_CAUSE_DEFICIT, pays);
  int64_t rest = d - pays;
  if (rc || rest <= 0) return rc;
  if (r->pol.wf_action == BK_WF_ADL && !bk_wf_adl_closes(&r->pol)) {
    int64_t taken;
    if ((rc = haircut(r, id, holder, contract, rest, &taken)) || (rest -= taken) <= 0)
      return rc;
  }
  if (r->pol.wf_action == BK_WF_SOCIALIZE) {
    /* the sink advances it now; the accounts bear it at the end of the event */
    if (bk_add(r->wf.pending[contract], rest, &r->wf.pending[contract]))
      return bk_err_set(&r->err, BK_ERANGE, "risk: socialized loss overflow");
    r->wf.any_pending = 1;
    return bk_xfer_pay(r, BK_PARTY_SOCIAL, NULL, BK_XFER_PARTY(id), holder, asset,
                       BK_CAUSE_SOCIALIZED, rest);
  }
  if (bk_add(r->wf.uncovered[asset], rest, &r->wf.uncovered[asset]))
    return bk_err_set(&r->err, BK_ERANGE, "risk: uncovered total overflow");
  return bk_xfer_pay(r, BK_PARTY_SOCIAL, NULL, BK_XFER_PARTY(id), holder, asset,
                     BK_CAUSE_UNCOVERED, rest);
}

bk_rc bk_wf_cover_cross(bk_risk *r, uint32_t id, uint32_t contract, int sell_all) {
  bk_account *a = &r->acct[id];
  int64_t fall;
  bk_rc rc = bk_coll_sell(r, id, sell_all, &fall);
  if (rc || a->cash >= 0) return rc;
  if (a->cash == INT64_MIN) return bk_err_set(&r->err, BK_ERANGE, "risk: deficit overflow");
  uint32_t s = a->settle;
  int64_t d = -a->cash, paid = r->ledger.fund_out[BK_CAUSE_DEFICIT][s];
  if ((rc = bk_wf_cover(r, id, &a->cash, contract, d))) return rc;
  return bk_coll_attribute(r, s, d, fall, r->ledger.fund_out[BK_CAUSE_DEFICIT][s] - paid);
}

bk_rc bk_wf_cover_isolated(bk_risk *r) {
  int64_t d = r->iso_deficit;
  if (d <= 0) return BK_OK;
  r->iso_deficit = 0;
  return bk_wf_cover(r, r->iso_acct, &r->acct[r->iso_acct].cash, r->iso_contract, d);
}

/* An account's cross profit, max(0, equity − collateral); 0 when it overflows. */
static int64_t cross_profit(bk_risk *r, const bk_account *b) {
  int64_t eq, coll, upnl;
  if (bk_acct_equity(&r->env, b, &eq) || bk_acct_collateral(&r->env, b, &coll) ||
      bk_sub(eq, coll, &upnl))
    return 0;
  return upnl > 0 ? upnl : 0;
}

/* Spreads a contract's pending loss over the policy's base; with nobody to bear it the
 * sink keeps the advance (visible as its negative balance). */
static bk_rc spread(bk_risk *r, uint32_t contract) {
  bk_wf_state *w = &r->wf;
  int64_t loss = w->pending[contract];
  w->pending[contract] = 0;
  if (loss <= 0) return BK_OK;
  uint32_t asset = r->contracts[contract].settle;
  if (w->wcap < r->nacct) {
    size_t c1 = w->wcap, c2 = w->wcap;
    int64_t *a = bk_vec_grow(w->w, &c1, r->nacct, sizeof *a);
    if (a) w->w = a;
    int64_t *b = bk_vec_grow(w->shares, &c2, r->nacct, sizeof *b);
    if (b) w->shares = b;
    if (!a || !b) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory to socialize");
    w->wcap = c1 < c2 ? c1 : c2;
  }
  /* candidates: the contract's holders (open interest), or every account of the asset
     (unrealized profit) */
  const bk_holders *h = &r->holders[contract];
  size_t n = r->pol.social_base == BK_SOC_OI ? h->n : r->nacct;
  for (size_t t = 0; t < n; t++) {
    uint32_t k = r->pol.social_base == BK_SOC_OI ? h->id[t] : (uint32_t)t;
    const bk_account *b = &r->acct[k];
    w->w[t] = 0;
    if (b->settle != asset) continue;
    w->w[t] = r->pol.social_base == BK_SOC_OI ? llabs(h->size[t]) : cross_profit(r, b);
  }
  bk_rc rc = BK_OK;
  int64_t borne = 0;
  if (bk_wf_socialize(w->w, n, loss, w->shares) == BK_OK) {
    for (size_t t = 0; t < n && !rc; t++) {
      int64_t share = w->shares[t];
      /* a clawback of profit takes no more than the profit */
      if (r->pol.social_base == BK_SOC_PROFIT && share > w->w[t]) share = w->w[t];
      if (!share) continue;
      uint32_t k = r->pol.social_base == BK_SOC_OI ? h->id[t] : (uint32_t)t;
      rc = bk_adl_take(r, k, share, cross_profit(r, &r->acct[k]), 0, 0);
      if (!rc)
        rc = bk_xfer_pay(r, BK_XFER_PARTY(k), &r->acct[k].cash, BK_PARTY_SOCIAL, NULL, asset,
                         BK_CAUSE_SOCIALIZED, share);
      if (!rc && bk_add(borne, share, &borne))
        rc = bk_err_set(&r->err, BK_ERANGE, "risk: socialized total overflow");
    }
  }
  /* what nobody could bear (nobody to spread over, or profit too small) stays uncovered;
     shares rounded up may bear a little more than the loss, which is no uncovered loss */
  if (!rc && borne < loss && bk_add(w->uncovered[asset], loss - borne, &w->uncovered[asset]))
    rc = bk_err_set(&r->err, BK_ERANGE, "risk: uncovered total overflow");
  return rc;
}

int bk_wf_holds_inventory(const bk_risk *r, uint32_t key) {
  for (uint32_t k = 0; k < r->ncontracts; k++)
    if (r->fund.inv[k].size != 0 && bk_pool_key(r, r->contracts[k].settle) == key) return 1;
  return 0;
}

bk_rc bk_wf_end_event(bk_risk *r, uint32_t asset) {
  bk_rc rc = BK_OK;
  if (r->wf.any_pending) {
    r->wf.any_pending = 0;
    for (uint32_t k = 0; k < r->ncontracts && !rc; k++)
      if (r->wf.pending[k]) rc = spread(r, k);
    if (rc) return rc;
  }
  /* the trigger matters here only where it makes the fund act: deleveraging the
     inventory it holds under an ADL policy (a shadow measures exactly these points) */
  uint32_t key = bk_pool_key(r, asset);
  if (!bk_wf_holds_inventory(r, key) || r->pol.wf_action != BK_WF_ADL) return BK_OK;
  bk_wf_view v;
  if ((rc = bk_wf_view_now(r, asset, &v)) || (rc = topup(r, asset, &v))) return rc;
  if (bk_wf_allows(r, asset, &v)) return BK_OK;
  /* past its trigger: the fund's inventory in this asset (its pool's) is deleveraged at
     the mark */
  for (uint32_t k = 0; k < r->ncontracts && !rc; k++) {
    int64_t inv = r->fund.inv[k].size, left;
    if (inv && bk_pool_key(r, r->contracts[k].settle) == key && r->mark[k] > 0)
      rc = bk_wf_adl(r, FUND_ID, k, llabs(inv), r->mark[k], &left);
  }
  return rc;
}
