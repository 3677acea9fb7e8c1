/*
 * The synthetic, calibrated population (DESIGN §10): public market data has no accounts,
 * so this one is built from the replayed trade tape of the warm-up (the events before the
 * window's `from`).
 *
 * What it models. Every contract's warm-up trades are sampled uniformly (a reservoir of
 * `accounts` trades per contract, from the contract's own seeded stream), and each sampled trade is a trader who opened
 * a position then and still holds it when the window starts: entry = the trade's price,
 * side = the taker's (a taker buy is a long), leverage drawn from `lev`, deposit =
 * notional at entry / leverage (+ `cushion` of that), rounded up. Traders whose
 * liquidation price the mark crossed between their entry and the window would have been
 * liquidated already and are dropped (`survivors_only`): the population at `from` is the
 * one that survived the day so far. All accounts are opened at the first event of the
 * window, in entry-time order, with bk_sim_open; each holds one cross position against
 * the market, so longs and shorts need not balance (the market holds the difference).
 *
 * Sizes. Open interest counts one side, as venues do; the population holds both sides of
 * it, so its gross size Σ|size| is 2 × target × oi_scale × oi_share, split over the survivors in
 * proportion to their real trade sizes, in whole lots (largest remainder). The target, per
 * contract, is the first of: the replayed open interest (BK_EV_OI) last seen before the
 * window; the scenario's notional (target_quote, quote currency: USD for inverse
 * contracts); volume_multiple × the contract's warm-up traded notional
 * (bk_sim_warmup_notional). The population's OI ((Σ long + Σ short) / 2) then equals the
 * target × oi_scale × oi_share rounded down to whole lots: within one lot, below.
 *
 * Where the numbers come from. The default leverage mix (sizing.h) puts two accounts in
 * three at 10–50×, as retail derivatives books are described by venues that publish
 * leverage distributions; volume_multiple 0.5 assumes open interest of half a day's
 * volume, typical of mid-cap perpetuals. Both are assumptions of the model, to be replaced
 * by a scenario's own numbers where it has them. Leverage is capped at the contract's tier
 * maximum (bk_tier.max_lev) when the tier table gives one.
 *
 * Living (`living`, off by default). Traders then also open and close through the
 * window. Each contract runs its own clock, on its own events: every `rebalance_us` of
 * exchange time from `from` (at the contract's first event at or past each step's end),
 * its population moves each side of its open interest toward the target of that moment,
 * so a contract's draw is the same whether or not other contracts are in the run. The
 * population's open interest is the engine's: what the accounts it holds still hold in
 * the first policy's risk state, read at each step; the population replaces what the
 * first policy liquidated or deleveraged; every policy gets the same new accounts (one
 * another policy liquidated is not replaced there). The target of one side is, per
 * contract, the first of: the open interest the data last replayed (BK_EV_OI) × oi_scale
 * × oi_share, in whole lots; the window-start target × the scale of `oi_path` at the
 * step's end (piecewise linear between its points, constant outside them); the
 * window-start target (constant). Long and short move separately:
 *   - A side short of its target opens accounts on that side worth the gap (whole lots):
 *     about gap / the mean account size at the window's start of them (rounded to the
 *     nearest, at least 1, at most `accounts`; one lot stands for the mean when the window
 *     opened nobody), weighted by the sizes of trades drawn from the step's taker buys
 *     (for longs) or taker sells (for shorts) — the other side's trades when the step had
 *     none of that side, equal weights when it had no trade at all — leverage drawn from
 *     `lev`, deposit = notional / leverage (+ cushion). The entry is the current mark, not
 *     a trade's price: the account exists for the engine from now on, and entering at a
 *     price the mark has since left would hand it a profit or loss on a path it was not
 *     simulated through.
 *   - A side above its target closes whole accounts drawn uniformly from the contract's
 *     stream (bk_sim_close: at the mark, no fee, cash withdrawn; pop_living.h). An account
 *     the first policy's liquidation engine keeps (liquidatable at the close) stays held
 *     and is not counted as left.
 * Right after a step each side is within one lot of the target when it grew, and within
 * half the size of the last account closed or the one it stopped at when it shrank;
 * liquidations move it again until the next step. Draws come only from the contract's own
 * stream, so a contract's accounts do not depend on any other contract (unless one
 * contract's losses drain a shared fund into ADL of another).
 *
 * Second legs (`second_leg_share`, 0 by default: none). Of the n accounts a contract
 * opens at the window's start, floor(n × share) — chosen uniformly (selection sampling,
 * one draw per account in opening order) — also hold a position on another contract of
 * the same settle asset, under the same cross margin (bk_sim_open_cross). The other
 * contract is drawn uniformly among the run's contracts of that settle asset that have a
 * mark then; the side is the first leg's or the opposite (a hedge), one half each; the
 * notional is BK_SECOND_LEG_RATIO of the first leg's at its entry (settle units), in whole
 * lots of that contract at its mark (rounded down, at least one lot), entered at that
 * mark; the deposit is (both notionals) / the account's leverage (+ cushion), rounded up,
 * the leverage capped by both legs' tiers (bk_popsynth_second_leg). The draws come from
 * the contract's second-leg stream bk_rng_stream(seed, "second_leg:" name, draw), apart
 * from its own stream, so the first legs are the same whatever the share: what a
 * contract's second legs are depends on the seed, its name, the draw, the accounts it
 * opened, and on which contracts of its settle asset the run holds (in the run's order)
 * and their marks, never on their draws. Second legs come on top of the other contract's
 * target (its own accounts are sized as without them); they are counted in its
 * open interest (the engine's, and the stats' longs and shorts at the window's start).
 * Without another contract of the settle asset with a mark, there is none (the run's
 * population lines say so when the asset has a single contract). Living, the accounts
 * opened inside the window hold one leg; closing an account (bk_sim_close) closes both
 * legs; the other contract's rebalancing neither counts nor closes nor replaces second
 * legs (its stats' longs and shorts then are its own accounts').
 *
 * Limits. One position per account (two with a second leg) and no trading after the window opens (unless
 * living: then only whole accounts open and close, nobody adds to or reduces a position,
 * and an account a policy is liquidating stays with that policy's engine when the
 * population closes it); the sampled
 * trades stand for positions still open, whatever was closed in between; the survival
 * test reads the mark once per event at `bucket_us` resolution, so an account that would
 * just have survived may be dropped (never the other way round within a bucket). The
 * tier of a survivor's re-apportioned size may differ slightly from the one tested, so a
 * few accounts can be liquidatable at the first mark of the window.
 */
