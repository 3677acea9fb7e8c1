/*
 * Scenario files (see scenario.h). Strict like every JSON reader of the command line:
 * a typo must not silently fall back to a default.
 */
#include "config/scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/contract_json.h"
#include "config/ranges.h"
#include "config/relpath.h"
#include "config/safename.h"
#include "engine/clock.h"
#include "engine/fixed.h"
#include "strategies/calibrate.h"

static void clear(bk_scenario *s) {
  memset(s, 0, sizeof *s);
  s->from = INT64_MIN;
  s->to = INT64_MAX;
  s->seed = 20251010;
  bk_sim_config_init(&s->sim);
}

void bk_scenario_fini(bk_scenario *s) {
  for (size_t i = 0; i < s->ndata; i++) free(s->data[i]);
  free(s->data);
  free(s->instr);
  free(s->policies);
  json_decref(s->policy_notes);
  for (size_t i = 0; i < s->npolicy_files; i++) free(s->policy_files[i]);
  free(s->policy_files);
  free(s->description);
  json_decref(s->population);
  free(s->text);
  clear(s);
}

bk_jdoc bk_scenario_doc(const bk_scenario *s) {
  bk_jdoc d = {s->text, s->len, s->source};
  return d;
}

/* dir + "/" + rel, unless rel is absolute or dir is empty. */
static char *resolve(const char *dir, const char *rel) {
  size_t n = strlen(dir) + strlen(rel) + 2;
  char *p = malloc(n);
  if (!p) return NULL;
  if (rel[0] == '/' || !dir[0]) snprintf(p, n, "%s", rel);
  else snprintf(p, n, "%s/%s", dir, rel);
  return p;
}

static bk_rc time_member(const bk_jdoc *d, bk_err *err, const json_t *o, const char *key,
                         const char *path, int64_t *out) {
  const json_t *v = json_object_get(o, key);
  if (!v) return BK_OK;
  char p[128];
  snprintf(p, sizeof p, "%s.%s", path, key);
  if (!json_is_string(v) ||
      bk_time_parse(json_string_value(v), json_string_length(v), out) != BK_OK)
    return bk_jdoc_fail(d, err, p, "expected a time such as \"2025-10-10T21:00:00Z\"");
  return BK_OK;
}

/* A duration given as a decimal string of `unit` µs, > 0. */
static bk_rc duration(const bk_jdoc *d, bk_err *err, const json_t *o, const char *key,
                      const char *path, int64_t unit, int64_t *out) {
  const json_t *v = json_object_get(o, key);
  if (!v) return BK_OK;
  char p[128];
  snprintf(p, sizeof p, "%s.%s", path, key);
  int64_t x, us;
  bk_rc rc = bk_jdoc_fx(d, err, p, v, &x);
  if (rc) return rc;
  if (x <= 0 || bk_fx_muldiv(x, unit, BK_FX_SCALE, BK_FLOOR, &us) || us <= 0)
    return bk_jdoc_fail(d, err, p, "expected a positive duration");
  *out = us;
  return BK_OK;
}

/* Appends dir/path to the list *v of *n paths. */
static bk_rc add_path(char ***v, size_t *n, const char *dir, const char *path, bk_err *err) {
  char **w = realloc(*v, (*n + 1) * sizeof *w);
  if (!w) return bk_err_set(err, BK_ENOMEM, "out of memory");
  *v = w;
  if (!(w[*n] = resolve(dir, path))) return bk_err_set(err, BK_ENOMEM, "out of memory");
  (*n)++;
  return BK_OK;
}

static bk_rc add_data(bk_scenario *s, const char *dir, const char *path, bk_err *err) {
  return add_path(&s->data, &s->ndata, dir, path, err);
}

static bk_rc read_data(bk_scenario *s, const bk_jdoc *d, const json_t *v, bk_err *err) {
  if (json_is_string(v)) return add_data(s, s->dir, json_string_value(v), err);
  if (!json_is_array(v) || json_array_size(v) == 0)
    return bk_jdoc_fail(d, err, "data", "expected a path or a non-empty list of paths");
  size_t i;
  json_t *x;
  json_array_foreach(v, i, x) {
    char p[64];
    snprintf(p, sizeof p, "data.%zu", i);
    if (!json_is_string(x) || !json_string_length(x))
      return bk_jdoc_fail(d, err, p, "expected a path");
    bk_rc rc = add_data(s, s->dir, json_string_value(x), err);
    if (rc) return rc;
  }
  return BK_OK;
}

