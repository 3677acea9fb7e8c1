/*
 * The run-level ADL figures of a policy in a settle asset: its ADL rounds
 * (engine/adl_rounds.h) summed, as summary.csv and the ADL chart show them. The rounds
 * themselves are written one per row to adl_rounds.csv (report.c).
 */
#ifndef BK_REPORT_ADL_ROUNDS_H
#define BK_REPORT_ADL_ROUNDS_H

#include <stdint.h>

#include "engine/risk_state.h"

typedef struct bk_report_adl {
  uint64_t rounds;
  int64_t taken, given;   /* Σ taken, Σ given */
  int64_t needed;         /* Σ needed; -1 without a shadow */
  int64_t overshoot;      /* Σ max(0, taken − needed) per round; -1 without a shadow */
  int64_t undershoot;     /* Σ max(0, needed − taken) per round; -1 without a shadow */
  int64_t concentration;  /* the largest round's */
  int64_t max_leverage;   /* the largest round's (INT64_MAX: left on equity <= 0) */
  uint64_t pairs, flips;  /* Σ over rounds */
} bk_report_adl;

/* Sums r's rounds in asset a into s. BK_ERANGE when a sum overflows. */
bk_rc bk_report_adl_sum(const bk_risk *r, uint32_t a, bk_report_adl *s);

#endif
