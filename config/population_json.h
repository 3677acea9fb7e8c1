/*
 * The "population" section of a scenario: which population models hold positions, read
 * strictly like the rest of the scenario. One object or a list of them:
 *   { "model": "synthetic",
 *     "accounts_per_contract": 1000, "seed": 7 (default: the scenario's),
 *     "leverage": { "levels": ["2", "5", ...], "weights": [5, 15, ...] }
 *               | { "min": "2", "max": "100" }          (log-uniform),
 *     "cushion": "0", "oi_share": "1", "oi_scale": "1", "volume_multiple": "0.5",
 *     "lot": "1",
 *     "open_interest_usd": { "SYMBOL": "25000000", ... }, "bucket_s": "60",
 *     "survivors_only": true,
 *     "living": false, "rebalance_s": "60",
 *     "oi_path": [ { "at": "2025-10-10T21:00:00Z", "scale": "1" }, ... ],
 *     "second_leg_share": "0",
 *     "collateral": { "share": "0.3", "assets": [ { "asset": "BCH",
 *         "price_from": "binance-delivery:BCHUSD_PERP", "haircut": "0.1", "weight": "1" } ] } }
 *   (living: traders also open and close through the window, every rebalance_s moving
 *   the population's open interest toward the data's, else toward the window-start
 *   target × the oi_path scale, linear between points; second_leg_share: that share of
 *   the accounts opened at the window's start also hold half their notional on another
 *   contract of the same settle asset, same side or hedged, under one cross margin, on
 *   top of that contract's target; see strategies/pop_synth.h)
 *   { "model": "liquidation_prints", "leverage": "20", "lot": "0.00000001" }
 *   { "model": "accounts", "file": "accounts.json" | "accounts.csv",
 *     "collateral": { "assets": [ { "asset", "price_from", "haircut" } ] } }
 *   (collateral: assets other than the settle asset an account may post, each priced by
 *   the mark of one of the run's contracts, "exchange:symbol" or a symbol alone, with its
 *   haircut in [0, 1) (engine/collateral.h); synthetic: each account, with probability
 *   "share", posts its deposit's worth of one asset drawn by "weight" (default 1) instead
 *   of cash (strategies/pop_synth.h); accounts: the file's "collateral" entries name
 *   them (config/accounts_file.h); at most 8 assets a run)
 */
#ifndef BK_POPULATION_JSON_H
#define BK_POPULATION_JSON_H

#include "config/scenario.h"
#include "config/specs.h"
#include "engine/instrument.h"
#include "engine/sim.h"

/* Builds the scenario's populations for draw `draw` (0 for a single run: the synthetic
 * population's streams derive from the seed, each contract's name and the draw) under the
 * assumptions as (NULL: the base; the synthetic population takes its OI and leverage
 * scales, engine/assumptions.h) and adds them to s. Nothing to do without a "population" section. *liqprint (may be NULL) gets the liquidation-print population,
 * owned by s, or NULL when there is none (its calibration goes into the reports).
 * BK_ECONFIG with file:line:column in err. */
bk_rc bk_populations_add(const bk_scenario *sc, const bk_specs *sp,
                         const bk_instruments *instr, uint64_t draw,
                         const bk_assumptions *as, bk_sim *s, bk_population **liqprint,
                         bk_err *err);

/* The scenario's synthetic populations alone, draw 0, each at open-interest scale
 * oi_scale (e-8, > 0) in place of its own: the population a liquidation-print calibration
 * simulates at each scale of its grid (the other models are left out, so that every
 * liquidation of s is the synthetic population's). Errors as bk_populations_add, and
 * BK_ECONFIG when the scenario has no synthetic population. */
bk_rc bk_populations_add_scaled(const bk_scenario *sc, const bk_specs *sp,
                                const bk_instruments *instr, int64_t oi_scale, bk_sim *s,
                                bk_err *err);

/* 1 when one of the scenario's populations is a living synthetic one ("living": true). */
int bk_populations_living(const bk_scenario *sc);

/* 1 when one of the scenario's populations asks for second legs (a "second_leg_share"
 * other than zero). */
int bk_populations_second_legs(const bk_scenario *sc);

#endif
