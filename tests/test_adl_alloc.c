/*
 * ADL allocation rules (engine/adl_alloc.c): each rule on a case worked out by hand, then
 * against slow references written here without the engine's code — capped pro rata by
 * fixed-point iteration of the binding set, water-filling by raising the level until no
 * account below it stays active, both in exact 128-bit fractions, rounded by repeated
 * largest-remainder selection — on 10,000 random winner sets per rule, checking the sum,
 * the caps, the distance to the exact share, monotonicity, Sybil and scale invariance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "engine/adl_alloc.h"
#include "tests/testutil.h"

#define MAXN 16
#define ROUNDS 10000

typedef int64_t (*rule_fn)(bk_adl_item *v, size_t n, int64_t budget);

static int64_t capped(bk_adl_item *v, size_t n, int64_t budget) {
  int64_t paid = -1;
  assert_int_equal(bk_adl_capped(v, n, budget, &paid), BK_OK);
  return paid;
}

static int64_t level(bk_adl_item *v, size_t n, int64_t budget) {
  int64_t paid = -1;
  assert_int_equal(bk_adl_level(v, n, budget, &paid), BK_OK);
  return paid;
}

/* Runs a rule on (acct, weight, cap) triples and checks the allocations in acct order. */
static void expect(rule_fn f, size_t n, const uint32_t *id, const int64_t *w, const int64_t *c,
                   int64_t budget, int64_t paid, const int64_t *want) {
  bk_adl_item v[MAXN];
  for (size_t i = 0; i < n; i++) v[i] = (bk_adl_item){.acct = id[i], .weight = w[i], .cap = c[i]};
  assert_true(f(v, n, budget) == paid);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(v[i].acct, i ? v[i - 1].acct + 1 : v[0].acct); /* by acct */
    assert_true(v[i].alloc == want[i]);
  }
}

/* --- hand-worked cases ---------------------------------------------------------------- */

static void pro_rata_on_profit(void **state) {
  (void)state;
  /* 100 over profits 100, 200, 300 (cap = the profit): 100·100/600 = 16.67,
     100·200/600 = 33.33, 50; floors 16 + 33 + 50 = 99, the last unit to the largest
     remainder 2/3 (account 1) */
  const uint32_t id[3] = {1, 2, 3};
  const int64_t u[3] = {100, 200, 300}, want[3] = {17, 33, 50};
  expect(capped, 3, id, u, u, 100, 100, want);
  /* a budget above the profit takes all of it, no more */
  const int64_t all[3] = {100, 200, 300};
  expect(capped, 3, id, u, u, 700, 600, all);
}

static void capped_pro_rata(void **state) {
  (void)state;
  /* caps 10 %, 100 %, 100 % of profits 100, 200, 300, budget 301: at τ = 301/600 account
     1 would pay 50 > 10, so it pays its cap; 291 over 500: 291·200/500 = 116.4,
     291·300/500 = 174.6; 10 + 116 + 174 = 300, the last unit to remainder 0.6 */
  const uint32_t id[3] = {1, 2, 3};
  const int64_t u[3] = {100, 200, 300}, c[3] = {10, 200, 300}, want[3] = {10, 116, 175};
  expect(capped, 3, id, u, c, 301, 301, want);
}

static void risk_aware_pro_rata(void **state) {
  (void)state;
  /* RAP with ω = λ (weight u·λ, adl.md rule 4): profits 100, 100 at leverage 2 and 10
     weigh 200 and 1,000; capped at the profit. 120 at τ = 120/1,200: account 2 would pay
     100 = its cap (binds), account 1 the other 20 */
  const uint32_t id[2] = {1, 2};
  const int64_t w[2] = {200, 1000}, c[2] = {100, 100}, want[2] = {20, 100};
  expect(capped, 2, id, w, c, 120, 120, want);
}

