/*
 * The open-interest calibration's arithmetic (see calibrate.h): the log-spaced grid of
 * scales, the score of one scale's per-minute table, the choice of the best. A grid is a
 * few dozen points and a table a few thousand minutes at most: nothing here is tuned.
 */
#include "strategies/calibrate.h"

#include "engine/assumptions.h"
#include "engine/fixed.h"
#include "strategies/sizing.h"

/* floor(sqrt(x)), digit by digit. */
static bk_u128 isqrt128(bk_u128 x) {
  bk_u128 r = 0, bit = (bk_u128)1 << 126;
  while (bit > x) bit >>= 2;
  for (; bit; bit >>= 2) {
    if (x >= r + bit) {
      x -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
  }
  return r;
}

/* 2^x for x a 32.32 fixed-point number below 2^37 (so the result fits 63 bits), rounded
 * to the nearest integer: 2^frac is the product of 2^(2^-k) over the fraction's set bits,
 * each factor a square root of the one before, in Q62. */
static uint64_t exp2_q32(uint64_t x) {
  unsigned e = (unsigned)(x >> 32);
  bk_u128 one = (bk_u128)1 << 62, m = one, root = isqrt128((bk_u128)2 << 124);
  for (int i = 31; i >= 0; i--) { /* bit i weighs 2^(i − 32): root = 2^(2^(i − 32)) */
    if (x >> i & 1) m = (m * root) >> 62;
    root = isqrt128(root << 62);
  }
  unsigned sh = 62 - e;
  return (uint64_t)((m + ((bk_u128)1 << (sh - 1))) >> sh);
}

/* v rounded to 3 significant digits, half up. */
static int64_t three_digits(int64_t v) {
  int64_t p = 1;
  while (v / p >= 1000) p *= 10;
  return (v + p / 2) / p * p;
}

bk_rc bk_calib_grid(int64_t lo, int64_t hi, size_t n, int64_t *out) {
  if (lo < BK_CALIB_MIN_SCALE || hi <= lo || hi > BK_MAX_SCALE || n < 2 ||
      n > BK_CALIB_MAX_POINTS)
    return BK_ECONFIG;
  uint64_t a = bk_pop_log2_q32((uint64_t)lo), b = bk_pop_log2_q32((uint64_t)hi);
  for (size_t i = 0; i < n; i++) {
    uint64_t l = a + (uint64_t)((bk_u128)(b - a) * i / (n - 1));
    out[i] = three_digits(i == 0 ? lo : i == n - 1 ? hi : (int64_t)exp2_q32(l));
    if (i && out[i] <= out[i - 1]) return BK_ECONFIG;
  }
  return BK_OK;
}

bk_rc bk_calib_score(const bk_liqcal_row *rows, size_t n, bk_liqcal_point *pt) {
  bk_i128 dist = 0, sim = 0, printed = 0;
  for (size_t i = 0; i < n; i++) {
    bk_i128 d = (bk_i128)rows[i].simulated - rows[i].printed;
    dist += d < 0 ? -d : d;
    sim += rows[i].simulated;
    printed += rows[i].printed;
  }
  if (printed == 0) return BK_EDATA;
  if (printed > INT64_MAX || sim > INT64_MAX) return BK_ERANGE;
  bk_i128 e = (dist * BK_FX_SCALE + printed - 1) / printed; /* rounded up */
  if (e > INT64_MAX) return BK_ERANGE;
  pt->error = (int64_t)e;
  pt->simulated = (int64_t)sim;
  pt->printed = (int64_t)printed;
  return BK_OK;
}

size_t bk_calib_best(const bk_liqcal_point *pts, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; i++)
    if (pts[i].error < pts[best].error) best = i;
  return best;
}
