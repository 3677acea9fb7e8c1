/*
 * Fixed-point parsing, formatting and rounded 128-bit arithmetic (see fixed.h).
 *
 * The parser is the hot path of every decoder: it runs once per numeric field of every
 * row, so it makes one pass over the bytes, with no allocation and no locale.
 */
#include "engine/fixed.h"

#include <string.h>

bk_u128 bk_udivrem(bk_u128 n, bk_u128 d, bk_u128 *rem) {
  if (d <= UINT64_MAX && n >> 64 < d) {
    uint64_t q, r, lo = (uint64_t)n, hi = (uint64_t)(n >> 64), dd = (uint64_t)d;
    if (hi == 0) {
      q = lo / dd;
      r = lo % dd;
    } else {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
      /* hi < dd: the quotient fits 64 bits, so divq cannot fault */
      __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(dd));
#else
      bk_u128 qq = n / d;
      q = (uint64_t)qq;
      r = (uint64_t)(n - qq * d);
#endif
    }
    *rem = r;
    return q;
  }
  bk_u128 q = n / d;
  *rem = n - q * d;
  return q;
}

static bk_u128 umag(bk_i128 x) { return x < 0 ? (bk_u128)0 - (bk_u128)x : (bk_u128)x; }

/* a / b truncated toward zero and a % b (with the sign of a), as C's / and %, in one
 * division (bk_udivrem). |a / b| < 2^127: the products divided here are of int64s. */
static bk_i128 divrem(bk_i128 a, bk_i128 b, bk_i128 *rem) {
  bk_u128 ur, uq = bk_udivrem(umag(a), umag(b), &ur);
  *rem = a < 0 ? -(bk_i128)ur : (bk_i128)ur;
  return (a < 0) != (b < 0) ? -(bk_i128)uq : (bk_i128)uq;
}

int64_t bk_div_round(bk_i128 a, bk_i128 b, bk_round r) {
  bk_i128 rem, q = divrem(a, b, &rem); /* C truncates toward zero */
  if (rem != 0) {
    int neg = (rem < 0) != (b < 0); /* sign of the exact quotient's fraction */
    switch (r) {
    case BK_FLOOR:
      if (neg) q -= 1;
      break;
    case BK_CEIL:
      if (!neg) q += 1;
      break;
    case BK_TRUNC:
      break;
    case BK_HALF_EVEN: {
      bk_i128 twice = rem < 0 ? -rem * 2 : rem * 2;
      bk_i128 absb = b < 0 ? -b : b;
      if (twice > absb || (twice == absb && (q % 2 != 0))) q += neg ? -1 : 1;
      break;
    }
    }
  }
  return (int64_t)q;
}

static bk_rc fit(bk_i128 v, int64_t *out) {
  if (v > INT64_MAX || v < INT64_MIN) return BK_ERANGE;
  *out = (int64_t)v;
  return BK_OK;
}

/* Like bk_div_round but refuses quotients that do not fit int64. */
static bk_rc div128(bk_i128 a, bk_i128 b, bk_round r, int64_t *out) {
  if (b == 0) return BK_ERANGE;
  bk_i128 rem, q = divrem(a, b, &rem);
  if (q > INT64_MAX || q < INT64_MIN) return BK_ERANGE;
  /* q fits; rounding moves it by at most one, which may still overflow at the edges */
  bk_i128 rq = q;
  if (rem != 0) {
    int neg = (rem < 0) != (b < 0);
    if (r == BK_FLOOR && neg) rq -= 1;
    else if (r == BK_CEIL && !neg) rq += 1;
    else if (r == BK_HALF_EVEN) {
      bk_i128 twice = rem < 0 ? -rem * 2 : rem * 2;
      bk_i128 absb = b < 0 ? -b : b;
      if (twice > absb || (twice == absb && (q % 2 != 0))) rq += neg ? -1 : 1;
    }
  }
  return fit(rq, out);
}

bk_rc bk_fx_mul(int64_t a, int64_t b, bk_round r, int64_t *out) {
  return div128((bk_i128)a * b, BK_FX_SCALE, r, out);
}

bk_rc bk_fx_div(int64_t a, int64_t b, bk_round r, int64_t *out) {
  return div128((bk_i128)a * BK_FX_SCALE, b, r, out);
}

bk_rc bk_fx_muldiv(int64_t a, int64_t b, int64_t c, bk_round r, int64_t *out) {
  return div128((bk_i128)a * b, c, r, out);
}

int64_t bk_fx_round_to(int64_t v, int64_t step, bk_round r) {
  return (int64_t)((bk_i128)bk_div_round(v, step, r) * step);
}

