/*
 * Market stress of one contract, for adaptive margins (policy.h bk_adaptive_margin): the
 * realized volatility of its marks as an exponentially weighted mean of |returns| over a
 * fixed sample grid, and the margin multiplier it asks for, between a floor and a cap,
 * moving at most a ramp per sample.
 *
 * Causal by construction: the sample at a grid boundary b is the mark in effect just
 * before b (the last one with a time < b), so the multiplier at any time t depends on
 * marks before t only. Samples are taken when the contract's next mark arrives; a run of
 * boundaries with no mark between them samples the same mark again (returns of 0).
 *
 * Integer fixed point throughout: returns are fractions e-8 rounded up, the mean is kept
 * at e-16 so that a long half-life does not stall it, and the multiplier rounds up (the
 * larger margin is the exchange's side).
 *
 * Ownership: plain data in the caller's storage.
 */
#ifndef BK_STRESS_H
#define BK_STRESS_H

#include <stdint.h>

#include "engine/policy.h"

typedef struct bk_stress {
  int64_t next;   /* the next sample boundary, µs since the epoch; 0 before the first mark */
  int64_t last;   /* the mark sampled last, e-8 */
  int64_t vol;    /* mean |return| per sample, fraction e-16, in [0, 1e16] */
  int64_t target; /* the multiplier the volatility asks for, e-8, in [floor, cap] */
  int64_t mult;   /* the multiplier in force, e-8, in [floor, cap] */
} bk_stress;

/* The per-sample decay of the mean, 2^(−sample/half-life): the smallest d (e-8) whose power
 * over the half-life's samples, each product rounded down, reaches 1/2 (so the mean fades
 * no faster than the half-life says). */
int64_t bk_stress_decay(const bk_adaptive_margin *am);

/* A stress state before any mark: no volatility, the multiplier at the floor. */
void bk_stress_start(bk_stress *s, const bk_adaptive_margin *am);

/* A mark arrived at ts; before it the mark was `before` (0: this is the first). Takes
 * every sample whose boundary is <= ts and returns 1 when the multiplier changed. decay
 * is bk_stress_decay(am). */
int bk_stress_observe(bk_stress *s, const bk_adaptive_margin *am, int64_t decay,
                      int64_t before, int64_t mark, int64_t ts);

#endif
