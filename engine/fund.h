/*
 * The insurance fund of one policy's run: cash per settle asset and an inventory of
 * positions it took over, marked to market. Fund equity = cash + inventory PnL at mark
 * (cash-only accounting hides the drawdown of inventory, as BitMEX's 2020-03-13 showed).
 *
 * The fund also remembers, per settle asset, its equity over a trailing window so the
 * drawdown trigger of the loss waterfall (OKX: 30 % within 8 h) can be asked in O(1)
 * amortized, and the extremes of its equity path (minimum, largest drawdown from a running
 * peak, time below that peak), updated after every event so they do not depend on how
 * often reports sample the fund. Its offload strategy (selling inventory into the book)
 * is engine/offload.h.
 *
 * Money moves in and out of `cash` only through the risk state, which posts each change
 * to the ledger (engine/transfer.h).
 * Ownership: caller storage (_init/_fini).
 */
#ifndef BK_FUND_H
#define BK_FUND_H

#include <stddef.h>
#include <stdint.h>

#include "engine/account.h"
#include "engine/error.h"
#include "engine/ledger.h"

typedef struct bk_fund_pos {
  int64_t size;  /* signed contracts */
  int64_t entry; /* average entry price */
} bk_fund_pos;

typedef struct bk_fund_peak {
  int64_t ts;     /* µs */
  int64_t equity; /* settle units e-8 */
} bk_fund_peak;

/* One asset's equity path: a sliding-window maximum (a monotone deque) and extremes. */
typedef struct bk_fund_path {
  bk_fund_peak *dq;
  size_t dq_head, dq_n, dq_cap;
  int seen;              /* 1 once an equity was observed */
  int64_t min_equity;    /* lowest equity after any event */
  int64_t peak;          /* running peak (high-water mark) */
  int64_t max_drawdown;  /* largest peak − equity */
  int64_t under_us;      /* time spent below the running peak, closed spells */
  int64_t under_since;   /* start of the current spell below the peak, -1 when none */
} bk_fund_path;

/* The funds whose trigger and path are kept: one per settle asset (key = asset), then one
 * per shared fund (key = BK_LEDGER_ASSETS + pool, valued in the pool's currency). */
#define BK_FUND_KEYS (2 * BK_LEDGER_ASSETS)

typedef struct bk_fund {
  int64_t cash[BK_LEDGER_ASSETS]; /* per settle asset */
  bk_fund_pos *inv;               /* inv[contract] */
  size_t ncontracts;
  bk_fund_path path[BK_FUND_KEYS]; /* by key */
} bk_fund;

bk_rc bk_fund_init(bk_fund *f, size_t ncontracts);
void bk_fund_fini(bk_fund *f);

/* Inventory PnL at the marks of the contracts settling in asset, rounded down. */
bk_rc bk_fund_inv_pnl(const bk_fund *f, const bk_menv *e, uint32_t asset, int64_t *out);

/* Fund equity in asset: cash + inventory PnL. */
bk_rc bk_fund_equity(const bk_fund *f, const bk_menv *e, uint32_t asset, int64_t *out);

/* Net position value of the inventory settling in asset (sum of |notional| at mark). */
bk_rc bk_fund_net_value(const bk_fund *f, const bk_menv *e, uint32_t asset, int64_t *out);

/* Adds size contracts at price to the inventory of a contract. The realized PnL of the
 * part that reduces an existing position is returned in *realized (rounded down) for the
 * caller to post; the entry of an increased position is the size-weighted average
 * (rounded against the fund). */
bk_rc bk_fund_trade(bk_fund *f, const bk_contract *c, uint32_t contract, int64_t size,
                    int64_t price, int64_t *realized);

/* The path functions below take a key (an asset, or a pool: BK_FUND_KEYS). */

/* Starts an asset's equity path at its initial equity (before any event). */
void bk_fund_start(bk_fund *f, uint32_t asset, int64_t equity);

/* Records the equity of an asset at ts (after an event) for the drawdown window and the
 * extremes. BK_ENOMEM leaves the window without this point. */
bk_rc bk_fund_observe(bk_fund *f, uint32_t asset, int64_t ts, int64_t equity,
                      int64_t window_us);

/* Highest equity of an asset observed within the window ending at the last observation
 * (0 before any). */
int64_t bk_fund_peak_in_window(const bk_fund *f, uint32_t asset);

/* Extremes of an asset's equity path up to `now` (an open spell under water counts up to
 * now); start is the initial equity, the path's first point. */
void bk_fund_extremes(const bk_fund *f, uint32_t asset, int64_t start, int64_t now,
                      int64_t *min_equity, int64_t *max_drawdown, int64_t *under_us);


#endif
