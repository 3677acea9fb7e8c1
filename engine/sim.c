/*
 * The side-by-side simulation (see sim.h): one replayed market driving every policy's
 * risk state, plus populations, funding and fund sampling. It only orchestrates the
 * market models: which mark and which book each contract uses, and when; how a mark is
 * derived from trades is engine/derived_mark.c, how a book is modelled engine/depth_model.c.
 *
 * Tuned for the replay's load: it is called for every event, and most events are book
 * rows it ignores, so the common path is a few comparisons. Work per policy happens only
 * on marks, trades and funding. Everything is integer.
 */
#include "engine/sim.h"

#include <stdlib.h>
#include <string.h>

#include "engine/adl_rounds.h"
#include "engine/book.h"
#include "engine/clock.h"
#include "engine/fixed.h"
#include "engine/vec.h"

/* What the simulation keeps per contract (the market models are engine/models.h). */
typedef struct sim_contract {
  uint32_t instr;       /* instrument id */
  int64_t mark;         /* the mark the policies were last given, 0 before any: the data's
                           (one <= 0 is ignored; the market's view would keep it) or the
                           derived one, so not a copy of the market's */
  /* funding as it settles here, not a copy of the market's: the rate in force before the
     event that passes the settlement time (the market's already holds that event's), and
     the settlement still due (0 once settled; a row without a later time keeps it) */
  int64_t fund_rate, fund_next;
} sim_contract;

struct bk_sim {
  bk_sim_config cfg;
  bk_policy *pols;
  bk_contract *contracts;
  bk_asset *assets;
  uint32_t *contract_of;
  bk_market *market;
  bk_models *own;             /* the models this simulation made and drives (NULL once
                                 it reads another's: bk_sim_attach_set) */
  bk_models *models;          /* the models it reads: its own or an earlier sim's */
  bk_risk **risk, **shadow;   /* [policy] */
  sim_contract *c;            /* [contract] */
  const bk_book **books;      /* [contract]: the book each risk walks */
  bk_sim_sample *samples;     /* [(policy * nassets + asset) * cap + i] */
  size_t nsamples, scap;
  size_t *rec_seen;           /* [policy]: liquidation records folded into the totals */
  int64_t *liq_notional;      /* [policy * nassets + asset] cumulative */
  uint64_t *liq_count;        /* [policy * nassets + asset] cumulative */
  bk_i128 next_sample;        /* exchange time of the next sample (128 bits: stepping past
                                 the last event near INT64_MAX must not wrap) */
  int64_t next_funding;       /* earliest announced funding time, INT64_MAX when none */
  int in_window;              /* the clock passed `from` */
  int census_taken;           /* census[] holds the population at the window's start */
  int64_t census_ts;          /* when it was taken */
  bk_sim_census census[BK_LEDGER_ASSETS]; /* [asset] */
  uint64_t opened[BK_LEDGER_ASSETS]; /* [asset]: accounts opened so far */
  uint64_t closed[BK_SIM_MAX_POLICIES][BK_LEDGER_ASSETS]; /* [policy][asset]: accounts that
                                                            left so far (bk_sim_close) */
  bk_population **pops;
  size_t npops;
  size_t *label;              /* [account]: offset + 1 of its name in labels, 0 when none */
  size_t nlabel;
  char *labels;               /* names, NUL-terminated one after another */
  size_t nlabels, labelcap;
  uint64_t events;
  int64_t first_ts, last_ts;
  bk_err err;
};

void bk_sim_config_init(bk_sim_config *c) {
  memset(c, 0, sizeof *c);
  c->from = INT64_MIN;
  c->to = INT64_MAX;
  c->sample_us = 60 * INT64_C(1000000);
  c->mark_window_us = 5 * INT64_C(1000000);
  c->mark_step_us = 100 * INT64_C(1000);
  bk_depth_spec_default(&c->depth);
  c->shadow = 1;
  c->keep_detail = 1;
}

/* --- construction ------------------------------------------------------------------ */

static void *dup(const void *p, size_t n) {
  if (n == 0) return NULL;
  void *q = malloc(n);
  if (q) memcpy(q, p, n);
  return q;
}

/* The parameters of the market models a simulation reads. */
static void models_params(const bk_sim *s, bk_models_params *p) {
  memset(p, 0, sizeof *p);
  p->contracts = s->contracts;
  p->ncontracts = s->cfg.ncontracts;
  p->from = s->cfg.from;
  p->mark_window_us = s->cfg.mark_window_us;
  p->mark_step_us = s->cfg.mark_step_us;
  p->depth = s->cfg.depth;
}

