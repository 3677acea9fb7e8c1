/*
 * Fast paths for the numbers of market data rows, used by the decoders.
 *
 * Almost every price, amount and timestamp in a Tardis file is a short plain decimal
 * ("28155.1", "0.024", "1680652800016000"). These inline parsers take exactly that
 * shape, in 64-bit arithmetic that cannot overflow, and hand everything else (signs
 * other than '-', more digits, errors of any kind) to bk_fx_parse / bk_int_parse, so the
 * result and the error are always those of the engine's parser. tests/test_decode.c
 * checks that on seeded random strings.
 */
#ifndef BK_FEEDS_NUM_H
#define BK_FEEDS_NUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine/fixed.h"

/* As bk_fx_parse. */
static inline bk_rc bk_num_fx(const char *s, size_t n, int64_t *out, const char **why) {
  static const uint64_t pow10[9] = {100000000, 10000000, 1000000, 100000, 10000,
                                    1000,      100,      10,      1};
  size_t i = 0;
  int neg = 0;
  if (n > 0 && s[0] == '-') neg = 1, i = 1;
  size_t int_start = i;
  uint64_t v = 0;
  while (i < n && (unsigned char)(s[i] - '0') <= 9) v = v * 10 + (uint64_t)(s[i++] - '0');
  size_t int_digits = i - int_start;
  if (int_digits == 0 || int_digits > 10) return bk_fx_parse(s, n, out, why);
  v *= BK_FX_SCALE;
  if (i < n) {
    if (s[i] != '.') return bk_fx_parse(s, n, out, why);
    size_t f0 = ++i;
    uint64_t fr = 0;
    while (i < n && (unsigned char)(s[i] - '0') <= 9) fr = fr * 10 + (uint64_t)(s[i++] - '0');
    size_t fd = i - f0;
    if (i != n || fd == 0 || fd > 8) return bk_fx_parse(s, n, out, why);
    v += fr * pow10[fd];
  }
  *out = neg ? -(int64_t)v : (int64_t)v;
  return BK_OK;
}

/* The value of 8 ASCII digits at s, or UINT64_MAX when one of them is not a digit.
 * Little-endian word tricks: check all eight bytes at once, then add pairs, quads and
 * halves with three multiplications. */
static inline uint64_t bk_num_digits8(const char *s) {
  uint64_t v;
  memcpy(&v, s, 8);
  const uint64_t hi = UINT64_C(0xF0F0F0F0F0F0F0F0), zero = UINT64_C(0x3030303030303030);
  if ((v & hi) != zero || ((v + UINT64_C(0x0606060606060606)) & hi) != zero) return UINT64_MAX;
  v -= zero;
  v = (v * 10 + (v >> 8)) & UINT64_C(0x00FF00FF00FF00FF);
  v = (v * 100 + (v >> 16)) & UINT64_C(0x0000FFFF0000FFFF);
  return (v * 10000 + (v >> 32)) & UINT64_C(0xFFFFFFFF);
}

/* As bk_int_parse. */
static inline bk_rc bk_num_int(const char *s, size_t n, int64_t *out, const char **why) {
  if (n == 0 || n > 18) return bk_int_parse(s, n, out, why);
  uint64_t v = 0;
  size_t i = 0;
  for (; i < n % 8; i++) {
    unsigned d = (unsigned char)(s[i] - '0');
    if (d > 9) return bk_int_parse(s, n, out, why);
    v = v * 10 + d;
  }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; i < n; i += 8) {
    uint64_t d = bk_num_digits8(s + i);
    if (d == UINT64_MAX) return bk_int_parse(s, n, out, why);
    v = v * 100000000 + d;
  }
#else
  for (; i < n; i++) {
    unsigned d = (unsigned char)(s[i] - '0');
    if (d > 9) return bk_int_parse(s, n, out, why);
    v = v * 10 + d;
  }
#endif
  *out = (int64_t)v;
  return BK_OK;
}

#endif
