/*
 * JSON string literals (see report.h): the escaping the manifest and the JSON summary
 * share. Short strings, a byte at a time.
 */
#include "reports/report.h"

size_t bk_report_json_str(const char *s, char *out, size_t cap) {
  size_t n = 0;
#define PUT(ch)                                                                           \
  do {                                                                                    \
    if (n + 1 < cap) out[n] = (ch);                                                       \
    n++;                                                                                  \
  } while (0)
  PUT('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    if (c == '"' || c == '\\') {
      PUT('\\');
      PUT((char)c);
    } else if (c < 0x20) {
      static const char hex[] = "0123456789abcdef";
      PUT('\\');
      PUT('u');
      PUT('0');
      PUT('0');
      PUT(hex[c >> 4]);
      PUT(hex[c & 15]);
    } else {
      PUT((char)c);
    }
  }
  PUT('"');
#undef PUT
  if (cap) out[n < cap ? n : cap - 1] = '\0';
  return n;
}
