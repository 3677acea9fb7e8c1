/*
 * Market stress for adaptive margins (see stress.h). Runs on every mark update of every
 * policy that uses it, so a call that crosses no sample boundary is two comparisons; a
 * sample is a handful of 128-bit products. A gap in the data of k boundaries costs k
 * samples, which keeps every sample's arithmetic the same (no closed form to get wrong).
 */
#include "engine/stress.h"

#include "engine/fixed.h"

/* x^n in fixed point e-8, each product rounded down (x in [0, 1]). */
static int64_t pow_floor(int64_t x, int64_t n) {
  int64_t acc = BK_FX(1);
  while (n > 0) {
    if (n & 1) acc = bk_div_round((bk_i128)acc * x, BK_FX_SCALE, BK_FLOOR);
    x = bk_div_round((bk_i128)x * x, BK_FX_SCALE, BK_FLOOR);
    n >>= 1;
  }
  return acc;
}

int64_t bk_stress_decay(const bk_adaptive_margin *am) {
  int64_t n = am->halflife_us / am->sample_us, lo = 0, hi = BK_FX(1);
  while (lo < hi) { /* the smallest d with d^n >= 1/2 */
    int64_t mid = lo + (hi - lo) / 2;
    if (pow_floor(mid, n) >= BK_FX(1) / 2) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

void bk_stress_start(bk_stress *s, const bk_adaptive_margin *am) {
  s->next = 0;
  s->last = 0;
  s->vol = 0;
  s->target = am->floor;
  s->mult = am->floor;
}

/* One sample of mark m: the mean takes |m − last| / last, the target follows the mean,
 * the multiplier moves toward the target by at most the ramp. */
static void sample(bk_stress *s, const bk_adaptive_margin *am, int64_t decay, int64_t m) {
  const bk_i128 S = BK_FX_SCALE;
  bk_i128 d = (bk_i128)m - s->last;
  int64_t ret = bk_div_round((d < 0 ? -d : d) * S, s->last, BK_CEIL); /* e-8 */
  if (ret > BK_FX(1)) ret = BK_FX(1);
  s->last = m;
  /* vol' = d·vol + (1 − d)·ret, at e-16: d·vol/S is e-16, (S − d)·ret is e-16 exactly */
  s->vol = bk_div_round((bk_i128)decay * s->vol, S, BK_CEIL) + (int64_t)((S - decay) * ret);
  int64_t t = bk_div_round(s->vol, am->vol_ref, BK_CEIL); /* (vol / vol_ref), e-8 */
  s->target = t < am->floor ? am->floor : t > am->cap ? am->cap : t;
  int64_t step = s->target - s->mult;
  if (step > am->ramp) step = am->ramp;
  if (step < -am->ramp) step = -am->ramp;
  s->mult += step;
}

int bk_stress_observe(bk_stress *s, const bk_adaptive_margin *am, int64_t decay,
                      int64_t before, int64_t mark, int64_t ts) {
  if (s->next == 0) { /* the first mark: the grid starts after it */
    s->last = mark;
    s->next = (ts / am->sample_us + 1) * am->sample_us;
    return 0;
  }
  int64_t mult0 = s->mult;
  for (; ts >= s->next; s->next += am->sample_us) sample(s, am, decay, before);
  return s->mult != mult0;
}