static bk_rc read_instruments(bk_scenario *s, const bk_jdoc *d, const json_t *v, bk_err *err) {
  if (!json_is_object(v)) return bk_jdoc_fail(d, err, "instruments", "expected an object");
  s->instr = calloc(json_object_size(v) + 1, sizeof *s->instr);
  if (!s->instr) return bk_err_set(err, BK_ENOMEM, "out of memory");
  const char *name;
  json_t *o;
  json_object_foreach((json_t *)v, name, o) {
    char path[128];
    bk_scen_instr *in = &s->instr[s->ninstr];
    if (!bk_name_ok(name, strlen(name))) {
      char shown[300];
      return bk_jdoc_fail(d, err, "instruments", "instrument %s: a symbol must be " BK_NAME_RULE
                          " (it labels report rows)",
                          bk_name_print(name, strlen(name), shown, sizeof shown));
    }
    snprintf(path, sizeof path, "instruments.%s", name);
    snprintf(in->symbol, sizeof in->symbol, "%s", name);
    /* "exchange" is ours; the rest is the contract spec */
    json_t *spec = json_deep_copy(o);
    if (!spec) return bk_err_set(err, BK_ENOMEM, "out of memory");
    const json_t *ex = json_object_get(o, "exchange");
    if (ex) {
      if (!json_is_string(ex) || json_string_length(ex) >= sizeof in->exchange) {
        json_decref(spec);
        return bk_jdoc_fail(d, err, path, "\"exchange\" must be a venue name");
      }
      snprintf(in->exchange, sizeof in->exchange, "%s", json_string_value(ex));
      json_object_del(spec, "exchange");
    }
    const char *settle;
    bk_rc rc = bk_contract_json(d, err, path, spec, &in->c, &settle);
    if (!rc) snprintf(in->settle, sizeof in->settle, "%s", settle);
    json_decref(spec);
    if (rc) return rc;
    s->ninstr++;
  }
  return BK_OK;
}

/* Appends policy p with its notes (taken over) and, when it came from a file, the file:
 * the policy that runs and where it came from. */
static bk_rc add_policy(bk_scenario *s, const bk_policy *p, json_t *notes, const char *file,
                        bk_err *err) {
  for (size_t i = 0; i < s->npolicies; i++)
    if (!strcmp(s->policies[i].name, p->name)) {
      json_decref(notes);
      return bk_err_set(err, BK_ECONFIG, "%s: two policies are named \"%s\": names must "
                        "differ (they label the report rows)", s->source, p->name);
    }
  bk_policy *v = realloc(s->policies, (s->npolicies + 1) * sizeof *v);
  if (v) s->policies = v;
  if (!s->policy_notes) s->policy_notes = json_array();
  if (!v || !s->policy_notes) {
    json_decref(notes);
    return bk_err_set(err, BK_ENOMEM, "out of memory");
  }
  if (json_array_append_new(s->policy_notes, notes)) /* takes notes, also on failure */
    return bk_err_set(err, BK_ENOMEM, "out of memory");
  s->policies[s->npolicies++] = *p;
  return file ? add_path(&s->policy_files, &s->npolicy_files, "", file, err) : BK_OK;
}

