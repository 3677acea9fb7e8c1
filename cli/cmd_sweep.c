/*
 * `backstop sweep`: every cell of a grid (config/grid.h) run as `backstop run` of its
 * scenario with the cell's overrides, each into its own run folder, in the grid's order,
 * and the index sweep.csv over them; or, with --shard K/N, one share of the cells into a
 * shard folder that `backstop merge` joins with the others (sweepfolder.h, shard.h).
 */
#include "cli/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/exitcode.h"
#include "cli/options.h"
#include "cli/pipeline.h"
#include "cli/shard.h"
#include "cli/sweepfolder.h"
#include "config/grid.h"
#include "engine/sha256.h"

static void usage(FILE *f) {
  fputs("usage: backstop sweep GRID.json [options]\n"
        "Runs every cell of a grid: each scenario it names, crossed with its windows,\n"
        "policy files and seeds (each cell one `backstop run` of the scenario with those\n"
        "overrides), into the sweep folder: cells/<id>/ (a run folder per cell), sweep.csv\n"
        "(a row per cell, policy and settle asset with the headline figures) and\n"
        "grid.json. The folder appears when every cell is done, or not at all.\n"
        "\n"
        "  -o, --out DIR        the sweep folder (default out/<grid name>); must not exist\n"
        "      --shard K/N      run only the cells whose index is K modulo N, into the\n"
        "                       shard folder DIR.shard-K-of-N beside DIR; `backstop merge\n"
        "                       DIR.shard-*-of-N -o DIR` then writes the same bytes as\n"
        "                       the whole sweep\n"
        "      --quiet          print only errors\n"
        "  -h, --help           this help\n",
        f);
}

typedef struct sweep_args {
  const char *grid, *out;
  int shard, quiet;
  size_t k, n;
} sweep_args;

static int parse_args(int argc, char **argv, sweep_args *a) {
  enum { O_SHARD = 1, O_QUIET };
  static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                       {"shard", required_argument, NULL, O_SHARD},
                                       {"quiet", no_argument, NULL, O_QUIET},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int c;
  bk_cli_opts_reset();
  while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o': a->out = optarg; break;
    case O_SHARD:
      if (bk_shard_parse(optarg, &a->k, &a->n)) {
        fprintf(stderr, "backstop sweep: --shard takes K/N with 0 <= K < N <= %d, got '%s'\n",
                BK_SHARDS_MAX, optarg);
        return EX_USAGE;
      }
      a->shard = 1;
      break;
    case O_QUIET: a->quiet = 1; break;
    case 'h': usage(stdout); return -1;
    default: return bk_cli_bad_option("sweep", c, argv);
    }
  }
  if (argc - optind != 1) return bk_cli_usage_error("sweep", "give one grid file");
  a->grid = argv[optind];
  return 0;
}

/* Cell i as `backstop run` into dir: the manifest records the same command without
 * "-o dir", which is the only argument that differs between a shard and a whole sweep. */
static int run_cell(const bk_grid *g, size_t i, const char *dir) {
  bk_grid_cell c = bk_grid_cell_of(g, i);
  char draws[16], *argv[20];
  int n = 0;
  argv[n++] = "run";
  argv[n++] = "--quiet";
  argv[n++] = c.scenario->path;
  if (c.policy->path) argv[n++] = "--policy", argv[n++] = c.policy->path;
  if (c.seed->text[0]) argv[n++] = "--seed", argv[n++] = c.seed->text;
  if (c.window->from[0]) argv[n++] = "--from", argv[n++] = c.window->from;
  if (c.window->to[0]) argv[n++] = "--to", argv[n++] = c.window->to;
  if (g->draws) {
    snprintf(draws, sizeof draws, "%u", (unsigned)g->draws);
    argv[n++] = "--draws", argv[n++] = draws;
  }
  char *rec[20]; /* getopt_long reorders argv: the record is a copy */
  memcpy(rec, argv, (size_t)n * sizeof *argv);
  rec[n] = NULL;
  argv[n] = "-o", argv[n + 1] = (char *)dir, argv[n + 2] = NULL;
  return bk_cmd_run_recorded(n + 2, argv, n, rec);
}

