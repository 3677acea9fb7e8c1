/*
 * The draws of an uncertainty run (`backstop run --draws N`, or the scenario's
 * "uncertainty" section): N seeded draws of the population over one replay of the market.
 * Per draw, policy and settle asset the figures a fund is judged by are kept here; report.c
 * writes them to draws.csv (one row each) and their bands per policy and asset into
 * summary.csv.
 *
 * The quantile rule: nearest rank on the draws sorted in ascending order, so a band is
 * always one draw's exact figure: Pq = x[ceil(q × N / 100) − 1] (x[0] when that is below
 * 0). With 100 draws P5 is the 5th smallest, P50 the 50th, P95 the 95th; with 10 draws
 * the 1st, 5th and 10th. P(ADL or socialization) is the share of draws in which the
 * policy deleveraged or socialized anything in the asset (adl_notional or socialized
 * above 0), as a fraction with 8 decimals, rounded half to even.
 */
#ifndef BK_REPORT_DRAWS_H
#define BK_REPORT_DRAWS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "reports/run.h"

/* The figures kept per draw, policy and asset (columns named by bk_draw_figure_names). */
enum {
  BK_DRAW_FUND_END, BK_DRAW_FUND_MIN, BK_DRAW_MAX_DRAWDOWN, BK_DRAW_ADL, BK_DRAW_SOCIALIZED,
  BK_DRAW_TAKEN, BK_DRAW_SAFE_FUND, BK_DRAW_FIGURES
};
extern const char *const bk_draw_figure_names[BK_DRAW_FIGURES];

/* The band's quantiles, in percent: P5, P50, P95. */
enum { BK_DRAW_BANDS = 3 };
extern const unsigned bk_draw_band_pct[BK_DRAW_BANDS];

typedef struct bk_draw_row {
  uint32_t draw, policy, asset;
  int64_t v[BK_DRAW_FIGURES]; /* safe fund -1: the run had no shadow */
} bk_draw_row;

typedef struct bk_report_draws {
  bk_draw_row *rows;          /* in the order added: draw, then policy, then asset */
  size_t n, cap;
  uint32_t ndraws;
  size_t npolicies, nassets;
  /* after bk_report_draws_finish: [(p * nassets + a) * BK_DRAW_FIGURES + f][band] */
  int64_t (*band)[BK_DRAW_BANDS];
  uint32_t *hits;             /* [p * nassets + a]: draws with ADL, socialization or
                                 haircuts (bk_draw_row_hit) */
} bk_report_draws;

void bk_report_draws_init(bk_report_draws *d);
void bk_report_draws_fini(bk_report_draws *d);

/* Keeps the figures of policy `policy` in asset `asset` in draw `draw` from its totals
 * (bk_report_totals_of). Rows come in order: draw, then policy, then asset, every draw
 * with the same policies and assets. BK_ENOMEM. */
bk_rc bk_report_draws_add(bk_report_draws *d, uint32_t draw, size_t policy, uint32_t asset,
                          const bk_report_totals *t);

/* Computes the bands once every draw is in. BK_ENOMEM. */
bk_rc bk_report_draws_finish(bk_report_draws *d);

/* Sorts v[0..n) ascending. */
void bk_sort_i64(int64_t *v, size_t n);

/* The nearest-rank pct-th percentile of v[0..n) (n > 0; v is sorted in place). */
int64_t bk_nearest_rank(int64_t *v, size_t n, unsigned pct);

/* 1 when the row's policy took anything from accounts in that draw: ADL, socialization,
 * or a profit rule's haircuts (which close nothing and socialize nothing: adl_taken). */
int bk_draw_row_hit(const bk_draw_row *r);

#endif
