/*
 * ADL allocation rules (see adl_alloc.h): capped pro rata and leverage water-filling, each
 * an exact rational share per winner, rounded by largest remainder. Sorting dominates:
 * O(n log n) per round.
 */
#include "engine/adl_alloc.h"

#include <stdlib.h>

static int by_acct(const void *pa, const void *pb) {
  const bk_adl_item *a = pa, *b = pb;
  return (a->acct > b->acct) - (a->acct < b->acct);
}

/* Larger remainder first, ties to the lower account id. */
static int by_rem(const void *pa, const void *pb) {
  const bk_adl_item *a = pa, *b = pb;
  if (a->rem != b->rem) return a->rem > b->rem ? -1 : 1;
  return by_acct(pa, pb);
}

/* Smaller cap / weight first (the caps that bind first), weight 0 last. */
static int by_cap_ratio(const void *pa, const void *pb) {
  const bk_adl_item *a = pa, *b = pb;
  if ((a->weight == 0) != (b->weight == 0)) return a->weight == 0 ? 1 : -1;
  bk_i128 x = (bk_i128)a->cap * b->weight, y = (bk_i128)b->cap * a->weight;
  if (x != y) return x < y ? -1 : 1;
  return by_acct(pa, pb);
}

/* Higher leverage q / m first; m = 0 (unbounded) before any other. */
static int by_leverage(const void *pa, const void *pb) {
  const bk_adl_item *a = pa, *b = pb;
  if ((a->weight == 0) != (b->weight == 0)) return a->weight == 0 ? -1 : 1;
  bk_i128 x = (bk_i128)a->cap * b->weight, y = (bk_i128)b->cap * a->weight;
  if (a->weight != 0 && x != y) return x > y ? -1 : 1;
  return by_acct(pa, pb);
}

/* Checks the inputs and clears the outputs. */
static bk_rc start(bk_adl_item *v, size_t n, int64_t budget) {
  if (budget < 0) return BK_ERANGE;
  for (size_t i = 0; i < n; i++) {
    if (v[i].weight < 0 || v[i].cap < 0) return BK_ERANGE;
    v[i].alloc = 0;
    v[i].rem = -1;
  }
  return BK_OK;
}

/* The items whose exact share is rem / den (rem >= 0) get its floor; the others keep the
 * alloc they hold. Then the units still missing from budget go one each to the largest
 * remainders (always positive ones: the fractions sum to those units). Ends by acct. */
static void round_out(bk_adl_item *v, size_t n, bk_i128 den, int64_t budget) {
  int64_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i].rem >= 0) {
      v[i].alloc = (int64_t)(v[i].rem / den);
      v[i].rem %= den;
    }
    sum += v[i].alloc;
  }
  qsort(v, n, sizeof *v, by_rem);
  for (size_t i = 0; sum < budget && i < n; i++, sum++) v[i].alloc++;
  qsort(v, n, sizeof *v, by_acct);
}

/* Every item pays its whole cap (weight > 0 only, when only_weighted). */
static int64_t pay_all(bk_adl_item *v, size_t n, int only_weighted) {
  int64_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    v[i].alloc = only_weighted && v[i].weight == 0 ? 0 : v[i].cap;
    sum += v[i].alloc;
  }
  qsort(v, n, sizeof *v, by_acct);
  return sum;
}

bk_rc bk_adl_capped(bk_adl_item *v, size_t n, int64_t budget, int64_t *paid) {
  bk_i128 caps = 0, wsum = 0;
  if (start(v, n, budget)) return BK_ERANGE;
  for (size_t i = 0; i < n; i++) {
    caps += v[i].weight > 0 ? v[i].cap : 0;
    wsum += v[i].weight;
  }
  if (caps <= budget) {
    *paid = pay_all(v, n, 1);
    return BK_OK;
  }
  qsort(v, n, sizeof *v, by_cap_ratio);
  /* the caps that bind at the level the rest would pay: a prefix in cap / weight order */
  bk_i128 left = budget;
  size_t k = 0;
  while (k < n && v[k].weight > 0 && wsum > 0 && left * v[k].weight / wsum >= v[k].cap) {
    v[k].alloc = v[k].cap;
    left -= v[k].cap;
    wsum -= v[k].weight;
    k++;
  }
  for (size_t i = k; i < n; i++)
    if (v[i].weight > 0) v[i].rem = left * v[i].weight;
  round_out(v, n, wsum, budget);
  *paid = budget;
  return BK_OK;
}

bk_rc bk_adl_level(bk_adl_item *v, size_t n, int64_t budget, int64_t *paid) {
  bk_i128 qs = 0;
  if (start(v, n, budget)) return BK_ERANGE;
  for (size_t i = 0; i < n; i++) qs += v[i].cap;
  if (qs <= budget) {
    *paid = pay_all(v, n, 0);
    return BK_OK;
  }
  *paid = budget;
  if (budget == 0) {
    qsort(v, n, sizeof *v, by_acct);
    return BK_OK;
  }
  qsort(v, n, sizeof *v, by_leverage);
  size_t g = 0; /* the unbounded ones */
  bk_i128 sq = 0;
  while (g < n && v[g].weight == 0) sq += v[g++].cap;
  if (sq >= budget) { /* they alone hold the budget: pro rata to q */
    for (size_t i = 0; i < g; i++) v[i].rem = (bk_i128)budget * v[i].cap;
    round_out(v, n, sq, budget);
    return BK_OK;
  }
  /* the active set grows by leverage until its level η = N / D (Σ x = Σ q − η Σ m =
     budget) is at or above the next account's leverage q / m */
  bk_i128 N = sq - budget, D = 0, a, b;
  size_t k = g;
  for (;; k++) {
    N += v[k].cap;
    D += v[k].weight;
    if (N < 0) continue;
    if (k + 1 == n) break;
    if (__builtin_mul_overflow(N, (bk_i128)v[k + 1].weight, &a) ||
        __builtin_mul_overflow((bk_i128)v[k + 1].cap, D, &b))
      return BK_ERANGE;
    if (a >= b) break;
  }
  for (size_t i = 0; i < g; i++) v[i].alloc = v[i].cap;
  for (size_t i = g; i <= k; i++) { /* x = q − N m / D = (q D − N m) / D */
    if (__builtin_mul_overflow((bk_i128)v[i].cap, D, &a) ||
        __builtin_mul_overflow(N, (bk_i128)v[i].weight, &b))
      return BK_ERANGE;
    v[i].rem = a - b;
  }
  round_out(v, n, D, budget);
  return BK_OK;
}
