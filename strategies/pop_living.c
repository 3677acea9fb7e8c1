/*
 * The living population's bookkeeping and choices (see pop_living.h). Holding and closing
 * an account is O(1) (swap-removal from its side); a step costs one reservoir draw per
 * trade once the reservoir is full.
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
  l->step = malloc(cap * sizeof *l->step);
  return l->step ? BK_OK : BK_ENOMEM;
}

void bk_living_fini(bk_living *l) {
  for (int s = 0; s < 2; s++) {
    free(l->side[s].id);
    free(l->side[s].size);
  }
  free(l->step);
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

void bk_living_trade(bk_living *l, const bk_living_trade_rec *t, uint64_t *rng) {
  int64_t *flow = t->side == BK_BUY ? &l->buy : &l->sell;
  *flow = *flow > INT64_MAX - t->qty ? INT64_MAX : *flow + t->qty;
  size_t slot = bk_pop_reservoir_slot(l->nstep, l->cap, ++l->seen, rng);
  if (slot == SIZE_MAX) return;
  if (slot == l->nstep) l->nstep++;
  l->step[slot] = *t;
}

void bk_living_next_step(bk_living *l) {
  l->nstep = 0;
  l->seen = 0;
  l->buy = l->sell = 0;
}

/* Closes accounts of one side drawn from rng while the one drawn is smaller than twice
 * *rem; appends their ids to out. */
static void shrink_side(bk_living *l, int side, int64_t *rem, uint64_t *rng, uint32_t *out,
                        size_t *n) {
  bk_living_side *s = &l->side[side];
  while (s->n > 0 && *rem > 0) {
    size_t j = (size_t)bk_rng_below(rng, s->n);
    if (s->size[j] / 2 >= *rem) break; /* closing it would overshoot by more than it helps */
    out[(*n)++] = s->id[j];
    *rem -= s->size[j];
    l->held[side] -= s->size[j];
    s->n--;
    s->id[j] = s->id[s->n];
    s->size[j] = s->size[s->n];
  }
}

void bk_living_shrink(bk_living *l, int64_t excess, uint64_t *rng, uint32_t *out, size_t *n) {
  *n = 0;
  int64_t rem[2];
  bk_i128 flow = (bk_i128)l->buy + l->sell;
  rem[1] = flow > 0 ? (int64_t)((bk_i128)excess * l->buy / flow) : excess / 2; /* shorts */
  rem[0] = excess - rem[1];                                                     /* longs */
  for (int pass = 0; pass < 3; pass++) { /* longs, shorts, longs again for what shorts left */
    int s = pass & 1;
    shrink_side(l, s, &rem[s], rng, out, n);
    if (l->side[s].n == 0 && rem[s] > 0) {
      rem[!s] += rem[s];
      rem[s] = 0;
    }
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
