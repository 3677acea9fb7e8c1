/*
 * The chart script of a run folder: charts.gp, a gnuplot program over the run's CSVs.
 *
 * Written with the reports (it is how a reader turns them into figures) and rendered by
 * `backstop chart` and `backstop report --pdf`. Per settle asset it draws
 *   fund_<asset>.<ext>   fund equity per policy on a time axis zoomed on the action (the
 *                        samples where a fund moved or liquidations happened, with a
 *                        margin), the liquidated volume per sample below it, and the
 *                        whole run as a small third panel with the zoom shaded;
 *   flows_<asset>.<ext>  per policy, one bar per cause that moved the fund (its net
 *                        result: inflows up, outflows down) and the inventory still held
 *                        at mark; the bars of a policy add up to its fund's change;
 *   adl_<asset>.<ext>    when some policy had an ADL round there: per policy, the value
 *                        its rounds took against what the ADL-off shadow needed, and
 *                        the overshoot and undershoot between them;
 *   sizing_<asset>.<ext> with draws (and shadows): per policy the fund-sizing curve,
 *                        the share of draws needing ADL or socialization against the
 *                        initial fund (sizing_curve.h), its P95 fund marked.
 * Every range and scale is worked out here from the integers (so gnuplot never widens
 * an empty range and never warns) and the axes end where the data ends. Money axes are
 * divided by a thousand or a million and say so in their tick labels (45M, not 4.5x10^7).
 * The fund chart reads fund.csv by column name; the flows chart carries its figures in
 * the script (from the ledger, every cause), so it shows each cause whatever columns the
 * CSVs have. Plotting converts the printed decimals to floating point, which is fine:
 * charts are display, never a result.
 */
#include "reports/charts.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fixed.h"
#include "engine/ledger.h"
#include "reports/adl_rounds.h"
#include "reports/columns.h"
#include "reports/draws.h"
#include "reports/sizing_curve.h"

#define NSTYLES 8 /* line styles, reused in turn past eight policies */

/* A gnuplot single-quoted string: '' stands for ', control characters become spaces.
 * Every piece of user text in the script goes through here (gnuplot expands neither
 * backquotes nor macros inside single quotes), and the names it carries were already
 * checked against config/safename.h when they entered the run. */
static void gp_str(bk_outfile *o, const char *s) {
  bk_outfile_write(o, "'", 1);
  for (; *s; s++) {
    char c = *s;
    if (c == '\'') bk_outfile_write(o, "''", 2);
    else if ((unsigned char)c < 0x20) bk_outfile_write(o, " ", 1);
    else bk_outfile_write(o, &c, 1);
  }
  bk_outfile_write(o, "'", 1);
}

/* An amount (e-8) as an exact decimal gnuplot reads. */
static void gp_fx(bk_outfile *o, int64_t v) {
  char b[40];
  bk_outfile_write(o, b, bk_fx_format(v, BK_FX_DECIMALS, BK_TRUNC, b, sizeof b));
}

/* A money axis: lo..hi (e-8) padded by a twentieth of the span (one unit when flat, so
 * gnuplot never meets an empty range), shown in units, thousands or millions. */
typedef struct axis {
  int64_t lo, hi;
} axis;

static void axis_add(axis *x, int64_t v) {
  if (v < x->lo) x->lo = v;
  if (v > x->hi) x->hi = v;
}

static int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

/* A tick step of 1, 2 or 5 times a power of ten (e-8 units) giving at most n steps
 * over span. */
static int64_t tick_step(int64_t span, int n) {
  int64_t raw = span / n + 1;
  for (int64_t p = 1;; p *= 10)
    for (int m = 1; m <= 5; m += m == 1 ? 1 : 3)
      if (p * m >= raw || p > INT64_MAX / 50) return p * m;
}

/* Sets axis `which` ('x' or 'y') of the next plot: its range, about n ticks, and the
 * tick format with its divisor S. */
