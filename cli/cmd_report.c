/*
 * `backstop report RUN_DIR --pdf [-o FILE]`: the board brief of a run folder as one PDF.
 *
 * reports/brief.c writes the text as groff -ms source; this command gathers what it
 * needs (the run folder's scenario.json, the scenario exactly as it ran, checked against
 * the manifest's hash of it), renders the charts with gnuplot's pdfcairo into a private temporary folder, runs
 * groff -ms -t -Tpdf on the text and joins the pages with pdfunite (poppler-utils):
 * Debian packages that cmake/deps.sh installs. A second or two per brief.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli/cmd_chart.h"
#include "cli/commands.h"
#include "cli/exitcode.h"
#include "cli/options.h"
#include "cli/tool.h"
#include "engine/sha256.h"
#include "reports/brief.h"
#include "reports/outfile.h"

static void usage(FILE *f) {
  fputs("usage: backstop report RUN_DIR --pdf [-o FILE]\n"
        "Writes the board brief of a run folder as one PDF (RUN_DIR/brief.pdf unless -o):\n"
        "the question, the data and its quality, the population and every assumption,\n"
        "the summary per policy, the manifest's hashes and the charts. Needs gnuplot,\n"
        "groff and pdfunite (Debian: gnuplot-nox groff poppler-utils).\n"
        "\n"
        "      --pdf        the PDF brief (the one form there is)\n"
        "  -o, --output F   write the PDF to F\n"
        "      --quiet      errors only\n"
        "  -h, --help       this help\n",
        f);
}

/* The whole of a file, NUL-terminated, with its SHA-256; NULL when unreadable. */
static char *slurp(const char *path, char hex[65]) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0, k;
  char *s = malloc(cap);
  while (s && (k = fread(s + n, 1, cap - n - 1, f)) > 0) {
    n += k;
    if (n + 1 == cap) {
      char *t = realloc(s, cap *= 2);
      if (!t) free(s);
      s = t;
    }
  }
  fclose(f);
  if (!s) return NULL;
  s[n] = '\0';
  bk_sha256_of(s, n, hex);
  return s;
}

/* The scenario that ran: the run folder's scenario.json if it still has the hash the
 * manifest recorded; else NULL and why in note. */
static char *scenario_of(const char *dir, json_t *manifest, char *note, size_t cap) {
  json_t *ran = json_object_get(manifest, "scenario_ran");
  const char *want = json_string_value(json_object_get(ran, "sha256"));
  char path[4200], hex[65];
  snprintf(path, sizeof path, "%s/scenario.json", dir);
  char *s = slurp(path, hex);
  if (s && want && !strcmp(hex, want)) return s;
  snprintf(note, cap, "%s %s, so the scenario's settings are not shown.", path,
           !s ? "cannot be read" : want ? "has changed since the run"
                                        : "has no hash in the manifest (an older run folder)");
  free(s);
  return NULL;
}

/* Chart names fund_<asset> and flows_<asset> of every settle asset in the manifest. */
static size_t chart_names(json_t *manifest, char (*names)[96], size_t cap) {
  size_t n = 0, i;
  json_t *a;
  json_array_foreach(json_object_get(manifest, "settle_assets"), i, a) {
    const char *s = json_string_value(a);
    if (!s || n + 2 > cap) continue;
    snprintf(names[n++], 96, "fund_%s", s);
    snprintf(names[n++], 96, "flows_%s", s);
  }
  return n;
}

