/*
 * The synthetic, calibrated population (see pop_synth.h). Its event hook runs for every
 * event of the warm-up — hundreds of thousands to tens of millions — so the per-event work
 * is O(1): a contract lookup, a mark-path bucket update, and for a trade one reservoir
 * draw. Everything else (sorting, leverage draws, sizing, survival) runs once per contract
 * when the window opens, over at most `accounts` candidates each.
 */
#include "strategies/pop_synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/census.h"
#include "engine/event.h"
#include "engine/fixed.h"
#include "engine/rng.h"
#include "engine/vec.h"

typedef struct cand_rec {
  bk_popsynth_cand c;
  uint64_t seq; /* index of the trade in the contract's warm-up tape */
} cand_rec;

typedef struct mark_range {
  int64_t lo, hi;
} mark_range;

typedef struct contract_state {
  cand_rec *res;        /* reservoir, `accounts` slots */
  size_t nres;
  uint64_t trades;
  int64_t oi;           /* last replayed open interest (venue units) */
  int have_oi;
  uint64_t rng;         /* the contract's own stream: reservoir, then leverage draws */
  int64_t b0;           /* first bucket index of the mark path */
  mark_range *path;     /* per bucket extremes of the mark (0 = none) */
  size_t nb, cap;
  bk_popsynth_stats st;
} contract_state;

typedef struct synth_pop {
  bk_population base;
  bk_popsynth_config cfg;
  int64_t *target;      /* copy of cfg.target_quote */
  uint64_t *stream;     /* [contract]: digest of its name (bk_rng_name), from cfg.names */
  size_t nstream;
  bk_lev_table lev;
  contract_state *cs;
  size_t ncs;
  int64_t from;
  int done;
} synth_pop;

void bk_popsynth_config_init(bk_popsynth_config *c) {
  memset(c, 0, sizeof *c);
  c->seed = 1;
  bk_lev_config_default(&c->lev);
  c->accounts = 1000;
  c->oi_share = BK_FX(1);
  c->oi_scale = BK_FX(1);
  c->volume_multiple = BK_FX_SCALE / 2;
  c->lot = BK_FX(1);
  c->bucket_us = 60 * INT64_C(1000000);
  c->survivors_only = 1;
}

static void synth_free(bk_population *pp) {
  synth_pop *p = (synth_pop *)pp;
  if (!p) return;
  for (size_t i = 0; i < p->ncs; i++) {
    free(p->cs[i].res);
    free(p->cs[i].path);
  }
  free(p->cs);
  free(p->stream);
  free(p->target);
  free(p);
}

static bk_rc synth_start(bk_population *pp, bk_sim *s) {
  synth_pop *p = (synth_pop *)pp;
  const bk_sim_config *sc = bk_sim_config_get(s);
  if (sc->from == INT64_MIN)
    return bk_err_set(&pp->err, BK_ECONFIG,
                      "synthetic population: the window has no start, so there is no "
                      "warm-up tape to open accounts from (give the window a `from`)");
  p->from = sc->from;
  p->cs = calloc(sc->ncontracts ? sc->ncontracts : 1, sizeof *p->cs);
  if (!p->cs) return bk_err_set(&pp->err, BK_ENOMEM, "synthetic population: no memory");
  p->ncs = sc->ncontracts;
  for (size_t i = 0; i < p->ncs; i++) {
    char index[24];
    snprintf(index, sizeof index, "%zu", i);
    uint64_t name = i < p->nstream ? p->stream[i] : bk_rng_name(index);
    p->cs[i].rng = bk_rng_stream(p->cfg.seed, name, p->cfg.draw);
    p->cs[i].res = malloc(p->cfg.accounts * sizeof *p->cs[i].res);
    if (!p->cs[i].res) return bk_err_set(&pp->err, BK_ENOMEM, "synthetic population: no memory");
  }
  return BK_OK;
}

static bk_rc track_mark(contract_state *c, int64_t ts, int64_t bucket_us, int64_t mark) {
  if (mark <= 0) return BK_OK;
  int64_t b = ts / bucket_us;
  if (c->nb == 0) c->b0 = b;
  if (b < c->b0) b = c->b0; /* the replay clock never goes back; be safe anyway */
  size_t k = (size_t)(b - c->b0);
  mark_range *path = bk_vec_grow_from(c->path, &c->cap, k + 1, sizeof *path, 256);
  if (!path) return BK_ENOMEM;
  c->path = path;
  while (c->nb <= k) path[c->nb++] = (mark_range){0, 0};
  if (path[k].lo == 0 || mark < path[k].lo) path[k].lo = mark;
  if (mark > path[k].hi) path[k].hi = mark;
  return BK_OK;
}

