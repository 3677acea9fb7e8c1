/*
 * Microsecond UTC timestamps to and from ISO 8601 (see clock.h). The calendar
 * conversions are the well-known days-from-civil algorithms, valid for any int64 year
 * range we can meet.
 */
#include "engine/clock.h"

#include <stdio.h>

int64_t bk_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                                       /* [0, 399] */
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;     /* [0, 365] */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;              /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

void bk_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

size_t bk_time_format(int64_t us, char *buf, size_t cap) {
  int64_t secs = floordiv(us, BK_US_PER_S);
  int64_t frac = us % BK_US_PER_S; /* not us - secs * 1e6: that overflows near INT64_MIN */
  if (frac < 0) frac += BK_US_PER_S;
  int64_t days = floordiv(secs, 86400);
  int64_t sod = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  bk_civil_from_days(days, &y, &m, &d);
  if (y >= 0 && y <= 9999 && cap > 27) { /* the common case, without printf: one per row */
    char *o = buf;
    int64_t f[] = {y, m, d, sod / 3600, sod / 60 % 60, sod % 60, frac};
    static const int width[] = {4, 2, 2, 2, 2, 2, 6};
    static const char after[] = "--T::.Z";
    for (int i = 0; i < 7; i++) {
      for (int k = width[i]; k-- > 0; f[i] /= 10) o[k] = (char)('0' + f[i] % 10);
      o += width[i];
      *o++ = after[i];
    }
    *o = '\0';
    return (size_t)(o - buf);
  }
  int n = snprintf(buf, cap, "%04lld-%02u-%02uT%02d:%02d:%02d.%06lldZ", (long long)y, m, d,
                   (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
                   (long long)frac);
  return n < 0 ? 0 : (size_t)n;
}

/* Reads exactly `w` digits at s[*i]; returns -1 when they are not all digits. */
static int64_t digits(const char *s, size_t n, size_t *i, int w) {
  int64_t v = 0;
  for (int k = 0; k < w; k++, (*i)++) {
    if (*i >= n || s[*i] < '0' || s[*i] > '9') return -1;
    v = v * 10 + (s[*i] - '0');
  }
  return v;
}

bk_rc bk_time_parse(const char *s, size_t n, int64_t *us) {
  size_t i = 0;
  int all_digits = n > 0;
  for (size_t k = (n > 0 && s[0] == '-') ? 1 : 0; k < n; k++)
    if (s[k] < '0' || s[k] > '9') all_digits = 0;
  if (all_digits && n != 10) { /* "2025-10-10" has dashes, so this is an integer */
    int64_t v = 0;
    int neg = s[0] == '-';
    for (size_t k = neg ? 1 : 0; k < n; k++) {
      if (v > (INT64_MAX - 9) / 10) return BK_EDATA;
      v = v * 10 + (s[k] - '0');
    }
    if (n == (size_t)neg) return BK_EDATA;
    *us = neg ? -v : v;
    return BK_OK;
  }
  int64_t y = digits(s, n, &i, 4);
  if (y < 0 || i >= n || s[i++] != '-') return BK_EDATA;
  int64_t mo = digits(s, n, &i, 2);
  if (mo < 1 || mo > 12 || i >= n || s[i++] != '-') return BK_EDATA;
  int64_t d = digits(s, n, &i, 2);
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d < 1 || d > mdays[mo - 1]) return BK_EDATA;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return BK_EDATA;
  int64_t hh = 0, mm = 0, ss = 0, frac = 0;
  if (i < n && (s[i] == 'T' || s[i] == ' ')) {
    i++;
    hh = digits(s, n, &i, 2);
    if (hh < 0 || hh > 23 || i >= n || s[i++] != ':') return BK_EDATA;
    mm = digits(s, n, &i, 2);
    if (mm < 0 || mm > 59) return BK_EDATA;
    if (i < n && s[i] == ':') {
      i++;
      ss = digits(s, n, &i, 2);
      if (ss < 0 || ss > 59) return BK_EDATA;
      if (i < n && s[i] == '.') {
        i++;
        int w = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
          if (w == 6) return BK_EDATA;
          frac = frac * 10 + (s[i++] - '0');
          w++;
        }
        if (w == 0) return BK_EDATA;
        for (; w < 6; w++) frac *= 10;
      }
    }
  }
  if (i < n && s[i] == 'Z') i++;
  if (i != n) return BK_EDATA;
  int64_t days = bk_days_from_civil(y, (unsigned)mo, (unsigned)d);
  *us = ((days * 86400 + hh * 3600 + mm * 60 + ss) * BK_US_PER_S) + frac;
  return BK_OK;
}
