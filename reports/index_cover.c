/*
 * Which contracts of a run had an index price, and so whether the spread-capture columns
 * appear (see report.h). Spread capture prices fills against the index (engine/capture.h):
 * where the data has none it captured nothing, and a column of zeros would read as "the
 * venue made nothing", so the columns are left out instead and the run names the
 * contracts. A few contracts and policies per run: plain loops.
 */
#include "reports/report.h"

#include <stdio.h>

int bk_report_captures(const bk_report_run *run) {
  for (size_t p = 0; p < run->npolicies; p++)
    if (bk_policy_captures(&run->policies[p].risk->pol)) return 1;
  return 0;
}

int bk_report_has_index(const bk_report_run *run, uint32_t k) {
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_risk *r = run->policies[p].risk;
    if (k < r->ncontracts && r->index[k] > 0) return 1;
  }
  return 0;
}

int bk_report_capture_shown(const bk_report_run *run) {
  if (!bk_report_captures(run) || run->npolicies == 0) return 0;
  for (uint32_t k = 0; k < run->policies[0].risk->ncontracts; k++)
    if (bk_report_has_index(run, k)) return 1;
  return 0;
}

const char *bk_report_contract_name(const bk_report_run *run, uint32_t k, char *buf,
                                    size_t cap) {
  const bk_instruments *t = run->ctx.instruments;
  uint32_t id = run->contract_instr && k < run->ncontracts ? run->contract_instr[k] : UINT32_MAX;
  const bk_instrument *in = t && id < t->n ? &t->v[id] : NULL;
  snprintf(buf, cap, "%s:%s", in ? in->exchange : "?", in ? in->symbol : "?");
  return buf;
}

void bk_report_print_no_index(FILE *f, const bk_report_run *run) {
  if (!bk_report_captures(run)) return;
  int missing = 0;
  for (uint32_t k = 0; k < run->ncontracts; k++) {
    char name[96];
    if (bk_report_has_index(run, k)) continue;
    fprintf(f, "note: no index price in the data for %s: its spread capture is unknown, "
               "not 0\n", bk_report_contract_name(run, k, name, sizeof name));
    missing = 1;
  }
  if (missing && !bk_report_capture_shown(run))
    fprintf(f, "  (summary.csv and fund.csv leave the spread_capture columns out)\n");
}
