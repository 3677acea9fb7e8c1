/*
 * The risk state of one policy's run: its accounts, insurance fund, ledger, consumption
 * overlay and trigger index, driven by plain calls from the replay loop (or a test):
 * a mark changed (bk_risk_on_mark), a trade printed (bk_risk_on_trade), funding settled
 * (bk_risk_on_funding). Several policies run side by side over one shared market: each
 * has its own bk_risk and all read the same books, which a bk_risk never changes.
 *
 * A liquidation closes the liquidated unit (the cross pool, or one isolated position), or
 * as much of it as the policy says, by the steps of docs/liquidation.md, each in the file
 * named for it: how much one step closes and the fund's loss budget in partial.c; the
 * book walk, price limit and penalty in liquidation.c; the fund's trigger state, takeover, ADL and
 * socialization in waterfall.c; the fund's inventory, offload and extremes in fund.c;
 * money and position movements in transfer.c; conservation in conservation.c. This file
 * only orchestrates: events in, steps in order, the end of each event. Every movement of
 * money is a ledger posting with its cause, and conservation (ledger sums to zero,
 * holders match the ledger, long OI = short OI across accounts, fund and market) is
 * checked after every event when `check` is set (the default in debug builds).
 *
 * Errors: BK_ENOMEM / BK_ERANGE from an event leave the state part-way through that
 * event (the run must stop); BK_EINVARIANT says conservation broke and at which event.
 * Ownership: bk_risk_new copies the policy, contracts and assets; books passed to the
 * event calls are borrowed for the call.
 */
#ifndef BK_RISK_H
#define BK_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/account.h"
#include "engine/book.h"
#include "engine/error.h"
#include "engine/fund.h"
#include "engine/ledger.h"
#include "engine/liquidation.h"
#include "engine/policy.h"
#include "engine/trigger.h"
#include "engine/waterfall.h"

/* How a liquidation step ended (docs/liquidation.md §8). */
enum { BK_OUT_BOOK = 0,       /* fully closed through the book */
       BK_OUT_WAITING = 1,    /* part left, waiting for its next slice or for liquidity */
       BK_OUT_TAKEOVER = 2,   /* the rest taken over by the fund */
       BK_OUT_ADL = 3,        /* the rest deleveraged against ranked accounts */
       BK_OUT_SOCIALIZED = 4, /* the rest closed on the book at any price */
       BK_OUT_UNRESOLVED = 5  /* part left that neither the fund nor the waterfall placed */
};
#define BK_OUTCOMES 6
/* Short name of an outcome ("book", "waiting", ...), for reports. */
const char *bk_outcome_name(int outcome);

/* Account flags kept by the risk state. */
enum { BK_ACCT_BANKRUPT = 2 /* it had a step with equity < 0 at the mark */ };

typedef struct bk_liq_rec {
  int64_t ts;         /* µs */
  uint64_t event;     /* event index */
  uint32_t acct, contract;
  int64_t size;       /* signed size before this step */
  int64_t mark;       /* mark price */
  int64_t bankrupt;   /* bankruptcy price (tick) */
  int bankrupt_at_mark; /* 1: the unit's equity at the mark was below 0 at the start */
  int64_t book_qty;   /* closed through the book */
  int64_t avg_fill;   /* average fill price of book_qty (0 when none), rounded down */
  uint32_t levels;    /* levels walked */
  int outcome;        /* BK_OUT_* */
  int64_t takeover_qty, adl_qty, unresolved_qty; /* contracts by route */
  int64_t fee;        /* penalty paid to the fund */
  int64_t notional;   /* |size| at the mark, settle units */
  /* The fund's cash movements caused by this liquidation, read off the ledger around
   * it, settle units: penalty charged as a fee, spread captured (a fill better than the
   * bankruptcy price, or the remaining margin), bankruptcy deficit paid, and the net of
   * every other cause (takeover, ADL, socialization). The fund's delta is
   * fund_fee + fund_spread - fund_deficit + fund_other. When one liquidation closes a
   * cross account on several contracts, or in several to-health rounds, the whole
   * movement is on its last record. */
  int64_t fund_fee, fund_spread, fund_deficit, fund_other;
} bk_liq_rec;

