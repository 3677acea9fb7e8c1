/*
 * The board brief's groff -ms source (see brief.h). Written once per brief from the
 * run folder's small files; nothing here is tuned. Columns are found by name through
 * col(), the one place that knows how report.h names money columns.
 */
#include "reports/brief.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fixed.h"
#include "reports/table.h"

#define COL_POLICY "policy"
#define COL_ASSET "settle_asset"
#define PER_TABLE 5 /* policies side by side in one table */

typedef struct brief {
  bk_outfile *o;
  bk_table summary, fund, quality;
  json_t *manifest, *scenario;
} brief;

/* --- text for groff ---------------------------------------------------------------- */

/* s as groff text: a leading \& so no line starts a request, \(rs for a backslash,
 * spaces for control characters, \[uXXXX] for other characters outside ASCII and ? for
 * bytes that are not UTF-8. Tabs never pass, so tbl's cell separator is safe. */
static void ms_text(bk_outfile *o, const char *s) {
  bk_outfile_write(o, "\\&", 2);
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned c = *p, n = 0, cp = 0;
    if (c < 0x80) {
      if (c == '\\') bk_outfile_write(o, "\\(rs", 4);
      else if (c < 0x20 || c == 0x7f) bk_outfile_write(o, " ", 1);
      else bk_outfile_write(o, p, 1);
      p++;
      continue;
    }
    if ((c & 0xe0) == 0xc0) n = 1, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0) n = 2, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0) n = 3, cp = c & 0x07;
    unsigned k = 1;
    for (; n && k <= n && (p[k] & 0xc0) == 0x80; k++) cp = cp << 6 | (p[k] & 0x3f);
    if (n && k == n + 1 && cp >= 0x80 && cp <= 0x10ffff) {
      bk_outfile_printf(o, "\\[u%04X]", cp);
      p += k;
    } else {
      bk_outfile_write(o, "?", 1);
      p++;
    }
  }
}

/* A line of text. */
static void ms_line(bk_outfile *o, const char *s) {
  ms_text(o, s);
  bk_outfile_write(o, "\n", 1);
}

/* An amount from a report file (8 decimals) with 2 decimals, rounded half-even, and
 * thousands separators; anything else as text. */
static void ms_money(bk_outfile *o, const char *s) {
  int64_t v;
  const char *why;
  char b[48], out[64];
  if (!*s || bk_fx_parse(s, strlen(s), &v, &why) != BK_OK) {
    ms_text(o, *s ? s : "-");
    return;
  }
  size_t n = bk_fx_format(v, 2, BK_HALF_EVEN, b, sizeof b), digits = n - 3, k = 0;
  size_t start = b[0] == '-';
  for (size_t i = 0; i < n; i++) {
    if (i > start && i < digits && (digits - i) % 3 == 0) out[k++] = ',';
    out[k++] = b[i];
  }
  out[k] = '\0';
  ms_text(o, out);
}

/* --- the run folder's files -------------------------------------------------------- */


static bk_rc load(brief *b, const char *dir, bk_err *err) {
  static const char *const names[] = {"summary.csv", "fund.csv", "quality.csv"};
  bk_table *tabs[] = {&b->summary, &b->fund, &b->quality};
  char path[4096];
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    bk_rc rc = bk_table_load(path, tabs[i], err);
    if (rc) return rc;
  }
  snprintf(path, sizeof path, "%s/manifest.json", dir);
  json_error_t je;
  b->manifest = json_load_file(path, 0, &je);
  if (!b->manifest || !json_is_object(b->manifest))
    return bk_err_set(err, b->manifest ? BK_EDATA : BK_ENOINPUT, "%s:%d: %s", path, je.line,
                      b->manifest ? "not a manifest (a JSON object)" : je.text);
  return BK_OK;
}

/* The settle assets, from the manifest. */
static size_t nassets(const brief *b) {
  return json_array_size(json_object_get(b->manifest, "settle_assets"));
}

static const char *asset(const brief *b, size_t a) {
  const char *s = json_string_value(json_array_get(json_object_get(b->manifest, "settle_assets"), a));
  return s ? s : "";
}

