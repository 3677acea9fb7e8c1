/*
 * Scenario populations (see population_json.h): JSON to the population models'
 * configurations in strategies/.
 */
#include "config/population_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/accounts_file.h"
#include "config/jdoc.h"
#include "engine/assumptions.h"
#include "engine/clock.h"
#include "engine/fixed.h"
#include "strategies/pop_accounts.h"
#include "strategies/pop_liqprint.h"
#include "strategies/pop_synth.h"

/* An optional decimal-string member: left as it is when absent. */
static bk_rc opt_fx(const bk_jdoc *d, bk_err *err, const json_t *o, const char *path,
                    const char *key, int64_t *out) {
  return json_object_get(o, key) ? bk_jdoc_req_fx(d, err, o, path, key, out) : BK_OK;
}

static bk_rc read_leverage(const bk_jdoc *d, bk_err *err, const json_t *v, const char *path,
                           bk_lev_config *lev) {
  static const char *const known[] = {"levels", "weights", "min", "max", NULL};
  char p[160];
  snprintf(p, sizeof p, "%s.leverage", path);
  bk_rc rc = bk_jdoc_known(d, err, p, v, known);
  if (rc) return rc;
  const json_t *levels = json_object_get(v, "levels"), *weights = json_object_get(v, "weights");
  if (levels || weights) {
    if (!json_is_array(levels) || !json_is_array(weights) ||
        json_array_size(levels) != json_array_size(weights) || json_array_size(levels) == 0 ||
        json_array_size(levels) > BK_LEV_POINTS)
      return bk_jdoc_fail(d, err, p, "expected \"levels\" and \"weights\" of the same length "
                          "(1 to %d)", BK_LEV_POINTS);
    lev->kind = BK_LEV_DISCRETE;
    lev->n = json_array_size(levels);
    for (size_t i = 0; i < lev->n; i++) {
      char q[200];
      snprintf(q, sizeof q, "%s.levels.%zu", p, i);
      if ((rc = bk_jdoc_fx(d, err, q, json_array_get(levels, i), &lev->lev[i]))) return rc;
      const json_t *w = json_array_get(weights, i);
      snprintf(q, sizeof q, "%s.weights.%zu", p, i);
      if (!json_is_integer(w) || json_integer_value(w) < 0 || json_integer_value(w) > 1000000)
        return bk_jdoc_fail(d, err, q, "expected a whole weight from 0 to 1000000");
      lev->weight[i] = (uint32_t)json_integer_value(w);
    }
    return BK_OK;
  }
  lev->kind = BK_LEV_LOGUNIFORM;
  if ((rc = bk_jdoc_req_fx(d, err, v, p, "min", &lev->min)) ||
      (rc = bk_jdoc_req_fx(d, err, v, p, "max", &lev->max)))
    return rc;
  return BK_OK;
}

/* "oi_path": [{"at": "2025-10-10T21:00:00Z", "scale": "1"}, ...] into *out (malloc'd,
 * *n points, times strictly increasing). */
static bk_rc read_oi_path(const bk_jdoc *d, bk_err *err, const json_t *v, const char *path,
                          bk_living_point **out, size_t *n) {
  static const char *const known[] = {"at", "scale", NULL};
  char p[160];
  snprintf(p, sizeof p, "%s.oi_path", path);
  if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 100000)
    return bk_jdoc_fail(d, err, p, "expected a list of {\"at\": time, \"scale\": \"1\"} "
                        "points (1 to 100000)");
  bk_living_point *pt = calloc(json_array_size(v), sizeof *pt);
  if (!pt) return bk_err_set(err, BK_ENOMEM, "out of memory");
  bk_rc rc = BK_OK;
  for (size_t i = 0; !rc && i < json_array_size(v); i++) {
    const json_t *o = json_array_get(v, i), *at = json_object_get(o, "at");
    char q[200];
    snprintf(q, sizeof q, "%s.%zu", p, i);
    if ((rc = bk_jdoc_known(d, err, q, o, known)) ||
        (rc = bk_jdoc_req_fx(d, err, o, q, "scale", &pt[i].scale)))
      break;
    if (!json_is_string(at) ||
        bk_time_parse(json_string_value(at), json_string_length(at), &pt[i].at) != BK_OK)
      rc = bk_jdoc_fail(d, err, q, "expected \"at\": a time such as \"2025-10-10T21:00:00Z\"");
    else if (pt[i].scale < 0)
      rc = bk_jdoc_fail(d, err, q, "expected a \"scale\" of 0 or more");
    else if (i > 0 && pt[i].at <= pt[i - 1].at)
      rc = bk_jdoc_fail(d, err, q, "points must come in strictly increasing time");
  }
  if (rc) {
    free(pt);
    return rc;
  }
  *out = pt;
  *n = json_array_size(v);
  return BK_OK;
}