static void gp_axis(bk_outfile *o, char which, axis x, int n) {
  int64_t pad = (x.hi - x.lo) / 20;
  /* flat data: a band of 5 % around the value (a fund of 0.006 must not sit on an axis
     of ±1 that shows it as 0); one unit around 0 */
  if (pad == 0) pad = x.hi == 0 ? BK_FX_SCALE : abs64(x.hi) / 20 > 0 ? abs64(x.hi) / 20 : 1;
  int64_t big = abs64(x.lo) > abs64(x.hi) ? abs64(x.lo) : abs64(x.hi);
  const char *div = "1", *suffix = "";
  if (big >= 1000000 * BK_FX_SCALE) div = "1e6", suffix = "M";
  else if (big >= 1000 * BK_FX_SCALE) div = "1e3", suffix = "k";
  bk_outfile_printf(o, "S = %s\nset format %c '%%g%s'\nset %crange [(", div, which, suffix,
                    which);
  gp_fx(o, x.lo - pad);
  bk_outfile_printf(o, ")/S:(");
  gp_fx(o, x.hi + pad);
  bk_outfile_printf(o, ")/S]\nset %ctics ", which);
  gp_fx(o, tick_step(x.hi - x.lo + 2 * pad, n));
  bk_outfile_printf(o, "/S\n");
}

static void gp_yaxis(bk_outfile *o, axis x, int n) { gp_axis(o, 'y', x, n); }

/* The x axis as whole seconds (floor of the start, ceiling of the end), its labels as
 * precise as the span needs: times within a day, dates and times within a week, dates
 * beyond (a run over months must not label its axis with hours alone). */
static void gp_xrange(bk_outfile *o, int64_t from_us, int64_t to_us) {
  int64_t a = from_us / 1000000 - (from_us % 1000000 < 0);
  int64_t b = to_us / 1000000 + (to_us % 1000000 > 0);
  if (b <= a) b = a + 1;
  const char *fmt = b - a <= 86400 ? "%H:%M" : b - a <= 7 * 86400 ? "%m-%d %H:%M" : "%Y-%m-%d";
  bk_outfile_printf(o, "set xrange ['%" PRId64 "':'%" PRId64 "']\nset format x '%s'\n", a, b,
                    fmt);
}

/* The causes that mark the action: what liquidations move (fees, remaining margin,
 * deficits, takeovers, offloads, ADL, socialization), not the steady trickles of
 * trading-fee revenue, spread capture and funding, which would stretch the zoom over the
 * whole run. */
static int action_cause(int c) {
  return c != BK_CAUSE_DEPOSIT && c != BK_CAUSE_PROTOCOL_REVENUE && c != BK_CAUSE_FUNDING &&
         c != BK_CAUSE_PNL && c != BK_CAUSE_SPREAD_CAPTURE;
}

/* Where the fund chart looks, over every policy's samples of asset a. */
typedef struct view {
  int64_t t0, t1;   /* first and last sample */
  int64_t z0, z1;   /* the zoom: the action with a margin, within t0..t1 */
  int zoomed;       /* 1 when the zoom is narrower than the run */
  axis eq_all, eq_zoom, liq_zoom;
} view;

