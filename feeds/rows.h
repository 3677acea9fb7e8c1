/*
 * The row reader: CSV rows split into fields, on top of the line reader.
 *
 * Two splitters, one result. The fast splitter cuts an unquoted line at its commas with
 * memchr and hands out fields in place. libcsv (CSV_STRICT | CSV_STRICT_FINI) is the
 * reference reader: it takes every line that holds a double quote (and every line when
 * `reference` is set), including quoted fields that span lines. Neither trims spaces and
 * both treat only LF as a row end, so the two agree field by field on every unquoted
 * line (tests/test_decode.c proves it on real files and fuzzed rows). Inside a quoted
 * field a line break is kept as it was in the file (LF or CRLF).
 *
 * Empty lines outside a quoted field are skipped and counted, never rows.
 */
#ifndef BK_FEEDS_ROWS_H
#define BK_FEEDS_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "feeds/source.h"

#define BK_ROW_FIELDS_MAX 65536 /* more fields than this in one row is an error */

/* One row: field i is f[i] (not NUL-terminated), n[i] bytes. Valid until the next call
 * on the reader that produced it. */
typedef struct bk_row {
  const char **f;
  size_t *n;
  size_t nf;     /* number of fields */
  size_t cap;    /* room in f and n */
  uint64_t line; /* line of the file where the row starts, from 1 */
} bk_row;

typedef struct bk_rows bk_rows;

/* Splits an unquoted line at its commas into row (growing f and n as needed). Returns
 * BK_OK, BK_EFORMAT when the line holds a double quote (it is for libcsv), BK_EDATA for
 * more than BK_ROW_FIELDS_MAX fields, BK_ENOMEM. Fields point into line. */
bk_rc bk_split_fast(const char *line, size_t len, bk_row *row);

/* Frees the arrays of a row filled by bk_split_fast (a zeroed row needs nothing). */
void bk_row_fini(bk_row *row);

/* Makes a row reader over src (borrowed; it must outlive the reader). read_size and
 * max_line as for bk_lines_init (0 = defaults); max_line also bounds a row that spans
 * lines. reference = 1 splits every line with libcsv. On error *out is NULL and err
 * says why. */
bk_rc bk_rows_new(bk_source *src, size_t read_size, size_t max_line, int reference,
                  bk_rows **out, bk_err *err);

/* Reads the next row into *row. Returns BK_OK, BK_EOF after the last row, or an error
 * (sticky) whose message names file and line: the line reader's and source's errors,
 * BK_EDATA for malformed CSV (a quote inside an unquoted field, text after a closing
 * quote, a quote still open at the end of the file). */
bk_rc bk_rows_next(bk_rows *r, const bk_row **row);

const bk_err *bk_rows_error(const bk_rows *r);

/* Lines read so far (the line number of the last one), and empty lines skipped. */
uint64_t bk_rows_lineno(const bk_rows *r);
uint64_t bk_rows_blank(const bk_rows *r);

/* The line reader under r, for a decoder's fast path over whole lines (bk_lines_avail,
 * bk_lines_skip in feeds/lines.h). Lines it consumes are not rows of r: the decoder counts
 * them; bk_rows_next goes on after them. Valid until bk_rows_free. */
struct bk_lines *bk_rows_lines(bk_rows *r);

/* Frees r (not the source). NULL is a no-op. */
void bk_rows_free(bk_rows *r);

#endif
