/*
 * JSON string literals (see report.h): the escaping the manifest and the JSON summary
 * share. Short strings, a byte at a time.
 */
#include "reports/report.h"

#include "reports/sbuf.h"

size_t bk_report_json_str(const char *s, char *out, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  bk_sbuf b = {out, cap, 0};
  bk_sbuf_put(&b, '"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    if (c == '"' || c == '\\' || c < 0x20) bk_sbuf_put(&b, '\\');
    if (c >= 0x20) {
      bk_sbuf_put(&b, (char)c);
      continue;
    }
    const char u[] = {'u', '0', '0', hex[c >> 4], hex[c & 15]};
    for (size_t i = 0; i < sizeof u; i++) bk_sbuf_put(&b, u[i]);
  }
  bk_sbuf_put(&b, '"');
  return bk_sbuf_end(&b);
}
