/*
 * A policy: the fee, liquidation, fund and loss-waterfall rules one side-by-side run of
 * the risk engine follows (DESIGN §11). Plain data; reading it from JSON is the
 * configuration layer's business (config/policy_json.c). bk_policy_default gives a
 * complete, valid policy that loaders start from, and bk_policy_check says what is out of
 * range.
 *
 * Fractions are fixed point e-8 (BK_FX(1) = 100 %); durations are µs.
 */
#ifndef BK_POLICY_H
#define BK_POLICY_H

#include <stdint.h>

#include "engine/error.h"
#include "engine/ledger.h"

/* liquidation penalty */
enum { BK_PEN_FEE = 0,       /* penalty × filled notional, capped by the remaining equity */
       BK_PEN_REMAINING = 1  /* everything left in the account after the close */ };
/* price limit of the liquidation walk */
enum { BK_LIMIT_BANKRUPTCY = 0, /* never fill worse than the bankruptcy price */
       BK_LIMIT_FILLABLE = 1,   /* dYdX fillable price (may be worse: the fund pays) */
       BK_LIMIT_NONE = 2 };     /* whatever the book gives */
/* what the book could not absorb */
enum { BK_REM_SLICE = 0,     /* retry after a cooldown, one slice at a time */
       BK_REM_TAKEOVER = 1,  /* the fund takes it at the bankruptcy price */
       BK_REM_WATERFALL = 2  /* straight to ADL or socialization */ };
/* how much of a unit one liquidation closes (docs/liquidation.md §3) */
enum { BK_SIZE_ALL = 0,    /* the whole unit */
       BK_SIZE_HEALTH = 1  /* to health: the fewest whole lots that restore margin
                              (Binance, Bybit: step down to the tier that restores it) */ };
/* fund inventory offload */
enum { BK_OFFLOAD_HOLD = 0, BK_OFFLOAD_IMMEDIATE = 1, BK_OFFLOAD_GRADUAL = 2 };
/* when the waterfall starts instead of the fund */
enum { BK_WF_NEGATIVE = 0,  /* the fund's equity would fall below zero */
       BK_WF_DRAWDOWN = 1,  /* a drawdown of dd_share from the peak within dd_window_us */
       BK_WF_NETPOS = 2,    /* the fund's net position value above netpos_cap × equity */
       BK_WF_NEVER = 3 };   /* never: the fund takes and pays everything, even into the
                               red (measures how deep an unlimited fund would have gone) */
/* what the waterfall does */
enum { BK_WF_ADL = 0, BK_WF_SOCIALIZE = 1 };
/* ADL ranking */
enum { BK_ADL_BITMEX = 0, BK_ADL_HYPERLIQUID = 1, BK_ADL_DYDX = 2 };
/* socialization base */
enum { BK_SOC_PROFIT = 0, BK_SOC_OI = 1 };
/* ADL allocation rule (docs/adl.md): the ranked queue, or a share over every winner.
 * The queue, contract pro rata and water-filling close positions; the profit rules
 * haircut profit (cash) */
enum { BK_ADLR_QUEUE = 0,     /* ranked by adl_rank, closes */
       BK_ADLR_PRO_RATA = 1,  /* pro rata on profit, haircuts */
       BK_ADLR_CAPPED = 2,    /* pro rata on profit, at most adl_cap of it, haircuts */
       BK_ADLR_RISK = 3,      /* pro rata on profit × leverage, at most adl_cap, haircuts */
       BK_ADLR_CONTRACTS = 4, /* pro rata on position size, closes */
       BK_ADLR_LEVEL = 5 };   /* leverage water-filling, closes */

typedef struct bk_fund_initial {
  char asset[16]; /* settle asset name; "" = the run's only one */
  int64_t amount; /* settle units e-8, >= 0 */
} bk_fund_initial;

/* A shared fund (engine/pool.h): settle assets whose funds act as one, valued in a
 * currency at replayed prices. */
#define BK_POOLS 4
typedef struct bk_pool_spec {
  char name[32];
  char currency[16];                 /* "USD": coins at their inverse contract's mark */
  char assets[BK_LEDGER_ASSETS][16]; /* settle asset names; "*" = every asset */
  size_t nassets;
  int64_t initial;                   /* its own cash at the start, held in currency, >= 0 */
} bk_pool_spec;

/* Adaptive margins (stress.h): every contract's maintenance margin is its tier table's
 * times a multiplier that follows the realized volatility of its marks. All 0: off. */
typedef struct bk_adaptive_margin {
  int64_t sample_us;   /* marks are sampled on a grid of this step from the epoch, > 0 when
                          on (0: off) */
  int64_t halflife_us; /* half-life of the volatility's moving average, a whole number of
                          samples, at most 100,000 */
  int64_t vol_ref;     /* mean |return| per sample at which the multiplier is 1, > 0 */
  int64_t floor, cap;  /* the multiplier's bounds, 0 < floor <= cap <= 10 */
  int64_t ramp;        /* the most the multiplier moves per sample, > 0 */
} bk_adaptive_margin;

