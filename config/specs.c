/*
 * Contract specs for a run (see specs.h). The scan looks at the first BK_SPECS_SCAN_EVENTS
 * events of each file, held by the feed for the replay that follows, so it costs
 * milliseconds even on a day of data and no file is read twice.
 */
#include "config/specs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/safename.h"
#include "config/venues.h"
#include "engine/event.h"
#include "engine/fixed.h"

/* Default maintenance tiers for instruments the scenario does not describe: Binance
 * USDⓈ-M's published first brackets (formulas.md T1) for linear contracts; one bracket of
 * 0.5 % for inverse ones, whose brackets venues publish in coin per symbol. */
static void default_tiers(int kind, bk_tiers *t) {
  memset(t, 0, sizeof *t);
  if (kind == BK_LINEAR) {
    static const int64_t floors[] = {0, 50000, 250000};
    static const int64_t mmr_bp[] = {40, 50, 100};
    static const int64_t lev[] = {125, 100, 50};
    for (size_t i = 0; i < 3; i++) {
      t->v[i].floor = BK_FX(floors[i]);
      t->v[i].mmr = BK_FX(mmr_bp[i]) / 10000;
      t->v[i].maint_amount = -1;
      t->v[i].max_lev = BK_FX(lev[i]);
    }
    t->n = 3;
  } else {
    t->v[0].mmr = BK_FX(1) / 200;
    t->v[0].maint_amount = -1;
    t->v[0].max_lev = BK_FX(100);
    t->n = 1;
  }
  bk_tiers_finish(t, NULL);
}

/* What the scan learns of one instrument. */
typedef struct seen {
  int64_t gcd;      /* of the prices seen, 0 before any */
  int tradable;     /* trades, book rows, quotes, marks or funding: a contract */
  int named;        /* 1 once its exchange and symbol passed bk_name_ok */
} seen;

/* The instrument's names come from the data and become report labels (and, through
 * the venue conventions, a settle asset: a column name, a chart label, a file name), so
 * they must be names (config/safename.h). BK_EDATA naming the file and row. */
static bk_rc check_names(const bk_instrument *in, const char *path, uint64_t line,
                         bk_err *err) {
  const char *what = NULL, *field = NULL;
  size_t cap = 0;
  if (!bk_name_ok_field(in->symbol, sizeof in->symbol)) {
    what = "symbol";
    field = in->symbol;
    cap = sizeof in->symbol;
  } else if (!bk_name_ok_field(in->exchange, sizeof in->exchange)) {
    what = "exchange";
    field = in->exchange;
    cap = sizeof in->exchange;
  }
  if (!what) return BK_OK;
  /* the field is NUL-padded: show it up to its last non-NUL byte */
  size_t len = cap;
  while (len > 0 && field[len - 1] == '\0') len--;
  char shown[300];
  return bk_err_set(err, BK_EDATA, "%s:%llu: %s %s: names in a run must be " BK_NAME_RULE
                    " (they become report labels, column names and file names)",
                    path, (unsigned long long)line, what,
                    bk_name_print(field, len, shown, sizeof shown));
}

/* Grows v (cap entries, zeroed) to hold instrument id. */
static bk_rc seen_room(seen **v, size_t *cap, size_t id, size_t ninstr, bk_err *err) {
  if (id < *cap) return BK_OK;
  size_t nc = (ninstr > id ? ninstr : id + 1) + 8;
  seen *nv = realloc(*v, nc * sizeof *nv);
  if (!nv) return bk_err_set(err, BK_ENOMEM, "out of memory");
  memset(nv + *cap, 0, (nc - *cap) * sizeof *nv);
  *v = nv;
  *cap = nc;
  return BK_OK;
}

/* Learns from one event what its instrument is: names checked, price grid, tradable. */
static bk_rc learn(seen *s, const bk_instrument *in, const bk_event *ev, const char *path,
                   uint64_t line, bk_err *err) {
  if (!s->named) {
    bk_rc rc = check_names(in, path, line, err);
    if (rc) return rc;
    s->named = 1;
  }
  switch (ev->kind) {
  case BK_EV_BOOK:
  case BK_EV_SNAPSHOT:
  case BK_EV_TRADE:
  case BK_EV_LIQ:
    if (ev->price > 0) s->gcd = bk_gcd(s->gcd, ev->price);
    s->tradable = 1;
    break;
  case BK_EV_QUOTE:
  case BK_EV_MARK:
  case BK_EV_FUNDING:
    s->tradable = 1;
    break;
  default:
    break;
  }
  return BK_OK;
}

