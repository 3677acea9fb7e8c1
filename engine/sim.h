/*
 * The side-by-side simulation: one replayed market, several policies. Each policy has its
 * own risk state (accounts, fund, ledger; engine/risk.h) over the same contracts, and a
 * shadow risk state whose fund acts on everything, which computes the smallest initial
 * fund that would have avoided every ADL and socialized loss. The
 * decoded market is shared: comparing policies costs no extra decoding.
 *
 * The simulation is an observer of the replay loop (engine/replay.h):
 *   - before `from` (the warm-up), events reach only the populations, which open
 *     accounts from the tape (bk_sim_open: the same account in every policy); marks are
 *     tracked but nobody is liquidated;
 *   - inside the window, a completed mark group calls bk_risk_on_mark of every policy with
 *     the shared books; trades feed protocol revenue (bk_risk_on_trade); funding settles
 *     when the replay clock passes the announced funding time, at the last announced rate;
 *   - every `sample_us` of exchange time, and at the end, each policy's fund is sampled
 *     (cash, inventory PnL, equity, cumulative inflows and outflows by cause) for the
 *     fund.csv time series.
 *
 * Marks: where the data carries mark prices for a contract, they are used. Where it does
 * not (trade tapes only), the mark is derived from trades (engine/derived_mark.h): the
 * median of the trade prices of the last mark_window_us, recomputed when a mark_step_us
 * bucket of exchange time closes — so a single wick does not liquidate anyone, as venues
 * intend by marking on a median rather than on the last trade. The first trade sets the
 * mark without acting on it, so that accounts can open before the first bucket closes.
 *
 * Books: where the data carries an order book, the replayed book is used. Where it does
 * not, a depth model stands in (engine/depth_model.h): levels on both sides of the mark
 * whose cumulative notional within 1..5 % follows a profile, scaled to the contract's
 * traded volume in the warm-up, refreshed at most once per depth.refresh_us, and never
 * bidding above (asking below) what the tape traded in the last depth.band_us. Both
 * live in the market models (engine/models.h), which the simulations of a set share.
 *
 * Ownership: the configuration's arrays are copied; the market is borrowed for the life
 * of the simulation; populations added are owned and freed by the simulation.
 */
#ifndef BK_SIM_H
#define BK_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "engine/account.h"
#include "engine/census.h"
#include "engine/depth_model.h"
#include "engine/error.h"
#include "engine/event.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/models.h"
#include "engine/policy.h"
#include "engine/replay.h"
#include "engine/risk.h"

#define BK_SIM_NONE UINT32_MAX /* an instrument that is not a simulated contract */
#define BK_SIM_MAX_POLICIES 64 /* policies one run compares (each keeps its own accounts and
                                  a shadow: memory grows with policies x accounts) */
#define BK_SIM_MAX_ROWS (1 << 20) /* fund samples × policies × assets a run may keep
                                     (~250 MB): 2 years at 1 min for one policy */

typedef struct bk_sim bk_sim;

typedef struct bk_sim_config {
  const bk_policy *policies;  /* npolicies, each checked */
  size_t npolicies;
  const bk_contract *contracts; /* ncontracts, tiers finished */
  size_t ncontracts;
  const bk_asset *assets;     /* settle assets, nassets <= BK_LEDGER_ASSETS */
  size_t nassets;
  const uint32_t *contract_of; /* contract_of[instrument id] or BK_SIM_NONE */
  size_t ninstruments;
  int64_t from, to;           /* the window, µs; INT64_MIN / INT64_MAX when open */
  int64_t sample_us;          /* fund sampling interval, > 0 */
  int64_t mark_window_us;     /* derived marks: trailing window, > 0 */
  int64_t mark_step_us;       /* derived marks: bucket, > 0 */
  bk_depth_spec depth;        /* the depth model for contracts without a book; its
                                 ref_instr is BK_SIM_NONE or the reference instrument */
  int shadow;                 /* 1: also run each policy with the waterfall off */
  int keep_detail;            /* 1: keep what the detailed reports read (every liquidation
                                 step and ADL fill, the fund samples); 0: only what a draw
                                 is judged by (the fund's path and cash, the ledger's
                                 totals, the ADL totals of engine/risk_state.h), so memory
                                 follows the accounts, not the events */
} bk_sim_config;

