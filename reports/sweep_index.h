/*
 * sweep.csv: the index of a sweep folder. One row per cell and per row of the cell's
 * summary.csv (a policy and a settle asset): the cell's axes as the grid wrote them,
 * then the headline figures copied, as printed, from the cell's summary.csv. It is
 * built from the cell folders alone, so a sweep run in one process and one joined from
 * shards (`backstop merge`) write the same bytes.
 */
#ifndef BK_SWEEP_INDEX_H
#define BK_SWEEP_INDEX_H

#include <stddef.h>

#include "engine/error.h"

/* One cell: its id, its run folder, and its axes as written in the grid ("" where the
 * cell keeps the scenario's own). */
typedef struct bk_sweep_cell {
  const char *id;
  const char *dir;
  const char *scenario, *policy, *seed, *from, *to;
} bk_sweep_cell;

/* Writes path (through an outfile: complete or absent) from the n cells in order,
 * reading each one's summary.csv. BK_ENOINPUT or BK_EDATA naming a cell's summary.csv
 * that is missing or lacks a headline column, BK_EWRITE, BK_ENOMEM. */
bk_rc bk_sweep_index_write(const char *path, const bk_sweep_cell *cells, size_t n,
                           bk_err *err);

#endif
