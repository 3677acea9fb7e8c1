/*
 * Policy JSON reader (see policy_json.h). Runs once per policy file, so it favours
 * precise messages over speed: the tree is walked with a list of known keys per object,
 * and errors point into the text through the document helpers of jdoc.h.
 */
#include "config/policy_json.h"

#include "config/safename.h"
#include "engine/fixed.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the policy ---- */

/* The words of the enumerated settings, in the order of their BK_* values. */
static const char *const w_pen[] = {"fee", "remaining_margin", NULL};
static const char *const w_lim[] = {"bankruptcy", "fillable", "none", NULL};
static const char *const w_size[] = {"all", "to_health", NULL};
static const char *const w_rem[] = {"slice", "takeover", "waterfall", NULL};
static const char *const w_off[] = {"hold", "immediate", "gradual", NULL};
static const char *const w_trig[] = {"negative_equity", "drawdown", "net_position", "never",
                                     NULL};
static const char *const w_act[] = {"adl", "socialize", NULL};
static const char *const w_rank[] = {"bitmex", "hyperliquid", "dydx", NULL};
static const char *const w_soc[] = {"profit", "open_interest", NULL};
static const char *const w_rule[] = {"queue", "pro_rata", "capped_pro_rata", "risk_pro_rata",
                                     "contract_pro_rata", "leverage_fill", NULL};

typedef struct pctx {
  bk_jdoc d;
  bk_err *err;
  char base[128]; /* dotted path of the policy object */
} pctx;

static const char *at(pctx *c, char *buf, size_t cap, const char *sect, const char *key) {
  snprintf(buf, cap, "%s%s%s%s%s", c->base, *c->base ? "." : "", sect, *sect ? "." : "", key);
  return buf;
}

static bk_rc fx(pctx *c, const json_t *o, const char *sect, const char *key, int64_t *out) {
  const json_t *v = json_object_get(o, key);
  if (!v) return BK_OK;
  char p[256];
  return bk_jdoc_fx(&c->d, c->err, at(c, p, sizeof p, sect, key), v, out);
}

/* A duration in seconds as a decimal string ("30", "0.5") into µs. */
static bk_rc secs(pctx *c, const json_t *o, const char *sect, const char *key, int64_t *us) {
  int64_t v = INT64_MIN;
  bk_rc rc = fx(c, o, sect, key, &v);
  if (rc || v == INT64_MIN) return rc;
  char p[256];
  if (v < 0) return bk_jdoc_fail(&c->d, c->err, at(c, p, sizeof p, sect, key), "must be >= 0");
  if (bk_fx_muldiv(v, 1000000, BK_FX_SCALE, BK_FLOOR, us))
    return bk_jdoc_fail(&c->d, c->err, at(c, p, sizeof p, sect, key), "too large");
  return BK_OK;
}

/* fund.initial: one decimal string (the run's only settle asset), or an object of
 * decimal strings by settle asset name. */
static bk_rc fund_initial(pctx *c, const json_t *o, bk_policy *p) {
  const json_t *v = json_object_get(o, "initial");
  char path[256];
  if (!v) return BK_OK;
  at(c, path, sizeof path, "fund", "initial");
  int64_t amount;
  bk_rc rc;
  if (!json_is_object(v)) {
    if ((rc = bk_jdoc_fx(&c->d, c->err, path, v, &amount))) return rc;
    return bk_policy_set_fund(p, "", amount, c->err) ? bk_jdoc_fail(&c->d, c->err, path, "%s",
                                                                    c->err->msg)
                                                     : BK_OK;
  }
  const char *name;
  json_t *x;
  json_object_foreach((json_t *)v, name, x) {
    char sub[300];
    snprintf(sub, sizeof sub, "%s.%s", path, name);
    if (!*name)
      return bk_jdoc_fail(&c->d, c->err, sub, "an asset name cannot be empty");
    if ((rc = bk_jdoc_fx(&c->d, c->err, sub, x, &amount))) return rc;
    if (bk_policy_set_fund(p, name, amount, c->err))
      return bk_jdoc_fail(&c->d, c->err, sub, "%s", c->err->msg);
  }
  return BK_OK;
}

/* A string of 1 to cap - 1 characters into out. */
static bk_rc text(pctx *c, const json_t *v, const char *path, char *out, size_t cap) {
  if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= cap)
    return bk_jdoc_fail(&c->d, c->err, path, "expected a string of 1 to %zu characters",
                        cap - 1);
  snprintf(out, cap, "%s", json_string_value(v));
  return BK_OK;
}

