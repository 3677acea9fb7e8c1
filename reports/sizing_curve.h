/*
 * The fund-sizing curve of an uncertainty run (sizing.csv and its chart): per policy and
 * settle asset, the probability of ADL or socialization against the initial fund,
 *   P(F) = the share of draws whose safe initial fund exceeds F.
 * The safe fund S of a draw (docs/liquidation.md §9, bk_sim_safe_fund) is the smallest
 * initial fund with which the policy needs neither: with F >= S it needs none, with
 * F < S the binding check fails. So a draw needs ADL or socialization with initial fund
 * F exactly when S > F, and P(F) is the share of draws that would. The curve is a step
 * function falling at each draw's S: the steps at F = 0 and at every distinct S give it
 * exactly. The fund that avoids both in 95 % of the draws is the nearest-rank P95 of S
 * (reports/draws.h), at which at most 5 % of the draws exceed it.
 */
#ifndef BK_REPORT_SIZING_CURVE_H
#define BK_REPORT_SIZING_CURVE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "reports/run.h"

/* One step: from initial fund `fund` up to the next step's, `above` draws need more. */
typedef struct bk_sizing_step {
  int64_t fund;
  uint32_t above;
} bk_sizing_step;

/* The steps of the curve over n > 0 safe funds (each >= 0; sorted in place): one at 0
 * and one at each distinct value, ascending (the last has above = 0). out has room for
 * n + 1; returns the number of steps. */
size_t bk_sizing_curve(int64_t *safe, size_t n, bk_sizing_step *out);

/* 1 when the run has sizing curves: draws, each with a safe fund (a shadow). */
int bk_sizing_has(const bk_report_run *run);

/* The curve of policy p in asset a over the run's draws (bk_sizing_has): *steps
 * (malloc'd, *n of them) and the nearest-rank P95 of the safe funds. BK_ENOMEM. */
bk_rc bk_sizing_of(const bk_report_run *run, size_t p, uint32_t a, bk_sizing_step **steps,
                   size_t *n, int64_t *p95);

#endif
