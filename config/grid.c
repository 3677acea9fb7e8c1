/*
 * Sweep grids (see grid.h): the file read strictly, each axis kept as written (for the
 * sweep's index) and, for paths, resolved against the grid's folder (for the runs).
 */
#include "config/grid.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/jdoc.h"
#include "config/safename.h"
#include "config/scenario.h"
#include "engine/clock.h"

void bk_grid_fini(bk_grid *g) {
  bk_grid_value *axes[] = {g->scenarios, g->policies, g->seeds};
  size_t n[] = {g->nscenarios, g->npolicies, g->nseeds};
  for (size_t a = 0; a < 3; a++) {
    for (size_t i = 0; i < n[a]; i++) {
      free(axes[a][i].text);
      free(axes[a][i].path);
    }
    free(axes[a]);
  }
  for (size_t i = 0; i < g->nwindows; i++) {
    free(g->windows[i].from);
    free(g->windows[i].to);
  }
  free(g->windows);
  free(g->text);
  memset(g, 0, sizeof *g);
}

size_t bk_grid_cells(const bk_grid *g) {
  return g->nscenarios * g->nwindows * g->npolicies * g->nseeds;
}

bk_grid_cell bk_grid_cell_of(const bk_grid *g, size_t i) {
  bk_grid_cell c;
  c.seed = &g->seeds[i % g->nseeds];
  i /= g->nseeds;
  c.policy = &g->policies[i % g->npolicies];
  i /= g->npolicies;
  c.window = &g->windows[i % g->nwindows];
  c.scenario = &g->scenarios[i / g->nwindows];
  return c;
}

/* dir + "/" + rel, unless rel is absolute or dir is empty (malloc'd). */
static char *join(const char *dir, const char *rel) {
  size_t n = strlen(dir) + strlen(rel) + 2;
  char *p = malloc(n);
  if (p && (rel[0] == '/' || !dir[0])) snprintf(p, n, "%s", rel);
  else if (p) snprintf(p, n, "%s/%s", dir, rel);
  return p;
}

/* A JSON array at key: absent gives one "" (the scenario's own) unless required. */
static bk_rc axis_array(const bk_jdoc *d, bk_err *err, const json_t *root, const char *key,
                        int required, const char *what, const json_t **out, size_t *n) {
  const json_t *v = json_object_get(root, key);
  *out = v;
  *n = 1;
  if (!v && !required) return BK_OK;
  if (!json_is_array(v) || !json_array_size(v))
    return bk_jdoc_fail(d, err, v ? key : "", "expected \"%s\": a list of %s, at least one",
                        key, what);
  *n = json_array_size(v);
  return BK_OK;
}

static bk_rc nomem(bk_err *err) { return bk_err_set(err, BK_ENOMEM, "out of memory"); }

/* "scenarios" or "policies": file paths, resolved against dir. */
static bk_rc read_paths(const bk_jdoc *d, bk_err *err, const json_t *root, const char *key,
                        int required, const char *dir, bk_grid_value **out, size_t *n) {
  const json_t *a;
  bk_rc rc = axis_array(d, err, root, key, required, "file paths", &a, n);
  if (rc) return rc;
  if (!(*out = calloc(*n, sizeof **out))) return nomem(err);
  if (!a) return ((*out)[0].text = strdup("")) ? BK_OK : nomem(err);
  for (size_t i = 0; i < *n; i++) {
    const json_t *v = json_array_get(a, i);
    char p[64];
    snprintf(p, sizeof p, "%s.%zu", key, i);
    if (!json_is_string(v) || !json_string_length(v))
      return bk_jdoc_fail(d, err, p, "expected a file path");
    if (!((*out)[i].text = strdup(json_string_value(v))) ||
        !((*out)[i].path = join(dir, json_string_value(v))))
      return nomem(err);
  }
  return BK_OK;
}

/* "seeds": each a seed as a scenario takes it, kept as its decimal text. */
static bk_rc read_seeds(const bk_jdoc *d, bk_err *err, const json_t *root, bk_grid *g) {
  const json_t *a;
  bk_rc rc = axis_array(d, err, root, "seeds", 0, "seeds", &a, &g->nseeds);
  if (rc) return rc;
  if (!(g->seeds = calloc(g->nseeds, sizeof *g->seeds))) return nomem(err);
  if (!a) return (g->seeds[0].text = strdup("")) ? BK_OK : nomem(err);
  for (size_t i = 0; i < g->nseeds; i++) {
    char p[64], t[24];
    uint64_t s;
    snprintf(p, sizeof p, "seeds.%zu", i);
    if ((rc = bk_jdoc_u64(d, err, p, json_array_get(a, i), &s))) return rc;
    snprintf(t, sizeof t, "%" PRIu64, s);
    if (!(g->seeds[i].text = strdup(t))) return nomem(err);
  }
  return BK_OK;
}

/* One end of window i: a time as the scenario's window takes it, "" when absent. */
static bk_rc window_end(const bk_jdoc *d, bk_err *err, const json_t *w, size_t i,
                        const char *key, char **text, int64_t *us) {
  const json_t *v = json_object_get(w, key);
  char p[64];
  snprintf(p, sizeof p, "windows.%zu.%s", i, key);
  if (v && (!json_is_string(v) ||
            bk_time_parse(json_string_value(v), json_string_length(v), us) != BK_OK))
    return bk_jdoc_fail(d, err, p, "expected a time such as \"2025-10-10T21:00:00Z\"");
  return (*text = strdup(v ? json_string_value(v) : "")) ? BK_OK : nomem(err);
}