/* One shared fund: {"name", "assets": ["BTC", ...] or ["*"], "currency", "initial"}. */
static bk_rc fund_pool(pctx *c, const json_t *v, const char *path, bk_pool_spec *ps) {
  static const char *const keys[] = {"name", "assets", "currency", "initial", NULL};
  char sub[300];
  bk_rc rc;
  if (!json_is_object(v)) return bk_jdoc_fail(&c->d, c->err, path, "expected an object");
  if ((rc = bk_jdoc_known(&c->d, c->err, path, v, keys))) return rc;
  const json_t *n = json_object_get(v, "name"), *a = json_object_get(v, "assets"),
               *cur = json_object_get(v, "currency");
  snprintf(sub, sizeof sub, "%s.name", path);
  if ((rc = text(c, n, sub, ps->name, sizeof ps->name))) return rc;
  snprintf(sub, sizeof sub, "%s.currency", path);
  if ((rc = text(c, cur, sub, ps->currency, sizeof ps->currency))) return rc;
  snprintf(sub, sizeof sub, "%s.assets", path);
  if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > BK_LEDGER_ASSETS)
    return bk_jdoc_fail(&c->d, c->err, sub, "expected a list of 1 to %d settle asset names "
                        "(\"*\": every one)", BK_LEDGER_ASSETS);
  ps->nassets = json_array_size(a);
  for (size_t i = 0; i < ps->nassets; i++) {
    snprintf(sub, sizeof sub, "%s.assets[%zu]", path, i);
    if ((rc = text(c, json_array_get(a, i), sub, ps->assets[i], sizeof ps->assets[i])))
      return rc;
  }
  const json_t *init = json_object_get(v, "initial");
  snprintf(sub, sizeof sub, "%s.initial", path);
  if (init && (rc = bk_jdoc_fx(&c->d, c->err, sub, init, &ps->initial))) return rc;
  if (ps->initial < 0) return bk_jdoc_fail(&c->d, c->err, sub, "must be >= 0");
  return BK_OK;
}

/* fund.pools: a list of shared funds. */
static bk_rc fund_pools(pctx *c, const json_t *o, bk_policy *p) {
  const json_t *v = json_object_get(o, "pools");
  char path[256], sub[300];
  if (!v) return BK_OK;
  at(c, path, sizeof path, "fund", "pools");
  if (!json_is_array(v) || json_array_size(v) > BK_POOLS)
    return bk_jdoc_fail(&c->d, c->err, path, "expected a list of at most %d pools", BK_POOLS);
  p->npools = json_array_size(v);
  for (size_t i = 0; i < p->npools; i++) {
    snprintf(sub, sizeof sub, "%s[%zu]", path, i);
    bk_rc rc = fund_pool(c, json_array_get(v, i), sub, &p->pools[i]);
    if (rc) return rc;
  }
  return BK_OK;
}

/* reinsurance: {"premium_share", "limit", "currency"}. */
static bk_rc reinsurance(pctx *c, const json_t *o, bk_policy *p) {
  const json_t *cur = json_object_get(o, "currency");
  char path[256];
  bk_rc rc;
  if ((rc = fx(c, o, "reinsurance", "premium_share", &p->reins_share)) ||
      (rc = fx(c, o, "reinsurance", "limit", &p->reins_limit)))
    return rc;
  return cur ? text(c, cur, at(c, path, sizeof path, "reinsurance", "currency"),
                    p->reins_currency, sizeof p->reins_currency)
             : BK_OK;
}

/* fees.spread_capture: {"taker_share": fraction, "liquidation": true/false,
 * "fund_share": fraction, "liquidation_horizon_s": seconds}, each key optional
 * (engine/capture.h). */