static void contract_pro_rata(void **state) {
  (void)state;
  /* 4 contracts over positions 3, 5, 7: 0.8, 1.33, 1.87; floors 0 + 1 + 1, two units to
     remainders 0.87 (account 3) and 0.8 (account 1) */
  const uint32_t id[3] = {1, 2, 3};
  const int64_t q[3] = {3, 5, 7}, want[3] = {1, 1, 2};
  expect(capped, 3, id, q, q, 4, 4, want);
}

static void equal_remainders_go_to_the_lower_id(void **state) {
  (void)state;
  /* 2 over three equal weights: 2/3 each, floors 0; the two units to ids 3 and 4 */
  bk_adl_item v[3] = {{.acct = 5, .weight = 1, .cap = 1},
                      {.acct = 3, .weight = 1, .cap = 1},
                      {.acct = 4, .weight = 1, .cap = 1}};
  assert_true(capped(v, 3, 2) == 2);
  assert_true(v[0].acct == 3 && v[0].alloc == 1 && v[1].alloc == 1 && v[2].alloc == 0);
}

static void leverage_water_filling(void **state) {
  (void)state;
  /* 12 contracts over positions of 10 at leverage 10, 5, 2 (m = 1, 2, 5): accounts 1 and
     2 alone reach level η = (20 − 12)/(1 + 2) = 8/3 ≥ 2, so account 3 keeps its position;
     x1 = 10 − 8/3 = 7.33, x2 = 10 − 16/3 = 4.67; floors 7 + 4, the last unit to 0.67.
     Leverage left: 3/1 = 3, 5/2 = 2.5, 2 */
  const uint32_t id[3] = {1, 2, 3};
  const int64_t m[3] = {1, 2, 5}, q[3] = {10, 10, 10}, want[3] = {7, 5, 0};
  expect(level, 3, id, m, q, 12, 12, want);
  /* unbounded leverage (m = 0) goes first: its 2 + 6 hold 4, shared pro rata to q */
  const int64_t m0[3] = {0, 0, 4}, q0[3] = {2, 6, 8}, want0[3] = {1, 3, 0};
  expect(level, 3, id, m0, q0, 4, 4, want0);
  /* more than every position: all closed */
  expect(level, 3, id, m, q, 40, 30, q);
}

static void bad_inputs_are_refused(void **state) {
  (void)state;
  bk_adl_item v[1] = {{.acct = 1, .weight = -1, .cap = 1}};
  int64_t paid;
  assert_int_equal(bk_adl_capped(v, 1, 1, &paid), BK_ERANGE);
  v[0].weight = 1;
  assert_int_equal(bk_adl_capped(v, 1, -1, &paid), BK_ERANGE);
  assert_int_equal(bk_adl_level(v, 1, -1, &paid), BK_ERANGE);
}

/* --- slow references ------------------------------------------------------------------- */

typedef struct frac {
  bk_i128 num, den; /* den > 0 */
} frac;

typedef struct set {
  size_t n;
  uint32_t id[MAXN];
  int64_t w[MAXN], c[MAXN];
  int64_t uw[MAXN], uc[MAXN]; /* w = uw · k and c = uc · k for an integer k (0: none) */
  int64_t budget;
} set;

/* Largest remainder by selection: floors, then each missing unit to the largest remainder
 * (compared across denominators), ties to the lower id. */
static void ref_round(const set *s, const frac *e, int64_t total, int64_t *x) {
  bk_i128 rn[MAXN];
  int64_t sum = 0;
  for (size_t i = 0; i < s->n; i++) {
    x[i] = (int64_t)(e[i].num / e[i].den);
    rn[i] = e[i].num % e[i].den;
    sum += x[i];
  }
  int given[MAXN] = {0};
  for (; sum < total; sum++) {
    size_t best = MAXN;
    for (size_t i = 0; i < s->n; i++) {
      if (given[i]) continue;
      if (best == MAXN) { best = i; continue; }
      bk_i128 l = rn[i] * e[best].den, r = rn[best] * e[i].den;
      if (l > r || (l == r && s->id[i] < s->id[best])) best = i;
    }
    x[best]++;
    given[best] = 1;
  }
}

