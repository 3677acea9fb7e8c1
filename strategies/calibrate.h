/*
 * Calibrating the synthetic population (strategies/pop_synth.h) against the venue's
 * liquidation prints (strategies/pop_liqprint.h): which open-interest scale s makes the
 * population's liquidations look most like the prints.
 *
 * The run simulates the population at every scale of a log-spaced grid (one extra
 * simulation of draw 0 per scale, in the same pass over the data), builds for each the
 * per-minute table of printed against simulated liquidation notional (bk_liqcal_row), and
 * scores it with
 *
 *     E(s) = Σ_minutes |simulated(s) − printed| / Σ_minutes printed
 *
 * over every minute of the window (a minute with neither adds nothing). Why this
 * measure: liquidation volume is heavy-tailed (a crash day's largest minute can print
 * more than all the others together), so a squared error would let one or two minutes
 * decide alone; an absolute error weighs each dollar the same wherever it falls, and
 * dividing by the printed total makes it read the same on a quiet day and on a crash.
 * E = 0 is a perfect match minute by minute; E = 1 is what a population that liquidates
 * nothing scores, so a fit with E >= 1 is no better than no population at all. E also
 * charges for timing: the right volume a minute late scores 2, not 0 — the totals next to
 * it (calibration_fit.csv) tell a wrong size from a wrong timing.
 *
 * Everything is integer (e-8 fixed point); no floating point feeds a scale.
 */
#ifndef BK_STRAT_CALIBRATE_H
#define BK_STRAT_CALIBRATE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/liqcal.h"

#define BK_CALIB_MAX_POINTS 64  /* scales one grid may hold (each is a simulation) */
#define BK_CALIB_MIN_SCALE 100000       /* 0.001, e-8 */

/* n scales from lo to hi (e-8, BK_CALIB_MIN_SCALE <= lo < hi <= BK_MAX_SCALE of
 * engine/assumptions.h, 2 <= n <= BK_CALIB_MAX_POINTS) spaced evenly in log: out[i] = lo × (hi / lo)^(i / (n−1))
 * rounded to 3 significant digits (half up), so out[0] = lo and out[n−1] = hi when those
 * have 3 digits or fewer. The power goes through log2 and 2^x in 32.32 fixed point.
 * BK_ECONFIG when the bounds or n are out of range, or when two rounded scales coincide
 * (too many points for the range). */
bk_rc bk_calib_grid(int64_t lo, int64_t hi, size_t n, int64_t *out);

/* E and the totals of a per-minute table (rows of any order): fills error, simulated and
 * printed of *pt (its oi_scale is left alone). BK_EDATA when nothing was printed (E is
 * undefined), BK_ERANGE when a total does not fit 64 bits. */
bk_rc bk_calib_score(const bk_liqcal_row *rows, size_t n, bk_liqcal_point *pt);

/* The index of the point with the lowest error, the lower scale (index) on a tie; n > 0. */
size_t bk_calib_best(const bk_liqcal_point *pts, size_t n);

#endif