bk_rc bk_sim_new(const bk_sim_config *c, bk_market *m, bk_sim **out, bk_err *err) {
  *out = NULL;
  if (c->npolicies == 0 || c->ncontracts == 0 || c->nassets == 0 ||
      c->nassets > BK_LEDGER_ASSETS || c->sample_us <= 0 || c->mark_window_us <= 0 ||
      c->mark_step_us <= 0)
    return bk_err_set(err, BK_ECONFIG, "simulation: needs policies, contracts, 1 to %d "
                      "assets and positive intervals", BK_LEDGER_ASSETS);
  if (c->npolicies > BK_SIM_MAX_POLICIES)
    return bk_err_set(err, BK_ECONFIG, "simulation: %zu policies; a run compares at most %d "
                      "(split them over several runs)", c->npolicies, BK_SIM_MAX_POLICIES);
  bk_err why;
  if (bk_depth_spec_check(&c->depth, &why))
    return bk_err_set(err, why.rc, "simulation: %s", why.msg);
  bk_sim *s = calloc(1, sizeof *s);
  if (!s) return bk_err_set(err, BK_ENOMEM, "simulation: out of memory");
  s->cfg = *c;
  s->market = m;
  size_t np = c->npolicies, nk = c->ncontracts, na = c->nassets;
  s->pols = dup(c->policies, np * sizeof *s->pols);
  s->contracts = dup(c->contracts, nk * sizeof *s->contracts);
  s->assets = dup(c->assets, na * sizeof *s->assets);
  s->contract_of = dup(c->contract_of, c->ninstruments * sizeof *s->contract_of);
  s->risk = calloc(np, sizeof *s->risk);
  s->shadow = calloc(np, sizeof *s->shadow);
  s->c = calloc(nk, sizeof *s->c);
  s->books = calloc(nk, sizeof *s->books);
  s->rec_seen = calloc(np, sizeof *s->rec_seen);
  s->liq_notional = calloc(np * na, sizeof *s->liq_notional);
  s->liq_count = calloc(np * na, sizeof *s->liq_count);
  if (!s->pols || !s->contracts || !s->assets || (c->ninstruments && !s->contract_of) ||
      !s->risk || !s->shadow || !s->c || !s->books || !s->rec_seen || !s->liq_notional ||
      !s->liq_count) {
    bk_sim_free(s);
    return bk_err_set(err, BK_ENOMEM, "simulation: out of memory");
  }
  s->cfg.policies = s->pols;
  s->cfg.contracts = s->contracts;
  s->cfg.assets = s->assets;
  s->cfg.contract_of = s->contract_of;
  bk_models_params mp;
  models_params(s, &mp);
  if (!(s->own = s->models = bk_models_new(&mp))) {
    bk_sim_free(s);
    return bk_err_set(err, BK_ENOMEM, "simulation: out of memory");
  }
  for (size_t k = 0; k < nk; k++) s->c[k].instr = BK_SIM_NONE;
  for (uint32_t i = 0; i < c->ninstruments; i++)
    if (s->contract_of[i] != BK_SIM_NONE && s->contract_of[i] < nk)
      s->c[s->contract_of[i]].instr = i;
  for (size_t p = 0; p < np; p++) {
    if (bk_risk_new(&s->pols[p], s->contracts, nk, s->assets, na, &s->risk[p], err) ||
        (c->shadow &&
         bk_risk_new_shadow(&s->pols[p], s->contracts, nk, s->assets, na, &s->shadow[p], err)))
      goto fail;
    s->risk[p]->records = c->keep_detail;
    if (s->shadow[p]) s->shadow[p]->records = 0; /* only its needs are read: no report rows */
    bk_adl_rounds_pair(s->risk[p], s->shadow[p]);
  }
  s->next_sample = INT64_MIN;
  s->next_funding = INT64_MAX;
  s->first_ts = INT64_MIN;
  s->census_ts = INT64_MIN;
  bk_err_clear(&s->err);
  *out = s;
  return BK_OK;
fail:
  bk_sim_free(s);
  return err ? err->rc : BK_ECONFIG;
}

void bk_sim_free(bk_sim *s) {
  if (!s) return;
  for (size_t p = 0; s->risk && p < s->cfg.npolicies; p++) {
    bk_risk_free(s->risk[p]);
    if (s->shadow) bk_risk_free(s->shadow[p]);
  }
  bk_models_free(s->own);
  for (size_t i = 0; i < s->npops; i++)
    if (s->pops[i]->free) s->pops[i]->free(s->pops[i]);
  free(s->pops);
  free(s->label);
  free(s->labels);
  free(s->pols);
  free(s->contracts);
  free(s->assets);
  free(s->contract_of);
  free(s->risk);
  free(s->shadow);
  free(s->c);
  free(s->books);
  free(s->samples);
  free(s->rec_seen);
  free(s->liq_notional);
  free(s->liq_count);
  free(s);
}