/* Capped pro rata: start with no cap binding; τ = what is left / the free weight; every
 * account whose τ·w exceeds its cap binds; repeat until nothing changes. */
static int64_t ref_capped(const set *s, frac *e, int64_t *x) {
  bk_i128 caps = 0;
  for (size_t i = 0; i < s->n; i++) caps += s->w[i] > 0 ? s->c[i] : 0;
  int64_t total = caps < s->budget ? (int64_t)caps : s->budget;
  int bound[MAXN] = {0};
  for (int changed = 1; changed;) {
    changed = 0;
    bk_i128 left = total, free_w = 0;
    for (size_t i = 0; i < s->n; i++) {
      if (bound[i]) left -= s->c[i];
      else free_w += s->w[i];
    }
    for (size_t i = 0; i < s->n; i++) {
      if (s->w[i] == 0) e[i] = (frac){0, 1};
      else if (bound[i]) e[i] = (frac){s->c[i], 1};
      else e[i] = (frac){left * s->w[i], free_w};
      if (!bound[i] && s->w[i] > 0 && e[i].num > (bk_i128)s->c[i] * e[i].den)
        bound[i] = changed = 1;
    }
  }
  ref_round(s, e, total, x);
  return total;
}

/* Water-filling: every account active, η = (Σ q − Q)/Σ m over the active ones (m = 0
 * active always); drop every account whose leverage q/m is at or below η; repeat. */
static int64_t ref_level(const set *s, frac *e, int64_t *x) {
  bk_i128 qs = 0, q0 = 0;
  for (size_t i = 0; i < s->n; i++) {
    qs += s->c[i];
    q0 += s->w[i] == 0 ? s->c[i] : 0;
  }
  int64_t total = qs < s->budget ? (int64_t)qs : s->budget;
  if (q0 >= total) { /* the unbounded alone: pro rata to q */
    for (size_t i = 0; i < s->n; i++)
      e[i] = s->w[i] == 0 && q0 ? (frac){(bk_i128)total * s->c[i], q0} : (frac){0, 1};
    ref_round(s, e, total, x);
    return total;
  }
  int active[MAXN];
  for (size_t i = 0; i < s->n; i++) active[i] = 1;
  bk_i128 N = 0, D = 1;
  for (int changed = 1; changed;) {
    changed = 0;
    N = -(bk_i128)total;
    D = 0;
    for (size_t i = 0; i < s->n; i++)
      if (active[i]) N += s->c[i], D += s->w[i];
    for (size_t i = 0; i < s->n; i++)
      if (active[i] && s->w[i] > 0 && (bk_i128)s->c[i] * D <= N * s->w[i])
        active[i] = 0, changed = 1;
  }
  for (size_t i = 0; i < s->n; i++)
    e[i] = !active[i] ? (frac){0, 1}
                      : (frac){(bk_i128)s->c[i] * D - N * s->w[i], D};
  ref_round(s, e, total, x);
  return total;
}

/* The implementation on a set; allocations back in the set's order. */
static int64_t run(rule_fn f, const set *s, int64_t *x) {
  bk_adl_item v[MAXN];
  for (size_t i = 0; i < s->n; i++)
    v[i] = (bk_adl_item){.acct = s->id[i], .weight = s->w[i], .cap = s->c[i]};
  int64_t paid = f(v, s->n, s->budget);
  for (size_t i = 0; i < s->n; i++)
    for (size_t j = 0; j < s->n; j++)
      if (v[j].acct == s->id[i]) x[i] = v[j].alloc;
  return paid;
}

static int64_t rnd(uint64_t *st, int64_t hi) { return (int64_t)(bk_t_rand(st) % (uint64_t)(hi + 1)); }

