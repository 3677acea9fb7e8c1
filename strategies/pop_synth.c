/*
 * The synthetic, calibrated population (see pop_synth.h). Its event hook runs for every
 * event of the warm-up — hundreds of thousands to tens of millions — so the per-event work
 * is O(1): a contract lookup, a mark-path bucket update, and for a trade one reservoir
 * draw. Everything else (sorting, leverage draws, sizing, survival) runs once per contract
 * when the window opens, over at most `accounts` candidates each. Living, the window's
 * events cost the same (a lookup, and for a trade one draw); a contract's rebalance reads
 * the engine's size of each account it holds, sizes at most `accounts` trades per side and
 * closes accounts in O(1) each (pop_living.c).
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
  uint64_t leg_rng;     /* its second-leg stream: whom, on which contract, which side */
  uint64_t coll_rng;    /* its collateral stream: who posts collateral, which asset */
  int64_t b0;           /* first bucket index of the mark path */
  mark_range *path;     /* per bucket extremes of the mark (0 = none) */
  size_t nb, cap;
  int64_t start_target; /* the open-interest target at the window's start (living) */
  int64_t mean_size;    /* living: mean |size| of the accounts opened at the window's start */
  int64_t next_step;    /* living: end of the contract's rebalance step under way */
  bk_living live;       /* living: the accounts held and the step's trades */
  bk_popsynth_stats st;
} contract_state;

typedef struct synth_pop {
  bk_population base;
  bk_popsynth_config cfg;
  int64_t *target;      /* copy of cfg.target_quote */
  bk_living_point *oi_path; /* copy of cfg.oi_path */
  uint64_t *stream;     /* [contract]: digest of its name (bk_rng_name), from cfg.names */
  uint64_t *leg_stream; /* [contract]: digest of "second_leg:" its name, from cfg.names */
  uint64_t *coll_stream; /* [contract]: digest of "collateral:" its name, from cfg.names */
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
  c->lev_scale = BK_FX(1);
  c->volume_multiple = BK_FX_SCALE / 2;
  c->lot = BK_FX(1);
  c->bucket_us = 60 * INT64_C(1000000);
  c->survivors_only = 1;
  c->rebalance_us = 60 * INT64_C(1000000);
}