/* The living keys: "living", "rebalance_s", "oi_path" (the path malloc'd into *pts). */
static bk_rc read_living(const bk_jdoc *d, bk_err *err, const json_t *o, const char *path,
                         bk_popsynth_config *c, bk_living_point **pts) {
  const json_t *v;
  char p[160];
  bk_rc rc;
  if ((v = json_object_get(o, "living"))) {
    snprintf(p, sizeof p, "%s.living", path);
    if (!json_is_boolean(v)) return bk_jdoc_fail(d, err, p, "expected true or false");
    c->living = json_is_true(v);
  }
  int64_t step_s = 0;
  if ((rc = opt_fx(d, err, o, path, "rebalance_s", &step_s))) return rc;
  if (json_object_get(o, "rebalance_s")) {
    snprintf(p, sizeof p, "%s.rebalance_s", path);
    if (step_s < 100) return bk_jdoc_fail(d, err, p, "expected at least one microsecond");
    c->rebalance_us = step_s / 100; /* e-8 seconds to µs */
  }
  if ((v = json_object_get(o, "oi_path")) &&
      (rc = read_oi_path(d, err, v, path, pts, &c->npath)))
    return rc;
  c->oi_path = *pts;
  return BK_OK;
}

/* The names the synthetic population derives each contract's stream from:
 * "exchange:symbol" (malloc'd, one block; NULL on no memory). */
static char **contract_names(const bk_specs *sp, const bk_instruments *instr) {
  enum { LEN = sizeof instr->v[0].exchange + sizeof instr->v[0].symbol };
  char **v = malloc(sp->ncontracts * (sizeof *v + LEN) + 1);
  if (!v) return NULL;
  char *text = (char *)(v + sp->ncontracts);
  for (size_t k = 0; k < sp->ncontracts; k++) {
    const bk_instrument *in = &instr->v[sp->instr_of[k]];
    v[k] = text + k * LEN;
    snprintf(v[k], LEN, "%s:%s", in->exchange, in->symbol);
  }
  return v;
}

/* The run's contract a "price_from" names: "exchange:symbol" or a symbol alone; -1 none
 * (or, for a symbol alone, several). */
static long contract_named(const bk_specs *sp, const bk_instruments *instr, const char *s) {
  long hit = -1;
  for (size_t k = 0; k < sp->ncontracts; k++) {
    const bk_instrument *in = &instr->v[sp->instr_of[k]];
    char full[sizeof in->exchange + sizeof in->symbol];
    snprintf(full, sizeof full, "%s:%s", in->exchange, in->symbol);
    if (!strcmp(full, s)) return (long)k;
    if (!strcmp(in->symbol, s)) hit = hit < 0 ? (long)k : -2;
  }
  return hit < 0 ? -1 : hit;
}

/* A population's "collateral" (engine/collateral.h, strategies/pop_synth.h), its assets
 * added to the simulation in order:
 *   {"share": "0.3", "assets": [{"asset": "BTC", "price_from": "exchange:SYMBOL",
 *                                "haircut": "0.05", "weight": "1"}]}
 * The synthetic model takes "share" (required) and weights (default 1); the accounts
 * model takes the assets alone, which its file names. mix gets the simulation's indices,
 * names[j] the name of asset j (borrowed from the document). */
