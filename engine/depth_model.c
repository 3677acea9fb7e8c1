/*
 * The depth model (see depth_model.h): a synthetic book for a contract without one, sized
 * from its warm-up volume and shaped by a piecewise-linear profile.
 *
 * Why an object of its own: how much a book without data can absorb decides how much of a
 * liquidation reaches the fund, so the rule deserves one place that can be read and tested
 * alone; the simulation only decides when the model stands in for a replayed book.
 *
 * Workload: a trade costs two additions and a push into the tape's band (O(1) amortized);
 * a build (at most once per refresh_us per contract, when a mark moves) computes
 * 2 × BK_DMODEL_LEVELS levels, and the book is re-set from them when built or when the
 * band has moved since (at most once a mark). Everything is integer: prices through 128
 * bits, quantities rounded down (the model never offers more than its profile), the price
 * offsets rounded away from the mark, the band's edges rounded to the tick inside it.
 */
#include "engine/depth_model.h"

#include <string.h>

#include "engine/fixed.h"

#define MINUTE_US (60 * INT64_C(1000000))

void bk_depth_spec_default(bk_depth_spec *d) {
  d->n = 5;
  for (size_t i = 0; i < 5; i++) {
    d->pct[i] = BK_FX(1) / 100 * (int64_t)(i + 1);
    d->minutes[i] = BK_FX(1) * (int64_t)(i + 1) * 3 / 4 + BK_FX(1) / 4; /* 1 .. 4 */
  }
  d->ref_instr = UINT32_MAX;
  d->refresh_us = INT64_C(1000000);
  d->band_us = INT64_C(1000000);
}

bk_rc bk_depth_spec_check(const bk_depth_spec *d, bk_err *err) {
  if (d->n > BK_DEPTH_SPEC_POINTS || d->refresh_us <= 0 || d->band_us <= 0)
    return bk_err_set(err, BK_ECONFIG, "depth model: at most %d points, a positive "
                      "refresh interval and a positive band window", BK_DEPTH_SPEC_POINTS);
  for (size_t i = 0; i < d->n; i++)
    if (d->pct[i] <= (i ? d->pct[i - 1] : 0) || d->minutes[i] < 0)
      return bk_err_set(err, BK_ECONFIG, "depth model point %zu: fractions must ascend "
                        "strictly from above 0, minutes must not be negative", i + 1);
  return BK_OK;
}

void bk_depth_ref_follow(bk_depth_ref *r, const bk_depth_profile *p) {
  int64_t bid = 0, ask = 0;
  for (size_t i = 0; i < p->n; i++) {
    if (p->p[i].pct == -BK_FX(1)) bid = p->p[i].notional;
    if (p->p[i].pct == BK_FX(1)) ask = p->p[i].notional;
  }
  if (bid <= 0 || ask <= 0 || bk_add(bid, ask, &r->now)) return;
  if (r->first == 0) r->first = r->now;
}

void bk_dmodel_init(bk_depth_model *m, const bk_depth_spec *spec, const bk_contract *c,
                    const bk_depth_ref *ref, int64_t warm_end) {
  m->spec = spec;
  m->contract = c;
  m->ref = ref;
  m->warm_end = warm_end;
  m->warm_notional = 0;
  m->first_trade_ts = INT64_MIN;
  bk_band_init(&m->band, spec->band_us);
  m->nlvl[BK_BID] = m->nlvl[BK_ASK] = 0;
  m->npub[BK_BID] = m->npub[BK_ASK] = 0;
  m->band_lo = m->band_hi = 0;
  m->book = NULL;
  m->built_ts = 0;
}

void bk_dmodel_fini(bk_depth_model *m) {
  bk_band_fini(&m->band);
  bk_book_free(m->book);
  m->book = NULL;
}

bk_rc bk_dmodel_trade(bk_depth_model *m, int64_t ts, int64_t price, int64_t qty, int warmup) {
  int64_t sum = m->warm_notional;
  if (warmup) {
    int64_t n = 0;
    if (bk_pos_notional(m->contract, qty, price, &n) || bk_add(m->warm_notional, n, &sum))
      return BK_ERANGE;
  }
  if (bk_band_trade_at(&m->band, ts, price)) return BK_ENOMEM;
  m->warm_notional = sum;
  if (m->first_trade_ts == INT64_MIN) m->first_trade_ts = ts;
  return BK_OK;
}