static void synth_free(bk_population *pp) {
  synth_pop *p = (synth_pop *)pp;
  if (!p) return;
  for (size_t i = 0; i < p->ncs; i++) {
    free(p->cs[i].res);
    free(p->cs[i].path);
    bk_living_fini(&p->cs[i].live);
  }
  free(p->cs);
  free(p->stream);
  free(p->leg_stream);
  free(p->coll_stream);
  free(p->target);
  free(p->oi_path);
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
  int64_t first_step = sc->from > INT64_MAX - p->cfg.rebalance_us ? INT64_MAX
                                                                  : sc->from + p->cfg.rebalance_us;
  p->cs = calloc(sc->ncontracts ? sc->ncontracts : 1, sizeof *p->cs);
  if (!p->cs) return bk_err_set(&pp->err, BK_ENOMEM, "synthetic population: no memory");
  p->ncs = sc->ncontracts;
  for (size_t i = 0; i < p->ncs; i++) {
    char index[24], leg[40], coll[40];
    snprintf(index, sizeof index, "%zu", i);
    snprintf(leg, sizeof leg, "second_leg:%zu", i);
    snprintf(coll, sizeof coll, "collateral:%zu", i);
    uint64_t name = i < p->nstream ? p->stream[i] : bk_rng_name(index);
    uint64_t leg_name = i < p->nstream ? p->leg_stream[i] : bk_rng_name(leg);
    uint64_t coll_name = i < p->nstream ? p->coll_stream[i] : bk_rng_name(coll);
    p->cs[i].rng = bk_rng_stream(p->cfg.seed, name, p->cfg.draw);
    p->cs[i].leg_rng = bk_rng_stream(p->cfg.seed, leg_name, p->cfg.draw);
    p->cs[i].coll_rng = bk_rng_stream(p->cfg.seed, coll_name, p->cfg.draw);
    p->cs[i].next_step = first_step;
    p->cs[i].res = malloc(p->cfg.accounts * sizeof *p->cs[i].res);
    if (!p->cs[i].res || (p->cfg.living && bk_living_init(&p->cs[i].live, p->cfg.accounts)))
      return bk_err_set(&pp->err, BK_ENOMEM, "synthetic population: no memory");
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

/* The share of a target the population holds, at its scale, in whole lots (rounded down). */
static bk_rc share_in_lots(const synth_pop *p, int64_t target, int64_t *out) {
  bk_rc rc = bk_fx_mul(target, p->cfg.oi_scale, BK_FLOOR, out);
  if (!rc) rc = bk_fx_mul(*out, p->cfg.oi_share, BK_FLOOR, out);
  if (!rc) *out = *out / p->cfg.lot * p->cfg.lot;
  return rc;
}

/* A planned account's second leg: on contract `on`, none when leg.size is 0. */
typedef struct second_leg {
  uint32_t on;
  bk_popsynth_leg leg;
} second_leg;

/* Counts a position of size in a contract's longs or shorts. */
static void count_size(bk_popsynth_stats *st, int64_t size) {
  if (size > 0) st->longs += size;
  else st->shorts -= size;
}

/* Whether the next account of a contract posts collateral (pop_synth.h, bk_coll_mix),
 * from its collateral stream: 1 and the simulation's asset in *asset, or 0. */
static int draw_collateral(const synth_pop *p, contract_state *cs, uint32_t *asset) {
  const bk_coll_mix *m = &p->cfg.coll;
  if (m->share == 0 || bk_rng_below(&cs->coll_rng, BK_FX(1)) >= (uint64_t)m->share) return 0;
  int64_t total = 0;
  for (size_t j = 0; j < m->n; j++) total += m->weight[j];
  int64_t at = (int64_t)bk_rng_below(&cs->coll_rng, (uint64_t)total);
  size_t j = 0;
  while (at >= m->weight[j]) at -= m->weight[j++];
  *asset = m->asset[j];
  return 1;
}

/* Opens an account with its deposit, or, when it draws collateral in an asset other than
 * its settle asset, with that deposit's worth of collateral instead (*posted 1). */
static bk_rc open_one(synth_pop *p, contract_state *cs, bk_sim *s, uint32_t settle,
                      int64_t deposit, const bk_sim_leg *legs, size_t nlegs, uint32_t *id,
                      int *posted) {
  uint32_t asset = 0;
  int64_t amount = 0;
  *posted = draw_collateral(p, cs, &asset) &&
            strcmp(bk_sim_risk(s, 0)->coll.now[asset].name,
                   bk_sim_config_get(s)->assets[settle].name) != 0;
  bk_rc rc = *posted ? bk_sim_collateral_amount(s, settle, asset, deposit, &amount) : BK_OK;
  if (!rc) rc = bk_sim_open_cross(s, settle, *posted ? 0 : deposit, legs, nlegs, id);
  if (!rc && *posted) rc = bk_sim_post_collateral(s, *id, asset, amount);
  return rc;
}

/* Opens the n planned accounts of contract k, with their second legs when sl is not NULL,
 * counting each leg in its contract's stats (and, living, holding the accounts). */
static bk_rc open_planned(synth_pop *p, bk_sim *s, uint32_t k, const bk_popsynth_open *op,
                          const second_leg *sl, size_t n) {
  contract_state *cs = &p->cs[k];
  uint32_t settle = bk_sim_config_get(s)->contracts[k].settle;
  for (size_t i = 0; i < n; i++) {
    uint32_t id;
    int two = sl && sl[i].leg.size;
    bk_sim_leg legs[2] = {{k, op[i].size, op[i].entry},
                          {two ? sl[i].on : 0, two ? sl[i].leg.size : 0,
                           two ? sl[i].leg.entry : 0}};
    int posted;
    bk_rc rc = open_one(p, cs, s, settle, two ? sl[i].leg.deposit : op[i].deposit, legs,
                        two ? 2 : 1, &id, &posted);
    if (rc) {
      const bk_err *e = bk_sim_err(s);
      return bk_err_set(&p->base.err, rc, "synthetic population: opening an account on "
                        "contract %u: %s", k, e && e->msg[0] ? e->msg : bk_rc_name(rc));
    }
    if (p->cfg.living && (rc = bk_living_hold(&cs->live, id, op[i].size)))
      return bk_err_set(&p->base.err, rc, "synthetic population: holding an account on "
                        "contract %u: %s", k, bk_rc_name(rc));
    if (cs->st.opened++ == 0) cs->st.first_id = id;
    cs->st.collateral += (size_t)posted;
    count_size(&cs->st, op[i].size);
    if (two) {
      cs->st.paired++;
      p->cs[sl[i].on].st.legs++;
      count_size(&p->cs[sl[i].on].st, sl[i].leg.size);
    }
  }
  return BK_OK;
}

/* The contracts a second leg of contract k may go on, into on (room for every contract):
 * the others of its settle asset with a mark now, in the run's order. Their number. */
static size_t leg_contracts(const synth_pop *p, bk_sim *s, uint32_t k, uint32_t *on) {
  const bk_contract *c = bk_sim_config_get(s)->contracts;
  size_t n = 0;
  for (uint32_t j = 0; j < p->ncs; j++)
    if (j != k && c[j].settle == c[k].settle && bk_sim_mark(s, j) > 0) on[n++] = j;
  return n;
}

/* The second legs of the n accounts planned on contract k, from its second-leg stream
 * (pop_synth.h, "Second legs"): floor(n × share) of them chosen by selection sampling,
 * each on a contract drawn from leg_contracts, on a side drawn (sl[i].leg.size 0: none). */
static bk_rc plan_second_legs(synth_pop *p, bk_sim *s, uint32_t k, const bk_popsynth_open *op,
                              size_t n, second_leg *sl) {
  contract_state *cs = &p->cs[k];
  const bk_contract *c = bk_sim_config_get(s)->contracts;
  uint32_t *other = malloc(p->ncs * sizeof *other);
  if (!other) return BK_ENOMEM;
  size_t nother = leg_contracts(p, s, k, other);
  size_t want = nother ? (size_t)((bk_i128)n * p->cfg.second_leg_share / BK_FX_SCALE) : 0;
  bk_rc rc = BK_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    sl[i].leg.size = 0;
    if (want == 0 || bk_rng_below(&cs->leg_rng, n - i) >= want) continue;
    want--;
    sl[i].on = other[bk_rng_below(&cs->leg_rng, nother)];
    int hedge = (int)bk_rng_below(&cs->leg_rng, 2);
    rc = bk_popsynth_second_leg(&c[k], &op[i], &c[sl[i].on], bk_sim_mark(s, sl[i].on), hedge,
                                p->cfg.lot, p->cfg.cushion, &sl[i].leg);
  }
  free(other);
  return rc;
}

/* Σ |size| of n planned accounts. */
static int64_t gross_of(const bk_popsynth_open *op, size_t n) {
  bk_i128 g = 0;
  for (size_t i = 0; i < n; i++) g += op[i].size < 0 ? -(bk_i128)op[i].size : op[i].size;
  return (int64_t)g;
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
    second_leg *sl = malloc(cs->nres * sizeof *sl);
    if (!cand || !op || !sl) {
      free(cand);
      free(op);
      free(sl);
      return bk_err_set(&pp->err, BK_ENOMEM, "synthetic population: no memory");
    }
    for (size_t i = 0; i < cs->nres; i++) {
      cand[i] = cs->res[i].c;
      cand[i].lev = bk_lev_scale(bk_lev_draw(&p->lev, &cs->rng), p->cfg.lev_scale);
      int64_t b = cand[i].ts / p->cfg.bucket_us - cs->b0;
      if (cs->nb && b >= 0 && (size_t)b < cs->nb) {
        cand[i].lo = cs->path[b].lo;
        cand[i].hi = cs->path[b].hi;
      }
    }
    int64_t target, gross;
    size_t nout = 0, dropped = 0;
    bk_rc rc = target_of(p, s, k, mark, &target, &cs->st.source);
    if (!rc) rc = share_in_lots(p, target, &target);
    if (!rc) rc = bk_add(target, target, &gross);
    if (!rc) rc = bk_popsynth_plan(c, cand, cs->nres, gross, p->cfg.lot, p->cfg.cushion,
                                   p->cfg.survivors_only, op, &nout, &dropped);
    cs->st.target = cs->start_target = target;
    cs->st.dropped = dropped;
    if (!rc && p->cfg.second_leg_share) rc = plan_second_legs(p, s, k, op, nout, sl);
    if (!rc) rc = open_planned(p, s, k, op, p->cfg.second_leg_share ? sl : NULL, nout);
    if (!rc && nout) cs->mean_size = gross_of(op, nout) / (int64_t)nout;
    free(cand);
    free(op);
    free(sl);
    if (rc) {
      if (pp->err.rc == BK_OK)
        bk_err_set(&pp->err, rc, "synthetic population: sizing contract %u failed", k);
      return rc;
    }
  }
  return BK_OK;
}

