/*
 * One minute of a liquidation-print calibration: the liquidation notional the venue's
 * data printed in that minute and the notional a policy's simulation liquidated in it.
 *
 * Plain data, defined here once so that the population that computes the table
 * (strategies/pop_liqprint.h) and the writer of calibration.csv (reports/report.h) share
 * it without either seeing the other.
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

#endif
