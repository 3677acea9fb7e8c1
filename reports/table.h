/*
 * A report CSV read back whole (RFC 4180, header row), for writers that build on a run
 * folder after the run, such as the brief (brief.h). Report files are small except
 * fund.csv and liquidations.csv; a table holds every cell in memory.
 */
#ifndef BK_TABLE_H
#define BK_TABLE_H

#include <stddef.h>

#include "engine/error.h"

typedef struct bk_table {
  size_t nrows, ncols; /* rows after the header */
  char **head;         /* ncols column names */
  char **cell;         /* nrows * ncols cells, row by row; "" for a missing one */
} bk_table;

/* Reads path into t. BK_ENOINPUT when it cannot be opened, BK_EDATA (with the line)
 * when it is not RFC 4180 or a row is longer than the header, BK_ENOMEM. */
bk_rc bk_table_load(const char *path, bk_table *t, bk_err *err);

void bk_table_free(bk_table *t);

/* The index of column name, or -1. */
long bk_table_col(const bk_table *t, const char *name);

/* The cell of row r in column c (from bk_table_col); "" when c < 0. */
const char *bk_table_at(const bk_table *t, size_t r, long c);

#endif
