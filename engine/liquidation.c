/*
 * Liquidation pieces (see liquidation.h): the book walk over what earlier liquidations
 * left (overlay.h), the price limit, participation, penalty and the volatility the
 * penalty scales with.
 */
#include "engine/liquidation.h"

#include "engine/capture.h"
#include "engine/event.h"
#include "engine/fixed.h"
#include "engine/risk_state.h"
#include "engine/transfer.h"

#include <stdlib.h>
#include <string.h>

/* The walk's avail callback: asks the overlay, and remembers each level that had
 * something available (with its seq) so the fills can be recorded against the level as
 * it was. The memo has room for every level of the side. */
typedef struct walk_ctx {
  bk_liq_overlay *o;
  uint32_t contract;
  int64_t now;
  size_t n;
} walk_ctx;

static int64_t walk_avail(void *ctx, int side, const bk_level *lvl) {
  walk_ctx *c = ctx;
  int64_t av = bk_liq_overlay_avail(c->o, c->contract, side, lvl, c->now);
  if (av > 0 && c->n < c->o->scap) {
    c->o->memo[c->n].price = lvl->price;
    c->o->memo[c->n].seq = lvl->seq;
    c->n++;
  }
  return av;
}

/* Room for `levels` fills and memo entries in the overlay's scratch. */
static bk_rc scratch_reserve(bk_liq_overlay *o, size_t levels) {
  if (levels <= o->scap) return BK_OK;
  size_t cap = o->scap ? o->scap : 64;
  while (cap < levels) cap *= 2;
  bk_fill *f = realloc(o->fills, cap * sizeof *f);
  if (f) o->fills = f;
  bk_liq_memo *m = realloc(o->memo, cap * sizeof *m);
  if (m) o->memo = m;
  if (!f || !m) return BK_ENOMEM;
  o->scap = cap;
  return BK_OK;
}

bk_rc bk_liq_walk(bk_liq_overlay *o, uint32_t contract, const bk_book *b, const bk_walk *w,
                  int64_t now, const bk_fill **fills, size_t *nf, int64_t *filled) {
  *fills = o->fills;
  *nf = 0;
  *filled = 0;
  if (!b) return BK_OK;
  /* a walk has at most one fill per level of the side: no cap short of the book */
  size_t levels = bk_book_count(b, w->side);
  if (scratch_reserve(o, levels ? levels : 1)) return BK_ENOMEM;
  *fills = o->fills;
  walk_ctx ctx = {o, contract, now, 0};
  bk_walk ww = *w;
  ww.avail = walk_avail;
  ww.avail_ctx = &ctx;
  size_t n = bk_book_walk(b, &ww, o->fills, levels, filled);
  /* make room first so that either every fill is recorded or none is */
  if (bk_liq_overlay_reserve(o, n)) {
    *filled = 0;
    return BK_ENOMEM;
  }
  /* fills are a subsequence of the memo, in the same order */
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    while (k < ctx.n && o->memo[k].price != o->fills[i].price) k++;
    uint64_t seq = k < ctx.n ? o->memo[k].seq : 0;
    bk_liq_overlay_consume(o, contract, w->side, o->fills[i].price, o->fills[i].qty, seq, now);
  }
  *nf = n;
  return BK_OK;
}

/* --- the steps of a liquidation -------------------------------------------------------- */

int64_t bk_liq_vol_of(const bk_risk *r, uint32_t contract) {
  return contract < r->ncontracts && r->pol.vol_window_us ? r->vol[contract].sum : 0;
}

/* Adds the return of a mark change to the contract's window and drops what left it. */
bk_rc bk_liq_vol_observe(bk_risk *r, uint32_t contract, int64_t old, int64_t mark) {
  bk_risk_vol *v = &r->vol[contract];
  while (v->n && v->ts[v->head] <= r->now - r->pol.vol_window_us) {
    v->sum -= v->ret[v->head];
    v->head = (v->head + 1) % v->cap;
    v->n--;
  }
  if (old <= 0 || old == mark) return BK_OK;
  int64_t ret;
  if (bk_fx_div(llabs(mark - old), old, BK_CEIL, &ret)) return BK_ERANGE;
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 64;
    int64_t *ts = malloc(cap * sizeof *ts), *rt = malloc(cap * sizeof *rt);
    if (!ts || !rt) {
      free(ts);
      free(rt);
      return BK_ENOMEM;
    }
    for (size_t i = 0; i < v->n; i++) {
      ts[i] = v->ts[(v->head + i) % v->cap];
      rt[i] = v->ret[(v->head + i) % v->cap];
    }
    free(v->ts);
    free(v->ret);
    v->ts = ts;
    v->ret = rt;
    v->cap = cap;
    v->head = 0;
  }
  v->ts[(v->head + v->n) % v->cap] = r->now;
  v->ret[(v->head + v->n) % v->cap] = ret;
  v->n++;
  v->sum += ret;
  return BK_OK;
}