/* The contract of an event, or BK_SIM_NONE. */
static uint32_t contract_of(const synth_pop *p, const bk_sim_config *sc, const bk_event *ev) {
  if (ev->instr >= sc->ninstruments) return BK_SIM_NONE;
  uint32_t k = sc->contract_of[ev->instr];
  return k < p->ncs ? k : BK_SIM_NONE;
}

/* 1 when ev is a trade a trader could have made (a price, a size, a taker side). */
static int is_trade(const bk_event *ev) {
  return ev->kind == BK_EV_TRADE && ev->price > 0 && ev->qty > 0 &&
         (ev->side == BK_BUY || ev->side == BK_SELL);
}

/* A trade's size as a sizing weight: contracts (linear trades are in base units: at least
 * one unit per contract's worth). */
static int64_t trade_weight(const bk_contract *c, const bk_event *ev) {
  int64_t q;
  if (c->kind == BK_LINEAR && c->contract_size != BK_FX(1) &&
      bk_fx_div(ev->qty, c->contract_size, BK_FLOOR, &q) == BK_OK && q > 0)
    return q;
  return ev->qty;
}

/* --- living: rebalancing inside the window ---------------------------------------- */

/* The open-interest target of contract k at the end of a step at `at` (pop_synth.h). */
static bk_rc living_target(const synth_pop *p, bk_sim *s, uint32_t k, int64_t at,
                           int64_t *t) {
  const contract_state *cs = &p->cs[k];
  if (cs->have_oi && cs->oi > 0) {
    bk_rc rc = bk_oi_contracts(&bk_sim_config_get(s)->contracts[k], cs->oi, t);
    return rc ? rc : share_in_lots(p, *t, t);
  }
  *t = cs->start_target;
  if (!p->cfg.npath) return BK_OK;
  int64_t scale = bk_living_path_scale(p->oi_path, p->cfg.npath, at);
  bk_rc rc = bk_fx_mul(cs->start_target, scale, BK_FLOOR, t);
  if (!rc) *t = *t / p->cfg.lot * p->cfg.lot;
  return rc;
}

