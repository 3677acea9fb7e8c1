/*
 * ADL metrics per round (see adl_rounds.h). Fed by the waterfall once per take (an ADL
 * fill or a socialized share), before the money moves, so an account's profit is read
 * as it stood; the per-account figures of an open round live in arrays indexed by
 * account and are summed once, when the round closes. Rounds are few (a crash day has
 * tens per asset) and takes are as many as ADL fills: O(1) per take apart from reading
 * the account's positions, O(p log p) per round over the p accounts taken from.
 */
#include "engine/adl_rounds.h"

#include <stdlib.h>
#include <string.h>

#include "engine/fixed.h"
#include "engine/risk_state.h"
#include "engine/vec.h"

void bk_adl_rounds_fini(bk_adl_rounds *t) {
  for (int a = 0; a < BK_LEDGER_ASSETS; a++) {
    free(t->a[a].payers);
    free(t->a[a].prev);
    free(t->a[a].prev_x);
  }
  free(t->x);
  free(t->u);
  free(t->lev);
  free(t->in);
  free(t->v);
  memset(t, 0, sizeof *t);
}

void bk_adl_rounds_pair(bk_risk *r, const bk_risk *shadow) { r->rounds.shadow = shadow; }

/* --- pure arithmetic ----------------------------------------------------------------- */

int64_t bk_adl_overshoot(const bk_adl_round *d) {
  if (d->needed < 0) return -1;
  return d->taken > d->needed ? d->taken - d->needed : 0;
}

int64_t bk_adl_undershoot(const bk_adl_round *d) {
  if (d->needed < 0) return -1;
  return d->needed > d->taken ? d->needed - d->taken : 0;
}

int64_t bk_adl_severity(int64_t taken, int64_t needed) {
  int64_t s;
  if (needed <= 0) return -1;
  return bk_fx_div(taken, needed, BK_CEIL, &s) ? INT64_MAX : s;
}

/* i goes before j: amount descending, ties by lower id. */
static int ahead(uint32_t i, uint32_t j, const int64_t *x, const uint32_t *id) {
  return x[i] != x[j] ? x[i] > x[j] : id[i] < id[j];
}

/* Merge sort of idx[0..n) by (x, id); returns the pairs it found out of that order. */
static uint64_t msort(uint32_t *idx, uint32_t *tmp, size_t n, const int64_t *x,
                      const uint32_t *id) {
  if (n < 2) return 0;
  size_t h = n / 2, i = 0, j = h, k = 0;
  uint64_t inv = msort(idx, tmp, h, x, id) + msort(idx + h, tmp, n - h, x, id);
  while (i < h && j < n) {
    if (ahead(idx[j], idx[i], x, id)) {
      inv += h - i; /* idx[j] passes every element left in the first half */
      tmp[k++] = idx[j++];
    } else {
      tmp[k++] = idx[i++];
    }
  }
  while (i < h) tmp[k++] = idx[i++];
  while (j < n) tmp[k++] = idx[j++];
  memcpy(idx, tmp, n * sizeof *idx);
  return inv;
}

uint64_t bk_adl_flipped_pairs(const uint32_t *id, const int64_t *px, const int64_t *cx,
                              size_t m, uint32_t *scratch) {
  uint32_t *idx = scratch, *tmp = scratch + m;
  for (size_t i = 0; i < m; i++) idx[i] = (uint32_t)i;
  msort(idx, tmp, m, px, id);        /* the previous round's order */
  return msort(idx, tmp, m, cx, id); /* pairs that order puts out of this round's */
}

/* --- the open round ------------------------------------------------------------------ */

/* What the window measures now: the fund's outflows for deficits and takeovers, the
 * shadow's, and the rise of the shadow's safe fund above the initial fund. */
static void measures(const bk_risk *r, uint32_t a, int64_t m[3]) {
  const bk_risk *s = r->rounds.shadow;
  m[0] = r->ledger.fund_out[BK_CAUSE_DEFICIT][a] + r->ledger.fund_out[BK_CAUSE_TAKEOVER][a];
  m[1] = m[2] = -1;
  if (!s) return;
  m[1] = s->ledger.fund_out[BK_CAUSE_DEFICIT][a] + s->ledger.fund_out[BK_CAUSE_TAKEOVER][a];
  int64_t need = s->wf.need[a] - s->wf.initial[a]; /* its safe fund, bk_risk_safe_fund */
  m[2] = need > 0 ? need : 0;
}

