/*
 * Depth already consumed (see overlay.h): an open-addressing hash table keyed by
 * (contract, side, price). A liquidation touches a few levels, a replay day a few
 * thousand distinct ones, and the walk asks once per level visited, so lookups must be
 * O(1) and allocation-free. A stale entry (old seq, or decayed to nothing) is reused
 * when the same level is consumed again; when the table must grow, entries decayed to
 * nothing are left behind (they say what an absent entry says), so with a half-life the
 * table holds the recently consumed levels, not every level a long run ever consumed,
 * and sizes itself to them.
 */
#include "engine/overlay.h"

#include <stdlib.h>
#include <string.h>

#include "engine/fixed.h"

void bk_liq_overlay_init(bk_liq_overlay *o, int64_t halflife_us) {
  memset(o, 0, sizeof *o);
  o->halflife_us = halflife_us;
}

void bk_liq_overlay_fini(bk_liq_overlay *o) {
  free(o->v);
  free(o->fills);
  free(o->memo);
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

/* A slot's consumption at now, halved once per half-life since it was last consumed. */
static int64_t decayed(const bk_liq_overlay *o, const bk_liq_slot *s, int64_t now) {
  if (o->halflife_us <= 0 || now <= s->ts) return s->consumed;
  int64_t halvings = (now - s->ts) / o->halflife_us;
  return halvings >= 63 ? 0 : s->consumed >> halvings;
}

int64_t bk_liq_overlay_avail(const bk_liq_overlay *o, uint32_t contract, int side,
                             const bk_level *lvl, int64_t now) {
  const bk_liq_slot *s = find(o, contract, side, lvl->price);
  if (!s || s->seq != lvl->seq) return lvl->qty;
  int64_t used = decayed(o, s, now);
  return used >= lvl->qty ? 0 : lvl->qty - used;
}

/* Moves the live entries (those not decayed to nothing by the latest consumption's time,
 * which no later time revives) into a table with room for `more` new ones at a load of at
 * most a third: a sixth of the table fills before the next rebuild, so rebuilds cost O(1)
 * a consumption, and a table with nothing to drop doubles, as it always did. */
static bk_rc rehash(bk_liq_overlay *o, size_t more) {
  size_t live = 0, cap = 64;
  for (size_t i = 0; i < o->cap; i++) live += o->v[i].price && decayed(o, &o->v[i], o->last);
  while ((live + more + 1) * 3 > cap) cap *= 2;
  bk_liq_slot *v = calloc(cap, sizeof *v);
  if (!v) return BK_ENOMEM;
  for (size_t i = 0; i < o->cap; i++) {
    bk_liq_slot *s = &o->v[i];
    if (!s->price || !decayed(o, s, o->last)) continue;
    size_t j = hash(s->contract, s->side, s->price) & (cap - 1);
    while (v[j].price) j = (j + 1) & (cap - 1);
    v[j] = *s;
  }
  free(o->v);
  o->v = v;
  o->cap = cap;
  o->n = live;
  return BK_OK;
}

bk_rc bk_liq_overlay_consume(bk_liq_overlay *o, uint32_t contract, int side, int64_t price,
                             int64_t qty, uint64_t seq, int64_t now) {
  bk_liq_slot *s = find(o, contract, side, price);
  if (!s) {
    if ((o->n + 1) * 2 > o->cap && rehash(o, 1)) return BK_ENOMEM;
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
  } else {
    s->consumed = decayed(o, s, now);
  }
  s->consumed += qty;
  s->ts = now;
  if (now > o->last) o->last = now;
  return BK_OK;
}

bk_rc bk_liq_overlay_reserve(bk_liq_overlay *o, size_t more) {
  return (o->n + more + 1) * 2 > o->cap ? rehash(o, more) : BK_OK;
}