static int cand_seq_cmp(const void *a, const void *b) {
  uint64_t x = ((const cand_rec *)a)->seq, y = ((const cand_rec *)b)->seq;
  return x < y ? -1 : x > y;
}

bk_rc bk_popsynth_target(const bk_contract *c, const bk_popsynth_basis *b, int64_t *t,
                         int *src) {
  *t = 0;
  *src = BK_OI_NONE;
  if (b->have_oi && b->oi > 0) {
    *src = BK_OI_REPLAYED;
    return bk_oi_contracts(c, b->oi, t);
  }
  if (b->target_quote > 0) {
    *src = BK_OI_SCENARIO;
    return bk_pop_contracts_for(c, b->target_quote, 1, b->mark, 1, t);
  }
  if (b->warm_notional <= 0) return BK_OK;
  *src = BK_OI_VOLUME;
  int64_t n;
  bk_rc rc = bk_fx_mul(b->warm_notional, b->volume_multiple, BK_FLOOR, &n);
  if (!rc) rc = bk_pop_contracts_for(c, n, 0, b->mark, 1, t);
  return rc;
}

/* The open-interest target of contract k in contracts (one side), and its source. */
static bk_rc target_of(synth_pop *p, bk_sim *s, uint32_t k, int64_t mark, int64_t *t,
                       int *src) {
  const contract_state *cs = &p->cs[k];
  bk_popsynth_basis b = {cs->have_oi, cs->oi,
                         p->target && k < p->cfg.ntarget ? p->target[k] : 0,
                         bk_sim_warmup_notional(s, k), p->cfg.volume_multiple, mark};
  return bk_popsynth_target(&bk_sim_config_get(s)->contracts[k], &b, t, src);
}

/* Opens the population of every contract: the window has started. */
static bk_rc synth_open_all(synth_pop *p, bk_sim *s) {
  const bk_sim_config *sc = bk_sim_config_get(s);
  bk_population *pp = &p->base;
  p->done = 1;
  for (uint32_t k = 0; k < p->ncs; k++) {
    contract_state *cs = &p->cs[k];
    const bk_contract *c = &sc->contracts[k];
    int64_t mark = bk_sim_mark(s, k);
    cs->st.trades = cs->trades;
    cs->st.sampled = cs->nres;
    if (cs->nres == 0 || mark <= 0) continue;
    qsort(cs->res, cs->nres, sizeof *cs->res, cand_seq_cmp);
    /* suffix extremes of the mark path: what the mark did from each bucket to the end */
    for (size_t b = cs->nb; b-- > 1;) {
      mark_range *now = &cs->path[b], *before = &cs->path[b - 1];
      if (now->lo && (!before->lo || now->lo < before->lo)) before->lo = now->lo;
      if (now->hi > before->hi) before->hi = now->hi;
    }
    bk_popsynth_cand *cand = malloc(cs->nres * sizeof *cand);
    bk_popsynth_open *op = malloc(cs->nres * sizeof *op);
    if (!cand || !op) {
      free(cand);
      free(op);
      return bk_err_set(&pp->err, BK_ENOMEM, "synthetic population: no memory");
    }
    for (size_t i = 0; i < cs->nres; i++) {
      cand[i] = cs->res[i].c;
      cand[i].lev = bk_lev_draw(&p->lev, &cs->rng);
      int64_t b = cand[i].ts / p->cfg.bucket_us - cs->b0;
      if (cs->nb && b >= 0 && (size_t)b < cs->nb) {
        cand[i].lo = cs->path[b].lo;
        cand[i].hi = cs->path[b].hi;
      }
    }
    int64_t target, gross;
    size_t nout = 0, dropped = 0;
    bk_rc rc = target_of(p, s, k, mark, &target, &cs->st.source);
    if (!rc) rc = bk_fx_mul(target, p->cfg.oi_scale, BK_FLOOR, &target);
    if (!rc) rc = bk_fx_mul(target, p->cfg.oi_share, BK_FLOOR, &target);
    if (!rc) target = target / p->cfg.lot * p->cfg.lot;
    if (!rc) rc = bk_add(target, target, &gross);
    if (!rc) rc = bk_popsynth_plan(c, cand, cs->nres, gross, p->cfg.lot, p->cfg.cushion,
                                   p->cfg.survivors_only, op, &nout, &dropped);
    cs->st.target = target;
    cs->st.dropped = dropped;
    for (size_t i = 0; !rc && i < nout; i++) {
      uint32_t id;
      rc = bk_sim_open(s, c->settle, op[i].deposit, k, op[i].size, op[i].entry, &id);
      if (rc) {
        const bk_err *e = bk_sim_err(s);
        bk_err_set(&pp->err, rc, "synthetic population: opening an account on contract %u: %s",
                   k, e && e->msg[0] ? e->msg : bk_rc_name(rc));
        break;
      }
      if (cs->st.opened++ == 0) cs->st.first_id = id;
      if (op[i].size > 0) cs->st.longs += op[i].size;
      else cs->st.shorts -= op[i].size;
    }
    free(cand);
    free(op);
    if (rc) {
      if (pp->err.rc == BK_OK)
        bk_err_set(&pp->err, rc, "synthetic population: sizing contract %u failed", k);
      return rc;
    }
  }
  return BK_OK;
}

