/*
 * The board brief of a run folder: the groff -ms source (with tbl tables) of a short
 * document that a reader without the CSVs can follow. `backstop report --pdf` renders
 * it with the run's charts into one PDF (cli/cmd_report.c).
 *
 * Sections: the question (the policies compared, over which span, and the scenario's own
 * description); the data and its quality (quality.csv); the population and every
 * assumption (each setting of the scenario, each policy's settings); the summary per
 * policy and settle asset (summary.csv, and every fund flow by cause from the last row of
 * fund.csv); the list of charts that follow the text; the manifest's hashes.
 *
 * Everything read from the run folder reaches groff through one escaping rule (brief.c):
 * a line never starts with a request, a backslash is printed as a glyph, control
 * characters become spaces and other characters outside ASCII become \[uXXXX], so a
 * name such as ".sy rm" or "\fB" is shown, never obeyed.
 */
#ifndef BK_BRIEF_H
#define BK_BRIEF_H

#include <stddef.h>

#include "engine/error.h"
#include "reports/outfile.h"

typedef struct bk_brief_in {
  const char *dir;            /* the run folder (summary.csv, fund.csv, quality.csv,
                                 manifest.json) */
  const char *scenario;       /* the scenario that ran (scenario.json), or NULL */
  const char *scenario_note;  /* when scenario is NULL: why its settings are not shown */
  const char *const *charts;  /* the figures that follow the text, by name */
  size_t ncharts;
} bk_brief_in;

/* Writes the brief's groff source into o. BK_ENOINPUT / BK_EDATA name the run folder's
 * file that is missing or malformed; BK_ENOMEM. */
bk_rc bk_brief_ms(const bk_brief_in *in, bk_outfile *o, bk_err *err);

#endif