int64_t bk_liq_penalty_now(const bk_risk *r, uint32_t contract) {
  int64_t pen = r->pol.penalty, extra;
  if (!r->pol.penalty_vol_k) return pen;
  /* penalty × (1 + k × rv), rounded up and kept below 100 % */
  if (bk_fx_mul(r->pol.penalty_vol_k, bk_liq_vol_of(r, contract), BK_CEIL, &extra) ||
      bk_fx_mul(pen, extra, BK_CEIL, &extra) || bk_add(pen, extra, &pen) ||
      pen >= BK_FX(1))
    pen = BK_FX(1) - 1;
  return pen;
}

int64_t bk_liq_participation_now(const bk_risk *r, uint32_t contract, int side, const bk_book *book) {
  int64_t part = r->pol.participation;
  (void)contract;
  if (!r->pol.depth_ref || !book) return part;
  bk_level best;
  if (!bk_book_best(book, side, &best)) return part;
  /* the visible depth within the band of the best level on the side taken */
  int64_t off = 0;
  bk_fx_mul(best.price, BK_LIQ_DEPTH_BAND, BK_FLOOR, &off);
  int64_t limit = side == BK_BID ? best.price - off : best.price + off;
  size_t levels = bk_book_count(book, side);
  bk_level *lv = malloc((levels ? levels : 1) * sizeof *lv);
  if (!lv) return part; /* no memory to measure: unscaled */
  size_t n = bk_book_levels(book, side, limit > 0 ? limit : 1, lv, levels);
  bk_i128 depth = 0;
  for (size_t i = 0; i < n; i++) depth += lv[i].qty;
  free(lv);
  if (depth >= r->pol.depth_ref) return part;
  int64_t scaled = (int64_t)((bk_i128)part * depth / r->pol.depth_ref); /* rounded down */
  return scaled > 0 ? scaled : 1;
}

bk_rc bk_liq_limit(bk_risk *r, const bk_account *a, int i, int64_t bp, int64_t *limit) {
  const bk_pos *p = &a->pos[i];
  const bk_contract *c = &r->contracts[p->contract];
  *limit = 0;
  if (r->pol.price_limit == BK_LIMIT_BANKRUPTCY) {
    *limit = bp;
    if (p->size < 0 && bp == 0) *limit = 1; /* a short bankrupt at any price: no fill */
    if (p->size < 0 && bp == INT64_MAX) *limit = 0;
  } else if (r->pol.price_limit == BK_LIMIT_FILLABLE) {
    int64_t eq, tmmr, pmmr, pnnv, mark = r->mark[p->contract];
    if (bk_acct_pos_equity(&r->env, a, (size_t)i, &eq) || bk_acct_mm(&r->env, a, &tmmr) ||
        bk_pos_mm(c, p, mark, &pmmr) ||
        bk_acct_muldiv_wide((bk_i128)p->size * c->contract_size, mark,
                            (bk_i128)BK_FX_SCALE * BK_FX_SCALE, BK_TRUNC, &pnnv))
      return bk_err_set(&r->err, BK_ERANGE, "risk: fillable price overflow");
    if (p->isolated) tmmr = pmmr;
    int64_t csz = 0;
    bk_fx_mul(p->size, c->contract_size, BK_TRUNC, &csz);
    if (c->kind != BK_LINEAR || tmmr == 0 ||
        bk_liq_dydx_fillable(pnnv, csz, eq, tmmr, pmmr, r->pol.fillable_ba,
                             r->pol.fillable_smmr, NULL, limit))
      *limit = bp;
  }
  return BK_OK;
}

