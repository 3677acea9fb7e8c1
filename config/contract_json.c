/*
 * Contract specifications from JSON (see contract_json.h).
 */
#include "config/contract_json.h"

#include <stdio.h>
#include <string.h>

#include "config/safename.h"

bk_rc bk_contract_json(const bk_jdoc *d, bk_err *err, const char *path, const json_t *o,
                       bk_contract *c, const char **settle_out) {
  static const char *const kin[] = {"kind", "tick", "contract_size", "settle", "mm_basis",
                                    "tiers", NULL};
  static const char *const ktier[] = {"floor", "mmr", "maint_amount", "max_leverage", NULL};
  bk_rc rc;
  if (!json_is_object(o)) return bk_jdoc_fail(d, err, path, "expected an object");
  if ((rc = bk_jdoc_known(d, err, path, o, kin))) return rc;
  memset(c, 0, sizeof *c);
  const json_t *kind = json_object_get(o, "kind");
  char p[256];
  snprintf(p, sizeof p, "%s.kind", path);
  if (!json_is_string(kind) || (strcmp(json_string_value(kind), "linear") &&
                                strcmp(json_string_value(kind), "inverse")))
    return bk_jdoc_fail(d, err, json_is_string(kind) ? p : path,
                        "expected \"kind\": \"linear\" or \"inverse\"");
  c->kind = strcmp(json_string_value(kind), "inverse") ? BK_LINEAR : BK_INVERSE;
  const json_t *basis = json_object_get(o, "mm_basis");
  if (basis) {
    snprintf(p, sizeof p, "%s.mm_basis", path);
    if (!json_is_string(basis) || (strcmp(json_string_value(basis), "mark") &&
                                   strcmp(json_string_value(basis), "entry")))
      return bk_jdoc_fail(d, err, p, "expected \"mark\" or \"entry\"");
    c->mm_basis = strcmp(json_string_value(basis), "entry") ? BK_MM_MARK : BK_MM_ENTRY;
  }
  if ((rc = bk_jdoc_req_fx(d, err, o, path, "tick", &c->tick)) ||
      (rc = bk_jdoc_req_fx(d, err, o, path, "contract_size", &c->contract_size)))
    return rc;
  if (c->tick <= 0) return bk_jdoc_fail(d, err, path, "tick must be > 0");
  if (c->contract_size <= 0) return bk_jdoc_fail(d, err, path, "contract_size must be > 0");
  const json_t *settle = json_object_get(o, "settle");
  if (!json_is_string(settle) || !json_string_length(settle) || json_string_length(settle) >= 16)
    return bk_jdoc_fail(d, err, path, "expected \"settle\": an asset name of 1 to 15 characters");
  if (!bk_name_ok(json_string_value(settle), json_string_length(settle))) {
    char shown[300];
    snprintf(p, sizeof p, "%s.settle", path);
    return bk_jdoc_fail(d, err, p, "settle asset %s: an asset name must be " BK_NAME_RULE
                        " (it becomes a column name, a chart label and a file name)",
                        bk_name_print(json_string_value(settle), json_string_length(settle),
                                      shown, sizeof shown));
  }
  *settle_out = json_string_value(settle);
  const json_t *tiers = json_object_get(o, "tiers");
  if (!json_is_array(tiers) || json_array_size(tiers) == 0 ||
      json_array_size(tiers) > BK_TIERS_MAX)
    return bk_jdoc_fail(d, err, path, "expected \"tiers\": 1 to %d tiers", BK_TIERS_MAX);
  size_t ti;
  json_t *t;
  json_array_foreach(tiers, ti, t) {
    char tp[256];
    snprintf(tp, sizeof tp, "%s.tiers.%zu", path, ti);
    if ((rc = bk_jdoc_known(d, err, tp, t, ktier))) return rc;
    bk_tier *x = &c->tiers.v[ti];
    x->maint_amount = -1;
    if ((rc = bk_jdoc_req_fx(d, err, t, tp, "floor", &x->floor)) ||
        (rc = bk_jdoc_req_fx(d, err, t, tp, "mmr", &x->mmr)))
      return rc;
    if (json_object_get(t, "maint_amount") &&
        (rc = bk_jdoc_req_fx(d, err, t, tp, "maint_amount", &x->maint_amount)))
      return rc;
    if (json_object_get(t, "maint_amount") && x->maint_amount < 0)
      return bk_jdoc_fail(d, err, tp, "maint_amount must be >= 0");
    if (json_object_get(t, "max_leverage") &&
        (rc = bk_jdoc_req_fx(d, err, t, tp, "max_leverage", &x->max_lev)))
      return rc;
  }
  c->tiers.n = json_array_size(tiers);
  bk_err why;
  if (bk_tiers_finish(&c->tiers, &why)) {
    char tp[256];
    snprintf(tp, sizeof tp, "%s.tiers", path);
    return bk_jdoc_fail(d, err, tp, "%s", why.msg);
  }
  return BK_OK;
}

/* ---- back to JSON ---- */

static json_t *tier_json(const bk_tier *t) {
  json_t *o = json_object();
  if (!o || bk_jdoc_put(o, "floor", bk_jdoc_fx_value(t->floor)) ||
      bk_jdoc_put(o, "mmr", bk_jdoc_fx_value(t->mmr)) ||
      bk_jdoc_put(o, "maint_amount", bk_jdoc_fx_value(t->maint_amount)) ||
      (t->max_lev && bk_jdoc_put(o, "max_leverage", bk_jdoc_fx_value(t->max_lev)))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

json_t *bk_contract_json_dump(const bk_contract *c, const char *settle, json_t *o) {
  json_t *tiers = json_array();
  int failed = !tiers ||
               bk_jdoc_put(o, "kind", json_string(c->kind == BK_INVERSE ? "inverse" : "linear")) ||
               bk_jdoc_put(o, "tick", bk_jdoc_fx_value(c->tick)) ||
               bk_jdoc_put(o, "contract_size", bk_jdoc_fx_value(c->contract_size)) ||
               bk_jdoc_put(o, "settle", json_string(settle)) ||
               bk_jdoc_put(o, "mm_basis",
                           json_string(c->mm_basis == BK_MM_ENTRY ? "entry" : "mark"));
  for (size_t i = 0; !failed && i < c->tiers.n; i++) {
    json_t *t = tier_json(&c->tiers.v[i]);
    failed = !t || json_array_append_new(tiers, t);
  }
  if (failed || bk_jdoc_put(o, "tiers", tiers)) {
    if (failed) json_decref(tiers);
    return NULL;
  }
  return o;
}