/* One sample of one policy's fund in one settle asset. */
typedef struct bk_sim_sample {
  int64_t ts;                 /* µs */
  int64_t cash;               /* fund cash, settle units */
  int64_t inventory_pnl;      /* unrealized PnL of the fund's inventory at mark */
  int64_t equity;             /* cash + inventory_pnl */
  int64_t in[BK_CAUSES];      /* cumulative inflows to the fund by cause */
  int64_t out[BK_CAUSES];     /* cumulative outflows by cause */
  int64_t liq_notional;       /* cumulative notional of liquidation steps (settle units) */
  uint64_t liquidations;      /* cumulative liquidation steps */
  /* the population (engine/census.h): accounts opened so far (the same in every policy),
     the notional its long and short positions hold at the mark, and the open interest
     the data last gave for the asset's contracts at the same mark (-1 when none has) */
  uint64_t accounts;
  uint64_t closed;            /* accounts whose traders left this policy so far
                                 (bk_sim_close) */
  int64_t oi_long, oi_short, data_oi;
} bk_sim_sample;

/* A population model (strategies/): decides who holds positions. It sees every event
 * (warm-up included), may open accounts with bk_sim_open, and is told of the end. */
typedef struct bk_population bk_population;
struct bk_population {
  const char *name;
  bk_rc (*start)(bk_population *p, bk_sim *s);                       /* may be NULL */
  bk_rc (*event)(bk_population *p, bk_sim *s, const bk_event *ev);   /* may be NULL */
  bk_rc (*finish)(bk_population *p, bk_sim *s);                      /* may be NULL */
  void (*free)(bk_population *p);                                    /* may be NULL */
  bk_err err;                 /* detail of a failure */
};

/* Defaults for a configuration: 60 s samples, derived marks over 5 s in 100 ms steps,
 * a depth model of 1 minute of volume within 1 % growing to 4 within 5 %, refreshed once
 * a second and bounded by the last second's trades, shadow runs on, detail kept. Arrays
 * are left NULL. */
void bk_sim_config_init(bk_sim_config *c);

/* A simulation over market m (borrowed). Every policy is checked; errors in err. */
bk_rc bk_sim_new(const bk_sim_config *c, bk_market *m, bk_sim **out, bk_err *err);
void bk_sim_free(bk_sim *s);

/* Registers the simulation's observer on a replay loop over the same market. The loop's
 * own window must be left open at the start ([INT64_MIN, to)): the simulation keeps the
 * warm-up for its populations. */
bk_rc bk_sim_attach(bk_sim *s, bk_replay *r);

/* Several simulations of one market driven by a single observer of one replay: the
 * draws of an uncertainty run, which share one decode of the data (a replay has room for
 * only BK_REPLAY_OBSERVERS observers). Each event goes to sims[0], sims[1], ... in
 * order; on a failure `failed` is the index of the simulation whose error it is. The set
 * is borrowed by the replay: it must outlive it.
 *
 * The simulations share their market models (engine/models.h): each reads those of the
 * first simulation before it whose models have the same parameters (the same contracts,
 * window start, derived-mark and depth-model settings), which computes them once for
 * all. So the simulations of a set are freed together, once their results are read. */
typedef struct bk_sim_set {
  bk_sim *const *sims;
  size_t n;
  size_t failed;
} bk_sim_set;

/* Registers the set's observer (the same conditions as bk_sim_attach for each). */
bk_rc bk_sim_attach_set(bk_sim_set *set, bk_replay *r);

/* Adds a population (owned from now on, also when the call fails). */
bk_rc bk_sim_add_population(bk_sim *s, bk_population *p);

/* One position of an account being opened: size contracts (signed, != 0) at entry. */
typedef struct bk_sim_leg {
  uint32_t contract;
  int64_t size, entry;
} bk_sim_leg;

/* Opens the same account in every policy (and shadow): a deposit in settle asset
 * `settle`, and nlegs positions under one cross margin, each on a different contract
 * settling in `settle` (none: the deposit alone). Every leg's contract must have a mark
 * (the first trade or mark sets it). *id gets the account's index, the same in every
 * policy. */
bk_rc bk_sim_open_cross(bk_sim *s, uint32_t settle, int64_t deposit, const bk_sim_leg *legs,
                        size_t nlegs, uint32_t *id);

/* bk_sim_open_cross with one position of `size` contracts at `entry` on `contract`
 * (size 0: no position). */
bk_rc bk_sim_open(bk_sim *s, uint32_t settle, int64_t deposit, uint32_t contract,
                  int64_t size, int64_t entry, uint32_t *id);

/* Adds a collateral asset to every policy (and shadow): name, haircut in [0, 1), priced
 * by the mark of contract (engine/collateral.h, bk_risk_add_collateral); *index gets its
 * index. The same name with the same terms gives the same index. */
bk_rc bk_sim_add_collateral(bk_sim *s, const char *name, int64_t haircut, uint32_t contract,
                            uint32_t *index);