/* The policies, from the manifest, in the run's order. */
static size_t npolicies(const brief *b) {
  return json_array_size(json_object_get(b->manifest, "policies"));
}

static const char *policy(const brief *b, size_t p) {
  json_t *pol = json_array_get(json_object_get(b->manifest, "policies"), p);
  const char *s = json_string_value(json_object_get(pol, "name"));
  return s ? s : "";
}

/* The row of t for policy p and asset a (the last such row: fund.csv's end), or -1. */
static long row_of(const bk_table *t, const char *pol, const char *as) {
  long pc = bk_table_col(t, COL_POLICY), ac = bk_table_col(t, COL_ASSET), found = -1;
  for (size_t r = 0; r < t->nrows; r++)
    if (!strcmp(bk_table_at(t, r, pc), pol) && !strcmp(bk_table_at(t, r, ac), as))
      found = (long)r;
  return found;
}

/* --- pieces of the document -------------------------------------------------------- */

/* A table: a bold header row over columns of the given alignment, as tbl wants it. */
static void tbl_begin(bk_outfile *o, const char *first, size_t ncols) {
  bk_outfile_printf(o, ".TS\ncenter box;\nlb");
  for (size_t i = 1; i < ncols; i++) bk_outfile_printf(o, " cb");
  bk_outfile_printf(o, "\n%s", first);
  for (size_t i = 1; i < ncols; i++) bk_outfile_printf(o, " r");
  bk_outfile_printf(o, ".\n");
}

static void tbl_cell(bk_outfile *o, const char *s, int last) {
  ms_text(o, s);
  bk_outfile_write(o, last ? "\n" : "\t", 1);
}

static void heading(bk_outfile *o, const char *title) {
  bk_outfile_printf(o, ".NH\n");
  ms_line(o, title);
  bk_outfile_printf(o, ".PP\n");
}

static void question(brief *b) {
  bk_outfile *o = b->o;
  const char *name = json_string_value(json_object_get(b->scenario, "name"));
  bk_outfile_printf(o, ".TL\n");
  ms_line(o, "Insurance fund brief");
  if (name) {
    bk_outfile_printf(o, ".br\n");
    ms_line(o, name);
  }
  heading(o, "The question");
  size_t np = npolicies(b);
  long tc = bk_table_col(&b->fund, "time");
  bk_outfile_printf(o, "\\&How would the insurance fund have fared from ");
  ms_text(o, bk_table_at(&b->fund, 0, tc));
  bk_outfile_printf(o, " to ");
  ms_text(o, b->fund.nrows ? bk_table_at(&b->fund, b->fund.nrows - 1, tc) : "");
  bk_outfile_printf(o, " under each of %zu polic%s:\n", np, np == 1 ? "y" : "ies");
  for (size_t p = 0; p < np; p++) {
    ms_text(o, policy(b, p));
    bk_outfile_printf(o, "%s\n", p + 1 < np ? "," : "?");
  }
  const char *d = json_string_value(json_object_get(b->scenario, "description"));
  if (d) {
    bk_outfile_printf(o, ".PP\n");
    ms_line(o, d);
  }
}

static void data_quality(brief *b) {
  bk_outfile *o = b->o;
  const bk_table *q = &b->quality;
  heading(o, "The data and its quality");
  ms_line(o, "Each input file as the run read it, then each instrument as the replay saw it "
             "(gaps: pauses between rows longer than the threshold; clamped: timestamps "
             "raised because they went backwards; crossed: book updates that crossed).");
  static const char *const fcols[] = {"name", "rows", "first_time", "last_time", "gaps",
                                      "clamped", ""};
  static const char *const icols[] = {"name", "events", "book_messages", "crossed_books",
                                      "book_resets", "mark_source", "book_source"};
  for (int part = 0; part < 2; part++) {
    const char *const *cols = part ? icols : fcols;
    size_t n = part ? 7 : 6;
    bk_outfile_printf(o, ".ps 7\n.vs 9\n");
    tbl_begin(o, "l l", n);
    for (size_t c = 0; c < n; c++) tbl_cell(o, cols[c], c + 1 == n);
    bk_outfile_printf(o, "_\n");
    long scope = bk_table_col(q, "scope");
    for (size_t r = 0; r < q->nrows; r++) {
      if (strcmp(bk_table_at(q, r, scope), part ? "instrument" : "file")) continue;
      for (size_t c = 0; c < n; c++) {
        const char *v = bk_table_at(q, r, bk_table_col(q, cols[c]));
        const char *slash = c == 0 && !part ? strrchr(v, '/') : NULL;
        char t[20]; /* times to the second: 2025-10-10T21:00:00 */
        if (!part && strstr(cols[c], "_time") && strlen(v) > 19) v = memcpy(t, v, 19), t[19] = '\0', t;
        tbl_cell(o, slash ? slash + 1 : v, c + 1 == n);
      }
    }
    bk_outfile_printf(o, ".TE\n.ps\n.vs\n");
  }
}