static view view_of(const bk_report_run *run, uint32_t a) {
  view v = {INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN, 0, {INT64_MAX, INT64_MIN},
            {INT64_MAX, INT64_MIN}, {0, 0}};
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_report_policy *rp = &run->policies[p];
    const bk_sim_sample *s = rp->samples[a];
    int64_t prev = 0;
    uint64_t prev_liqs = 0;
    for (size_t i = 0; i < rp->nsamples[a]; i++) {
      if (s[i].ts < v.t0) v.t0 = s[i].ts;
      if (s[i].ts > v.t1) v.t1 = s[i].ts;
      axis_add(&v.eq_all, s[i].equity);
      int64_t moved = 0; /* liquidation-driven flows so far, in and out */
      for (int c = 0; c < BK_CAUSES; c++)
        if (action_cause(c)) moved += s[i].in[c] + s[i].out[c];
      if (moved != prev || s[i].liquidations != prev_liqs) {
        /* the interval ending at this sample is the action: from the one before */
        int64_t from = i > 0 ? s[i - 1].ts : s[i].ts;
        if (from < v.z0) v.z0 = from;
        if (s[i].ts > v.z1) v.z1 = s[i].ts;
      }
      prev = moved;
      prev_liqs = s[i].liquidations;
    }
  }
  if (v.t0 > v.t1) v.t0 = v.t1 = 0, v.eq_all = (axis){0, 0};
  if (v.z0 > v.z1) v.z0 = v.t0, v.z1 = v.t1;
  int64_t margin = (v.z1 - v.z0) / 2 > 5 * run->sample_us ? (v.z1 - v.z0) / 2 : 5 * run->sample_us;
  v.z0 = v.z0 - margin > v.t0 ? v.z0 - margin : v.t0;
  v.z1 = v.z1 + margin < v.t1 ? v.z1 + margin : v.t1;
  v.zoomed = (v.z1 - v.z0) * 5 < (v.t1 - v.t0) * 4; /* under four fifths of the run */
  if (!v.zoomed) v.z0 = v.t0, v.z1 = v.t1;
  v.eq_zoom = v.eq_all;
  if (v.zoomed) {
    v.eq_zoom = (axis){INT64_MAX, INT64_MIN};
    for (size_t p = 0; p < run->npolicies; p++)
      for (size_t i = 0; i < run->policies[p].nsamples[a]; i++) {
        const bk_sim_sample *s = &run->policies[p].samples[a][i];
        if (s->ts >= v.z0 && s->ts <= v.z1) axis_add(&v.eq_zoom, s->equity);
      }
  }
  for (size_t p = 0; p < run->npolicies; p++)
    for (size_t i = 1; i < run->policies[p].nsamples[a]; i++) {
      const bk_sim_sample *s = &run->policies[p].samples[a][i];
      if (s->ts >= v.z0 && s->ts <= v.z1) axis_add(&v.liq_zoom, s->liq_notional - s[-1].liq_notional);
    }
  return v;
}

/* One plot command over fund.csv: a line per policy with samples of asset a, the
 * column `stem` divided by S. Rows are selected by position (fund.csv is grouped by
 * policy, then asset), not by comparing names: gnuplot does not undo RFC 4180's
 * doubled quotes. */
static void gp_fund_plot(bk_outfile *o, const bk_report_run *run, uint32_t a, const char *stem,
                         const char *with, int titled) {
  size_t row = 0, plotted = 0;
  for (size_t p = 0; p < run->npolicies; p++)
    for (uint32_t b = 0; b < run->nassets; b++) {
      size_t n = run->policies[p].nsamples[b];
      if (b == a && n > 0) {
        bk_outfile_printf(o,
                          "%s '%s' every ::%zu::%zu using (column('" BK_COL_TS_US "')/1e6):"
                          "(column('%s')/S) with %s ls %zu %s",
                          plotted ? ", \\\n    " : "plot", plotted ? "" : "fund.csv", row,
                          row + n - 1, stem, with, p % NSTYLES + 1, titled ? "title P[" : "notitle");
        if (titled) bk_outfile_printf(o, "%zu]", p + 1);
        plotted++;
      }
      row += n;
    }
  if (!plotted) bk_outfile_printf(o, "plot 0 notitle");
  bk_outfile_printf(o, "\n");
}

