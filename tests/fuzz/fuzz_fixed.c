/*
 * Fuzz target: the decimal and time parsers and the rounded fixed-point arithmetic
 * (engine/fixed.h, engine/clock.h), each checked against a slow, obvious reference in
 * 128-bit integers written here from the headers' contracts, not from the code.
 *
 * The input is used twice: as text for bk_fx_parse, bk_fx_parse_round, bk_int_parse and
 * bk_time_parse, and (its first 25 bytes) as three int64 operands and a rounding
 * direction for bk_fx_mul, bk_fx_div, bk_fx_muldiv, bk_div_round, bk_fx_round_to,
 * bk_add/bk_sub and bk_fx_format. Every check is an exact equality with the reference.
 */
#include <stdio.h>
#include <string.h>

#include "engine/clock.h"
#include "engine/fixed.h"
#include "tests/fuzz/fuzz.h"

#define LL(x) ((long long)(x))

/* q = p / d rounded in direction r, exact (d != 0). */
static bk_i128 ref_div(bk_i128 p, bk_i128 d, bk_round r) {
  if (d < 0) {
    p = -p;
    d = -d;
  }
  bk_i128 q = p / d, rem = p % d;
  if (rem < 0) { /* make it a floor division */
    q -= 1;
    rem += d;
  }
  switch (r) {
  case BK_FLOOR: return q;
  case BK_CEIL: return q + (rem != 0);
  case BK_TRUNC: return (p >= 0 || rem == 0) ? q : q + 1;
  case BK_HALF_EVEN:
    if (2 * rem > d) return q + 1;
    if (2 * rem == d) return q + ((q % 2) != 0);
    return q;
  }
  return q;
}

static int fits(bk_i128 v) { return v >= INT64_MIN && v <= INT64_MAX; }

/* The decimal grammar of fixed.h: [+-] digits [. digits], at least one digit. Digits past
 * the 8th decimal are rounded in direction r, or are an error when r < 0 and not all
 * zeros. Returns BK_OK, BK_EDATA or BK_ERANGE. */
static bk_rc ref_parse(const char *s, size_t n, int r, int64_t *out) {
  size_t i = 0;
  int neg = 0, digits = 0, rest_nz = 0, fd = 0;
  bk_i128 ip = 0, frac = 0;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
    if (ip < (bk_i128)1e20) ip = ip * 10 + (s[i] - '0'); /* saturates far past range */
  if (i < n && s[i] == '.')
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++, fd++) {
      if (fd < 8) frac = frac * 10 + (s[i] - '0');
      else if (s[i] != '0') rest_nz = 1;
    }
  if (i != n || digits == 0) return BK_EDATA;
  if (rest_nz && r < 0) return BK_EDATA;
  for (int k = fd; k < 8; k++) frac *= 10;
  bk_i128 v = ip * BK_FX_SCALE + frac;
  if (neg) v = -v;
  if (rest_nz) { /* the true value lies strictly between v and v ± 1e-8 */
    if (r == BK_FLOOR && neg) v -= 1;
    if (r == BK_CEIL && !neg) v += 1;
  }
  if (!fits(v)) return BK_ERANGE;
  *out = (int64_t)v;
  return BK_OK;
}

static void check_text(const char *s, size_t n) {
  int64_t fast = 42, ref = 0;
  const char *why = NULL;
  bk_rc rc = bk_fx_parse(s, n, &fast, &why);
  bk_rc want = ref_parse(s, n, -1, &ref);
  BK_FZ_CHECK((rc == BK_OK) == (want == BK_OK), "bk_fx_parse '%.*s': rc %d, reference %d",
              (int)n, s, rc, want);
  if (rc == BK_OK) {
    BK_FZ_CHECK(fast == ref, "bk_fx_parse '%.*s' = %lld, reference %lld", (int)n, s,
                LL(fast), LL(ref));
    char buf[64];
    size_t k = bk_fx_format_trim(fast, buf, sizeof buf);
    int64_t back = 0;
    BK_FZ_CHECK(bk_fx_parse(buf, k, &back, NULL) == BK_OK && back == fast,
                "format_trim(%lld) = '%s' does not parse back", LL(fast), buf);
  } else {
    BK_FZ_CHECK(fast == 42, "bk_fx_parse changed *out on error");
    BK_FZ_CHECK(why != NULL && *why, "bk_fx_parse gave no reason");
    BK_FZ_CHECK(rc == BK_EDATA || rc == BK_ERANGE, "bk_fx_parse rc %d", rc);
  }
  for (int r = BK_FLOOR; r <= BK_TRUNC; r++) {
    int64_t f = 42, w = 0;
    bk_rc frc = bk_fx_parse_round(s, n, (bk_round)r, &f, NULL);
    bk_rc wrc = ref_parse(s, n, r, &w);
    BK_FZ_CHECK((frc == BK_OK) == (wrc == BK_OK),
                "bk_fx_parse_round '%.*s' r=%d: rc %d, reference %d", (int)n, s, r, frc, wrc);
    BK_FZ_CHECK(frc != BK_OK || f == w, "bk_fx_parse_round '%.*s' r=%d = %lld, reference %lld",
                (int)n, s, r, LL(f), LL(w));
  }
  /* Integers: [+-]digits only. */
  int64_t iv = 42;
  bk_rc irc = bk_int_parse(s, n, &iv, NULL);
  int only_digits = n > 0;
  size_t start = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (start == n) only_digits = 0;
  for (size_t k = start; k < n; k++)
    if (s[k] < '0' || s[k] > '9') only_digits = 0;
  if (!only_digits) BK_FZ_CHECK(irc != BK_OK, "bk_int_parse accepted '%.*s'", (int)n, s);
  if (irc == BK_OK) {
    int64_t as_fx;
    BK_FZ_CHECK(ref_parse(s, n, -1, &as_fx) != BK_OK || as_fx == iv * BK_FX_SCALE,
                "bk_int_parse '%.*s' = %lld", (int)n, s, LL(iv));
  }
  /* Times: whatever parses formats to text that parses to the same instant. */
  int64_t us = 0;
  if (bk_time_parse(s, n, &us) == BK_OK) {
    char t[96];
    size_t k = bk_time_format(us, t, sizeof t);
    BK_FZ_CHECK(k == strlen(t), "bk_time_format(%lld) returned %zu for '%s'", LL(us), k, t);
    int64_t back = 0;
    if (k == 27 && t[0] != '-') /* years 0000..9999 */
      BK_FZ_CHECK(bk_time_parse(t, k, &back) == BK_OK && back == us,
                  "time '%.*s' -> %lld -> '%s' -> %lld", (int)n, s, LL(us), t, LL(back));
  }
}