/* Opens accounts on side (0 long, 1 short) of contract k worth `gap` contracts (in whole
 * lots), entering at the mark: about gap / the mean account size at the window's start of
 * them, weighted by the step's trades (bk_living_count, bk_living_weights). */
static bk_rc living_grow(synth_pop *p, bk_sim *s, uint32_t k, int side, int64_t mark,
                         int64_t gap) {
  contract_state *cs = &p->cs[k];
  size_t n = bk_living_count(gap, cs->mean_size ? cs->mean_size : p->cfg.lot, cs->live.cap);
  bk_popsynth_cand *cand = calloc(n, sizeof *cand);
  bk_popsynth_open *op = malloc(n * sizeof *op);
  int64_t *w = malloc(n * sizeof *w);
  bk_rc rc = BK_ENOMEM;
  size_t nout = 0, dropped;
  if (cand && op && w) {
    n = bk_living_weights(&cs->live, side, n, &cs->rng, w);
    for (size_t i = 0; i < n; i++) {
      cand[i].price = mark;
      cand[i].qty = w[i];
      cand[i].side = side ? BK_SELL : BK_BUY;
      cand[i].lev = bk_lev_scale(bk_lev_draw(&p->lev, &cs->rng), p->cfg.lev_scale);
    }
    rc = bk_popsynth_plan(&bk_sim_config_get(s)->contracts[k], cand, n, gap, p->cfg.lot,
                          p->cfg.cushion, 0, op, &nout, &dropped);
    if (rc) bk_err_set(&p->base.err, rc, "synthetic population: sizing contract %u failed", k);
  } else {
    bk_err_set(&p->base.err, rc, "synthetic population: no memory");
  }
  if (!rc) rc = open_planned(p, s, k, op, NULL, nout);
  if (!rc) cs->st.joined += nout;
  free(cand);
  free(op);
  free(w);
  return rc;
}