static bk_rc spread_capture(pctx *c, const json_t *f, bk_policy *p) {
  static const char *const keys[] = {"taker_share", "liquidation", "fund_share",
                                     "liquidation_horizon_s", NULL};
  const json_t *o = json_object_get(f, "spread_capture");
  char path[256], sub[300];
  if (!o) return BK_OK;
  at(c, path, sizeof path, "fees", "spread_capture");
  if (!json_is_object(o))
    return bk_jdoc_fail(&c->d, c->err, path, "expected an object with taker_share, "
                        "liquidation, fund_share and liquidation_horizon_s");
  bk_rc rc = bk_jdoc_known(&c->d, c->err, path, o, keys);
  if (rc || (rc = fx(c, o, "fees.spread_capture", "taker_share", &p->spread_taker_share)) ||
      (rc = fx(c, o, "fees.spread_capture", "fund_share", &p->spread_fund_share)) ||
      (rc = secs(c, o, "fees.spread_capture", "liquidation_horizon_s", &p->spread_horizon_us)))
    return rc;
  const json_t *v = json_object_get(o, "liquidation");
  if (!v) return BK_OK;
  snprintf(sub, sizeof sub, "%s.liquidation", path);
  if (!json_is_boolean(v)) return bk_jdoc_fail(&c->d, c->err, sub, "expected true or false");
  p->spread_liquidation = json_is_true(v);
  return BK_OK;
}

static bk_rc word(pctx *c, const json_t *o, const char *sect, const char *key,
                  const char *const *words, int *out) {
  const json_t *v = json_object_get(o, key);
  if (!v) return BK_OK;
  char p[256];
  at(c, p, sizeof p, sect, key);
  if (json_is_string(v))
    for (int i = 0; words[i]; i++)
      if (!strcmp(words[i], json_string_value(v))) {
        *out = i;
        return BK_OK;
      }
  char list[200] = "";
  for (int i = 0; words[i]; i++) {
    strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
    strncat(list, words[i], sizeof list - strlen(list) - 1);
  }
  return bk_jdoc_fail(&c->d, c->err, p, "expected one of: %s", list);
}

/* adaptive_margin: the section of stress.h's multiplier (absent: off). */
static bk_rc adaptive_margin(pctx *c, const json_t *obj, bk_adaptive_margin *am) {
  static const char *const kam[] = {"sample_s", "halflife_s", "vol_ref", "floor", "cap",
                                    "ramp", NULL};
  const char *s = "adaptive_margin";
  const json_t *o = json_object_get(obj, s);
  char pp[256];
  bk_rc rc;
  if (!o) return BK_OK;
  if ((rc = bk_jdoc_known(&c->d, c->err, at(c, pp, sizeof pp, "", s), o, kam))) return rc;
  static const char *const req[] = {"sample_s", "halflife_s", "vol_ref", "cap", "ramp", NULL};
  for (const char *const *k = req; *k; k++)
    if (!json_object_get(o, *k))
      return bk_jdoc_fail(&c->d, c->err, at(c, pp, sizeof pp, s, *k), "is required");
  am->floor = BK_FX(1);
  if ((rc = secs(c, o, s, "sample_s", &am->sample_us)) ||
      (rc = secs(c, o, s, "halflife_s", &am->halflife_us)) ||
      (rc = fx(c, o, s, "vol_ref", &am->vol_ref)) || (rc = fx(c, o, s, "floor", &am->floor)) ||
      (rc = fx(c, o, s, "cap", &am->cap)) || (rc = fx(c, o, s, "ramp", &am->ramp)))
    return rc;
  return BK_OK;
}

