/*
 * `backstop chart`: renders a run folder's charts.gp with gnuplot (see cmd_chart.h).
 *
 * The script is written by the run itself (reports/charts.c), so this command only
 * finds gnuplot, runs it inside the run folder with the requested format and passes its
 * messages through. It first refuses a script that would make gnuplot run a program:
 * rendering a report must never execute what a report folder says. Rendering takes a second; nothing here is tuned.
 */
#include "cli/cmd_chart.h"

#include "cli/tool.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli/options.h"

static void usage(FILE *f) {
  fputs("usage: backstop chart RUN_DIR [--png|--pdf|--svg] [--quiet]\n"
        "Renders the charts of a run folder (its charts.gp, written by backstop run) with\n"
        "gnuplot: fund_<asset>.<fmt> (fund equity per policy, liquidation volume below)\n"
        "and flows_<asset>.<fmt> (fund inflows and outflows by cause per policy).\n"
        "\n"
        "      --png        PNG (the default; pngcairo when gnuplot has it)\n"
        "      --pdf        PDF (pdfcairo; SVG when gnuplot has no cairo terminals)\n"
        "      --svg        SVG\n"
        "      --quiet      print only errors\n"
        "  -h, --help       this help\n",
        f);
}

/* The line (1-based) of charts.gp that would make gnuplot run a program, 0 when none:
 * a shell escape (a line or statement starting with '!'), system, a backquote, or a
 * pipe as output or input. The script backstop writes has none of these, and the names
 * it carries cannot hold them (config/safename.h); a script from an older version
 * whose names were not checked, or one edited by hand, may. -1 when unreadable. */
static long runs_programs(const char *script) {
  FILE *f = fopen(script, "r");
  if (!f) return -1;
  char line[4096];
  long no = 0, bad = 0;
  while (!bad && fgets(line, sizeof line, f)) {
    no++;
    const char *p = line + strspn(line, " \t");
    int call = 0; /* system followed by ( or a string: the function or the command */
    for (const char *q = line; !call && (q = strstr(q, "system")) != NULL; q += 6) {
      const char *r = q + 6 + strspn(q + 6, " \t");
      call = *r == '(' || *r == '\'' || *r == '"';
    }
    if (*p == '!' || strstr(line, ";!") || strstr(line, "; !") || call ||
        strchr(line, '`') || strstr(line, "'|") || strstr(line, "\"|") ||
        strstr(line, "'<") || strstr(line, "\"<"))
      bad = no;
  }
  fclose(f);
  return bad;
}

int bk_cmd_chart(int argc, char **argv) {
  static const struct option opts[] = {{"png", no_argument, NULL, 'p'},
                                       {"pdf", no_argument, NULL, 'd'},
                                       {"svg", no_argument, NULL, 's'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *fmt = "png";
  int ch, quiet = 0;
  bk_cli_opts_reset();
  while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    switch (ch) {
    case 'p': fmt = "png"; break;
    case 'd': fmt = "pdf"; break;
    case 's': fmt = "svg"; break;
    case 'q': quiet = 1; break;
    case 'h': usage(stdout); return 0;
    default: return bk_cli_bad_option("chart", ch, argv);
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "backstop chart: expected one run folder\n");
    usage(stderr);
    return EX_USAGE;
  }
  int code = bk_chart_render(argv[optind], fmt, "", !quiet);
  if (code == 0 && !quiet) printf("charts of %s rendered as %s\n", argv[optind], fmt);
  return code;
}

int bk_chart_render(const char *dir, const char *fmt, const char *outdir, int verbose) {
  char script[4096];
  struct stat st;
  errno = 0;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "backstop: %s: not a run folder: %s\n", dir,
            errno ? strerror(errno) : "not a directory");
    return EX_NOINPUT;
  }
  snprintf(script, sizeof script, "%s/charts.gp", dir);
  if (stat(script, &st) != 0) {
    fprintf(stderr,
            "backstop: %s: no charts.gp (expected the chart script that backstop run "
            "writes beside its CSVs)\n",
            dir);
    return EX_NOINPUT;
  }
  long bad = runs_programs(script);
  if (bad != 0) {
    if (bad < 0) fprintf(stderr, "backstop: %s: cannot read: %s\n", script, strerror(errno));
    else
      fprintf(stderr,
              "backstop: %s:%ld: the script would run a program (a shell escape, "
              "system, a backquote or a pipe), which the script backstop writes never does; "
              "render it with gnuplot yourself if you wrote it\n",
              script, bad);
    return bad < 0 ? EX_NOINPUT : EX_DATAERR;
  }
  if (!bk_tool_on_path("gnuplot")) {
    fprintf(stderr,
            "backstop: gnuplot is not installed (or not on the PATH).\n"
            "  Debian/Ubuntu: sudo apt-get install gnuplot-nox\n"
            "  Fedora:        sudo dnf install gnuplot\n"
            "  macOS:         brew install gnuplot\n"
            "then run: backstop chart %s --%s\n"
            "(or render by hand: cd %s && gnuplot -e \"fmt='%s'\" charts.gp)\n",
            dir, fmt, dir, fmt);
    return EX_UNAVAILABLE;
  }
  char vars[4200];
  /* outdir is a folder of ours (a run folder or a temporary one); quoted as gnuplot
     reads a single-quoted string */
  if (strchr(outdir, '\'') || strchr(fmt, '\'')) return EX_SOFTWARE;
  snprintf(vars, sizeof vars, "fmt='%s'; outdir='%s'", fmt, outdir);
  char *args[] = {"gnuplot", "-e", vars, "charts.gp", NULL};
  int code = bk_tool_run(dir, args, verbose ? NULL : "/dev/null", NULL);
  if (code == 127 || code < 0) {
    fprintf(stderr, "backstop: gnuplot could not be run on %s\n", script);
    return EX_OSERR;
  }
  if (code != 0) {
    fprintf(stderr, "backstop: gnuplot failed on %s (exit %d; its message is above)\n",
            script, code);
    return EX_DATAERR;
  }
  return 0;
}
