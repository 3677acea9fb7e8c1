/* The draws of an uncertainty run and their nearest-rank bands (see draws.h). */
#include "reports/draws.h"

#include <stdlib.h>
#include <string.h>

#include "engine/vec.h"

const char *const bk_draw_figure_names[BK_DRAW_FIGURES] = {
    "fund_end", "fund_min", "max_drawdown", "adl_notional", "socialized", "adl_taken",
    "safe_initial_fund"};

const unsigned bk_draw_band_pct[BK_DRAW_BANDS] = {5, 50, 95};

void bk_report_draws_init(bk_report_draws *d) { memset(d, 0, sizeof *d); }

void bk_report_draws_fini(bk_report_draws *d) {
  free(d->rows);
  free(d->band);
  free(d->hits);
  bk_report_draws_init(d);
}

bk_rc bk_report_draws_add(bk_report_draws *d, uint32_t draw, size_t policy, uint32_t asset,
                          const bk_report_totals *t) {
  bk_draw_row *v = bk_vec_grow_from(d->rows, &d->cap, d->n + 1, sizeof *v, 64);
  if (!v) return BK_ENOMEM;
  d->rows = v;
  bk_draw_row *r = &d->rows[d->n++];
  r->draw = draw;
  r->policy = (uint32_t)policy;
  r->asset = asset;
  r->v[BK_DRAW_FUND_END] = t->fund_end;
  r->v[BK_DRAW_FUND_MIN] = t->fund_min;
  r->v[BK_DRAW_MAX_DRAWDOWN] = t->max_drawdown;
  r->v[BK_DRAW_ADL] = t->adl_notional;
  r->v[BK_DRAW_SOCIALIZED] = t->socialized;
  r->v[BK_DRAW_TAKEN] = t->adl.taken;
  r->v[BK_DRAW_SAFE_FUND] = t->safe_fund;
  if (draw + 1 > d->ndraws) d->ndraws = draw + 1;
  if (policy + 1 > d->npolicies) d->npolicies = policy + 1;
  if (asset + 1 > d->nassets) d->nassets = asset + 1;
  return BK_OK;
}

int bk_draw_row_hit(const bk_draw_row *r) { /* a profit rule's haircuts show in taken alone */
  return r->v[BK_DRAW_ADL] > 0 || r->v[BK_DRAW_SOCIALIZED] > 0 || r->v[BK_DRAW_TAKEN] > 0;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

void bk_sort_i64(int64_t *v, size_t n) { qsort(v, n, sizeof *v, cmp_i64); }

int64_t bk_nearest_rank(int64_t *v, size_t n, unsigned pct) {
  bk_sort_i64(v, n);
  size_t rank = (pct * n + 99) / 100; /* ceil(pct × n / 100) */
  return v[rank ? rank - 1 : 0];
}

bk_rc bk_report_draws_finish(bk_report_draws *d) {
  size_t nd = d->ndraws, cells = nd ? d->npolicies * d->nassets : 0;
  free(d->band);
  free(d->hits);
  d->band = calloc(cells * BK_DRAW_FIGURES + 1, sizeof *d->band);
  d->hits = calloc(cells + 1, sizeof *d->hits);
  int64_t *x = malloc((nd + 1) * sizeof *x);
  if (!d->band || !d->hits || !x) {
    free(x);
    return BK_ENOMEM;
  }
  for (size_t c = 0; c < cells; c++) {
    for (size_t i = 0; i < nd; i++) d->hits[c] += (uint32_t)bk_draw_row_hit(&d->rows[i * cells + c]);
    for (int f = 0; f < BK_DRAW_FIGURES; f++)
      for (int b = 0; b < BK_DRAW_BANDS; b++) {
        for (size_t i = 0; i < nd; i++) x[i] = d->rows[i * cells + c].v[f];
        d->band[c * BK_DRAW_FIGURES + (size_t)f][b] = bk_nearest_rank(x, nd, bk_draw_band_pct[b]);
      }
  }
  free(x);
  return BK_OK;
}