bk_rc bk_policy_json_from(const json_t *obj, const char *text, size_t len, const char *name,
                          const char *path, bk_policy *out, bk_err *err) {
  pctx c = {{text, len, name}, err, ""};
  snprintf(c.base, sizeof c.base, "%s", path ? path : "");
  static const char *const top[] = {"name", "source", "description", "fees", "liquidation",
                                    "fund", "waterfall", "reinsurance", "adaptive_margin",
                                    NULL};
  static const char *const kfees[] = {"maker", "taker", "fund_share", "spread_capture", NULL};
  static const char *const kliq[] = {"penalty_mode", "penalty", "participation",
                                     "price_limit", "fillable_ba", "fillable_smmr",
                                     "remainder", "slice_share", "slice_cooldown_s",
                                     "consumed_halflife_s", "vol_window_s", "penalty_vol_k",
                                     "depth_ref", "backstop_mm", "size", "health_buffer",
                                     "health_lot", "slice_above", NULL};
  static const char *const kfund[] = {"initial", "offload", "offload_share", "loss_cap",
                                      "loss_period_s", "pools", NULL};
  static const char *const kwf[] = {"trigger", "drawdown", "window_s", "net_position_cap",
                                    "action", "adl_ranking", "socialize_over", "seed",
                                    "adl_rule", "adl_cap", "adl_round_gap_s", NULL};
  static const char *const kre[] = {"premium_share", "limit", "currency", NULL};
  bk_policy p;
  bk_policy_default(&p);
  bk_rc rc = bk_jdoc_known(&c.d, err, c.base, obj, top);
  if (rc) return rc;
  char pp[256];
  const json_t *v = json_object_get(obj, "name");
  if (v) {
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        json_string_length(v) >= sizeof p.name)
      return bk_jdoc_fail(&c.d, err, at(&c, pp, sizeof pp, "", "name"),
                          "expected a string of 1 to %zu characters", sizeof p.name - 1);
    if (!bk_name_ok(json_string_value(v), json_string_length(v))) {
      char shown[300];
      return bk_jdoc_fail(&c.d, err, at(&c, pp, sizeof pp, "", "name"),
                          "policy name %s: a name must be " BK_NAME_RULE
                          " (it labels report rows and chart lines)",
                          bk_name_print(json_string_value(v), json_string_length(v), shown,
                                        sizeof shown));
    }
    snprintf(p.name, sizeof p.name, "%s", json_string_value(v));
  }
  const char *sects[] = {"fees", "liquidation", "fund", "waterfall", "reinsurance"};
  const char *const *keys[] = {kfees, kliq, kfund, kwf, kre};
  const json_t *o[5];
  for (int i = 0; i < 5; i++) {
    o[i] = json_object_get(obj, sects[i]);
    if (o[i] && (rc = bk_jdoc_known(&c.d, err, at(&c, pp, sizeof pp, "", sects[i]), o[i],
                                    keys[i])))
      return rc;
  }
  const json_t *f = o[0], *l = o[1], *fu = o[2], *w = o[3];
  if (f && ((rc = fx(&c, f, "fees", "maker", &p.maker_fee)) ||
            (rc = fx(&c, f, "fees", "taker", &p.taker_fee)) ||
            (rc = fx(&c, f, "fees", "fund_share", &p.fund_share)) ||
            (rc = spread_capture(&c, f, &p))))
    return rc;
  if (l && ((rc = word(&c, l, "liquidation", "penalty_mode", w_pen, &p.penalty_mode)) ||
            (rc = fx(&c, l, "liquidation", "penalty", &p.penalty)) ||
            (rc = fx(&c, l, "liquidation", "participation", &p.participation)) ||
            (rc = word(&c, l, "liquidation", "price_limit", w_lim, &p.price_limit)) ||
            (rc = fx(&c, l, "liquidation", "fillable_ba", &p.fillable_ba)) ||
            (rc = fx(&c, l, "liquidation", "fillable_smmr", &p.fillable_smmr)) ||
            (rc = word(&c, l, "liquidation", "remainder", w_rem, &p.remainder)) ||
            (rc = fx(&c, l, "liquidation", "slice_share", &p.slice_share)) ||
            (rc = secs(&c, l, "liquidation", "slice_cooldown_s", &p.slice_cooldown_us)) ||
            (rc = secs(&c, l, "liquidation", "consumed_halflife_s", &p.halflife_us)) ||
            (rc = secs(&c, l, "liquidation", "vol_window_s", &p.vol_window_us)) ||
            (rc = fx(&c, l, "liquidation", "penalty_vol_k", &p.penalty_vol_k)) ||
            (rc = fx(&c, l, "liquidation", "depth_ref", &p.depth_ref)) ||
            (rc = fx(&c, l, "liquidation", "backstop_mm", &p.backstop_mm)) ||
            (rc = word(&c, l, "liquidation", "size", w_size, &p.size_mode)) ||
            (rc = fx(&c, l, "liquidation", "health_buffer", &p.health_buffer)) ||
            (rc = fx(&c, l, "liquidation", "health_lot", &p.health_lot)) ||
            (rc = fx(&c, l, "liquidation", "slice_above", &p.slice_above))))
    return rc;
  if (fu && ((rc = fund_initial(&c, fu, &p)) ||
             (rc = word(&c, fu, "fund", "offload", w_off, &p.offload)) ||
             (rc = fx(&c, fu, "fund", "offload_share", &p.offload_share)) ||
             (rc = fx(&c, fu, "fund", "loss_cap", &p.loss_cap)) ||
             (rc = secs(&c, fu, "fund", "loss_period_s", &p.loss_period_us)) ||
             (rc = fund_pools(&c, fu, &p))))
    return rc;
  if (o[4] && (rc = reinsurance(&c, o[4], &p))) return rc;
  if (w && ((rc = word(&c, w, "waterfall", "trigger", w_trig, &p.wf_trigger)) ||
            (rc = fx(&c, w, "waterfall", "drawdown", &p.dd_share)) ||
            (rc = secs(&c, w, "waterfall", "window_s", &p.dd_window_us)) ||
            (rc = fx(&c, w, "waterfall", "net_position_cap", &p.netpos_cap)) ||
            (rc = word(&c, w, "waterfall", "action", w_act, &p.wf_action)) ||
            (rc = word(&c, w, "waterfall", "adl_ranking", w_rank, &p.adl_rank)) ||
            (rc = word(&c, w, "waterfall", "socialize_over", w_soc, &p.social_base)) ||
            (rc = word(&c, w, "waterfall", "adl_rule", w_rule, &p.adl_rule)) ||
            (rc = fx(&c, w, "waterfall", "adl_cap", &p.adl_cap)) ||

            (rc = secs(&c, w, "waterfall", "adl_round_gap_s", &p.adl_round_gap_us))))
    return rc;
  if (w && (v = json_object_get(w, "seed")) &&
      (rc = bk_jdoc_u64(&c.d, err, at(&c, pp, sizeof pp, "waterfall", "seed"), v, &p.seed)))
    return rc;
  if ((rc = adaptive_margin(&c, obj, &p.am))) return rc;
  bk_err why;
  bk_err_clear(&why);
  if (bk_policy_check(&p, &why)) {
    /* the message starts with the field's dotted name: point at it */
    char field[128];
    const char *colon = strchr(why.msg, ':');
    size_t n = colon ? (size_t)(colon - why.msg) : 0;
    if (n >= sizeof field) n = 0;
    memcpy(field, why.msg, n);
    field[n] = 0;
    if (!strcmp(field, "liquidation.fillable")) /* ba and smmr share one check */
      snprintf(field, sizeof field, "%s",
               p.fillable_ba < 0 ? "liquidation.fillable_ba" : "liquidation.fillable_smmr");
    char full[256];
    snprintf(full, sizeof full, "%s%s%s", c.base, *c.base ? "." : "", field);
    return bk_jdoc_fail(&c.d, err, full, "%s", colon ? colon + 2 : why.msg);
  }
  *out = p;
  return BK_OK;
}