/* Looks at the first events of every file of la, in order (the replay gets them all the
 * same). *out: one entry per instrument of instr. */
static bk_rc scan(const bk_lookahead *la, bk_instruments *instr, seen **out, bk_err *err) {
  seen *v = NULL;
  size_t cap = 0;
  bk_rc rc = BK_OK;
  for (size_t f = 0; f < la->nfiles && !rc; f++) {
    bk_lookahead_file a;
    bk_err bad_err;
    bk_rc bad = la->peek(la->ctx, f, BK_SPECS_SCAN_EVENTS, &a, &bad_err);
    /* the events before a bad row are looked at first, as a reader would meet them */
    for (size_t i = 0; i < a.n && !rc; i++)
      if (!(rc = seen_room(&v, &cap, a.evs[i].instr, instr->n, err)))
        rc = learn(&v[a.evs[i].instr], &instr->v[a.evs[i].instr], &a.evs[i], a.path,
                   a.lines[i], err);
    if (!rc && bad) {
      rc = bad;
      *err = bad_err;
    }
  }
  /* instruments interned without a counted event get an entry too */
  if (!rc && instr->n) rc = seen_room(&v, &cap, instr->n - 1, instr->n, err);
  if (rc) {
    free(v);
    return rc;
  }
  *out = v;
  return BK_OK;
}

static int asset_index(bk_specs *sp, const char *name) {
  for (size_t i = 0; i < sp->nassets; i++)
    if (!strcmp(sp->assets[i].name, name)) return (int)i;
  if (sp->nassets == BK_LEDGER_ASSETS) return -1;
  bk_asset *a = &sp->assets[sp->nassets];
  memset(a, 0, sizeof *a);
  snprintf(a->name, sizeof a->name, "%s", name);
  a->price = BK_FX(1);
  return (int)sp->nassets++;
}

static const bk_scen_instr *listed(const bk_scenario *sc, const bk_instrument *in) {
  for (size_t i = 0; i < sc->ninstr; i++)
    if (!strcmp(sc->instr[i].symbol, in->symbol) &&
        (!sc->instr[i].exchange[0] || !strcmp(sc->instr[i].exchange, in->exchange)))
      return &sc->instr[i];
  return NULL;
}

/* A tick from the gcd of prices: the gcd itself, at most 1 (a gcd of 3 on integer
 * prices says little: 1 is the grid). */
static int64_t tick_of(int64_t gcd) {
  if (gcd <= 0) return BK_FX(1) / 100;
  int64_t t = 1;
  while (t * 10 <= gcd && gcd % (t * 10) == 0 && t * 10 <= BK_FX(1)) t *= 10;
  /* keep a half-step grid such as 0.5 when the prices say so */
  if (gcd % (t * 5) == 0 && t * 5 <= BK_FX(1) && t * 5 <= gcd) t *= 5;
  return t;
}

