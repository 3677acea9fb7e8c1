/*
 * Shards of a sweep: which cells shard K of N runs, and the manifest (shard.json) each
 * shard folder holds so that `backstop merge` can check that the shards it joins ran the
 * same grid, each exactly once, and that every cell is there:
 *
 *   {"grid": "grids/crash.json", "grid_sha256": "<hex of grid.json>",
 *    "target": "out/crash", "shard": 1, "shards": 2, "cells_total": 5,
 *    "cells": ["00001", "00003"]}
 *
 * Shard K of N runs the cells whose index i has i mod N == K: round robin, so that a
 * grid's neighbouring cells (the seeds of one day) spread over the shards, and shards
 * past the number of cells run none.
 */
#ifndef BK_SHARD_H
#define BK_SHARD_H

#include <stddef.h>

#include "engine/error.h"

#define BK_SHARDS_MAX 100000

typedef struct bk_shard {
  char grid[1024];      /* the grid file as the command line named it */
  char grid_sha256[65];
  char target[2048];    /* the sweep folder the shard was run for (-o) */
  size_t k, n;          /* shard k of n */
  size_t cells_total;   /* cells of the whole grid */
  size_t *cells;        /* the cells run, ascending (owned) */
  size_t ncells;
} bk_shard;

/* Parses "K/N" (0 <= K < N <= BK_SHARDS_MAX): 0, or -1. */
int bk_shard_parse(const char *s, size_t *k, size_t *n);

/* 1 when shard k of n runs cell i. */
int bk_shard_owns(size_t k, size_t n, size_t i);

/* Writes dir/shard.json (complete or absent). */
bk_rc bk_shard_write(const bk_shard *s, const char *dir, bk_err *err);

/* Reads dir/shard.json into s (bk_shard_fini after). BK_ENOINPUT when absent (the shard
 * did not finish, or dir is no shard folder); BK_ECONFIG "file:line:column: ..." when
 * malformed. */
bk_rc bk_shard_read(const char *dir, bk_shard *s, bk_err *err);

void bk_shard_fini(bk_shard *s);

#endif
