/*
 * The living population's bookkeeping and choices (see pop_living.h). Holding and closing
 * an account is O(1) (swap-removal from its side), syncing with the engine O(accounts
 * held); a step costs one reservoir draw per trade once its side's reservoir is full.
 */
#include "strategies/pop_living.h"

#include <stdlib.h>
#include <string.h>

#include "engine/fixed.h"
#include "engine/rng.h"
#include "engine/event.h"
#include "engine/vec.h"
#include "strategies/sizing.h"

bk_rc bk_living_init(bk_living *l, size_t cap) {
  memset(l, 0, sizeof *l);
  l->cap = cap;
  l->step[0] = malloc(cap * sizeof *l->step[0]);
  l->step[1] = malloc(cap * sizeof *l->step[1]);
  return l->step[0] && l->step[1] ? BK_OK : BK_ENOMEM;
}

void bk_living_fini(bk_living *l) {
  for (int s = 0; s < 2; s++) {
    free(l->side[s].id);
    free(l->side[s].size);
    free(l->step[s]);
  }
  memset(l, 0, sizeof *l);
}

bk_rc bk_living_hold(bk_living *l, uint32_t id, int64_t size) {
  bk_living_side *s = &l->side[size < 0];
  int64_t abs = size < 0 ? -size : size;
  if (bk_add(l->held[size < 0], abs, &l->held[size < 0])) return BK_ERANGE;
  size_t cap = s->cap;
  uint32_t *ids = bk_vec_grow(s->id, &cap, s->n + 1, sizeof *ids);
  if (!ids) return BK_ENOMEM;
  s->id = ids;
  cap = s->cap;
  int64_t *sizes = bk_vec_grow(s->size, &cap, s->n + 1, sizeof *sizes);
  if (!sizes) return BK_ENOMEM;
  s->size = sizes;
  s->cap = cap;
  s->id[s->n] = id;
  s->size[s->n++] = abs;
  return BK_OK;
}

/* Removes the j-th account of a side (swap with the last). */
static void drop(bk_living *l, int side, size_t j) {
  bk_living_side *s = &l->side[side];
  l->held[side] -= s->size[j];
  s->n--;
  s->id[j] = s->id[s->n];
  s->size[j] = s->size[s->n];
}

void bk_living_sync(bk_living *l, int64_t (*size_of)(const void *ctx, uint32_t id),
                    const void *ctx) {
  for (int side = 0; side < 2; side++) {
    bk_living_side *s = &l->side[side];
    for (size_t j = s->n; j-- > 0;) {
      int64_t now = size_of(ctx, s->id[j]);
      now = side ? -now : now;
      if (now <= 0) {
        drop(l, side, j);
      } else if (now < s->size[j]) {
        l->held[side] -= s->size[j] - now;
        s->size[j] = now;
      }
    }
  }
}

void bk_living_trade(bk_living *l, const bk_living_trade_rec *t, uint64_t *rng) {
  int side = t->side == BK_SELL;
  size_t slot = bk_pop_reservoir_slot(l->nstep[side], l->cap, ++l->seen[side], rng);
  if (slot == SIZE_MAX) return;
  if (slot == l->nstep[side]) l->nstep[side]++;
  l->step[side][slot] = t->qty;
}

void bk_living_next_step(bk_living *l) {
  for (int side = 0; side < 2; side++) {
    l->nstep[side] = 0;
    l->seen[side] = 0;
  }
}

size_t bk_living_count(int64_t gap, int64_t mean, size_t most) {
  int64_t n = gap / mean + (gap % mean >= mean - mean / 2);
  if (n < 1) n = 1;
  return (uint64_t)n > most ? most : (size_t)n;
}

size_t bk_living_weights(bk_living *l, int side, size_t n, uint64_t *rng, int64_t *w) {
  if (l->nstep[side] == 0) side = !side;
  size_t have = l->nstep[side];
  if (have == 0) {
    for (size_t i = 0; i < n; i++) w[i] = 1;
    return n;
  }
  if (n > have) n = have;
  int64_t *v = l->step[side];
  for (size_t i = 0; i < n; i++) { /* a partial Fisher-Yates shuffle of the reservoir */
    size_t j = i + (size_t)bk_rng_below(rng, have - i);
    int64_t t = v[i];
    v[i] = v[j];
    v[j] = t;
    w[i] = v[i];
  }
  return n;
}

void bk_living_shrink(bk_living *l, int side, int64_t excess, uint64_t *rng, uint32_t *out,
                      size_t *n) {
  bk_living_side *s = &l->side[side];
  *n = 0;
  while (s->n > 0 && excess > 0) {
    size_t j = (size_t)bk_rng_below(rng, s->n);
    if (s->size[j] / 2 >= excess) break; /* closing it would overshoot by more than it helps */
    out[(*n)++] = s->id[j];
    excess -= s->size[j];
    drop(l, side, j);
  }
}

int64_t bk_living_path_scale(const bk_living_point *path, size_t n, int64_t t) {
  if (t <= path[0].at) return path[0].scale;
  for (size_t i = 1; i < n; i++) {
    const bk_living_point *a = &path[i - 1], *b = &path[i];
    if (t >= b->at) continue;
    bk_i128 num = (bk_i128)(b->scale - a->scale) * (t - a->at), den = b->at - a->at;
    bk_i128 q = num / den;
    if (num % den != 0 && num < 0) q--; /* floor */
    return a->scale + (int64_t)q;
  }
  return path[n - 1].scale;
}