#ifndef BK_STRAT_POP_SYNTH_H
#define BK_STRAT_POP_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "engine/account.h"
#include "engine/error.h"
#include "engine/sim.h"
#include "strategies/pop_living.h"
#include "strategies/sizing.h"

/* A second leg's notional, as a share of the first leg's (e-8): a half. */
#define BK_SECOND_LEG_RATIO INT64_C(50000000)

/* Collateral in other assets (engine/collateral.h): each account the population opens
 * posts, with probability `share`, its whole deposit as collateral in one asset drawn by
 * weight, from the contract's collateral stream bk_rng_stream(seed, "collateral:" name,
 * draw) (so the accounts are otherwise the same whatever the mix): no cash, and the most
 * units whose value at the prices of that moment (price × (1 − haircut) / the settle
 * asset's price) is at most the deposit, rounded down. At the open the account's margin
 * is then the same as without collateral; after it, the collateral moves with its price.
 * An account that settles in the drawn asset itself keeps its deposit as cash. */
#define BK_COLL_MIX_MAX 8
typedef struct bk_coll_mix {
  int64_t share;                    /* e-8, [0, 1]; 0: none */
  size_t n;                         /* assets */
  uint32_t asset[BK_COLL_MIX_MAX];  /* the simulation's index (bk_sim_add_collateral) */
  int64_t weight[BK_COLL_MIX_MAX];  /* relative weights, e-8, >= 0, some > 0 */
} bk_coll_mix;

/* Where a contract's open-interest target came from. */
enum { BK_OI_NONE = 0, BK_OI_REPLAYED = 1, BK_OI_SCENARIO = 2, BK_OI_VOLUME = 3 };