static bk_rc read_collateral(const bk_jdoc *d, bk_err *err, const json_t *v, const char *path,
                             const bk_specs *sp, const bk_instruments *instr, int synthetic,
                             bk_sim *s, bk_coll_mix *mix, const char **names) {
  static const char *const known_syn[] = {"share", "assets", NULL};
  static const char *const known_acc[] = {"assets", NULL};
  static const char *const asset_syn[] = {"asset", "price_from", "haircut", "weight", NULL};
  static const char *const asset_acc[] = {"asset", "price_from", "haircut", NULL};
  char p[160], q[200];
  snprintf(p, sizeof p, "%s.collateral", path);
  bk_rc rc = bk_jdoc_known(d, err, p, v, synthetic ? known_syn : known_acc);
  if (rc || (synthetic && (rc = bk_jdoc_req_fx(d, err, v, p, "share", &mix->share)))) return rc;
  if (mix->share < 0 || mix->share > BK_FX(1))
    return bk_jdoc_fail(d, err, p, "expected a \"share\" from 0 to 1");
  const json_t *as = json_object_get(v, "assets");
  if (!json_is_array(as) || json_array_size(as) == 0 || json_array_size(as) > BK_COLL_MIX_MAX)
    return bk_jdoc_fail(d, err, p, "expected \"assets\": a list of 1 to %d assets",
                        BK_COLL_MIX_MAX);
  for (size_t j = 0; j < json_array_size(as); j++) {
    const json_t *a = json_array_get(as, j), *name = json_object_get(a, "asset"),
                 *from = json_object_get(a, "price_from");
    snprintf(q, sizeof q, "%s.assets.%zu", p, j);
    int64_t haircut = 0;
    mix->weight[j] = BK_FX(1);
    if ((rc = bk_jdoc_known(d, err, q, a, synthetic ? asset_syn : asset_acc)) ||
        (rc = bk_jdoc_req_fx(d, err, a, q, "haircut", &haircut)) ||
        (rc = opt_fx(d, err, a, q, "weight", &mix->weight[j])))
      return rc;
    if (!json_is_string(name) || json_string_length(name) == 0 ||
        json_string_length(name) >= sizeof ((bk_asset *)0)->name)
      return bk_jdoc_fail(d, err, q, "expected \"asset\": a name of 1 to %zu characters",
                          sizeof ((bk_asset *)0)->name - 1);
    long k = json_is_string(from) ? contract_named(sp, instr, json_string_value(from)) : -1;
    if (k < 0)
      return bk_jdoc_fail(d, err, q, "expected \"price_from\": a contract of the run "
                          "(exchange:symbol), whose mark prices the asset");
    if (haircut < 0 || haircut >= BK_FX(1))
      return bk_jdoc_fail(d, err, q, "expected a \"haircut\" from 0 below 1");
    if (mix->weight[j] < 0) return bk_jdoc_fail(d, err, q, "expected a \"weight\" of 0 or more");
    if (bk_sim_add_collateral(s, json_string_value(name), haircut, (uint32_t)k,
                              &mix->asset[j]))
      return bk_jdoc_fail(d, err, q, "%s", bk_sim_err(s)->msg);
    names[j] = json_string_value(name);
  }
  mix->n = json_array_size(as);
  return BK_OK;
}

/* Which populations to build, for which draw. */
typedef struct pick {
  uint64_t draw;
  const bk_assumptions *as; /* the draw's assumptions (synthetic scales), NULL: the base */
  int64_t oi_scale;   /* > 0: the synthetic populations' scale, in place of their own */
  int synthetic_only; /* 1: the other models are left out */
  size_t built;       /* populations added so far */
} pick;