bk_rc bk_sim_add_population(bk_sim *s, bk_population *p) {
  bk_population **v = realloc(s->pops, (s->npops + 1) * sizeof *v);
  if (!v) {
    if (p->free) p->free(p);
    return bk_err_set(&s->err, BK_ENOMEM, "simulation: out of memory");
  }
  s->pops = v;
  s->pops[s->npops++] = p;
  if (p->start) {
    bk_rc rc = p->start(p, s);
    if (rc) return bk_err_set(&s->err, rc, "population %s: %s", p->name, p->err.msg);
  }
  return BK_OK;
}

/* --- running every policy ---------------------------------------------------------- */

/* Copies a risk's error into the simulation's, naming the policy. */
static bk_rc risk_fail(bk_sim *s, size_t p, const bk_risk *r, bk_rc rc) {
  return bk_err_set(&s->err, rc, "policy %s: %s", s->pols[p].name,
                    r->err.msg[0] ? r->err.msg : bk_rc_name(rc));
}

static bk_rc each_mark(bk_sim *s, uint32_t k, int64_t mark, int64_t ts) {
  for (size_t p = 0; p < s->cfg.npolicies; p++) {
    bk_risk *rs[2] = {s->risk[p], s->shadow[p]};
    for (int j = 0; j < 2; j++) {
      if (!rs[j]) continue;
      bk_rc rc = bk_risk_on_mark(rs[j], k, mark, ts, s->books);
      if (rc) return risk_fail(s, p, rs[j], rc);
    }
  }
  return BK_OK;
}

static void each_set_mark(bk_sim *s, uint32_t k, int64_t mark) {
  for (size_t p = 0; p < s->cfg.npolicies; p++) {
    bk_risk_set_mark(s->risk[p], k, mark);
    if (s->shadow[p]) bk_risk_set_mark(s->shadow[p], k, mark);
  }
}

/* An index price at ts: every risk state takes it (and posts the spread capture of the
 * liquidation fills it marks, capture.h). */
static bk_rc each_index(bk_sim *s, uint32_t k, int64_t index, int64_t ts) {
  for (size_t p = 0; p < s->cfg.npolicies; p++) {
    bk_risk *rs[2] = {s->risk[p], s->shadow[p]};
    for (int j = 0; j < 2; j++) {
      bk_rc rc = rs[j] ? bk_risk_on_index(rs[j], k, index, ts) : BK_OK;
      if (rc) return risk_fail(s, p, rs[j], rc);
    }
  }
  return BK_OK;
}

/* The run's end: the liquidation fills still held for spread capture are marked to the
 * last index, before the last sample (capture.h). */
static bk_rc each_end_captures(bk_sim *s) {
  for (size_t p = 0; p < s->cfg.npolicies; p++) {
    bk_risk *rs[2] = {s->risk[p], s->shadow[p]};
    for (int j = 0; j < 2; j++) {
      bk_rc rc = rs[j] ? bk_risk_end_captures(rs[j], s->last_ts) : BK_OK;
      if (rc) return risk_fail(s, p, rs[j], rc);
    }
  }
  return BK_OK;
}

/* --- books ------------------------------------------------------------------------ */

/* Points books[k] at the book the risk engine should walk for contract k: the replayed
 * one when the data has it, else the depth model (rebuilt when due). */
static bk_rc choose_book(bk_sim *s, uint32_t k, int64_t mark) {
  const sim_contract *sc = &s->c[k];
  const bk_instr_state *st = sc->instr != BK_SIM_NONE ? bk_market_instr(s->market, sc->instr)
                                                      : NULL;
  bk_rc rc = bk_models_book(s->models, k, mark, s->last_ts, st, &s->books[k]);
  if (rc) return bk_err_set(&s->err, rc, "simulation: depth model: %s", bk_rc_name(rc));
  return BK_OK;
}

/* --- marks -------------------------------------------------------------------------- */

/* A new mark for contract k at ts: tracked in the warm-up, acted on in the window. */
static bk_rc new_mark(bk_sim *s, uint32_t k, int64_t mark, int64_t ts) {
  if (mark <= 0) return BK_OK;
  s->c[k].mark = mark;
  if (!s->in_window) {
    each_set_mark(s, k, mark);
    return BK_OK;
  }
  bk_rc rc = choose_book(s, k, mark);
  if (!rc) rc = each_mark(s, k, mark, ts);
  return rc;
}

/* --- funding ------------------------------------------------------------------------ */

/* Settles every contract whose announced funding time is at or before now (in the window,
 * once it has a mark) and finds the next one due. */