typedef struct bk_popsynth_config {
  uint64_t seed;            /* reservoir and leverage draws */
  uint64_t draw;            /* index of the draw (uncertainty runs; 0 for a single run) */
  const char *const *names; /* names[contract], e.g. "exchange:symbol": each contract
                               draws from its own stream bk_rng_stream(seed, name, draw),
                               so adding a contract moves no other's draw; NULL: the
                               contract's index in decimal stands for its name */
  size_t nnames;            /* entries in names */
  bk_lev_config lev;        /* leverage distribution */
  size_t accounts;          /* sampled trades per contract, > 0 */
  int64_t cushion;          /* extra deposit, fraction of the initial margin, >= 0 */
  int64_t oi_share;         /* share of the target the population holds, (0, 1] */
  int64_t oi_scale;         /* multiplies the target whatever its source, e-8, > 0 (the
                               assumption an uncertainty range varies and a liquidation-
                               print calibration fits) */
  int64_t lev_scale;        /* multiplier of every drawn leverage, e-8, > 0 (1: the mix
                               as configured; bk_lev_scale) */
  const int64_t *target_quote; /* target_quote[contract]: OI notional in the quote
                                  currency, 0 = none; NULL = none at all (copied) */
  size_t ntarget;           /* entries in target_quote */
  int64_t volume_multiple;  /* target = this × warm-up traded notional, > 0 */
  int64_t lot;              /* sizes are whole multiples of this many contracts, > 0 */
  int64_t bucket_us;        /* resolution of the mark path for the survival test, > 0 */
  int survivors_only;       /* 1: drop traders liquidated before the window */
  int living;               /* 1: traders open and close through the window */
  int64_t rebalance_us;     /* living: the step between rebalances, > 0 */
  const bk_living_point *oi_path;   /* living: the target's path where the data replays
                                       no open interest, sorted by strictly increasing
                                       time (copied); NULL: none */
  size_t npath;             /* points of oi_path */
  int64_t second_leg_share; /* share of the accounts opened at the window's start that
                               also hold a second leg, e-8, [0, 1] (0: none) */
  bk_coll_mix coll;         /* collateral in other assets (share 0: none) */
} bk_popsynth_config;

/* Defaults: seed 1, draw 0, no names, the default leverage mix, 1000 accounts per contract, no cushion,
 * the whole target at scales 1, no scenario notional, volume multiple 0.5, lots of 1 contract, 60 s
 * buckets, survivors only; not living (a 60 s rebalance step when it is), no path; no
 * second legs. */
void bk_popsynth_config_init(bk_popsynth_config *c);

/* A synthetic population. The configuration is checked (BK_ECONFIG in err, may be NULL)
 * and copied. On error *out is NULL. The population fails at its start when the
 * simulation's window has no warm-up (from == INT64_MIN). */
bk_rc bk_pop_synth_new(const bk_popsynth_config *c, bk_population **out, bk_err *err);

/* What the population did for one contract (after the window opened). */
typedef struct bk_popsynth_stats {
  int source;          /* BK_OI_* */
  int64_t target;      /* open-interest target, contracts e-8 (one side); living: the
                          last rebalance's (each side's) */
  uint64_t trades;     /* warm-up trades seen */
  size_t sampled;      /* trades kept by the reservoir */
  size_t dropped;      /* sampled traders liquidated before the window */
  size_t opened;       /* accounts opened, at the window's start and (living) after */
  size_t joined;       /* living: accounts opened after the window's start */
  size_t left;         /* living: accounts closed */
  uint64_t steps;      /* living: rebalances done */
  int64_t longs, shorts; /* Σ long sizes and Σ |short sizes| the population holds now,
                            contracts e-8 (living: in the first policy, as of the last
                            rebalance) */
  uint32_t first_id;   /* account id of the first opened on this contract */
  size_t paired;       /* accounts opened on this contract that also hold a second leg */
  size_t legs;         /* second legs of other contracts' accounts held on this one */
  size_t collateral;   /* accounts opened on this contract that posted collateral */
} bk_popsynth_stats;