typedef struct bk_policy {
  char name[64];
  /* fees */
  int64_t maker_fee;    /* fraction of notional, >= 0 */
  int64_t taker_fee;    /* fraction of notional, >= 0 */
  int64_t fund_share;   /* share of trading fees on replayed volume that feeds the fund */
  /* liquidation */
  int penalty_mode;     /* BK_PEN_* */
  int64_t penalty;      /* BK_PEN_FEE: fraction of filled notional, in [0, 1) */
  int64_t participation; /* share of each level's available quantity, (0, 1] */
  int price_limit;      /* BK_LIMIT_* */
  int64_t fillable_ba;  /* dYdX bankruptcy adjustment BA, >= 0 */
  int64_t fillable_smmr; /* dYdX spread-to-maintenance ratio SMMR, >= 0 */
  int remainder;        /* BK_REM_* */
  int64_t slice_share;  /* share of the position per slice, (0, 1] */
  int64_t slice_cooldown_us; /* time between slices, and before a waiting or unresolved
                                remainder is retried, >= 0 */
  int64_t backstop_mm;  /* slicing stops and the fund's backstop takes over once the unit's
                           equity is at most this share of its maintenance margin, [0, 1]
                           (0: once its equity is <= 0; Hyperliquid: 2/3) */
  int size_mode;        /* BK_SIZE_* */
  int64_t health_buffer; /* to health: equity >= buffer × maintenance margin on what
                            remains, [1, 10] */
  int64_t health_lot;   /* to health: quantities are whole lots of this many contracts, > 0 */
  int64_t slice_above;  /* with slice: a position whose quote notional (linear: at the mark;
                           inverse: its face value) is at most this is closed at once, a
                           larger one in slices; 0: every position is sliced (Hyperliquid:
                           100,000 USD) */
  int64_t halflife_us;  /* consumed depth halves every this long (0: until the level changes) */
  /* parameters that adapt to the market (0 = off) */
  int64_t vol_window_us; /* trailing window of realized volatility (sum of |mark returns|) */
  int64_t penalty_vol_k; /* penalty × (1 + k × realized volatility), capped below 1 */
  int64_t depth_ref;     /* participation × min(1, depth within 1 % of the best / depth_ref),
                            depth in contracts: thinner books are taken more gently */
  /* fund */
  /* initial balance per settle asset, settle units >= 0, by asset name; an empty name is
     the run's only settle asset (an error when it has several and the amount is not 0);
     a name the run does not settle in funds nothing */
  bk_fund_initial fund_initial[BK_LEDGER_ASSETS];
  size_t nfund_initial;
  int64_t loss_cap;     /* the most the fund may lose to liquidations per period, settle
                           units (0: no limit); a liquidation whose deficit would exceed
                           what is left waits for the next period (dYdX: per block) */
  int64_t loss_period_us; /* the period of loss_cap, > 0 */
  int offload;          /* BK_OFFLOAD_* */
  int64_t offload_share; /* gradual: share of the inventory sold per mark update, (0, 1] */
  /* waterfall */
  int wf_trigger;       /* BK_WF_NEGATIVE / DRAWDOWN / NETPOS / NEVER */
  int64_t dd_share;     /* drawdown trigger: fraction of the peak, (0, 1] */
  int64_t dd_window_us; /* drawdown trigger: window, > 0 */
  int64_t netpos_cap;   /* net position trigger: fraction of fund equity, > 0 */
  int wf_action;        /* BK_WF_ADL / BK_WF_SOCIALIZE */
  int adl_rank;         /* BK_ADL_* */
  int social_base;      /* BK_SOC_* */
  uint64_t seed;        /* for the dYdX ADL walk */
  /* shared funds: each listed asset's fund draws on its pool (an asset in one pool) */
  bk_pool_spec pools[BK_POOLS];
  size_t npools;
  /* reinsurance (engine/reinsurance.h): every fund (a pool, or an asset in none) pays
     reins_share of its fee, spread and revenue inflows into a common layer that tops it
     up, up to reins_limit per member per run (in reins_currency), before its waterfall
     fires; reins_share 0: none */
  int64_t reins_share;  /* [0, 1) */
  int64_t reins_limit;  /* >= 0, reins_currency units e-8 */
  char reins_currency[16];
  int adl_rule;         /* BK_ADLR_* */
  int64_t adl_cap;      /* capped and risk-aware pro rata: the most an account pays, a
                           share of its profit, (0, 1] */
  bk_adaptive_margin am; /* adaptive maintenance margin (all 0: the tables as published) */
  /* spread capture (engine/capture.h): the venue as counterparty, against the index */
  int64_t spread_taker_share; /* share of the replayed taker flow it takes, [0, 1] */
  int spread_liquidation;     /* 1: it takes the liquidation fills too */
  int64_t spread_fund_share;  /* share of what it captures that goes to the fund, [0, 1] */
  int64_t adl_round_gap_us; /* ADL metrics: a take after this long without one in its
                               settle asset opens a new round (engine/adl_rounds.h), > 0 */
  int64_t spread_horizon_us;  /* a liquidation fill is marked to the first index at or
                                 after fill + this, µs >= 0 (0: the index at the fill) */
} bk_policy;

/* A complete policy: Binance-like fees, 1 % fee penalty, full participation, bankruptcy
 * limit, takeover, fund 0 with a negative-equity trigger and BitMEX-ranked ADL. */
void bk_policy_default(bk_policy *p);

/* Sets the initial fund of a settle asset (asset "" or NULL: the run's only one),
 * replacing an earlier entry for the same name. BK_ECONFIG when the table is full or
 * the name too long. */
bk_rc bk_policy_set_fund(bk_policy *p, const char *asset, int64_t amount, bk_err *err);

/* 1 when the policy captures spread on some flow (taker share or liquidations). */
int bk_policy_captures(const bk_policy *p);

/* BK_OK when every field is in range; else BK_ECONFIG naming the field in err. */
bk_rc bk_policy_check(const bk_policy *p, bk_err *err);

#endif