/* Closes accounts on side (0 long, 1 short) of contract k worth about `excess` contracts.
 * One the first policy's liquidation engine keeps is held on. */
static bk_rc living_shrink(synth_pop *p, bk_sim *s, uint32_t k, int side, int64_t excess) {
  contract_state *cs = &p->cs[k];
  size_t n;
  uint32_t *ids = malloc((cs->live.side[side].n ? cs->live.side[side].n : 1) * sizeof *ids);
  if (!ids) return bk_err_set(&p->base.err, BK_ENOMEM, "synthetic population: no memory");
  bk_living_shrink(&cs->live, side, excess, &cs->rng, ids, &n);
  bk_rc rc = BK_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    int left;
    if ((rc = bk_sim_close(s, ids[i], &left)))
      bk_err_set(&p->base.err, rc, "synthetic population: closing account %u: %s", ids[i],
                 bk_sim_err(s)->msg);
    else if (left)
      cs->st.left++;
    else if (bk_sim_position(s, 0, ids[i], k) &&
             (rc = bk_living_hold(&cs->live, ids[i], bk_sim_position(s, 0, ids[i], k))))
      bk_err_set(&p->base.err, rc, "synthetic population: holding account %u", ids[i]);
  }
  free(ids);
  return rc;
}

/* The engine's side of a held account: what it holds on the contract in the first policy. */
typedef struct engine_view {
  const bk_sim *s;
  uint32_t k;
} engine_view;

static int64_t engine_size(const void *ctx, uint32_t id) {
  const engine_view *v = ctx;
  return bk_sim_position(v->s, 0, id, v->k);
}

/* Moves each side's open interest of contract k toward its target at `at`, the end of the
 * step just ended, from what the first policy holds now, and starts the next step. */
static bk_rc rebalance(synth_pop *p, bk_sim *s, uint32_t k, int64_t at) {
  contract_state *cs = &p->cs[k];
  int64_t target, mark = bk_sim_mark(s, k);
  bk_rc rc = living_target(p, s, k, at, &target);
  if (rc) return bk_err_set(&p->base.err, rc, "synthetic population: the open-interest "
                            "target of contract %u overflows", k);
  engine_view v = {s, k};
  bk_living_sync(&cs->live, engine_size, &v);
  for (int side = 0; side < 2 && !rc; side++) {
    int64_t gap = target - cs->live.held[side]; /* both in [0, INT64_MAX] */
    if (gap > 0 && mark > 0) rc = living_grow(p, s, k, side, mark, gap);
    else if (gap < 0) rc = living_shrink(p, s, k, side, -gap);
  }
  if (rc) return rc;
  cs->st.target = target;
  cs->st.longs = cs->live.held[0];
  cs->st.shorts = cs->live.held[1];
  cs->st.steps++;
  bk_living_next_step(&cs->live);
  return BK_OK;
}

/* An event inside the window, living: the event's contract rebalances at each of its
 * steps' ends (its own events are its clock), then the event joins the step (a trade) or
 * sets the replayed open interest. */