typedef struct bk_adl_rec {
  int64_t ts;
  uint32_t bankrupt_acct, counter_acct, contract;
  int from_fund;  /* 1: the fund's own inventory was deleveraged (bankrupt_acct unused) */
  int64_t qty;    /* closed on each side, > 0 */
  int64_t price;  /* the bankruptcy price (the mark for the fund's inventory) */
} bk_adl_rec;

/* Realized volatility of one contract over the policy's window: the sum of |mark
 * returns| (fractions e-8, each rounded up) of the marks inside it. */
typedef struct bk_risk_vol {
  int64_t *ts, *ret; /* ring of (time, |return|) */
  size_t head, n, cap;
  int64_t sum;
} bk_risk_vol;

/* The accounts holding a position on one contract (each position knows its slot), so
 * ADL and socialization over open interest visit holders, not the population. */
typedef struct bk_holders {
  uint32_t *id;
  size_t n, cap;
} bk_holders;

typedef struct bk_risk {
  bk_policy pol;
  bk_contract *contracts;
  int64_t *mark;       /* mark[contract]; 0 until the first on_mark */
  size_t ncontracts;
  bk_asset *assets;
  size_t nassets;
  bk_menv env;
  bk_account *acct;
  size_t nacct, acap;
  int64_t *retry_at;   /* retry_at[acct]: when a waiting or unresolved unit is retried */
  uint8_t *flags;      /* flags[acct]: BK_ACCT_* */
  bk_i128 *market_pos; /* market_pos[contract]: the market's net position (a sum of
                          int64 sizes, so 128 bits wide) */
  bk_risk_vol *vol;    /* vol[contract], used when the policy has a volatility window */
  bk_holders *holders; /* holders[contract] */
  bk_fund fund;
  bk_ledger ledger;
  bk_liq_overlay overlay;
  bk_trigger trig;
  bk_wf_state wf;      /* the waterfall's working state (waterfall.h) */
  bk_liq_rec *recs;
  size_t nrecs, rcap;
  bk_adl_rec *adl;
  size_t nadl, adlcap;
  uint64_t event;      /* events seen (index of the last one) */
  int64_t now;
  int check;           /* conservation after every event: 0 off; 1 (debug builds) what the
                          event touched, from running totals, plus a full recount every
                          BK_RISK_FULL_CHECK events; 2 a full recount after every event */
  int shadow;          /* 1: a shadow run (docs/liquidation.md §9): the fund acts on
                          everything and wf.need tracks the smallest safe initial fund */
  /* what the per-event conservation check needs to look at only what an event touched:
     the accounts whose money or positions it moved, and running totals */
  uint32_t *dirty;     /* accounts touched since the last check (room for every account) */
  size_t ndirty;
  uint8_t *is_dirty;   /* is_dirty[acct] */
  bk_i128 *acct_oi;    /* acct_oi[contract]: sum of the accounts' position sizes */
  bk_i128 acct_money[BK_LEDGER_ASSETS]; /* sum of the accounts' ledger balances */
  uint64_t visited;    /* accounts looked at by mark updates (for the benchmark) */
  uint64_t bankrupt_accounts[BK_LEDGER_ASSETS]; /* accounts flagged BK_ACCT_BANKRUPT */
  int64_t released;    /* margin the last isolated close released into cash */
  int64_t loss_period; /* the fund's current loss period (policy loss_period_us), an index
                          from the epoch */
  int64_t loss_spent[BK_LEDGER_ASSETS]; /* the fund's losses to liquidations in it */
  uint8_t fund_moved[BK_LEDGER_ASSETS]; /* the fund of this asset moved in this event */
  int64_t iso_deficit; /* an isolated position's deficit waiting to be covered (> 0) */
  uint32_t iso_acct, iso_contract;
  uint32_t *scratch;   /* the accounts a mark visits */
  size_t nscratch, scratch_cap;
  uint32_t *unit;      /* the contracts of the unit being liquidated */
  size_t unit_cap;
  bk_err err;
} bk_risk;

