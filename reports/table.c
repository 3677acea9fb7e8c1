/*
 * A report CSV read back whole (see table.h), with libcsv in strict mode. Read once per
 * brief; nothing here is tuned.
 */
#include "reports/table.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct loader {
  bk_table *t;
  char **row;     /* the row being read */
  size_t n, cap;  /* its fields */
  size_t rows_cap;
  size_t line;    /* rows seen, header included */
  int bad;        /* 1: out of memory, 2: ragged row */
} loader;

static void on_field(void *s, size_t len, void *data) {
  loader *l = data;
  if (l->bad) return;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 32;
    char **r = realloc(l->row, cap * sizeof *r);
    if (!r) {
      l->bad = 1;
      return;
    }
    l->row = r, l->cap = cap;
  }
  char *f = malloc(len + 1);
  if (!f) {
    l->bad = 1;
    return;
  }
  memcpy(f, s, len);
  f[len] = '\0';
  l->row[l->n++] = f;
}

/* Appends the row read (the header when it is the first), padded with "" to the header. */
static void on_row(int c, void *data) {
  (void)c;
  loader *l = data;
  bk_table *t = l->t;
  l->line++;
  if (l->bad) return;
  if (!t->head) {
    t->head = l->row, t->ncols = l->n;
    l->row = NULL, l->n = l->cap = 0;
    return;
  }
  if (l->n > t->ncols) {
    l->bad = 2;
    return;
  }
  if (t->nrows == l->rows_cap) {
    size_t cap = l->rows_cap ? l->rows_cap * 2 : 16;
    char **cells = realloc(t->cell, cap * t->ncols * sizeof *cells);
    if (!cells) {
      l->bad = 1;
      return;
    }
    t->cell = cells, l->rows_cap = cap;
  }
  char **dst = t->cell + t->nrows * t->ncols;
  for (size_t i = 0; i < t->ncols; i++) dst[i] = i < l->n ? l->row[i] : strdup("");
  for (size_t i = 0; i < t->ncols; i++)
    if (!dst[i]) l->bad = 1;
  t->nrows++;
  l->n = 0;
}

bk_rc bk_table_load(const char *path, bk_table *t, bk_err *err) {
  memset(t, 0, sizeof *t);
  FILE *f = fopen(path, "rb");
  if (!f) return bk_err_set(err, BK_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
  struct csv_parser p;
  loader l = {t, NULL, 0, 0, 0, 0, 0};
  bk_rc rc = BK_OK;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) rc = BK_ENOMEM;
  char buf[65536];
  size_t n;
  while (!rc && !l.bad && (n = fread(buf, 1, sizeof buf, f)) > 0)
    if (csv_parse(&p, buf, n, on_field, on_row, &l) != n) rc = BK_EDATA;
  if (!rc && ferror(f)) rc = BK_EIO;
  if (!rc && csv_fini(&p, on_field, on_row, &l) != 0) rc = BK_EDATA;
  fclose(f);
  csv_free(&p);
  for (size_t i = 0; i < l.n; i++) free(l.row[i]);
  free(l.row);
  if (!rc && l.bad) rc = l.bad == 1 ? BK_ENOMEM : BK_EDATA;
  if (!rc && !t->head) rc = BK_EDATA;
  if (rc) {
    bk_table_free(t);
    return bk_err_set(err, rc, "%s:%zu: %s", path, l.line + 1,
                      rc == BK_ENOMEM ? "no memory to read it"
                      : rc == BK_EIO  ? "read failed"
                                      : "not a report table (RFC 4180 with a header row)");
  }
  return BK_OK;
}

void bk_table_free(bk_table *t) {
  for (size_t i = 0; i < t->ncols; i++) free(t->head ? t->head[i] : NULL);
  for (size_t i = 0; i < t->nrows * t->ncols; i++) free(t->cell[i]);
  free(t->head);
  free(t->cell);
  memset(t, 0, sizeof *t);
}

long bk_table_col(const bk_table *t, const char *name) {
  for (size_t i = 0; i < t->ncols; i++)
    if (!strcmp(t->head[i], name)) return (long)i;
  return -1;
}

const char *bk_table_at(const bk_table *t, size_t r, long c) {
  return c < 0 || r >= t->nrows ? "" : t->cell[r * t->ncols + (size_t)c];
}