static bk_rc settle_funding(bk_sim *s, int64_t now) {
  s->next_funding = INT64_MAX;
  for (uint32_t k = 0; k < s->cfg.ncontracts; k++) {
    sim_contract *sc = &s->c[k];
    if (sc->fund_next == 0) continue;
    if (sc->fund_next <= now) {
      int64_t at = sc->fund_next;
      sc->fund_next = 0;
      if (!s->in_window || sc->mark == 0) continue;
      for (size_t p = 0; p < s->cfg.npolicies; p++) {
        bk_risk *rs[2] = {s->risk[p], s->shadow[p]};
        for (int j = 0; j < 2; j++) {
          if (!rs[j]) continue;
          bk_rc rc = bk_risk_on_funding(rs[j], k, sc->fund_rate, at);
          if (rc) return risk_fail(s, p, rs[j], rc);
        }
      }
    } else if (sc->fund_next < s->next_funding) {
      s->next_funding = sc->fund_next;
    }
  }
  return BK_OK;
}

/* --- sampling ----------------------------------------------------------------------- */

/* Folds liquidation records not yet counted into the cumulative totals. */
static bk_rc fold_records(bk_sim *s, size_t p) {
  const bk_risk *r = s->risk[p];
  for (size_t i = s->rec_seen[p]; i < r->nrecs; i++) {
    const bk_liq_rec *rec = &r->recs[i];
    size_t a = p * s->cfg.nassets + s->contracts[rec->contract].settle;
    if (bk_add(s->liq_notional[a], rec->notional, &s->liq_notional[a]))
      return bk_err_set(&s->err, BK_ERANGE, "simulation: liquidated notional overflows");
    s->liq_count[a]++;
  }
  s->rec_seen[p] = r->nrecs;
  return BK_OK;
}

/* The open interest the data last gave for the contracts of an asset, as notional at
 * their marks (-1 when none has given one). */
static int64_t data_oi(const bk_sim *s, uint32_t asset) {
  bk_i128 sum = 0;
  int have = 0;
  for (uint32_t k = 0; k < s->cfg.ncontracts; k++) {
    const sim_contract *sc = &s->c[k];
    const bk_contract *c = &s->contracts[k];
    if (c->settle != asset || sc->instr == BK_SIM_NONE || sc->mark <= 0) continue;
    const bk_instr_state *st = bk_market_instr(s->market, sc->instr);
    if (!st || st->oi_ts == 0) continue;
    int64_t n, size;
    have = 1;
    if (st->oi == 0) continue;
    if (bk_oi_contracts(c, st->oi, &size) || bk_pos_notional(c, size, sc->mark, &n))
      n = INT64_MAX;
    sum += n;
  }
  return !have ? -1 : sum > INT64_MAX ? INT64_MAX : (int64_t)sum;
}

/* Takes a sample of every policy's fund (none without keep_detail: they are for fund.csv). */
static bk_rc sample(bk_sim *s, int64_t ts) {
  size_t na = s->cfg.nassets, per = s->cfg.npolicies * na;
  if (!s->cfg.keep_detail) return BK_OK;
  if (s->nsamples == s->scap) {
    size_t cap = s->scap ? s->scap * 2 : 256;
    bk_sim_sample *v = realloc(s->samples, cap * per * sizeof *v);
    if (!v) return bk_err_set(&s->err, BK_ENOMEM, "simulation: out of memory");
    /* re-spread: rows are laid out [policy*asset][i] with stride cap */
    for (size_t row = per; row-- > 0;)
      memmove(v + row * cap, v + row * s->scap, s->nsamples * sizeof *v);
    s->samples = v;
    s->scap = cap;
  }
  for (size_t p = 0; p < s->cfg.npolicies; p++) {
    const bk_risk *r = s->risk[p];
    bk_rc rc = fold_records(s, p);
    if (rc) return rc;
    for (size_t a = 0; a < na; a++) {
      bk_sim_sample *x = &s->samples[(p * na + a) * s->scap + s->nsamples];
      memset(x, 0, sizeof *x);
      x->ts = ts;
      x->cash = r->fund.cash[a];
      if (bk_fund_inv_pnl(&r->fund, &r->env, (uint32_t)a, &x->inventory_pnl) ||
          bk_add(x->cash, x->inventory_pnl, &x->equity))
        return bk_err_set(&s->err, BK_ERANGE, "simulation: fund equity overflows");
      for (int c = 0; c < BK_CAUSES; c++) {
        x->in[c] = r->ledger.fund_in[c][a];
        x->out[c] = r->ledger.fund_out[c][a];
      }
      x->liq_notional = s->liq_notional[p * na + a];
      x->liquidations = s->liq_count[p * na + a];
      x->accounts = s->opened[a];
      x->closed = s->closed[p][a];
      bk_census_oi(r, (uint32_t)a, &x->oi_long, &x->oi_short);
      x->data_oi = data_oi(s, (uint32_t)a);
    }
  }
  s->nsamples++;
  return BK_OK;
}

/* Takes the samples due before an event at ts; a jump in time that would need more than
 * BK_SIM_MAX_ROWS sample rows in all is an error, not gigabytes of flat rows. */
