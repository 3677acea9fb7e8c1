/*
 * RFC 4180 field quoting (see csvfield.h).
 */
#include "reports/csvfield.h"

#include <string.h>

#include "reports/sbuf.h"

size_t bk_csv_field(const char *s, char *out, size_t cap) {
  int quote = strpbrk(s, ",\"\r\n") != NULL;
  bk_sbuf b = {out, cap, 0};
  if (quote) bk_sbuf_put(&b, '"');
  for (const char *p = s; *p; p++) {
    if (*p == '"') bk_sbuf_put(&b, '"');
    bk_sbuf_put(&b, *p);
  }
  if (quote) bk_sbuf_put(&b, '"');
  return bk_sbuf_end(&b);
}