/* Quantity (contracts) worth `notional` settle units at price, rounded down. */
static int64_t qty_for(const bk_contract *c, int64_t notional, int64_t price) {
  int64_t q = 0, unit;
  if (c->kind == BK_INVERSE) /* notional (coin) = qty × face / price */
    bk_fx_muldiv(notional, price, c->contract_size, BK_FLOOR, &q);
  else if (!bk_fx_mul(c->contract_size, price, BK_CEIL, &unit)) /* notional = qty × unit */
    bk_fx_div(notional, unit, BK_FLOOR, &q);
  return q > 0 ? q : 0;
}

/* Average traded notional per minute: the warm-up's over the minutes from the first trade
 * to the window's start (to now when it is open), at least one minute. */
static int64_t per_minute(const bk_depth_model *m, int64_t now) {
  int64_t minutes = 1;
  if (m->first_trade_ts != INT64_MIN) {
    int64_t end = m->warm_end != INT64_MIN ? m->warm_end : now;
    bk_i128 span = (bk_i128)end - m->first_trade_ts;
    if (span > MINUTE_US) minutes = (int64_t)(span / MINUTE_US);
  }
  return m->warm_notional / minutes;
}

/* Minutes of volume within fraction x of the mark: the profile, piecewise linear from
 * (0, 0), flat beyond its last point. */
static int64_t profile_minutes(const bk_depth_spec *d, int64_t x) {
  int64_t m = 0, px = 0, pm = 0;
  for (size_t i = 0; i < d->n; i++) {
    if (x <= d->pct[i]) /* the points ascend strictly (bk_depth_spec_check) */
      return pm + (int64_t)((bk_i128)(d->minutes[i] - pm) * (x - px) / (d->pct[i] - px));
    px = d->pct[i];
    pm = m = d->minutes[i];
  }
  return m;
}

/* Cumulative model depth (settle units) within fraction x of the mark. */
static int64_t depth_within(const bk_depth_model *m, int64_t x, int64_t now) {
  int64_t depth = 0;
  bk_fx_mul(per_minute(m, now), profile_minutes(m->spec, x), BK_FLOOR, &depth);
  const bk_depth_ref *r = m->ref;
  if (r->first > 0 && r->now > 0) { /* breathe with the reference's ±1 % depth */
    bk_i128 v = (bk_i128)depth * r->now / r->first;
    depth = v > INT64_MAX ? INT64_MAX : (int64_t)v;
  }
  return depth;
}

/* The price of the level at fraction x on side, on the tick away from the mark and
 * strictly beyond prev; 0 when it would leave (0, INT64_MAX / 2]: a huge mark or tick from
 * the data or the scenario thins the model book instead of wrapping. */
static int64_t level_price(const bk_contract *c, int side, int64_t mark, int64_t x,
                           int64_t prev) {
  int64_t off = 0;
  bk_fx_mul(mark, x, BK_CEIL, &off);
  bk_i128 want = side == BK_BID ? (bk_i128)mark - off : (bk_i128)mark + off;
  if (want <= 0 || want > INT64_MAX / 2) return 0;
  bk_i128 px = bk_fx_round_to((int64_t)want, c->tick, side == BK_BID ? BK_FLOOR : BK_CEIL);
  if (side == BK_BID && px >= prev) px = (bk_i128)prev - c->tick;
  if (side == BK_ASK && px <= prev) px = (bk_i128)prev + c->tick;
  return px <= 0 || px > INT64_MAX / 2 ? 0 : (int64_t)px;
}

/* Rebuilds the levels around mark. */
static void build(bk_depth_model *m, int64_t mark, int64_t now) {
  const bk_contract *c = m->contract;
  const bk_depth_spec *d = m->spec;
  int64_t range = d->n ? d->pct[d->n - 1] : 0;
  int64_t prev_depth[3] = {0, 0, 0};
  int64_t prev_px[3] = {mark, mark, mark};
  m->nlvl[BK_BID] = m->nlvl[BK_ASK] = 0;
  for (int i = 1; i <= BK_DMODEL_LEVELS && range > 0; i++) {
    int64_t x = range / BK_DMODEL_LEVELS * i;
    int64_t depth = depth_within(m, x, now);
    for (int side = BK_BID; side <= BK_ASK; side++) {
      int64_t px = level_price(c, side, mark, x, prev_px[side]);
      if (px == 0) continue;
      int64_t q = qty_for(c, depth - prev_depth[side], px);
      if (q > 0) m->lvl[side][m->nlvl[side]++] = (bk_dmodel_level){px, q};
      prev_depth[side] = depth;
      prev_px[side] = px;
    }
  }
  m->built_ts = now;
}

/* The price a level at px on side takes under the band [lo, hi] (hi 0: no band): a bid
 * at most hi floored to the tick, an ask at least lo ceiled to it; 0 when that price
 * leaves (0, INT64_MAX / 2]. */