static bk_rc sample_until(bk_sim *s, int64_t ts) {
  size_t most = BK_SIM_MAX_ROWS / (s->cfg.npolicies * s->cfg.nassets);
  if (s->next_sample <= ts &&
      (ts - s->next_sample) / s->cfg.sample_us + 1 > (bk_i128)most - (bk_i128)s->nsamples) {
    char when[40];
    bk_time_format(ts, when, sizeof when);
    return bk_err_set(&s->err, BK_ERANGE,
                      "simulation: an event at %s is more than %zu report intervals after "
                      "the window's start (%d fund rows in all at most); narrow the window "
                      "or lengthen the interval", when, most, BK_SIM_MAX_ROWS);
  }
  while (s->next_sample <= ts) {
    bk_rc rc = sample(s, (int64_t)s->next_sample);
    if (rc) return rc;
    s->next_sample += s->cfg.sample_us;
  }
  return BK_OK;
}

/* --- the census of the population ------------------------------------------------- */

/* Takes the census of every asset as the window opens, in the first policy's accounts. */
static bk_rc take_census(bk_sim *s, int64_t ts) {
  for (uint32_t a = 0; a < s->cfg.nassets; a++)
    if (bk_census_take(s->risk[0], a, &s->census[a]))
      return bk_err_set(&s->err, BK_ERANGE, "simulation: the population's margin in %s "
                        "overflows", s->assets[a].name);
  s->census_taken = 1;
  s->census_ts = ts;
  return BK_OK;
}

bk_sim_census bk_sim_census_of(const bk_sim *s, uint32_t asset, int at_start) {
  if (at_start) return s->census[asset];
  bk_sim_census c;
  bk_census_take(s->risk[0], asset, &c); /* an overflow leaves the buckets incomplete */
  return c;
}

int64_t bk_sim_census_ts(const bk_sim *s) { return s->census_ts; }

uint64_t bk_sim_closed(const bk_sim *s, uint32_t asset) { return s->closed[0][asset]; }

int64_t bk_sim_position(const bk_sim *s, size_t policy, uint32_t id, uint32_t contract) {
  const bk_risk *r = s->risk[policy];
  if (id >= r->nacct) return 0;
  int i = bk_acct_find(&r->acct[id], contract);
  return i < 0 ? 0 : r->acct[id].pos[i].size;
}

/* --- the observer ------------------------------------------------------------------- */

/* The contract an event is on, or BK_SIM_NONE. */
static uint32_t contract_of(const bk_sim *s, const bk_event *ev) {
  return ev->instr < s->cfg.ninstruments ? s->contract_of[ev->instr] : BK_SIM_NONE;
}

/* Opens the window at ts (the first time at or after cfg.from that the run reaches): the
 * fund's first sample, at the window's start, and every known mark acts. */
static bk_rc open_window(bk_sim *s, int64_t ts) {
  bk_rc rc;
  s->in_window = 1;
  bk_i128 start = s->cfg.from != INT64_MIN ? s->cfg.from : ts, su = s->cfg.sample_us;
  s->next_sample = start - (start % su + su) % su;
  if (s->next_sample < INT64_MIN) s->next_sample += su; /* the first interval inside */
  if ((rc = sample(s, (int64_t)s->next_sample))) return rc; /* the fund at the start */
  s->next_sample += su;
  for (uint32_t k = 0; k < s->cfg.ncontracts; k++) /* start the window on known marks */
    if (s->c[k].mark && (rc = new_mark(s, k, s->c[k].mark, ts))) return rc;
  for (size_t p = 0; p < s->cfg.npolicies; p++) {
    bk_risk_collateral_start(s->risk[p]);
    if (s->shadow[p]) bk_risk_collateral_start(s->shadow[p]);
  }
  return BK_OK;
}

/* The derived marks that buckets closed by this event's time (engine/models.h), each at
 * its bucket's end (one end for all), before the event itself: first what was due by
 * then (the window's opening, the fund samples, the funding), then the mark. Before the
 * window they are tracked only. In a set, every simulation takes them before any takes
 * the event, so that each reads the shared models at the marks' times as it would alone. */
static bk_rc closed_marks(bk_sim *s) {
  size_t n;
  const bk_models_mark *v = bk_models_closed(s->models, &n);
  for (size_t i = 0; i < n; i++) {
    uint32_t k = v[i].contract;
    int64_t at = v[i].at;
    bk_rc rc;
    if (v[i].mark == s->c[k].mark) continue;
    s->last_ts = at;
    if (!s->in_window && at >= s->cfg.from && (rc = open_window(s, at))) return rc;
    if (s->in_window && (rc = sample_until(s, at))) return rc;
    if (at >= s->next_funding && (rc = settle_funding(s, at))) return rc;
    if ((rc = new_mark(s, k, v[i].mark, at))) return rc;
  }
  return BK_OK;
}