static void gp_fund_chart(bk_outfile *o, const bk_report_run *run, uint32_t a) {
  view v = view_of(run, a);
  bk_outfile_printf(o,
                    "set output outdir.'fund_'.A.'.'.fmt\n"
                    "set multiplot title 'Insurance fund by policy ('.A.')'\n"
                    "set xdata time\nset timefmt '%%s'\nset format x '%%H:%%M'\n"
                    "set lmargin 12\nset rmargin 26\nset key outside right top\n"
                    "set size 1,%s\nset origin 0,%s\n",
                    v.zoomed ? "0.5" : "0.62", v.zoomed ? "0.44" : "0.34");
  gp_xrange(o, v.z0, v.z1);
  gp_yaxis(o, v.eq_zoom, 8);
  bk_outfile_printf(o, "set xlabel ''\nset ylabel 'fund equity ('.A.')'\n");
  gp_fund_plot(o, run, a, BK_COL_FUND_EQUITY, "lines", 1);
  bk_outfile_printf(o, "unset key\nset size 1,%s\nset origin 0,%s\n", v.zoomed ? "0.22" : "0.34",
                    v.zoomed ? "0.22" : "0");
  gp_yaxis(o, v.liq_zoom, v.zoomed ? 3 : 5);
  bk_outfile_printf(o, "set xlabel '%s'\nset ylabel 'liquidated ('.A.' per sample)'\n",
                    v.zoomed ? "" : "time (UTC)");
  gp_fund_plot(o, run, a, BK_COL_LIQ_NOTIONAL_INTERVAL, "steps", 0);
  if (v.zoomed) {
    bk_outfile_printf(o, "set size 1,0.22\nset origin 0,0\n");
    gp_xrange(o, v.t0, v.t1);
    gp_yaxis(o, v.eq_all, 3);
    bk_outfile_printf(o,
                      "set xlabel 'time (UTC); shaded: the span shown above'\n"
                      "set ylabel 'whole run ('.A.')'\n"
                      "set object 1 rect from '%" PRId64 "', graph 0 to '%" PRId64
                      "', graph 1 behind fc rgb '#e8e8e8' fs solid noborder\n",
                      v.z0 / 1000000, v.z1 / 1000000 + (v.z1 % 1000000 > 0));
    gp_fund_plot(o, run, a, BK_COL_FUND_EQUITY, "lines", 0);
    bk_outfile_printf(o, "unset object 1\n");
  }
  bk_outfile_printf(o, "unset multiplot\nprint 'wrote '.outdir.'fund_'.A.'.'.fmt\n"
                       "set xdata\nset format x '%%g'\nset xrange [*:*]\nset xlabel ''\nset key\n"
                       "set lmargin\nset rmargin\nset size 1,1\nset origin 0,0\n");
}

/* The causes the flows chart shows: every cause of the ledger but the deposits. */
static int flows_cause(int c) { return c != BK_CAUSE_DEPOSIT && c != BK_CAUSE_BROKEN; }

/* The fund's inventory at mark in asset a: its equity less its cash (as summary.csv's
 * inventory_pnl_end). */
static int64_t inventory_of(const bk_risk *r, uint32_t a) {
  return bk_risk_fund_equity(r, a) - r->ledger.fixed[BK_PARTY_FUND][a];
}