int64_t bk_gcd(int64_t a, int64_t b) {
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

bk_rc bk_add(int64_t a, int64_t b, int64_t *out) {
  return fit((bk_i128)a + b, out);
}

bk_rc bk_sub(int64_t a, int64_t b, int64_t *out) {
  return fit((bk_i128)a - b, out);
}

static bk_rc parse_fail(const char **why, const char *reason, bk_rc rc) {
  if (why) *why = reason;
  return rc;
}

/* The one parser behind bk_fx_parse, bk_fx_parse_round and bk_int_parse.
 * decimals_allowed: 0 for integers. strict: extra non-zero decimals are an error. */
static bk_rc parse(const char *s, size_t n, int scale_digits, int strict, bk_round r,
                   int64_t *out, const char **why) {
  size_t i = 0;
  int neg = 0;
  if (n == 0) return parse_fail(why, "empty", BK_EDATA);
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  bk_i128 acc = 0;   /* magnitude in units of 10^-scale_digits */
  int digits = 0;     /* digits seen, before and after the point */
  int frac = -1;      /* decimals seen, -1 before the point */
  int extra_nonzero = 0, extra_first = -1, extra_rest_nonzero = 0;
  for (; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= '0' && c <= '9') {
      digits++;
      if (frac >= scale_digits) { /* past our precision */
        if (extra_first < 0) extra_first = c - '0';
        else if (c != '0') extra_rest_nonzero = 1;
        if (c != '0') extra_nonzero = 1;
        continue;
      }
      acc = acc * 10 + (c - '0');
      if (acc > (bk_i128)INT64_MAX * 10) return parse_fail(why, "too large", BK_ERANGE);
      if (frac >= 0) frac++;
    } else if (c == '.' && frac < 0 && scale_digits > 0) {
      frac = 0;
    } else {
      return parse_fail(why, "not a decimal number", BK_EDATA);
    }
  }
  if (digits == 0) return parse_fail(why, "not a decimal number", BK_EDATA);
  if (extra_nonzero && strict)
    return parse_fail(why, "more than 8 decimal places", BK_EDATA);
  for (int k = frac < 0 ? 0 : frac; k < scale_digits; k++) {
    acc *= 10;
    if (acc > (bk_i128)INT64_MAX * 10) return parse_fail(why, "too large", BK_ERANGE);
  }
  if (extra_nonzero) {
    /* the value lies strictly between acc and acc + 1 (in magnitude) */
    int up;
    if (r == BK_HALF_EVEN)
      up = extra_first > 5 || (extra_first == 5 && (extra_rest_nonzero || (acc & 1)));
    else if (r == BK_TRUNC)
      up = 0;
    else
      up = (r == BK_CEIL) != neg; /* CEIL rounds magnitude up for positives only */
    if (up) acc += 1;
  }
  if (neg) acc = -acc;
  if (acc > INT64_MAX || acc < INT64_MIN) return parse_fail(why, "too large", BK_ERANGE);
  *out = (int64_t)acc;
  return BK_OK;
}

bk_rc bk_fx_parse(const char *s, size_t n, int64_t *out, const char **why) {
  return parse(s, n, BK_FX_DECIMALS, 1, BK_TRUNC, out, why);
}

bk_rc bk_fx_parse_round(const char *s, size_t n, bk_round r, int64_t *out, const char **why) {
  return parse(s, n, BK_FX_DECIMALS, 0, r, out, why);
}

bk_rc bk_int_parse(const char *s, size_t n, int64_t *out, const char **why) {
  return parse(s, n, 0, 1, BK_TRUNC, out, why);
}

size_t bk_fx_format(int64_t v, int decimals, bk_round r, char *buf, size_t cap) {
  if (decimals < 0) decimals = 0;
  if (decimals > BK_FX_DECIMALS) decimals = BK_FX_DECIMALS;
  int64_t unit = 1;
  for (int k = decimals; k < BK_FX_DECIMALS; k++) unit *= 10;
  int64_t q = bk_div_round(v, unit, r); /* v in units of 10^-decimals: |q| <= 2^63 */
  int neg = q < 0;
  uint64_t m = neg ? (uint64_t)0 - (uint64_t)q : (uint64_t)q;
  char tmp[48];
  size_t len = 0;
  int pos = 0;
  do {
    if (pos == decimals && decimals > 0) tmp[len++] = '.';
    tmp[len++] = (char)('0' + (int)(m % 10));
    m /= 10;
    pos++;
  } while (m != 0 || pos <= decimals);
  if (neg) tmp[len++] = '-';
  size_t w = 0;
  for (size_t k = 0; k < len && w + 1 < cap; k++) buf[w++] = tmp[len - 1 - k];
  if (cap) buf[w] = '\0';
  return w;
}

size_t bk_fx_format_trim(int64_t v, char *buf, size_t cap) {
  int decimals = BK_FX_DECIMALS;
  int64_t m = v;
  while (decimals > 0 && m % 10 == 0) {
    m /= 10;
    decimals--;
  }
  return bk_fx_format(v, decimals, BK_TRUNC, buf, cap);
}
