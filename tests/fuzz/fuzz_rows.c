/*
 * Fuzz target: the CSV row reader (feeds/rows.h), differential. The same bytes are read
 * twice: by the fast splitter (with libcsv only for lines holding a quote), and by libcsv
 * for every line (the reference reader), with a read size and a line limit taken from
 * the input. The two must hand out the same rows, field for field, from the same lines,
 * and end the same way. bk_split_fast on each unquoted line is also checked against a
 * plain loop that cuts at commas.
 *
 * Input: byte 0 picks the read size (1..64 or the default), byte 1 the line limit
 * (16..4111 bytes), the rest is the file.
 */
#include <stdio.h>
#include <string.h>

#include "feeds/rows.h"
#include "feeds/source.h"
#include "tests/fuzz/fuzz.h"

#define ROWS_MAX 20000 /* rows compared per input; plenty for 4 KiB inputs */

typedef struct reader {
  bk_source *src;
  bk_rows *rows;
} reader;

static bk_rc open_reader(const char *path, size_t read_size, size_t max_line, int reference,
                         reader *r) {
  bk_err err;
  memset(r, 0, sizeof *r);
  bk_rc rc = bk_source_open(path, NULL, &r->src, &err);
  if (!rc) rc = bk_rows_new(r->src, read_size, max_line, reference, &r->rows, &err);
  return rc;
}

static void close_reader(reader *r) {
  bk_rows_free(r->rows);
  bk_source_free(r->src);
}

/* bk_split_fast against the obvious loop, for a line without quotes. */
static void check_split(const char *line, size_t len) {
  if (memchr(line, '"', len)) return;
  bk_row row;
  memset(&row, 0, sizeof row);
  bk_rc rc = bk_split_fast(line, len, &row);
  BK_FZ_CHECK(rc == BK_OK, "bk_split_fast failed (%d) on an unquoted line", rc);
  size_t field = 0, start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && line[i] != ',') continue;
    BK_FZ_CHECK(field < row.nf, "bk_split_fast gave %zu fields, more expected", row.nf);
    BK_FZ_CHECK(row.n[field] == i - start && row.f[field] == line + start,
                "bk_split_fast field %zu is wrong", field);
    field++;
    start = i + 1;
  }
  BK_FZ_CHECK(field == row.nf, "bk_split_fast gave %zu fields, expected %zu", row.nf, field);
  bk_row_fini(&row);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  size_t read_size = data[0] < 200 ? 1 + data[0] % 64 : 0;
  size_t max_line = 16 + (size_t)data[1] * 16;
  check_split((const char *)data + 2, size - 2);
  const char *path = bk_fz_file("rows.csv", data + 2, size - 2);
  reader fast, ref;
  bk_rc orc_fast = open_reader(path, read_size, max_line, 0, &fast);
  bk_rc orc_ref = open_reader(path, 0, max_line, 1, &ref);
  BK_FZ_CHECK(orc_fast == orc_ref, "open: fast %d, reference %d", orc_fast, orc_ref);
  if (orc_fast) {
    close_reader(&fast);
    close_reader(&ref);
    return 0;
  }
  bk_rc a = BK_OK, b = BK_OK;
  for (size_t k = 0; k < ROWS_MAX; k++) {
    const bk_row *x = NULL, *y = NULL;
    a = bk_rows_next(fast.rows, &x);
    b = bk_rows_next(ref.rows, &y);
    BK_FZ_CHECK(a == b, "row %zu: fast rc %d (%s), reference rc %d (%s)", k, a,
                bk_rows_error(fast.rows)->msg, b, bk_rows_error(ref.rows)->msg);
    if (a != BK_OK) break;
    BK_FZ_CHECK(x->nf == y->nf, "row %zu (line %llu): %zu fields vs %zu", k,
                (unsigned long long)y->line, x->nf, y->nf);
    BK_FZ_CHECK(x->line == y->line, "row %zu: line %llu vs %llu", k,
                (unsigned long long)x->line, (unsigned long long)y->line);
    for (size_t i = 0; i < x->nf; i++)
      BK_FZ_CHECK(x->n[i] == y->n[i] && memcmp(x->f[i], y->f[i], x->n[i]) == 0,
                  "row %zu (line %llu) field %zu: '%.*s' vs '%.*s'", k,
                  (unsigned long long)y->line, i, (int)x->n[i], x->f[i], (int)y->n[i],
                  y->f[i]);
  }
  if (a != BK_OK && a != BK_EOF) {
    BK_FZ_CHECK(bk_rows_error(fast.rows)->msg[0], "error %d without a message", a);
    const bk_row *x = NULL;
    BK_FZ_CHECK(bk_rows_next(fast.rows, &x) == a, "error %d is not sticky", a);
  }
  if (a == BK_EOF)
    BK_FZ_CHECK(bk_rows_blank(fast.rows) == bk_rows_blank(ref.rows),
                "blank lines: %llu vs %llu", (unsigned long long)bk_rows_blank(fast.rows),
                (unsigned long long)bk_rows_blank(ref.rows));
  close_reader(&fast);
  close_reader(&ref);
  return 0;
}
