/*
 * `backstop merge`: joins the shard folders of a sweep (`backstop sweep --shard K/N`)
 * into the sweep folder, byte for byte what the whole sweep run in one process writes.
 * Before anything is written it checks that the shards ran one grid (the same grid.json
 * bytes), that each of the N shards is there once, and that every cell was run exactly
 * once and finished (its manifest.json is there); any failure names the shard and why,
 * and leaves no merged folder.
 */
#include "cli/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "cli/options.h"
#include "cli/pipeline.h"
#include "cli/shard.h"
#include "cli/sweepfolder.h"
#include "config/grid.h"
#include "config/jdoc.h"
#include "engine/sha256.h"

static void usage(FILE *f) {
  fputs("usage: backstop merge SHARD_DIR... -o OUT\n"
        "Joins the shard folders that `backstop sweep GRID --shard K/N -o OUT` wrote\n"
        "(OUT.shard-K-of-N, for every K from 0 to N-1) into the sweep folder OUT: the\n"
        "same bytes as `backstop sweep GRID -o OUT` in one process. Refuses, writing\n"
        "nothing, when a shard is missing or given twice, a cell is missing, unfinished\n"
        "or was run twice, or the shards ran different grids.\n"
        "\n"
        "  -o, --out DIR        the sweep folder to write; must not exist\n"
        "  -h, --help           this help\n",
        f);
}

typedef struct merge {
  char **dirs;     /* the shard folders as given */
  size_t ndirs;
  bk_shard *sh;    /* [ndirs] their manifests */
  size_t *owner;   /* [cells_total] the index in dirs of the shard that ran the cell */
  char *grid;      /* grid.json's bytes */
  size_t glen;
  bk_err err;
} merge;

/* rc with m->err's message prefixed by "shard DIR: ". */
static bk_rc blame(merge *m, const char *dir, bk_rc rc) {
  char msg[sizeof m->err.msg];
  memcpy(msg, m->err.msg, sizeof msg);
  return bk_err_set(&m->err, rc, "shard %s: %s", dir, msg);
}

/* Reads shard i's manifest and its grid.json, which must hash as the manifest says. */
static bk_rc read_shard(merge *m, size_t i) {
  bk_rc rc = bk_shard_read(m->dirs[i], &m->sh[i], &m->err);
  if (rc) return blame(m, m->dirs[i], rc);
  char path[4096], hex[65];
  snprintf(path, sizeof path, "%s/grid.json", m->dirs[i]);
  size_t len;
  char *g = bk_jdoc_slurp(path, &len, &m->err);
  if (!g) return blame(m, m->dirs[i], m->err.rc ? m->err.rc : BK_ENOINPUT);
  bk_sha256_of(g, len, hex);
  if (strcmp(hex, m->sh[i].grid_sha256)) {
    free(g);
    return bk_err_set(&m->err, BK_EDATA, "shard %s: grid.json does not hash as its "
                      "shard.json says (%s, not %s)", m->dirs[i], hex, m->sh[i].grid_sha256);
  }
  if (!m->grid) {
    m->grid = g;
    m->glen = len;
  } else {
    free(g);
  }
  return BK_OK;
}

/* Shard i against shard 0: the same grid, cut into the same number of shards. */
static bk_rc same_grid(merge *m, size_t i) {
  const bk_shard *a = &m->sh[0], *b = &m->sh[i];
  if (strcmp(a->grid_sha256, b->grid_sha256))
    return bk_err_set(&m->err, BK_EDATA, "shard %s ran another grid than shard %s (grid "
                      "SHA-256 %.12s..., not %.12s...)", m->dirs[i], m->dirs[0],
                      b->grid_sha256, a->grid_sha256);
  if (a->n != b->n || a->cells_total != b->cells_total)
    return bk_err_set(&m->err, BK_EDATA, "shard %s is shard %zu of %zu (%zu cells), shard "
                      "%s one of %zu (%zu cells)", m->dirs[i], b->k, b->n, b->cells_total,
                      m->dirs[0], a->n, a->cells_total);
  return BK_OK;
}

/* Each of the N shards given once. */
static bk_rc every_shard(merge *m) {
  size_t n = m->sh[0].n;
  for (size_t k = 0; k < n; k++) {
    size_t found = m->ndirs;
    for (size_t i = 0; i < m->ndirs; i++) {
      if (m->sh[i].k != k) continue;
      if (found < m->ndirs)
        return bk_err_set(&m->err, BK_EUSAGE, "shard %zu of %zu given twice: %s and %s", k,
                          n, m->dirs[found], m->dirs[i]);
      found = i;
    }
    if (found == m->ndirs)
      return bk_err_set(&m->err, BK_ENOINPUT, "shard %zu of %zu is missing (its folder "
                        "was not given, or its sweep did not finish)", k, n);
  }
  return BK_OK;
}

