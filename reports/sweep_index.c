/*
 * sweep.csv (see sweep_index.h): the cells' axes, then the headline columns of each
 * cell's summary.csv, copied by name so that columns added to summary.csv later do not
 * move them.
 */
#include "reports/sweep_index.h"

#include <stdio.h>
#include <stdlib.h>

#include "reports/csvfield.h"
#include "reports/outfile.h"
#include "reports/table.h"

/* The cell's own columns, then those taken from summary.csv, in this order. */
static const char *const axes[] = {"cell", "scenario_file", "from", "to", "policy_file", "seed"};
static const char *const headline[] = {
    "policy",       "settle_asset", "liquidations", "bankrupt_accounts", "fund_start",
    "fund_end",     "fund_min",     "max_drawdown", "adl_notional",      "socialized",
    "uncovered_deficit"};
#define NAXES (sizeof axes / sizeof *axes)
#define NHEAD (sizeof headline / sizeof *headline)

/* s as one CSV field, then a comma or the line end. */
static bk_rc field(bk_outfile *o, const char *s, int last) {
  size_t n = bk_csv_field(s, NULL, 0);
  char *buf = malloc(n + 1);
  if (!buf) return BK_ENOMEM;
  bk_csv_field(s, buf, n + 1);
  bk_outfile_write(o, buf, n);
  free(buf);
  return bk_outfile_write(o, last ? "\n" : ",", 1);
}

/* The rows of one cell: its axes before each row of its summary.csv. */
static bk_rc cell_rows(bk_outfile *o, const bk_sweep_cell *c, bk_err *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/summary.csv", c->dir);
  bk_table t;
  bk_rc rc = bk_table_load(path, &t, err);
  if (rc) return rc;
  long col[NHEAD];
  for (size_t h = 0; h < NHEAD && !rc; h++)
    if ((col[h] = bk_table_col(&t, headline[h])) < 0)
      rc = bk_err_set(err, BK_EDATA, "%s: no column %s (cell %s)", path, headline[h], c->id);
  const char *own[NAXES] = {c->id, c->scenario, c->from, c->to, c->policy, c->seed};
  for (size_t r = 0; r < t.nrows && !rc; r++) {
    for (size_t a = 0; a < NAXES && !rc; a++) rc = field(o, own[a], 0);
    for (size_t h = 0; h < NHEAD && !rc; h++)
      rc = field(o, bk_table_at(&t, r, col[h]), h + 1 == NHEAD);
  }
  bk_table_free(&t);
  if (rc == BK_ENOMEM) bk_err_set(err, rc, "out of memory");
  return rc;
}

bk_rc bk_sweep_index_write(const char *path, const bk_sweep_cell *cells, size_t n,
                           bk_err *err) {
  bk_outfile *o;
  bk_rc rc = bk_outfile_open(path, &o, err);
  if (rc) return rc;
  for (size_t a = 0; a < NAXES; a++) field(o, axes[a], 0);
  for (size_t h = 0; h < NHEAD; h++) field(o, headline[h], h + 1 == NHEAD);
  for (size_t i = 0; i < n && !rc; i++) rc = cell_rows(o, &cells[i], err);
  if (rc) {
    bk_outfile_abort(o);
    return rc;
  }
  return bk_outfile_commit(o, err);
}
