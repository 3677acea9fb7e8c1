/*
 * Market state per instrument (see market.h): the book plus the latest value of every
 * other kind of market event, and the data-quality counters.
 *
 * Why a separate object: the replay loop, the risk engine and the reports all read the
 * same view of the market, and the Tardis rules (skip before the first snapshot, reset
 * on a snapshot after updates) must live in exactly one place.
 *
 * Workload: one call per event, tens of millions a day, nearly all book rows; so the
 * apply path is one array index and a switch, and allocates only when a new instrument
 * appears. Instruments are held by pointer so a view handed out stays where it is.
 */
#include "engine/market.h"

#include <stdlib.h>
#include <string.h>

typedef struct bk_mkt_instr {
  bk_instr_state pub; /* what bk_market_instr shows */
  bk_book *book;      /* owned; pub.book points here */
} bk_mkt_instr;

struct bk_market {
  const bk_instruments *table; /* borrowed, may be NULL */
  bk_mkt_instr **v;            /* v[id], NULL for ids not seen */
  size_t n, cap;
  bk_mkt_counts n_all;         /* over every instrument */
  bk_err err;
};

bk_market *bk_market_new(const bk_instruments *t) {
  bk_market *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->table = t;
  bk_err_clear(&m->err);
  return m;
}

void bk_market_free(bk_market *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n; i++) {
    if (m->v[i]) bk_book_free(m->v[i]->book);
    free(m->v[i]);
  }
  free(m->v);
  free(m);
}

/* The instrument of id, created on first sight; NULL on no memory (m unchanged). */
static bk_mkt_instr *instr_get(bk_market *m, uint32_t id) {
  if (id < m->n && m->v[id]) return m->v[id];
  if (id >= m->cap) {
    size_t cap = m->cap ? m->cap : 8;
    while (cap <= id) cap *= 2;
    bk_mkt_instr **v = realloc(m->v, cap * sizeof *v);
    if (!v) return NULL;
    memset(v + m->cap, 0, (cap - m->cap) * sizeof *v);
    m->v = v;
    m->cap = cap;
  }
  bk_mkt_instr *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  int64_t tick = 0;
  if (m->table && id < m->table->n && m->table->v[id].tick > 0) tick = m->table->v[id].tick;
  s->book = bk_book_new(tick);
  if (!s->book) {
    free(s);
    return NULL;
  }
  s->pub.id = id;
  s->pub.book = s->book;
  m->v[id] = s;
  if (id >= m->n) m->n = (size_t)id + 1;
  return s;
}

/* Puts a depth point into the instrument's latest profile; a newer timestamp starts a new
 * profile. Returns 1 when the profile is full and the point was dropped. */
static int depth_put(bk_depth_profile *d, const bk_event *ev) {
  if (ev->ts != d->ts) {
    d->ts = ev->ts;
    d->n = 0;
  }
  size_t k = 0;
  while (k < d->n && d->p[k].pct < ev->aux) k++;
  if (k == d->n || d->p[k].pct != ev->aux) {
    if (d->n == BK_DEPTH_POINTS) return 1;
    memmove(&d->p[k + 1], &d->p[k], (d->n - k) * sizeof d->p[0]);
    d->n++;
    d->p[k].pct = ev->aux;
  }
  d->p[k].depth = ev->qty;
  d->p[k].notional = ev->price;
  return 0;
}