/* As bk_policy_json_parse, with the policy's notes when notes is not NULL. */
static bk_rc parse_text(const char *text, size_t len, const char *name, bk_policy *out,
                        json_t **notes, bk_err *err) {
  bk_jdoc d = {text, len, name};
  json_t *root = bk_jdoc_parse(&d, err);
  if (!root) return BK_ECONFIG;
  bk_rc rc = bk_policy_json_from(root, text, len, name, "", out, err);
  if (!rc && notes && !(*notes = bk_policy_json_notes(root)))
    rc = bk_err_set(err, BK_ENOMEM, "out of memory");
  json_decref(root);
  return rc;
}

bk_rc bk_policy_json_parse(const char *text, size_t len, const char *name, bk_policy *out,
                           bk_err *err) {
  return parse_text(text, len, name, out, NULL, err);
}

bk_rc bk_policy_json_read(const char *path, bk_policy *out, json_t **notes, bk_err *err) {
  size_t len;
  char *text = bk_jdoc_slurp(path, &len, err);
  if (!text) return err->rc ? err->rc : BK_ENOINPUT; /* out of memory is not a missing file */
  bk_rc rc = parse_text(text, len, path, out, notes, err);
  free(text);
  return rc;
}

bk_rc bk_policy_json_load(const char *path, bk_policy *out, bk_err *err) {
  return bk_policy_json_read(path, out, NULL, err);
}

json_t *bk_policy_json_notes(const json_t *obj) {
  json_t *n = json_object();
  for (const char *const *k = (const char *const[]){"description", "source", NULL}; n && *k; k++) {
    json_t *v = json_object_get(obj, *k);
    if (v && json_object_set(n, *k, v)) {
      json_decref(n);
      return NULL;
    }
  }
  return n;
}

/* ---- back to JSON ---- */

/* µs as a decimal string of seconds (exact: 1 µs is 100 units e-8). */
static json_t *secs_value(int64_t us) { return bk_jdoc_fx_value(us * 100); }

