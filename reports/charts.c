/*
 * The chart script of a run folder: charts.gp, a gnuplot program over the run's CSVs.
 *
 * Written with the reports (it is how a reader turns them into figures for a PDF) and
 * rendered by `backstop chart`. Per settle asset it draws
 *   fund_<asset>.<ext>   fund equity over time per policy, liquidation volume per
 *                        sample interval below it;
 *   flows_<asset>.<ext>  per policy, bars of the fund's inflows by cause (liquidation
 *                        fees, spread capture, protocol revenue) and its bankruptcy
 *                        outflows (drawn below zero).
 * The script reads columns by name (gnuplot 5.4's `set datafile columnheaders`), so it
 * survives added columns. The script is small and written once per run; nothing here
 * is tuned for speed. Plotting converts the printed decimals to floating point, which
 * is fine: charts are display, never a result.
 */
#include "reports/charts.h"

#include <string.h>

#include "reports/columns.h"
#include "reports/units.h"

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

bk_rc bk_report_charts_gp(const bk_report_run *run, bk_outfile *o) {
  char u[24];
  bk_report_unit(run, u, sizeof u);
  bk_outfile_printf(
      o,
      "# Charts of a backstop run. Render from the run folder with\n"
      "#   backstop chart RUN_DIR [--png|--pdf]\n"
      "# or directly: cd RUN_DIR && gnuplot -e \"fmt='pdf'\" charts.gp\n"
      "# Needs gnuplot 5.4 or later; uses the cairo terminals when present.\n"
      "if (!exists(\"fmt\")) fmt = 'png'\n"
      "cairo = strstrt(GPVAL_TERMINALS, fmt.'cairo') > 0\n"
      "if (fmt eq 'pdf' && !cairo) fmt = 'svg'\n"
      "if (fmt eq 'pdf') { set terminal pdfcairo size 10in,6.5in font 'Sans,9' }\n"
      "if (fmt eq 'svg') { set terminal svg size 1200,800 font 'Sans,10' dynamic }\n"
      "if (fmt eq 'png') { if (cairo) { set terminal pngcairo size 1400,900 font 'Sans,10' }"
      " else { set terminal png size 1400,900 } }\n"
      "set datafile separator ','\n"
      "set datafile columnheaders\n"
      "set datafile missing ''\n"
      "set grid lc rgb '#dddddd'\n"
      "set key outside right top\n");
  bk_outfile_printf(o, "array P[%zu]\n", run->npolicies ? run->npolicies : 1);
  for (size_t p = 0; p < run->npolicies; p++) {
    bk_outfile_printf(o, "P[%zu] = ", p + 1);
    gp_str(o, run->policies[p].risk->pol.name);
    bk_outfile_printf(o, "\n");
  }
  bk_outfile_printf(o, "NP = %zu\nNA = %zu\n", run->npolicies, run->nassets);
  for (uint32_t a = 0; a < run->nassets; a++) {
    const char *an = run->assets[a].name;
    bk_outfile_printf(o, "\n# --- settle asset %u ---\nA = ", a);
    gp_str(o, an);
    bk_outfile_printf(o, "\nU = ");
    gp_str(o, u);
    bk_outfile_printf(
        o,
        "\nset output 'fund_'.A.'.'.fmt\n"
        "set multiplot title 'Insurance fund by policy ('.A.')'\n"
        "set xdata time\nset timefmt '%%s'\nset format x '%%H:%%M'\n"
        "set xlabel ''\n"
        "set lmargin 14\nset rmargin 30\n"
        "set size 1,0.64\nset origin 0,0.34\n"
        "set ylabel 'fund equity ('.U.')'\n");
    /* Rows are selected by position (fund.csv is grouped by policy, then asset), not by
       comparing names: gnuplot does not undo RFC 4180's doubled quotes. */
    for (int panel = 0; panel < 2; panel++) {
      if (panel == 1)
        bk_outfile_printf(o, "set size 1,0.34\nset origin 0,0\n"
                             "set xlabel 'time (UTC)'\n"
                             "set ylabel 'liquidated ('.U.' per sample)'\n");
      size_t row = 0, plotted = 0;
      for (size_t p = 0; p < run->npolicies; p++)
        for (uint32_t b = 0; b < run->nassets; b++) {
          size_t n = run->policies[p].nsamples[b];
          if (b == a && n > 0) {
            bk_outfile_printf(o, "%s '%s' every ::%zu::%zu using (column('" BK_COL_TS_US
                                 "')/1e6):(column('%s')) with %s title P[%zu]",
                              plotted ? ", \\\n    " : "plot", plotted ? "" : "fund.csv",
                              row, row + n - 1,
                              panel ? BK_COL_LIQ_NOTIONAL_INTERVAL : BK_COL_FUND_EQUITY,
                              panel ? "steps lw 1.5" : "lines lw 2", p + 1);
            plotted++;
          }
          row += n;
        }
      if (!plotted) bk_outfile_printf(o, "plot 0 notitle");
      bk_outfile_printf(o, "\n");
    }
    bk_outfile_printf(o,
                      "unset multiplot\n"
                      "print 'wrote fund_'.A.'.'.fmt\n"
                      "set xdata\nset format x '%%g'\nset xlabel ''\n"
                      "set lmargin\nset rmargin\nset size 1,1\nset origin 0,0\n");
    bk_outfile_printf(
        o,
        "set output 'flows_'.A.'.'.fmt\n"
        "set title 'Fund inflows and outflows by cause, per policy ('.A.')'\n"
        "set style data histograms\nset style histogram clustered gap 1\n"
        "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
        "set xtics rotate by -20\nset ylabel U\nset xzeroaxis lt -1\n"
        "plot 'summary.csv' every NA::%u using (column('in_liquidation_fee')):"
        "xtic(P[int(column(0))+1]) title 'liquidation fee', \\\n"
        "     '' every NA::%u using (column('in_spread_capture')) title 'spread capture', \\\n"
        "     '' every NA::%u using (column('in_protocol_revenue')) title 'protocol revenue', \\\n"
        "     '' every NA::%u using (-column('out_deficit')) title 'bankruptcy deficits'\n"
        "unset title\nset xtics norotate\n"
        "print 'wrote flows_'.A.'.'.fmt\n",
        a, a, a, a);
  }
  bk_outfile_printf(o, "unset output\n");
  return bk_outfile_error(o)->rc;
}
