/*
 * The margin calculator's account file reader (see margin_account.h): instruments
 * through the shared contract reader, then the other collateral assets, then the account
 * (mode, positions, collateral), each refusal naming the key at fault.
 */
#include "config/margin_account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/contract_json.h"
#include "config/jdoc.h"
#include "engine/fixed.h"

typedef struct reader {
  bk_jdoc d;
  bk_err *err;
  bk_margin_account *m;
  int has_mark[BK_MARGIN_MAX_INSTRUMENTS];
} reader;

static bk_rc req_fx(reader *r, const json_t *o, const char *path, const char *key,
                    int64_t *out) {
  return bk_jdoc_req_fx(&r->d, r->err, o, path, key, out);
}

static int find_asset(const bk_margin_account *m, const char *name) {
  for (size_t i = 0; i < m->na; i++)
    if (!strcmp(m->assets[i].name, name)) return (int)i;
  return -1;
}

/* Index of an asset name, adding it (price 1, no haircut) when new. */
static int intern_asset(bk_margin_account *m, const char *name) {
  int i = find_asset(m, name);
  if (i >= 0 || m->na == BK_TIERS_MAX || strlen(name) >= sizeof m->assets[0].name) return i;
  memset(&m->assets[m->na], 0, sizeof m->assets[m->na]);
  snprintf(m->assets[m->na].name, sizeof m->assets[m->na].name, "%s", name);
  m->assets[m->na].price = BK_FX(1);
  return (int)m->na++;
}

static bk_rc read_instruments(reader *r, const json_t *ins) {
  bk_margin_account *m = r->m;
  if (!json_is_object(ins) || json_object_size(ins) == 0)
    return bk_jdoc_fail(&r->d, r->err, "instruments", "expected a non-empty object");
  const char *name;
  json_t *o;
  bk_rc rc;
  json_object_foreach((json_t *)ins, name, o) {
    char path[128];
    snprintf(path, sizeof path, "instruments.%s", name);
    if (m->nc == BK_MARGIN_MAX_INSTRUMENTS)
      return bk_jdoc_fail(&r->d, r->err, path, "more than %d instruments",
                          BK_MARGIN_MAX_INSTRUMENTS);
    if (strlen(name) >= sizeof m->names[0])
      return bk_jdoc_fail(&r->d, r->err, path, "name too long");
    bk_contract *c = &m->c[m->nc];
    const char *settle;
    if ((rc = bk_contract_json(&r->d, r->err, path, o, c, &settle))) return rc;
    snprintf(m->names[m->nc], sizeof m->names[0], "%s", name);
    int si = intern_asset(m, settle);
    if (si < 0) return bk_jdoc_fail(&r->d, r->err, path, "bad settle asset");
    c->settle = (uint32_t)si;
    m->nc++;
  }
  return BK_OK;
}

/* "assets": the price and haircut of collateral other than the settle asset. */
static bk_rc read_assets(reader *r, const json_t *assets) {
  static const char *const kas[] = {"price", "haircut", NULL};
  if (!assets) return BK_OK;
  if (!json_is_object(assets)) return bk_jdoc_fail(&r->d, r->err, "assets", "expected an object");
  const char *name;
  json_t *o;
  bk_rc rc;
  json_object_foreach((json_t *)assets, name, o) {
    char path[128];
    snprintf(path, sizeof path, "assets.%s", name);
    if ((rc = bk_jdoc_known(&r->d, r->err, path, o, kas))) return rc;
    int ai = intern_asset(r->m, name);
    if (ai < 0) return bk_jdoc_fail(&r->d, r->err, path, "bad asset name");
    bk_asset *as = &r->m->assets[ai];
    if ((rc = req_fx(r, o, path, "price", &as->price))) return rc;
    if (json_object_get(o, "haircut") && (rc = req_fx(r, o, path, "haircut", &as->haircut)))
      return rc;
    if (as->price <= 0 || as->haircut < 0 || as->haircut > BK_FX(1))
      return bk_jdoc_fail(&r->d, r->err, path, "price must be > 0, haircut in [0, 1]");
  }
  return BK_OK;
}

/* "account.mode": 1 for isolated, 0 for cross (the default); -1 after an error. */
static int read_mode(reader *r, const json_t *acc) {
  const json_t *mode = json_object_get(acc, "mode");
  if (!mode) return 0;
  const char *s = json_string_value(mode);
  if (!s || (strcmp(s, "cross") && strcmp(s, "isolated"))) {
    bk_jdoc_fail(&r->d, r->err, "account.mode", "expected \"cross\" or \"isolated\"");
    return -1;
  }
  return !strcmp(s, "isolated");
}

/* Index of the instrument a position names; -1 when none. */
static int position_instrument(const reader *r, const json_t *p) {
  const json_t *in = json_object_get(p, "instrument");
  int ci = -1;
  for (size_t i = 0; json_is_string(in) && i < r->m->nc; i++)
    if (!strcmp(r->m->names[i], json_string_value(in))) ci = (int)i;
  return ci;
}

/* One position at `path`: its instrument's mark, then the position itself; *settle is the
 * account's settle asset so far (-1 before the first position). */
