/*
 * The unit of the charts' money axes (see units.h): a few lines, called once per run.
 */
#include "reports/units.h"

const char *bk_report_unit(const bk_report_run *run, char *buf, size_t cap) {
  const char *src = run->nassets == 1 ? run->assets[0].name : "settle";
  size_t i = 0;
  for (; src[i] && i + 1 < cap; i++) {
    char c = src[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  if (cap) buf[i] = '\0';
  return buf;
}