static bk_rc synthetic(const bk_jdoc *d, bk_err *err, const json_t *o, const char *path,
                       const bk_scenario *sc, const bk_specs *sp, const bk_instruments *instr,
                       const pick *pk, const bk_coll_mix *mix, bk_population **out) {
  static const char *const known[] = {"description", "model", "accounts_per_contract", "seed",
                                      "leverage", "cushion", "oi_share", "oi_scale",
                                      "volume_multiple", "lot", "open_interest_usd", "bucket_s",
                                      "survivors_only", "living", "rebalance_s", "oi_path",
                                      "second_leg_share", "collateral", NULL};
  bk_rc rc = bk_jdoc_known(d, err, path, o, known);
  if (rc) return rc;
  bk_popsynth_config c;
  bk_popsynth_config_init(&c);
  c.seed = sc->seed;
  c.coll = *mix;
  const json_t *v;
  char p[160];
  if ((v = json_object_get(o, "accounts_per_contract"))) {
    snprintf(p, sizeof p, "%s.accounts_per_contract", path);
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 10000000)
      return bk_jdoc_fail(d, err, p, "expected a whole number from 1 to 10000000");
    c.accounts = (size_t)json_integer_value(v);
  }
  if ((v = json_object_get(o, "seed"))) {
    snprintf(p, sizeof p, "%s.seed", path);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
      return bk_jdoc_fail(d, err, p, "expected a non-negative integer");
    c.seed = (uint64_t)json_integer_value(v);
  }
  if ((v = json_object_get(o, "survivors_only"))) {
    snprintf(p, sizeof p, "%s.survivors_only", path);
    if (!json_is_boolean(v)) return bk_jdoc_fail(d, err, p, "expected true or false");
    c.survivors_only = json_is_true(v);
  }
  if ((v = json_object_get(o, "leverage")) && (rc = read_leverage(d, err, v, path, &c.lev)))
    return rc;
  int64_t bucket_s = 0;
  if ((rc = opt_fx(d, err, o, path, "cushion", &c.cushion)) ||
      (rc = opt_fx(d, err, o, path, "oi_share", &c.oi_share)) ||
      (rc = opt_fx(d, err, o, path, "second_leg_share", &c.second_leg_share)) ||
      (rc = opt_fx(d, err, o, path, "oi_scale", &c.oi_scale)) ||
      (rc = opt_fx(d, err, o, path, "volume_multiple", &c.volume_multiple)) ||
      (rc = opt_fx(d, err, o, path, "lot", &c.lot)) ||
      (rc = opt_fx(d, err, o, path, "bucket_s", &bucket_s)))
    return rc;
  if (c.oi_scale <= 0 || c.oi_scale > BK_MAX_SCALE) {
    snprintf(p, sizeof p, "%s.oi_scale", path);
    return bk_jdoc_fail(d, err, p, "expected a scale above 0 and at most 1000 (a larger "
                        "target overflows)");
  }
  if (bucket_s > 0) c.bucket_us = bucket_s / 100; /* e-8 seconds to µs */
  if (pk->oi_scale > 0) c.oi_scale = pk->oi_scale;
  int64_t *targets = NULL;
  if ((v = json_object_get(o, "open_interest_usd"))) {
    snprintf(p, sizeof p, "%s.open_interest_usd", path);
    if (!json_is_object(v)) return bk_jdoc_fail(d, err, p, "expected { \"SYMBOL\": \"notional\" }");
    targets = calloc(sp->ncontracts, sizeof *targets);
    if (!targets) return bk_err_set(err, BK_ENOMEM, "out of memory");
    const char *sym;
    json_t *x;
    json_object_foreach((json_t *)v, sym, x) {
      char q[200];
      snprintf(q, sizeof q, "%s.%s", p, sym);
      int found = 0;
      for (size_t k = 0; k < sp->ncontracts; k++)
        if (!strcmp(instr->v[sp->instr_of[k]].symbol, sym)) {
          found = 1;
          if ((rc = bk_jdoc_fx(d, err, q, x, &targets[k]))) break;
        }
      if (!rc && !found) rc = bk_jdoc_fail(d, err, q, "no such instrument in the data");
      if (rc) break;
    }
    c.target_quote = targets;
    c.ntarget = sp->ncontracts;
  }
  bk_living_point *pts = NULL;
  if (!rc) rc = read_living(d, err, o, path, &c, &pts);
  char **names = NULL;
  if (!rc && !(names = contract_names(sp, instr))) rc = bk_err_set(err, BK_ENOMEM, "out of memory");
  c.names = (const char *const *)names;
  c.nnames = sp->ncontracts;
  c.draw = pk->draw;
  if (pk->as) {
    c.lev_scale = pk->as->v[BK_AS_LEVERAGE_SCALE];
    if (!rc && bk_fx_mul(c.oi_scale, pk->as->v[BK_AS_OI_SCALE], BK_FLOOR, &c.oi_scale))
      rc = bk_jdoc_fail(d, err, path, "the drawn OI scale overflows");
  }
  if (!rc && (rc = bk_pop_synth_new(&c, out, err)) == BK_ECONFIG) {
    bk_err why = *err; /* the population's own check: give it the section's place */
    rc = bk_jdoc_fail(d, err, path, "%s", why.msg);
  }
  free(names);
  free(targets);
  free(pts);
  return rc;
}