static bk_rc synth_event(bk_population *pp, bk_sim *s, const bk_event *ev) {
  synth_pop *p = (synth_pop *)pp;
  if (p->done) return BK_OK;
  if (ev->ts >= p->from) return synth_open_all(p, s);
  const bk_sim_config *sc = bk_sim_config_get(s);
  if (ev->instr >= sc->ninstruments) return BK_OK;
  uint32_t k = sc->contract_of[ev->instr];
  if (k == BK_SIM_NONE || k >= p->ncs) return BK_OK;
  contract_state *cs = &p->cs[k];
  if (track_mark(cs, ev->ts, p->cfg.bucket_us, bk_sim_mark(s, k)))
    return bk_err_set(&pp->err, BK_ENOMEM, "synthetic population: no memory");
  if (ev->kind == BK_EV_OI) {
    cs->oi = ev->qty;
    cs->have_oi = 1;
  } else if (ev->kind == BK_EV_TRADE && ev->price > 0 && ev->qty > 0 &&
             (ev->side == BK_BUY || ev->side == BK_SELL)) {
    uint64_t seq = cs->trades++;
    size_t slot = cs->nres;
    if (cs->nres == p->cfg.accounts) { /* algorithm R: keep it with probability k / n */
      uint64_t j = bk_rng_below(&cs->rng, cs->trades);
      if (j >= p->cfg.accounts) return BK_OK;
      slot = (size_t)j;
    } else {
      cs->nres++;
    }
    cand_rec *r = &cs->res[slot];
    memset(r, 0, sizeof *r);
    r->seq = seq;
    r->c.ts = ev->ts;
    r->c.price = ev->price;
    r->c.side = ev->side;
    r->c.qty = ev->qty;
    if (sc->contracts[k].kind == BK_LINEAR && sc->contracts[k].contract_size != BK_FX(1)) {
      /* linear trades are in base units: weigh by contracts (at least one unit) */
      int64_t q;
      if (bk_fx_div(ev->qty, sc->contracts[k].contract_size, BK_FLOOR, &q) == BK_OK && q > 0)
        r->c.qty = q;
    }
  }
  return BK_OK;
}

bk_rc bk_pop_synth_new(const bk_popsynth_config *c, bk_population **out, bk_err *err) {
  *out = NULL;
  if (c->accounts == 0 || c->accounts > ((size_t)1 << 24))
    return bk_err_set(err, BK_ECONFIG, "synthetic population: accounts must be 1..%zu",
                      (size_t)1 << 24);
  if (c->cushion < 0) return bk_err_set(err, BK_ECONFIG, "synthetic population: cushion < 0");
  if (c->oi_share <= 0 || c->oi_share > BK_FX(1))
    return bk_err_set(err, BK_ECONFIG, "synthetic population: oi_share must be in (0, 1]");
  if (c->oi_scale <= 0)
    return bk_err_set(err, BK_ECONFIG, "synthetic population: oi_scale must be > 0");
  if (c->volume_multiple <= 0)
    return bk_err_set(err, BK_ECONFIG, "synthetic population: volume_multiple must be > 0");
  if (c->lot <= 0) return bk_err_set(err, BK_ECONFIG, "synthetic population: lot must be > 0");
  if (c->bucket_us <= 0)
    return bk_err_set(err, BK_ECONFIG, "synthetic population: bucket_us must be > 0");
  synth_pop *p = calloc(1, sizeof *p);
  if (!p) return bk_err_set(err, BK_ENOMEM, "synthetic population: no memory");
  bk_rc rc = bk_lev_build(&c->lev, &p->lev, err);
  if (rc) {
    free(p);
    return rc;
  }
  p->cfg = *c;
  if (c->target_quote && c->ntarget) {
    p->target = malloc(c->ntarget * sizeof *p->target);
    if (!p->target) {
      free(p);
      return bk_err_set(err, BK_ENOMEM, "synthetic population: no memory");
    }
    memcpy(p->target, c->target_quote, c->ntarget * sizeof *p->target);
  }
  p->cfg.target_quote = p->target;
  if (c->names && c->nnames) {
    if (!(p->stream = malloc(c->nnames * sizeof *p->stream))) {
      synth_free(&p->base);
      return bk_err_set(err, BK_ENOMEM, "synthetic population: no memory");
    }
    for (size_t k = 0; k < c->nnames; k++) p->stream[k] = bk_rng_name(c->names[k]);
    p->nstream = c->nnames;
  }
  p->cfg.names = NULL; /* borrowed: only their digests are kept */
  p->base.name = "synthetic";
  p->base.start = synth_start;
  p->base.event = synth_event;
  p->base.free = synth_free;
  *out = &p->base;
  return BK_OK;
}

