/*
 * The folders of `backstop sweep` and `backstop merge`, which appear whole or not at all.
 *
 * A sweep folder OUT holds grid.json (the grid's bytes), sweep.csv (reports/
 * sweep_index.h) and cells/<id>/, one run folder per cell. A shard of it, K of N, is the
 * folder OUT.shard-K-of-N beside OUT, with grid.json, shard.json (shard.h) and the
 * cells/<id>/ it ran. Each is built in a private folder <name>.tmp.<pid> beside it and
 * renamed into place when complete (never over an existing folder), so a failed or
 * killed command leaves no folder that looks finished. Shards sit beside OUT, at the
 * same depth, so the paths a cell's scenario.json holds (relative to the cell's folder)
 * are the same bytes in a shard and in OUT.
 */
#ifndef BK_SWEEPFOLDER_H
#define BK_SWEEPFOLDER_H

#include <stddef.h>

#include "config/grid.h"
#include "engine/error.h"
#include "reports/sweep_index.h"

#define BK_CELL_ID_LEN 8 /* "00042" and its NUL, with room */

/* The id of cell i: its index in five digits. */
void bk_sweep_cell_id(size_t i, char id[BK_CELL_ID_LEN]);

/* A folder being built: the private folder and the final name. */
typedef struct bk_sweep_folder {
  char target[2048];
  char tmp[2100];
} bk_sweep_folder;

/* Refuses an existing target (BK_EWRITE, saying to remove it or to choose another),
 * makes its parents, and creates the private folder with cells/ inside. */
bk_rc bk_sweep_folder_begin(bk_sweep_folder *f, const char *target, bk_err *err);

/* Renames the private folder to the target (BK_EWRITE if the target appeared since). */
bk_rc bk_sweep_folder_commit(bk_sweep_folder *f, bk_err *err);

/* Removes the private folder and everything in it, if it is still there. */
void bk_sweep_folder_abort(bk_sweep_folder *f);

/* Writes len bytes as file name in folder dir (complete or absent). */
bk_rc bk_sweep_write_file(const char *dir, const char *name, const void *p, size_t len,
                          bk_err *err);

/* Copies the regular files of folder from into the new folder to (a run folder is flat:
 * anything else is BK_EDATA). */
bk_rc bk_sweep_copy_folder(const char *from, const char *to, bk_err *err);

/* sweep.csv in folder dir, from the cells of g whose run folders are dir/cells/<id>. */
bk_rc bk_sweep_write_index(const char *dir, const bk_grid *g, bk_err *err);

#endif
