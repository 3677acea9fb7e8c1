/*
 * The unit the chart script (charts.c) labels money axes with. Column names carry no
 * unit (reports/columns.h).
 */
#ifndef BK_UNITS_H
#define BK_UNITS_H

#include <stddef.h>

#include "reports/report.h"

/* Unit of money axes: the only settle asset in lower case, or "settle" when the run
 * has several. Written into buf (NUL-terminated, truncated to cap); returns buf. */
const char *bk_report_unit(const bk_report_run *run, char *buf, size_t cap);

#endif
