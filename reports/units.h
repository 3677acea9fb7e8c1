/*
 * The unit in the names of money columns, which the CSV writers (report.c) and the chart
 * script (charts.c) both need: on its own so that neither calls into the other for it.
 */
#ifndef BK_UNITS_H
#define BK_UNITS_H

#include <stddef.h>

#include "reports/report.h"

/* Unit suffix of money columns: the only settle asset in lower case, or "settle" when
 * the run has several. Written into buf (NUL-terminated, truncated to cap); returns buf. */
const char *bk_report_unit(const bk_report_run *run, char *buf, size_t cap);

/* The same for a run folder read back: nassets settle assets, only the name of the one
 * when there is one. */
const char *bk_report_unit_for(size_t nassets, const char *only, char *buf, size_t cap);

#endif