static void gp_flows_chart(bk_outfile *o, const bk_report_run *run, uint32_t a) {
  /* the causes some policy moved, then the inventory at mark */
  int shown[BK_CAUSES] = {0}, inventory = 0;
  axis y = {0, 0};
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_ledger *l = &run->policies[p].risk->ledger;
    for (int c = 0; c < BK_CAUSES; c++)
      if (flows_cause(c) && (l->fund_in[c][a] || l->fund_out[c][a])) {
        shown[c] = 1;
        axis_add(&y, l->fund_in[c][a] - l->fund_out[c][a]);
      }
    if (inventory_of(run->policies[p].risk, a)) inventory = 1;
    axis_add(&y, inventory_of(run->policies[p].risk, a));
  }
  int ncols = inventory;
  for (int c = 0; c < BK_CAUSES; c++) ncols += shown[c];
  bk_outfile_printf(o, "array C[%d]\n", ncols ? ncols : 1);
  int k = 0;
  for (int c = 0; c < BK_CAUSES; c++)
    if (shown[c]) {
      char name[40];
      snprintf(name, sizeof name, "%s", bk_cause_name(c));
      for (char *q = name; *q; q++)
        if (*q == '_') *q = ' ';
      bk_outfile_printf(o, "C[%d] = '%s'\n", ++k, name);
    }
  if (inventory) bk_outfile_printf(o, "C[%d] = 'inventory at mark'\n", ++k);
  bk_outfile_printf(o, "$FLOWS << EOD\npolicy");
  for (int c = 1; c <= ncols; c++) bk_outfile_printf(o, ",c%d", c);
  bk_outfile_printf(o, "\n");
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_ledger *l = &run->policies[p].risk->ledger;
    bk_outfile_printf(o, "%zu", p + 1);
    for (int c = 0; c < BK_CAUSES; c++)
      if (shown[c]) {
        bk_outfile_printf(o, ",");
        gp_fx(o, l->fund_in[c][a] - l->fund_out[c][a]);
      }
    if (inventory) {
      bk_outfile_printf(o, ",");
      gp_fx(o, inventory_of(run->policies[p].risk, a));
    }
    bk_outfile_printf(o, "\n");
  }
  bk_outfile_printf(o, "EOD\n");
  bk_outfile_printf(o,
                    "set output outdir.'flows_'.A.'.'.fmt\n"
                    "set title 'What moved the fund, by cause and policy ('.A.'): "
                    "inflows up, outflows down; a policy''s bars add up to its fund''s change'\n"
                    "set key outside right top\nset ylabel 'net flow ('.A.')'\n"
                    "set style data histograms\nset style histogram clustered gap 1\n"
                    "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
                    "set xtics rotate by -20\nset xzeroaxis lt -1\n");
  gp_yaxis(o, y, 8);
  if (ncols)
    bk_outfile_printf(o, "plot for [i=2:%d] $FLOWS using (column(i)/S):xtic(P[int(column(1))]) "
                         "title C[i-1] lc i-1\n",
                      ncols + 1);
  else
    bk_outfile_printf(o, "set label 1 'no flow moved the fund' at graph 0.5,0.5 center\n"
                         "plot $FLOWS using (0):xtic(P[int(column(1))]) notitle\n"
                         "unset label 1\n");
  bk_outfile_printf(o, "unset title\nset xtics norotate\nset xrange [*:*]\n"
                       "print 'wrote '.outdir.'flows_'.A.'.'.fmt\n");
}

/* The ADL mechanisms compared in asset a (docs/reports.md, adl_rounds.csv): per policy
 * what its rounds took from the accounts, what the shadow needed, and the overshoot and
 * undershoot between them (summed per round). Drawn when some policy had a round there;
 * a policy without a shadow shows no needed, overshoot or undershoot. */
static bk_rc gp_adl_chart(bk_outfile *o, const bk_report_run *run, uint32_t a) {
  static const char *const what[] = {"taken", "needed", "overshoot", "undershoot"};
  axis y = {0, 0};
  uint64_t rounds = 0;
  bk_report_adl s;
  for (size_t p = 0; p < run->npolicies; p++) {
    if (bk_report_adl_sum(run->policies[p].risk, a, &s)) return BK_ERANGE;
    rounds += s.rounds;
  }
  if (!rounds) return BK_OK;
  bk_outfile_printf(o, "$ADL << EOD\npolicy,taken,needed,overshoot,undershoot\n");
  for (size_t p = 0; p < run->npolicies; p++) {
    bk_report_adl_sum(run->policies[p].risk, a, &s); /* summed without overflow above */
    const int64_t v[4] = {s.taken, s.needed, s.overshoot, s.undershoot};
    bk_outfile_printf(o, "%zu", p + 1);
    for (int k = 0; k < 4; k++) {
      bk_outfile_printf(o, ",");
      if (v[k] >= 0) gp_fx(o, v[k]);
      axis_add(&y, v[k] > 0 ? v[k] : 0);
    }
    bk_outfile_printf(o, "\n");
  }
  bk_outfile_printf(o, "EOD\narray W[4]\n");
  for (int k = 0; k < 4; k++) bk_outfile_printf(o, "W[%d] = '%s'\n", k + 1, what[k]);
  bk_outfile_printf(o,
                    "set output outdir.'adl_'.A.'.'.fmt\n"
                    "set title 'ADL mechanisms compared ('.A.'): what the rounds took from "
                    "the accounts against what the ADL-off shadow needed'\n"
                    "set key outside right top\nset ylabel 'summed over rounds ('.A.')'\n"
                    "set style data histograms\nset style histogram clustered gap 1\n"
                    "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
                    "set xtics rotate by -20\nset xzeroaxis lt -1\n");
  gp_yaxis(o, y, 8);
  bk_outfile_printf(o, "plot for [i=2:5] $ADL using (column(i)/S):xtic(P[int(column(1))]) "
                       "title W[i-1] lc i-1\n"
                       "unset title\nset xtics norotate\nset xrange [*:*]\n"
                       "print 'wrote '.outdir.'adl_'.A.'.'.fmt\n");
  return BK_OK;
}

