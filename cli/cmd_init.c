/*
 * `backstop init`: the scenario `run --data` would infer, written out to be read and
 * edited (see cmd_init.h). Data paths are written so that they resolve from the file's
 * folder, as a scenario's paths do: as given when the file goes to the current folder
 * (or to stdout), else made absolute.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli/cmd_init.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/options.h"
#include "cli/pipeline.h"
#include "reports/outfile.h"

bk_rc bk_cli_infer(const char *const *paths, const char *const *written, size_t n,
                   const bk_feed_opts *fo, bk_inferred *out, bk_err *err) {
  return bk_infer_from_data(paths, written, n, NULL, fo, bk_shipped_policies,
                            bk_nshipped_policies, out, err);
}

void bk_cli_print_choices(const bk_inferred *inf) {
  fprintf(stderr, "no scenario given: inferred one from the data (backstop init writes it "
                  "out to edit)\n");
  for (size_t i = 0; i < inf->nwhy; i++) fprintf(stderr, "  %s\n", inf->why[i]);
}

static void usage(FILE *f) {
  fputs("usage: backstop init DATA... [-o scenario.json]\n"
        "Reads market data files or folders and writes the scenario `backstop run --data`\n"
        "would infer from them: instruments and specs, the window (the data's span, its\n"
        "first quarter as warm-up), a synthetic population, the shipped venue policies with\n"
        "funds in each settle asset's own units, and where the book comes from. Every\n"
        "section says how it was chosen; `backstop run SCENARIO.json` runs it unchanged.\n"
        "\n"
        "  -o, --out FILE       write the scenario to FILE (default: standard output; data\n"
        "                       paths are then written as given)\n"
        "      --quiet          do not print the choices\n"
        "  -h, --help           this help\n",
        f);
}

/* The data paths as a scenario file in out's folder must give them. */
static int written_paths(const char *out, char **paths, size_t n, char **written) {
  int here = !out || !strchr(out, '/');
  for (size_t i = 0; i < n; i++) {
    char abs[PATH_MAX];
    if (here || paths[i][0] == '/') written[i] = strdup(paths[i]);
    else written[i] = realpath(paths[i], abs) ? strdup(abs) : strdup(paths[i]);
    if (!written[i]) return -1;
  }
  return 0;
}

static bk_rc write_out(const char *out, const bk_inferred *inf, bk_err *err) {
  if (!out) {
    fwrite(inf->json, 1, inf->len, stdout);
    fputc('\n', stdout);
    return fflush(stdout) ? bk_err_set(err, BK_EWRITE, "standard output: write failed")
                          : BK_OK;
  }
  bk_outfile *o;
  bk_rc rc = bk_outfile_open(out, &o, err);
  if (rc) return rc;
  bk_outfile_write(o, inf->json, inf->len);
  bk_outfile_write(o, "\n", 1);
  return bk_outfile_commit(o, err);
}

int bk_cmd_init(int argc, char **argv) {
  enum { O_QUIET = 256 };
  static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                       {"quiet", no_argument, NULL, O_QUIET},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  int quiet = 0, c;
  bk_cli_opts_reset();
  while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case O_QUIET: quiet = 1; break;
    case 'h': usage(stdout); return 0;
    default: return bk_cli_bad_option("init", c, argv);
    }
  }
  size_t n = (size_t)(argc - optind);
  if (n == 0)
    return bk_cli_usage_error("init", "name the data files or folders to infer a scenario from");
  char **written = calloc(n, sizeof *written);
  bk_err err;
  memset(&err, 0, sizeof err);
  bk_inferred inf;
  memset(&inf, 0, sizeof inf);
  bk_feed_opts fo;
  bk_feed_opts_init(&fo);
  bk_rc rc = written && !written_paths(out, argv + optind, n, written)
                 ? BK_OK
                 : bk_err_set(&err, BK_ENOMEM, "out of memory");
  if (!rc)
    rc = bk_cli_infer((const char *const *)(argv + optind), (const char *const *)written, n,
                      &fo, &inf, &err);
  if (!rc && !quiet) bk_cli_print_choices(&inf);
  if (!rc) rc = write_out(out, &inf, &err);
  if (!rc && out && !quiet) fprintf(stderr, "wrote %s\n", out);
  for (size_t i = 0; written && i < n; i++) free(written[i]);
  free(written);
  bk_inferred_fini(&inf);
  return rc ? bk_cli_fail("init", &err, rc) : 0;
}
