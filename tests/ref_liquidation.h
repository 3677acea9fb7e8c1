/*
 * A slow, deliberately naive reference for one liquidation event, written from
 * docs/liquidation.md alone and sharing no code with engine/ (the habit of keeping a
 * second, obviously-correct implementation to compare the fast one with).
 *
 * Scope: one contract (linear or inverse, one maintenance tier with cum 0, margin on the
 * mark), cross accounts holding at most one position each on it (closed whole, to
 * health, or in slices above a size, under a fund loss budget per period), an insurance fund with
 * cash and an optional inventory, one side of a book, and one mark event. Everything is
 * exact: __int128 products and explicit floor / ceil / toward-zero divisions at the
 * points the document names; amounts are integers in units of 1e-8.
 *
 * The reference keeps its own copy of everything (accounts, fund, ledger flows, records)
 * and never calls into engine/.
 */
#ifndef BK_REF_LIQUIDATION_H
#define BK_REF_LIQUIDATION_H

#include <stddef.h>
#include <stdint.h>

__extension__ typedef __int128 ref_i128;

#define REF_ONE INT64_C(100000000) /* 1.0 in units of 1e-8 */
#define REF_MAX_ACCT 64
#define REF_MAX_LEVELS 512
#define REF_MAX_ADL (2 * REF_MAX_ACCT)

enum { REF_LINEAR = 0, REF_INVERSE = 1 };
enum { REF_PEN_FEE = 0, REF_PEN_REMAINING = 1 };
enum { REF_LIMIT_BANKRUPTCY = 0, REF_LIMIT_NONE = 1 };
enum { REF_REM_SLICE = 0, REF_REM_TAKEOVER = 1, REF_REM_WATERFALL = 2 };
enum { REF_SIZE_ALL = 0, REF_SIZE_HEALTH = 1 };
enum { REF_TRIG_NEGATIVE = 0, REF_TRIG_NEVER = 1, REF_TRIG_NETPOS = 2 };
enum { REF_ACT_ADL = 0, REF_ACT_SOCIALIZE = 1 };
enum { REF_SOC_PROFIT = 0, REF_SOC_OI = 1 };
enum { REF_OUT_BOOK = 0, REF_OUT_WAITING, REF_OUT_TAKEOVER, REF_OUT_ADL, REF_OUT_SOCIALIZED,
       REF_OUT_UNRESOLVED };
/* Ledger causes the reference tracks for the fund and the loss sink. */
enum { REF_C_FEE = 0, REF_C_SPREAD, REF_C_DEFICIT, REF_C_TAKEOVER, REF_C_ADL, REF_C_OFFLOAD,
       REF_C_SOCIALIZED, REF_C_UNCOVERED, REF_CAUSES };

/* Why a case cannot be compared exactly (counted as a skip, not a failure). */
enum { REF_SKIP_NONE = 0,
       REF_SKIP_RANK_CLOSE = 1, /* two BitMEX scores within the engine's 1e-8 rounding */
       REF_SKIP_RANGE = 2,      /* a value left int64, or an account had no finite score */
       REF_SKIP_SCOPE = 3,      /* more accounts, levels or records than the reference holds */
       REF_SKIP_VISITED = 4 };  /* the engine liquidated an account pushed under within the
                                   event (docs §1), which the reference does not visit */

typedef struct ref_contract {
  int kind;      /* REF_LINEAR / REF_INVERSE */
  int64_t size;  /* linear: contract size cs; inverse: USD face f */
  int64_t tick;  /* > 0 */
  int64_t mmr;   /* maintenance margin rate of the only tier (floor 0, cum 0) */
} ref_contract;

