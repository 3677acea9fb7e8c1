/*
 * The market models of one replay (see models.h): per contract the mark derived from
 * trades and the depth model, plus the reference depth they breathe with. Kept apart
 * from the simulation so that the draws of an uncertainty run compute them once: a
 * hundred draws cost one derived median per bucket and one model build per refresh, not
 * a hundred.
 *
 * Workload: called for every event by the simulation that owns the models; book rows of
 * other instruments cost a comparison or two. Everything is integer.
 */
#include "engine/models.h"

#include <stdlib.h>
#include <string.h>

/* What the models keep per contract. */
typedef struct contract_models {
  int mark_src;           /* BK_SRC_DATA once a mark event was seen, else BK_SRC_TRADES */
  int book_src;           /* BK_SRC_DATA once the instrument's book had a snapshot */
  bk_derived_mark dmark;  /* the mark from trades, while the data has none */
  bk_depth_model depth;   /* the book while the data has none; the warm-up's volume */
} contract_models;

struct bk_models {
  bk_models_params p;     /* contracts borrowed; depth is the models' own copy */
  bk_depth_ref ref;       /* the depth models' reference */
  int in_window;          /* an event at or after p.from was seen */
  int64_t next_close;     /* the earliest end of an open bucket, INT64_MAX when none */
  bk_models_mark *closed; /* [ncontracts]: the marks this event's time closed, */
  size_t nclosed;         /* in contract order (their buckets end together) */
  contract_models *c;     /* [contract] */
};

bk_models *bk_models_new(const bk_models_params *p) {
  bk_models *m = calloc(1, sizeof *m);
  size_t n = p->ncontracts ? p->ncontracts : 1;
  if (!m || !(m->c = calloc(n, sizeof *m->c)) || !(m->closed = calloc(n, sizeof *m->closed))) {
    if (m) free(m->c);
    free(m);
    return NULL;
  }
  m->p = *p;
  m->next_close = INT64_MAX;
  for (size_t k = 0; k < p->ncontracts; k++) {
    contract_models *c = &m->c[k];
    c->mark_src = BK_SRC_TRADES;
    c->book_src = BK_SRC_MODEL;
    bk_dmark_init(&c->dmark, p->mark_window_us, p->mark_step_us);
    bk_dmodel_init(&c->depth, &m->p.depth, &p->contracts[k], &m->ref, p->from);
  }
  return m;
}

void bk_models_free(bk_models *m) {
  if (!m) return;
  for (size_t k = 0; k < m->p.ncontracts; k++) {
    bk_dmark_fini(&m->c[k].dmark);
    bk_dmodel_fini(&m->c[k].depth);
  }
  free(m->closed);
  free(m->c);
  free(m);
}

/* Field by field: a struct's padding need not match between equal specs. */
static int same_depth(const bk_depth_spec *a, const bk_depth_spec *b) {
  return a->n == b->n && !memcmp(a->pct, b->pct, a->n * sizeof *a->pct) &&
         !memcmp(a->minutes, b->minutes, a->n * sizeof *a->minutes) &&
         a->ref_instr == b->ref_instr && a->refresh_us == b->refresh_us &&
         a->band_us == b->band_us;
}

int bk_models_same(const bk_models *m, const bk_models_params *p) {
  const bk_models_params *q = &m->p;
  return q->ncontracts == p->ncontracts && q->from == p->from &&
         q->mark_window_us == p->mark_window_us && q->mark_step_us == p->mark_step_us &&
         same_depth(&q->depth, &p->depth) &&
         (q->contracts == p->contracts ||
          !memcmp(q->contracts, p->contracts, p->ncontracts * sizeof *p->contracts));
}

/* Closes, at `now`, every open bucket that ended at or before it (contracts marked from
 * trades only), listing the marks in contract order. The buckets open at one time all end
 * together: every contract's buckets lie on the one grid of step_us, a bucket opens at a
 * trade before the end of any bucket still open (an event at or after that end would
 * have closed it), so it ends at that same end. */
static void close_due(bk_models *m, int64_t now) {
  m->next_close = INT64_MAX;
  for (size_t k = 0; k < m->p.ncontracts; k++) {
    bk_derived_mark *d = &m->c[k].dmark;
    if (!d->open || m->c[k].mark_src != BK_SRC_TRADES) continue;
    int64_t at = 0, mark = bk_dmark_close(d, now, &at);
    if (!d->open) m->closed[m->nclosed++] = (bk_models_mark){(uint32_t)k, mark, at};
    else if (d->bucket_end < m->next_close) m->next_close = d->bucket_end;
  }
}

void bk_models_before(bk_models *m, uint32_t k, const bk_event *ev) {
  if (ev->ts >= m->p.from) m->in_window = 1;
  m->nclosed = 0;
  if (ev->ts >= m->next_close) close_due(m, ev->ts);
  if (k < m->p.ncontracts && ev->kind == BK_EV_MARK && m->c[k].mark_src != BK_SRC_DATA) {
    m->c[k].mark_src = BK_SRC_DATA; /* for good: the derived mark's window is let go */
    bk_dmark_fini(&m->c[k].dmark);
  }
}

const bk_models_mark *bk_models_closed(const bk_models *m, size_t *n) {
  *n = m->nclosed;
  return m->closed;
}

bk_rc bk_models_after(bk_models *m, uint32_t k, const bk_event *ev, const bk_market *mk) {
  m->nclosed = 0;
  if (ev->kind == BK_EV_DEPTH && ev->instr == m->p.depth.ref_instr) {
    const bk_instr_state *st = bk_market_instr(mk, ev->instr);
    if (st) bk_depth_ref_follow(&m->ref, &st->depth);
  }
  if (k >= m->p.ncontracts || ev->kind != BK_EV_TRADE) return BK_OK;
  contract_models *c = &m->c[k];
  if (c->mark_src == BK_SRC_TRADES) {
    if (bk_dmark_add(&c->dmark, ev->ts, ev->price)) return BK_ENOMEM;
    if (c->dmark.bucket_end < m->next_close) m->next_close = c->dmark.bucket_end;
  }
  return bk_dmodel_trade(&c->depth, ev->ts, ev->price, ev->qty, !m->in_window);
}

bk_rc bk_models_book(bk_models *m, uint32_t k, int64_t mark, int64_t now,
                     const bk_instr_state *st, const bk_book **out) {
  contract_models *c = &m->c[k];
  if (st && st->snapshot_seen) {
    c->book_src = BK_SRC_DATA;
    *out = st->book;
    return BK_OK;
  }
  c->book_src = BK_SRC_MODEL;
  return bk_dmodel_book(&c->depth, mark, now, out);
}

int bk_models_mark_source(const bk_models *m, uint32_t k) { return m->c[k].mark_src; }
int bk_models_book_source(const bk_models *m, uint32_t k) { return m->c[k].book_src; }
int64_t bk_models_warmup_notional(const bk_models *m, uint32_t k) {
  return m->c[k].depth.warm_notional;
}
