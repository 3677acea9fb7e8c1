/*
 * The row reader (see rows.h). Tuned for Tardis-style files: millions of short unquoted
 * rows of 8-11 fields. The fast splitter scans eight bytes at a time for commas and
 * quotes at once; the libcsv path copies fields and is kept for the rare quoted line and as the
 * reference the fast path is tested against.
 */
#include "feeds/rows.h"

#include <stdlib.h>
#include <string.h>

#include <csv.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "feeds/lines.h"

/* libcsv's parser states (csv_parser.pstate, public in csv.h but unnamed there): a field
 * has begun; with `quoted` set the parser is inside a quoted field. */
#define BK_LIBCSV_FIELD_BEGUN 2

struct bk_rows {
  bk_lines lines;
  bk_source *src;
  int reference;
  struct csv_parser p;
  int p_ok;          /* p initialised */
  bk_row row;
  /* libcsv output: field bytes copied into sb, offsets and lengths in off/len */
  char *sb;
  size_t sb_len, sb_cap;
  size_t *off, *len;
  size_t nf, fcap;
  int row_done;
  bk_rc cb_rc;       /* an error found inside a callback (too many fields, memory) */
  uint64_t blank;
  bk_rc state;
  bk_err err;
};

static bk_rc row_reserve(bk_row *row, size_t need) {
  if (need <= row->cap) return BK_OK;
  if (need > BK_ROW_FIELDS_MAX) return BK_EDATA;
  size_t cap = row->cap ? row->cap * 2 : 32;
  while (cap < need) cap *= 2;
  if (cap > BK_ROW_FIELDS_MAX) cap = BK_ROW_FIELDS_MAX;
  const char **f = realloc((void *)row->f, cap * sizeof *f);
  if (!f) return BK_ENOMEM;
  row->f = f;
  size_t *n = realloc(row->n, cap * sizeof *n);
  if (!n) return BK_ENOMEM;
  row->n = n;
  row->cap = cap;
  return BK_OK;
}

void bk_row_fini(bk_row *row) {
  free((void *)row->f);
  free(row->n);
  memset(row, 0, sizeof *row);
}

/* Ends field nf at pos. */
static inline bk_rc field_at(bk_row *row, size_t *nf, const char *line, size_t *start,
                             size_t pos) {
  if (*nf == row->cap) {
    bk_rc rc = row_reserve(row, *nf + 1);
    if (rc) return rc;
  }
  row->f[*nf] = line + *start;
  row->n[(*nf)++] = pos - *start;
  *start = pos + 1;
  return BK_OK;
}

#define BK_B8(c) (UINT64_C(0x0101010101010101) * (uint8_t)(c))
/* 0x80 in each byte of v that is zero, exactly (no borrow between bytes). */
static inline uint64_t zero_bytes(uint64_t v) {
  const uint64_t low7 = BK_B8(0x7f);
  return ~(((v & low7) + low7) | v | low7);
}

bk_rc bk_split_fast(const char *line, size_t len, bk_row *row) {
  /* many bytes at a time look for both ',' and '"' (fields are short: a memchr call
   * per field costs more than the scan): SSE2 where there is SSE2, else 64-bit words,
   * then single bytes for the tail */
  size_t nf = 0, start = 0, i = 0;
  bk_rc rc;
#if defined(__SSE2__)
  /* sixteen bytes at a time: one compare per character, one mask */
  const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
  for (; i + 16 <= len; i += 16) {
    __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(line + i));
    unsigned m = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(w, comma), _mm_cmpeq_epi8(w, quote)));
    while (m) {
      size_t pos = i + (size_t)__builtin_ctz(m);
      if (line[pos] == '"') return BK_EFORMAT;
      if ((rc = field_at(row, &nf, line, &start, pos))) return rc;
      m &= m - 1;
    }
  }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, line + i, 8);
    uint64_t m = zero_bytes(w ^ BK_B8(',')) | zero_bytes(w ^ BK_B8('"'));
    while (m) {
      size_t pos = i + ((size_t)__builtin_ctzll(m) >> 3);
      if (line[pos] == '"') return BK_EFORMAT;
      if ((rc = field_at(row, &nf, line, &start, pos))) return rc;
      m &= m - 1;
    }
  }
#endif
  for (; i < len; i++) {
    if (line[i] == '"') return BK_EFORMAT;
    if (line[i] == ',' && (rc = field_at(row, &nf, line, &start, i))) return rc;
  }
  if ((rc = field_at(row, &nf, line, &start, len))) return rc;
  row->nf = nf;
  return BK_OK;
}

/* libcsv callbacks: a field, then the end of a row. */
static void on_field(void *s, size_t n, void *data) {
  bk_rows *r = data;
  if (r->cb_rc) return;
  if (r->nf == r->fcap) {
    if (r->fcap >= BK_ROW_FIELDS_MAX) {
      r->cb_rc = BK_EDATA;
      return;
    }
    size_t cap = r->fcap ? r->fcap * 2 : 32;
    size_t *o = realloc(r->off, cap * sizeof *o);
    if (o) r->off = o;
    size_t *l = o ? realloc(r->len, cap * sizeof *l) : NULL;
    if (!l) {
      r->cb_rc = BK_ENOMEM;
      return;
    }
    r->len = l;
    r->fcap = cap;
  }
  if (r->sb_len + n > r->sb_cap) {
    size_t cap = r->sb_cap ? r->sb_cap : 4096;
    while (cap < r->sb_len + n) cap *= 2;
    char *b = realloc(r->sb, cap);
    if (!b) {
      r->cb_rc = BK_ENOMEM;
      return;
    }
    r->sb = b;
    r->sb_cap = cap;
  }
  if (n) memcpy(r->sb + r->sb_len, s, n);
  r->off[r->nf] = r->sb_len;
  r->len[r->nf++] = n;
  r->sb_len += n;
}