/* The most units of collateral asset worth at most value (>= 0) to an account settling in
 * settle, at the prices now (bk_risk_collateral_amount). BK_EDATA when there is no price
 * yet. */
bk_rc bk_sim_collateral_amount(const bk_sim *s, uint32_t settle, uint32_t asset,
                               int64_t value, int64_t *amount);

/* Account id posts amount units of collateral asset `asset` in every policy (and shadow)
 * (bk_risk_post_collateral). */
bk_rc bk_sim_post_collateral(bk_sim *s, uint32_t id, uint32_t asset, int64_t amount);

/* The trader of account id leaves now (the current event's time): in every policy (and
 * shadow) its positions are closed at the mark and its cash withdrawn, as
 * bk_risk_close_account says (no fee; an account under liquidation there stays with the
 * liquidation engine, one liquidated or deleveraged already only withdraws). *left is 1
 * when it left the first policy (0: that policy's liquidation engine kept it). Each
 * policy counts it in its samples' `closed` when it left there holding a position or
 * cash (closing an account already emptied counts nothing). */
bk_rc bk_sim_close(bk_sim *s, uint32_t id, int *left);

/* Gives account id the name its population knows it by (an accounts file's id, copied),
 * for reports. BK_ENOMEM when it cannot be kept. */
bk_rc bk_sim_label(bk_sim *s, uint32_t id, const char *label);

/* The name given to account id, or NULL. */
const char *bk_sim_label_of(const bk_sim *s, uint32_t id);

/* Ends the run at the last event's time: completes the sampling and calls the
 * populations' finish. */
bk_rc bk_sim_finish(bk_sim *s);

/* --- reading the results ---------------------------------------------------------- */
size_t bk_sim_npolicies(const bk_sim *s);
const bk_risk *bk_sim_risk(const bk_sim *s, size_t policy);
const bk_risk *bk_sim_shadow(const bk_sim *s, size_t policy); /* NULL without shadows */
/* Samples of a policy's fund in an asset, in time order (none without keep_detail). */
const bk_sim_sample *bk_sim_samples(const bk_sim *s, size_t policy, uint32_t asset, size_t *n);
/* The smallest initial fund of an asset with which the policy would have needed no ADL or
 * socialization over the window (docs/liquidation.md §9); -1 without shadows. */
int64_t bk_sim_safe_fund(const bk_sim *s, size_t policy, uint32_t asset);
const bk_sim_config *bk_sim_config_get(const bk_sim *s);
/* Mark source (BK_SRC_DATA / BK_SRC_TRADES) and book source (BK_SRC_DATA / BK_SRC_MODEL)
 * of a contract, as the run found them. */
int bk_sim_mark_source(const bk_sim *s, uint32_t contract);
int bk_sim_book_source(const bk_sim *s, uint32_t contract);
/* Current mark of a contract (0 before any). */
int64_t bk_sim_mark(const bk_sim *s, uint32_t contract);
/* The size (signed contracts e-8, 0 when none) account id holds now on contract in the
 * risk state of policy (< bk_sim_npolicies; 0 for an account that does not exist). */
int64_t bk_sim_position(const bk_sim *s, size_t policy, uint32_t id, uint32_t contract);
/* Warm-up traded notional of a contract (settle units), for population sizing. */
int64_t bk_sim_warmup_notional(const bk_sim *s, uint32_t contract);
const bk_market *bk_sim_market(const bk_sim *s);
/* The market models the simulation reads (those of another simulation of its set when
 * shared). */
const bk_models *bk_sim_models(const bk_sim *s);
/* The population in one settle asset: the accounts open, the notional of their long
 * and short positions at the mark (settle units; a sum past int64 is capped there) and
 * their leverage buckets (engine/census.h). */
typedef bk_census bk_sim_census;

/* The census of an asset as the window opened, once the populations had seen its first
 * event (all zero when the window never opened), or now (at_start 0: after the run,
 * every account ever opened, positions as they ended; leverage buckets whose sums
 * overflow are left incomplete). Accounts are the same in every policy until the window
 * opens; the census reads the first policy's. */
bk_sim_census bk_sim_census_of(const bk_sim *s, uint32_t asset, int at_start);

/* Accounts of an asset that left the first policy so far (bk_sim_close). */
uint64_t bk_sim_closed(const bk_sim *s, uint32_t asset);

/* When the census at the window's start was taken (its first event), INT64_MIN before. */
int64_t bk_sim_census_ts(const bk_sim *s);

/* Events the simulation saw. */
uint64_t bk_sim_events(const bk_sim *s);
const bk_err *bk_sim_err(const bk_sim *s);

#endif