bk_rc bk_liq_close_by_book(bk_risk *r, uint32_t id, uint32_t contract, const bk_book *book,
                           int64_t qty, int64_t limit, bk_liq_tally *t) {
  bk_account *a = &r->acct[id];
  int i = bk_acct_find(a, contract);
  if (!book || qty <= 0 || i < 0) return BK_OK;
  int side = a->pos[i].size > 0 ? BK_BID : BK_ASK;
  bk_walk w = {side, qty, limit, bk_liq_participation_now(r, contract, side, book), NULL, NULL};
  const bk_fill *fills;
  size_t nf;
  int64_t filled;
  bk_rc rc = bk_liq_walk(&r->overlay, contract, book, &w, r->now, &fills, &nf, &filled);
  if (rc) return bk_err_set(&r->err, rc, "risk: no memory for the overlay");
  /* the liquidation order is the taker: a long's sells into the bids */
  int taker = side == BK_BID ? BK_SELL : BK_BUY;
  for (size_t f = 0; f < nf && !rc; f++) {
    int64_t n;
    rc = bk_xfer_close(r, id, contract, fills[f].qty, fills[f].price, BK_CAUSE_PNL);
    if (!rc) rc = bk_capture_liq(r, contract, taker, fills[f].qty, fills[f].price);
    if (!rc && (bk_pos_notional(&r->contracts[contract], fills[f].qty, fills[f].price, &n) ||
                bk_add(t->notional, n, &t->notional)))
      rc = bk_err_set(&r->err, BK_ERANGE, "risk: notional overflow");
    t->pq += (bk_i128)fills[f].price * fills[f].qty;
  }
  t->qty += filled;
  t->levels += (uint32_t)nf;
  return rc;
}

bk_rc bk_liq_charge_fee(bk_risk *r, uint32_t id, uint32_t contract, int isolated,
                        int64_t notional, int64_t *fee) {
  *fee = 0;
  int64_t rate = bk_liq_penalty_now(r, contract);
  if (r->pol.penalty_mode != BK_PEN_FEE || notional <= 0 || rate <= 0) return BK_OK;
  bk_account *a = &r->acct[id];
  const bk_contract *c = &r->contracts[contract];
  int j = bk_acct_find(a, contract);
  int64_t f, room;
  if (bk_fx_mul(notional, rate, BK_CEIL, &f))
    return bk_err_set(&r->err, BK_ERANGE, "risk: liquidation fee overflow");
  /* capped by what the unit still has once the remainder is settled: a fee charged from
     more would only come back out of the fund as a deficit */
  if (isolated && j >= 0) { /* still open: its own equity (margin + uPnL at the mark) */
    if (bk_acct_pos_equity(&r->env, a, (size_t)j, &room)) room = 0;
  }
  else if (isolated) room = r->released;           /* closed: what it released to cash */
  else if (bk_acct_equity(&r->env, a, &room)) room = 0;
  if (f > room) f = room > 0 ? room : 0;
  int64_t *h = isolated && j >= 0 ? &a->pos[j].margin : &a->cash;
  bk_rc rc = bk_xfer_pay(r, BK_XFER_PARTY(id), h, BK_PARTY_FUND,
                         bk_xfer_fund_cash(r, c->settle), c->settle, BK_CAUSE_LIQ_FEE, f);
  if (!rc) *fee = f;
  return rc;
}

bk_rc bk_liq_dydx_fillable(int64_t pnnv, int64_t ps, int64_t tnc, int64_t tmmr, int64_t pmmr,
                           int64_t ba, int64_t smmr, int64_t *abr, int64_t *price) {
  if (tmmr == 0 || ps == 0) return BK_ERANGE;
  int64_t ratio, a;
  /* ABR = BA × (1 − TNC/TMMR), clamped; rounded up (a larger adjustment is the
     exchange-protective direction for the walk's limit) */
  if (bk_fx_div(tnc, tmmr, BK_FLOOR, &ratio) || bk_sub(BK_FX(1), ratio, &a) ||
      bk_fx_mul(ba, a, BK_CEIL, &a))
    return BK_ERANGE;
  if (a < 0) a = 0;
  if (a > BK_FX(1)) a = BK_FX(1);
  int64_t adj;
  if (bk_fx_mul(a, smmr, BK_CEIL, &adj) || bk_fx_mul(adj, pmmr, BK_CEIL, &adj))
    return BK_ERANGE;
  if (abr) *abr = a;
  if (bk_sub(pnnv, adj, &adj)) return BK_ERANGE;
  return bk_fx_div(adj, ps, ps > 0 ? BK_CEIL : BK_FLOOR, price);
}
