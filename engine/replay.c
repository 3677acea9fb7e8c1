/*
 * The replay loop (see replay.h): applies pushed events to the market, detects where a
 * message ends so the book is read only when whole, and calls the observers.
 *
 * Why push-based: the CLI owns the inputs and the merge; the engine only needs each event
 * once, in order. Keeping the loop free of any reader makes it testable with scripted
 * events and lets a binary event cache drive it just as well as CSV decoders.
 *
 * Workload: one call per event, tens of millions per day of data; the common path is a
 * key comparison, the market apply and the observer calls, with no allocation (the
 * per-instrument top-of-book memory grows only when a new instrument id appears).
 */
#include "engine/replay.h"

#include <stdlib.h>
#include <string.h>

struct bk_replay {
  bk_market *m;                          /* borrowed */
  bk_observer obs[BK_REPLAY_OBSERVERS];
  size_t n_obs;
  int64_t from, to;                      /* window [from, to) */
  int ended;                             /* an event at or after `to` was seen */
  /* the pending group */
  int pending;                           /* 1 while a group is open */
  uint32_t g_instr;
  int g_class;
  int64_t g_ts, g_local_ts;
  /* top of book last reported by bk_replay_tob_changed, per instrument */
  bk_tob *tob;
  size_t n_tob;
  bk_replay_stats st;
  bk_err err;
};

bk_replay *bk_replay_new(bk_market *m) {
  bk_replay *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->m = m;
  r->from = INT64_MIN;
  r->to = INT64_MAX;
  bk_err_clear(&r->err);
  return r;
}

void bk_replay_free(bk_replay *r) {
  if (!r) return;
  free(r->tob);
  free(r);
}

bk_rc bk_replay_observe(bk_replay *r, const bk_observer *o) {
  if (r->n_obs == BK_REPLAY_OBSERVERS)
    return bk_err_set(&r->err, BK_ERANGE, "more than %d replay observers",
                      BK_REPLAY_OBSERVERS);
  r->obs[r->n_obs++] = *o;
  return BK_OK;
}

void bk_replay_window(bk_replay *r, int64_t from, int64_t to) {
  r->from = from;
  r->to = to;
}

static inline int ev_class(int kind) { return kind == BK_EV_SNAPSHOT ? BK_EV_BOOK : kind; }

/* Completes the pending group: crossed check for a book message, then observers (only
 * for groups inside the window). */
static bk_rc complete(bk_replay *r) {
  if (!r->pending) return BK_OK;
  r->pending = 0;
  int inside = r->g_ts >= r->from;
  if (r->g_class == BK_EV_BOOK) {
    int crossed = bk_market_end_message(r->m, r->g_instr);
    if (inside) {
      r->st.messages++;
      r->st.crossed += (uint64_t)crossed;
    }
  }
  if (!inside) return BK_OK;
  r->st.groups++;
  for (size_t i = 0; i < r->n_obs; i++) {
    if (!r->obs[i].on_message) continue;
    bk_rc rc = r->obs[i].on_message(r->obs[i].ctx, r->g_instr, r->g_ts, r->g_class);
    if (rc) return bk_err_set(&r->err, rc, "observer %zu stopped the replay: %s", i,
                              bk_rc_name(rc));
  }
  return BK_OK;
}

/* Grows the top-of-book memory to cover instr (rare: a new instrument). */
static int tob_reserve(bk_replay *r, uint32_t instr) {
  if (instr < r->n_tob) return 0;
  size_t n = r->n_tob ? r->n_tob : 8;
  while (n <= instr) n *= 2;
  bk_tob *v = realloc(r->tob, n * sizeof *v);
  if (!v) return -1;
  memset(v + r->n_tob, 0, (n - r->n_tob) * sizeof *v);
  r->tob = v;
  r->n_tob = n;
  return 0;
}

bk_rc bk_replay_push(bk_replay *r, const bk_event *ev) {
  r->st.pushed++;
  /* INT64_MAX as the end means no end: an event stamped INT64_MAX is still replayed */
  if (r->ended || (ev->ts >= r->to && r->to != INT64_MAX)) {
    r->st.after++;
    if (r->ended) return BK_EOF;
    r->ended = 1;
    bk_rc rc = complete(r);
    return rc ? rc : BK_EOF;
  }
  if (ev->instr >= r->n_tob && tob_reserve(r, ev->instr))
    return bk_err_set(&r->err, BK_ENOMEM, "no memory for instrument %u", (unsigned)ev->instr);

  int cls = ev_class(ev->kind);
  if (r->pending && (ev->instr != r->g_instr || cls != r->g_class || ev->ts != r->g_ts ||
                     ev->local_ts != r->g_local_ts)) {
    bk_rc rc = complete(r);
    if (rc) return rc;
  }

  bk_rc rc = bk_market_apply(r->m, ev);
  if (rc) {
    const bk_err *e = bk_market_err(r->m);
    return bk_err_set(&r->err, rc, "%s", e->msg);
  }
  if (!r->pending) {
    r->pending = 1;
    r->g_instr = ev->instr;
    r->g_class = cls;
    r->g_ts = ev->ts;
    r->g_local_ts = ev->local_ts;
  }
  if (ev->ts < r->from) {
    r->st.warmup++;
    return BK_OK;
  }
  r->st.in_window++;
  if (r->st.in_window == 1) r->st.first_ts = ev->ts;
  r->st.last_ts = ev->ts;
  if (ev->kind == BK_EV_LIQ || ev->kind == BK_EV_NONE || ev->kind >= BK_EV_KINDS)
    r->st.unused++;
  for (size_t i = 0; i < r->n_obs; i++) {
    if (!r->obs[i].on_event) continue;
    rc = r->obs[i].on_event(r->obs[i].ctx, ev);
    if (rc) return bk_err_set(&r->err, rc, "observer %zu stopped the replay: %s", i,
                              bk_rc_name(rc));
  }
  return BK_OK;
}

bk_rc bk_replay_finish(bk_replay *r) { return complete(r); }

int bk_replay_tob_changed(bk_replay *r, uint32_t instr, bk_tob *tob) {
  bk_tob now;
  if (!bk_market_tob(r->m, instr, &now) || instr >= r->n_tob) return 0;
  bk_tob *last = &r->tob[instr];
  if (now.bid == last->bid && now.bid_qty == last->bid_qty && now.ask == last->ask &&
      now.ask_qty == last->ask_qty)
    return 0;
  *last = now;
  if (tob) *tob = now;
  return 1;
}

const bk_replay_stats *bk_replay_stats_get(const bk_replay *r) { return &r->st; }

bk_market *bk_replay_market(const bk_replay *r) { return r->m; }

const bk_err *bk_replay_err(const bk_replay *r) { return &r->err; }