bk_popsynth_stats bk_pop_synth_stats(const bk_population *pp, uint32_t contract) {
  bk_popsynth_stats z;
  memset(&z, 0, sizeof z);
  const synth_pop *p = (const synth_pop *)pp;
  if (!p || !p->done || contract >= p->ncs) return z;
  return p->cs[contract].st;
}

/* ---- sizing ---- */

static bk_rc size_all(const bk_contract *c, const bk_popsynth_cand *cand, size_t n,
                      const int64_t *w, int64_t lots, int64_t lot, int64_t cushion,
                      int64_t *alloc, bk_popsynth_open *o) {
  bk_rc rc = bk_pop_apportion(w, n, lots, alloc);
  for (size_t i = 0; !rc && i < n; i++) {
    o[i].cand = i;
    o[i].size = 0;
    if (alloc[i] == 0) continue;
    int64_t size = alloc[i] * lot, notional;
    if (cand[i].side == BK_SELL) size = -size;
    o[i].size = size;
    o[i].entry = cand[i].price;
    o[i].lev = cand[i].lev;
    rc = bk_pos_notional(c, size, cand[i].price, &notional);
    if (rc) break;
    const bk_tier *t = &c->tiers.v[bk_tiers_index(&c->tiers, notional)];
    if (t->max_lev > 0 && o[i].lev > t->max_lev) o[i].lev = t->max_lev;
    rc = bk_pop_deposit(c, size, cand[i].price, o[i].lev, cushion, &o[i].deposit);
    if (!rc) rc = bk_pop_single_prices(c, o[i].deposit, size, cand[i].price, &o[i].liq, NULL);
  }
  return rc;
}

bk_rc bk_popsynth_plan(const bk_contract *c, const bk_popsynth_cand *cand, size_t n, int64_t gross,
                       int64_t lot, int64_t cushion, int survivors_only, bk_popsynth_open *out,
                       size_t *nout, size_t *dropped) {
  *nout = 0;
  *dropped = 0;
  if (n == 0) return BK_OK;
  if (lot <= 0 || gross < 0) return BK_ERANGE;
  int64_t *w = malloc(n * sizeof *w), *alloc = malloc(n * sizeof *alloc);
  bk_rc rc = BK_ENOMEM;
  if (!w || !alloc) goto out;
  for (size_t i = 0; i < n; i++) w[i] = cand[i].qty > 0 ? cand[i].qty : 0;
  int64_t lots = gross / lot;
  if ((rc = size_all(c, cand, n, w, lots, lot, cushion, alloc, out))) goto out;
  if (survivors_only) {
    size_t dead = 0;
    for (size_t i = 0; i < n; i++) {
      if (w[i] == 0) continue;
      int64_t liq = out[i].liq, size = out[i].size;
      if (size == 0) { /* too small for a lot this time: test it at one lot */
        int64_t lev = cand[i].lev, dep;
        size = cand[i].side == BK_SELL ? -lot : lot;
        rc = bk_pop_deposit(c, size, cand[i].price, lev, cushion, &dep);
        if (!rc) rc = bk_pop_single_prices(c, dep, size, cand[i].price, &liq, NULL);
        if (rc) goto out;
      }
      int gone = size > 0 ? cand[i].lo > 0 && cand[i].lo <= liq
                          : cand[i].hi > 0 && cand[i].hi >= liq;
      if (gone) {
        w[i] = 0;
        dead++;
      }
    }
    *dropped = dead;
    if (dead && (rc = size_all(c, cand, n, w, lots, lot, cushion, alloc, out))) goto out;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (out[i].size != 0) out[k++] = out[i];
  *nout = k;
out:
  free(w);
  free(alloc);
  return rc;
}
