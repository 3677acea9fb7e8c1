/*
 * One minute of a liquidation-print calibration: the liquidation notional the venue's
 * data printed in that minute and the notional a policy's simulation liquidated in it;
 * and the fit of the synthetic population's open-interest scale to those prints (one
 * point per scale of a grid, strategies/calibrate.h).
 *
 * Plain data, defined here once so that the code that computes the tables
 * (strategies/pop_liqprint.h, strategies/calibrate.h) and the writers of calibration.csv
 * and calibration_fit.csv (reports/report.h) share it without either seeing the other.
 */
#ifndef BK_LIQCAL_H
#define BK_LIQCAL_H

#include <stdint.h>

typedef struct bk_liqcal_row {
  int64_t minute;      /* start of the minute, µs */
  int64_t printed;     /* notional of the prints in it, quote currency e-8 */
  int64_t simulated;   /* notional liquidated by the simulation in it (policy's records) */
  uint32_t nprinted;   /* prints */
  uint32_t nsimulated; /* liquidation steps */
} bk_liqcal_row;

/* One scale of the fit: how far the synthetic population's liquidations at that scale
 * are from the prints, over the window's minutes. */
typedef struct bk_liqcal_point {
  int64_t oi_scale;    /* the population's open-interest scale, e-8 */
  int64_t error;       /* Σ over minutes |simulated − printed| / Σ printed, e-8, rounded up */
  int64_t simulated;   /* Σ simulated notional, quote currency e-8 */
  int64_t printed;     /* Σ printed notional, quote currency e-8 (> 0) */
} bk_liqcal_point;

/* A finished fit: the grid's points in ascending scale, the one chosen (lowest error,
 * ties to the lower scale), and the chosen scale's per-minute table. */
typedef struct bk_liqcal_fit {
  const bk_liqcal_point *points;
  size_t n;
  size_t best;                 /* index into points */
  const bk_liqcal_row *minutes; /* the best scale's table, in time order */
  size_t nminutes;
} bk_liqcal_fit;

#endif
