/*
 * The L2 order book of one instrument: a price ladder over a moving window.
 *
 * Why: the replay applies tens of millions of incremental updates a day, almost all
 * within a few ticks of the top, and reads the top after every message. A sorted array
 * per side costs a binary search and a memmove per update (about 15 M rows/s measured);
 * a dense ladder indexed by tick costs one division and a store (about 100 M rows/s).
 *
 * Layout: both sides share one window of BK_BOOK_WINDOW ticks starting at tick index
 * `base` (price = tick index × tick). Per side the window holds one slot per tick (qty,
 * seq), a one-bit-per-slot occupancy bitmap and a one-bit-per-bitmap-word summary, so
 * finding the next occupied slot in either direction is at most two ctz/clz scans over
 * 16 summary words. The best level of a side inside the window is cached and rescanned
 * only when the best is deleted. Levels outside the window (real books carry bids at
 * 1,000 with the mid near 28,000) live in a small array per side sorted by ascending
 * price; it holds levels both below and above the window.
 *
 * Re-centring: when the best level of a side ends up outside the window (the market
 * moved), every level of both sides is laid out again around the mid: one pass over the
 * bitmaps and the overflow, linear in the number of levels. When the two bests are too
 * far apart to fit in half a window, the window follows the asks and the bids are served
 * from the overflow: slower, still exact, and it cannot thrash.
 *
 * Tick: given, or inferred as the greatest common divisor of the prices of levels set so
 * far. A price that is not a multiple of the tick in use refines the tick to the gcd and
 * lays the book out again (at most about 60 times in a book's life, as each refinement
 * at least halves the tick). A deletion at such a price is a no-op: no level can be there.
 *
 * Workload tuned for: Tardis incremental_book_L2, one writer, top-of-book reads after
 * every message, occasional depth walks by the liquidation engine.
 */
#include "engine/book.h"

#include <stdlib.h>
#include <string.h>

#include "engine/event.h"
#include "engine/fixed.h"

#define BK_BOOK_WINDOW (1 << 16)          /* ticks in the window, a multiple of 4096 */
#define BK_BOOK_L1 (BK_BOOK_WINDOW / 64)  /* occupancy words */
#define BK_BOOK_L2 (BK_BOOK_L1 / 64)      /* summary words */

typedef struct bk_slot {
  int64_t qty;  /* fixed point; 0 = no level */
  uint64_t seq; /* book seq when the level last changed; meaningless when qty == 0 */
} bk_slot;

typedef struct bk_side {
  bk_slot *slot;          /* BK_BOOK_WINDOW slots, NULL until the first price */
  uint64_t l1[BK_BOOK_L1]; /* bit i%64 of word i/64: slot i occupied */
  uint64_t l2[BK_BOOK_L2]; /* bit w%64 of word w/64: l1[w] != 0 */
  int64_t best;           /* window index of the side's best window level; -1 = none */
  size_t n_win;           /* levels in the window */
  bk_level *ovf;          /* levels outside the window, ascending price */
  size_t n_ovf, cap_ovf;
} bk_side;

struct bk_book {
  int64_t tick;      /* tick in use, fixed point; 0 before the first price */
  uint64_t inv;      /* floor((2^64 - 1) / tick): price / tick without a division */
  int64_t base;      /* tick index of window slot 0 */
  int64_t lo_px;     /* price of window slot 0 (may be <= 0), saturated */
  int64_t hi_px;     /* price one past the last window slot, saturated */
  uint64_t seq;      /* update counter */
  bk_side s[2];      /* s[0] bids, s[1] asks */
  bk_level *scratch; /* relayout buffer */
  size_t cap_scratch;
};

/* ---- bitmap scans ----------------------------------------------------------------- */

static inline int clz64(uint64_t x) { return __builtin_clzll(x); }
static inline int ctz64(uint64_t x) { return __builtin_ctzll(x); }

static inline void bit_set(bk_side *s, int64_t i) {
  size_t w = (size_t)i >> 6;
  s->l1[w] |= UINT64_C(1) << (i & 63);
  s->l2[w >> 6] |= UINT64_C(1) << (w & 63);
}

