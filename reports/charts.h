/*
 * The chart script of a run folder, charts.gp (see charts.c). report.c writes it with the
 * other files of the folder.
 */
#ifndef BK_CHARTS_H
#define BK_CHARTS_H

#include "engine/error.h"
#include "reports/outfile.h"
#include "reports/run.h"

/* Writes the gnuplot script charts.gp of a run into o. Errors are o's (bk_outfile_error). */
bk_rc bk_report_charts_gp(const bk_report_run *run, bk_outfile *o);

#endif
