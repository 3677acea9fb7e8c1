/*
 * Shard manifests (see shard.h), written with jansson and read back as strictly as every
 * other JSON file of the command.
 */
#include "cli/shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/sweepfolder.h"
#include "config/grid.h"
#include "config/jdoc.h"
#include "engine/fixed.h"

int bk_shard_parse(const char *s, size_t *k, size_t *n) {
  int64_t a, b;
  const char *slash = strchr(s, '/');
  if (!slash || bk_int_parse(s, (size_t)(slash - s), &a, NULL) ||
      bk_int_parse(slash + 1, strlen(slash + 1), &b, NULL) || a < 0 || b < 1 ||
      b > BK_SHARDS_MAX || a >= b)
    return -1;
  *k = (size_t)a;
  *n = (size_t)b;
  return 0;
}

int bk_shard_owns(size_t k, size_t n, size_t i) { return i % n == k; }

void bk_shard_fini(bk_shard *s) {
  free(s->cells);
  memset(s, 0, sizeof *s);
}

bk_rc bk_shard_write(const bk_shard *s, const char *dir, bk_err *err) {
  json_t *o = json_object(), *cells = json_array();
  int bad = !o || !cells;
  for (size_t i = 0; !bad && i < s->ncells; i++) {
    char id[BK_CELL_ID_LEN];
    bk_sweep_cell_id(s->cells[i], id);
    bad = json_array_append_new(cells, json_string(id));
  }
  bad = bad || bk_jdoc_put(o, "grid", json_string(s->grid)) ||
        bk_jdoc_put(o, "grid_sha256", json_string(s->grid_sha256)) ||
        bk_jdoc_put(o, "target", json_string(s->target)) ||
        bk_jdoc_put(o, "shard", json_integer((json_int_t)s->k)) ||
        bk_jdoc_put(o, "shards", json_integer((json_int_t)s->n)) ||
        bk_jdoc_put(o, "cells_total", json_integer((json_int_t)s->cells_total)) ||
        bk_jdoc_put(o, "cells", cells);
  cells = NULL; /* o holds it, or bk_jdoc_put freed it */
  char *text = bad ? NULL : json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(o);
  if (!text) return bk_err_set(err, BK_ENOMEM, "out of memory");
  size_t len = strlen(text);
  char *line = realloc(text, len + 2); /* the file ends with a line end */
  if (!line) {
    free(text);
    return bk_err_set(err, BK_ENOMEM, "out of memory");
  }
  line[len++] = '\n';
  bk_rc rc = bk_sweep_write_file(dir, "shard.json", line, len, err);
  free(line);
  return rc;
}

/* A whole number member in [lo, hi]. */
static bk_rc count(const bk_jdoc *d, bk_err *err, const json_t *o, const char *key,
                   size_t lo, size_t hi, size_t *out) {
  const json_t *v = json_object_get(o, key);
  if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)lo ||
      json_integer_value(v) > (json_int_t)hi)
    return bk_jdoc_fail(d, err, v ? key : "", "expected \"%s\": a whole number from %zu "
                        "to %zu", key, lo, hi);
  *out = (size_t)json_integer_value(v);
  return BK_OK;
}

/* A text member that fits cap bytes (and, with hex, is 64 hexadecimal digits). */
static bk_rc text(const bk_jdoc *d, bk_err *err, const json_t *o, const char *key, int hex,
                  char *out, size_t cap) {
  const json_t *v = json_object_get(o, key);
  size_t n = json_string_length(v);
  if (!json_is_string(v) || !n || n >= cap ||
      (hex && (n != 64 || strspn(json_string_value(v), "0123456789abcdef") != 64)))
    return bk_jdoc_fail(d, err, v ? key : "", "expected \"%s\": %s", key,
                        hex ? "a SHA-256 in 64 hexadecimal digits" : "a path");
  memcpy(out, json_string_value(v), n + 1);
  return BK_OK;
}

/* "cells": ids of cells of the grid, ascending. */
static bk_rc cell_list(const bk_jdoc *d, bk_err *err, const json_t *o, bk_shard *s) {
  const json_t *a = json_object_get(o, "cells");
  if (!json_is_array(a)) return bk_jdoc_fail(d, err, a ? "cells" : "", "expected \"cells\": "
                                             "a list of cell ids");
  s->ncells = json_array_size(a);
  if (!(s->cells = calloc(s->ncells ? s->ncells : 1, sizeof *s->cells)))
    return bk_err_set(err, BK_ENOMEM, "out of memory");
  for (size_t i = 0; i < s->ncells; i++) {
    const json_t *v = json_array_get(a, i);
    char p[40];
    int64_t c;
    snprintf(p, sizeof p, "cells.%zu", i);
    if (!json_is_string(v) || json_string_length(v) != BK_CELL_ID_LEN - 3 ||
        bk_int_parse(json_string_value(v), json_string_length(v), &c, NULL) || c < 0 ||
        (size_t)c >= s->cells_total || (i && (size_t)c <= s->cells[i - 1]))
      return bk_jdoc_fail(d, err, p, "expected the id of a cell of the grid (five digits, "
                          "below %zu), after the one before", s->cells_total);
    s->cells[i] = (size_t)c;
  }
  return BK_OK;
}

bk_rc bk_shard_read(const char *dir, bk_shard *s, bk_err *err) {
  static const char *const known[] = {"grid", "grid_sha256", "target", "shard", "shards",
                                      "cells_total", "cells", NULL};
  memset(s, 0, sizeof *s);
  char path[4096];
  snprintf(path, sizeof path, "%s/shard.json", dir);
  size_t len;
  char *t = bk_jdoc_slurp(path, &len, err);
  if (!t) return err->rc ? err->rc : BK_ENOINPUT;
  bk_jdoc d = {t, len, path};
  json_t *o = bk_jdoc_parse(&d, err);
  bk_rc rc = o ? BK_OK : err->rc ? err->rc : BK_ECONFIG;
  if (!rc && !json_is_object(o)) rc = bk_jdoc_fail(&d, err, "", "expected a shard manifest");
  if (!rc && !(rc = bk_jdoc_known(&d, err, "", o, known)) &&
      !(rc = text(&d, err, o, "grid", 0, s->grid, sizeof s->grid)) &&
      !(rc = text(&d, err, o, "grid_sha256", 1, s->grid_sha256, sizeof s->grid_sha256)) &&
      !(rc = text(&d, err, o, "target", 0, s->target, sizeof s->target)) &&
      !(rc = count(&d, err, o, "shards", 1, BK_SHARDS_MAX, &s->n)) &&
      !(rc = count(&d, err, o, "shard", 0, s->n - 1, &s->k)) &&
      !(rc = count(&d, err, o, "cells_total", 1, BK_GRID_MAX_CELLS, &s->cells_total)))
    rc = cell_list(&d, err, o, s);
  json_decref(o);
  free(t);
  return rc;
}
