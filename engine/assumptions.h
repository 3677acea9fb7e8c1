/*
 * The assumptions an uncertainty run varies (config/ranges.h draws them, reports/ writes
 * them): the open-interest scale of the synthetic population, the depth model's scale,
 * the derived mark's trailing window and the leverage scale of the population's mix.
 * One set of values per simulation; a range per assumption in the scenario.
 */
#ifndef BK_ASSUMPTIONS_H
#define BK_ASSUMPTIONS_H

#include <stddef.h>
#include <stdint.h>

enum {
  BK_AS_OI_SCALE,       /* × the synthetic population's open-interest target, e-8 */
  BK_AS_DEPTH_SCALE,    /* × the depth model's minutes of volume, e-8 */
  BK_AS_MARK_WINDOW,    /* the derived mark's trailing window, µs */
  BK_AS_LEVERAGE_SCALE, /* × every leverage the population draws, e-8 */
  BK_ASSUMPTIONS
};

/* The largest scale (oi_scale, depth_scale, leverage_scale) a scenario may set, drawn or
 * fitted: 1000, e-8. Beyond it the sizes it multiplies leave int64. */
#define BK_MAX_SCALE INT64_C(100000000000)

/* Their names in the scenario and the reports: "oi_scale", "depth_scale",
 * "mark_window_s", "leverage_scale". */
extern const char *const bk_assumption_names[BK_ASSUMPTIONS];

/* One simulation's value of every assumption. */
typedef struct bk_assumptions {
  int64_t v[BK_ASSUMPTIONS];
} bk_assumptions;

/* The ranges of a scenario: given[k] says assumption k varies, over [lo[k], hi[k]]. */
typedef struct bk_ranges {
  int given[BK_ASSUMPTIONS];
  int64_t lo[BK_ASSUMPTIONS], hi[BK_ASSUMPTIONS];
} bk_ranges;

/* The number of assumptions with a range. */
int bk_ranges_count(const bk_ranges *r);

/* The one-at-a-time runs of a sensitivity table: case 0 is the base, then each
 * assumption with a range at its low end and at its high end, in the order of the enum
 * (2 × bk_ranges_count + 1 cases). For case c >= 1: its assumption, and in *end 0 (low)
 * or 1 (high); -1 when c is out of range. */
int bk_ranges_case(const bk_ranges *r, size_t c, int *end);

#endif