static void check_numbers(const uint8_t *d) {
  int64_t v[3];
  memcpy(v, d + 1, sizeof v);
  bk_round r = (bk_round)(d[0] % 4);
  int64_t a = v[0], b = v[1], c = v[2], out = 42;
  bk_i128 want;

  want = ref_div((bk_i128)a * b, BK_FX_SCALE, r);
  bk_rc rc = bk_fx_mul(a, b, r, &out);
  BK_FZ_CHECK(fits(want) ? (rc == BK_OK && out == (int64_t)want) : rc == BK_ERANGE,
              "bk_fx_mul(%lld, %lld, %d): rc %d out %lld", LL(a), LL(b), r, rc, LL(out));

  out = 42;
  rc = bk_fx_div(a, b, r, &out);
  if (b == 0) BK_FZ_CHECK(rc == BK_ERANGE, "bk_fx_div by 0: rc %d", rc);
  else {
    want = ref_div((bk_i128)a * BK_FX_SCALE, b, r);
    BK_FZ_CHECK(fits(want) ? (rc == BK_OK && out == (int64_t)want) : rc == BK_ERANGE,
                "bk_fx_div(%lld, %lld, %d): rc %d out %lld", LL(a), LL(b), r, rc, LL(out));
  }

  out = 42;
  rc = bk_fx_muldiv(a, b, c, r, &out);
  if (c == 0) BK_FZ_CHECK(rc == BK_ERANGE, "bk_fx_muldiv by 0: rc %d", rc);
  else {
    want = ref_div((bk_i128)a * b, c, r);
    BK_FZ_CHECK(fits(want) ? (rc == BK_OK && out == (int64_t)want) : rc == BK_ERANGE,
                "bk_fx_muldiv(%lld, %lld, %lld, %d): rc %d out %lld", LL(a), LL(b), LL(c), r,
                rc, LL(out));
  }

  if (b != 0) {
    want = ref_div(a, b, r);
    if (fits(want))
      BK_FZ_CHECK(bk_div_round(a, b, r) == (int64_t)want, "bk_div_round(%lld, %lld, %d)",
                  LL(a), LL(b), r);
  }
  if (b > 0) {
    want = ref_div(a, b, r) * b;
    if (fits(want))
      BK_FZ_CHECK(bk_fx_round_to(a, b, r) == (int64_t)want, "bk_fx_round_to(%lld, %lld, %d)",
                  LL(a), LL(b), r);
  }

  out = 42;
  want = (bk_i128)a + b;
  rc = bk_add(a, b, &out);
  BK_FZ_CHECK(fits(want) ? (rc == BK_OK && out == (int64_t)want) : rc == BK_ERANGE,
              "bk_add(%lld, %lld)", LL(a), LL(b));
  out = 42;
  want = (bk_i128)a - b;
  rc = bk_sub(a, b, &out);
  BK_FZ_CHECK(fits(want) ? (rc == BK_OK && out == (int64_t)want) : rc == BK_ERANGE,
              "bk_sub(%lld, %lld)", LL(a), LL(b));

  /* Formatting with 0..8 decimals prints the value rounded to that many decimals. */
  int dec = (int)((uint64_t)c % 9);
  bk_i128 unit = 1;
  for (int k = dec; k < 8; k++) unit *= 10;
  char buf[64];
  size_t k = bk_fx_format(a, dec, r, buf, sizeof buf);
  BK_FZ_CHECK(k == strlen(buf) && k < sizeof buf, "bk_fx_format length %zu", k);
  want = ref_div(a, unit, r) * unit;
  int64_t back = 0;
  if (fits(want))
    BK_FZ_CHECK(bk_fx_parse(buf, k, &back, NULL) == BK_OK && back == (int64_t)want,
                "bk_fx_format(%lld, %d, %d) = '%s', expected %lld", LL(a), dec, r, buf,
                LL((int64_t)want));
  const char *dot = strchr(buf, '.');
  BK_FZ_CHECK(dec == 0 ? dot == NULL : (dot && strlen(dot + 1) == (size_t)dec),
              "bk_fx_format(%lld, %d) = '%s': wrong number of decimals", LL(a), dec, buf);

  /* Any instant formats within its buffer. */
  char t[96];
  k = bk_time_format(a, t, sizeof t);
  BK_FZ_CHECK(k == strlen(t) && k < sizeof t, "bk_time_format(%lld) length %zu", LL(a), k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  check_text((const char *)data, size);
  if (size >= 25) check_numbers(data);
  return 0;
}
