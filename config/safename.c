/*
 * The one check for names that reach scripts, headers and paths (see safename.h).
 *
 * Refusing is preferred to escaping: a name outside the set would need a different
 * escape in each of CSV, JSON, gnuplot and the file system, and one missed place is an
 * injection. The check is a byte loop over at most 47 bytes, run once per name.
 */
#include "config/safename.h"

#include <stdio.h>
#include <string.h>

static int name_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

int bk_name_ok(const char *s, size_t len) {
  if (!s || len == 0 || len > BK_NAME_MAX || s[0] == '.' || s[0] == '-') return 0;
  for (size_t i = 0; i < len; i++)
    if (!name_char((unsigned char)s[i])) return 0;
  return 1;
}

int bk_name_ok_field(const char *field, size_t cap) {
  size_t n = strnlen(field, cap);
  for (size_t i = n; i < cap; i++)
    if (field[i] != '\0') return 0; /* a NUL inside the name */
  return bk_name_ok(field, n);
}

char *bk_name_print(const char *s, size_t len, char *out, size_t cap) {
  size_t n = 0;
#define PUT(str)                                                                          \
  do {                                                                                    \
    for (const char *q_ = (str); *q_; q_++) {                                             \
      if (n + 1 < cap) out[n] = *q_;                                                      \
      n++;                                                                                \
    }                                                                                     \
  } while (0)
  if (!cap) return out;
  PUT("\"");
  for (size_t i = 0; i < len && i < 64; i++) {
    unsigned char c = (unsigned char)s[i];
    char b[8];
    if (c == '"') PUT("\\\"");
    else if (c == '\\') PUT("\\\\");
    else if (c == '\n') PUT("\\n");
    else if (c == '\r') PUT("\\r");
    else if (c == '\t') PUT("\\t");
    else if (c < 0x20 || c > 0x7e) {
      snprintf(b, sizeof b, "\\x%02x", c);
      PUT(b);
    } else {
      b[0] = (char)c;
      b[1] = '\0';
      PUT(b);
    }
  }
  if (len > 64) PUT("...");
  PUT("\"");
#undef PUT
  out[n < cap ? n : cap - 1] = '\0';
  return out;
}
