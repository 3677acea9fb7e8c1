/*
 * `backstop chart RUN_DIR [--png|--pdf|--svg]`: renders the charts.gp script a run
 * wrote beside its CSVs, with gnuplot from the PATH, into the run folder.
 */
#ifndef BK_CMD_CHART_H
#define BK_CMD_CHART_H

/* Runs the subcommand (argv[0] is "chart"); returns the process exit status: 0, 64
 * usage, 66 no run folder or no charts.gp in it, 69 gnuplot not installed (the message
 * says how to install it), 65 gnuplot failed on the script, 71 it could not be started. */
int bk_cmd_chart(int argc, char **argv);

/* Renders the charts.gp of run folder dir as fmt ("png", "pdf", "svg") into outdir
 * (ending in '/', or "" for the run folder), with the checks and messages of
 * bk_cmd_chart; gnuplot's own lines go to standard output only when verbose. Returns
 * the same exit statuses. */
int bk_chart_render(const char *dir, const char *fmt, const char *outdir, int verbose);

#endif
