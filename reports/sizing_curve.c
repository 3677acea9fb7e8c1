/* The fund-sizing curve: the share of draws whose safe fund exceeds F (see sizing_curve.h). */
#include "reports/sizing_curve.h"

#include <stdlib.h>

#include "reports/draws.h"

size_t bk_sizing_curve(int64_t *safe, size_t n, bk_sizing_step *out) {
  bk_sort_i64(safe, n);
  size_t k = 0;
  if (safe[0] > 0) out[k++] = (bk_sizing_step){0, (uint32_t)n};
  for (size_t i = 0; i < n; i++) {
    if (i + 1 < n && safe[i + 1] == safe[i]) continue;
    out[k++] = (bk_sizing_step){safe[i], (uint32_t)(n - i - 1)};
  }
  return k;
}

int bk_sizing_has(const bk_report_run *run) {
  return run->draws && run->draws->n && run->draws->rows[0].v[BK_DRAW_SAFE_FUND] >= 0;
}

bk_rc bk_sizing_of(const bk_report_run *run, size_t p, uint32_t a, bk_sizing_step **steps,
                   size_t *n, int64_t *p95) {
  const bk_report_draws *d = run->draws;
  size_t nd = d->ndraws, cells = d->npolicies * d->nassets, c = p * d->nassets + a;
  int64_t *safe = malloc(nd * sizeof *safe);
  *steps = malloc((nd + 1) * sizeof **steps);
  if (!safe || !*steps) {
    free(safe);
    free(*steps);
    *steps = NULL;
    return BK_ENOMEM;
  }
  for (size_t i = 0; i < nd; i++) safe[i] = d->rows[i * cells + c].v[BK_DRAW_SAFE_FUND];
  *p95 = bk_nearest_rank(safe, nd, 95);
  *n = bk_sizing_curve(safe, nd, *steps);
  free(safe);
  return BK_OK;
}