static int64_t gcd(int64_t g, int64_t h) {
  while (h) {
    int64_t r = g % h;
    g = h;
    h = r;
  }
  return g;
}

/* A random winner set; each account's cap (or q) is its own a / b of its weight (m) b · t,
 * so that splitting t keeps its ratio exactly. Distinct ids in shuffled order. */
static void random_set(uint64_t *st, set *s, int level_rule) {
  s->n = 1 + (size_t)rnd(st, MAXN - 2);
  int64_t mag = 1;
  for (int64_t d = rnd(st, 9); d > 0; d--) mag *= 10;
  bk_i128 caps = 0;
  for (size_t i = 0; i < s->n; i++) {
    s->id[i] = (uint32_t)(i * 7 + 3) % 101;
    int64_t t = rnd(st, mag), a = 1 + rnd(st, 9), b = 1 + rnd(st, 9);
    if (level_rule) { /* leverage q/m from the pair, sometimes unbounded */
      s->c[i] = 1 + rnd(st, mag * 10);
      s->w[i] = rnd(st, 4) == 0 ? 0 : 1 + rnd(st, mag * 10);
      int64_t g = gcd(s->c[i], s->w[i]);
      s->uw[i] = s->w[i] ? s->w[i] / g : 0;
      s->uc[i] = s->c[i] / g;
    } else {
      if (rnd(st, 3) == 0) a = b; /* some capped at the weight itself */
      s->w[i] = b * t;
      s->c[i] = a * t;
      s->uw[i] = b;
      s->uc[i] = a;
    }
    caps += s->c[i];
  }
  s->budget = rnd(st, (int64_t)(caps + caps / 4 + 1));
}

/* Checks one set against the reference: the same allocations, their sum, the caps and the
 * distance to the exact share. */
static void check_set(rule_fn f, int64_t (*ref)(const set *, frac *, int64_t *), const set *s) {
  int64_t x[MAXN], rx[MAXN];
  frac e[MAXN];
  int64_t paid = run(f, s, x), want = ref(s, e, rx);
  assert_true(paid == want);
  int64_t sum = 0;
  for (size_t i = 0; i < s->n; i++) {
    sum += x[i];
    assert_true(x[i] >= 0 && x[i] <= s->c[i]);
    bk_i128 d = (bk_i128)x[i] * e[i].den - e[i].num; /* x − exact, times den */
    assert_true(d > -e[i].den && d < e[i].den);
    assert_true(x[i] == rx[i]);
  }
  assert_true(sum == paid);
}

/* Splitting a random winner i into two at the same ratio moves its total by at most 2
 * units (each of the three shares is within 1 of exact, and the exact totals agree). */
static void check_sybil(rule_fn f, const set *s, uint64_t *st) {
  if (s->n + 1 > MAXN || s->n < 1) return;
  size_t i = (size_t)rnd(st, (int64_t)s->n - 1);
  int64_t x[MAXN], y[MAXN];
  run(f, s, x);
  set t = *s;
  /* the part split off: weight and cap in the same ratio */
  int64_t ub = s->uw[i], ua = s->uc[i], k = ub ? s->w[i] / ub : 0;
  if (k < 2 || s->c[i] != ua * k) return;
  int64_t k1 = 1 + rnd(st, k - 2);
  t.w[i] = ub * k1;
  t.c[i] = ua * k1;
  t.w[t.n] = ub * (k - k1);
  t.c[t.n] = ua * (k - k1);
  t.id[t.n] = 200;
  t.n++;
  run(f, &t, y);
  int64_t d = y[i] + y[t.n - 1] - x[i];
  assert_true(d >= -2 && d <= 2);
}

/* Scaling weights, caps and budget by k: each allocation is k times, within k units (one
 * unit of the scaled share and k of the k-fold unscaled one); weights alone by k: the
 * same allocations exactly (only ratios of weights matter). */