static int64_t banded(const bk_contract *c, int side, int64_t px, int64_t lo, int64_t hi) {
  if (hi == 0) return px;
  if (side == BK_BID) {
    int64_t edge = bk_fx_round_to(hi, c->tick, BK_FLOOR);
    return px <= edge ? px : edge > 0 ? edge : 0;
  }
  if (lo > INT64_MAX / 2) return 0;
  int64_t edge = bk_fx_round_to(lo, c->tick, BK_CEIL);
  return px >= edge ? px : edge <= INT64_MAX / 2 ? edge : 0;
}

/* The levels of a side under the band [lo, hi], best first, into out (room for
 * BK_DMODEL_LEVELS); levels moved onto the same price add up (they are consecutive: a
 * side's levels run away from the mark). BK_ERANGE when a sum passes int64. */
static bk_rc banded_side(const bk_depth_model *m, int side, int64_t lo, int64_t hi,
                         bk_dmodel_level *out, size_t *n) {
  *n = 0;
  for (size_t i = 0; i < m->nlvl[side]; i++) {
    int64_t p = banded(m->contract, side, m->lvl[side][i].price, lo, hi);
    if (p == 0) continue;
    if (*n == 0 || out[*n - 1].price != p) out[(*n)++] = (bk_dmodel_level){p, 0};
    if (bk_add(out[*n - 1].qty, m->lvl[side][i].qty, &out[*n - 1].qty)) return BK_ERANGE;
  }
  return BK_OK;
}

/* Whether price a comes before b on a side (levels run away from the mark: bids
 * descending, asks ascending). */
static int ahead(int side, int64_t a, int64_t b) { return side == BK_BID ? a > b : a < b; }

/* Makes a side of the book hold nw[0..n) where it held the published levels: only the
 * levels that differ are set, so the others keep their seq (and the depth a liquidation
 * consumed from them stays consumed; engine/liquidation.h). Both lists are in the side's
 * order with distinct prices, so one walk over each finds what left and what changed:
 * first the levels that left are removed, then the new and changed ones set. */
static bk_rc publish(bk_depth_model *m, int side, const bk_dmodel_level *nw, size_t n) {
  bk_dmodel_level *old = m->pub[side];
  size_t nold = m->npub[side];
  for (size_t i = 0, j = 0; i < nold; i++) {
    while (j < n && ahead(side, nw[j].price, old[i].price)) j++;
    if (j < n && nw[j].price == old[i].price) continue;
    bk_rc rc = bk_book_set(m->book, side, old[i].price, 0);
    if (rc) return rc;
  }
  for (size_t i = 0, j = 0; i < n; i++) {
    while (j < nold && ahead(side, old[j].price, nw[i].price)) j++;
    if (j < nold && old[j].price == nw[i].price && old[j].qty == nw[i].qty) continue;
    bk_rc rc = bk_book_set(m->book, side, nw[i].price, nw[i].qty);
    if (rc) return rc;
  }
  memcpy(old, nw, n * sizeof *nw);
  m->npub[side] = n;
  return BK_OK;
}

/* Bounds the book by the band [lo, hi]: after a build every level is set anew (the book
 * is cleared, as a rebuild renews it), after a move of the band only what it moved. */
static bk_rc bound(bk_depth_model *m, int rebuilt, int64_t lo, int64_t hi) {
  if (!m->book && !(m->book = bk_book_new(m->contract->tick))) return BK_ENOMEM;
  if (rebuilt) {
    bk_book_clear(m->book);
    m->npub[BK_BID] = m->npub[BK_ASK] = 0;
  }
  for (int side = BK_BID; side <= BK_ASK; side++) {
    bk_dmodel_level nw[BK_DMODEL_LEVELS];
    size_t n = 0;
    bk_rc rc = banded_side(m, side, lo, hi, nw, &n);
    if (!rc) rc = publish(m, side, nw, n);
    if (rc) return rc;
  }
  m->band_lo = lo;
  m->band_hi = hi;
  return BK_OK;
}

bk_rc bk_dmodel_book(bk_depth_model *m, int64_t mark, int64_t now, const bk_book **out) {
  int rebuilt = !m->book || now - m->built_ts >= m->spec->refresh_us;
  if (rebuilt) build(m, mark, now);
  int64_t lo = 0, hi = 0;
  bk_band_at(&m->band, now, &lo, &hi);
  if (rebuilt || lo != m->band_lo || hi != m->band_hi) {
    bk_rc rc = bound(m, rebuilt, lo, hi);
    if (rc) return rc;
  }
  *out = m->book;
  return BK_OK;
}
