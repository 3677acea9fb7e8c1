/* The fund-sizing curve: the share of draws whose safe fund exceeds F (see sizing_curve.h). */
#include "reports/sizing_curve.h"

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