/* What one simulation does with an event, between the two halves of the market models'
 * (engine/models.h), once it has taken the marks the event's time closed. */
static bk_rc on_event(bk_sim *s, const bk_event *ev) {
  bk_rc rc;
  s->events++;
  if (s->first_ts == INT64_MIN) s->first_ts = ev->ts;
  s->last_ts = ev->ts;
  if (!s->in_window && ev->ts >= s->cfg.from && (rc = open_window(s, ev->ts))) return rc;
  if (s->in_window && (rc = sample_until(s, ev->ts))) return rc;
  if (ev->ts >= s->next_funding && (rc = settle_funding(s, ev->ts))) return rc;
  for (size_t i = 0; i < s->npops; i++) {
    bk_population *p = s->pops[i];
    if (p->event && (rc = p->event(p, s, ev)))
      return bk_err_set(&s->err, rc, "population %s: %s", p->name, p->err.msg);
  }
  if (s->in_window && !s->census_taken && (rc = take_census(s, ev->ts)))
    return rc; /* once the populations opened what they open */
  uint32_t k = contract_of(s, ev);
  if (k == BK_SIM_NONE) return BK_OK;
  sim_contract *sc = &s->c[k];
  switch (ev->kind) {
  case BK_EV_TRADE:
    /* on a contract marked from trades, the first trade sets a mark so accounts can open */
    if (bk_models_mark_source(s->models, k) == BK_SRC_TRADES && sc->mark == 0) {
      sc->mark = ev->price;
      each_set_mark(s, k, ev->price);
    }
    if (s->in_window)
      for (size_t p = 0; p < s->cfg.npolicies; p++) {
        bk_risk *rs[2] = {s->risk[p], s->shadow[p]};
        for (int j = 0; j < 2; j++)
          if (rs[j] && (rc = bk_risk_on_trade(rs[j], k, ev->side, ev->price, ev->qty, ev->ts)))
            return risk_fail(s, p, rs[j], rc);
      }
    return BK_OK;
  case BK_EV_MARK:
    return new_mark(s, k, ev->price, ev->ts);
  case BK_EV_INDEX:
    return each_index(s, k, ev->price, ev->ts);
  case BK_EV_FUNDING:
    sc->fund_rate = ev->price;
    if (ev->aux > ev->ts) {
      sc->fund_next = ev->aux;
      if (ev->aux < s->next_funding) s->next_funding = ev->aux;
    }
    return BK_OK;
  default:
    return BK_OK;
  }
}

/* The second half of the market models' event, for the simulation that drives them. */
static bk_rc models_after(bk_sim *s, const bk_event *ev) {
  uint32_t k = contract_of(s, ev);
  bk_rc rc = bk_models_after(s->own, k, ev, s->market);
  if (rc == BK_ENOMEM) return bk_err_set(&s->err, rc, "simulation: out of memory");
  if (rc)
    return bk_err_set(&s->err, rc, "simulation: the warm-up notional of contract %u overflows",
                      k);
  return BK_OK;
}

static bk_rc on_event_one(void *ctx, const bk_event *ev) {
  bk_sim *s = ctx;
  bk_models_before(s->own, contract_of(s, ev), ev);
  bk_rc rc = closed_marks(s);
  if (!rc) rc = on_event(s, ev);
  return rc ? rc : models_after(s, ev);
}

bk_rc bk_sim_attach(bk_sim *s, bk_replay *r) {
  bk_observer o = {.on_event = on_event_one, .ctx = s};
  return bk_replay_observe(r, &o);
}

/* Checks the legs of an account before anything is opened: known contracts with a
 * mark, settling in the account's asset, each contract once, no size 0. */
static bk_rc check_legs(bk_sim *s, uint32_t settle, const bk_sim_leg *legs, size_t n) {
  if (settle >= s->cfg.nassets)
    return bk_err_set(&s->err, BK_EDATA, "simulation: account on an unknown asset");
  for (size_t i = 0; i < n; i++) {
    uint32_t k = legs[i].contract;
    if (k >= s->cfg.ncontracts || legs[i].size == 0)
      return bk_err_set(&s->err, BK_EDATA, "simulation: a position on an unknown contract "
                        "or of size 0");
    if (s->contracts[k].settle != settle)
      return bk_err_set(&s->err, BK_EDATA, "simulation: contract %u settles in another asset "
                        "than the account", k);
    if (s->c[k].mark == 0)
      return bk_err_set(&s->err, BK_EDATA, "simulation: contract %u has no mark yet", k);
    for (size_t j = 0; j < i; j++)
      if (legs[j].contract == k)
        return bk_err_set(&s->err, BK_EDATA, "simulation: two positions on contract %u in "
                          "one account", k);
  }
  return BK_OK;
}

