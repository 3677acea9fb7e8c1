/*
 * RFC 4180 field quoting (see csvfield.h).
 */
#include "reports/csvfield.h"

#include <string.h>

size_t bk_csv_field(const char *s, char *out, size_t cap) {
  int quote = strpbrk(s, ",\"\r\n") != NULL;
  size_t n = 0;
#define PUT(ch)                                                                           \
  do {                                                                                    \
    if (n + 1 < cap) out[n] = (ch);                                                       \
    n++;                                                                                  \
  } while (0)
  if (quote) PUT('"');
  for (const char *p = s; *p; p++) {
    if (*p == '"') PUT('"');
    PUT(*p);
  }
  if (quote) PUT('"');
#undef PUT
  if (cap) out[n < cap ? n : cap - 1] = '\0';
  return n;
}