typedef struct ref_policy {
  int penalty_mode;      /* REF_PEN_* */
  int64_t penalty;       /* fee rate */
  int64_t participation; /* (0, 1] */
  int limit;             /* REF_LIMIT_* */
  int remainder;         /* REF_REM_* */
  int64_t slice_share;   /* (0, 1] */
  int64_t backstop_mm;   /* [0, 1] */
  int trigger;           /* REF_TRIG_* */
  int64_t netpos_cap;    /* > 0 */
  int action;            /* REF_ACT_* (ADL ranked BitMEX-style) */
  int soc_base;          /* REF_SOC_* */
  int64_t slice_above;   /* slice only above this quote (USD) notional (0: always) */
  int size_mode;         /* REF_SIZE_* */
  int64_t health_buffer; /* to health: equity >= buffer × MM after, [1, 10] */
  int64_t health_lot;    /* to health: whole lots of this many contracts, > 0 */
  int64_t loss_cap;      /* the fund's loss budget per period (0: none) */
  int64_t loss_period;   /* its period, µs, > 0 */
} ref_policy;

typedef struct ref_acct {
  int64_t cash;
  int64_t size;  /* signed, 0 = flat */
  int64_t entry;
} ref_acct;

typedef struct ref_level {
  int64_t price, qty;
} ref_level;

typedef struct ref_rec {
  int64_t ts;
  uint32_t acct;
  int64_t size, mark, bankrupt;
  int bankrupt_at_mark;
  int64_t book_qty, avg_fill;
  uint32_t levels;
  int outcome;
  int64_t takeover_qty, adl_qty, unresolved_qty, fee, notional;
  int64_t fund_fee, fund_spread, fund_deficit, fund_other;
} ref_rec;

typedef struct ref_adl {
  uint32_t bankrupt_acct, counter_acct;
  int from_fund;
  int64_t qty, price;
} ref_adl;

typedef struct ref_state {
  ref_contract c;
  ref_policy pol;
  int64_t mark;
  ref_acct acct[REF_MAX_ACCT];
  size_t nacct;
  int64_t fund_cash, inv_size, inv_entry;
  /* the fund's loss budget: the period it was last charged in (floor(ts / loss_period))
     and what it lost in it; kept from one event to the next */
  int64_t loss_period_idx, loss_spent;
  /* what the book holds, one array per side (any order; the reference sorts) */
  ref_level bids[REF_MAX_LEVELS], asks[REF_MAX_LEVELS];
  size_t nbids, nasks;
  /* results */
  int64_t fund_in[REF_CAUSES], fund_out[REF_CAUSES]; /* fund flows by cause */
  int64_t sink_in[REF_CAUSES], sink_out[REF_CAUSES]; /* loss sink flows by cause */
  ref_rec rec[REF_MAX_ACCT];
  size_t nrec;
  ref_adl adl[REF_MAX_ADL];
  size_t nadl;
  int skip;      /* REF_SKIP_* */
  char why[160]; /* what made the case a skip */
} ref_state;

/* Exact helpers, exposed for the hand-worked cases. */
int64_t ref_upnl(const ref_contract *c, int64_t s, int64_t e, int64_t p);     /* rounded down */
int64_t ref_notional(const ref_contract *c, int64_t s, int64_t p);            /* rounded up */
int64_t ref_mm(const ref_contract *c, int64_t s, int64_t p);                  /* rounded up */
/* Bankruptcy price of a lone cross position, to the tick in the exchange's favour;
 * INT64_MAX for a short that can never go bankrupt, 0 for a long that never can. */
int64_t ref_bankruptcy(const ref_contract *c, int64_t cash, int64_t s, int64_t e);
/* 1 when the account is below maintenance at price p. */
int ref_liquidatable(const ref_contract *c, const ref_acct *a, int64_t p);

/* Zeroes the results (flows, records, skip). Call after filling the inputs. */
void ref_reset_results(ref_state *st);

/* The mark moves to `mark` at ts: every account below maintenance at the new mark is
 * liquidated by the document's rules, then the end of the event runs (socialization,
 * the fund's trigger). */
void ref_on_mark(ref_state *st, int64_t mark, int64_t ts);

#endif
