/*
 * The run's summary on stdout, per policy and settle asset: the table printed on the
 * terminal (at most 100 columns wide) and the JSON object `backstop run --format json`
 * prints. Both read totals.c's figures, the JSON its summary.csv cells, so a figure is
 * computed once and shown alike: the JSON keys are summary.csv's column names and its
 * numbers the CSV's exact decimal strings. A handful of rows per run: written for
 * clarity, not speed.
 */
#include "reports/report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "engine/fixed.h"

/* --- the terminal table ---------------------------------------------------------------- */

#define WIDTH 100 /* the widest line printed */

static const char *fx2(int64_t v, char *b, size_t cap) {
  bk_fx_format(v, 2, BK_HALF_EVEN, b, cap);
  return b;
}

/* Prints "name amount" items after a prefix, separated by ", ", wrapping before WIDTH. */
typedef struct line {
  FILE *f;
  size_t col;   /* characters on the current line */
  int items;    /* items on the current line */
} line;

static void item(line *l, const char *name, int64_t v) {
  char num[48], s[96];
  fx2(v, num, sizeof num);
  int n = snprintf(s, sizeof s, "%s %s%s", name, v > 0 ? "+" : "", num);
  size_t len = n > 0 ? (size_t)n : 0;
  if (l->items && l->col + 2 + len > WIDTH) {
    fprintf(l->f, ",\n%15s", "");
    l->col = 15;
    l->items = 0;
  }
  fprintf(l->f, "%s%s", l->items ? ", " : "", s);
  l->col += (l->items ? 2 : 0) + len;
  l->items++;
}

/* Every cause that moved the fund, net (in − out), then the inventory's PnL at the mark:
 * fund start plus these is fund end. */
static void print_flows(FILE *f, const bk_report_totals *t) {
  static const struct {
    int cause;
    const char *label;
  } causes[] = {{BK_CAUSE_LIQ_FEE, "liquidation fees"}, {BK_CAUSE_SPREAD, "remaining margin"},
                {BK_CAUSE_PROTOCOL_REVENUE, "protocol revenue"},
                {BK_CAUSE_SPREAD_CAPTURE, "spread capture"},
                {BK_CAUSE_TAKEOVER, "takeover"},      {BK_CAUSE_OFFLOAD, "offload"},
                {BK_CAUSE_ADL, "ADL"},                {BK_CAUSE_FUNDING, "funding"},
                {BK_CAUSE_DEFICIT, "deficits"},     {BK_CAUSE_CONVERT, "conversions"},
                {BK_CAUSE_PREMIUM, "premiums"},     {BK_CAUSE_CLAIM, "claims"}};
  line l = {f, 15, 0};
  fprintf(f, "%-15s", "  fund flows:");
  for (size_t k = 0; k < sizeof causes / sizeof *causes; k++) {
    int c = causes[k].cause;
    if (t->in[c] || t->out[c]) item(&l, causes[k].label, t->in[c] - t->out[c]);
  }
  if (t->fund_end != t->fund_cash_end)
    item(&l, "inventory at mark", t->fund_end - t->fund_cash_end);
  if (!l.items) fprintf(f, "none");
  fprintf(f, "\n");
}

/* The smallest safe fund as the terminal says it: the asset's own; for an asset whose
 * fund is shared, its pool's, in the pool's currency and named (pools.csv); without a
 * shadow, not measured. */
static const char *safe_fund_text(const bk_report_run *run, size_t p, uint32_t a,
                                  const bk_report_totals *t, char *b, size_t cap) {
  const bk_report_policy *rp = &run->policies[p];
  const bk_risk *r = rp->risk;
  if (t->safe_fund >= 0) return fx2(t->safe_fund, b, cap);
  if (!rp->shadow) return "not measured";
  int k = a < BK_LEDGER_ASSETS ? r->pool_of[a] : -1;
  if (k < 0 || rp->pool_safe_fund[k] < 0) return "?";
  char v[48];
  snprintf(b, cap, "%s %s (the pool %s)", fx2(rp->pool_safe_fund[k], v, sizeof v),
           r->pol.pools[k].currency, r->pol.pools[k].name);
  return b;
}