/* The round's figures over the accounts taken from. */
static bk_rc sum_accounts(bk_risk *r, bk_adl_open *o) {
  bk_adl_rounds *t = &r->rounds;
  bk_adl_round *d = &o->cur;
  d->accounts = (uint32_t)o->n;
  for (size_t i = 0; i < o->n; i++) {
    uint32_t k = o->payers[i];
    int64_t x = t->x[k], u = t->u[k], c;
    if ((x > 0 ? bk_add(d->taken, x, &d->taken) : bk_add(d->given, -x, &d->given)) ||
        (x > u && bk_add(d->from_principal, x - u, &d->from_principal)))
      return bk_err_set(&r->err, BK_ERANGE, "risk: ADL round: total overflow");
    if (u > 0 && x > 0) {
      if (bk_fx_div(x, u, BK_CEIL, &c)) c = INT64_MAX;
      if (c > d->concentration) d->concentration = c;
    }
    if (i == 0 || u > d->top_profit || (u == d->top_profit && k < d->top_acct)) {
      d->top_acct = k;
      d->top_profit = u;
      d->top_left = u > x ? u - x : 0;
    }
    if (t->lev[k] > d->max_leverage) d->max_leverage = t->lev[k];
  }
  return BK_OK;
}

/* The pairs of accounts taken from in this round and the previous one, and those whose
 * order flipped. */
static bk_rc rank_flips(bk_risk *r, bk_adl_open *o) {
  bk_adl_rounds *t = &r->rounds;
  bk_adl_round *d = &o->cur;
  size_t m = 0;
  for (size_t i = 0; i < o->nprev; i++) m += t->in[o->prev[i]];
  if (m < 2) return BK_OK;
  uint32_t *id = malloc(m * 3 * sizeof *id);
  int64_t *px = malloc(m * 2 * sizeof *px);
  if (!id || !px) {
    free(id);
    free(px);
    return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the ADL round's ranks");
  }
  m = 0;
  for (size_t i = 0; i < o->nprev; i++) {
    uint32_t k = o->prev[i];
    if (!t->in[k]) continue;
    id[m] = k;
    px[m] = o->prev_x[i];
    m++;
  }
  for (size_t i = 0; i < m; i++) px[m + i] = t->x[id[i]];
  d->pairs = (uint64_t)m * (m - 1) / 2;
  d->flips = bk_adl_flipped_pairs(id, px, px + m, m, id + m);
  free(id);
  free(px);
  return BK_OK;
}

/* Closes asset a's open round: its window ends now. */
static bk_rc close_round(bk_risk *r, uint32_t a) {
  bk_adl_rounds *t = &r->rounds;
  bk_adl_open *o = &t->a[a];
  int64_t now[3];
  measures(r, a, now);
  o->cur.fund_used = now[0] - o->base[0];
  o->cur.shortfall = now[1] < 0 ? -1 : now[1] - o->base[1];
  o->cur.needed = now[2] < 0 ? -1 : now[2] - o->base[2];
  memcpy(o->base, now, sizeof now);
  bk_rc rc = sum_accounts(r, o);
  if (!rc) rc = rank_flips(r, o);
  bk_adl_round *v = rc ? NULL : bk_vec_push(t->v, &t->n, &t->vcap, &o->cur, sizeof o->cur);
  if (!v) return rc ? rc : bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for ADL rounds");
  t->v = v;
  /* this round's accounts become the previous ones */
  uint32_t *p = bk_vec_grow(o->prev, &o->prevcap, o->n, sizeof *p);
  if (p) o->prev = p;
  int64_t *px = p ? bk_vec_grow(o->prev_x, &o->prevxcap, o->n, sizeof *px) : NULL;
  if (!px) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for ADL rounds");
  o->prev_x = px;
  for (size_t i = 0; i < o->n; i++) {
    uint32_t k = o->payers[i];
    o->prev[i] = k;
    o->prev_x[i] = t->x[k];
    t->in[k] = 0;
  }
  o->nprev = o->n;
  o->n = 0;
  o->open = 0;
  return BK_OK;
}

/* Room for every account in the per-account arrays. */
static bk_rc room(bk_risk *r) {
  bk_adl_rounds *t = &r->rounds;
  if (t->cap >= r->nacct) return BK_OK;
  size_t c[4] = {t->cap, t->cap, t->cap, t->cap};
  int64_t *x = bk_vec_grow(t->x, &c[0], r->nacct, sizeof *x);
  if (x) t->x = x;
  int64_t *u = bk_vec_grow(t->u, &c[1], r->nacct, sizeof *u);
  if (u) t->u = u;
  int64_t *l = bk_vec_grow(t->lev, &c[2], r->nacct, sizeof *l);
  if (l) t->lev = l;
  uint8_t *in = bk_vec_grow(t->in, &c[3], r->nacct, sizeof *in);
  if (in) {
    memset(in + t->cap, 0, c[3] - t->cap);
    t->in = in;
  }
  if (!x || !u || !l || !in)
    return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for ADL rounds");
  size_t m = c[0];
  for (int i = 1; i < 4; i++) m = c[i] < m ? c[i] : m;
  t->cap = m;
  return BK_OK;
}