/* The fund axis of a sizing chart: linear from 0, or logarithmic from the smallest
 * positive fund when the funds span more than two decades (a crash day's draws run from
 * a thousand to tens of millions, where a linear axis shows only the tail). */
static void gp_sizing_axis(bk_outfile *o, axis x, int64_t min_pos) {
  if (min_pos > 0 && x.hi / 100 > min_pos) {
    bk_outfile_printf(o, "S = 1\nset logscale x 10\nset format x '%%.0s%%c'\nset xrange [");
    gp_fx(o, min_pos);
    bk_outfile_printf(o, ":");
    gp_fx(o, x.hi);
    bk_outfile_printf(o, "]\nset xlabel xlabel.' (log scale; at a fund of 0 the share is "
                         "that of the first step)'\n");
    return;
  }
  gp_axis(o, 'x', x, 8);
}

/* The fund-sizing curves of asset a: per policy a block of (fund, share, is P95) rows,
 * drawn as steps (the share holds from a fund to the next), the P95 fund as a point. */
static bk_rc gp_sizing_chart(bk_outfile *o, const bk_report_run *run, uint32_t a) {
  axis x = {0, 0};
  int64_t min_pos = 0;
  bk_outfile_printf(o, "$SIZING << EOD\nfund,share,p95\n");
  for (size_t p = 0; p < run->npolicies; p++) {
    bk_sizing_step *st;
    size_t n;
    int64_t p95, share;
    if (bk_sizing_of(run, p, a, &st, &n, &p95)) return BK_ENOMEM;
    for (size_t k = 0; k < n; k++) {
      axis_add(&x, st[k].fund);
      if (st[k].fund > 0 && (min_pos == 0 || st[k].fund < min_pos)) min_pos = st[k].fund;
      bk_fx_div(BK_FX((int64_t)st[k].above), BK_FX((int64_t)run->draws->ndraws), BK_HALF_EVEN,
                &share);
      gp_fx(o, st[k].fund);
      bk_outfile_printf(o, ",");
      gp_fx(o, share);
      bk_outfile_printf(o, ",%d\n", st[k].fund == p95);
    }
    bk_outfile_printf(o, "\n\n"); /* the next policy's block */
    free(st);
  }
  bk_outfile_printf(o, "EOD\n"
                       "set output outdir.'sizing_'.A.'.'.fmt\n"
                       "set title 'Share of draws needing ADL or socialization by initial "
                       "fund ('.A.'); dot: the fund that avoids them in 95 %% of draws'\n"
                       "set key outside right top\nxlabel = 'initial fund ('.A.')'\n"
                       "set xlabel xlabel\n"
                       "set ylabel 'share of draws'\nset yrange [0:1.05]\nset ytics 0.1\n"
                       "set format y '%%g'\n");
  gp_sizing_axis(o, x, min_pos);
  bk_outfile_printf(o, "plot for [i=1:NP] $SIZING index i-1 using (column(1)/S):2 with steps "
                       "ls i title P[i], \\\n"
                       "     for [i=1:NP] $SIZING index i-1 using (column(1)/S):"
                       "(column(3) > 0 ? column(2) : 1/0) with points ls i pt 7 ps 1.5 notitle\n"
                       "unset title\nunset logscale x\nset xlabel ''\nset format x '%%g'\n"
                       "set xrange [*:*]\nset xtics autofreq\n"
                       "print 'wrote '.outdir.'sizing_'.A.'.'.fmt\n");
  return BK_OK;
}