/* Stats of contract (zeroed when the population has not opened yet or the index is out
 * of range). p must come from bk_pop_synth_new. */
bk_popsynth_stats bk_pop_synth_stats(const bk_population *p, uint32_t contract);

/* --- the sizing step, pure (tested on its own) ------------------------------------- */

/* What the open-interest target of a contract is chosen from, at the window's start. */
typedef struct bk_popsynth_basis {
  int have_oi;             /* 1 when the data replayed an open interest before the window */
  int64_t oi;              /* its last value: base units (linear) or contracts (inverse) */
  int64_t target_quote;    /* the scenario's notional, quote currency, 0 = none */
  int64_t warm_notional;   /* traded notional of the warm-up, settle units */
  int64_t volume_multiple; /* as in the configuration */
  int64_t mark;            /* the mark at the window's start */
} bk_popsynth_basis;

/* The open-interest target in contracts (one side) and its source (BK_OI_*): the first of
 * the replayed open interest, the scenario's notional, volume_multiple × the warm-up
 * notional; 0 and BK_OI_NONE when there is none. Before oi_share and lots. BK_ERANGE. */
bk_rc bk_popsynth_target(const bk_contract *c, const bk_popsynth_basis *b, int64_t *t,
                         int *src);


/* A sampled trade. */
typedef struct bk_popsynth_cand {
  int64_t ts;       /* µs */
  int64_t price;    /* trade price, the entry */
  int64_t qty;      /* trade size, contracts e-8, > 0 (the sizing weight) */
  int side;         /* BK_BUY (long) or BK_SELL (short) */
  int64_t lev;      /* drawn leverage, e-8 */
  int64_t lo, hi;   /* lowest and highest mark from the entry to the window (0: unknown) */
} bk_popsynth_cand;

/* An account to open. */
typedef struct bk_popsynth_open {
  size_t cand;      /* index of the candidate */
  int64_t size;     /* signed contracts e-8 */
  int64_t entry;
  int64_t deposit;  /* settle units */
  int64_t lev;      /* leverage after the tier cap */
  int64_t liq;      /* liquidation price (tick) of the account as opened */
} bk_popsynth_open;

/* Sizes n candidates of contract c to a gross size of `gross` contracts (rounded down to
 * whole lots): apportions it by qty, computes deposits (leverage capped by the tier) and
 * liquidation prices, drops the candidates whose liquidation price lies inside [lo, hi]
 * when survivors_only, and re-apportions the whole gross over the survivors. out (room for
 * n) gets the accounts with a non-zero size in candidate order; *nout their number and
 * *dropped the candidates dropped. BK_ENOMEM, BK_ERANGE. */
bk_rc bk_popsynth_plan(const bk_contract *c, const bk_popsynth_cand *cand, size_t n, int64_t gross,
                       int64_t lot, int64_t cushion, int survivors_only, bk_popsynth_open *out,
                       size_t *nout, size_t *dropped);

/* An account's second leg (see "Second legs" above). */
typedef struct bk_popsynth_leg {
  int64_t size;     /* signed contracts e-8 on the other contract */
  int64_t entry;    /* the other contract's mark */
  int64_t lev;      /* the account's leverage: the first leg's, capped by this leg's tier */
  int64_t deposit;  /* the account's deposit for both legs, settle units */
} bk_popsynth_leg;

/* The second leg on contract c2, at its mark mark2, of an account planned on c: side the
 * first leg's (hedge 0) or the opposite (hedge 1); notional = BK_SECOND_LEG_RATIO × the
 * first leg's notional at its entry (settle units, rounded down), in whole lots of c2 at
 * mark2 (rounded down, at least one lot); the deposit covers both notionals at the
 * account's leverage (bk_pop_margin_deposit). c and c2 settle in the same asset.
 * BK_ERANGE. */
bk_rc bk_popsynth_second_leg(const bk_contract *c, const bk_popsynth_open *first,
                             const bk_contract *c2, int64_t mark2, int hedge, int64_t lot,
                             int64_t cushion, bk_popsynth_leg *out);

#endif