static void print_row(FILE *f, const bk_report_run *run, size_t p, uint32_t a,
                      const bk_report_totals *t) {
  char b[6][48], safe[128];
  fprintf(f, "%-20.20s %-6.6s %6" PRIu64 " %6" PRIu64 " %13s %13s %13s %13s\n",
          run->policies[p].risk->pol.name, run->assets[a].name, t->liquidations,
          t->bankrupt_accounts, fx2(t->fund_start, b[0], 48), fx2(t->fund_end, b[1], 48),
          fx2(t->fund_min, b[2], 48), fx2(t->max_drawdown, b[3], 48));
  /* names the columns had to cut, whole (a policy name may have 63 characters) */
  if (strlen(run->policies[p].risk->pol.name) > 20)
    fprintf(f, "  policy:      %s\n", run->policies[p].risk->pol.name);
  if (strlen(run->assets[a].name) > 6) fprintf(f, "  asset:       %s\n", run->assets[a].name);
  fprintf(f, "  outcomes:    %" PRIu64 " book, %" PRIu64 " waiting, %" PRIu64 " takeover, %" PRIu64
          " adl, %" PRIu64 " socialized, %" PRIu64 " unresolved\n",
          t->outcomes[BK_OUT_BOOK], t->outcomes[BK_OUT_WAITING], t->outcomes[BK_OUT_TAKEOVER],
          t->outcomes[BK_OUT_ADL], t->outcomes[BK_OUT_SOCIALIZED], t->outcomes[BK_OUT_UNRESOLVED]);
  print_flows(f, t);
  /* ADL is the notional its closes moved; what the waterfall took from accounts (what a
     close gives up against the mark, a socialized share, or a profit rule's haircut, which
     closes nothing) is beside it */
  if (t->adl_qty || t->adl.taken || t->socialized || t->uncovered || t->unresolved_accounts ||
      t->safe_fund > 0)
    fprintf(f, "  accounts:    ADL %s, taken from accounts %s, socialized %s, uncovered %s,\n"
               "               smallest safe fund %s\n",
            fx2(t->adl_notional, b[0], 48), fx2(t->adl.taken, b[5], 48),
            fx2(t->socialized, b[1], 48), fx2(t->uncovered, b[2], 48),
            safe_fund_text(run, p, a, t, safe, sizeof safe));
  if (t->unresolved_accounts)
    fprintf(f, "  unresolved:  %" PRIu64 " accounts at the end, equity %s\n",
            t->unresolved_accounts, fx2(t->unresolved_equity, b[4], 48));
}

/* The fit's line: the scale to write into the scenario, and how well it fits. */
static void print_fit(FILE *f, const bk_liqcal_fit *fit) {
  const bk_liqcal_point *pt = &fit->points[fit->best];
  char scale[40], error[40];
  bk_fx_format_trim(pt->oi_scale, scale, sizeof scale);
  bk_fx_format_trim(pt->error, error, sizeof error);
  fprintf(f, "calibration: OI scale %s fits the venue's liquidation prints with error %s\n"
             "  (per-minute |simulated - printed| over the printed total; 1 = no better than\n"
             "   no liquidations; calibration_fit.csv; these results keep the scenario's scale:\n"
             "   set the synthetic population's \"oi_scale\": \"%s\" to use it; they also\n"
             "   hold the accounts the liquidation-print population opened from the prints)\n",
          scale, error, scale);
  if (pt->error >= BK_FX(1))
    fprintf(f, "  no scale of the grid does better than no liquidations at all: the\n"
               "  population liquidates in other minutes than the prints\n");
}

void bk_report_print_summary(FILE *f, const bk_report_run *run) {
  fprintf(f, "%-20s %-6s %6s %6s %13s %13s %13s %13s\n", "policy", "asset", "liqs", "bankr",
          "fund start", "fund end", "fund min", "max dd");
  for (size_t p = 0; p < run->npolicies; p++)
    for (uint32_t a = 0; a < run->nassets; a++) {
      bk_report_totals t;
      if (bk_report_totals_of(run, p, a, &t)) {
        fprintf(f, "%-20.20s %-6.6s totals overflow\n", run->policies[p].risk->pol.name,
                run->assets[a].name);
        continue;
      }
      print_row(f, run, p, a, &t);
    }
  fprintf(f, "(amounts in %s, 2 decimals; fund start + flows = fund end; exact figures and\n"
             " gross inflows and outflows by cause in summary.csv, defined in docs/reports.md)\n",
          run->nassets == 1 ? run->assets[0].name : "each row's settle asset");
  bk_report_print_no_index(f, run);
  if (run->fit) print_fit(f, run->fit);
}

/* --- JSON ------------------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s) {
  char b[256];
  size_t n = bk_report_json_str(s, b, sizeof b);
  fwrite(b, 1, n < sizeof b ? n : sizeof b - 1, f);
}

bk_rc bk_report_print_summary_json(FILE *f, const bk_report_run *run) {
  fprintf(f, "{\"settle_assets\": [");
  for (size_t a = 0; a < run->nassets; a++) {
    if (a) fprintf(f, ", ");
    json_str(f, run->assets[a].name);
  }
  fprintf(f, "], \"rows\": [");
  for (size_t p = 0; p < run->npolicies; p++)
    for (uint32_t a = 0; a < run->nassets; a++) {
      bk_report_totals t;
      bk_report_cell v[BK_REPORT_SUMMARY_COLS];
      bk_rc rc = bk_report_totals_of(run, p, a, &t);
      if (rc) return rc;
      size_t n = bk_report_summary_cells(run, p, a, &t, v);
      fprintf(f, "%s\n  {", p || a ? "," : "");
      for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s", i ? ", " : "");
        json_str(f, v[i].name);
        fprintf(f, ": ");
        if (v[i].text[0]) json_str(f, v[i].text);
        else fprintf(f, "null");
      }
      fprintf(f, "}");
    }
  fprintf(f, "\n]}\n");
  return BK_OK;
}