static bk_rc read_windows(const bk_jdoc *d, bk_err *err, const json_t *root, bk_grid *g) {
  static const char *const known[] = {"from", "to", NULL};
  const json_t *a;
  bk_rc rc = axis_array(d, err, root, "windows", 0, "windows", &a, &g->nwindows);
  if (rc) return rc;
  if (!(g->windows = calloc(g->nwindows, sizeof *g->windows))) return nomem(err);
  for (size_t i = 0; i < g->nwindows; i++) {
    const json_t *w = a ? json_array_get(a, i) : NULL;
    char p[64];
    snprintf(p, sizeof p, "windows.%zu", i);
    if (a && !json_is_object(w))
      return bk_jdoc_fail(d, err, p, "expected a window: {\"from\": ..., \"to\": ...}");
    if (w && (rc = bk_jdoc_known(d, err, p, w, known))) return rc;
    int64_t from = INT64_MIN, to = INT64_MAX;
    if ((rc = window_end(d, err, w, i, "from", &g->windows[i].from, &from)) ||
        (rc = window_end(d, err, w, i, "to", &g->windows[i].to, &to)))
      return rc;
    if (from >= to) return bk_jdoc_fail(d, err, p, "\"from\" must come before \"to\"");
  }
  return BK_OK;
}

static bk_rc read_name(const bk_jdoc *d, bk_err *err, const json_t *root, bk_grid *g) {
  const json_t *v = json_object_get(root, "name");
  if (!json_is_string(v) || !bk_name_ok(json_string_value(v), json_string_length(v)))
    return bk_jdoc_fail(d, err, v ? "name" : "",
                        "expected \"name\": " BK_NAME_RULE " (it becomes the sweep folder "
                        "out/<name>)");
  snprintf(g->name, sizeof g->name, "%s", json_string_value(v));
  v = json_object_get(root, "description");
  if (v && !json_is_string(v)) return bk_jdoc_fail(d, err, "description", "expected text");
  return BK_OK;
}

static bk_rc read_draws(const bk_jdoc *d, bk_err *err, const json_t *root, bk_grid *g) {
  const json_t *v = json_object_get(root, "draws");
  if (!v) return BK_OK;
  if (!json_is_integer(v) || json_integer_value(v) < 1 ||
      json_integer_value(v) > BK_SCENARIO_MAX_DRAWS)
    return bk_jdoc_fail(d, err, "draws", "expected a whole number from 1 to %d",
                        BK_SCENARIO_MAX_DRAWS);
  g->draws = (uint32_t)json_integer_value(v);
  return BK_OK;
}

static bk_rc read_root(const bk_jdoc *d, bk_err *err, const json_t *root, const char *dir,
                       bk_grid *g) {
  static const char *const known[] = {"name",  "description", "scenarios", "policies",
                                      "seeds", "windows",     "draws",     NULL};
  if (!json_is_object(root)) return bk_jdoc_fail(d, err, "", "expected a grid object");
  bk_rc rc;
  if ((rc = bk_jdoc_known(d, err, "", root, known)) || (rc = read_name(d, err, root, g)) ||
      (rc = read_paths(d, err, root, "scenarios", 1, dir, &g->scenarios, &g->nscenarios)) ||
      (rc = read_windows(d, err, root, g)) ||
      (rc = read_paths(d, err, root, "policies", 0, dir, &g->policies, &g->npolicies)) ||
      (rc = read_seeds(d, err, root, g)) || (rc = read_draws(d, err, root, g)))
    return rc;
  /* each factor is at least 1 and below 2^32 (JSON arrays in a 16 MiB file) */
  uint64_t n = (uint64_t)g->nscenarios * g->nwindows;
  if (n > BK_GRID_MAX_CELLS || (n *= g->npolicies) > BK_GRID_MAX_CELLS ||
      (n *= g->nseeds) > BK_GRID_MAX_CELLS)
    return bk_jdoc_fail(d, err, "", "the grid has more than %d cells", BK_GRID_MAX_CELLS);
  return BK_OK;
}

bk_rc bk_grid_parse(const char *text, size_t len, const char *name, const char *dir,
                    bk_grid *g, bk_err *err) {
  memset(g, 0, sizeof *g);
  bk_err_clear(err);
  if (!(g->text = malloc(len + 1))) return nomem(err);
  memcpy(g->text, text, len);
  g->text[len] = '\0';
  g->len = len;
  bk_jdoc d = {g->text, len, name};
  json_t *root = bk_jdoc_parse(&d, err);
  if (!root) return err->rc ? err->rc : BK_ECONFIG;
  bk_rc rc = read_root(&d, err, root, dir, g);
  json_decref(root);
  return rc;
}

bk_rc bk_grid_load(const char *path, bk_grid *g, bk_err *err) {
  memset(g, 0, sizeof *g);
  size_t len;
  char *text = bk_jdoc_slurp(path, &len, err);
  if (!text) return err->rc ? err->rc : BK_ENOINPUT;
  char dir[1024];
  bk_jdoc_dir_of(path, dir, sizeof dir);
  bk_rc rc = bk_grid_parse(text, len, path, dir, g, err);
  free(text);
  return rc;
}
