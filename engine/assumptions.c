/* The names of the assumptions an uncertainty run varies (see assumptions.h). */
#include "engine/assumptions.h"

const char *const bk_assumption_names[BK_ASSUMPTIONS] = {"oi_scale", "depth_scale",
                                                         "mark_window_s", "leverage_scale"};

int bk_ranges_count(const bk_ranges *r) {
  int n = 0;
  for (int k = 0; k < BK_ASSUMPTIONS; k++) n += r->given[k] != 0;
  return n;
}

int bk_ranges_case(const bk_ranges *r, size_t c, int *end) {
  *end = 0;
  if (c == 0) return -1;
  size_t j = (c - 1) / 2;
  for (int k = 0; k < BK_ASSUMPTIONS; k++)
    if (r->given[k] && j-- == 0) {
      *end = (int)((c - 1) % 2);
      return k;
    }
  return -1;
}