static bk_rc read_position(reader *r, const json_t *p, const char *path, int iso, int *settle) {
  static const char *const kpos[] = {"instrument", "size", "entry", "mark", "margin", NULL};
  bk_margin_account *m = r->m;
  bk_rc rc;
  if ((rc = bk_jdoc_known(&r->d, r->err, path, p, kpos))) return rc;
  int ci = position_instrument(r, p);
  if (ci < 0)
    return bk_jdoc_fail(&r->d, r->err, path, "\"instrument\" must name one of \"instruments\"");
  bk_pos ps = {(uint32_t)ci, iso, 0, 0, 0, 0, 0, 0};
  int64_t mk;
  if ((rc = req_fx(r, p, path, "size", &ps.size)) ||
      (rc = req_fx(r, p, path, "entry", &ps.entry)) || (rc = req_fx(r, p, path, "mark", &mk)))
    return rc;
  if (ps.size == 0 || ps.entry <= 0 || mk <= 0)
    return bk_jdoc_fail(&r->d, r->err, path, "size must be non-zero, entry and mark > 0");
  if (r->has_mark[ci] && m->mark[ci] != mk)
    return bk_jdoc_fail(&r->d, r->err, path, "two marks for %s", m->names[ci]);
  m->mark[ci] = mk;
  r->has_mark[ci] = 1;
  if (bk_acct_find(&m->a, (uint32_t)ci) >= 0)
    return bk_jdoc_fail(&r->d, r->err, path, "a second position on %s", m->names[ci]);
  if (iso) {
    if ((rc = req_fx(r, p, path, "margin", &ps.margin))) return rc;
    if (ps.margin < 0) return bk_jdoc_fail(&r->d, r->err, path, "margin must be >= 0");
  } else if (json_object_get(p, "margin")) {
    return bk_jdoc_fail(&r->d, r->err, path, "\"margin\" is for isolated positions only");
  }
  if (*settle >= 0 && (uint32_t)*settle != m->c[ci].settle)
    return bk_jdoc_fail(&r->d, r->err, path,
                        "every position of one account must settle in the same asset");
  *settle = (int)m->c[ci].settle;
  if (bk_acct_set_pos(&m->a, &ps)) return bk_err_set(r->err, BK_ENOMEM, "no memory");
  return BK_OK;
}

static bk_rc read_positions(reader *r, const json_t *acc, int iso) {
  const json_t *pos = json_object_get(acc, "positions");
  if (!json_is_array(pos) || json_array_size(pos) == 0 ||
      json_array_size(pos) > BK_MARGIN_MAX_POSITIONS)
    return bk_jdoc_fail(&r->d, r->err, "account", "expected \"positions\": 1 to %d positions",
                        BK_MARGIN_MAX_POSITIONS);
  size_t pi;
  json_t *p;
  int settle = -1;
  bk_rc rc;
  json_array_foreach((json_t *)pos, pi, p) {
    char path[64];
    snprintf(path, sizeof path, "account.positions.%zu", pi);
    if ((rc = read_position(r, p, path, iso, &settle))) return rc;
  }
  r->m->a.settle = (uint32_t)settle;
  return BK_OK;
}

/* "account.collateral": the settle asset as cash, others (priced under "assets") as
 * collateral. */
static bk_rc read_collateral(reader *r, const json_t *acc, const json_t *assets) {
  bk_margin_account *m = r->m;
  const json_t *coll = json_object_get(acc, "collateral");
  if (!coll) return BK_OK;
  if (!json_is_object(coll))
    return bk_jdoc_fail(&r->d, r->err, "account.collateral", "expected an object");
  const char *name;
  json_t *v;
  bk_rc rc;
  json_object_foreach((json_t *)coll, name, v) {
    char path[128];
    snprintf(path, sizeof path, "account.collateral.%s", name);
    int64_t amt;
    if ((rc = bk_jdoc_fx(&r->d, r->err, path, v, &amt))) return rc;
    if (amt < 0) return bk_jdoc_fail(&r->d, r->err, path, "must be >= 0");
    int ai = find_asset(m, name);
    if (ai == (int)m->a.settle) {
      m->a.cash += amt;
    } else if (ai < 0 || !json_object_get(assets, name)) {
      return bk_jdoc_fail(&r->d, r->err, path,
                          "not the settle asset: give its price and haircut under \"assets\"");
    } else if (bk_acct_add_coll(&m->a, (uint32_t)ai, amt)) {
      return bk_err_set(r->err, BK_ENOMEM, "no memory");
    }
  }
  return BK_OK;
}

static bk_rc read_account(reader *r, const json_t *root) {
  static const char *const kacc[] = {"mode", "collateral", "positions", NULL};
  const json_t *assets = json_object_get(root, "assets");
  bk_rc rc = read_assets(r, assets);
  if (rc) return rc;
  const json_t *acc = json_object_get(root, "account");
  if (!acc) return bk_jdoc_fail(&r->d, r->err, "", "missing \"account\"");
  if ((rc = bk_jdoc_known(&r->d, r->err, "account", acc, kacc))) return rc;
  int iso = read_mode(r, acc);
  if (iso < 0) return BK_ECONFIG;
  if ((rc = read_positions(r, acc, iso))) return rc;
  return read_collateral(r, acc, assets);
}

bk_rc bk_margin_account_load(const char *path, bk_margin_account *m, bk_err *err) {
  static const char *const ktop[] = {"instruments", "assets", "account", "source", NULL};
  memset(m, 0, sizeof *m);
  bk_acct_init(&m->a, 0);
  reader r = {{NULL, 0, path}, err, m, {0}};
  char *text = bk_jdoc_slurp(path, &r.d.len, err);
  if (!text) return err->rc;
  r.d.text = text;
  json_t *root = bk_jdoc_parse(&r.d, err);
  bk_rc rc = root ? BK_OK : BK_ECONFIG;
  if (!rc) rc = bk_jdoc_known(&r.d, err, "", root, ktop);
  if (!rc) rc = read_instruments(&r, json_object_get(root, "instruments"));
  if (!rc) rc = read_account(&r, root);
  json_decref(root);
  free(text);
  return rc;
}

void bk_margin_account_free(bk_margin_account *m) { bk_acct_fini(&m->a); }
