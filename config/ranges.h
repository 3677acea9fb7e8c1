/*
 * Assumption ranges (the scenario's "uncertainty": {"ranges": {...}}): each optional, a
 * [low, high] pair of decimal strings,
 *   "oi_scale":       ["0.1", "4"]   × the synthetic population's open-interest target
 *   "depth_scale":    ["0.25", "4"]  × the depth model's minutes of volume
 *   "mark_window_s":  ["1", "30"]    the derived mark's trailing window, seconds
 *   "leverage_scale": ["0.5", "2"]   × every leverage the population draws
 * and how each draw takes its values from them.
 *
 * The draw. Draw 0 is the base: scales 1, the scenario's own mark window. Draw d >= 1
 * takes each assumption with a range from its own stream, bk_rng_stream(seed,
 * bk_rng_name("range:<name>"), d), as one of BK_RANGE_GRID points spaced evenly in the
 * logarithm from low to high (both included): log-uniform over the range, as a factor's
 * uncertainty is (×0.5 is as far from 1 as ×2). The points are computed in integers:
 * point i is the smallest value x in [low, high] with log2(x) >= log2(low) +
 * i / (G − 1) × (log2(high) − log2(low)), the logarithms in 32.32 fixed point
 * (bk_pop_log2_q32), so no floating point feeds a draw. A draw's value of one assumption
 * depends on the seed, the draw and that assumption's name only: adding a range or a
 * contract moves no other value.
 */
#ifndef BK_CONFIG_RANGES_H
#define BK_CONFIG_RANGES_H

#include <stdint.h>

#include <jansson.h>

#include "config/jdoc.h"
#include "engine/assumptions.h"
#include "engine/error.h"
#include "engine/sim.h"

#define BK_RANGE_GRID 64        /* points a range is drawn from */
#define BK_RANGE_MAX_WINDOW_S 3600 /* the mark window's in [0.000001, 3600] seconds */

/* Reads the "ranges" object v (at path "uncertainty.ranges") into r: each member a
 * known assumption whose value is [low, high] with 0 < low <= high within the bounds
 * above (the window in whole microseconds). BK_ECONFIG with file:line:column. */
bk_rc bk_ranges_read(const bk_jdoc *d, const json_t *v, bk_ranges *r, bk_err *err);

/* The ranges as bk_ranges_read reads them back; NULL when out of memory. */
json_t *bk_ranges_json(const bk_ranges *r);

/* The base values: scales 1, the window mark_window_us. */
void bk_assumptions_base(bk_assumptions *a, int64_t mark_window_us);

/* Point i (0 .. BK_RANGE_GRID − 1) of the log-spaced grid over [lo, hi] (0 < lo <= hi):
 * lo at 0, hi at the last. */
int64_t bk_range_point(int64_t lo, int64_t hi, unsigned i);

/* Draw `draw`'s values: the base for draw 0 and for every assumption without a range;
 * otherwise drawn from the assumption's stream (see above). */
void bk_ranges_draw(const bk_ranges *r, const bk_assumptions *base, uint64_t seed,
                    uint64_t draw, bk_assumptions *out);

/* Sets what a simulation's configuration holds of a: the depth model's minutes × the
 * depth scale (rounded down) and the mark window. BK_ERANGE when a product overflows.
 * The population's scales go to its own configuration (config/population_json.h). */
bk_rc bk_assumptions_apply(const bk_assumptions *a, bk_sim_config *c);

#endif