static bk_rc living_event(synth_pop *p, bk_sim *s, const bk_event *ev) {
  const bk_sim_config *sc = bk_sim_config_get(s);
  uint32_t k = contract_of(p, sc, ev);
  if (k == BK_SIM_NONE) return BK_OK;
  contract_state *cs = &p->cs[k];
  if (ev->ts >= cs->next_step) {
    bk_rc rc = rebalance(p, s, k, cs->next_step);
    if (rc) return rc;
    int64_t steps = (ev->ts - cs->next_step) / p->cfg.rebalance_us + 1;
    cs->next_step = steps > (INT64_MAX - cs->next_step) / p->cfg.rebalance_us
                        ? INT64_MAX : cs->next_step + steps * p->cfg.rebalance_us;
  }
  if (ev->kind == BK_EV_OI) {
    cs->oi = ev->qty;
    cs->have_oi = 1;
  } else if (is_trade(ev)) {
    bk_living_trade_rec t = {trade_weight(&sc->contracts[k], ev), ev->side};
    bk_living_trade(&cs->live, &t, &cs->rng);
  }
  return BK_OK;
}

static bk_rc synth_event(bk_population *pp, bk_sim *s, const bk_event *ev) {
  synth_pop *p = (synth_pop *)pp;
  bk_rc rc;
  if (!p->done && ev->ts >= p->from && (rc = synth_open_all(p, s))) return rc;
  if (p->done) return p->cfg.living ? living_event(p, s, ev) : BK_OK;
  const bk_sim_config *sc = bk_sim_config_get(s);
  uint32_t k = contract_of(p, sc, ev);
  if (k == BK_SIM_NONE) return BK_OK;
  contract_state *cs = &p->cs[k];
  if (track_mark(cs, ev->ts, p->cfg.bucket_us, bk_sim_mark(s, k)))
    return bk_err_set(&pp->err, BK_ENOMEM, "synthetic population: no memory");
  if (ev->kind == BK_EV_OI) {
    cs->oi = ev->qty;
    cs->have_oi = 1;
  } else if (is_trade(ev)) {
    uint64_t seq = cs->trades++;
    size_t slot = bk_pop_reservoir_slot(cs->nres, p->cfg.accounts, cs->trades, &cs->rng);
    if (slot == SIZE_MAX) return BK_OK;
    if (slot == cs->nres) cs->nres++;
    cand_rec *r = &cs->res[slot];
    memset(r, 0, sizeof *r);
    r->seq = seq;
    r->c.ts = ev->ts;
    r->c.price = ev->price;
    r->c.side = ev->side;
    r->c.qty = trade_weight(&sc->contracts[k], ev);
  }
  return BK_OK;
}

/* The digest of prefix name, the name of one of a contract's other streams
 * ("second_leg:", "collateral:"). */
static uint64_t stream_name(const char *prefix, const char *name) {
  char buf[sizeof "second_leg:" + 128];
  snprintf(buf, sizeof buf, "%s%s", prefix, name);
  return bk_rng_name(buf);
}

/* 1 when a collateral mix is out of range. */
static int coll_mix_bad(const bk_coll_mix *m) {
  if (m->share < 0 || m->share > BK_FX(1) || m->n > BK_COLL_MIX_MAX) return 1;
  if (m->share == 0) return 0;
  bk_i128 total = 0;
  for (size_t j = 0; j < m->n; j++) {
    if (m->weight[j] < 0) return 1;
    total += m->weight[j];
  }
  return total <= 0 || total > INT64_MAX;
}