/* o, or NULL (o freed) when filling it failed. */
static json_t *section(int failed, json_t *o) {
  if (!failed) return o;
  json_decref(o);
  return NULL;
}

/* fees.spread_capture, written only when the policy captures (a policy without it
 * reads back the same). */
static json_t *spread_capture_json(const bk_policy *p) {
  json_t *o = json_object();
  return section(
      !o || bk_jdoc_put(o, "taker_share", bk_jdoc_fx_value(p->spread_taker_share)) ||
          bk_jdoc_put(o, "liquidation", json_boolean(p->spread_liquidation)) ||
          bk_jdoc_put(o, "fund_share", bk_jdoc_fx_value(p->spread_fund_share)) ||
          bk_jdoc_put(o, "liquidation_horizon_s", secs_value(p->spread_horizon_us)),
      o);
}

static json_t *fees_json(const bk_policy *p) {
  json_t *o = json_object();
  return section(!o || bk_jdoc_put(o, "maker", bk_jdoc_fx_value(p->maker_fee)) ||
                     bk_jdoc_put(o, "taker", bk_jdoc_fx_value(p->taker_fee)) ||
                     bk_jdoc_put(o, "fund_share", bk_jdoc_fx_value(p->fund_share)) ||
                     (bk_policy_captures(p) &&
                      bk_jdoc_put(o, "spread_capture", spread_capture_json(p))),
                 o);
}

static json_t *liquidation_json(const bk_policy *p) {
  json_t *o = json_object();
  return section(
      !o || bk_jdoc_put(o, "penalty_mode", json_string(w_pen[p->penalty_mode])) ||
          bk_jdoc_put(o, "penalty", bk_jdoc_fx_value(p->penalty)) ||
          bk_jdoc_put(o, "participation", bk_jdoc_fx_value(p->participation)) ||
          bk_jdoc_put(o, "price_limit", json_string(w_lim[p->price_limit])) ||
          bk_jdoc_put(o, "fillable_ba", bk_jdoc_fx_value(p->fillable_ba)) ||
          bk_jdoc_put(o, "fillable_smmr", bk_jdoc_fx_value(p->fillable_smmr)) ||
          bk_jdoc_put(o, "remainder", json_string(w_rem[p->remainder])) ||
          bk_jdoc_put(o, "slice_share", bk_jdoc_fx_value(p->slice_share)) ||
          bk_jdoc_put(o, "slice_cooldown_s", secs_value(p->slice_cooldown_us)) ||
          bk_jdoc_put(o, "consumed_halflife_s", secs_value(p->halflife_us)) ||
          bk_jdoc_put(o, "vol_window_s", secs_value(p->vol_window_us)) ||
          bk_jdoc_put(o, "penalty_vol_k", bk_jdoc_fx_value(p->penalty_vol_k)) ||
          bk_jdoc_put(o, "depth_ref", bk_jdoc_fx_value(p->depth_ref)) ||
          bk_jdoc_put(o, "backstop_mm", bk_jdoc_fx_value(p->backstop_mm)) ||
          bk_jdoc_put(o, "size", json_string(w_size[p->size_mode])) ||
          bk_jdoc_put(o, "health_buffer", bk_jdoc_fx_value(p->health_buffer)) ||
          bk_jdoc_put(o, "health_lot", bk_jdoc_fx_value(p->health_lot)) ||
          bk_jdoc_put(o, "slice_above", bk_jdoc_fx_value(p->slice_above)),
      o);
}

/* fund.initial: one decimal string for the run's only asset, else an object by asset. */
static json_t *initial_json(const bk_policy *p) {
  if (p->nfund_initial == 1 && !p->fund_initial[0].asset[0])
    return bk_jdoc_fx_value(p->fund_initial[0].amount);
  json_t *o = json_object();
  int failed = !o;
  for (size_t i = 0; !failed && i < p->nfund_initial; i++)
    failed = bk_jdoc_put(o, p->fund_initial[i].asset,
                         bk_jdoc_fx_value(p->fund_initial[i].amount));
  return section(failed, o);
}

