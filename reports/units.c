/*
 * The unit in money column names (see units.h): a few lines, called once per file written.
 */
#include "reports/units.h"

const char *bk_report_unit(const bk_report_run *run, char *buf, size_t cap) {
  return bk_report_unit_for(run->nassets, run->nassets ? run->assets[0].name : "", buf, cap);
}

const char *bk_report_unit_for(size_t nassets, const char *only, char *buf, size_t cap) {
  const char *src = nassets == 1 ? only : "settle";
  size_t i = 0;
  for (; src[i] && i + 1 < cap; i++) {
    char c = src[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
  }
  if (cap) buf[i] = '\0';
  return buf;
}