bk_rc bk_pop_synth_new(const bk_popsynth_config *c, bk_population **out, bk_err *err) {
  *out = NULL;
  if (c->accounts == 0 || c->accounts > ((size_t)1 << 24))
    return bk_err_set(err, BK_ECONFIG, "synthetic population: accounts must be 1..%zu",
                      (size_t)1 << 24);
  if (c->cushion < 0) return bk_err_set(err, BK_ECONFIG, "synthetic population: cushion < 0");
  if (c->oi_share <= 0 || c->oi_share > BK_FX(1))
    return bk_err_set(err, BK_ECONFIG, "synthetic population: oi_share must be in (0, 1]");
  if (c->second_leg_share < 0 || c->second_leg_share > BK_FX(1))
    return bk_err_set(err, BK_ECONFIG,
                      "synthetic population: second_leg_share must be in [0, 1]");
  if (c->oi_scale <= 0)
    return bk_err_set(err, BK_ECONFIG, "synthetic population: oi_scale must be > 0");
  if (coll_mix_bad(&c->coll))
    return bk_err_set(err, BK_ECONFIG, "synthetic population: collateral needs a share in "
                      "[0, 1] and, with a share, 1 to %d assets of weights >= 0, some > 0",
                      BK_COLL_MIX_MAX);
  if (c->lev_scale <= 0)
    return bk_err_set(err, BK_ECONFIG, "synthetic population: the leverage scale must be > 0");
  if (c->volume_multiple <= 0)
    return bk_err_set(err, BK_ECONFIG, "synthetic population: volume_multiple must be > 0");
  if (c->lot <= 0) return bk_err_set(err, BK_ECONFIG, "synthetic population: lot must be > 0");
  if (c->bucket_us <= 0)
    return bk_err_set(err, BK_ECONFIG, "synthetic population: bucket_us must be > 0");
  if (c->rebalance_us <= 0)
    return bk_err_set(err, BK_ECONFIG, "synthetic population: rebalance_us must be > 0");
  for (size_t i = 0; c->oi_path && i < c->npath; i++)
    if (c->oi_path[i].scale < 0 || (i > 0 && c->oi_path[i].at <= c->oi_path[i - 1].at))
      return bk_err_set(err, BK_ECONFIG, "synthetic population: the open-interest path "
                        "needs scales >= 0 at strictly increasing times (point %zu)", i);
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
  if (c->oi_path && c->npath) {
    if (!(p->oi_path = malloc(c->npath * sizeof *p->oi_path))) {
      synth_free(&p->base);
      return bk_err_set(err, BK_ENOMEM, "synthetic population: no memory");
    }
    memcpy(p->oi_path, c->oi_path, c->npath * sizeof *p->oi_path);
  }
  p->cfg.oi_path = p->oi_path;
  p->cfg.npath = p->oi_path ? c->npath : 0;
  if (c->names && c->nnames) {
    if (!(p->stream = malloc(c->nnames * sizeof *p->stream))) {
      synth_free(&p->base);
      return bk_err_set(err, BK_ENOMEM, "synthetic population: no memory");
    }
    if (!(p->leg_stream = malloc(c->nnames * sizeof *p->leg_stream)) ||
        !(p->coll_stream = malloc(c->nnames * sizeof *p->coll_stream))) {
      synth_free(&p->base);
      return bk_err_set(err, BK_ENOMEM, "synthetic population: no memory");
    }
    for (size_t k = 0; k < c->nnames; k++) {
      p->stream[k] = bk_rng_name(c->names[k]);
      p->leg_stream[k] = stream_name("second_leg:", c->names[k]);
      p->coll_stream[k] = stream_name("collateral:", c->names[k]);
    }
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

/* ---- second legs ---- */

bk_rc bk_popsynth_second_leg(const bk_contract *c, const bk_popsynth_open *first,
                             const bk_contract *c2, int64_t mark2, int hedge, int64_t lot,
                             int64_t cushion, bk_popsynth_leg *out) {
  int64_t n1, want, size, n2, sum;
  bk_rc rc = bk_pos_notional(c, first->size, first->entry, &n1);
  if (!rc) rc = bk_fx_mul(n1, BK_SECOND_LEG_RATIO, BK_FLOOR, &want);
  if (!rc) rc = bk_pop_contracts_for(c2, want, 0, mark2, lot, &size);
  if (rc) return rc;
  if (size < lot) size = lot;
  if (hedge ? first->size > 0 : first->size < 0) size = -size;
  if ((rc = bk_pos_notional(c2, size, mark2, &n2)) || (rc = bk_add(n1, n2, &sum))) return rc;
  const bk_tier *t = &c2->tiers.v[bk_tiers_index(&c2->tiers, n2)];
  out->size = size;
  out->entry = mark2;
  out->lev = t->max_lev > 0 && first->lev > t->max_lev ? t->max_lev : first->lev;
  return bk_pop_margin_deposit(sum, out->lev, cushion, &out->deposit);
}