/* Every setting of a JSON value as "path = value" lines, skipping the keys listed. */
static void settings(bk_outfile *o, const char *path, json_t *v, const char *const *skip) {
  char sub[512];
  if (json_is_object(v)) {
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
      int skipped = 0;
      for (size_t i = 0; skip && skip[i]; i++) skipped |= !strcmp(k, skip[i]);
      if (skipped) continue;
      snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
      settings(o, sub, x, NULL);
    }
  } else if (json_is_array(v)) {
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
      snprintf(sub, sizeof sub, "%s[%zu]", path, i);
      settings(o, sub, x, NULL);
    }
  } else {
    char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
    bk_outfile_printf(o, ".br\n");
    ms_text(o, path);
    bk_outfile_printf(o, " = \\f(CR");
    ms_text(o, s ? s : json_string_value(v));
    bk_outfile_printf(o, "\\fP\n");
    free(s);
  }
}

static void assumptions(brief *b, const char *note) {
  bk_outfile *o = b->o;
  heading(o, "The population and every assumption");
  json_int_t seed = json_integer_value(json_object_get(b->manifest, "seed"));
  json_int_t us = json_integer_value(json_object_get(b->manifest, "sample_us"));
  bk_outfile_printf(o, "\\&Random seed %" JSON_INTEGER_FORMAT "; the fund is sampled every %"
                       JSON_INTEGER_FORMAT ".%06" JSON_INTEGER_FORMAT " s.\n",
                    seed, us / 1000000, us % 1000000);
  if (!b->scenario) {
    ms_line(o, note ? note : "The scenario is not known.");
    return;
  }
  ms_line(o, "Every setting of the scenario; the policies' follow.");
  static const char *const skip[] = {"name", "description", "policies", NULL};
  bk_outfile_printf(o, ".LP\n.ps 8\n");
  settings(o, "", b->scenario, skip);
  bk_outfile_printf(o, ".ps\n");
  size_t i;
  json_t *pol;
  json_array_foreach(json_object_get(b->scenario, "policies"), i, pol) {
    static const char *const pskip[] = {"name", "description", NULL};
    const char *name = json_string_value(json_object_get(pol, "name"));
    const char *d = json_string_value(json_object_get(pol, "description"));
    bk_outfile_printf(o, ".IP \\(bu 2\n\\fB");
    ms_text(o, name ? name : json_is_string(pol) ? json_string_value(pol) : "policy");
    bk_outfile_printf(o, "\\fP\n");
    if (d) ms_line(o, d);
    bk_outfile_printf(o, ".ps 8\n");
    settings(o, "", pol, pskip);
    bk_outfile_printf(o, ".ps\n");
  }
}

/* One table per asset and group of policies: a row per measure, a column per policy. */
typedef struct measure {
  const char *label, *stem;
  int money;
} measure;