static bk_rc set_failed(bk_sim_set *set, size_t i, bk_rc rc) {
  set->failed = i;
  return rc;
}

/* An event for every simulation of a set: the first half of each distinct market model
 * (driven by the simulation that owns it), the marks it closed for every simulation,
 * every simulation, then the second halves. */
static bk_rc on_event_set(void *ctx, const bk_event *ev) {
  bk_sim_set *set = ctx;
  bk_sim *const *v = set->sims;
  bk_rc rc;
  for (size_t i = 0; i < set->n; i++)
    if (v[i]->own) bk_models_before(v[i]->own, contract_of(v[i], ev), ev);
  for (size_t i = 0; i < set->n; i++)
    if ((rc = closed_marks(v[i]))) return set_failed(set, i, rc);
  for (size_t i = 0; i < set->n; i++)
    if ((rc = on_event(v[i], ev))) return set_failed(set, i, rc);
  for (size_t i = 0; i < set->n; i++)
    if (v[i]->own && (rc = models_after(v[i], ev))) return set_failed(set, i, rc);
  return BK_OK;
}

/* Lets each simulation of a set read the models of the first earlier one whose models
 * have the same parameters, freeing its own (none has seen an event yet). */
static void share_models(bk_sim_set *set) {
  for (size_t i = 1; i < set->n; i++) {
    bk_sim *s = set->sims[i];
    bk_models_params mp;
    models_params(s, &mp);
    for (size_t j = 0; j < i; j++) {
      bk_sim *o = set->sims[j];
      if (!o->own || !bk_models_same(o->own, &mp)) continue;
      bk_models_free(s->own);
      s->own = NULL;
      s->models = o->own;
      break;
    }
  }
}

bk_rc bk_sim_attach_set(bk_sim_set *set, bk_replay *r) {
  set->failed = 0;
  bk_observer o = {.on_event = on_event_set, .ctx = set};
  bk_rc rc = bk_replay_observe(r, &o);
  if (!rc) share_models(set);
  return rc;
}

bk_rc bk_sim_open_cross(bk_sim *s, uint32_t settle, int64_t deposit, const bk_sim_leg *legs,
                        size_t nlegs, uint32_t *id) {
  bk_rc rc = check_legs(s, settle, legs, nlegs);
  if (rc) return rc;
  for (size_t p = 0; p < s->cfg.npolicies; p++) {
    bk_risk *rs[2] = {s->risk[p], s->shadow[p]};
    for (int j = 0; j < 2; j++) {
      if (!rs[j]) continue;
      uint32_t got;
      rc = bk_risk_add_account(rs[j], settle, deposit, &got);
      for (size_t i = 0; !rc && i < nlegs; i++)
        rc = bk_risk_trade(rs[j], got, legs[i].contract, legs[i].size, legs[i].entry);
      if (rc) return risk_fail(s, p, rs[j], rc);
      *id = got;
    }
  }
  s->opened[settle]++;
  return BK_OK;
}

bk_rc bk_sim_open(bk_sim *s, uint32_t settle, int64_t deposit, uint32_t contract,
                  int64_t size, int64_t entry, uint32_t *id) {
  bk_sim_leg leg = {contract, size, entry};
  return bk_sim_open_cross(s, settle, deposit, &leg, size != 0, id);
}

bk_rc bk_sim_add_collateral(bk_sim *s, const char *name, int64_t haircut, uint32_t contract,
                            uint32_t *index) {
  for (size_t p = 0; p < s->cfg.npolicies; p++) {
    bk_risk *rs[2] = {s->risk[p], s->shadow[p]};
    for (int j = 0; j < 2; j++) {
      bk_rc rc = rs[j] ? bk_risk_add_collateral(rs[j], name, haircut, contract, index) : BK_OK;
      if (rc) return risk_fail(s, p, rs[j], rc);
    }
  }
  return BK_OK;
}

bk_rc bk_sim_collateral_amount(const bk_sim *s, uint32_t settle, uint32_t asset,
                               int64_t value, int64_t *amount) {
  return bk_risk_collateral_amount(s->risk[0], settle, asset, value, amount);
}

bk_rc bk_sim_post_collateral(bk_sim *s, uint32_t id, uint32_t asset, int64_t amount) {
  for (size_t p = 0; p < s->cfg.npolicies; p++) {
    bk_risk *rs[2] = {s->risk[p], s->shadow[p]};
    for (int j = 0; j < 2; j++) {
      bk_rc rc = rs[j] ? bk_risk_post_collateral(rs[j], id, asset, amount) : BK_OK;
      if (rc) return risk_fail(s, p, rs[j], rc);
    }
  }
  return BK_OK;
}

/* 1 when account a still holds something to leave with: a position, cash or collateral. */
static int holds_something(const bk_account *a) {
  return a->npos > 0 || a->cash != 0 || a->ncoll > 0;
}