/* Every cell run once, by the shard it belongs to, and finished. */
static bk_rc every_cell(merge *m) {
  size_t total = m->sh[0].cells_total;
  if (!(m->owner = malloc(total * sizeof *m->owner)))
    return bk_err_set(&m->err, BK_ENOMEM, "out of memory");
  for (size_t c = 0; c < total; c++) m->owner[c] = m->ndirs;
  for (size_t i = 0; i < m->ndirs; i++)
    for (size_t j = 0; j < m->sh[i].ncells; j++) {
      size_t c = m->sh[i].cells[j];
      if (m->owner[c] < m->ndirs)
        return bk_err_set(&m->err, BK_EDATA, "cell %05zu was run twice: by shard %s and by "
                          "shard %s", c, m->dirs[m->owner[c]], m->dirs[i]);
      m->owner[c] = i;
    }
  for (size_t c = 0; c < total; c++) {
    size_t i = m->owner[c];
    char path[4096];
    struct stat st;
    if (i == m->ndirs)
      return bk_err_set(&m->err, BK_EDATA, "cell %05zu was run by no shard (shard %zu of "
                        "%zu should have)", c, c % m->sh[0].n, m->sh[0].n);
    snprintf(path, sizeof path, "%s/cells/%05zu/manifest.json", m->dirs[i], c);
    if (stat(path, &st))
      return bk_err_set(&m->err, BK_ENOINPUT, "shard %s: cell %05zu has no manifest.json: "
                        "the shard folder is incomplete", m->dirs[i], c);
  }
  return BK_OK;
}

static bk_rc check(merge *m) {
  bk_rc rc = BK_OK;
  for (size_t i = 0; i < m->ndirs && !rc; i++) rc = read_shard(m, i);
  for (size_t i = 1; i < m->ndirs && !rc; i++) rc = same_grid(m, i);
  if (!rc) rc = every_shard(m);
  return rc ? rc : every_cell(m);
}

/* The sweep folder out: grid.json, the cells in order, sweep.csv. */
static bk_rc write(merge *m, const char *out) {
  bk_sweep_folder f;
  bk_grid g;
  bk_rc rc = bk_grid_parse(m->grid, m->glen, "grid.json", "", &g, &m->err);
  if (rc) {
    bk_grid_fini(&g);
    return blame(m, m->dirs[0], rc);
  }
  if ((rc = bk_sweep_folder_begin(&f, out, &m->err))) {
    bk_grid_fini(&g);
    return rc;
  }
  rc = bk_sweep_write_file(f.tmp, "grid.json", m->grid, m->glen, &m->err);
  for (size_t c = 0; c < m->sh[0].cells_total && !rc; c++) {
    char from[4096], to[2300];
    snprintf(from, sizeof from, "%s/cells/%05zu", m->dirs[m->owner[c]], c);
    snprintf(to, sizeof to, "%s/cells/%05zu", f.tmp, c);
    rc = bk_sweep_copy_folder(from, to, &m->err);
  }
  if (!rc) rc = bk_sweep_write_index(f.tmp, &g, &m->err);
  if (!rc) rc = bk_sweep_folder_commit(&f, &m->err);
  bk_sweep_folder_abort(&f);
  bk_grid_fini(&g);
  return rc;
}

int bk_cmd_merge(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  int c;
  bk_cli_opts_reset();
  while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
    if (c == 'o') out = optarg;
    else if (c == 'h') {
      usage(stdout);
      return 0;
    } else return bk_cli_bad_option("merge", c, argv);
  }
  if (!out) return bk_cli_usage_error("merge", "-o OUT, the sweep folder to write, is needed");
  if (optind == argc) return bk_cli_usage_error("merge", "give the shard folders");
  merge m = {.dirs = argv + optind, .ndirs = (size_t)(argc - optind)};
  if (!(m.sh = calloc(m.ndirs, sizeof *m.sh))) return EX_OSERR;
  bk_rc rc = check(&m);
  if (!rc && strcmp(m.sh[0].target, out))
    fprintf(stderr, "backstop merge: the shards were run for %s; the cells' scenario.json "
                    "paths are relative to there\n", m.sh[0].target);
  if (!rc) rc = write(&m, out);
  int code = rc ? bk_cli_fail("merge", &m.err, rc) : 0;
  for (size_t i = 0; i < m.ndirs; i++) bk_shard_fini(&m.sh[i]);
  free(m.sh);
  free(m.owner);
  free(m.grid);
  return code;
}
