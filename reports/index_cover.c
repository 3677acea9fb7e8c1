/*
 * Which contracts of a run had an index price, and so whether the spread-capture columns
 * appear and which assets' cells are filled (see report.h). Spread capture prices fills
 * against the index (engine/capture.h): where the data has none it captured nothing, and
 * a 0 would read as "the venue made nothing", so the columns are left out (no contract
 * had one) or the cells left empty (no contract of the asset had one), the run names the
 * contracts, and counts what came before a contract's first index. A few contracts and
 * policies per run: plain loops.
 */
#include "reports/report.h"

#include "engine/fixed.h"

#include <inttypes.h>
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

int bk_report_asset_has_index(const bk_report_run *run, uint32_t a) {
  if (run->npolicies == 0) return 0;
  const bk_risk *r = run->policies[0].risk;
  for (uint32_t k = 0; k < r->ncontracts; k++)
    if (r->contracts[k].settle == a && bk_report_has_index(run, k)) return 1;
  return 0;
}

uint64_t bk_report_unpriced(const bk_report_run *run, size_t p, uint32_t a) {
  const bk_risk *r = run->policies[p].risk;
  uint64_t n = 0;
  for (uint32_t k = 0; k < r->ncontracts; k++)
    if (r->contracts[k].settle == a) n += r->unpriced[k];
  return n;
}

const char *bk_report_contract_name(const bk_report_run *run, uint32_t k, char *buf,
                                    size_t cap) {
  const bk_instruments *t = run->ctx.instruments;
  uint32_t id = run->contract_instr && k < run->ncontracts ? run->contract_instr[k] : UINT32_MAX;
  const bk_instrument *in = t && id < t->n ? &t->v[id] : NULL;
  snprintf(buf, cap, "%s:%s", in ? in->exchange : "?", in ? in->symbol : "?");
  return buf;
}

/* Policy p's trades and fills before a contract's first index, and its fills held past
 * the run's end. */
static void print_policy_notes(FILE *f, const bk_report_run *run, size_t p) {
  const bk_risk *r = run->policies[p].risk;
  for (uint32_t k = 0; k < r->ncontracts; k++) {
    char name[96];
    if (r->unpriced[k] == 0 || !bk_report_has_index(run, k)) continue;
    fprintf(f, "note: %s: %" PRIu64 " trades and liquidation fills on %s came before its "
               "first index price and captured nothing (spread_capture_unpriced)\n",
            r->pol.name, r->unpriced[k], bk_report_contract_name(run, k, name, sizeof name));
  }
  char horizon[40];
  bk_fx_format_trim(r->pol.spread_horizon_us * 100, horizon, sizeof horizon);
  if (r->held_to_end)
    fprintf(f, "note: %s: %" PRIu64 " liquidation fills had not reached their %s s horizon "
               "when the run ended: marked to the last index instead\n",
            r->pol.name, r->held_to_end, horizon);
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
  else if (missing)
    fprintf(f, "  (summary.csv and fund.csv leave the spread_capture cells of an asset with "
               "no index empty)\n");
  for (size_t p = 0; p < run->npolicies; p++) print_policy_notes(f, run, p);
}
