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
 * 1,000 with the mid near 28,000) live in an overflow per side that holds levels both
 * below and above the window: a balanced search tree (an AA tree: Andersson's simplified
 * red-black tree) whose nodes live in one array addressed by index, so a snapshot of a
 * million far levels costs O(log n) per level in any arrival order. (A sorted array was
 * quadratic when a snapshot sent its bids best-first below the window: every level went
 * to the front.) The lowest and highest overflow levels are cached: the top-of-book read
 * after every message looks at them and nothing else.
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
#include "engine/vec.h"

#define BK_BOOK_WINDOW (1 << 16)          /* ticks in the window, a multiple of 4096 */
#define BK_BOOK_L1 (BK_BOOK_WINDOW / 64)  /* occupancy words */
#define BK_BOOK_L2 (BK_BOOK_L1 / 64)      /* summary words */

typedef struct bk_slot {
  int64_t qty;  /* fixed point; 0 = no level */
  uint64_t seq; /* book seq when the level last changed; meaningless when qty == 0 */
} bk_slot;

/* One overflow level: a node of the AA tree. Index 0 is the nil sentinel (level 0). */
typedef struct bk_onode {
  bk_level l;
  uint32_t left, right; /* child indices, 0 = none */
  uint32_t level;       /* AA level: 1 at the leaves, 0 only for the sentinel */
} bk_onode;

