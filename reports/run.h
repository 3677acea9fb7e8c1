/*
 * What every report writer reads (report.c's CSVs and manifest, charts.c's script, the
 * summary): plain views of the results (the risk state of each policy, its fund
 * samples, shadow minima) plus what the command knows (folder, input files, instrument
 * table, scenario, seed, command line). bk_report_run_from_sim fills one from a finished
 * bk_sim; tests may fill one by hand from scripted risk states. Only types and their
 * construction live here, so the writers include it and not each other.
 *
 * Ownership: everything a bk_report_run points to is borrowed; bk_report_run_from_sim
 * allocates the arrays it builds and bk_report_run_fini frees them.
 */
#ifndef BK_REPORT_RUN_H
#define BK_REPORT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "engine/account.h"
#include "engine/assumptions.h"
#include "engine/error.h"
#include "engine/inputfile.h"
#include "engine/instrument.h"
#include "engine/ledger.h"
#include "engine/liqcal.h"
#include "engine/market.h"
#include "engine/risk.h"
#include "engine/sim.h"
#include "reports/adl_rounds.h"

/* A warning about the inputs as a whole, for quality.csv: its code ("no_warmup": no data
 * before the window's start; "partial_overlap": the data covers only part of the window)
 * and the span of the data it concerns (µs). */
typedef struct bk_report_note {
  const char *code;
  int64_t first_ts, last_ts;
} bk_report_note;

/* What the command knows about the run. */
typedef struct bk_report_ctx {
  const char *dir;                      /* run folder; must exist */
  const bk_instruments *instruments;    /* names of instruments; may be NULL */
  const bk_input_file *const *files;    /* nfiles inputs, in the order read; one with
                                           no sha256 is hashed as the file is when the
                                           report is written */
  size_t nfiles;
  const bk_report_note *notes;          /* nnotes warnings, or NULL */
  size_t nnotes;
  const char *scenario;                 /* scenario file path, or NULL */
  const char *scenario_origin;          /* where the scenario came from: the file, or
                                           "(built-in default scenario)", ...; or NULL */
  const char *scenario_json;            /* the scenario that ran, as JSON text (written
                                           as scenario.json), or NULL ("null" written) */
  const char *const *policy_files;      /* npolicy_files policy files (hashed), or NULL */
  size_t npolicy_files;
  uint64_t seed;
  const char *version;                  /* PROJECT_VERSION */
  int argc;                             /* the command line, for the manifest */
  char *const *argv;
} bk_report_ctx;

/* One policy's results. */
typedef struct bk_report_policy {
  const bk_risk *risk;                           /* final state: ledger, recs, adl, fund */
  const bk_sim_sample *samples[BK_LEDGER_ASSETS]; /* fund samples per asset, time order */
  size_t nsamples[BK_LEDGER_ASSETS];
  int shadow;                                    /* 1: safe_fund holds */
  int64_t safe_fund[BK_LEDGER_ASSETS];           /* smallest safe initial fund per asset */
  int64_t pool_safe_fund[BK_POOLS];              /* per shared fund, in its currency */
} bk_report_policy;

