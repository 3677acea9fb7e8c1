/*
 * What one policy's risk state holds (see risk.h for the calls that drive it): accounts,
 * holders, the fund, ledger, liquidation and ADL records, the consumption overlay and the
 * trigger index. The rule files (partial.c, liquidation.c, waterfall.c, offload.c,
 * transfer.c, conservation.c) read and change it; risk.c orchestrates them. Kept apart
 * from risk.h so that those files include the state, not the orchestrator that calls
 * them. Internal to engine/ except for reading results.
 */
#ifndef BK_RISK_STATE_H
#define BK_RISK_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/account.h"
#include "engine/adl_rounds_state.h"
#include "engine/book.h"
#include "engine/error.h"
#include "engine/fund.h"
#include "engine/ledger.h"
#include "engine/overlay.h"
#include "engine/policy.h"
#include "engine/stress.h"
#include "engine/trigger.h"
#include "engine/waterfall_state.h"

/* How a liquidation step ended (docs/liquidation.md §8). */
enum { BK_OUT_BOOK = 0,       /* fully closed through the book */
       BK_OUT_WAITING = 1,    /* part left, waiting for its next slice or for liquidity */
       BK_OUT_TAKEOVER = 2,   /* the rest taken over by the fund */
       BK_OUT_ADL = 3,        /* the rest deleveraged against ranked accounts */
       BK_OUT_SOCIALIZED = 4, /* the rest closed on the book at any price */
       BK_OUT_UNRESOLVED = 5  /* part left that neither the fund nor the waterfall placed */
};
#define BK_OUTCOMES 6

/* Account flags kept by the risk state. */
enum { BK_ACCT_BANKRUPT = 2 /* it had a step with equity < 0 at the mark */ };

