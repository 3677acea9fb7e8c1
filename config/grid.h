/*
 * Sweep grids: the file `backstop sweep` reads. A grid names existing scenarios and the
 * axes to cross them with: policy files, population seeds and windows (days), plus the
 * number of population draws every cell takes. Each combination is one cell: one run of
 * a scenario with those overrides. The file is JSON read as strictly as a scenario
 * (duplicate keys, unknown keys and wrong types are errors at file:line:column):
 *
 *   { "name": "crash-days",                       required, the sweep folder's name
 *     "description": "...",                       optional
 *     "scenarios": ["a.json", "b.json"],          required, 1 or more
 *     "policies": ["p.json", "q.json"],           optional: absent, the scenario's own
 *     "seeds": [1, 2, 3],                         optional: absent, the scenario's seed
 *     "windows": [{"from": T, "to": T}, ...],     optional: absent, the scenario's window
 *     "draws": 20 }                               optional: population draws per cell
 *
 * Paths are relative to the grid file's folder. Cells are numbered in one fixed order:
 * scenario, then window, then policy, then seed (the last varies fastest), so every
 * process that reads the same grid numbers the same cells the same way.
 */
#ifndef BK_GRID_H
#define BK_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

#define BK_GRID_MAX_CELLS 99999 /* cell ids are five digits */

/* One value of an axis: as written in the grid (for sweep.csv) and, for paths, resolved
 * against the grid's folder (for the run). text is "" for the scenario's own. */
typedef struct bk_grid_value {
  char *text;     /* as written (owned) */
  char *path;     /* resolved path, or NULL when not a path (owned) */
} bk_grid_value;

typedef struct bk_grid_window {
  char *from, *to; /* as written, "" when open (the scenario's own) (owned) */
} bk_grid_window;

typedef struct bk_grid {
  char name[64];
  bk_grid_value *scenarios, *policies, *seeds; /* at least one each ("" = own) */
  size_t nscenarios, npolicies, nseeds;
  bk_grid_window *windows;                     /* at least one ("" = own) */
  size_t nwindows;
  uint32_t draws;                              /* 0: none */
  char *text;                                  /* the file's bytes (owned) */
  size_t len;
} bk_grid;

/* The axes of cell i (0 <= i < bk_grid_cells): pointers into the grid. */
typedef struct bk_grid_cell {
  const bk_grid_value *scenario, *policy, *seed;
  const bk_grid_window *window;
} bk_grid_cell;

/* Reads a grid file. BK_ENOINPUT when unreadable; BK_ECONFIG "file:line:column: path:
 * what" for anything wrong. g needs bk_grid_fini either way. */
bk_rc bk_grid_load(const char *path, bk_grid *g, bk_err *err);

/* Reads a grid from text: name for messages, dir to resolve relative paths against. */
bk_rc bk_grid_parse(const char *text, size_t len, const char *name, const char *dir,
                    bk_grid *g, bk_err *err);

void bk_grid_fini(bk_grid *g);

size_t bk_grid_cells(const bk_grid *g);

/* The axes of cell i, in the order said above. */
bk_grid_cell bk_grid_cell_of(const bk_grid *g, size_t i);

#endif