static inline void bit_clear(bk_side *s, int64_t i) {
  size_t w = (size_t)i >> 6;
  s->l1[w] &= ~(UINT64_C(1) << (i & 63));
  if (!s->l1[w]) s->l2[w >> 6] &= ~(UINT64_C(1) << (w & 63));
}

/* Highest occupied window index <= i, or -1. i in [0, WINDOW). */
static int64_t find_prev(const bk_side *s, int64_t i) {
  size_t w = (size_t)i >> 6;
  unsigned b = (unsigned)(i & 63);
  uint64_t m = s->l1[w] & ((UINT64_C(2) << b) - 1); /* b == 63: 2<<63 wraps to 0, mask ~0 */
  if (m) return (int64_t)(w * 64 + 63 - (size_t)clz64(m));
  size_t w2 = w >> 6;
  uint64_t m2 = s->l2[w2] & ((UINT64_C(1) << (w & 63)) - 1);
  while (!m2) {
    if (w2 == 0) return -1;
    m2 = s->l2[--w2];
  }
  size_t wi = w2 * 64 + 63 - (size_t)clz64(m2);
  return (int64_t)(wi * 64 + 63 - (size_t)clz64(s->l1[wi]));
}

/* Lowest occupied window index >= i, or -1. i in [0, WINDOW). */
static int64_t find_next(const bk_side *s, int64_t i) {
  size_t w = (size_t)i >> 6;
  uint64_t m = s->l1[w] & (~UINT64_C(0) << (i & 63));
  if (m) return (int64_t)(w * 64 + (size_t)ctz64(m));
  size_t w2 = w >> 6;
  unsigned b2 = (unsigned)(w & 63);
  uint64_t m2 = b2 == 63 ? 0 : s->l2[w2] & (~UINT64_C(0) << (b2 + 1));
  while (!m2) {
    if (++w2 == BK_BOOK_L2) return -1;
    m2 = s->l2[w2];
  }
  size_t wi = w2 * 64 + (size_t)ctz64(m2);
  return (int64_t)(wi * 64 + (size_t)ctz64(s->l1[wi]));
}

/* ---- small helpers ---------------------------------------------------------------- */

static inline int side_ix(int side) { return side == BK_ASK; }

