/*
 * Scenario inference from data (see infer.h): the window, the population, the book and
 * the funds chosen from the scans, written as the JSON of a scenario with a description
 * of every section, and a line per choice.
 */
#include "config/infer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/safename.h"
#include "config/scenario.h"
#include "engine/account.h"
#include "engine/clock.h"
#include "engine/fixed.h"
#include "engine/sim.h"
#include "strategies/pop_synth.h"

void bk_inferred_fini(bk_inferred *out) {
  for (size_t i = 0; i < out->nwhy; i++) free(out->why[i]);
  free(out->why);
  free(out->json);
  memset(out, 0, sizeof *out);
}

/* Appends a line to out->why; BK_ENOMEM. */
static bk_rc why(bk_inferred *out, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static bk_rc why(bk_inferred *out, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  char **v = realloc(out->why, (out->nwhy + 1) * sizeof *v);
  if (!v) return BK_ENOMEM;
  out->why = v;
  if (!(v[out->nwhy] = strdup(line))) return BK_ENOMEM;
  out->nwhy++;
  return BK_OK;
}

/* "2025-10-10T06:00:00Z", without a fraction when it is zero. */
static void time_text(int64_t us, char *buf, size_t cap) {
  bk_time_format(us, buf, cap);
  char *frac = strstr(buf, ".000000Z");
  if (frac) strcpy(frac, "Z");
}

static void fx_text(int64_t v, char *buf, size_t cap) { bk_fx_format_trim(v, buf, cap); }

/* The smallest round interval giving at most about BK_INFER_SAMPLES samples. */
static int64_t sample_interval(int64_t window_us) {
  static const int64_t steps_s[] = {1,    2,    5,    10,    15,    30,    60,   120, 300,
                                    600,  900,  1800, 3600,  7200,  21600, 43200, 86400};
  size_t n = sizeof steps_s / sizeof *steps_s;
  for (size_t i = 0; i < n; i++)
    if (steps_s[i] * BK_US_PER_S * BK_INFER_SAMPLES >= window_us) return steps_s[i] * BK_US_PER_S;
  return steps_s[n - 1] * BK_US_PER_S;
}

static int64_t round_up(int64_t t, int64_t step) {
  int64_t r = t % step;
  if (r < 0) r += step;
  return r ? t - r + step : t;
}

static int64_t warm_up(int64_t span) {
  return span / 100 * BK_INFER_WARMUP_PCT + span % 100 * BK_INFER_WARMUP_PCT / 100;
}

/* The fund-sample grid of a span: the interval for the window after its warm-up. */
static int64_t grid_of_span(int64_t span) { return sample_interval(span - warm_up(span)); }

bk_rc bk_infer_window(const bk_datascan *ds, int64_t *from, int64_t *to, int64_t *sample_us,
                      bk_err *err) {
  int64_t span = ds->last_ts - ds->first_ts;
  int64_t warm = warm_up(span);
  *sample_us = grid_of_span(span);
  *from = round_up(ds->first_ts + warm, *sample_us);
  *to = round_up(ds->last_ts + 1, *sample_us);
  if (ds->first_ts == 0 || *from >= ds->last_ts) {
    char a[40], b[40];
    time_text(ds->first_ts, a, sizeof a);
    time_text(ds->last_ts, b, sizeof b);
    return bk_err_set(err, BK_EDATA, "the data spans %s to %s: too short to hold a warm-up "
                      "(the first %d %%) and a window after it on a grid of %lld s",
                      a, b, BK_INFER_WARMUP_PCT, (long long)(*sample_us / BK_US_PER_S));
  }
  return BK_OK;
}

/* Three significant digits, rounded down: a fund size written to be read and edited. */
static int64_t three_digits(int64_t v) {
  int64_t unit = 1;
  while (v / unit >= 1000) unit *= 10;
  return v / unit * unit;
}

/* --- JSON helpers -------------------------------------------------------------------- */

static int set_str(json_t *o, const char *key, const char *v) {
  return json_object_set_new(o, key, json_string(v));
}

static int set_fx(json_t *o, const char *key, int64_t v) {
  char t[40];
  fx_text(v, t, sizeof t);
  return set_str(o, key, t);
}

/* --- sections ------------------------------------------------------------------------ */

static json_t *window_json(const bk_infer_in *in, bk_inferred *out) {
  char a[40], b[40], f[40], t[40], d[1024];
  time_text(in->ds->first_ts, a, sizeof a);
  time_text(in->ds->last_ts, b, sizeof b);
  time_text(in->from, f, sizeof f);
  time_text(in->to, t, sizeof t);
  snprintf(d, sizeof d, "The data's first and last timestamps, from a read of every file to "
           "its end, are %s and %s. The first %d %% of that span is the warm-up, before "
           "\"from\": books are built and the population samples its traders there; the "
           "window runs from \"from\" to \"to\" (exclusive), both on the grid of the fund "
           "samples. Times are UTC.", a, b, BK_INFER_WARMUP_PCT);
  json_t *w = json_object();
  if (!w || set_str(w, "description", d) || set_str(w, "from", f) || set_str(w, "to", t)) {
    json_decref(w);
    return NULL;
  }
  if (why(out, "window %s to %s: the data spans %s to %s (first and last timestamps of a "
          "full read: exact); the first %d %% is warm-up that builds books and samples "
          "traders", f, t, a, b, BK_INFER_WARMUP_PCT)) {
    json_decref(w);
    return NULL;
  }
  return w;
}

static json_t *report_json(const bk_infer_in *in, bk_inferred *out) {
  char d[512], s[40];
  long long secs = (long long)(in->sample_us / BK_US_PER_S);
  snprintf(s, sizeof s, "%lld", secs);
  snprintf(d, sizeof d, "interval_s: seconds between two samples of every fund (fund.csv), "
           "the round interval giving about %d samples over the window.", BK_INFER_SAMPLES);
  json_t *r = json_object();
  if (!r || set_str(r, "description", d) || set_str(r, "interval_s", s) ||
      why(out, "fund sampled every %lld s: %lld samples over the window", secs,
          (long long)((in->to - in->from) / in->sample_us + 1))) {
    json_decref(r);
    return NULL;
  }
  return r;
}

/* The contract's open-interest target as the synthetic population will choose it, in
 * settle units at the last price before the window; *src its BK_OI_* source. */
static bk_rc population_oi(const bk_infer_in *in, size_t k, int64_t *oi, int *src) {
  bk_popsynth_config pc;
  bk_popsynth_config_init(&pc);
  uint32_t id = in->sp->instr_of[k];
  const bk_scan_instr *s = &in->ds->instr[id];
  bk_popsynth_basis b = {s->have_oi, s->oi, 0, s->warm_notional, pc.volume_multiple, s->price};
  int64_t target;
  *oi = 0;
  bk_rc rc = bk_popsynth_target(&in->sp->contracts[k], &b, &target, src);
  if (rc || target == 0 || s->price <= 0) return rc;
  return bk_pos_notional(&in->sp->contracts[k], target, s->price, oi);
}

/* A warning line when no contract traded before the window: nobody to sample. */
static bk_rc warn_empty(const bk_infer_in *in, bk_inferred *out) {
  for (size_t k = 0; k < in->sp->ncontracts; k++)
    if (in->ds->instr[in->sp->instr_of[k]].warm_trades) return BK_OK;
  return why(out, "warning: no contract traded before the window, so the synthetic "
             "population opens no account and every figure will be 0: give the scenario "
             "a population of accounts (\"model\": \"accounts\")");
}

static json_t *population_json(const bk_infer_in *in, bk_inferred *out) {
  static const char *const basis[] = {"none: no trade before the window",
                                      "the open interest the data replays",
                                      "the scenario's open_interest_usd",
                                      "half the warm-up's traded notional"};
  char d[1024];
  snprintf(d, sizeof d, "The synthetic population (strategies/pop_synth.h): per contract, up "
           "to accounts_per_contract traders sampled from the warm-up's trades (entry at the "
           "traded price, the taker's side), with the default leverage mix, sized so that "
           "they hold the open interest the data replays before the window, else half the "
           "warm-up's traded notional (volume_multiple 0.5); traders the warm-up would "
           "already have liquidated are dropped. Opened when the window starts.");
  json_t *p = json_object();
  if (!p || set_str(p, "description", d) || set_str(p, "model", "synthetic") ||
      json_object_set_new(p, "accounts_per_contract", json_integer(BK_INFER_ACCOUNTS))) {
    json_decref(p);
    return NULL;
  }
  for (size_t k = 0; k < in->sp->ncontracts; k++) {
    const bk_instrument *ins = &in->instr->v[in->sp->instr_of[k]];
    const bk_scan_instr *s = &in->ds->instr[in->sp->instr_of[k]];
    int64_t oi;
    int src;
    char o[40];
    if (population_oi(in, k, &oi, &src)) oi = 0;
    fx_text(oi, o, sizeof o);
    if (why(out, "population %s: up to %d traders from %llu warm-up trades, sized to %s "
            "(%s %s of open interest)", ins->symbol, BK_INFER_ACCOUNTS,
            (unsigned long long)s->warm_trades, basis[src], o,
            in->sp->assets[in->sp->contracts[k].settle].name)) {
      json_decref(p);
      return NULL;
    }
  }
  if (warn_empty(in, out)) {
    json_decref(p);
    return NULL;
  }
  return p;
}

/* The instrument whose bookDepth profile the depth model follows, or NULL. */
static const bk_instrument *depth_reference(const bk_infer_in *in) {
  for (size_t id = 0; id < in->ds->ninstr && id < in->instr->n; id++)
    if (in->ds->instr[id].depth) return &in->instr->v[id];
  return NULL;
}

/* The book of every contract; the depth model section when some contract has none
 * (*depth NULL when all have one). */
static bk_rc books(const bk_infer_in *in, bk_inferred *out, json_t **depth) {
  *depth = NULL;
  size_t modelled = 0;
  for (size_t k = 0; k < in->sp->ncontracts; k++) {
    uint32_t id = in->sp->instr_of[k];
    int data = in->ds->instr[id].book;
    modelled += !data;
    if (why(out, "%s %s: book from %s", in->instr->v[id].exchange, in->instr->v[id].symbol,
            data ? "data (the data has its book snapshots)"
                 : "depth model (the data has no book for it)"))
      return BK_ENOMEM;
  }
  if (!modelled) return BK_OK;
  bk_sim_config dc;
  bk_sim_config_init(&dc);
  const bk_instrument *ref = depth_reference(in);
  char d[1024], r[96];
  snprintf(d, sizeof d, "Where the data has no order book, a depth model stands in: on each "
           "side of the mark, the cumulative depth within pct %% of it is `minutes` of the "
           "contract's average traded volume per minute in the warm-up, rebuilt every "
           "refresh_s seconds; no bid sits above (no ask below) what the tape traded in "
           "the last band_s seconds%s.", ref ? "; it breathes with the reference's bookDepth "
           "profile (its ±1 % depth now over its first value)" : "");
  json_t *m = json_object(), *pts = json_array();
  int bad = !m || !pts || set_str(m, "description", d);
  if (ref) {
    snprintf(r, sizeof r, "%s:%s", ref->exchange, ref->symbol);
    bad = bad || set_str(m, "reference", r) ||
          why(out, "depth model follows the bookDepth profile of %s", r);
  }
  for (size_t i = 0; i < dc.depth.n && !bad; i++) {
    json_t *pt = json_object();
    bad = !pt || json_array_append_new(pts, pt) || set_fx(pt, "pct", dc.depth.pct[i] * 100) ||
          set_fx(pt, "minutes", dc.depth.minutes[i]);
  }
  bad = bad || json_object_set(m, "points", pts) ||
        set_fx(m, "refresh_s", dc.depth.refresh_us * 100) ||
        set_fx(m, "band_s", dc.depth.band_us * 100);
  json_decref(pts);
  if (bad) {
    json_decref(m);
    return BK_ENOMEM;
  }
  *depth = m;
  return BK_OK;
}

/* The marks section when some contract has no marks in the data, else NULL (*ok 1). */
static json_t *marks_json(const bk_infer_in *in, int *ok) {
  *ok = 1;
  int derived = 0;
  for (size_t k = 0; k < in->sp->ncontracts; k++)
    derived |= !in->ds->instr[in->sp->instr_of[k]].marks;
  if (!derived) return NULL;
  bk_sim_config dc;
  bk_sim_config_init(&dc);
  json_t *m = json_object();
  if (!m || set_str(m, "description", "Where the data has no mark price, the mark is the "
                    "median of the trades of the last window_s seconds, recomputed every "
                    "step_ms milliseconds: a single wick liquidates nobody.") ||
      set_fx(m, "window_s", dc.mark_window_us * 100) ||
      set_fx(m, "step_ms", dc.mark_step_us * 100000)) {
    json_decref(m);
    *ok = 0;
    return NULL;
  }
  return m;
}

/* Initial funds per settle asset: BK_INFER_FUND_PCT % of the population's open interest
 * in it. */
static bk_rc funds(const bk_infer_in *in, bk_inferred *out, json_t **initial) {
  int64_t oi[BK_LEDGER_ASSETS] = {0};
  for (size_t k = 0; k < in->sp->ncontracts; k++) {
    int64_t x;
    int src;
    bk_rc rc = population_oi(in, k, &x, &src);
    uint32_t a = in->sp->contracts[k].settle;
    if (rc || bk_add(oi[a], x, &oi[a])) return BK_ERANGE;
  }
  *initial = json_object();
  if (!*initial) return BK_ENOMEM;
  for (size_t a = 0; a < in->sp->nassets; a++) {
    int64_t f = three_digits(oi[a] / 100 * BK_INFER_FUND_PCT);
    char ft[40], ot[40];
    fx_text(f, ft, sizeof ft);
    fx_text(oi[a], ot, sizeof ot);
    const char *name = in->sp->assets[a].name;
    if (set_str(*initial, name, ft) ||
        why(out, "fund %s: %s %s in every policy: %d %% of the population's open interest "
            "in %s (%s %s), to three digits", name, ft, name, BK_INFER_FUND_PCT, name, ot,
            name))
      return BK_ENOMEM;
  }
  return BK_OK;
}

static bk_rc policies_json(const bk_infer_in *in, const json_t *initial, json_t *list,
                           bk_err *err) {
  char d[512];
  snprintf(d, sizeof d, "A shipped venue model (data/policies; its source says where its "
           "numbers come from), with fund.initial in each settle asset's own units: %d %% of "
           "the population's open interest in that asset, rounded down to three digits.",
           BK_INFER_FUND_PCT);
  for (size_t i = 0; i < in->npolicies; i++) {
    json_error_t je;
    json_t *p = json_loadb(in->policies[i].text, in->policies[i].len,
                           JSON_REJECT_DUPLICATES, &je);
    json_t *fund = p ? json_object_get(p, "fund") : NULL;
    if (!json_is_object(fund)) {
      json_decref(p);
      return bk_err_set(err, BK_ECONFIG, "shipped policy %s: %s", in->policies[i].file,
                        p ? "no fund section" : je.text);
    }
    if (set_str(p, "description", d) ||
        json_object_set_new(fund, "initial", json_deep_copy(initial)) ||
        json_array_append_new(list, p))
      return bk_err_set(err, BK_ENOMEM, "out of memory");
  }
  return BK_OK;
}

static char *root_description(const bk_infer_in *in) {
  size_t cap = 1024 + in->sp->ncontracts * 200, n = 0;
  char *d = malloc(cap);
  if (!d) return NULL;
  n += (size_t)snprintf(d, cap, "Inferred from the data by backstop: every section says how "
                        "it was chosen; edit any of it. \"data\" lists the files or folders "
                        "read (relative to this file's folder); \"seed\" draws the "
                        "population. The instruments are those of the "
                        "data, with specs from the venue conventions and the tick from the "
                        "prices (add an \"instruments\" section to set them):");
  for (size_t k = 0; k < in->sp->ncontracts && n < cap; k++)
    n += (size_t)snprintf(d + n, cap - n, " %s%s", in->sp->why[k],
                          k + 1 < in->sp->ncontracts ? ";" : ".");
  return d;
}

/* Sets every section of the scenario object sc. */
static bk_rc build(const bk_infer_in *in, json_t *sc, bk_inferred *out, bk_err *err) {
  char *desc = root_description(in);
  json_t *data = json_array(), *pols = json_array(), *initial = NULL, *depth = NULL;
  bk_rc rc = desc && data && pols ? BK_OK : BK_ENOMEM;
  for (size_t i = 0; !rc && i < in->ndata; i++)
    if (json_array_append_new(data, json_string(in->data[i]))) rc = BK_ENOMEM;
  int marks_ok = 1;
  json_t *marks = rc ? NULL : marks_json(in, &marks_ok);
  if (!rc && (set_str(sc, "name", in->name) || set_str(sc, "description", desc) ||
              json_object_set(sc, "data", data) ||
              json_object_set_new(sc, "window", window_json(in, out)) ||
              json_object_set_new(sc, "report", report_json(in, out)) ||
              json_object_set_new(sc, "seed", json_integer(1)) ||
              json_object_set_new(sc, "population", population_json(in, out)) ||
              !marks_ok))
    rc = BK_ENOMEM;
  if (!rc && marks && json_object_set(sc, "marks", marks)) rc = BK_ENOMEM;
  if (!rc && !(rc = books(in, out, &depth)) && depth &&
      json_object_set(sc, "depth_model", depth))
    rc = BK_ENOMEM;
  if (!rc && !(rc = funds(in, out, &initial)))
    rc = policies_json(in, initial, pols, err);
  if (!rc && json_object_set(sc, "policies", pols)) rc = BK_ENOMEM;
  free(desc);
  json_decref(data);
  json_decref(pols);
  json_decref(initial);
  json_decref(depth);
  json_decref(marks);
  if (rc == BK_ERANGE && !err->rc) return bk_err_set(err, rc, "an initial fund overflows");
  if (rc && !err->rc) return bk_err_set(err, rc, "out of memory");
  return rc;
}

bk_rc bk_infer_scenario(const bk_infer_in *in, bk_inferred *out, bk_err *err) {
  memset(out, 0, sizeof *out);
  json_t *sc = json_object();
  if (!sc) return bk_err_set(err, BK_ENOMEM, "out of memory");
  bk_rc rc = build(in, sc, out, err);
  if (!rc) {
    out->json = json_dumps(sc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (!out->json) rc = bk_err_set(err, BK_ENOMEM, "out of memory");
    else out->len = strlen(out->json);
  }
  json_decref(sc);
  return rc;
}

/* The base name of a path, without a trailing slash or a file's extensions, when it is a
 * safe name; else "data". */
static void name_of(const char *path, char *buf, size_t cap) {
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/') n--;
  size_t b = n;
  while (b > 0 && path[b - 1] != '/') b--;
  size_t len = n - b;
  const char *dot = memchr(path + b, '.', len);
  if (dot && dot > path + b) len = (size_t)(dot - (path + b));
  if (len >= cap || !bk_name_ok(path + b, len)) {
    snprintf(buf, cap, "data");
    return;
  }
  memcpy(buf, path + b, len);
  buf[len] = '\0';
}

bk_rc bk_infer_from_data(const char *const *paths, const char *const *written, size_t n,
                         const char *name, const bk_feed_opts *fo,
                         const bk_shipped_policy *policies, size_t npolicies, bk_inferred *out,
                         bk_err *err) {
  memset(out, 0, sizeof *out);
  char nm[64];
  if (name) snprintf(nm, sizeof nm, "%s", name);
  else name_of(n ? paths[0] : "", nm, sizeof nm);
  bk_scenario sc;
  memset(&sc, 0, sizeof sc);
  snprintf(sc.source, sizeof sc.source, "(the data)");
  bk_instruments instr;
  bk_instruments_init(&instr);
  bk_specs sp;
  memset(&sp, 0, sizeof sp);
  bk_datascan ds;
  memset(&ds, 0, sizeof ds);
  bk_infer_in in = {nm, written, n, &instr, &sp, &ds, 0, 0, 0, policies, npolicies};
  bk_rc rc = bk_scenario_set_data(&sc, paths, n, err);
  bk_merge *m = NULL; /* the one pass: specs from its first events, then the rest */
  if (!rc) rc = bk_datascan_open(paths, n, fo, &instr, &m, err);
  if (!rc) {
    bk_lookahead la = bk_merge_lookahead(m);
    rc = bk_specs_infer(&sc, &la, &instr, &sp, err);
  }
  if (!rc) rc = bk_datascan_span(m, &instr, &sp, grid_of_span, &ds, err);
  bk_merge_free(m);
  if (!rc) rc = bk_infer_window(&ds, &in.from, &in.to, &in.sample_us, err);
  if (!rc) rc = bk_datascan_warmup(&ds, &sp, in.from, err);
  if (!rc) rc = bk_infer_scenario(&in, out, err);
  bk_datascan_fini(&ds);
  bk_specs_fini(&sp);
  bk_instruments_fini(&instr);
  bk_scenario_fini(&sc);
  return rc;
}
