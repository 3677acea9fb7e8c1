/*
 * Liquidation pieces (see liquidation.h). The overlay is an open-addressing hash table
 * keyed by (contract, side, price): a liquidation touches a few levels, a replay day a
 * few thousand distinct ones, and the walk asks once per level visited, so lookups must
 * be O(1) and allocation-free. Entries are never deleted; a stale one (old seq, or
 * decayed to nothing) is simply reused when the same level is consumed again.
 */
#include "engine/liquidation.h"

#include "engine/fixed.h"

#include <stdlib.h>
#include <string.h>

void bk_liq_overlay_init(bk_liq_overlay *o, int64_t halflife_us) {
  memset(o, 0, sizeof *o);
  o->halflife_us = halflife_us;
}

void bk_liq_overlay_fini(bk_liq_overlay *o) {
  free(o->v);
  bk_liq_overlay_init(o, o->halflife_us);
}

static size_t hash(uint32_t contract, int side, int64_t price) {
  uint64_t h = (uint64_t)price * UINT64_C(0x9E3779B97F4A7C15);
  h ^= ((uint64_t)contract << 1 | (uint64_t)(side == 2)) * UINT64_C(0xBF58476D1CE4E5B9);
  return (size_t)(h ^ (h >> 29));
}

static bk_liq_slot *find(const bk_liq_overlay *o, uint32_t contract, int side, int64_t price) {
  if (!o->cap) return NULL;
  size_t m = o->cap - 1;
  for (size_t i = hash(contract, side, price) & m;; i = (i + 1) & m) {
    bk_liq_slot *s = &o->v[i];
    if (s->price == 0) return NULL;
    if (s->price == price && s->contract == contract && s->side == side) return s;
  }
}

int64_t bk_liq_overlay_avail(const bk_liq_overlay *o, uint32_t contract, int side,
                             const bk_level *lvl, int64_t now) {
  const bk_liq_slot *s = find(o, contract, side, lvl->price);
  if (!s || s->seq != lvl->seq) return lvl->qty;
  int64_t used = s->consumed;
  if (o->halflife_us > 0 && now > s->ts) {
    int64_t halvings = (now - s->ts) / o->halflife_us;
    used = halvings >= 63 ? 0 : used >> halvings;
  }
  return used >= lvl->qty ? 0 : lvl->qty - used;
}

static bk_rc grow(bk_liq_overlay *o) {
  size_t cap = o->cap ? o->cap * 2 : 64;
  bk_liq_slot *v = calloc(cap, sizeof *v);
  if (!v) return BK_ENOMEM;
  for (size_t i = 0; i < o->cap; i++) {
    bk_liq_slot *s = &o->v[i];
    if (!s->price) continue;
    size_t j = hash(s->contract, s->side, s->price) & (cap - 1);
    while (v[j].price) j = (j + 1) & (cap - 1);
    v[j] = *s;
  }
  free(o->v);
  o->v = v;
  o->cap = cap;
  return BK_OK;
}

bk_rc bk_liq_overlay_consume(bk_liq_overlay *o, uint32_t contract, int side, int64_t price,
                             int64_t qty, uint64_t seq, int64_t now) {
  bk_liq_slot *s = find(o, contract, side, price);
  if (!s) {
    if ((o->n + 1) * 2 > o->cap && grow(o)) return BK_ENOMEM;
    size_t m = o->cap - 1;
    size_t i = hash(contract, side, price) & m;
    while (o->v[i].price) i = (i + 1) & m;
    s = &o->v[i];
    *s = (bk_liq_slot){price, 0, now, seq, contract, side};
    o->n++;
  }
  if (s->seq != seq) { /* the history rewrote the level: earlier consumption is void */
    s->consumed = 0;
    s->seq = seq;
  } else if (o->halflife_us > 0 && now > s->ts) {
    int64_t halvings = (now - s->ts) / o->halflife_us;
    s->consumed = halvings >= 63 ? 0 : s->consumed >> halvings;
  }
  s->consumed += qty;
  s->ts = now;
  return BK_OK;
}

/* The walk's avail callback: asks the overlay, and remembers each level's seq so the
 * fills can be recorded against the level as it was. */
typedef struct walk_ctx {
  const bk_liq_overlay *o;
  uint32_t contract;
  int64_t now;
  size_t n;
  int64_t price[256]; /* levels that had something available, as the walk saw them */
  uint64_t seq[256];
} walk_ctx;

static int64_t walk_avail(void *ctx, int side, const bk_level *lvl) {
  walk_ctx *c = ctx;
  int64_t av = bk_liq_overlay_avail(c->o, c->contract, side, lvl, c->now);
  if (av > 0 && c->n < 256) {
    c->price[c->n] = lvl->price;
    c->seq[c->n] = lvl->seq;
    c->n++;
  }
  return av;
}

size_t bk_liq_walk(bk_liq_overlay *o, uint32_t contract, const bk_book *b, const bk_walk *w,
                   int64_t now, bk_fill *fills, size_t max_fills, int64_t *filled, bk_rc *rc) {
  walk_ctx ctx;
  ctx.o = o;
  ctx.contract = contract;
  ctx.now = now;
  ctx.n = 0;
  bk_walk ww = *w;
  ww.avail = walk_avail;
  ww.avail_ctx = &ctx;
  if (max_fills > 64) max_fills = 64; /* the seq memo's size */
  size_t n = bk_book_walk(b, &ww, fills, max_fills, filled);
  if (rc) *rc = BK_OK;
  /* make room first so that either every fill is recorded or none is */
  while ((o->n + n + 1) * 2 > o->cap)
    if (grow(o)) {
      if (rc) *rc = BK_ENOMEM;
      return n;
    }
  for (size_t i = 0; i < n; i++) {
    uint64_t seq = 0;
    for (size_t k = 0; k < ctx.n; k++)
      if (ctx.price[k] == fills[i].price) seq = ctx.seq[k];
    bk_liq_overlay_consume(o, contract, w->side, fills[i].price, fills[i].qty, seq, now);
  }
  return n;
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

bk_rc bk_liq_dydx_bankruptcy_quote(int64_t dnnv, int64_t tnc, int64_t dmmr, int64_t tmmr,
                                   int64_t *out) {
  if (tmmr == 0 || dmmr == INT64_MIN || dnnv == INT64_MIN) return BK_ERANGE;
  int64_t part;
  /* −DNNV − TNC×|DMMR|/TMMR rounded toward +inf: round the subtracted part down */
  if (bk_fx_muldiv(tnc, llabs(dmmr), tmmr, BK_FLOOR, &part)) return BK_ERANGE;
  return bk_sub(-dnnv, part, out);
}

bk_rc bk_liq_dydx_fund_delta(int64_t quote, int64_t bankruptcy_quote, int64_t max_fee,
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

int64_t bk_liq_dydx_max_spread(int64_t mmr) {
  return mmr + mmr / 2; /* exact for any 8-decimal rate with an even last digit */
}

int64_t bk_liq_dydx_fund_cover(int64_t mmr, int64_t dist) {
  int64_t c = bk_liq_dydx_max_spread(mmr) - dist;
  return c > 0 ? c : 0;
}

bk_rc bk_liq_drift_if_fee(int64_t mr, int64_t liquidator_fee, int64_t shortage, int64_t base,
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