static int64_t sat64(bk_i128 v) {
  return v < INT64_MIN ? INT64_MIN : v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* Moves the window (no level is touched: the caller relays them out or has none). */
static void set_window(bk_book *b, int64_t tick, int64_t base) {
  b->tick = tick;
  b->inv = tick > 0 ? UINT64_MAX / (uint64_t)tick : 0;
  b->base = base;
  b->lo_px = sat64((bk_i128)base * tick);
  b->hi_px = sat64(((bk_i128)base + BK_BOOK_WINDOW) * tick);
}

/* price / tick (tick > 0, price > 0) and the remainder in *rem, by a multiplication: with
 * inv = floor((2^64 - 1) / tick) the high half of price × inv is the quotient or one less
 * (the error is below price / 2^64 < 1/2), and the remainder says which. The replay
 * divides once per row, and a 64-bit division was a quarter of bk_book_set's samples. */
static inline int64_t div_tick(const bk_book *b, int64_t price, int64_t *rem) {
  uint64_t t = (uint64_t)b->tick;
  uint64_t q = (uint64_t)(((bk_u128)(uint64_t)price * b->inv) >> 64);
  uint64_t r = (uint64_t)price - q * t;
  if (r >= t) q++, r -= t;
  *rem = (int64_t)r;
  return (int64_t)q;
}

/* Number of overflow levels priced below p (lower bound). */
static size_t ovf_lower(const bk_side *s, int64_t p) {
  size_t lo = 0, hi = s->n_ovf;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->ovf[mid].price < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static int ovf_reserve(bk_side *s, size_t n) {
  if (n <= s->cap_ovf) return 0;
  size_t cap = s->cap_ovf ? s->cap_ovf : 64;
  while (cap < n) cap *= 2;
  bk_level *v = realloc(s->ovf, cap * sizeof *v);
  if (!v) return -1;
  s->ovf = v;
  s->cap_ovf = cap;
  return 0;
}

/* Best level of side index si, and where it is: 0 none, 1 window, 2 overflow. */
static int best_of(const bk_book *b, int si, bk_level *out) {
  const bk_side *s = &b->s[si];
  if (si == 0) { /* bids: overflow above the window, else window, else overflow below */
    if (s->n_ovf && (s->best < 0 || s->ovf[s->n_ovf - 1].price >= b->hi_px)) {
      if (out) *out = s->ovf[s->n_ovf - 1];
      return 2;
    }
  } else {
    if (s->n_ovf && (s->best < 0 || s->ovf[0].price < b->lo_px)) {
      if (out) *out = s->ovf[0];
      return 2;
    }
  }
  if (s->best < 0) return 0;
  if (out) {
    const bk_slot *sl = &s->slot[s->best];
    out->price = (b->base + s->best) * b->tick;
    out->qty = sl->qty;
    out->seq = sl->seq;
  }
  return 1;
}

/* ---- layout ----------------------------------------------------------------------- */

/* Lays every level out again with tick `tick` and window base `base`. tick must divide
 * every level's price. Returns -1 (book unchanged) when memory runs out. */
static int relayout(bk_book *b, int64_t tick, int64_t base) {
  size_t need = 0;
  for (int si = 0; si < 2; si++) {
    size_t n = b->s[si].n_win + b->s[si].n_ovf;
    if (n > need) need = n;
  }
  if (need > b->cap_scratch) {
    size_t cap = b->cap_scratch ? b->cap_scratch : 256;
    while (cap < need) cap *= 2;
    bk_level *v = realloc(b->scratch, cap * sizeof *v);
    if (!v) return -1;
    b->scratch = v;
    b->cap_scratch = cap;
  }
  for (int si = 0; si < 2; si++)
    if (ovf_reserve(&b->s[si], b->s[si].n_win + b->s[si].n_ovf)) return -1;

  /* Nothing can fail from here on. */
  for (int si = 0; si < 2; si++) {
    bk_side *s = &b->s[si];
    bk_level *v = b->scratch;
    size_t n = 0;
    size_t k = b->tick ? ovf_lower(s, b->lo_px) : s->n_ovf;
    if (k) memcpy(v, s->ovf, k * sizeof *v);
    n = k;
    for (size_t w2 = 0; w2 < BK_BOOK_L2; w2++) {
      uint64_t m2 = s->l2[w2];
      while (m2) {
        size_t wi = w2 * 64 + (size_t)ctz64(m2);
        m2 &= m2 - 1;
        uint64_t m = s->l1[wi];
        while (m) {
          size_t i = wi * 64 + (size_t)ctz64(m);
          m &= m - 1;
          v[n].price = (b->base + (int64_t)i) * b->tick;
          v[n].qty = s->slot[i].qty;
          v[n].seq = s->slot[i].seq;
          s->slot[i].qty = 0;
          n++;
        }
        s->l1[wi] = 0;
      }
      s->l2[w2] = 0;
    }
    if (s->n_ovf > k) memcpy(v + n, s->ovf + k, (s->n_ovf - k) * sizeof *v);
    n += s->n_ovf - k;

    s->n_ovf = 0;
    s->n_win = 0;
    s->best = -1;
    for (size_t j = 0; j < n; j++) {
      int64_t i = v[j].price / tick - base;
      if (i >= 0 && i < BK_BOOK_WINDOW) {
        s->slot[i].qty = v[j].qty;
        s->slot[i].seq = v[j].seq;
        bit_set(s, i);
        s->n_win++;
        if (si == 0 || s->best < 0) s->best = i; /* ascending: bids keep the last */
      } else {
        s->ovf[s->n_ovf++] = v[j];
      }
    }
  }
  set_window(b, tick, base);
  return 0;
}

/* Window base that puts tick index t at the centre. */
static int64_t base_for(int64_t t) { return t - BK_BOOK_WINDOW / 2; }

/* Called when a side's best may have left the window: moves the window to the mid (or
 * to the asks when the spread is too wide for one window). A failed move is harmless:
 * the book stays exact, only slower. */
static void maybe_recentre(bk_book *b) {
  bk_level bid, ask;
  int wb = best_of(b, 0, &bid), wa = best_of(b, 1, &ask);
  if (wb != 2 && wa != 2) return;
  int64_t t;
  if (wb && wa) {
    int64_t tb = bid.price / b->tick, ta = ask.price / b->tick;
    int64_t d = ta > tb ? ta - tb : tb - ta;
    t = d < BK_BOOK_WINDOW / 2 ? tb + (ta - tb) / 2 : ta;
  } else {
    t = (wb ? bid.price : ask.price) / b->tick;
  }
  int64_t base = base_for(t);
  if (base == b->base) return;
  (void)relayout(b, b->tick, base);
}

/* ---- public API ------------------------------------------------------------------- */

bk_book *bk_book_new(int64_t tick) {
  if (tick < 0) return NULL;
  bk_book *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  if (tick) set_window(b, tick, 0);
  b->s[0].best = b->s[1].best = -1;
  for (int si = 0; si < 2; si++) {
    b->s[si].slot = calloc(BK_BOOK_WINDOW, sizeof(bk_slot));
    if (!b->s[si].slot) {
      bk_book_free(b);
      return NULL;
    }
  }
  return b;
}

void bk_book_free(bk_book *b) {
  if (!b) return;
  for (int si = 0; si < 2; si++) {
    free(b->s[si].slot);
    free(b->s[si].ovf);
  }
  free(b->scratch);
  free(b);
}

void bk_book_clear(bk_book *b) {
  for (int si = 0; si < 2; si++) {
    bk_side *s = &b->s[si];
    for (size_t w2 = 0; w2 < BK_BOOK_L2; w2++) {
      uint64_t m2 = s->l2[w2];
      while (m2) {
        size_t wi = w2 * 64 + (size_t)ctz64(m2);
        m2 &= m2 - 1;
        uint64_t m = s->l1[wi];
        while (m) {
          s->slot[wi * 64 + (size_t)ctz64(m)].qty = 0;
          m &= m - 1;
        }
        s->l1[wi] = 0;
      }
      s->l2[w2] = 0;
    }
    s->best = -1;
    s->n_win = 0;
    s->n_ovf = 0;
  }
  b->seq++;
}

/* Sets a level outside the window (sorted insert, replace or delete). */
static bk_rc ovf_set(bk_book *b, int si, int64_t price, int64_t qty) {
  bk_side *s = &b->s[si];
  size_t k = ovf_lower(s, price);
  int found = k < s->n_ovf && s->ovf[k].price == price;
  if (qty == 0) {
    b->seq++;
    if (!found) return BK_OK;
    memmove(s->ovf + k, s->ovf + k + 1, (s->n_ovf - k - 1) * sizeof *s->ovf);
    s->n_ovf--;
    if (best_of(b, si, NULL) == 2) maybe_recentre(b);
    return BK_OK;
  }
  if (!found) {
    if (ovf_reserve(s, s->n_ovf + 1)) return BK_ENOMEM;
    memmove(s->ovf + k + 1, s->ovf + k, (s->n_ovf - k) * sizeof *s->ovf);
    s->n_ovf++;
    s->ovf[k].price = price;
  }
  b->seq++;
  s->ovf[k].qty = qty;
  s->ovf[k].seq = b->seq;
  /* A new level out here that became the side's best means the market moved. */
  if (!found && best_of(b, si, NULL) == 2) maybe_recentre(b);
  return BK_OK;
}

bk_rc bk_book_set(bk_book *b, int side, int64_t price, int64_t qty) {
  if (price <= 0 || qty < 0 || (side != BK_BID && side != BK_ASK)) return BK_EDATA;
  int si = side_ix(side);
  bk_side *s = &b->s[si];
  int64_t tick = b->tick;
  if (!tick) {
    if (qty == 0) { /* nothing can be there yet */
      b->seq++;
      return BK_OK;
    }
    set_window(b, price, base_for(1));
    tick = price;
  }
  int64_t rem;
  int64_t t = div_tick(b, price, &rem);
  if (rem != 0) {
    if (qty == 0) {
      b->seq++;
      return BK_OK;
    }
    /* Refine the tick, keeping the window centred on the same price. */
    int64_t g = bk_gcd(tick, price);
    int64_t centre = (b->base + BK_BOOK_WINDOW / 2) * tick;
    if (relayout(b, g, base_for(centre / g))) return BK_ENOMEM;
    tick = g;
    t = price / tick;
  }
  int64_t i = t - b->base;
  if (i < 0 || i >= BK_BOOK_WINDOW) {
    if (qty && !b->s[0].n_win && !b->s[0].n_ovf && !b->s[1].n_win && !b->s[1].n_ovf) {
      set_window(b, tick, base_for(t)); /* an empty book goes where the market is */
      i = t - b->base;
    } else {
      return ovf_set(b, si, price, qty);
    }
  }

  bk_slot *sl = &s->slot[i];
  b->seq++;
  if (qty) {
    if (!sl->qty) {
      bit_set(s, i);
      s->n_win++;
      if (si == 0 ? i > s->best : (s->best < 0 || i < s->best)) s->best = i;
    }
    sl->qty = qty;
    sl->seq = b->seq;
    return BK_OK;
  }
  if (!sl->qty) return BK_OK;
  sl->qty = 0;
  bit_clear(s, i);
  s->n_win--;
  if (i == s->best) {
    s->best = si == 0 ? find_prev(s, i) : (i + 1 < BK_BOOK_WINDOW ? find_next(s, i + 1) : -1);
    if (s->best < 0 && s->n_ovf) maybe_recentre(b);
  }
  return BK_OK;
}

int bk_book_best(const bk_book *b, int side, bk_level *lvl) {
  if (side != BK_BID && side != BK_ASK) return 0;
  bk_level tmp;
  if (!best_of(b, side_ix(side), &tmp)) return 0;
  if (lvl) *lvl = tmp;
  return 1;
}

size_t bk_book_count(const bk_book *b, int side) {
  if (side != BK_BID && side != BK_ASK) return 0;
  const bk_side *s = &b->s[side_ix(side)];
  return s->n_win + s->n_ovf;
}

int64_t bk_book_tick(const bk_book *b) { return b->tick; }

uint64_t bk_book_seq(const bk_book *b) { return b->seq; }

/* ---- best-first iteration ---------------------------------------------------------- */

typedef struct bk_iter {
  const bk_book *b;
  const bk_side *s;
  int si;
  int phase;   /* 0: overflow beyond the window on the best side, 1: window, 2: overflow
                  on the far side, 3: done */
  size_t k;    /* overflow levels below the window */
  size_t oi;   /* next overflow index (bids: one past it) */
  int64_t wi;  /* next window index to scan from; -1 = window done */
} bk_iter;

static void iter_init(bk_iter *it, const bk_book *b, int si) {
  it->b = b;
  it->s = &b->s[si];
  it->si = si;
  it->phase = 0;
  it->k = b->tick ? ovf_lower(it->s, b->lo_px) : 0;
  it->oi = si == 0 ? it->s->n_ovf : 0;
  it->wi = it->s->best;
}

/* Next level, best first: 1 and *out, or 0 at the end. */
static int iter_next(bk_iter *it, bk_level *out) {
  const bk_side *s = it->s;
  for (;;) {
    switch (it->phase) {
    case 0:
      if (it->si == 0 ? it->oi > it->k : it->oi < it->k) {
        *out = it->si == 0 ? s->ovf[--it->oi] : s->ovf[it->oi++];
        return 1;
      }
      it->phase = 1;
      break;
    case 1:
      if (it->wi >= 0) {
        int64_t i = it->wi;
        out->price = (it->b->base + i) * it->b->tick;
        out->qty = s->slot[i].qty;
        out->seq = s->slot[i].seq;
        if (it->si == 0) it->wi = i > 0 ? find_prev(s, i - 1) : -1;
        else it->wi = i + 1 < BK_BOOK_WINDOW ? find_next(s, i + 1) : -1;
        return 1;
      }
      it->phase = 2;
      it->oi = it->k;
      break;
    case 2:
      if (it->si == 0 ? it->oi > 0 : it->oi < s->n_ovf) {
        *out = it->si == 0 ? s->ovf[--it->oi] : s->ovf[it->oi++];
        return 1;
      }
      it->phase = 3;
      break;
    default:
      return 0;
    }
  }
}

/* 1 when p is beyond limit for side index si (bids below it, asks above it). */
static inline int beyond(int si, int64_t p, int64_t limit) {
  return limit && (si == 0 ? p < limit : p > limit);
}

size_t bk_book_levels(const bk_book *b, int side, int64_t limit, bk_level *out, size_t max) {
  if (side != BK_BID && side != BK_ASK) return 0;
  int si = side_ix(side);
  bk_iter it;
  iter_init(&it, b, si);
  size_t n = 0;
  bk_level l;
  while (n < max && iter_next(&it, &l)) {
    if (beyond(si, l.price, limit)) break;
    out[n++] = l;
  }
  return n;
}

size_t bk_book_levels_ticks(const bk_book *b, int side, int64_t n_ticks, bk_level *out,
                            size_t max) {
  bk_level best;
  if (n_ticks < 0 || !bk_book_best(b, side, &best)) return 0;
  bk_i128 d = (bk_i128)n_ticks * b->tick, lim;
  if (side == BK_BID) {
    lim = best.price - d;
    if (lim < 1) lim = 1;
  } else {
    lim = best.price + d;
    if (lim > INT64_MAX) lim = INT64_MAX;
  }
  return bk_book_levels(b, side, (int64_t)lim, out, max);
}

size_t bk_book_levels_pct(const bk_book *b, int side, int64_t pct, bk_level *out, size_t max) {
  bk_level bid, ask;
  if (pct < 0 || !bk_book_best(b, BK_BID, &bid) || !bk_book_best(b, BK_ASK, &ask)) return 0;
  bk_i128 sum = (bk_i128)bid.price + ask.price; /* 2 × mid */
  bk_i128 den = (bk_i128)2 * BK_FX_SCALE;
  bk_i128 lim;
  if (side == BK_BID) { /* price >= mid × (1 − pct): the smallest such integer */
    bk_i128 num = sum * ((bk_i128)BK_FX_SCALE - pct);
    if (num <= 0) lim = 1;
    else lim = (num + den - 1) / den;
    if (lim < 1) lim = 1;
  } else { /* price <= mid × (1 + pct): the largest such integer */
    bk_i128 num = sum * ((bk_i128)BK_FX_SCALE + pct);
    lim = num / den;
    if (lim > INT64_MAX) lim = INT64_MAX;
  }
  return bk_book_levels(b, side, (int64_t)lim, out, max);
}

size_t bk_book_walk(const bk_book *b, const bk_walk *w, bk_fill *fills, size_t max_fills,
                    int64_t *filled) {
  int64_t got = 0;
  size_t n = 0;
  if ((w->side == BK_BID || w->side == BK_ASK) && w->qty > 0 && w->participation > 0) {
    int si = side_ix(w->side);
    int64_t part = w->participation > BK_FX_SCALE ? BK_FX_SCALE : w->participation;
    bk_iter it;
    iter_init(&it, b, si);
    bk_level l;
    while (n < max_fills && got < w->qty && iter_next(&it, &l)) {
      if (beyond(si, l.price, w->limit)) break;
      int64_t avail = w->avail ? w->avail(w->avail_ctx, w->side, &l) : l.qty;
      if (avail > l.qty) avail = l.qty;
      if (avail <= 0) continue;
      int64_t take = (int64_t)((bk_i128)avail * part / BK_FX_SCALE); /* rounded down */
      if (take > w->qty - got) take = w->qty - got;
      if (take <= 0) continue;
      fills[n].price = l.price;
      fills[n].qty = take;
      n++;
      got += take;
    }
  }
  if (filled) *filled = got;
  return n;
}