/* The terminals, the line style of each policy, what every chart shares. Messages go
 * to standard output (gnuplot prints to standard error unless told). */
static void gp_head(bk_outfile *o) {
  bk_outfile_printf(
      o,
      "# Charts of a backstop run. Render from the run folder with\n"
      "#   backstop chart RUN_DIR [--png|--pdf]\n"
      "# or directly: cd RUN_DIR && gnuplot -e \"fmt='pdf'\" charts.gp\n"
      "# Needs gnuplot 5.4 or later; uses the cairo terminals when present.\n"
      "if (!exists(\"fmt\")) fmt = 'png'\n"
      "if (!exists(\"outdir\")) outdir = ''\n"
      "cairo = strstrt(GPVAL_TERMINALS, fmt.'cairo') > 0\n"
      "if (fmt eq 'pdf' && !cairo) fmt = 'svg'\n"
      "if (fmt eq 'pdf') { set terminal pdfcairo noenhanced size 11.69in,8.27in font 'Sans,9' }\n"
      "if (fmt eq 'svg') { set terminal svg noenhanced size 1200,800 font 'Sans,10' dynamic }\n"
      "if (fmt eq 'png') { if (cairo) { set terminal pngcairo noenhanced size 1400,900 "
      "font 'Sans,10' } else { set terminal png noenhanced size 1400,900 } }\n"
      "set print '-'\n"
      "set datafile separator ','\n"
      "set datafile columnheaders\n"
      "set datafile missing ''\n"
      "set grid lc rgb '#dddddd'\n"
      "set style line 1 lc rgb '#1f5fb4' lw 2.5 dt 1\n"
      "set style line 2 lc rgb '#d1495b' lw 2 dt (10,5)\n"
      "set style line 3 lc rgb '#2e8b3c' lw 2 dt (3,3)\n"
      "set style line 4 lc rgb '#e08e0b' lw 2 dt (12,4,3,4)\n"
      "set style line 5 lc rgb '#6a3d9a' lw 2 dt (6,3)\n"
      "set style line 6 lc rgb '#17a3b8' lw 2 dt (2,5)\n"
      "set style line 7 lc rgb '#8c564b' lw 2 dt (15,5,5,5)\n"
      "set style line 8 lc rgb '#555555' lw 2 dt (4,4,1,4)\n");
}

bk_rc bk_report_charts_gp(const bk_report_run *run, bk_outfile *o) {
  gp_head(o);
  bk_outfile_printf(o, "array P[%zu]\n", run->npolicies ? run->npolicies : 1);
  for (size_t p = 0; p < run->npolicies; p++) {
    bk_outfile_printf(o, "P[%zu] = ", p + 1);
    gp_str(o, run->policies[p].risk->pol.name);
    bk_outfile_printf(o, "\n");
  }
  bk_outfile_printf(o, "NP = %zu\nNA = %zu\n", run->npolicies, run->nassets);
  for (uint32_t a = 0; a < run->nassets; a++) {
    bk_outfile_printf(o, "\n# --- settle asset %u ---\nA = ", a);
    gp_str(o, run->assets[a].name);
    bk_outfile_printf(o, "\n");
    gp_fund_chart(o, run, a);
    gp_flows_chart(o, run, a);
    if (gp_adl_chart(o, run, a)) return BK_ERANGE;
    if (bk_sizing_has(run) && gp_sizing_chart(o, run, a)) return BK_ENOMEM;
  }
  bk_outfile_printf(o, "unset output\n");
  return bk_outfile_error(o)->rc;
}