/* The account's cross leverage after `taken` leaves its cross wallet and cross positions
 * worth `notional` at the mark close: the cross notional it keeps over the cross equity
 * it keeps, rounded up (0 with nothing left; INT64_MAX on equity <= 0). Isolated
 * positions are their own margin units and count in neither. */
static bk_rc leverage_left(bk_risk *r, uint32_t k, int64_t taken, int64_t notional,
                           int64_t *lev) {
  const bk_account *b = &r->acct[k];
  int64_t eq, held = 0;
  if (bk_acct_equity(&r->env, b, &eq))
    return bk_err_set(&r->err, BK_ERANGE, "risk: ADL round: equity overflow");
  uint32_t i = 0;
  while (i < b->npos && b->pos[i].isolated) i++; /* any cross position names the unit */
  if (i < b->npos && bk_acct_pos_unit_notional(&r->env, b, i, &held))
    return bk_err_set(&r->err, BK_ERANGE, "risk: ADL round: notional overflow");
  held -= notional;
  eq -= taken;
  if (held <= 0) *lev = 0;
  else if (eq <= 0 || bk_fx_div(held, eq, BK_CEIL, lev)) *lev = INT64_MAX;
  return BK_OK;
}

/* A take; cross_taken and notional are what leaves the cross margin unit. */
static bk_rc take(bk_risk *r, uint32_t acct, int64_t taken, int64_t u, int64_t qty,
                  int64_t cross_taken, int64_t notional) {
  bk_adl_rounds *t = &r->rounds;
  uint32_t a = r->acct[acct].settle;
  bk_adl_open *o = &t->a[a];
  bk_rc rc = room(r);
  if (!rc && o->open && r->now - o->cur.end_us > r->pol.adl_round_gap_us)
    rc = close_round(r, a);
  if (rc) return rc;
  if (!o->open) {
    uint32_t index = o->cur.index + 1;
    o->cur = (bk_adl_round){.asset = a, .index = index, .start_us = r->now};
    o->open = 1;
  }
  int64_t lev = 0;
  if ((rc = leverage_left(r, acct, cross_taken, notional, &lev))) return rc;
  if (!t->in[acct]) {
    uint32_t *p = bk_vec_push(o->payers, &o->n, &o->cap, &acct, sizeof acct);
    if (!p) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for ADL rounds");
    o->payers = p;
    t->in[acct] = 1;
    t->x[acct] = 0;
    t->u[acct] = u > 0 ? u : 0;
  }
  t->lev[acct] = lev;
  o->cur.end_us = r->now;
  o->cur.takes++;
  if (bk_add(t->x[acct], taken, &t->x[acct]) || bk_add(o->cur.adl_qty, qty, &o->cur.adl_qty))
    return bk_err_set(&r->err, BK_ERANGE, "risk: ADL round: total overflow");
  return BK_OK;
}

bk_rc bk_adl_take(bk_risk *r, uint32_t acct, int64_t taken, int64_t u, int64_t qty,
                  int64_t notional) {
  return take(r, acct, taken, u, qty, taken, notional);
}

bk_rc bk_adl_take_fill(bk_risk *r, uint32_t acct, uint32_t contract, int64_t size,
                       int64_t price, int64_t u) {
  const bk_contract *c = &r->contracts[contract];
  const bk_account *b = &r->acct[acct];
  int64_t taken, notional;
  if (bk_pos_upnl(c, size, price, r->mark[contract], &taken) ||
      bk_pos_notional(c, llabs(size), r->mark[contract], &notional))
    return bk_err_set(&r->err, BK_ERANGE, "risk: ADL round: fill value overflow");
  int iso = b->pos[bk_acct_find(b, contract)].isolated;
  return take(r, acct, taken, u, llabs(size), iso ? 0 : taken, iso ? 0 : notional);
}

bk_rc bk_adl_rounds_finish(bk_risk *r) {
  bk_rc rc = BK_OK;
  for (uint32_t a = 0; a < BK_LEDGER_ASSETS && !rc; a++)
    if (r->rounds.a[a].open) rc = close_round(r, a);
  return rc;
}