static void check_scale(rule_fn f, const set *s, uint64_t *st) {
  int64_t x[MAXN], y[MAXN];
  run(f, s, x);
  int64_t k = 2 + rnd(st, 98);
  set t = *s;
  for (size_t i = 0; i < s->n; i++) t.w[i] *= k, t.c[i] *= k;
  t.budget *= k;
  run(f, &t, y);
  for (size_t i = 0; i < s->n; i++) assert_true(y[i] - k * x[i] >= -k && y[i] - k * x[i] <= k);
  t = *s;
  for (size_t i = 0; i < s->n; i++) t.w[i] *= k;
  run(f, &t, y);
  for (size_t i = 0; i < s->n; i++) assert_true(y[i] == x[i]);
}

/* Order: of two winners, one ahead on both counts (i before j) never pays less, up to
 * slack units. Capped pro rata pays min(c, τ·w), increasing in w and c: i is ahead with
 * w_i > w_j and c_i >= c_j (with c_i < c_j a larger profit may pay less: the cap binds).
 * Water-filling closes clamp(q − η·m, 0, q) = q·(1 − η/λ)⁺, λ = q/m, increasing in q and
 * λ: i is ahead with q_i > q_j and λ_i >= λ_j (q_i·m_j >= q_j·m_i; m = 0 is unbounded);
 * with a smaller q or λ it may close more. Ties of the exact shares can go either way by
 * one unit (the lower id wins), hence the slack of 1 there. */
static void check_order(rule_fn f, const set *s, int level_rule, int64_t slack) {
  int64_t x[MAXN];
  run(f, s, x);
  for (size_t i = 0; i < s->n; i++)
    for (size_t j = 0; j < s->n; j++) {
      int ahead = level_rule ? s->c[i] > s->c[j] &&
                                   (bk_i128)s->c[i] * s->w[j] >= (bk_i128)s->c[j] * s->w[i]
                             : s->w[i] > s->w[j] && s->c[i] >= s->c[j];
      if (ahead) assert_true(x[i] + slack >= x[j]);
    }
}

/* Plain pro rata (cap = weight, budget within the profit): a larger profit never pays
 * less, exactly. */
static void check_monotone(const set *s0) {
  set s = *s0;
  bk_i128 u = 0;
  for (size_t i = 0; i < s.n; i++) s.c[i] = s.w[i], u += s.w[i];
  if (s.budget > u) s.budget = (int64_t)u;
  check_order(capped, &s, 0, 0);
}

static void capped_against_its_reference(void **state) {
  (void)state;
  uint64_t st = bk_t_seed_fresh();
  for (int round = 0; round < ROUNDS; round++) {
    set s;
    random_set(&st, &s, 0);
    check_set(capped, ref_capped, &s);
    check_monotone(&s);
    check_order(capped, &s, 0, 1);
    check_scale(capped, &s, &st);
    check_sybil(capped, &s, &st);
  }
}

static void level_against_its_reference(void **state) {
  (void)state;
  uint64_t st = bk_t_seed_fresh() + 1;
  for (int round = 0; round < ROUNDS; round++) {
    set s;
    random_set(&st, &s, 1);
    check_set(level, ref_level, &s);
    check_order(level, &s, 1, 1);
    check_scale(level, &s, &st);
    check_sybil(level, &s, &st); /* q and m split in the same ratio */
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pro_rata_on_profit),
      cmocka_unit_test(capped_pro_rata),
      cmocka_unit_test(risk_aware_pro_rata),
      cmocka_unit_test(contract_pro_rata),
      cmocka_unit_test(equal_remainders_go_to_the_lower_id),
      cmocka_unit_test(leverage_water_filling),
      cmocka_unit_test(bad_inputs_are_refused),
      cmocka_unit_test(capped_against_its_reference),
      cmocka_unit_test(level_against_its_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