static bk_rc read_policies(bk_scenario *s, const bk_jdoc *d, const json_t *v, bk_err *err) {
  if (!json_is_array(v) || json_array_size(v) == 0)
    return bk_jdoc_fail(d, err, "policies", "expected a non-empty list of policies "
                        "(file paths or objects)");
  size_t i;
  json_t *x;
  json_array_foreach(v, i, x) {
    char p[64];
    snprintf(p, sizeof p, "policies.%zu", i);
    bk_policy pol;
    json_t *notes = NULL;
    char *file = NULL;
    bk_rc rc;
    if (json_is_string(x)) {
      if (!(file = resolve(s->dir, json_string_value(x))))
        return bk_err_set(err, BK_ENOMEM, "out of memory");
      if (!strcmp(file, s->source)) {
        free(file);
        return bk_jdoc_fail(d, err, p, "the scenario names itself as a policy");
      }
      rc = bk_policy_json_read(file, &pol, &notes, err);
    } else if (json_is_object(x)) {
      rc = bk_policy_json_from(x, d->text, d->len, d->name, p, &pol, err);
      if (!rc && !(notes = bk_policy_json_notes(x)))
        rc = bk_err_set(err, BK_ENOMEM, "out of memory");
    } else {
      return bk_jdoc_fail(d, err, p, "expected a policy file path or a policy object");
    }
    if (!rc) rc = add_policy(s, &pol, notes, file, err);
    free(file);
    if (rc) return rc;
  }
  return BK_OK;
}

/* The "uncertainty" section: how many seeded draws of the population the run takes, and
 * the ranges of the assumptions they vary (acting only in a run with draws, which
 * --draws may ask for when the section gives none). */
static bk_rc read_draws(bk_scenario *s, const bk_jdoc *d, const json_t *v, bk_err *err) {
  const json_t *n = json_object_get(v, "draws"), *r = json_object_get(v, "ranges");
  if ((n || !r) && (!json_is_integer(n) || json_integer_value(n) < 1 ||
                    json_integer_value(n) > BK_SCENARIO_MAX_DRAWS))
    return bk_jdoc_fail(d, err, n ? "uncertainty.draws" : "uncertainty",
                        "expected \"draws\": a whole number from 1 to %d",
                        BK_SCENARIO_MAX_DRAWS);
  if (n) s->draws = (uint32_t)json_integer_value(n);
  return r ? bk_ranges_read(d, r, &s->ranges, err) : BK_OK;
}

/* The "calibration" section: the grid of open-interest scales fitted to the liquidation
 * prints (strategies/calibrate.h), checked here so that a bad grid fails before the data
 * is read. */
static bk_rc read_calibration(bk_scenario *s, const bk_jdoc *d, const json_t *v, bk_err *err) {
  static const char *const known[] = {"description", "oi_scale", "points", NULL};
  bk_rc rc = bk_jdoc_known(d, err, "calibration", v, known);
  if (rc) return rc;
  const json_t *r = json_object_get(v, "oi_scale"), *n = json_object_get(v, "points");
  if (!json_is_array(r) || json_array_size(r) != 2)
    return bk_jdoc_fail(d, err, r ? "calibration.oi_scale" : "calibration",
                        "expected \"oi_scale\": [\"low\", \"high\"]");
  if ((rc = bk_jdoc_fx(d, err, "calibration.oi_scale.0", json_array_get(r, 0), &s->calib_lo)) ||
      (rc = bk_jdoc_fx(d, err, "calibration.oi_scale.1", json_array_get(r, 1), &s->calib_hi)))
    return rc;
  if (!json_is_integer(n) || json_integer_value(n) < 2 ||
      json_integer_value(n) > BK_CALIB_MAX_POINTS)
    return bk_jdoc_fail(d, err, n ? "calibration.points" : "calibration",
                        "expected \"points\": a whole number from 2 to %d", BK_CALIB_MAX_POINTS);
  s->calib_points = (uint32_t)json_integer_value(n);
  int64_t grid[BK_CALIB_MAX_POINTS];
  if (bk_calib_grid(s->calib_lo, s->calib_hi, s->calib_points, grid))
    return bk_jdoc_fail(d, err, "calibration", "expected 0.001 <= low < high <= 1000, with "
                        "points that differ at 3 significant digits");
  return BK_OK;
}

