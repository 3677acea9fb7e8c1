/*
 * The market event: what every decoded row of market data becomes. Small plain data, no
 * pointers, so events can be queued, merged and cached as bytes.
 *
 * Numeric fields are fixed point (engine/fixed.h) unless said otherwise; times are
 * microseconds since the epoch, UTC (engine/clock.h). Which fields a kind uses is said
 * next to the kind; unused fields are 0.
 */
#ifndef BK_EVENT_H
#define BK_EVENT_H

#include <stdint.h>

/* Book sides. A trade's side is the taker's: a taker buy lifts asks (BK_BUY == BK_BID). */
enum { BK_SIDE_NONE = 0, BK_BID = 1, BK_ASK = 2 };
#define BK_BUY BK_BID
#define BK_SELL BK_ASK

typedef enum bk_ev_kind {
  BK_EV_NONE = 0,
  BK_EV_BOOK,     /* L2 update: side, price, qty = new total at that price (0 deletes) */
  BK_EV_SNAPSHOT, /* one level of a book snapshot: side, price, qty; the first level of a
                     snapshot carries BK_EVF_RESET and the book is cleared before it */
  BK_EV_TRADE,    /* trade: side (taker), price, qty */
  BK_EV_QUOTE,    /* exchange best bid/ask: price = bid, qty = bid amount,
                     aux = ask price, aux2 = ask amount (0/0 when a side is absent) */
  BK_EV_MARK,     /* mark price: price */
  BK_EV_INDEX,    /* index price: price */
  BK_EV_LAST,     /* last traded price reported by a ticker (not a trade): price */
  BK_EV_FUNDING,  /* funding: price = rate as a fraction (0.0001 = 1 bp), aux = time of the
                     next funding settlement (µs, 0 when unknown) */
  BK_EV_OI,       /* open interest: qty (contracts or base units, as the venue counts) */
  BK_EV_LIQ,      /* liquidation print: side of the liquidation order (sell = a long was
                     liquidated), price, qty */
  BK_EV_DEPTH     /* depth profile point (Binance bookDepth): aux = percentage from mid
                     (fixed point; negative = bids), qty = cumulative depth in base units,
                     price = cumulative notional in quote */
} bk_ev_kind;
#define BK_EV_KINDS 12

/* Flags */
#define BK_EVF_RESET 0x01 /* BK_EV_SNAPSHOT: first level of a snapshot, clear the book first */
#define BK_EVF_SYNTH 0x02 /* not read but derived (e.g. a kline's high/low placed in time) */
#define BK_EVF_CLAMPED 0x04 /* the timestamp went backwards in its file and was clamped */

typedef struct bk_event {
  int64_t ts;       /* exchange timestamp, µs since the epoch; the replay clock */
  int64_t local_ts; /* local (receive) timestamp, µs; equal to ts when the data has none */
  int64_t price;    /* fixed point, see the kind */
  int64_t qty;      /* fixed point, see the kind */
  int64_t aux;      /* kind-specific, see the kind */
  int64_t aux2;     /* kind-specific, see the kind */
  uint32_t instr;   /* instrument id (engine/instrument.h) */
  uint8_t kind;     /* bk_ev_kind */
  uint8_t side;     /* BK_BID / BK_ASK / BK_SIDE_NONE */
  uint8_t flags;    /* BK_EVF_* */
  uint8_t pad;
} bk_event;

/* Name of a kind ("book", "trade", ...). */
const char *bk_ev_kind_name(int kind);

#endif