static bk_rc liquidation_prints(const bk_jdoc *d, bk_err *err, const json_t *o,
                                const char *path, bk_population **out) {
  static const char *const known[] = {"model", "leverage", "lot", NULL};
  bk_rc rc = bk_jdoc_known(d, err, path, o, known);
  if (rc) return rc;
  bk_liqprint_config c;
  bk_liqprint_config_init(&c);
  if ((rc = opt_fx(d, err, o, path, "leverage", &c.lev)) ||
      (rc = opt_fx(d, err, o, path, "lot", &c.lot)))
    return rc;
  rc = bk_pop_liqprint_new(&c, out, err);
  if (rc) {
    bk_err why = *err;
    return bk_jdoc_fail(d, err, path, "%s", why.msg);
  }
  return BK_OK;
}

static bk_rc accounts(const bk_jdoc *d, bk_err *err, const json_t *o, const char *path,
                      const bk_scenario *sc, const bk_specs *sp, const bk_instruments *instr,
                      const bk_coll_mix *mix, const char *const *coll_names,
                      bk_population **out) {
  static const char *const known[] = {"model", "file", "collateral", NULL};
  bk_rc rc = bk_jdoc_known(d, err, path, o, known);
  if (rc) return rc;
  const json_t *f = json_object_get(o, "file");
  if (!json_is_string(f) || !json_string_length(f))
    return bk_jdoc_fail(d, err, path, "expected \"file\": an accounts file (JSON or CSV)");
  char file[2048];
  if (json_string_value(f)[0] == '/' || !sc->dir[0])
    snprintf(file, sizeof file, "%s", json_string_value(f));
  else
    snprintf(file, sizeof file, "%s/%s", sc->dir, json_string_value(f));
  size_t nk = sp->ncontracts;
  const char **symbols = calloc(nk, sizeof *symbols), **exchanges = calloc(nk, sizeof *exchanges);
  uint32_t *settle_of = calloc(nk, sizeof *settle_of);
  const char *assets[BK_LEDGER_ASSETS];
  bk_acctlist list;
  bk_acctlist_init(&list);
  if (!symbols || !exchanges || !settle_of) {
    rc = bk_err_set(err, BK_ENOMEM, "out of memory");
    goto out;
  }
  for (size_t k = 0; k < nk; k++) {
    symbols[k] = instr->v[sp->instr_of[k]].symbol;
    exchanges[k] = instr->v[sp->instr_of[k]].exchange;
    settle_of[k] = sp->contracts[k].settle;
  }
  for (size_t a = 0; a < sp->nassets; a++) assets[a] = sp->assets[a].name;
  bk_accounts_names names = {symbols,     exchanges, settle_of, nk, assets, sp->nassets,
                             coll_names, mix->n};
  if ((rc = bk_accounts_file_load(file, &names, &list, err))) goto out;
  for (size_t j = 0; j < list.ncoll; j++) /* the file's names to the simulation's assets */
    list.coll[j].asset = mix->asset[list.coll[j].asset];
  rc = bk_pop_accounts_new(&list, out, err); /* takes the list over */
  free(symbols);
  free(exchanges);
  free(settle_of);
  return rc;
out:
  bk_acctlist_fini(&list);
  free(symbols);
  free(exchanges);
  free(settle_of);
  return rc;
}