bk_rc bk_specs_infer(const bk_scenario *sc, const bk_lookahead *la, bk_instruments *instr,
                     bk_specs *sp, bk_err *err) {
  memset(sp, 0, sizeof *sp);
  sp->depth_ref = BK_SIM_NONE;
  seen *v = NULL;
  bk_rc rc = scan(la, instr, &v, err);
  if (rc) return rc;
  size_t n = instr->n;
  sp->ninstruments = n;
  sp->contract_of = malloc((n ? n : 1) * sizeof *sp->contract_of);
  sp->contracts = calloc(n ? n : 1, sizeof *sp->contracts);
  sp->instr_of = calloc(n ? n : 1, sizeof *sp->instr_of);
  sp->why = calloc(n ? n : 1, sizeof *sp->why);
  if (!sp->contract_of || !sp->contracts || !sp->instr_of || !sp->why) {
    free(v);
    return bk_err_set(err, BK_ENOMEM, "out of memory");
  }
  for (size_t id = 0; id < n; id++) {
    sp->contract_of[id] = BK_SIM_NONE;
    const bk_instrument *in = &instr->v[id];
    if (sc->depth_ref[0]) {
      char name[96];
      snprintf(name, sizeof name, "%s:%s", in->exchange, in->symbol);
      if (!strcmp(name, sc->depth_ref)) sp->depth_ref = (uint32_t)id;
    }
    if (!v[id].tradable) continue;
    bk_contract *c = &sp->contracts[sp->ncontracts];
    const bk_scen_instr *li = listed(sc, in);
    char settle[16], why[512];
    if (li) {
      *c = li->c;
      snprintf(settle, sizeof settle, "%s", li->settle);
      snprintf(why, sizeof why, "%s %s: as the scenario says (%s, tick ", in->exchange,
               in->symbol, c->kind == BK_INVERSE ? "inverse" : "linear");
    } else {
      bk_venue_spec vs;
      bk_venue_spec_for(in->exchange, in->symbol, &vs);
      memset(c, 0, sizeof *c);
      c->kind = vs.kind;
      c->contract_size = vs.contract_size;
      c->tick = tick_of(v[id].gcd);
      default_tiers(c->kind, &c->tiers);
      snprintf(settle, sizeof settle, "%s", vs.settle);
      snprintf(why, sizeof why, "%s; default tiers; tick ", vs.why);
    }
    if (!bk_name_ok(settle, strlen(settle))) { /* the scenario's were checked on reading */
      char shown[300];
      free(v);
      return bk_err_set(err, BK_EDATA, "%s %s settles in %s: an asset name must be "
                        BK_NAME_RULE, in->exchange, in->symbol,
                        bk_name_print(settle, strlen(settle), shown, sizeof shown));
    }
    int a = asset_index(sp, settle);
    if (a < 0) {
      free(v);
      return bk_err_set(err, BK_ECONFIG, "%s %s settles in %s, but a run holds at most %d "
                        "settle assets", in->exchange, in->symbol, settle, BK_LEDGER_ASSETS);
    }
    c->settle = (uint32_t)a;
    char t[40];
    bk_fx_format_trim(c->tick, t, sizeof t);
    size_t len = strlen(why);
    snprintf(why + len, sizeof why - len, "%s%s", t,
             li ? ")" : (v[id].gcd ? " inferred from the prices" : " assumed (no prices seen)"));
    if (!(sp->why[sp->ncontracts] = strdup(why))) {
      free(v);
      return bk_err_set(err, BK_ENOMEM, "out of memory");
    }
    sp->instr_of[sp->ncontracts] = (uint32_t)id;
    sp->contract_of[id] = (uint32_t)sp->ncontracts++;
  }
  free(v);
  for (size_t i = 0; i < sc->ninstr; i++) {
    int found = 0;
    for (size_t k = 0; k < sp->ncontracts; k++) {
      const bk_instrument *in = &instr->v[sp->instr_of[k]];
      if (!strcmp(in->symbol, sc->instr[i].symbol) &&
          (!sc->instr[i].exchange[0] || !strcmp(in->exchange, sc->instr[i].exchange)))
        found = 1;
    }
    if (!found)
      return bk_err_set(err, BK_ECONFIG, "%s: instrument %s is not in the data", sc->source,
                        sc->instr[i].symbol);
  }
  if (sc->depth_ref[0] && sp->depth_ref == BK_SIM_NONE)
    return bk_err_set(err, BK_ECONFIG, "%s: depth_model.reference %s is not in the data",
                      sc->source, sc->depth_ref);
  if (sp->ncontracts == 0)
    return bk_err_set(err, BK_ECONFIG, "the data holds no tradable instrument (trades, book, "
                      "quotes or marks)");
  return BK_OK;
}

void bk_specs_fini(bk_specs *sp) {
  for (size_t k = 0; sp->why && k < sp->ncontracts; k++) free(sp->why[k]);
  free(sp->why);
  free(sp->contracts);
  free(sp->contract_of);
  free(sp->instr_of);
  memset(sp, 0, sizeof *sp);
}