static bk_rc read_depth(bk_scenario *s, const bk_jdoc *d, const json_t *v, bk_err *err) {
  static const char *const known[] = {"description", "reference", "points", "refresh_s",
                                      "band_s", NULL};
  static const char *const kpoint[] = {"pct", "minutes", NULL};
  bk_rc rc = bk_jdoc_known(d, err, "depth_model", v, known);
  if (rc) return rc;
  const json_t *ref = json_object_get(v, "reference");
  if (ref) {
    if (!json_is_string(ref) || !strchr(json_string_value(ref), ':') ||
        json_string_length(ref) >= sizeof s->depth_ref)
      return bk_jdoc_fail(d, err, "depth_model.reference", "expected \"exchange:symbol\"");
    snprintf(s->depth_ref, sizeof s->depth_ref, "%s", json_string_value(ref));
  }
  const json_t *pts = json_object_get(v, "points");
  if (pts) {
    if (!json_is_array(pts) || json_array_size(pts) == 0 || json_array_size(pts) > 8)
      return bk_jdoc_fail(d, err, "depth_model.points", "expected 1 to 8 points");
    size_t i;
    json_t *x;
    int64_t last = 0;
    json_array_foreach(pts, i, x) {
      char p[64];
      snprintf(p, sizeof p, "depth_model.points.%zu", i);
      int64_t pct, minutes;
      if ((rc = bk_jdoc_known(d, err, p, x, kpoint)) ||
          (rc = bk_jdoc_req_fx(d, err, x, p, "pct", &pct)) ||
          (rc = bk_jdoc_req_fx(d, err, x, p, "minutes", &minutes)))
        return rc;
      if (pct <= last || pct > BK_FX(50) || minutes < 0)
        return bk_jdoc_fail(d, err, p, "points need ascending pct in (0, 50] and minutes >= 0");
      if (pct % 100) /* a fraction keeps 8 decimals, so a percent keeps 6 */
        return bk_jdoc_fail(d, err, p, "pct has at most 6 decimals");
      last = pct;
      s->sim.depth.pct[i] = pct / 100; /* percent to fraction */
      s->sim.depth.minutes[i] = minutes;
    }
    s->sim.depth.n = json_array_size(pts);
  }
  if ((rc = duration(d, err, v, "refresh_s", "depth_model", INT64_C(1000000),
                     &s->sim.depth.refresh_us)))
    return rc;
  return duration(d, err, v, "band_s", "depth_model", INT64_C(1000000),
                  &s->sim.depth.band_us);
}