static bk_rc one(const bk_scenario *sc, const bk_specs *sp, const bk_instruments *instr,
                 const json_t *o, const char *path, pick *pk, bk_sim *s,
                 bk_population **liqprint, bk_err *err) {
  bk_jdoc d = bk_scenario_doc(sc);
  if (!json_is_object(o)) return bk_jdoc_fail(&d, err, path, "expected a population object");
  const json_t *m = json_object_get(o, "model");
  const char *model = json_is_string(m) ? json_string_value(m) : "";
  bk_population *p = NULL;
  bk_rc rc = BK_OK;
  if (pk->synthetic_only && strcmp(model, "synthetic")) return BK_OK;
  bk_coll_mix mix;
  const char *coll_names[BK_COLL_MIX_MAX];
  memset(&mix, 0, sizeof mix);
  const json_t *coll = json_object_get(o, "collateral");
  int takes = !strcmp(model, "synthetic") || !strcmp(model, "accounts");
  if (coll && takes &&
      (rc = read_collateral(&d, err, coll, path, sp, instr, !strcmp(model, "synthetic"), s,
                            &mix, coll_names)))
    return rc;
  if (!strcmp(model, "synthetic"))
    rc = synthetic(&d, err, o, path, sc, sp, instr, pk, &mix, &p);
  else if (!strcmp(model, "liquidation_prints")) rc = liquidation_prints(&d, err, o, path, &p);
  else if (!strcmp(model, "accounts"))
    rc = accounts(&d, err, o, path, sc, sp, instr, &mix, coll_names, &p);
  else
    return bk_jdoc_fail(&d, err, path, "expected \"model\": \"synthetic\", "
                        "\"liquidation_prints\" or \"accounts\"");
  if (rc) return rc;
  int is_liqprint = !strcmp(model, "liquidation_prints");
  rc = bk_sim_add_population(s, p);
  pk->built += !rc;
  if (rc) *err = *bk_sim_err(s);
  else if (is_liqprint && liqprint) *liqprint = p;
  return rc;
}

static bk_rc add_picked(const bk_scenario *sc, const bk_specs *sp, const bk_instruments *instr,
                        pick *pk, bk_sim *s, bk_population **liqprint, bk_err *err) {
  const json_t *pop = sc->population;
  if (liqprint) *liqprint = NULL;
  if (!pop) return BK_OK;
  if (json_is_object(pop)) return one(sc, sp, instr, pop, "population", pk, s, liqprint, err);
  size_t i;
  json_t *o;
  json_array_foreach(pop, i, o) {
    char path[64];
    snprintf(path, sizeof path, "population.%zu", i);
    bk_rc rc = one(sc, sp, instr, o, path, pk, s, liqprint, err);
    if (rc) return rc;
  }
  return BK_OK;
}

bk_rc bk_populations_add(const bk_scenario *sc, const bk_specs *sp,
                         const bk_instruments *instr, uint64_t draw,
                         const bk_assumptions *as, bk_sim *s, bk_population **liqprint,
                         bk_err *err) {
  pick pk = {.draw = draw, .as = as};
  return add_picked(sc, sp, instr, &pk, s, liqprint, err);
}

bk_rc bk_populations_add_scaled(const bk_scenario *sc, const bk_specs *sp,
                                const bk_instruments *instr, int64_t oi_scale, bk_sim *s,
                                bk_err *err) {
  pick pk = {.oi_scale = oi_scale, .synthetic_only = 1};
  bk_rc rc = add_picked(sc, sp, instr, &pk, s, NULL, err);
  if (!rc && !pk.built)
    rc = bk_err_set(err, BK_ECONFIG, "calibration: the scenario has no \"synthetic\" "
                    "population to fit");
  return rc;
}

/* 1 when one of the scenario's populations o has has(o). */
static int any_population(const bk_scenario *sc, int (*has)(const json_t *o)) {
  const json_t *pop = sc->population, *o;
  if (json_is_object(pop)) return has(pop);
  size_t i;
  json_array_foreach(pop, i, o) if (has(o)) return 1;
  return 0;
}

static int is_living(const json_t *o) { return json_is_true(json_object_get(o, "living")); }

static int has_second_legs(const json_t *o) {
  const json_t *v = json_object_get(o, "second_leg_share");
  int64_t share = 0;
  return json_is_string(v) &&
         bk_fx_parse(json_string_value(v), json_string_length(v), &share, NULL) == BK_OK &&
         share != 0;
}

int bk_populations_living(const bk_scenario *sc) { return any_population(sc, is_living); }

int bk_populations_second_legs(const bk_scenario *sc) {
  return any_population(sc, has_second_legs);
}
