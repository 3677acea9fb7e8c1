/*
 * Market state: what the replayed history says about every instrument at the current
 * replay time — the L2 book, last trade, mark, index, ticker last price, funding, open
 * interest, the latest depth profile and exchange quote — plus counters that measure
 * the data's quality (book resets, rows skipped before the first snapshot, crossed
 * books).
 *
 * Book semantics are Tardis's: a BK_EV_BOOK row before the instrument's first snapshot
 * is skipped (and counted); a BK_EV_SNAPSHOT row with BK_EVF_RESET clears the book and
 * then sets its level. Nothing here reads the book between the rows of one message: the
 * replay loop (engine/replay.h) calls bk_market_end_message when a message is complete.
 *
 * Ownership: bk_market_new allocates, bk_market_free releases (NULL is fine). The
 * instrument table given to bk_market_new is borrowed for the market's life (it is read
 * for ticks when a new instrument appears and may keep growing). A view returned by
 * bk_market_instr stays valid, and keeps changing as events are applied, until
 * bk_market_free.
 */
#ifndef BK_MARKET_H
#define BK_MARKET_H

#include <stddef.h>
#include <stdint.h>

#include "engine/book.h"
#include "engine/error.h"
#include "engine/event.h"
#include "engine/instrument.h"

typedef struct bk_market bk_market;

/* Top of book; 0/0 for an empty side. */
typedef struct bk_tob {
  int64_t bid, bid_qty; /* fixed point */
  int64_t ask, ask_qty; /* fixed point */
} bk_tob;

/* One point of a depth profile (Binance bookDepth). */
typedef struct bk_depth_point {
  int64_t pct;      /* distance from mid, fixed point percent (-5 % = BK_FX(-5)); < 0 bids */
  int64_t depth;    /* cumulative quantity within pct, base units, fixed point */
  int64_t notional; /* cumulative notional within pct, quote, fixed point */
} bk_depth_point;

#define BK_DEPTH_POINTS 16

/* The latest depth profile: the points that share the newest profile timestamp. */
typedef struct bk_depth_profile {
  int64_t ts;                         /* µs; 0 = none yet */
  size_t n;                           /* points in p */
  bk_depth_point p[BK_DEPTH_POINTS];  /* ascending pct */
} bk_depth_profile;

/* The exchange's own best bid/ask (BK_EV_QUOTE). */
typedef struct bk_quote {
  int64_t ts;           /* µs; 0 = none yet */
  int64_t bid, bid_qty; /* fixed point; 0/0 when absent */
  int64_t ask, ask_qty; /* fixed point; 0/0 when absent */
} bk_quote;

/* Counters, per instrument and for the whole market. */
typedef struct bk_mkt_counts {
  uint64_t events[BK_EV_KINDS];    /* events given to bk_market_apply, by kind (skipped
                                      book rows included) */
  uint64_t unknown_kind;           /* events whose kind is none or unknown (ignored) */
  uint64_t book_resets;            /* reset snapshots that cleared a non-empty book */
  uint64_t skipped_before_snapshot; /* book rows before the first snapshot */
  uint64_t messages;               /* completed book messages (bk_market_end_message) */
  uint64_t crossed;                /* of those, messages after which best bid >= best ask */
  uint64_t depth_dropped;          /* depth points beyond BK_DEPTH_POINTS in one profile */
} bk_mkt_counts;

/* What the market knows about one instrument. A price of 0 means "not seen yet"; each
 * value has the exchange timestamp of the event that set it. */
typedef struct bk_instr_state {
  uint32_t id;
  const bk_book *book;    /* the L2 book (read it only between messages) */
  int snapshot_seen;      /* 1 once the first snapshot row arrived */
  int64_t trade_price, trade_qty, trade_ts; /* last trade: fixed point, µs */
  int trade_side;         /* taker side: BK_BUY / BK_SELL */
  int64_t mark, mark_ts;
  int64_t index, index_ts;
  int64_t last, last_ts;  /* ticker's last traded price (not a trade) */
  int64_t funding_rate;   /* fraction, fixed point (0.0001 = 1 bp) */
  int64_t funding_ts;     /* µs of the funding event; 0 = none yet */
  int64_t next_funding_ts; /* µs of the next settlement; 0 = unknown */
  int64_t oi, oi_ts;      /* open interest as the venue counts it, fixed point */
  bk_depth_profile depth;
  bk_quote quote;
  bk_mkt_counts n;
} bk_instr_state;

/* A market for the instruments of table t (borrowed; may be NULL: books then infer
 * their tick). NULL on no memory. */
bk_market *bk_market_new(const bk_instruments *t);
void bk_market_free(bk_market *m);

/* Applies one event to its instrument (created on first sight). Returns BK_OK; BK_EDATA
 * for a book row with price <= 0, qty < 0 or no side; BK_ENOMEM when memory runs out.
 * After an error the market is unchanged (one exception: BK_ENOMEM on the first level
 * of a reset snapshot leaves that book cleared) and bk_market_err says what was wrong.
 * Events of no known kind are counted, not errors. */
bk_rc bk_market_apply(bk_market *m, const bk_event *ev);

/* Marks the end of a book message of instrument id: counts it and whether the book is
 * crossed (best bid >= best ask, both sides present). Returns 1 when crossed, else 0. */
int bk_market_end_message(bk_market *m, uint32_t id);

/* The state of instrument id, or NULL when no event of it was applied yet. */
const bk_instr_state *bk_market_instr(const bk_market *m, uint32_t id);

/* One past the largest instrument id seen (ids below it may still be NULL). */
size_t bk_market_size(const bk_market *m);

/* Top of book of instrument id; returns 0 (and zeros) when the instrument is unknown. */
int bk_market_tob(const bk_market *m, uint32_t id, bk_tob *out);

/* Counters summed over every instrument. */
const bk_mkt_counts *bk_market_counts(const bk_market *m);

/* Detail of the last error. */
const bk_err *bk_market_err(const bk_market *m);

#endif