typedef struct bk_side {
  bk_slot *slot;          /* BK_BOOK_WINDOW slots, then l1; NULL until the side's first
                             level (a market with 50,000 instruments that only trade
                             holds no windows) */
  uint64_t *l1;           /* BK_BOOK_L1 words after the slots: bit i%64 of word i/64:
                             slot i occupied */
  uint64_t l2[BK_BOOK_L2]; /* bit w%64 of word w/64: l1[w] != 0 */
  int64_t best;           /* window index of the side's best window level; -1 = none */
  size_t n_win;           /* levels in the window */
  bk_onode *node;         /* overflow tree nodes; [0] is the sentinel; NULL until used */
  uint32_t cap_node;      /* nodes allocated, sentinel included */
  uint32_t used;          /* nodes ever handed out since the last reset, sentinel included */
  uint32_t free_head;     /* freed nodes, linked through .left; 0 = none */
  uint32_t root;          /* 0 = empty overflow */
  uint32_t lo, hi;        /* nodes of the lowest and highest overflow prices; 0 = empty */
  size_t n_ovf;           /* levels in the overflow, < 2^32 − 1 */
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

/* ---- the overflow tree --------------------------------------------------------------- */

/* Makes room for n overflow levels in all (live ones included), so that the inserts that
 * follow cannot fail. Returns -1 (nothing changed) when memory runs out or n does not fit
 * the 32-bit node indices. */
static int ovf_reserve(bk_side *s, size_t n) {
  if (n >= UINT32_MAX - 1) return -1;
  size_t need = n + 1; /* the sentinel */
  if (need <= s->cap_node) return 0;
  size_t cap = s->cap_node ? s->cap_node : 64;
  while (cap < need) cap = cap > UINT32_MAX / 2 ? UINT32_MAX : cap * 2;
  bk_onode *v = realloc(s->node, cap * sizeof *v);
  if (!v) return -1;
  if (!s->node) {
    memset(&v[0], 0, sizeof v[0]);
    s->used = 1;
  }
  s->node = v;
  s->cap_node = (uint32_t)cap;
  return 0;
}

/* Forgets every overflow level (the node array is kept for reuse). */
static void ovf_reset(bk_side *s) {
  s->root = s->lo = s->hi = 0;
  s->free_head = 0;
  s->used = s->node ? 1 : 0;
  s->n_ovf = 0;
}

static uint32_t ovf_alloc(bk_side *s) {
  uint32_t h = s->free_head;
  if (h) s->free_head = s->node[h].left;
  else h = s->used++;
  return h;
}

static uint32_t ovf_skew(bk_onode *N, uint32_t t) {
  uint32_t l = N[t].left;
  if (t && N[l].level == N[t].level) {
    N[t].left = N[l].right;
    N[l].right = t;
    return l;
  }
  return t;
}

static uint32_t ovf_split(bk_onode *N, uint32_t t) {
  uint32_t r = N[t].right;
  if (t && r && N[N[r].right].level == N[t].level) {
    N[t].right = N[r].left;
    N[r].left = t;
    N[r].level++;
    return r;
  }
  return t;
}

/* Inserts node h (its price not in the tree) under t; returns the new subtree root. */
static uint32_t ovf_insert(bk_onode *N, uint32_t t, uint32_t h) {
  if (!t) return h;
  if (N[h].l.price < N[t].l.price) N[t].left = ovf_insert(N, N[t].left, h);
  else N[t].right = ovf_insert(N, N[t].right, h);
  return ovf_split(N, ovf_skew(N, t));
}

/* Removes the level at price (present under t) from t; the freed node goes to the free
 * list. Returns the new subtree root. */
static uint32_t ovf_delete(bk_side *s, uint32_t t, int64_t price) {
  bk_onode *N = s->node;
  if (!t) return 0;
  if (price > N[t].l.price) {
    N[t].right = ovf_delete(s, N[t].right, price);
  } else if (price < N[t].l.price) {
    N[t].left = ovf_delete(s, N[t].left, price);
  } else if (!N[t].left && !N[t].right) {
    N[t].left = s->free_head;
    s->free_head = t;
    return 0;
  } else if (!N[t].left) { /* take the successor's level into this node */
    uint32_t m = N[t].right;
    while (N[m].left) m = N[m].left;
    N[t].l = N[m].l;
    N[t].right = ovf_delete(s, N[t].right, N[m].l.price);
  } else { /* take the predecessor's */
    uint32_t m = N[t].left;
    while (N[m].right) m = N[m].right;
    N[t].l = N[m].l;
    N[t].left = ovf_delete(s, N[t].left, N[m].l.price);
  }
  /* rebalance: lower the level if a child is too low, then skew and split the right spine */
  uint32_t want = (N[N[t].left].level < N[N[t].right].level ? N[N[t].left].level
                                                            : N[N[t].right].level) + 1;
  if (want < N[t].level) {
    N[t].level = want;
    if (want < N[N[t].right].level) N[N[t].right].level = want;
  }
  t = ovf_skew(N, t);
  N[t].right = ovf_skew(N, N[t].right);
  if (N[t].right) N[N[t].right].right = ovf_skew(N, N[N[t].right].right);
  t = ovf_split(N, t);
  N[t].right = ovf_split(N, N[t].right);
  return t;
}

/* Node of the lowest overflow price >= p, or 0. */
static uint32_t ovf_ge(const bk_side *s, int64_t p) {
  uint32_t t = s->root, r = 0;
  while (t) {
    if (s->node[t].l.price >= p) r = t, t = s->node[t].left;
    else t = s->node[t].right;
  }
  return r;
}

/* Node of the highest overflow price < p, or 0. */
static uint32_t ovf_lt(const bk_side *s, int64_t p) {
  uint32_t t = s->root, r = 0;
  while (t) {
    if (s->node[t].l.price < p) r = t, t = s->node[t].right;
    else t = s->node[t].left;
  }
  return r;
}

/* Refreshes the cached lowest and highest overflow levels. */
static void ovf_ends(bk_side *s) {
  uint32_t t = s->root;
  s->lo = s->hi = t;
  if (!t) return;
  while (s->node[s->lo].left) s->lo = s->node[s->lo].left;
  while (s->node[s->hi].right) s->hi = s->node[s->hi].right;
}

/* Appends the overflow levels of subtree t in ascending price to v; returns the count. */
static size_t ovf_collect(const bk_side *s, uint32_t t, bk_level *v) {
  size_t n = 0;
  while (t) { /* recursion on the left, a loop on the right */
    n += ovf_collect(s, s->node[t].left, v + n);
    v[n++] = s->node[t].l;
    t = s->node[t].right;
  }
  return n;
}

/* Adds a level whose price is not in the overflow; room must have been reserved. */
static void ovf_add(bk_side *s, const bk_level *l) {
  uint32_t h = ovf_alloc(s);
  s->node[h].l = *l;
  s->node[h].left = s->node[h].right = 0;
  s->node[h].level = 1;
  s->root = ovf_insert(s->node, s->root, h);
  s->n_ovf++;
}

/* Best level of side index si, and where it is: 0 none, 1 window, 2 overflow. */
static int best_of(const bk_book *b, int si, bk_level *out) {
  const bk_side *s = &b->s[si];
  if (si == 0) { /* bids: overflow above the window, else window, else overflow below */
    if (s->n_ovf && (s->best < 0 || s->node[s->hi].l.price >= b->hi_px)) {
      if (out) *out = s->node[s->hi].l;
      return 2;
    }
  } else {
    if (s->n_ovf && (s->best < 0 || s->node[s->lo].l.price < b->lo_px)) {
      if (out) *out = s->node[s->lo].l;
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

/* Gives side s its window storage (slots and occupancy words, zeroed; calloc leaves the
 * untouched pages unmapped). Returns -1 when memory runs out (nothing changed). */
static int win_reserve(bk_side *s) {
  if (s->slot) return 0;
  bk_slot *v = calloc(1, BK_BOOK_WINDOW * sizeof(bk_slot) + BK_BOOK_L1 * sizeof(uint64_t));
  if (!v) return -1;
  s->slot = v;
  s->l1 = (uint64_t *)(v + BK_BOOK_WINDOW);
  return 0;
}

/* ---- layout ----------------------------------------------------------------------- */

/* Empties side s's window (bitmaps and quantities), visiting only the levels set; when
 * out is not NULL, writes them there in ascending price. Returns the levels emptied. */
static size_t win_drain(const bk_book *b, bk_side *s, bk_level *out) {
  size_t n = 0;
  for (size_t w2 = 0; w2 < BK_BOOK_L2; w2++) {
    uint64_t m2 = s->l2[w2];
    while (m2) {
      size_t wi = w2 * 64 + (size_t)ctz64(m2);
      m2 &= m2 - 1;
      uint64_t m = s->l1[wi];
      while (m) {
        size_t i = wi * 64 + (size_t)ctz64(m);
        m &= m - 1;
        if (out) out[n] = (bk_level){(b->base + (int64_t)i) * b->tick, s->slot[i].qty,
                                     s->slot[i].seq};
        s->slot[i].qty = 0;
        n++;
      }
      s->l1[wi] = 0;
    }
    s->l2[w2] = 0;
  }
  return n;
}

/* Lays every level out again with tick `tick` and window base `base`. tick must divide
 * every level's price. Returns -1 (book unchanged) when memory runs out. */
static int relayout(bk_book *b, int64_t tick, int64_t base) {
  size_t need = 0;
  for (int si = 0; si < 2; si++) {
    size_t n = b->s[si].n_win + b->s[si].n_ovf;
    if (n > need) need = n;
  }
  bk_level *scratch =
      bk_vec_grow_from(b->scratch, &b->cap_scratch, need, sizeof *scratch, 256);
  if (!scratch) return -1;
  b->scratch = scratch;
  for (int si = 0; si < 2; si++) {
    size_t n = b->s[si].n_win + b->s[si].n_ovf;
    if (ovf_reserve(&b->s[si], n) || (n && win_reserve(&b->s[si]))) return -1;
  }

  /* Nothing can fail from here on. */
  for (int si = 0; si < 2; si++) {
    bk_side *s = &b->s[si];
    bk_level *v = b->scratch;
    /* the overflow below the window, the window, the overflow above it: ascending */
    size_t n_ovf = ovf_collect(s, s->root, v);
    size_t k = n_ovf;
    if (b->tick) {
      k = 0;
      while (k < n_ovf && v[k].price < b->lo_px) k++;
    }
    if (n_ovf > k) memmove(v + k + s->n_win, v + k, (n_ovf - k) * sizeof *v);
    size_t n = k + win_drain(b, s, v + k);
    n += n_ovf - k;

    ovf_reset(s);
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
        ovf_add(s, &v[j]);
      }
    }
    ovf_ends(s);
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
  return b;
}

void bk_book_free(bk_book *b) {
  if (!b) return;
  for (int si = 0; si < 2; si++) {
    free(b->s[si].slot);
    free(b->s[si].node);
  }
  free(b->scratch);
  free(b);
}

void bk_book_clear(bk_book *b) {
  for (int si = 0; si < 2; si++) {
    bk_side *s = &b->s[si];
    win_drain(b, s, NULL);
    s->best = -1;
    s->n_win = 0;
    ovf_reset(s);
  }
  b->seq++;
}

/* Sets a level outside the window (insert, replace or delete in the overflow tree). */
static bk_rc ovf_set(bk_book *b, int si, int64_t price, int64_t qty) {
  bk_side *s = &b->s[si];
  uint32_t k = ovf_ge(s, price);
  int found = k && s->node[k].l.price == price;
  if (qty == 0) {
    b->seq++;
    if (!found) return BK_OK;
    s->root = ovf_delete(s, s->root, price);
    s->n_ovf--;
    ovf_ends(s);
    if (best_of(b, si, NULL) == 2) maybe_recentre(b);
    return BK_OK;
  }
  if (found) {
    b->seq++;
    s->node[k].l.qty = qty;
    s->node[k].l.seq = b->seq;
    return BK_OK;
  }
  if (ovf_reserve(s, s->n_ovf + 1)) return BK_ENOMEM;
  b->seq++;
  bk_level l = {price, qty, b->seq};
  ovf_add(s, &l);
  ovf_ends(s);
  /* A new level out here that became the side's best means the market moved. */
  if (best_of(b, si, NULL) == 2) maybe_recentre(b);
  return BK_OK;
}

bk_rc bk_book_set(bk_book *b, int side, int64_t price, int64_t qty) {
  if (price <= 0 || qty < 0 || (side != BK_BID && side != BK_ASK)) return BK_EDATA;
  int si = side_ix(side);
  bk_side *s = &b->s[si];
  if (qty && win_reserve(s)) return BK_ENOMEM; /* the side's first level */
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

  if (!s->slot) { /* a delete on a side that never held a level */
    b->seq++;
    return BK_OK;
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
  uint32_t on; /* next overflow node; 0 = none left in this phase */
  int64_t wi;  /* next window index to scan from; -1 = window done */
} bk_iter;

/* Overflow levels priced at or above lo_px lie above the window (none lie inside it):
 * for bids that is the best side, for asks the far side. */
static void iter_init(bk_iter *it, const bk_book *b, int si) {
  it->b = b;
  it->s = &b->s[si];
  it->si = si;
  it->phase = 0;
  it->on = si == 0 ? it->s->hi : it->s->lo;
  it->wi = it->s->best;
}

/* 1 when overflow node h belongs to phase 0 (beyond the window on the best side). */
static inline int iter_near(const bk_iter *it, uint32_t h) {
  int64_t p = it->s->node[h].l.price;
  return !it->b->tick || (it->si == 0 ? p >= it->b->lo_px : p < it->b->lo_px);
}

/* The overflow node after h in best-first order, or 0. */
static inline uint32_t iter_step(const bk_iter *it, uint32_t h) {
  int64_t p = it->s->node[h].l.price;
  if (it->si == 0) return ovf_lt(it->s, p);
  return p == INT64_MAX ? 0 : ovf_ge(it->s, p + 1);
}

/* Next level, best first: 1 and *out, or 0 at the end. */
static int iter_next(bk_iter *it, bk_level *out) {
  const bk_side *s = it->s;
  for (;;) {
    switch (it->phase) {
    case 0:
      if (it->on && iter_near(it, it->on)) {
        *out = s->node[it->on].l;
        it->on = iter_step(it, it->on);
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
      break;
    case 2:
      if (it->on) {
        *out = s->node[it->on].l;
        it->on = iter_step(it, it->on);
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