typedef struct bk_liq_rec { /* 136 bytes, no padding: a run keeps one per step */
  int64_t ts;         /* µs */
  uint32_t acct, contract;
  int64_t size;       /* signed size before this step */
  int64_t mark;       /* mark price */
  int64_t bankrupt;   /* bankruptcy price (tick) */
  int64_t book_qty;   /* closed through the book */
  int64_t avg_fill;   /* average fill price of book_qty (0 when none), rounded down */
  uint32_t levels;    /* levels walked */
  int16_t outcome;    /* BK_OUT_* */
  int16_t bankrupt_at_mark; /* 1: the unit's equity at the mark was below 0 at the start */
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
_Static_assert(sizeof(bk_liq_rec) == 136, "a liquidation record has no padding");

typedef struct bk_adl_rec {
  int64_t ts;
  uint32_t bankrupt_acct, counter_acct, contract;
  int from_fund;  /* 1: the fund's own inventory was deleveraged (bankrupt_acct unused) */
  int64_t qty;    /* closed on each side, > 0 */
  int64_t price;  /* the bankruptcy price (the mark for the fund's inventory, and for a
                     haircut) */
  int64_t haircut; /* a profit rule's haircut: cash counter_acct paid to bankrupt_acct
                      (qty 0); 0 for a close */
} bk_adl_rec;

/* Realized volatility of one contract over the policy's window: the sum of |mark
 * returns| (fractions e-8, each rounded up) of the marks inside it. */
typedef struct bk_risk_vol {
  int64_t *ts, *ret; /* ring of (time, |return|) */
  size_t head, n, cap;
  int64_t sum;
} bk_risk_vol;

/* A change of a contract's margin multiplier under adaptive margins (stress.h). */
typedef struct bk_margin_rec {
  int64_t ts;       /* µs: the mark at which it took effect */
  uint32_t contract;
  int64_t vol;      /* mean |return| per sample, fraction e-8 (rounded up) */
  int64_t target;   /* the multiplier the volatility asked for, e-8 */
  int64_t mult;     /* the multiplier now in force, e-8 */
} bk_margin_rec;

#define BK_COLL_ASSETS 8        /* other collateral assets a run may value */
#define BK_COLL_NONE UINT32_MAX /* no contract prices it */

/* The run's other collateral (engine/collateral.h): its assets with their prices now,
 * the price of each settle asset in the same unit, the units posted, sold and withdrawn,
 * and the fund's deficits that the collateral's fall made. */
typedef struct bk_coll_state {
  bk_asset now[BK_COLL_ASSETS];   /* env.assets: prices now */
  uint32_t from[BK_COLL_ASSETS];  /* the contract whose mark prices each */
  size_t n;
  int64_t unit[BK_LEDGER_ASSETS];  /* env.unit: a settle asset's price now */
  uint32_t unit_from[BK_LEDGER_ASSETS]; /* the first inverse contract settling in it (its
                                           mark is the coin's price), or BK_COLL_NONE: 1,
                                           the quote of linear contracts */
  int64_t posted[BK_COLL_ASSETS];    /* units the accounts posted in all */
  int64_t sold[BK_COLL_ASSETS];      /* units sold to the market (bk_coll_sell) */
  int64_t withdrawn[BK_COLL_ASSETS]; /* units that left with their accounts */
  int64_t proceeds[BK_LEDGER_ASSETS]; /* what the sales brought, per settle asset */
  int64_t loss[BK_LEDGER_ASSETS]; /* deficits paid by the fund that the collateral's fall
                                     since it was posted, or since the window opened,
                                     made (bk_coll_attribute) */
  int started;                    /* 1: the window has opened (bk_risk_collateral_start);
                                     0: nothing has fallen yet */
} bk_coll_state;

/* The accounts holding a position on one contract (each position knows its slot), so
 * ADL and socialization over open interest visit holders, not the population. */
typedef struct bk_holders {
  uint32_t *id;
  int64_t *size; /* size[slot]: the signed size of id[slot]'s position, so a pass over
                    one side (an ADL queue) skips the other without visiting it */
  size_t n, cap;
} bk_holders;

/* What one member asset of a shared fund moved, valued in the pool's currency at the
 * price of the moment (pool.h): inflows and outflows of its fund (deposits and
 * conversions apart), and cash converted into it from the other members or out of it
 * for them. */
typedef struct bk_pool_flows {
  int64_t contributed, drawn, converted_in, converted_out;
} bk_pool_flows;

/* A liquidation fill held for spread capture until its horizon (capture.h): the taker's
 * side, qty at price, due at µs. */
typedef struct bk_capture_hold {
  int64_t due, qty, price;
  uint32_t contract;
  int side;
} bk_capture_hold;

typedef struct bk_risk {
  bk_policy pol;
  bk_contract *contracts;
  int64_t *mark;       /* mark[contract]; 0 until the first on_mark */
  size_t ncontracts;
  bk_asset *assets;
  size_t nassets;
  bk_menv env;
  bk_coll_state coll;  /* other collateral: env.assets and env.unit point into it */
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
  int records;         /* 1: keep recs and adl (the detailed reports); 0: only the totals
                          below, so memory does not grow with the liquidations */
  bk_liq_rec *recs;
  size_t nrecs, rcap;
  bk_adl_rec *adl;
  size_t nadl, adlcap;
  /* per settle asset, over every ADL fill whether records are kept or not: contracts
     closed on each side and their notional at the fill price (bk_pos_notional), and 1
     when a notional or a sum overflowed (the sums are then incomplete) */
  int64_t adl_qty[BK_LEDGER_ASSETS], adl_notional[BK_LEDGER_ASSETS];
  uint8_t adl_overflow[BK_LEDGER_ASSETS];
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
  bk_i128 *acct_long;  /* acct_long[contract]: sum of the accounts' long sizes (the
                          short side is acct_long - acct_oi): open interest without a
                          pass over the holders (census.h) */
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
  /* shared funds (pool.h): the pool of each asset's fund (-1: its own), and its flows */
  int8_t pool_of[BK_LEDGER_ASSETS];
  bk_pool_flows pflow[BK_LEDGER_ASSETS];
  int64_t pool_cash[BK_POOLS]; /* each pool's own cash in its currency (its `initial` less
                                  what it paid; below 0 a debt, in a shadow or a fund
                                  that pays everything) */
  uint8_t key_moved[BK_FUND_KEYS]; /* a pool's value may have changed in this event */
  /* reinsurance (reinsurance.h): the layer's cash per asset, and per member fund (key)
     the premiums it paid and the claims it received, valued in the layer's currency */
  int64_t reins_cash[BK_LEDGER_ASSETS];
  int64_t reins_paid[BK_FUND_KEYS], reins_got[BK_FUND_KEYS];
  int64_t *index;      /* index[contract]: the last index price, 0 until one (capture.h) */
  bk_err err;
  /* adaptive margins (policy am; NULL when off): each contract's stress, the per-sample
     decay of its volatility, and the multiplier's changes (kept when records is 1) */
  bk_stress *stress;   /* stress[contract] */
  int64_t stress_decay;
  bk_margin_rec *mrecs;
  size_t nmrecs, mrcap;
  bk_adl_rounds rounds; /* ADL metrics per round (adl_rounds.h) */
  /* spread capture (capture.h): liquidation fills waiting for their horizon, in fill
     order; per contract the trades and fills that found no index to be priced against;
     the fills the run's end marked to the last index before their horizon */
  bk_capture_hold *holds;
  size_t nholds, holdcap;
  uint64_t *unpriced;  /* unpriced[contract] */
  uint64_t held_to_end;
} bk_risk;

#endif