static void measures_table(brief *b, const bk_table *t, size_t a, size_t p0, size_t p1,
                           const measure *m, size_t nm) {
  bk_outfile *o = b->o;
  long rows[PER_TABLE];
  for (size_t p = p0; p < p1; p++) rows[p - p0] = row_of(t, policy(b, p), asset(b, a));
  bk_outfile_printf(o, ".ps 8\n.vs 10\n");
  tbl_begin(o, "l", p1 - p0 + 1);
  bk_outfile_printf(o, "\\&%s\t", "");
  for (size_t p = p0; p < p1; p++) tbl_cell(o, policy(b, p), p + 1 == p1);
  bk_outfile_printf(o, "_\n");
  for (size_t i = 0; i < nm; i++) {
    tbl_cell(o, m[i].label, 0);
    long c = bk_table_col(t, m[i].stem);
    for (size_t p = p0; p < p1; p++) {
      const char *v = rows[p - p0] >= 0 ? bk_table_at(t, (size_t)rows[p - p0], c) : "";
      if (m[i].money) ms_money(o, v);
      else ms_text(o, *v ? v : "-");
      bk_outfile_write(o, p + 1 == p1 ? "\n" : "\t", 1);
    }
  }
  bk_outfile_printf(o, ".TE\n.ps\n.vs\n");
}

/* The flows of fund.csv (in_* and out_* columns) that some policy moved, with the
 * inventory at mark: every cause, whatever the CSV calls it. */
static size_t flow_measures(brief *b, size_t a, measure *m, char (*names)[64], size_t cap) {
  size_t n = 0;
  for (size_t c = 0; c < b->fund.ncols && n < cap; c++) {
    const char *h = b->fund.head[c];
    int flow = !strncmp(h, "in_", 3) || !strncmp(h, "out_", 4) || !strncmp(h, "inventory_pnl", 13);
    if (!flow) continue;
    snprintf(names[n], 64, "%s", h);
    int moved = 0;
    for (size_t p = 0; p < npolicies(b); p++) {
      long r = row_of(&b->fund, policy(b, p), asset(b, a));
      int64_t v = 0;
      const char *s = r >= 0 ? bk_table_at(&b->fund, (size_t)r, (long)c) : "";
      const char *why;
      moved |= bk_fx_parse(s, strlen(s), &v, &why) == BK_OK && v != 0;
    }
    if (!moved) continue;
    m[n].stem = names[n];
    m[n].label = names[n];
    m[n].money = 1;
    n++;
  }
  return n;
}

static void summary(brief *b) {
  bk_outfile *o = b->o;
  static const measure sm[] = {
      {"liquidations", "liquidations", 0},
      {"bankrupt accounts", "bankrupt_accounts", 0},
      {"liquidated notional", "liq_notional", 1},
      {"fund at start", "fund_start", 1},
      {"fund at end", "fund_end", 1},
      {"lowest fund", "fund_min", 1},
      {"largest drawdown", "max_drawdown", 1},
      {"time under water (s)", "time_under_water_s", 0},
      {"ADL contracts", "adl_contracts", 1},
      {"ADL notional", "adl_notional", 1},
      {"socialized", "socialized", 1},
      {"taken from accounts", "adl_taken", 1},
      {"uncovered deficit", "uncovered_deficit", 1},
      {"unresolved accounts", "unresolved_accounts", 0},
      {"safe initial fund", "safe_initial_fund", 1},
  };
  heading(o, "Summary per policy");
  ms_line(o, "Per settle asset, amounts in that asset with two decimals (summary.csv holds "
             "them exactly). The second table gives every flow that moved a fund over the run, "
             "by cause (in_: into the fund, out_: out of it), and the inventory still held at "
             "mark; start + ins - outs + inventory = end.");
  for (size_t a = 0; a < nassets(b); a++) {
    measure fm[64];
    char names[64][64];
    size_t nf = flow_measures(b, a, fm, names, 64);
    for (size_t p0 = 0; p0 < npolicies(b); p0 += PER_TABLE) {
      size_t p1 = p0 + PER_TABLE < npolicies(b) ? p0 + PER_TABLE : npolicies(b);
      bk_outfile_printf(o, ".LP\n\\fB");
      ms_text(o, asset(b, a));
      bk_outfile_printf(o, "\\fP\n");
      measures_table(b, &b->summary, a, p0, p1, sm, sizeof sm / sizeof *sm);
      if (nf) measures_table(b, &b->fund, a, p0, p1, fm, nf);
    }
  }
}

