/*
 * The order book: scripted cases with numbers worked by hand, a slow obvious reference
 * book (one sorted array per side) compared with the ladder after every one of hundreds
 * of thousands of seeded random updates, and an apply-rate figure (printed, not asserted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/book.h"
#include "engine/event.h"
#include "engine/fixed.h"
#include "tests/testutil.h"

/* ---- the reference book ------------------------------------------------------------ */

typedef struct ref_book {
  bk_level *v[2]; /* ascending price; [0] bids, [1] asks */
  size_t n[2], cap[2];
  uint64_t seq;
  int64_t tick; /* gcd of the given tick and every price set with qty > 0 */
} ref_book;

static int64_t ref_gcd(int64_t a, int64_t b) {
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

static void ref_set(ref_book *r, int side, int64_t price, int64_t qty) {
  int si = side == BK_ASK;
  size_t i = 0;
  while (i < r->n[si] && r->v[si][i].price < price) i++;
  int found = i < r->n[si] && r->v[si][i].price == price;
  r->seq++;
  if (qty == 0) {
    if (found) {
      memmove(&r->v[si][i], &r->v[si][i + 1], (r->n[si] - i - 1) * sizeof(bk_level));
      r->n[si]--;
    }
    return;
  }
  r->tick = ref_gcd(r->tick, price);
  if (!found) {
    if (r->n[si] == r->cap[si]) {
      r->cap[si] = r->cap[si] ? 2 * r->cap[si] : 64;
      r->v[si] = realloc(r->v[si], r->cap[si] * sizeof(bk_level));
      assert_non_null(r->v[si]);
    }
    memmove(&r->v[si][i + 1], &r->v[si][i], (r->n[si] - i) * sizeof(bk_level));
    r->n[si]++;
    r->v[si][i].price = price;
  }
  r->v[si][i].qty = qty;
  r->v[si][i].seq = r->seq;
}

static void ref_clear(ref_book *r) {
  r->n[0] = r->n[1] = 0;
  r->seq++;
}

/* The k-th best level of a side, or NULL. */
static const bk_level *ref_at(const ref_book *r, int side, size_t k) {
  int si = side == BK_ASK;
  if (k >= r->n[si]) return NULL;
  return side == BK_BID ? &r->v[si][r->n[si] - 1 - k] : &r->v[si][k];
}

static int ref_worse(int side, int64_t p, int64_t limit) {
  if (!limit) return 0;
  return side == BK_BID ? p < limit : p > limit;
}

static size_t ref_levels(const ref_book *r, int side, int64_t limit, bk_level *out,
                         size_t max) {
  size_t n = 0;
  const bk_level *l;
  for (size_t k = 0; n < max && (l = ref_at(r, side, k)); k++) {
    if (ref_worse(side, l->price, limit)) break;
    out[n++] = *l;
  }
  return n;
}

typedef struct avail_ctx {
  uint64_t salt;
} avail_ctx;

/* A deterministic "already consumed" overlay: takes away a price-dependent share. */
static int64_t test_avail(void *ctx, int side, const bk_level *lvl) {
  const avail_ctx *a = ctx;
  uint64_t h = (uint64_t)lvl->price * UINT64_C(0x9E3779B97F4A7C15) ^ a->salt ^ (uint64_t)side;
  switch (h >> 62) {
  case 0: return 0;
  case 1: return lvl->qty / 2;
  case 2: return lvl->qty + 5; /* more than the level: the walker must cap it */
  default: return lvl->qty;
  }
}

static size_t ref_walk(const ref_book *r, const bk_walk *w, bk_fill *fills, size_t max,
                       int64_t *filled) {
  int64_t left = w->qty;
  size_t n = 0;
  const bk_level *l;
  for (size_t k = 0; n < max && left > 0 && (l = ref_at(r, w->side, k)); k++) {
    if (ref_worse(w->side, l->price, w->limit)) break;
    int64_t avail = w->avail ? w->avail(w->avail_ctx, w->side, l) : l->qty;
    if (avail > l->qty) avail = l->qty;
    if (avail < 0) avail = 0;
    int64_t share;
    assert_int_equal(bk_fx_mul(avail, w->participation, BK_FLOOR, &share), BK_OK);
    if (share > left) share = left;
    if (share == 0) continue;
    fills[n].price = l->price;
    fills[n].qty = share;
    n++;
    left -= share;
  }
  *filled = w->qty - left;
  return n;
}

static void ref_free(ref_book *r) {
  free(r->v[0]);
  free(r->v[1]);
}

/* ---- comparison --------------------------------------------------------------------- */

#define MAXLV 8192

typedef struct cmp_buf {
  bk_level a[MAXLV], b[MAXLV];
  bk_fill fa[256], fb[256];
} cmp_buf;

static void same_levels(const bk_level *a, size_t na, const bk_level *b, size_t nb,
                        const char *what, long step) {
  if (na != nb) fail_msg("step %ld %s: %zu levels, reference %zu", step, what, na, nb);
  for (size_t i = 0; i < na; i++)
    if (a[i].price != b[i].price || a[i].qty != b[i].qty || a[i].seq != b[i].seq)
      fail_msg("step %ld %s level %zu: %lld x %lld seq %llu, reference %lld x %lld seq %llu",
               step, what, i, (long long)a[i].price, (long long)a[i].qty,
               (unsigned long long)a[i].seq, (long long)b[i].price, (long long)b[i].qty,
               (unsigned long long)b[i].seq);
}

static void compare(const bk_book *bk, const ref_book *r, cmp_buf *c, uint64_t *rs,
                    long step) {
  if (bk_book_seq(bk) != r->seq) fail_msg("step %ld: seq %llu, reference %llu", step,
                                         (unsigned long long)bk_book_seq(bk),
                                         (unsigned long long)r->seq);
  if (r->tick && bk_book_tick(bk) != r->tick)
    fail_msg("step %ld: tick %lld, reference %lld", step, (long long)bk_book_tick(bk),
             (long long)r->tick);
  for (int side = BK_BID; side <= BK_ASK; side++) {
    const char *sn = side == BK_BID ? "bids" : "asks";
    bk_level best;
    const bk_level *rb = ref_at(r, side, 0);
    int has = bk_book_best(bk, side, &best);
    if (has != (rb != NULL)) fail_msg("step %ld %s: best present %d, reference %d", step, sn,
                                      has, rb != NULL);
    if (rb) same_levels(&best, 1, rb, 1, "best", step);
    if (bk_book_count(bk, side) != r->n[side == BK_ASK])
      fail_msg("step %ld %s: count %zu, reference %zu", step, sn, bk_book_count(bk, side),
               r->n[side == BK_ASK]);

    /* every level, then up to a random limit */
    size_t na = bk_book_levels(bk, side, 0, c->a, MAXLV);
    size_t nb = ref_levels(r, side, 0, c->b, MAXLV);
    same_levels(c->a, na, c->b, nb, sn, step);
    if (nb) {
      int64_t lim = c->b[bk_t_rand(rs) % nb].price + (int64_t)(bk_t_rand(rs) % 3) - 1;
      if (lim <= 0) lim = 1;
      size_t cap = (size_t)(bk_t_rand(rs) % 64);
      na = bk_book_levels(bk, side, lim, c->a, cap);
      nb = ref_levels(r, side, lim, c->b, cap);
      same_levels(c->a, na, c->b, nb, "levels to a limit", step);
    }

    /* a walk with random size, limit, participation and overlay */
    bk_walk w = {0};
    w.side = side;
    w.qty = (int64_t)(bk_t_rand(rs) % (uint64_t)P("300")) + 1;
    w.participation = (int64_t)(bk_t_rand(rs) % (uint64_t)BK_FX_SCALE) + 1;
    if (bk_t_rand(rs) & 1) w.participation = BK_FX_SCALE;
    if (nb && (bk_t_rand(rs) & 1)) w.limit = c->b[bk_t_rand(rs) % nb].price;
    avail_ctx ac = {bk_t_rand(rs)};
    if (bk_t_rand(rs) & 1) {
      w.avail = test_avail;
      w.avail_ctx = &ac;
    }
    size_t maxf = (size_t)(bk_t_rand(rs) % 256);
    int64_t fa = -1, fb = -1;
    size_t nfa = bk_book_walk(bk, &w, c->fa, maxf, &fa);
    size_t nfb = ref_walk(r, &w, c->fb, maxf, &fb);
    if (nfa != nfb || fa != fb)
      fail_msg("step %ld %s walk: %zu fills for %lld, reference %zu for %lld", step, sn, nfa,
               (long long)fa, nfb, (long long)fb);
    for (size_t i = 0; i < nfa; i++)
      if (c->fa[i].price != c->fb[i].price || c->fa[i].qty != c->fb[i].qty)
        fail_msg("step %ld %s walk fill %zu differs", step, sn, i);

  }
}

/* Drives both books with the same random stream: a random-walk mid with most updates
 * within 40 ticks of it, deletes of existing levels (often the best), far levels, rare
 * clears, jumps of more than half a window (re-centring), and a price grid that gets
 * finer over time (tick refinement). */
static void random_run(int64_t given_tick, long steps) {
  uint64_t seed = bk_t_seed() ^ (uint64_t)given_tick;
  uint64_t rs = seed;
  bk_book *bk = bk_book_new(given_tick);
  assert_non_null(bk);
  ref_book r = {0};
  r.tick = given_tick;
  cmp_buf *c = malloc(sizeof *c);
  assert_non_null(c);
  const int64_t units[] = {BK_FX(5), BK_FX(1), BK_FX(1) / 2, BK_FX(1) / 10, BK_FX(1) / 100};
  int64_t unit = units[0];
  int64_t mid = P("28157"); /* a multiple of every unit above */
  long recentre_jumps = 0;
  for (long step = 0; step < steps; step++) {
    if (given_tick == 0 || step > 0) {
      size_t ui = (size_t)(step * 5 / steps);
      if (given_tick && units[ui] % given_tick) ui = 0;
      unit = units[ui];
    }
    uint64_t x = bk_t_rand(&rs);
    /* the mid: a random walk on the grid, sometimes a jump far beyond the window */
    if (x % 4000 == 0) {
      int64_t jump = (int64_t)(70000 + bk_t_rand(&rs) % 200000) * unit;
      if (bk_t_rand(&rs) & 1) jump = -jump;
      if (mid + jump > BK_FX(100)) mid += jump;
      recentre_jumps++;
    } else {
      int64_t d = (int64_t)(x % 3) - 1;
      if (mid + d * unit > BK_FX(100)) mid += d * unit;
    }
    mid -= mid % unit;
    int side = (x >> 8) & 1 ? BK_BID : BK_ASK;
    int64_t qty = (int64_t)(bk_t_rand(&rs) % (uint64_t)P("500")) + 1;
    uint64_t op = (x >> 16) % 1000;
    if (op < 3 && (x >> 48) % 8 == 0) {
      bk_book_clear(bk);
      ref_clear(&r);
    } else {
      int64_t price;
      if (op < 700) { /* near the top */
        int64_t off = (int64_t)((x >> 32) % 40) * unit;
        price = side == BK_BID ? mid - unit - off : mid + unit + off;
        if ((x >> 40) % 4 == 0) qty = 0;
      } else if (op < 900) { /* delete an existing level, often the best */
        const bk_level *l = ref_at(&r, side, (x >> 32) % 4 == 0 ? (x >> 40) % 50 : 0);
        if (!l) l = ref_at(&r, side, 0);
        price = l ? l->price : mid;
        qty = 0;
      } else if (op < 990) { /* far away: the whole price range */
        price = (int64_t)(1 + (x >> 32) % (uint64_t)(3 * (mid / unit))) * unit;
        if ((x >> 20) % 3 == 0) qty = 0;
      } else { /* a price on a finer grid than the current unit, if any */
        int64_t fine = unit / 10 ? unit / 10 : unit;
        price = mid + (int64_t)((x >> 32) % 1000) * fine - 500 * fine;
        if (price <= 0) price = fine;
      }
      if (price <= 0) price = unit;
      assert_int_equal(bk_book_set(bk, side, price, qty), BK_OK);
      ref_set(&r, side, price, qty);
    }
    compare(bk, &r, c, &rs, step);
  }
  printf("%ld steps, %ld far jumps, %zu bids and %zu asks at the end, tick %lld\n", steps,
         recentre_jumps, bk_book_count(bk, BK_BID), bk_book_count(bk, BK_ASK),
         (long long)bk_book_tick(bk));
  free(c);
  ref_free(&r);
  bk_book_free(bk);
}

static long steps_from_env(long dflt) {
  const char *s = getenv("BK_BOOK_STEPS");
  return s ? strtol(s, NULL, 10) : dflt;
}

static void ladder_matches_reference_on_random_updates_inferred_tick(void **state) {
  (void)state;
  random_run(0, steps_from_env(200000));
}

static void ladder_matches_reference_on_random_updates_given_tick(void **state) {
  (void)state;
  random_run(BK_FX(1) / 100, steps_from_env(150000));
}

/* The overflow on its own: a near bid and ask pin the window at 100,000 (tick 1, so the
 * window spans about 67,232 to 132,767), then far levels on both sides arrive best-first,
 * worst-first, in random order, or alternating ends, with replaces, deletes of far levels
 * and of the near ones (the window then follows the overflow), compared with the reference
 * after every update. */
static void overflow_matches_reference_in_any_arrival_order(void **state) {
  (void)state;
  uint64_t rs = bk_t_seed() ^ UINT64_C(0x0F10);
  cmp_buf *c = malloc(sizeof *c);
  assert_non_null(c);
  enum { N = 1500 };
  int64_t *px = malloc(2 * N * sizeof *px);
  assert_non_null(px);
  const char *orders[] = {"best-first", "worst-first", "random", "alternating ends"};
  long step = 0;
  for (int order = 0; order < 4; order++) {
    bk_book *bk = bk_book_new(BK_FX(1));
    assert_non_null(bk);
    ref_book r = {0};
    r.tick = BK_FX(1);
    int64_t mid = BK_FX(100000);
    assert_int_equal(bk_book_set(bk, BK_BID, mid - BK_FX(1), P("1")), BK_OK);
    ref_set(&r, BK_BID, mid - BK_FX(1), P("1"));
    assert_int_equal(bk_book_set(bk, BK_ASK, mid + BK_FX(1), P("1")), BK_OK);
    ref_set(&r, BK_ASK, mid + BK_FX(1), P("1"));
    for (int side = BK_BID; side <= BK_ASK; side++) {
      /* distinct far prices on this side, best first: bids 60,000 down, asks 140,000 up */
      for (int i = 0; i < N; i++)
        px[i] = side == BK_BID ? BK_FX(60000) - (int64_t)i * BK_FX(7)
                               : BK_FX(140000) + (int64_t)i * BK_FX(7);
      if (order == 1)
        for (int i = 0; i < N / 2; i++) {
          int64_t t = px[i];
          px[i] = px[N - 1 - i];
          px[N - 1 - i] = t;
        }
      if (order == 2)
        for (int i = N - 1; i > 0; i--) {
          int j = (int)(bk_t_rand(&rs) % (uint64_t)(i + 1));
          int64_t t = px[i];
          px[i] = px[j];
          px[j] = t;
        }
      if (order == 3) { /* best, worst, second best, second worst, ... */
        for (int i = 0; i < N; i++) px[N + i] = px[i];
        for (int i = 0; i < N; i++) px[i] = i & 1 ? px[N + N - 1 - i / 2] : px[N + i / 2];
      }
      for (int i = 0; i < N; i++) {
        int64_t qty = (int64_t)(bk_t_rand(&rs) % (uint64_t)P("50")) + 1;
        assert_int_equal(bk_book_set(bk, side, px[i], qty), BK_OK);
        ref_set(&r, side, px[i], qty);
        compare(bk, &r, c, &rs, step++);
      }
    }
    /* replaces and deletes at random far prices, present or not */
    for (int i = 0; i < 2 * N; i++) {
      uint64_t x = bk_t_rand(&rs);
      int side = x & 1 ? BK_BID : BK_ASK;
      int64_t k = (int64_t)((x >> 8) % (N + 20));
      int64_t p = side == BK_BID ? BK_FX(60000) - k * BK_FX(7) : BK_FX(140000) + k * BK_FX(7);
      int64_t qty = (x >> 40) % 3 ? 0 : (int64_t)((x >> 20) % (uint64_t)P("50")) + 1;
      assert_int_equal(bk_book_set(bk, side, p, qty), BK_OK);
      ref_set(&r, side, p, qty);
      compare(bk, &r, c, &rs, step++);
    }
    /* the near levels go: the best of each side is now in the overflow */
    assert_int_equal(bk_book_set(bk, BK_BID, mid - BK_FX(1), 0), BK_OK);
    ref_set(&r, BK_BID, mid - BK_FX(1), 0);
    compare(bk, &r, c, &rs, step++);
    assert_int_equal(bk_book_set(bk, BK_ASK, mid + BK_FX(1), 0), BK_OK);
    ref_set(&r, BK_ASK, mid + BK_FX(1), 0);
    compare(bk, &r, c, &rs, step++);
    /* and the book empties from the best of each side */
    for (int i = 0; i < 4 * N; i++) {
      int side = i & 1 ? BK_BID : BK_ASK;
      const bk_level *l = ref_at(&r, side, (bk_t_rand(&rs) % 4) ? 0 : bk_t_rand(&rs) % 30);
      if (!l) l = ref_at(&r, side, 0);
      if (!l) continue;
      int64_t p = l->price;
      assert_int_equal(bk_book_set(bk, side, p, 0), BK_OK);
      ref_set(&r, side, p, 0);
      compare(bk, &r, c, &rs, step++);
    }
    printf("%s: %ld steps so far, %zu bids and %zu asks left\n", orders[order], step,
           bk_book_count(bk, BK_BID), bk_book_count(bk, BK_ASK));
    ref_free(&r);
    bk_book_free(bk);
  }
  free(px);
  free(c);
}

/* ---- scripted cases -------------------------------------------------------------------- */

static void set_replaces_deletes_and_tracks_best(void **state) {
  (void)state;
  bk_book *b = bk_book_new(P("0.1"));
  assert_non_null(b);
  bk_level l;
  assert_int_equal(bk_book_best(b, BK_BID, &l), 0);
  assert_int_equal(bk_book_set(b, BK_BID, P("28157.2"), P("1.5")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_BID, P("28157.0"), P("2")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_ASK, P("28157.3"), P("0.056")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_ASK, P("28157.4"), P("0.024")), BK_OK);
  assert_int_equal(bk_book_best(b, BK_BID, &l), 1);
  assert_true(l.price == P("28157.2") && l.qty == P("1.5") && l.seq == 1);
  assert_int_equal(bk_book_best(b, BK_ASK, &l), 1);
  assert_true(l.price == P("28157.3") && l.qty == P("0.056") && l.seq == 3);
  /* amount is the new total, not a delta */
  assert_int_equal(bk_book_set(b, BK_BID, P("28157.2"), P("0.5")), BK_OK);
  assert_int_equal(bk_book_best(b, BK_BID, &l), 1);
  assert_true(l.qty == P("0.5") && l.seq == 5);
  /* deleting the best falls back to the next level */
  assert_int_equal(bk_book_set(b, BK_BID, P("28157.2"), 0), BK_OK);
  assert_int_equal(bk_book_best(b, BK_BID, &l), 1);
  assert_true(l.price == P("28157") && l.seq == 2);
  /* deleting a level that is not there changes nothing but the counter */
  assert_int_equal(bk_book_set(b, BK_ASK, P("30000"), 0), BK_OK);
  assert_true(bk_book_seq(b) == 7);
  assert_int_equal(bk_book_count(b, BK_BID), 1);
  assert_int_equal(bk_book_count(b, BK_ASK), 2);
  bk_book_clear(b);
  assert_int_equal(bk_book_count(b, BK_ASK), 0);
  assert_int_equal(bk_book_best(b, BK_ASK, &l), 0);
  assert_true(bk_book_seq(b) == 8);
  bk_book_free(b);
  bk_book_free(NULL);
}

static void bad_rows_are_refused_and_leave_the_book_unchanged(void **state) {
  (void)state;
  bk_book *b = bk_book_new(0);
  assert_int_equal(bk_book_set(b, BK_BID, P("100"), P("1")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_BID, 0, P("1")), BK_EDATA);
  assert_int_equal(bk_book_set(b, BK_BID, P("-5"), P("1")), BK_EDATA);
  assert_int_equal(bk_book_set(b, BK_ASK, P("101"), -1), BK_EDATA);
  assert_int_equal(bk_book_set(b, 7, P("101"), P("1")), BK_EDATA);
  assert_true(bk_book_seq(b) == 1);
  assert_int_equal(bk_book_count(b, BK_BID), 1);
  assert_int_equal(bk_book_count(b, BK_ASK), 0);
  bk_book_free(b);
}

static void tick_is_inferred_and_refined_by_finer_prices(void **state) {
  (void)state;
  bk_book *b = bk_book_new(0);
  assert_true(bk_book_tick(b) == 0);
  assert_int_equal(bk_book_set(b, BK_ASK, P("28157.3"), P("1")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_ASK, P("28157.4"), P("2")), BK_OK);
  assert_true(bk_book_tick(b) == P("0.1"));
  assert_int_equal(bk_book_set(b, BK_BID, P("28157"), P("3")), BK_OK);
  assert_true(bk_book_tick(b) == P("0.1"));
  /* 28157.25 is not on the 0.1 grid: gcd(281573, 2815725) in 0.01 units gives 0.05 */
  assert_int_equal(bk_book_set(b, BK_BID, P("28157.25"), P("4")), BK_OK);
  assert_true(bk_book_tick(b) == P("0.05"));
  bk_level lv[4];
  assert_int_equal(bk_book_levels(b, BK_ASK, 0, lv, 4), 2);
  assert_true(lv[0].price == P("28157.3") && lv[0].qty == P("1"));
  assert_true(lv[1].price == P("28157.4") && lv[1].qty == P("2"));
  assert_int_equal(bk_book_levels(b, BK_BID, 0, lv, 4), 2);
  assert_true(lv[0].price == P("28157.25") && lv[1].price == P("28157"));
  /* a given tick is refined the same way rather than refusing the row */
  bk_book *g = bk_book_new(P("0.5"));
  assert_true(bk_book_tick(g) == P("0.5"));
  assert_int_equal(bk_book_set(g, BK_BID, P("5739.5"), P("1")), BK_OK);
  assert_int_equal(bk_book_set(g, BK_BID, P("5739.1"), P("1")), BK_OK);
  assert_true(bk_book_tick(g) == P("0.1"));
  /* a delete at an off-grid price cannot hit a level and does not refine */
  assert_int_equal(bk_book_set(g, BK_BID, P("5739.05"), 0), BK_OK);
  assert_true(bk_book_tick(g) == P("0.1"));
  bk_book_free(g);
  bk_book_free(b);
}

static void far_levels_live_outside_the_window_and_stay_ordered(void **state) {
  (void)state;
  /* As in the real Binance snapshot of 2023-04-05: bids down to 1,113.6 with the mid
   * near 28,157 (over 270,000 ticks of 0.1 away). */
  bk_book *b = bk_book_new(P("0.1"));
  assert_int_equal(bk_book_set(b, BK_BID, P("28157.2"), P("1")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_ASK, P("28157.3"), P("1")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_BID, P("1113.6"), P("7")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_BID, P("5000"), P("6")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_ASK, P("33783.5"), P("5")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_ASK, P("99999.9"), P("4")), BK_OK);
  bk_level lv[8], l;
  assert_int_equal(bk_book_levels(b, BK_BID, 0, lv, 8), 3);
  assert_true(lv[0].price == P("28157.2") && lv[1].price == P("5000") &&
              lv[2].price == P("1113.6"));
  assert_int_equal(bk_book_levels(b, BK_ASK, 0, lv, 8), 3);
  assert_true(lv[0].price == P("28157.3") && lv[1].price == P("33783.5") &&
              lv[2].price == P("99999.9"));
  /* the near bid goes: the best bid is now far below the window, then the window follows */
  assert_int_equal(bk_book_set(b, BK_BID, P("28157.2"), 0), BK_OK);
  assert_int_equal(bk_book_best(b, BK_BID, &l), 1);
  assert_true(l.price == P("5000") && l.qty == P("6"));
  assert_int_equal(bk_book_best(b, BK_ASK, &l), 1);
  assert_true(l.price == P("28157.3"));
  /* the market crashes to 1,200: asks follow and the book stays exact */
  assert_int_equal(bk_book_set(b, BK_ASK, P("1200"), P("9")), BK_OK);
  assert_int_equal(bk_book_best(b, BK_ASK, &l), 1);
  assert_true(l.price == P("1200") && l.qty == P("9"));
  assert_int_equal(bk_book_set(b, BK_BID, P("1199.9"), P("3")), BK_OK);
  assert_int_equal(bk_book_best(b, BK_BID, &l), 1);
  assert_true(l.price == P("5000")); /* crossed, as the history says */
  assert_int_equal(bk_book_set(b, BK_BID, P("5000"), 0), BK_OK);
  assert_int_equal(bk_book_best(b, BK_BID, &l), 1);
  assert_true(l.price == P("1199.9"));
  assert_int_equal(bk_book_levels(b, BK_ASK, 0, lv, 8), 4);
  assert_true(lv[0].price == P("1200") && lv[1].price == P("28157.3") &&
              lv[3].price == P("99999.9"));
  bk_book_free(b);
}

/* The walk of the header's contract, worked by hand:
 * bids 100 × 2, 99.5 × 4, 99 × 10; sell 5 with participation 50 %:
 * takes 1 at 100, 2 at 99.5, 2 (of 5) at 99 -> 5 filled in three fills. */
static void walk_takes_a_share_of_each_level_best_first(void **state) {
  (void)state;
  bk_book *b = bk_book_new(P("0.5"));
  assert_int_equal(bk_book_set(b, BK_BID, P("100"), P("2")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_BID, P("99.5"), P("4")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_BID, P("99"), P("10")), BK_OK);
  bk_walk w = {.side = BK_BID, .qty = P("5"), .participation = P("0.5")};
  bk_fill f[8];
  int64_t filled = 0;
  assert_int_equal(bk_book_walk(b, &w, f, 8, &filled), 3);
  assert_true(filled == P("5"));
  assert_true(f[0].price == P("100") && f[0].qty == P("1"));
  assert_true(f[1].price == P("99.5") && f[1].qty == P("2"));
  assert_true(f[2].price == P("99") && f[2].qty == P("2"));
  /* never past the limit: at most 99.5 is acceptable -> 3 filled */
  w.limit = P("99.5");
  assert_int_equal(bk_book_walk(b, &w, f, 8, &filled), 2);
  assert_true(filled == P("3"));
  /* the share rounds down: 1/3 of 2 is 0.66666666 */
  w.limit = 0;
  w.participation = 33333333; /* 0.33333333 */
  w.qty = P("1");
  assert_int_equal(bk_book_walk(b, &w, f, 1, &filled), 1);
  assert_true(f[0].qty == 66666666 && filled == 66666666);
  /* the fills run out before the quantity does */
  bk_walk one = {.side = BK_BID, .qty = P("5"), .participation = BK_FX(1)};
  assert_int_equal(bk_book_walk(b, &one, f, 1, &filled), 1);
  assert_true(f[0].price == P("100") && f[0].qty == P("2") && filled == P("2"));
  /* nothing to walk for */
  one.qty = 0;
  assert_int_equal(bk_book_walk(b, &one, f, 8, &filled), 0);
  assert_true(filled == 0);
  bk_book_free(b);
}

static int64_t half_consumed(void *ctx, int side, const bk_level *lvl) {
  (void)ctx;
  (void)side;
  return lvl->price == P("100") ? 0 : lvl->qty / 2;
}

static void walk_respects_what_earlier_walkers_consumed(void **state) {
  (void)state;
  bk_book *b = bk_book_new(0);
  assert_int_equal(bk_book_set(b, BK_ASK, P("100"), P("2")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_ASK, P("101"), P("4")), BK_OK);
  assert_int_equal(bk_book_set(b, BK_ASK, P("103"), P("8")), BK_OK);
  /* buy 10: 100 is all consumed, half of 101 and of 103 remain -> 2 + 4 = 6 */
  bk_walk w = {.side = BK_ASK, .qty = P("10"), .participation = BK_FX(1),
               .avail = half_consumed};
  bk_fill f[8];
  int64_t filled;
  assert_int_equal(bk_book_walk(b, &w, f, 8, &filled), 2);
  assert_true(filled == P("6"));
  assert_true(f[0].price == P("101") && f[0].qty == P("2"));
  assert_true(f[1].price == P("103") && f[1].qty == P("4"));
  bk_book_free(b);
}

/* Apply rate on a synthetic random-walk stream (a figure, not an assertion). */
static void apply_rate_on_a_random_walk_stream(void **state) {
  (void)state;
  const char *s = getenv("BK_BENCH_ROWS");
  size_t rows = s ? (size_t)strtoull(s, NULL, 10) : 2000000;
  typedef struct row {
    int64_t price, qty;
    int side;
  } row;
  row *v = malloc(rows * sizeof *v);
  assert_non_null(v);
  uint64_t rs = 42;
  int64_t mid = P("28157"), tick = P("0.1");
  for (size_t i = 0; i < rows; i++) {
    uint64_t x = bk_t_rand(&rs);
    if (x % 16 == 0) mid += ((int64_t)(x >> 8) % 3 - 1) * tick;
    int side = (x >> 4) & 1 ? BK_BID : BK_ASK;
    /* geometric-ish distance from the top: most within a few ticks */
    int64_t off = (int64_t)__builtin_ctzll((x >> 16) | (UINT64_C(1) << 40)) * 3 +
                  (int64_t)((x >> 58) % 4);
    v[i].side = side;
    v[i].price = side == BK_BID ? mid - tick - off * tick : mid + off * tick;
    v[i].qty = (x >> 10) % 5 == 0 ? 0 : (int64_t)((x >> 20) % 100000000) + 1;
  }
  bk_book *b = bk_book_new(0);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint64_t h = 0;
  bk_level l;
  for (size_t i = 0; i < rows; i++) {
    bk_book_set(b, v[i].side, v[i].price, v[i].qty);
    if (bk_book_best(b, BK_BID, &l)) h += (uint64_t)l.price;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
  printf("book apply + best bid: %zu rows in %.3f s = %.1f M rows/s (%.1f ns/row), hash %llu\n",
         rows, sec, (double)rows / sec / 1e6, sec * 1e9 / (double)rows, (unsigned long long)h);
  assert_true(bk_book_seq(b) == rows);
  bk_book_free(b);
  free(v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(set_replaces_deletes_and_tracks_best),
      cmocka_unit_test(bad_rows_are_refused_and_leave_the_book_unchanged),
      cmocka_unit_test(tick_is_inferred_and_refined_by_finer_prices),
      cmocka_unit_test(far_levels_live_outside_the_window_and_stay_ordered),
      cmocka_unit_test(walk_takes_a_share_of_each_level_best_first),
      cmocka_unit_test(walk_respects_what_earlier_walkers_consumed),
      cmocka_unit_test(ladder_matches_reference_on_random_updates_inferred_tick),
      cmocka_unit_test(ladder_matches_reference_on_random_updates_given_tick),
      cmocka_unit_test(overflow_matches_reference_in_any_arrival_order),
      cmocka_unit_test(apply_rate_on_a_random_walk_stream),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
