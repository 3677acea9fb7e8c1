/*
 * The trigger index (see trigger.h): binary heaps per contract and side, lazy deletion by
 * version. Tuned for 10^6 accounts on one contract, where a mark tick crosses a handful
 * of liquidation prices: the cost of an update is the number of entries popped.
 */
#include "engine/trigger.h"
#include "engine/vec.h"

#include <stdlib.h>
#include <string.h>

bk_rc bk_trig_init(bk_trigger *t, size_t ncontracts) {
  memset(t, 0, sizeof *t);
  t->longs = calloc(ncontracts ? ncontracts : 1, sizeof *t->longs);
  t->shorts = calloc(ncontracts ? ncontracts : 1, sizeof *t->shorts);
  if (!t->longs || !t->shorts) {
    bk_trig_fini(t);
    return BK_ENOMEM;
  }
  t->ncontracts = ncontracts;
  return BK_OK;
}

void bk_trig_fini(bk_trigger *t) {
  for (size_t i = 0; i < t->ncontracts; i++) {
    if (t->longs) free(t->longs[i].v);
    if (t->shorts) free(t->shorts[i].v);
  }
  free(t->longs);
  free(t->shorts);
  free(t->ver);
  free(t->multi_pos);
  free(t->multi);
  memset(t, 0, sizeof *t);
}

bk_rc bk_trig_reserve(bk_trigger *t, size_t n) {
  if (n <= t->nacct) return BK_OK;
  uint32_t *v = realloc(t->ver, n * sizeof *v);
  if (!v) return BK_ENOMEM;
  t->ver = v;
  uint32_t *m = realloc(t->multi_pos, n * sizeof *m);
  if (!m) return BK_ENOMEM;
  t->multi_pos = m;
  memset(t->ver + t->nacct, 0, (n - t->nacct) * sizeof *v);
  memset(t->multi_pos + t->nacct, 0, (n - t->nacct) * sizeof *m);
  t->nacct = n;
  return BK_OK;
}

/* before(a, b): a belongs nearer the top. max: a max-heap. */
static int before(const bk_trig_ent *a, const bk_trig_ent *b, int max) {
  return max ? a->price > b->price : a->price < b->price;
}

static void sift_down(bk_trig_heap *h, size_t i, int max) {
  bk_trig_ent x = h->v[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= h->n) break;
    if (c + 1 < h->n && before(&h->v[c + 1], &h->v[c], max)) c++;
    if (!before(&h->v[c], &x, max)) break;
    h->v[i] = h->v[c];
    i = c;
  }
  h->v[i] = x;
}

/* Drops stale entries and rebuilds the heap: re-indexing (funding re-indexes every
 * account) leaves old versions behind, and only those reaching the top are popped. */
static void compact(bk_trig_heap *h, const uint32_t *ver, int max) {
  size_t k = 0;
  for (size_t i = 0; i < h->n; i++)
    if (h->v[i].ver == ver[h->v[i].acct]) h->v[k++] = h->v[i];
  h->n = k;
  for (size_t i = k / 2; i-- > 0;) sift_down(h, i, max);
}

static bk_rc push(bk_trig_heap *h, bk_trig_ent e, int max) {
  bk_trig_ent *v = bk_vec_grow(h->v, &h->cap, h->n + 1, sizeof *v);
  if (!v) return BK_ENOMEM;
  h->v = v;
  size_t i = h->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(&e, &h->v[p], max)) break;
    h->v[i] = h->v[p];
    i = p;
  }
  h->v[i] = e;
  return BK_OK;
}

static void pop(bk_trig_heap *h, int max) {
  h->v[0] = h->v[--h->n];
  if (h->n) sift_down(h, 0, max);
}

static void multi_remove(bk_trigger *t, uint32_t acct) {
  uint32_t pos = t->multi_pos[acct];
  if (!pos) return;
  uint32_t moved = t->multi[--t->nmulti];
  t->multi[pos - 1] = moved;
  t->multi_pos[moved] = pos;
  t->multi_pos[acct] = 0;
}

void bk_trig_clear(bk_trigger *t, uint32_t acct) {
  if (acct >= t->nacct) return;
  t->ver[acct]++;
  multi_remove(t, acct);
}

bk_rc bk_trig_set(bk_trigger *t, uint32_t acct, uint32_t contract, int is_long, int64_t price) {
  if (acct >= t->nacct || contract >= t->ncontracts) return BK_EDATA;
  bk_trig_clear(t, acct);
  bk_trig_ent e = {price, acct, t->ver[acct]};
  bk_trig_heap *h = is_long ? &t->longs[contract] : &t->shorts[contract];
  if (h->n == h->cap && h->n >= 2 * t->nacct + 64) compact(h, t->ver, is_long);
  return push(h, e, is_long);
}

bk_rc bk_trig_set_multi(bk_trigger *t, uint32_t acct) {
  if (acct >= t->nacct) return BK_EDATA;
  bk_trig_clear(t, acct);
  uint32_t *v = bk_vec_push(t->multi, &t->nmulti, &t->multi_cap, &acct, sizeof acct);
  if (!v) return BK_ENOMEM;
  t->multi = v;
  t->multi_pos[acct] = (uint32_t)t->nmulti;
  return BK_OK;
}

static bk_rc append(uint32_t **out, size_t *n, size_t *cap, uint32_t acct) {
  uint32_t *v = bk_vec_push(*out, n, cap, &acct, sizeof acct);
  if (!v) return BK_ENOMEM;
  *out = v;
  return BK_OK;
}

bk_rc bk_trig_pop_crossed(bk_trigger *t, uint32_t contract, int64_t mark, uint32_t **out,
                          size_t *n, size_t *cap) {
  if (contract >= t->ncontracts) return BK_EDATA;
  for (int side = 0; side < 2; side++) {
    bk_trig_heap *h = side == 0 ? &t->longs[contract] : &t->shorts[contract];
    int max = side == 0;
    while (h->n) {
      bk_trig_ent top = h->v[0];
      int live = top.ver == t->ver[top.acct];
      int crossed = max ? mark <= top.price : mark >= top.price;
      if (live && !crossed) break;
      pop(h, max);
      if (!live) continue;
      t->ver[top.acct]++; /* popped: no longer indexed */
      if (append(out, n, cap, top.acct)) return BK_ENOMEM;
    }
  }
  return BK_OK;
}
