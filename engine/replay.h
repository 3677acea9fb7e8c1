/*
 * The replay loop: the caller pushes merged, time-ordered events one at a time; the loop
 * applies each to the market, finds where messages end, and tells observers.
 *
 * Groups: consecutive events of one instrument with the same (ts, local_ts) and the same
 * class form one group. Book rows and snapshot rows are one class (a Tardis message: the
 * Binance day file opens with a snapshot and updates under the same timestamps); every
 * other kind is its own class. A group is complete when an event with another key or
 * class arrives, or at bk_replay_finish. Only then is the book read: a book group is a
 * message, checked for a crossed book (bk_market_end_message) and then announced.
 *
 * Order of calls for each pushed event e:
 *   1. if e does not continue the pending group, that group completes: crossed check
 *      (book groups), then every observer's on_message(ctx, instr, ts, class);
 *   2. e is applied to the market;
 *   3. every observer's on_event(ctx, e) — after the apply, so the observer sees the state
 *      including e (but for book rows the message may not be complete yet: do not read
 *      the book there, wait for on_message).
 *
 * Window [from, to) on exchange timestamps: events before `from` are applied (the book
 * needs the snapshot that precedes the window) but observers are not called for them;
 * the first event at or after `to` completes the pending group and makes bk_replay_push
 * return BK_EOF without applying it, as do all later events.
 *
 * Ownership: the market is borrowed for the life of the loop. Observers' contexts are
 * borrowed; the event handed to on_event is valid only during the call. The push path
 * never allocates except when an instrument id is seen for the first time.
 */
#ifndef BK_REPLAY_H
#define BK_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/event.h"
#include "engine/market.h"

typedef struct bk_replay bk_replay;

/* Called when a group completes. kind is the group's class: BK_EV_BOOK for a book
 * message (book and snapshot rows), else the events' kind. A non-zero return stops the
 * replay: bk_replay_push returns it. */
typedef bk_rc (*bk_on_message_fn)(void *ctx, uint32_t instr, int64_t ts, int kind);

/* Called after each event inside the window is applied. Non-zero return stops the replay. */
typedef bk_rc (*bk_on_event_fn)(void *ctx, const bk_event *ev);

typedef struct bk_observer {
  bk_on_message_fn on_message; /* may be NULL */
  bk_on_event_fn on_event;     /* may be NULL */
  void *ctx;
} bk_observer;

#define BK_REPLAY_OBSERVERS 8

/* Counts kept by the loop (the market keeps its own, see bk_mkt_counts). */
typedef struct bk_replay_stats {
  uint64_t pushed;        /* events given to bk_replay_push */
  uint64_t warmup;        /* applied before the window (no observer called) */
  uint64_t in_window;     /* applied inside the window */
  uint64_t after;         /* at or after the window's end: not applied */
  uint64_t unused;        /* in the window, of kinds the market keeps no state for
                             (liquidation prints, unknown kinds): observers still see them */
  uint64_t groups;        /* groups completed inside the window */
  uint64_t messages;      /* of those, book messages */
  uint64_t crossed;       /* book messages inside the window that left the book crossed */
  int64_t first_ts, last_ts; /* exchange time of the first and last event in the window;
                                0 when none */
} bk_replay_stats;

/* A loop over market m (borrowed). NULL on no memory. */
bk_replay *bk_replay_new(bk_market *m);
void bk_replay_free(bk_replay *r);

/* Adds an observer (copied). Observers are called in the order they were added.
 * BK_ERANGE when BK_REPLAY_OBSERVERS are already registered (nothing added). */
bk_rc bk_replay_observe(bk_replay *r, const bk_observer *o);

/* Sets the window [from, to) in µs; INT64_MIN / INT64_MAX for an open end (an open end
 * replays events stamped INT64_MAX too). Set it before the first push. */
void bk_replay_window(bk_replay *r, int64_t from, int64_t to);

/* Applies one event (see the order of calls above). Returns BK_OK; BK_EOF when ev is at or
 * after the window's end (not applied); the market's error (detail in bk_replay_err) when
 * the event is refused, with the market unchanged; or an observer's non-zero code. */
bk_rc bk_replay_push(bk_replay *r, const bk_event *ev);

/* Completes the pending group (end of input). Returns BK_OK or an observer's code. */
bk_rc bk_replay_finish(bk_replay *r);

/* Whether the top of book of instr (best bid/ask price or amount) changed since the last
 * call for it that returned 1 (or since the start, against an empty book). Returns 1 and
 * fills *tob (may be NULL) when it changed, else 0. Call it from on_message: mid-message
 * the book is not meant to be read. */
int bk_replay_tob_changed(bk_replay *r, uint32_t instr, bk_tob *tob);

const bk_replay_stats *bk_replay_stats_get(const bk_replay *r);

/* The market the loop drives. */
bk_market *bk_replay_market(const bk_replay *r);

/* Detail of the last error returned by bk_replay_push. */
const bk_err *bk_replay_err(const bk_replay *r);

#endif