/* Everything the writers read. */
typedef struct bk_report_run {
  bk_report_ctx ctx;
  const bk_report_policy *policies;
  size_t npolicies;
  const bk_asset *assets;          /* settle assets (names), nassets >= 1 */
  size_t nassets;
  const uint32_t *contract_instr;  /* instrument id of contract k (UINT32_MAX: unknown) */
  size_t ncontracts;
  const int *mark_source;          /* per contract BK_SRC_*, or NULL */
  const int *book_source;          /* per contract BK_SRC_*, or NULL */
  const bk_market *market;         /* per-instrument quality counters, or NULL */
  const bk_sim *sim;               /* account names (bk_sim_label_of), or NULL */
  int64_t sample_us;               /* fund sampling interval (for the manifest) */
  /* calibration.csv, written when calib is set (a run with a liquidation-print
     population): calib[p] holds ncalib[p] rows of policy p, in time order */
  const bk_liqcal_row *const *calib;
  const size_t *ncalib;
  /* the fit of the synthetic population's open-interest scale to the liquidation prints
     (engine/liqcal.h), or NULL: with it calibration_fit.csv and calibration_fit_minutes.csv
     are written and the terminal summary says which scale fits */
  const bk_liqcal_fit *fit;
  /* the draws of an uncertainty run, finished (reports/draws.h), or NULL: with them
     summary.csv carries their bands and draws.csv is written */
  const struct bk_report_draws *draws;
  /* with draws: the ranges of the assumptions they varied (engine/assumptions.h), or
     NULL when none; assumptions[d] holds draw d's values (draws.csv gets a column per
     assumption with a range) */
  const bk_ranges *ranges;
  const bk_assumptions *assumptions;
  /* with ranges: the one-at-a-time runs (sensitivity.csv), rows numbered by case
     (bk_ranges_case: 0 the base, then each range's low and high end), or NULL */
  const struct bk_report_draws *sensitivity;
  /* owned when built by bk_report_run_from_sim */
  bk_report_policy *own_policies;
  uint32_t *own_instr;
  int *own_src;
} bk_report_run;

/* Fills run with views of a finished simulation (bk_sim_finish called) and the
 * command's context (both borrowed: they must outlive run). BK_ENOMEM leaves run empty. */
bk_rc bk_report_run_from_sim(const bk_sim *s, const bk_report_ctx *ctx, bk_report_run *run);

/* Frees what bk_report_run_from_sim allocated. */
void bk_report_run_fini(bk_report_run *run);

/* Per policy and settle asset, what summary.csv holds. */
typedef struct bk_report_totals {
  uint64_t liquidations;      /* liquidation steps on contracts settling in the asset */
  uint64_t outcomes[BK_OUTCOMES]; /* steps by outcome (BK_OUT_*) */
  uint64_t bankrupt_steps;    /* steps whose unit had equity < 0 at the mark */
  uint64_t bankrupt_accounts; /* distinct accounts with such a step */
  int64_t liq_notional;       /* notional of the steps at mark */
  int64_t fund_start;         /* deposits into the fund */
  int64_t fund_cash_end;      /* fund cash at the end (ledger) */
  int64_t fund_end;           /* fund equity at the end (cash + inventory at mark) */
  int64_t fund_min;           /* lowest equity after any event (fund_start included) */
  int64_t max_drawdown;       /* largest fall from a running peak, after any event */
  int64_t under_water_us;     /* time spent below the running peak */
  int64_t in[BK_CAUSES];      /* fund inflows by cause (ledger) */
  int64_t out[BK_CAUSES];     /* fund outflows by cause (ledger) */
  int64_t inflows, outflows;  /* over every cause but deposits */
  int64_t liq_fund_delta;     /* sum of the liquidation steps' fund deltas */
  int64_t adl_qty;            /* contracts closed by ADL (each side) */
  int64_t adl_notional;       /* their notional at the bankruptcy price */
  int64_t socialized;         /* losses borne by accounts through socialization */
  int64_t uncovered;          /* deficits nobody paid (the sink's shortfall) */
  uint64_t unresolved_accounts; /* accounts left unresolved, still below maintenance */
  int64_t unresolved_equity;  /* their equity at the last marks (< 0: unpaid losses) */
  int64_t safe_fund;          /* smallest initial fund avoiding ADL and socialization;
                                 -1 when the run had no shadow */
  int64_t imbalance;          /* sum of every party's balance in the asset */
  bk_report_adl adl;          /* its ADL rounds summed (adl_rounds.h) */
  int64_t deficit_collateral; /* deficits paid by the fund that the collateral's fall
                                 since it was posted, or since the window's start,
                                 made (engine/collateral.h) */
  int64_t collateral_sold;    /* what the accounts' other collateral brought when sold */
} bk_report_totals;

#endif