/* Runs the cells the sweep (or shard) owns into f's private folder; their ids go to sh. */
static int run_cells(const sweep_args *a, const bk_grid *g, const bk_sweep_folder *f,
                     bk_shard *sh) {
  size_t total = bk_grid_cells(g);
  for (size_t i = 0; i < total; i++) {
    if (a->shard && !bk_shard_owns(a->k, a->n, i)) continue;
    char id[BK_CELL_ID_LEN], dir[2300];
    bk_sweep_cell_id(i, id);
    snprintf(dir, sizeof dir, "%s/cells/%s", f->tmp, id);
    bk_grid_cell c = bk_grid_cell_of(g, i);
    if (!a->quiet)
      fprintf(stderr, "backstop sweep: cell %s of %zu: %s%s%s%s%s\n", id, total,
              c.scenario->text, c.policy->path ? ", policy " : "", c.policy->text,
              c.seed->text[0] ? ", seed " : "", c.seed->text);
    int code = run_cell(g, i, dir);
    if (code) {
      fprintf(stderr, "backstop sweep: cell %s (%s) failed; no sweep folder written\n", id,
              c.scenario->text);
      return code;
    }
    sh->cells[sh->ncells++] = i;
  }
  return 0;
}

/* The shard's manifest, or the whole sweep's index, into the private folder. */
static bk_rc finish(const sweep_args *a, const bk_grid *g, const char *target,
                    const bk_sweep_folder *f, bk_shard *sh, bk_err *err) {
  if (!a->shard) return bk_sweep_write_index(f->tmp, g, err);
  snprintf(sh->grid, sizeof sh->grid, "%s", a->grid);
  bk_sha256_of(g->text, g->len, sh->grid_sha256);
  snprintf(sh->target, sizeof sh->target, "%s", target);
  sh->k = a->k;
  sh->n = a->n;
  sh->cells_total = bk_grid_cells(g);
  return bk_shard_write(sh, f->tmp, err);
}

static int sweep(const sweep_args *a, const bk_grid *g) {
  char target[2048], where[2200];
  bk_err err = {0};
  snprintf(target, sizeof target, "%s", a->out ? a->out : "");
  if (!a->out) snprintf(target, sizeof target, "out/%s", g->name);
  snprintf(where, sizeof where, "%s", target);
  if (a->shard) snprintf(where, sizeof where, "%s.shard-%zu-of-%zu", target, a->k, a->n);
  bk_sweep_folder f;
  bk_shard sh = {0};
  bk_rc rc = bk_sweep_folder_begin(&f, where, &err);
  if (rc) return bk_cli_fail("sweep", &err, rc);
  int code = 0;
  if (!(sh.cells = calloc(bk_grid_cells(g), sizeof *sh.cells))) {
    rc = bk_err_set(&err, BK_ENOMEM, "out of memory");
  } else if (!(rc = bk_sweep_write_file(f.tmp, "grid.json", g->text, g->len, &err))) {
    code = run_cells(a, g, &f, &sh);
    if (!code && !(rc = finish(a, g, target, &f, &sh, &err)))
      rc = bk_sweep_folder_commit(&f, &err);
  }
  if (rc) code = bk_cli_fail("sweep", &err, rc);
  else if (!code && !a->quiet)
    printf("sweep %s: %zu of %zu cells in %s/\n", g->name, sh.ncells, bk_grid_cells(g), where);
  bk_sweep_folder_abort(&f);
  bk_shard_fini(&sh);
  return code;
}

int bk_cmd_sweep(int argc, char **argv) {
  sweep_args a = {0};
  int code = parse_args(argc, argv, &a);
  if (code) return code < 0 ? 0 : code;
  bk_grid g;
  bk_err err = {0};
  bk_rc rc = bk_grid_load(a.grid, &g, &err);
  code = rc ? bk_cli_fail("sweep", &err, rc) : sweep(&a, &g);
  bk_grid_fini(&g);
  return code;
}
