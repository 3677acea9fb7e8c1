/* Assumption ranges: reading, writing back and drawing them (see ranges.h). */
#include "config/ranges.h"

#include <stdio.h>
#include <string.h>

#include "engine/fixed.h"
#include "engine/rng.h"
#include "strategies/sizing.h"

#define US_PER_S INT64_C(1000000)

/* The window is kept in µs, the scales in e-8: what one unit of the JSON value is. */
static int64_t per_unit(int k) { return k == BK_AS_MARK_WINDOW ? US_PER_S : BK_FX_SCALE; }

static bk_rc read_one(const bk_jdoc *d, const json_t *v, const char *path, int k,
                      bk_ranges *r, bk_err *err) {
  int64_t lo, hi;
  if (!json_is_array(v) || json_array_size(v) != 2)
    return bk_jdoc_fail(d, err, path, "expected [\"low\", \"high\"]");
  char p[96];
  snprintf(p, sizeof p, "%s.0", path);
  bk_rc rc = bk_jdoc_fx(d, err, p, json_array_get(v, 0), &lo);
  snprintf(p, sizeof p, "%s.1", path);
  if (!rc) rc = bk_jdoc_fx(d, err, p, json_array_get(v, 1), &hi);
  if (rc) return rc;
  if (k == BK_AS_MARK_WINDOW) {
    if (lo < 100 || hi > BK_FX(BK_RANGE_MAX_WINDOW_S) || lo > hi || lo % 100 || hi % 100)
      return bk_jdoc_fail(d, err, path, "expected seconds with low <= high in "
                          "[0.000001, %d], whole microseconds", BK_RANGE_MAX_WINDOW_S);
    lo /= 100, hi /= 100; /* e-8 seconds to µs */
  } else if (lo <= 0 || hi > BK_MAX_SCALE || lo > hi) {
    return bk_jdoc_fail(d, err, path, "expected a scale with 0 < low <= high <= 1000");
  }
  r->given[k] = 1;
  r->lo[k] = lo;
  r->hi[k] = hi;
  return BK_OK;
}

bk_rc bk_ranges_read(const bk_jdoc *d, const json_t *v, bk_ranges *r, bk_err *err) {
  static const char *const known[] = {"oi_scale", "depth_scale", "mark_window_s",
                                      "leverage_scale", NULL};
  memset(r, 0, sizeof *r);
  if (!json_is_object(v))
    return bk_jdoc_fail(d, err, "uncertainty.ranges", "expected {\"oi_scale\": [\"low\", "
                        "\"high\"], ...}");
  bk_rc rc = bk_jdoc_known(d, err, "uncertainty.ranges", v, known);
  for (int k = 0; !rc && k < BK_ASSUMPTIONS; k++) {
    const json_t *x = json_object_get(v, bk_assumption_names[k]);
    char path[96];
    snprintf(path, sizeof path, "uncertainty.ranges.%s", bk_assumption_names[k]);
    if (x) rc = read_one(d, x, path, k, r, err);
  }
  return rc;
}

json_t *bk_ranges_json(const bk_ranges *r) {
  json_t *o = json_object();
  for (int k = 0; o && k < BK_ASSUMPTIONS; k++) {
    if (!r->given[k]) continue;
    int64_t unit = BK_FX_SCALE / per_unit(k);
    if (bk_jdoc_put(o, bk_assumption_names[k],
                    json_pack("[oo]", bk_jdoc_fx_value(r->lo[k] * unit),
                              bk_jdoc_fx_value(r->hi[k] * unit)))) {
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

void bk_assumptions_base(bk_assumptions *a, int64_t mark_window_us) {
  for (int k = 0; k < BK_ASSUMPTIONS; k++) a->v[k] = BK_FX(1);
  a->v[BK_AS_MARK_WINDOW] = mark_window_us;
}

int64_t bk_range_point(int64_t lo, int64_t hi, unsigned i) {
  if (i == 0 || lo >= hi) return lo;
  if (i >= BK_RANGE_GRID - 1) return hi;
  uint64_t l0 = bk_pop_log2_q32((uint64_t)lo), l1 = bk_pop_log2_q32((uint64_t)hi);
  uint64_t want = l0 + (l1 - l0) * i / (BK_RANGE_GRID - 1);
  int64_t a = lo, b = hi; /* the smallest x in [a, b] with log2(x) >= want */
  while (a < b) {
    int64_t mid = a + (b - a) / 2;
    if (bk_pop_log2_q32((uint64_t)mid) >= want) b = mid;
    else a = mid + 1;
  }
  return a;
}

void bk_ranges_draw(const bk_ranges *r, const bk_assumptions *base, uint64_t seed,
                    uint64_t draw, bk_assumptions *out) {
  *out = *base;
  for (int k = 0; draw && k < BK_ASSUMPTIONS; k++) {
    if (!r->given[k]) continue;
    char name[48];
    snprintf(name, sizeof name, "range:%s", bk_assumption_names[k]);
    uint64_t st = bk_rng_stream(seed, bk_rng_name(name), draw);
    out->v[k] = bk_range_point(r->lo[k], r->hi[k], (unsigned)bk_rng_below(&st, BK_RANGE_GRID));
  }
}

bk_rc bk_assumptions_apply(const bk_assumptions *a, bk_sim_config *c) {
  for (size_t i = 0; i < c->depth.n; i++) {
    bk_rc rc = bk_fx_mul(c->depth.minutes[i], a->v[BK_AS_DEPTH_SCALE], BK_FLOOR,
                         &c->depth.minutes[i]);
    if (rc) return rc;
  }
  c->mark_window_us = a->v[BK_AS_MARK_WINDOW];
  return BK_OK;
}