/* A risk state for one policy over contracts (with finished tier tables) and collateral
 * assets. The policy is checked; on error returns NULL with the reason in err (may be
 * NULL). The fund starts with the policy's initial balance of each settle asset (names
 * resolved against assets[].name; an unknown name is BK_ECONFIG). */
bk_risk *bk_risk_new(const bk_policy *pol, const bk_contract *contracts, size_t ncontracts,
                     const bk_asset *assets, size_t nassets, bk_err *err);

/* The shadow of a policy (docs/liquidation.md §9): the same rules with the trigger off,
 * computing in bk_risk_safe_fund the smallest initial fund that needs no waterfall. */
bk_risk *bk_risk_new_shadow(const bk_policy *pol, const bk_contract *contracts,
                            size_t ncontracts, const bk_asset *assets, size_t nassets,
                            bk_err *err);

/* A shadow's smallest safe initial fund in an asset so far (-1 for a non-shadow). */
int64_t bk_risk_safe_fund(const bk_risk *r, uint32_t asset);
void bk_risk_free(bk_risk *r);

/* Opens an account settling in asset settle with a deposit (>= 0). *id gets its index. */
bk_rc bk_risk_add_account(bk_risk *r, uint32_t settle, int64_t deposit, uint32_t *id);

/* The account trades size (signed) of a contract at price against the market, cross
 * margin: a position is opened, increased, reduced or flipped, realized PnL is posted.
 * No fee. The contract's mark must be known (bk_risk_set_mark). */
bk_rc bk_risk_trade(bk_risk *r, uint32_t id, uint32_t contract, int64_t size, int64_t price);

/* As bk_risk_trade for a new isolated position with margin moved from the account's cash. */
bk_rc bk_risk_open_isolated(bk_risk *r, uint32_t id, uint32_t contract, int64_t size,
                            int64_t price, int64_t margin);

/* Sets a mark without liquidating (initial state before the replay starts). */
void bk_risk_set_mark(bk_risk *r, uint32_t contract, int64_t mark);

/* The mark of a contract changed at ts. Visits the accounts whose trigger was crossed (and
 * those waiting for a slice), liquidates the ones below maintenance, runs the fund's
 * offload and records its equity. books[contract] is the shared book of each contract
 * (NULL entries: no book, the remainder rules apply at once). */
bk_rc bk_risk_on_mark(bk_risk *r, uint32_t contract, int64_t mark, int64_t ts,
                      const bk_book *const *books);

/* A replayed trade: the fund receives its share of the fees charged on its notional. */
bk_rc bk_risk_on_trade(bk_risk *r, uint32_t contract, int64_t price, int64_t qty, int64_t ts);

/* Funding settles at ts at rate (fraction, > 0: longs pay): every position on the contract
 * pays or receives size × mark × rate (inverse: in coin), rounded for the exchange. */
bk_rc bk_risk_on_funding(bk_risk *r, uint32_t contract, int64_t rate, int64_t ts);

/* Conservation, in full: every account's money against the ledger, the ledger's sum per
 * asset, the fund's cash, and long = short open interest across accounts, fund and
 * market. BK_EINVARIANT with the event index and what broke in r->err. With `check` 1,
 * each event verifies the same rules for the accounts it touched, against the running
 * totals the money and position primitives keep, and the full recount runs every
 * BK_RISK_FULL_CHECK events (so a change that bypassed the primitives is found within
 * that many events); with `check` 2 the full recount runs after every event. */
bk_rc bk_risk_check(bk_risk *r);
#define BK_RISK_FULL_CHECK 4096

/* Fund equity in an asset (cash + inventory at mark). */
int64_t bk_risk_fund_equity(const bk_risk *r, uint32_t asset);

#endif