bk_rc bk_market_apply(bk_market *m, const bk_event *ev) {
  if (ev->kind == BK_EV_NONE || ev->kind >= BK_EV_KINDS) {
    m->n_all.unknown_kind++;
    if (ev->instr < m->n && m->v[ev->instr]) m->v[ev->instr]->pub.n.unknown_kind++;
    return BK_OK;
  }
  int is_book = ev->kind == BK_EV_BOOK || ev->kind == BK_EV_SNAPSHOT;
  if (is_book && (ev->price <= 0 || ev->qty < 0 || (ev->side != BK_BID && ev->side != BK_ASK)))
    return bk_err_set(&m->err, BK_EDATA,
                      "instrument %u: %s row at %lld µs needs a side, a price > 0 and "
                      "an amount >= 0 (side %u, price %lld, amount %lld, fixed point)",
                      (unsigned)ev->instr, bk_ev_kind_name(ev->kind), (long long)ev->ts,
                      (unsigned)ev->side, (long long)ev->price, (long long)ev->qty);
  bk_mkt_instr *s = instr_get(m, ev->instr);
  if (!s)
    return bk_err_set(&m->err, BK_ENOMEM, "no memory for instrument %u", (unsigned)ev->instr);
  bk_instr_state *p = &s->pub;
  bk_rc rc;
  switch (ev->kind) {
  case BK_EV_BOOK:
  case BK_EV_SNAPSHOT:
    if (ev->kind == BK_EV_BOOK) {
      if (!p->snapshot_seen) {
        p->n.skipped_before_snapshot++;
        m->n_all.skipped_before_snapshot++;
        break;
      }
    } else {
      if (ev->flags & BK_EVF_RESET) {
        if (bk_book_count(s->book, BK_BID) || bk_book_count(s->book, BK_ASK)) {
          p->n.book_resets++;
          m->n_all.book_resets++;
        }
        bk_book_clear(s->book);
      }
      p->snapshot_seen = 1;
    }
    rc = bk_book_set(s->book, ev->side, ev->price, ev->qty);
    if (rc)
      return bk_err_set(&m->err, rc, "instrument %u: book row at %lld µs: %s",
                        (unsigned)ev->instr, (long long)ev->ts, bk_rc_name(rc));
    break;
  case BK_EV_TRADE:
    p->trade_price = ev->price;
    p->trade_qty = ev->qty;
    p->trade_side = ev->side;
    p->trade_ts = ev->ts;
    break;
  case BK_EV_QUOTE:
    p->quote.ts = ev->ts;
    p->quote.bid = ev->price;
    p->quote.bid_qty = ev->qty;
    p->quote.ask = ev->aux;
    p->quote.ask_qty = ev->aux2;
    break;
  case BK_EV_MARK:
    p->mark = ev->price;
    p->mark_ts = ev->ts;
    break;
  case BK_EV_INDEX:
    p->index = ev->price;
    p->index_ts = ev->ts;
    break;
  case BK_EV_LAST:
    p->last = ev->price;
    p->last_ts = ev->ts;
    break;
  case BK_EV_FUNDING:
    p->funding_rate = ev->price;
    p->funding_ts = ev->ts;
    p->next_funding_ts = ev->aux;
    break;
  case BK_EV_OI:
    p->oi = ev->qty;
    p->oi_ts = ev->ts;
    break;
  case BK_EV_DEPTH:
    if (depth_put(&p->depth, ev)) {
      p->n.depth_dropped++;
      m->n_all.depth_dropped++;
    }
    break;
  default: /* BK_EV_LIQ: the market keeps no state for it; observers see the event */
    break;
  }
  p->n.events[ev->kind]++;
  m->n_all.events[ev->kind]++;
  return BK_OK;
}

int bk_market_end_message(bk_market *m, uint32_t id) {
  if (id >= m->n || !m->v[id]) return 0;
  bk_mkt_instr *s = m->v[id];
  s->pub.n.messages++;
  m->n_all.messages++;
  bk_level b, a;
  if (bk_book_best(s->book, BK_BID, &b) && bk_book_best(s->book, BK_ASK, &a) &&
      b.price >= a.price) {
    s->pub.n.crossed++;
    m->n_all.crossed++;
    return 1;
  }
  return 0;
}

const bk_instr_state *bk_market_instr(const bk_market *m, uint32_t id) {
  return id < m->n && m->v[id] ? &m->v[id]->pub : NULL;
}

size_t bk_market_size(const bk_market *m) { return m->n; }

int bk_market_tob(const bk_market *m, uint32_t id, bk_tob *out) {
  memset(out, 0, sizeof *out);
  if (id >= m->n || !m->v[id]) return 0;
  const bk_book *b = m->v[id]->book;
  bk_level l;
  if (bk_book_best(b, BK_BID, &l)) {
    out->bid = l.price;
    out->bid_qty = l.qty;
  }
  if (bk_book_best(b, BK_ASK, &l)) {
    out->ask = l.price;
    out->ask_qty = l.qty;
  }
  return 1;
}

const bk_mkt_counts *bk_market_counts(const bk_market *m) { return &m->n_all; }

const bk_err *bk_market_err(const bk_market *m) { return &m->err; }