/* Renders the charts into tmp, writes brief.ms there, runs groff and pdfunite. */
static int build(const char *dir, const char *out, const char *tmp) {
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.json", dir);
  json_error_t je;
  json_t *manifest = json_load_file(path, 0, &je);
  if (!manifest) {
    fprintf(stderr, "backstop report: %s: %s\n", path, je.text);
    return EX_NOINPUT;
  }
  char note[4400] = "", names[64][96], outdir[4200];
  char *scenario = scenario_of(dir, manifest, note, sizeof note);
  size_t n = chart_names(manifest, names, 64);
  json_decref(manifest);
  snprintf(outdir, sizeof outdir, "%s/", tmp);
  int code = bk_chart_render(dir, "pdf", outdir, 0);
  const char *charts[64];
  for (size_t i = 0; i < n; i++) charts[i] = names[i];
  bk_brief_in in = {dir, scenario, note, charts, n};
  bk_err err;
  bk_err_clear(&err);
  snprintf(path, sizeof path, "%s/brief.ms", tmp);
  bk_outfile *o = NULL;
  if (!code) {
    bk_rc rc = bk_outfile_open(path, &o, &err);
    if (!rc) rc = bk_brief_ms(&in, o, &err);
    if (!rc) rc = bk_outfile_commit(o, &err);
    else bk_outfile_abort(o);
    if (rc) {
      fprintf(stderr, "backstop report: %s\n", err.msg);
      code = bk_cli_exit_code(rc);
    }
  }
  free(scenario);
  if (code) return code;
  char *groff[] = {"groff", "-ms", "-t", "-Tpdf", "-dpaper=a4", "-P-pa4", "brief.ms", NULL};
  /* groff's warnings (a table wider than the page when paths are long) are kept out
     of the terminal unless it fails */
  if (bk_tool_run(tmp, groff, "text.pdf", "groff.log") != 0) {
    char log[4400];
    snprintf(log, sizeof log, "%s/groff.log", tmp);
    FILE *f = fopen(log, "r");
    for (int c; f && (c = fgetc(f)) != EOF;) fputc(c, stderr);
    if (f) fclose(f);
    fprintf(stderr, "backstop report: groff failed on the brief (its message is above)\n");
    return EX_SOFTWARE;
  }
  char *unite[70];
  char files[66][4300];
  size_t k = 0;
  unite[k++] = "pdfunite";
  snprintf(files[0], sizeof files[0], "%s/text.pdf", tmp);
  unite[k++] = files[0];
  for (size_t i = 0; i < n; i++) {
    int len = snprintf(files[i + 1], sizeof files[i + 1], "%s/%.*s.pdf", tmp, 255, names[i]);
    if (len < 0 || (size_t)len >= sizeof files[i + 1]) {
      fprintf(stderr, "backstop report: a chart's path is too long\n");
      return EX_SOFTWARE;
    }
    unite[k++] = files[i + 1];
  }
  unite[k++] = (char *)out;
  unite[k] = NULL;
  if (bk_tool_run(NULL, unite, NULL, NULL) != 0) {
    fprintf(stderr, "backstop report: pdfunite could not join the pages into %s\n", out);
    return EX_CANTCREAT;
  }
  return 0;
}

/* Removes the temporary folder and what this command put there (the files gnuplot,
 * groff and the brief wrote: every regular file in it). */
static void clean(const char *tmp) {
  DIR *d = opendir(tmp);
  struct dirent *e;
  char path[4400];
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
    unlink(path);
  }
  if (d) closedir(d);
  rmdir(tmp);
}

int bk_cmd_report(int argc, char **argv) {
  static const struct option opts[] = {{"pdf", no_argument, NULL, 'p'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  int pdf = 0, quiet = 0, ch;
  bk_cli_opts_reset();
  while ((ch = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
    switch (ch) {
    case 'p': pdf = 1; break;
    case 'o': out = optarg; break;
    case 'q': quiet = 1; break;
    case 'h': usage(stdout); return 0;
    default: return bk_cli_bad_option("report", ch, argv);
    }
  }
  if (optind != argc - 1 || !pdf)
    return bk_cli_usage_error("report", "expected one run folder and --pdf");
  const char *dir = argv[optind];
  char def[4200];
  if (!out) {
    snprintf(def, sizeof def, "%s/brief.pdf", dir);
    out = def;
  }
  for (const char *const *t = (const char *const[]){"gnuplot", "groff", "pdfunite", NULL}; *t; t++)
    if (!bk_tool_on_path(*t)) {
      fprintf(stderr,
              "backstop report: %s is not installed (or not on the PATH); on Debian: "
              "sudo apt-get install gnuplot-nox groff poppler-utils (or sh cmake/deps.sh)\n",
              *t);
      return EX_UNAVAILABLE;
    }
  const char *base = getenv("TMPDIR");
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s/backstop-brief.XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmp)) {
    fprintf(stderr, "backstop report: cannot make a temporary folder %s: %s\n", tmp,
            strerror(errno));
    return EX_CANTCREAT;
  }
  int code = build(dir, out, tmp);
  clean(tmp);
  if (code == 0 && !quiet) printf("wrote %s\n", out);
  return code;
}
