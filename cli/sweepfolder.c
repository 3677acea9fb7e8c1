/*
 * Sweep and shard folders built privately and renamed into place (see sweepfolder.h).
 */
#define _GNU_SOURCE /* renameat2 */
#include "cli/sweepfolder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/mkdirs.h"
#include "reports/outfile.h"

void bk_sweep_cell_id(size_t i, char id[BK_CELL_ID_LEN]) {
  snprintf(id, BK_CELL_ID_LEN, "%05u", (unsigned)(i % 100000)); /* at most 99,999 cells */
}

bk_rc bk_sweep_folder_begin(bk_sweep_folder *f, const char *target, bk_err *err) {
  struct stat st;
  if (snprintf(f->target, sizeof f->target, "%s", target) >= (int)sizeof f->target)
    return bk_err_set(err, BK_EWRITE, "%.64s...: path too long", target);
  snprintf(f->tmp, sizeof f->tmp, "%s.tmp.%ld", target, (long)getpid());
  if (lstat(target, &st) == 0)
    return bk_err_set(err, BK_EWRITE, "%s already exists: remove it, or choose another "
                      "folder with -o", target);
  char parent[2048];
  snprintf(parent, sizeof parent, "%s", target);
  char *slash = strrchr(parent, '/');
  bk_rc rc;
  if (slash && slash != parent) {
    *slash = '\0';
    if ((rc = bk_cli_mkdirs(parent, err))) return rc;
  }
  char cells[2200];
  snprintf(cells, sizeof cells, "%s/cells", f->tmp);
  if (mkdir(f->tmp, 0777) || mkdir(cells, 0777)) {
    rc = bk_err_set(err, BK_EWRITE, "%s: cannot create: %s", f->tmp, strerror(errno));
    bk_sweep_folder_abort(f);
    return rc;
  }
  return BK_OK;
}

bk_rc bk_sweep_folder_commit(bk_sweep_folder *f, bk_err *err) {
  if (renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->target, RENAME_NOREPLACE) == 0) {
    f->tmp[0] = '\0';
    return BK_OK;
  }
  bk_rc rc = bk_err_set(err, BK_EWRITE, "%s: cannot rename %s into place: %s", f->target,
                        f->tmp, strerror(errno));
  bk_sweep_folder_abort(f);
  return rc;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  remove(path);
  return 0;
}

void bk_sweep_folder_abort(bk_sweep_folder *f) {
  if (f->tmp[0]) nftw(f->tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
  f->tmp[0] = '\0';
}

bk_rc bk_sweep_write_file(const char *dir, const char *name, const void *p, size_t len,
                          bk_err *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  bk_outfile *o;
  bk_rc rc = bk_outfile_open(path, &o, err);
  if (rc) return rc;
  bk_outfile_write(o, p, len);
  return bk_outfile_commit(o, err);
}

/* Reads a whole file (malloc'd into *p). */
static bk_rc slurp(const char *path, char **p, size_t *len, bk_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return bk_err_set(err, BK_ENOINPUT, "%s: %s", path, strerror(errno));
  size_t cap = 1 << 16, n = 0, got;
  char *b = malloc(cap);
  while (b && (got = fread(b + n, 1, cap - n, f)) > 0)
    if ((n += got) == cap) {
      char *nb = realloc(b, cap *= 2);
      if (!nb) free(b);
      b = nb;
    }
  int bad = ferror(f);
  fclose(f);
  if (!b) return bk_err_set(err, BK_ENOMEM, "out of memory");
  if (bad) {
    free(b);
    return bk_err_set(err, BK_EIO, "%s: read failed", path);
  }
  *p = b;
  *len = n;
  return BK_OK;
}

bk_rc bk_sweep_copy_folder(const char *from, const char *to, bk_err *err) {
  DIR *d = opendir(from);
  if (!d) return bk_err_set(err, BK_ENOINPUT, "%s: %s", from, strerror(errno));
  if (mkdir(to, 0777)) {
    closedir(d);
    return bk_err_set(err, BK_EWRITE, "%s: cannot create: %s", to, strerror(errno));
  }
  bk_rc rc = BK_OK;
  struct dirent *e;
  while (!rc && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", from, e->d_name);
    if (lstat(path, &st) || !S_ISREG(st.st_mode)) {
      rc = bk_err_set(err, BK_EDATA, "%s: not a file of a run folder", path);
      break;
    }
    char *p = NULL;
    size_t len = 0;
    if (!(rc = slurp(path, &p, &len, err))) {
      rc = bk_sweep_write_file(to, e->d_name, p, len, err);
      free(p);
    }
  }
  closedir(d);
  return rc;
}

bk_rc bk_sweep_write_index(const char *dir, const bk_grid *g, bk_err *err) {
  size_t n = bk_grid_cells(g);
  bk_sweep_cell *c = calloc(n, sizeof *c);
  char (*ids)[BK_CELL_ID_LEN] = calloc(n, sizeof *ids);
  char (*dirs)[2300] = calloc(n, sizeof *dirs);
  bk_rc rc = c && ids && dirs ? BK_OK : bk_err_set(err, BK_ENOMEM, "out of memory");
  for (size_t i = 0; i < n && !rc; i++) {
    bk_grid_cell gc = bk_grid_cell_of(g, i);
    bk_sweep_cell_id(i, ids[i]);
    snprintf(dirs[i], sizeof dirs[i], "%s/cells/%s", dir, ids[i]);
    c[i] = (bk_sweep_cell){.id = ids[i], .dir = dirs[i], .scenario = gc.scenario->text,
                           .policy = gc.policy->text, .seed = gc.seed->text,
                           .from = gc.window->from, .to = gc.window->to};
  }
  char path[2300];
  snprintf(path, sizeof path, "%s/sweep.csv", dir);
  if (!rc) rc = bk_sweep_index_write(path, c, n, err);
  free(c);
  free(ids);
  free(dirs);
  return rc;
}