bk_rc bk_scenario_parse(const char *text, size_t len, const char *name, const char *dir,
                        bk_scenario *s, bk_err *err) {
  clear(s);
  snprintf(s->source, sizeof s->source, "%s", name);
  snprintf(s->dir, sizeof s->dir, "%s", dir);
  if (!(s->text = malloc(len + 1))) return bk_err_set(err, BK_ENOMEM, "out of memory");
  memcpy(s->text, text, len);
  s->text[len] = '\0';
  s->len = len;
  bk_jdoc d = bk_scenario_doc(s);
  json_t *root = bk_jdoc_parse(&d, err);
  if (!root) return err->rc ? err->rc : BK_ECONFIG;
  static const char *const known[] = {"name", "description", "data", "window", "seed",
                                      "instruments", "population", "policies", "report",
                                      "marks", "depth_model", "uncertainty", "calibration",
                                      NULL};
  static const char *const kwin[] = {"description", "from", "to", NULL};
  static const char *const krep[] = {"description", "interval_s", NULL};
  static const char *const kmarks[] = {"description", "window_s", "step_ms", NULL};
  static const char *const kunc[] = {"description", "draws", "ranges", NULL};
  bk_rc rc = BK_OK;
  const json_t *v;
  if (!json_is_object(root)) {
    rc = bk_jdoc_fail(&d, err, "", "expected a scenario object");
    goto out;
  }
  if ((rc = bk_jdoc_known(&d, err, "", root, known))) goto out;
  v = json_object_get(root, "name");
  if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) >= sizeof s->name) {
    rc = bk_jdoc_fail(&d, err, v ? "name" : "", "expected \"name\": 1 to 63 characters");
    goto out;
  }
  if (!bk_name_ok(json_string_value(v), json_string_length(v))) {
    char shown[300];
    rc = bk_jdoc_fail(&d, err, "name", "scenario name %s: a name must be " BK_NAME_RULE
                      " (it becomes the run folder out/<name>)",
                      bk_name_print(json_string_value(v), json_string_length(v), shown,
                                    sizeof shown));
    goto out;
  }
  snprintf(s->name, sizeof s->name, "%s", json_string_value(v));
  v = json_object_get(root, "description");
  if (v && !json_is_string(v)) {
    rc = bk_jdoc_fail(&d, err, "description", "expected text");
    goto out;
  }
  if (v && !(s->description = strdup(json_string_value(v)))) {
    rc = bk_err_set(err, BK_ENOMEM, "out of memory");
    goto out;
  }
  if (!(v = json_object_get(root, "data"))) {
    rc = bk_jdoc_fail(&d, err, "", "missing \"data\": the market data files or folders");
    goto out;
  }
  if ((rc = read_data(s, &d, v, err))) goto out;
  if ((v = json_object_get(root, "window"))) {
    if ((rc = bk_jdoc_known(&d, err, "window", v, kwin)) ||
        (rc = time_member(&d, err, v, "from", "window", &s->from)) ||
        (rc = time_member(&d, err, v, "to", "window", &s->to)))
      goto out;
    if (s->from >= s->to) {
      rc = bk_jdoc_fail(&d, err, "window", "\"from\" must come before \"to\"");
      goto out;
    }
  }
  if ((v = json_object_get(root, "seed")) && (rc = bk_jdoc_u64(&d, err, "seed", v, &s->seed)))
    goto out;
  if ((v = json_object_get(root, "instruments")) && (rc = read_instruments(s, &d, v, err)))
    goto out;
  if ((v = json_object_get(root, "population"))) {
    if (!json_is_object(v) && !json_is_array(v)) {
      rc = bk_jdoc_fail(&d, err, "population", "expected a population object or a list");
      goto out;
    }
    s->population = json_incref((json_t *)v);
  }
  if (!(v = json_object_get(root, "policies"))) {
    rc = bk_jdoc_fail(&d, err, "", "missing \"policies\": the policies to compare");
    goto out;
  }
  if ((rc = read_policies(s, &d, v, err))) goto out;
  if ((v = json_object_get(root, "report")) &&
      ((rc = bk_jdoc_known(&d, err, "report", v, krep)) ||
       (rc = duration(&d, err, v, "interval_s", "report", INT64_C(1000000), &s->sim.sample_us))))
    goto out;
  if ((v = json_object_get(root, "marks")) &&
      ((rc = bk_jdoc_known(&d, err, "marks", v, kmarks)) ||
       (rc = duration(&d, err, v, "window_s", "marks", INT64_C(1000000), &s->sim.mark_window_us)) ||
       (rc = duration(&d, err, v, "step_ms", "marks", INT64_C(1000), &s->sim.mark_step_us))))
    goto out;
  if ((v = json_object_get(root, "depth_model")) && (rc = read_depth(s, &d, v, err))) goto out;
  if ((v = json_object_get(root, "uncertainty")) &&
      ((rc = bk_jdoc_known(&d, err, "uncertainty", v, kunc)) || (rc = read_draws(s, &d, v, err))))
    goto out;
  if ((v = json_object_get(root, "calibration")) && (rc = read_calibration(s, &d, v, err)))
    goto out;
out:
  json_decref(root);
  return rc;
}

bk_rc bk_scenario_load(const char *path, bk_scenario *s, bk_err *err) {
  clear(s);
  size_t len;
  char *text = bk_jdoc_slurp(path, &len, err);
  if (!text) return err->rc ? err->rc : BK_ENOINPUT;
  char dir[1024];
  bk_jdoc_dir_of(path, dir, sizeof dir);
  bk_rc rc = bk_scenario_parse(text, len, path, dir, s, err);
  free(text);
  return rc;
}

bk_rc bk_scenario_set_data(bk_scenario *s, const char *const *paths, size_t n, bk_err *err) {
  for (size_t i = 0; i < s->ndata; i++) free(s->data[i]);
  s->ndata = 0;
  for (size_t i = 0; i < n; i++) {
    bk_rc rc = add_data(s, "", paths[i], err);
    if (rc) return rc;
  }
  return BK_OK;
}