/* fund.pools, as read. */
static json_t *pools_json(const bk_policy *p) {
  json_t *v = json_array();
  int failed = !v;
  for (size_t i = 0; !failed && i < p->npools; i++) {
    const bk_pool_spec *ps = &p->pools[i];
    json_t *o = json_object(), *a = json_array();
    failed = !o || !a || json_array_append_new(v, o);
    for (size_t j = 0; !failed && j < ps->nassets; j++)
      failed = json_array_append_new(a, json_string(ps->assets[j]));
    failed = failed || bk_jdoc_put(o, "name", json_string(ps->name)) ||
             bk_jdoc_put(o, "assets", a) || bk_jdoc_put(o, "currency", json_string(ps->currency)) ||
             (ps->initial && bk_jdoc_put(o, "initial", bk_jdoc_fx_value(ps->initial)));
  }
  return section(failed, v);
}

static json_t *reinsurance_json(const bk_policy *p) {
  json_t *o = json_object();
  return section(!o || bk_jdoc_put(o, "premium_share", bk_jdoc_fx_value(p->reins_share)) ||
                     bk_jdoc_put(o, "limit", bk_jdoc_fx_value(p->reins_limit)) ||
                     bk_jdoc_put(o, "currency", json_string(p->reins_currency)),
                 o);
}

static json_t *fund_json(const bk_policy *p) {
  json_t *o = json_object();
  return section(!o || (p->nfund_initial && bk_jdoc_put(o, "initial", initial_json(p))) ||
                     (p->npools && bk_jdoc_put(o, "pools", pools_json(p))) ||
                     bk_jdoc_put(o, "offload", json_string(w_off[p->offload])) ||
                     bk_jdoc_put(o, "offload_share", bk_jdoc_fx_value(p->offload_share)) ||
                     bk_jdoc_put(o, "loss_cap", bk_jdoc_fx_value(p->loss_cap)) ||
                     bk_jdoc_put(o, "loss_period_s", secs_value(p->loss_period_us)),
                 o);
}

static json_t *waterfall_json(const bk_policy *p) {
  json_t *o = json_object();
  return section(!o || bk_jdoc_put(o, "trigger", json_string(w_trig[p->wf_trigger])) ||
                     bk_jdoc_put(o, "drawdown", bk_jdoc_fx_value(p->dd_share)) ||
                     bk_jdoc_put(o, "window_s", secs_value(p->dd_window_us)) ||
                     bk_jdoc_put(o, "net_position_cap", bk_jdoc_fx_value(p->netpos_cap)) ||
                     bk_jdoc_put(o, "action", json_string(w_act[p->wf_action])) ||
                     bk_jdoc_put(o, "adl_ranking", json_string(w_rank[p->adl_rank])) ||
                     bk_jdoc_put(o, "socialize_over", json_string(w_soc[p->social_base])) ||
                     bk_jdoc_put(o, "seed", bk_jdoc_u64_value(p->seed)) ||
                     bk_jdoc_put(o, "adl_rule", json_string(w_rule[p->adl_rule])) ||
                     bk_jdoc_put(o, "adl_cap", bk_jdoc_fx_value(p->adl_cap)) ||
                     bk_jdoc_put(o, "adl_round_gap_s", secs_value(p->adl_round_gap_us)),
                 o);
}

static json_t *adaptive_json(const bk_adaptive_margin *am) {
  json_t *o = json_object();
  return section(!o || bk_jdoc_put(o, "sample_s", secs_value(am->sample_us)) ||
                     bk_jdoc_put(o, "halflife_s", secs_value(am->halflife_us)) ||
                     bk_jdoc_put(o, "vol_ref", bk_jdoc_fx_value(am->vol_ref)) ||
                     bk_jdoc_put(o, "floor", bk_jdoc_fx_value(am->floor)) ||
                     bk_jdoc_put(o, "cap", bk_jdoc_fx_value(am->cap)) ||
                     bk_jdoc_put(o, "ramp", bk_jdoc_fx_value(am->ramp)),
                 o);
}

json_t *bk_policy_json_dump(const bk_policy *p) {
  json_t *o = json_object();
  return section(!o || bk_jdoc_put(o, "name", json_string(p->name)) ||
                     bk_jdoc_put(o, "fees", fees_json(p)) ||
                     bk_jdoc_put(o, "liquidation", liquidation_json(p)) ||
                     bk_jdoc_put(o, "fund", fund_json(p)) ||
                     bk_jdoc_put(o, "waterfall", waterfall_json(p)) ||
                     (p->reins_share && bk_jdoc_put(o, "reinsurance", reinsurance_json(p))) ||
                     (p->am.sample_us && bk_jdoc_put(o, "adaptive_margin",
                                                     adaptive_json(&p->am))),
                 o);
}