static void on_row(int c, void *data) {
  (void)c;
  ((bk_rows *)data)->row_done = 1;
}

static int no_space(unsigned char c) {
  (void)c;
  return 0;
}

static int lf_only(unsigned char c) { return c == '\n'; }

bk_rc bk_rows_new(bk_source *src, size_t read_size, size_t max_line, int reference,
                  bk_rows **out, bk_err *err) {
  *out = NULL;
  bk_rows *r = calloc(1, sizeof *r);
  if (!r) return bk_err_set(err, BK_ENOMEM, "%s: out of memory", bk_source_path(src));
  r->src = src;
  r->reference = reference;
  bk_err_clear(&r->err);
  bk_rc rc = bk_lines_init(&r->lines, src, read_size, max_line);
  if (rc) {
    if (err) *err = r->lines.err;
    free(r);
    return rc;
  }
  if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    bk_lines_fini(&r->lines);
    free(r);
    return bk_err_set(err, BK_ENOMEM, "%s: out of memory", bk_source_path(src));
  }
  r->p_ok = 1;
  csv_set_space_func(&r->p, no_space);
  csv_set_term_func(&r->p, lf_only);
  *out = r;
  return BK_OK;
}

static bk_rc fail(bk_rows *r, bk_rc rc, uint64_t line, const char *what) {
  return r->state = bk_err_set(&r->err, rc, "%s:%llu: %s", bk_source_path(r->src),
                               (unsigned long long)line, what);
}

static bk_rc parse(bk_rows *r, const char *s, size_t n, uint64_t line) {
  if (csv_parse(&r->p, s, n, on_field, on_row, r) != n || csv_error(&r->p) != CSV_SUCCESS)
    return fail(r, BK_EDATA, line,
                "malformed CSV: a double quote inside an unquoted field, or text after a "
                "closing quote");
  if (r->cb_rc == BK_EDATA) return fail(r, BK_EDATA, line, "more than 65536 fields in a row");
  if (r->cb_rc) return fail(r, r->cb_rc, line, "out of memory");
  return BK_OK;
}

/* Splits the row that starts with line (len bytes) through libcsv, pulling further lines
 * while a quoted field is open. */
static bk_rc split_reference(bk_rows *r, const char *line, size_t len) {
  uint64_t first = r->lines.lineno;
  size_t total = 0;
  r->nf = r->sb_len = 0;
  r->row_done = 0;
  for (;;) {
    total += len + 1;
    if (total > r->lines.max_line + 1)
      return fail(r, BK_EDATA, first, "quoted row longer than the line limit");
    bk_rc rc = parse(r, line, len, first);
    if (rc) return rc;
    int open = r->p.pstate == BK_LIBCSV_FIELD_BEGUN && r->p.quoted;
    if (!open) {
      rc = parse(r, "\n", 1, first);
      if (rc) return rc;
      break;
    }
    rc = parse(r, r->lines.cr ? "\r\n" : "\n", r->lines.cr ? 2 : 1, first);
    if (rc) return rc;
    rc = bk_lines_next(&r->lines, &line, &len);
    if (rc == BK_EOF) {
      if (csv_fini(&r->p, on_field, on_row, r) != 0)
        return fail(r, BK_EDATA, first, "a quoted field is still open at the end of the file");
      break;
    }
    if (rc) {
      r->err = r->lines.err;
      return r->state = rc;
    }
  }
  if (!r->row_done) return fail(r, BK_EDATA, first, "incomplete row");
  bk_rc rc = row_reserve(&r->row, r->nf);
  if (rc) return fail(r, rc, first, rc == BK_EDATA ? "too many fields" : "out of memory");
  for (size_t i = 0; i < r->nf; i++) {
    r->row.f[i] = r->sb ? r->sb + r->off[i] : ""; /* sb is NULL when every field is empty */
    r->row.n[i] = r->len[i];
  }
  r->row.nf = r->nf;
  return BK_OK;
}

bk_rc bk_rows_next(bk_rows *r, const bk_row **row) {
  if (r->state) return r->state;
  const char *line;
  size_t len;
  for (;;) {
    bk_rc rc = bk_lines_next(&r->lines, &line, &len);
    if (rc == BK_EOF) return r->state = BK_EOF;
    if (rc) {
      r->err = r->lines.err;
      return r->state = rc;
    }
    if (len == 0) {
      r->blank++;
      continue;
    }
    break;
  }
  r->row.line = r->lines.lineno;
  bk_rc rc = r->reference ? BK_EFORMAT : bk_split_fast(line, len, &r->row);
  if (rc == BK_EFORMAT) rc = split_reference(r, line, len);
  else if (rc) rc = fail(r, rc, r->row.line, rc == BK_EDATA ? "too many fields" : "out of memory");
  if (rc) return rc;
  *row = &r->row;
  return BK_OK;
}

struct bk_lines *bk_rows_lines(bk_rows *r) { return &r->lines; }
const bk_err *bk_rows_error(const bk_rows *r) { return &r->err; }
uint64_t bk_rows_lineno(const bk_rows *r) { return r->lines.lineno; }
uint64_t bk_rows_blank(const bk_rows *r) { return r->blank; }

void bk_rows_free(bk_rows *r) {
  if (!r) return;
  if (r->p_ok) csv_free(&r->p);
  bk_lines_fini(&r->lines);
  bk_row_fini(&r->row);
  free(r->sb);
  free(r->off);
  free(r->len);
  free(r);
}