bk_rc bk_sim_close(bk_sim *s, uint32_t id, int *left) {
  *left = 0;
  if (id >= s->risk[0]->nacct)
    return bk_err_set(&s->err, BK_EDATA, "simulation: no account %u to close", id);
  uint32_t settle = s->risk[0]->acct[id].settle;
  for (size_t p = 0; p < s->cfg.npolicies; p++) {
    bk_risk *rs[2] = {s->risk[p], s->shadow[p]};
    int had = holds_something(&rs[0]->acct[id]);
    for (int j = 0; j < 2; j++) {
      int gone = 0;
      bk_rc rc = rs[j] ? bk_risk_close_account(rs[j], id, s->last_ts, &gone) : BK_OK;
      if (rc) return risk_fail(s, p, rs[j], rc);
      if (j == 0 && gone && had) s->closed[p][settle]++;
      if (j == 0 && p == 0) *left = gone;
    }
  }
  return BK_OK;
}

bk_rc bk_sim_label(bk_sim *s, uint32_t id, const char *label) {
  size_t len = strlen(label), n = s->nlabel;
  size_t *v = bk_vec_grow(s->label, &n, (size_t)id + 1, sizeof *v);
  if (!v) return BK_ENOMEM;
  memset(v + s->nlabel, 0, (n - s->nlabel) * sizeof *v);
  s->label = v;
  s->nlabel = n;
  char *t = bk_vec_grow(s->labels, &s->labelcap, s->nlabels + len + 1, 1);
  if (!t) return BK_ENOMEM;
  s->labels = t;
  memcpy(s->labels + s->nlabels, label, len + 1);
  s->label[id] = s->nlabels + 1;
  s->nlabels += len + 1;
  return BK_OK;
}

const char *bk_sim_label_of(const bk_sim *s, uint32_t id) {
  return id < s->nlabel && s->label[id] ? s->labels + s->label[id] - 1 : NULL;
}

bk_rc bk_sim_finish(bk_sim *s) {
  bk_rc rc = BK_OK;
  if (s->in_window) {
    if ((rc = sample_until(s, s->last_ts)) || (rc = each_end_captures(s))) return rc;
    if (s->samples && s->nsamples > 0 &&
        s->samples[s->nsamples - 1].ts != s->last_ts && (rc = sample(s, s->last_ts)))
      return rc;
  }
  for (size_t i = 0; i < s->npops; i++) {
    bk_population *p = s->pops[i];
    if (p->finish && (rc = p->finish(p, s)))
      return bk_err_set(&s->err, rc, "population %s: %s", p->name, p->err.msg);
  }
  for (size_t p = 0; p < s->cfg.npolicies; p++) {
    bk_risk *rs[2] = {s->risk[p], s->shadow[p]};
    if ((rc = bk_adl_rounds_finish(s->risk[p]))) return risk_fail(s, p, s->risk[p], rc);
    for (int j = 0; j < 2; j++)
      if (rs[j] && (rc = bk_risk_check(rs[j]))) return risk_fail(s, p, rs[j], rc);
  }
  return BK_OK;
}

/* --- results ------------------------------------------------------------------------ */

size_t bk_sim_npolicies(const bk_sim *s) { return s->cfg.npolicies; }
const bk_risk *bk_sim_risk(const bk_sim *s, size_t p) { return s->risk[p]; }
const bk_risk *bk_sim_shadow(const bk_sim *s, size_t p) { return s->shadow[p]; }

const bk_sim_sample *bk_sim_samples(const bk_sim *s, size_t p, uint32_t asset, size_t *n) {
  *n = s->nsamples;
  if (!s->samples) return NULL;
  return &s->samples[(p * s->cfg.nassets + asset) * s->scap];
}

int64_t bk_sim_safe_fund(const bk_sim *s, size_t p, uint32_t asset) {
  return s->shadow[p] ? bk_risk_safe_fund(s->shadow[p], asset) : -1;
}

const bk_sim_config *bk_sim_config_get(const bk_sim *s) { return &s->cfg; }
int bk_sim_mark_source(const bk_sim *s, uint32_t k) {
  return bk_models_mark_source(s->models, k);
}
int bk_sim_book_source(const bk_sim *s, uint32_t k) {
  return bk_models_book_source(s->models, k);
}
int64_t bk_sim_mark(const bk_sim *s, uint32_t k) { return s->c[k].mark; }
int64_t bk_sim_warmup_notional(const bk_sim *s, uint32_t k) {
  return bk_models_warmup_notional(s->models, k);
}
const bk_models *bk_sim_models(const bk_sim *s) { return s->models; }
const bk_market *bk_sim_market(const bk_sim *s) { return s->market; }
uint64_t bk_sim_events(const bk_sim *s) { return s->events; }
const bk_err *bk_sim_err(const bk_sim *s) { return &s->err; }