bk_rc bk_scenario_set_policies(bk_scenario *s, const char *const *paths, size_t n,
                               bk_err *err) {
  s->npolicies = 0;
  json_array_clear(s->policy_notes);
  for (size_t i = 0; i < s->npolicy_files; i++) free(s->policy_files[i]);
  s->npolicy_files = 0;
  for (size_t i = 0; i < n; i++) {
    bk_policy pol;
    json_t *notes;
    bk_rc rc = bk_policy_json_read(paths[i], &pol, &notes, err);
    if (rc || (rc = add_policy(s, &pol, notes, paths[i], err))) return rc;
  }
  return BK_OK;
}

/* ---- back to JSON ---- */

/* path (relative to the working folder) as seen from folder dir. */
static json_t *path_value(const char *dir, const char *path, bk_err *err) {
  char rel[4096];
  if (bk_relpath(dir, path, rel, sizeof rel)) {
    bk_err_set(err, BK_ECONFIG, "%s: cannot be written relative to %s", path, dir);
    return NULL;
  }
  return json_string(rel);
}

static json_t *data_json(const bk_scenario *s, const char *dir, bk_err *err) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < s->ndata; i++) {
    json_t *p = path_value(dir, s->data[i], err);
    if (!p || json_array_append_new(a, p)) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

static json_t *time_value(int64_t us) {
  char b[40];
  bk_time_format(us, b, sizeof b);
  return json_string(b);
}

static json_t *window_json(const bk_scenario *s) {
  json_t *o = json_object();
  if (!o || (s->from != INT64_MIN && bk_jdoc_put(o, "from", time_value(s->from))) ||
      (s->to != INT64_MAX && bk_jdoc_put(o, "to", time_value(s->to)))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static json_t *instruments_json(const bk_scenario *s) {
  json_t *o = json_object();
  for (size_t i = 0; o && i < s->ninstr; i++) {
    const bk_scen_instr *in = &s->instr[i];
    json_t *c = json_object();
    int failed = !c || (in->exchange[0] && bk_jdoc_put(c, "exchange", json_string(in->exchange)));
    if (!failed) failed = !bk_contract_json_dump(&in->c, in->settle, c);
    if (failed || bk_jdoc_put(o, in->symbol, c)) {
      if (failed) json_decref(c);
      json_decref(o);
      return NULL;
    }
  }
  return o;
}

/* The population as written, with the file of an "accounts" model rewritten for dir. */
static json_t *population_json(const bk_scenario *s, const char *dir, bk_err *err) {
  json_t *pop = json_deep_copy(s->population);
  json_t *one[] = {pop}, **v = one;
  size_t n = 1;
  if (json_is_array(pop)) {
    n = json_array_size(pop);
    v = NULL;
  }
  for (size_t i = 0; pop && i < n; i++) {
    json_t *o = v ? v[i] : json_array_get(pop, i);
    const char *model = json_string_value(json_object_get(o, "model"));
    const char *file = json_string_value(json_object_get(o, "file"));
    if (!model || strcmp(model, "accounts") || !file) continue;
    char *path = resolve(s->dir, file);
    json_t *p = path ? path_value(dir, path, err) : NULL;
    free(path);
    if (bk_jdoc_put(o, "file", p)) {
      json_decref(pop);
      return NULL;
    }
  }
  return pop;
}

static json_t *policies_json(const bk_scenario *s) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < s->npolicies; i++) {
    json_t *p = bk_policy_json_dump(&s->policies[i]);
    if (!p || json_object_update(p, json_array_get(s->policy_notes, i)) ||
        json_array_append_new(a, p)) {
      json_decref(p);
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

/* µs as a decimal string of `unit` µs (1000000: seconds, 1000: milliseconds). */
static json_t *duration_value(int64_t us, int64_t unit) {
  return bk_jdoc_fx_value(us * (BK_FX_SCALE / unit));
}

static json_t *depth_json(const bk_scenario *s) {
  const bk_depth_spec *ds = &s->sim.depth;
  json_t *o = json_object(), *pts = json_array();
  int failed = !o || !pts ||
               (s->depth_ref[0] && bk_jdoc_put(o, "reference", json_string(s->depth_ref)));
  for (size_t i = 0; !failed && i < ds->n; i++) {
    json_t *pt = json_object();
    failed = !pt || bk_jdoc_put(pt, "pct", bk_jdoc_fx_value(ds->pct[i] * 100)) ||
             bk_jdoc_put(pt, "minutes", bk_jdoc_fx_value(ds->minutes[i])) ||
             json_array_append_new(pts, pt);
  }
  if (failed || (ds->n ? bk_jdoc_put(o, "points", pts) : (json_decref(pts), 0)) ||
      bk_jdoc_put(o, "refresh_s", duration_value(ds->refresh_us, BK_US_PER_S))) {
    if (failed) json_decref(pts);
    json_decref(o);
    return NULL;
  }
  return o;
}

/* Two members {key: duration} of the sim's intervals as an object. */
static json_t *intervals(const char *k1, int64_t us1, int64_t unit1, const char *k2, int64_t us2,
                         int64_t unit2) {
  json_t *o = json_object();
  if (!o || bk_jdoc_put(o, k1, duration_value(us1, unit1)) ||
      (k2 && bk_jdoc_put(o, k2, duration_value(us2, unit2)))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* The uncertainty section: the draws and the ranges they vary. */
static json_t *uncertainty_json(const bk_scenario *s) {
  json_t *o = json_object();
  if (!o || (s->draws && bk_jdoc_put(o, "draws", json_integer(s->draws))) ||
      (bk_ranges_count(&s->ranges) && bk_jdoc_put(o, "ranges", bk_ranges_json(&s->ranges)))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static json_t *calibration_json(const bk_scenario *s) {
  json_t *o = json_object(), *r = o ? json_array() : NULL;
  if (!o || bk_jdoc_put(o, "oi_scale", r) ||
      json_array_append_new(r, bk_jdoc_fx_value(s->calib_lo)) ||
      json_array_append_new(r, bk_jdoc_fx_value(s->calib_hi)) ||
      bk_jdoc_put(o, "points", json_integer(s->calib_points))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static json_t *scenario_json(const bk_scenario *s, const char *dir, bk_err *err) {
  json_t *o = json_object();
  int failed =
      !o || bk_jdoc_put(o, "name", json_string(s->name)) ||
      (s->description && bk_jdoc_put(o, "description", json_string(s->description))) ||
      bk_jdoc_put(o, "data", data_json(s, dir, err)) ||
      ((s->from != INT64_MIN || s->to != INT64_MAX) && bk_jdoc_put(o, "window", window_json(s))) ||
      bk_jdoc_put(o, "seed", bk_jdoc_u64_value(s->seed)) ||
      (s->ninstr && bk_jdoc_put(o, "instruments", instruments_json(s))) ||
      (s->population && bk_jdoc_put(o, "population", population_json(s, dir, err))) ||
      bk_jdoc_put(o, "policies", policies_json(s)) ||
      bk_jdoc_put(o, "report", intervals("interval_s", s->sim.sample_us, BK_US_PER_S, NULL, 0, 1)) ||
      bk_jdoc_put(o, "marks", intervals("window_s", s->sim.mark_window_us, BK_US_PER_S, "step_ms",
                                        s->sim.mark_step_us, 1000)) ||
      bk_jdoc_put(o, "depth_model", depth_json(s)) ||
      ((s->draws || bk_ranges_count(&s->ranges)) &&
       bk_jdoc_put(o, "uncertainty", uncertainty_json(s))) ||
      (s->calib_points && bk_jdoc_put(o, "calibration", calibration_json(s)));
  if (failed) json_decref(o);
  return failed ? NULL : o;
}

bk_rc bk_scenario_json(const bk_scenario *s, const char *dir, char **text, bk_err *err) {
  *text = NULL;
  bk_err_clear(err);
  json_t *o = scenario_json(s, dir, err);
  if (o) *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
  json_decref(o);
  if (*text) return BK_OK;
  return err->rc ? err->rc : bk_err_set(err, BK_ENOMEM, "out of memory");
}