static void charts(brief *b, const char *const *names, size_t n) {
  bk_outfile *o = b->o;
  heading(o, "Charts");
  ms_line(o, "The charts follow this text, one a page: per settle asset, the fund by policy "
             "on a time axis zoomed on the liquidations (the whole run below it) and what "
             "moved the fund, by cause.");
  for (size_t i = 0; i < n; i++) {
    bk_outfile_printf(o, ".IP \\(bu 2\n");
    ms_line(o, names[i]);
  }
}

/* {"path", "bytes", "sha256"} as two lines. */
static void hashed(bk_outfile *o, json_t *f) {
  const char *path = json_string_value(json_object_get(f, "path"));
  const char *sha = json_string_value(json_object_get(f, "sha256"));
  bk_outfile_printf(o, ".IP \\(bu 2\n");
  ms_line(o, path ? path : "?");
  bk_outfile_printf(o, ".br\n\\s-1\\f(CR");
  ms_text(o, sha ? sha : "?");
  bk_outfile_printf(o, "\\fP\\s+1 (%" JSON_INTEGER_FORMAT " bytes)\n",
                    json_integer_value(json_object_get(f, "bytes")));
}

static void manifest(brief *b) {
  bk_outfile *o = b->o;
  json_t *m = b->manifest;
  heading(o, "The manifest");
  bk_outfile_printf(o, "\\&backstop version ");
  ms_text(o, json_string_value(json_object_get(m, "backstop_version")) ? json_string_value(json_object_get(m, "backstop_version")) : "?");
  bk_outfile_printf(o, "; command line:\n\\f(CRbackstop");
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(m, "command_line"), i, x) {
    bk_outfile_printf(o, " ");
    ms_text(o, json_string_value(x) ? json_string_value(x) : "");
  }
  bk_outfile_printf(o, "\\fP\n.LP\n");
  json_t *sc = json_object_get(m, "scenario"), *ran = json_object_get(m, "scenario_ran");
  const char *origin = json_string_value(json_object_get(ran, "origin"));
  bk_outfile_printf(o, "\\&The scenario as it ran (from ");
  ms_text(o, origin ? origin : "?");
  bk_outfile_printf(o, ", after the command line's options):\n");
  hashed(o, ran);
  if (json_is_object(sc)) {
    bk_outfile_printf(o, ".LP\n");
    ms_line(o, "The scenario file read:");
    hashed(o, sc);
  }
  if (json_array_size(json_object_get(m, "policy_files"))) {
    bk_outfile_printf(o, ".LP\n");
    ms_line(o, "Policy files:");
    json_array_foreach(json_object_get(m, "policy_files"), i, x) hashed(o, x);
  }
  bk_outfile_printf(o, ".LP\n");
  ms_line(o, "Input files, hashed as they were read:");
  json_array_foreach(json_object_get(m, "inputs"), i, x) hashed(o, x);
}

bk_rc bk_brief_ms(const bk_brief_in *in, bk_outfile *o, bk_err *err) {
  brief b = {.o = o};
  bk_rc rc = load(&b, in->dir, err);
  if (!rc && in->scenario) {
    json_error_t je;
    b.scenario = json_loads(in->scenario, JSON_DECODE_ANY, &je);
    if (json_is_null(b.scenario)) { /* a run folder written with no scenario */
      json_decref(b.scenario);
      b.scenario = NULL;
    } else if (!json_is_object(b.scenario))
      rc = bk_err_set(err, BK_EDATA, "the scenario:%d: %s", je.line,
                      b.scenario ? "not a JSON object" : je.text);
  }
  if (!rc) {
    bk_outfile_printf(o, ".\\\" The board brief of a backstop run: groff -ms -t -Tpdf\n"
                         ".nr PS 10\n.nr VS 12\n.ds CH %%\n.ad l\n");
    question(&b);
    data_quality(&b);
    assumptions(&b, in->scenario_note);
    summary(&b);
    manifest(&b);
    charts(&b, in->charts, in->ncharts);
    rc = bk_outfile_error(o)->rc;
  }
  bk_table_free(&b.summary);
  bk_table_free(&b.fund);
  bk_table_free(&b.quality);
  json_decref(b.manifest);
  json_decref(b.scenario);
  return rc;
}
