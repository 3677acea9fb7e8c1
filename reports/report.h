/*
 * The run folder (DESIGN §12): what a finished simulation becomes on disk.
 *
 *   fund.csv          per policy and settle asset, one row per fund sample
 *   liquidations.csv  one row per liquidation step
 *   adl.csv           one row per auto-deleveraging close
 *   summary.csv       one row per policy and settle asset (with draws: their bands too)
 *   draws.csv         with draws (reports/draws.h) only: one row per draw, policy and asset
 *                     (with ranges: each draw's assumption values too)
 *   sensitivity.csv   with draws and ranges: the base, then each range's low and high end
 *                     one at a time, per policy and asset
 *   sizing.csv        with draws and shadows: the fund-sizing curve per policy and asset
 *   pools.csv         with shared funds: each member's flows, each pool's path and safe value
 *   reinsurance.csv   with a reinsurance layer: premiums, claims and the layer's balance
 *                     (reports/sizing_curve.h)
 *   quality.csv       one row per input file and per instrument, and one per warning
 *                     about the window (scope "warning", name its code, the data's span
 *                     in first_time .. last_ts_us)
 *   population.csv    per policy and settle asset, the leverage buckets of the accounts
 *                     at the window's start, then one row per fund sample: accounts
 *                     opened, their long and short open interest, the data's
 *   manifest.json     inputs with sizes and SHA-256, the scenario and policy files read
 *                     and scenario.json with theirs, seed, policies, version,
 *                     command line (no wall-clock time: two identical runs give
 *                     identical bytes)
 *   charts.gp         a gnuplot script over the CSVs (`backstop chart` renders it)
 *   scenario.json     the scenario that ran, after every command-line override, its
 *                     policies inlined: `backstop run DIR/scenario.json` runs it again
 *
 * Conventions: RFC 4180 with a header row and LF line ends; times as ISO 8601 UTC
 * ("2025-10-10T21:21:00.000000Z") beside raw microseconds; every number printed from
 * the integers (money and prices with 8 decimals, exact), never through floating point.
 * Column names carry no unit: every table that carries money has a `settle_asset`
 * column, so the names are the same in every run (reports/columns.h); docs/reports.md
 * defines every column.
 *
 * Accounting identities the files satisfy (and the tests check), per policy and asset,
 * in summary.csv and on every row of fund.csv:
 *   inflows = sum of in_<cause>, outflows = sum of out_<cause>  (every cause has a column;
 *     spread_capture's only when bk_report_capture_shown, and it is 0 otherwise; convert,
 *     claim and premium only when bk_report_pooling_shown, and 0 otherwise; empty
 *     cells count as 0)
 *   fund_cash_end - fund_start = inflows - outflows          (ledger, every cause)
 *   fund_end = fund_cash_end + inventory_pnl_end              (equity at mark)
 *   sum of liquidations.csv fund_delta = liq_fund_delta
 *   sum of liquidations.csv fund_fee, fund_spread, fund_deficit = in_liquidation_fee,
 *     in_remaining_margin, out_deficit (every such flow comes from a liquidation)
 *   ledger_imbalance = sum of every party's balance = 0       (computed, not assumed)
 *
 * The writers read a bk_report_run (reports/run.h): plain views of the results and
 * what the command knows about the run.
 */
#ifndef BK_REPORT_H
#define BK_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/account.h"
#include "engine/error.h"
#include "engine/inputfile.h"
#include "engine/instrument.h"
#include "engine/ledger.h"
#include "engine/liqcal.h"
#include "engine/market.h"
#include "engine/risk.h"
#include "engine/sim.h"
#include "reports/outfile.h"
#include "reports/run.h"

/* Writes every file of the run folder, or none: each goes to a temporary name, and only
 * when all of them are complete are they renamed; on any failure no report is left
 * under its final name (a partially renamed set is removed again) and err says which
 * file failed and why (BK_EWRITE, BK_ENOMEM, BK_ENOINPUT / BK_EIO when an input cannot
 * be hashed, BK_ERANGE when a total overflows). */
bk_rc bk_report_write(const bk_report_run *run, bk_err *err);

/* Prints the summary table (a few lines per policy and asset, at most 100 columns:
 * liquidations, the fund's extremes, every cause that moved it) to f. */
void bk_report_print_summary(FILE *f, const bk_report_run *run);

/* Prints the summary as one JSON object to f: {"settle_assets": [...], "rows": [{...}]},
 * one row per policy and asset whose keys are summary.csv's columns, in its order, and
 * whose values are its cells as strings (numbers as exact decimals), null when empty.
 * BK_ERANGE when a total overflows (then the output is incomplete). */
bk_rc bk_report_print_summary_json(FILE *f, const bk_report_run *run);

/* --- pieces, public for tests and for other writers ------------------------------ */

/* Computes the totals of policy p in settle asset a. BK_ERANGE when a sum overflows. */
bk_rc bk_report_totals_of(const bk_report_run *run, size_t p, uint32_t a,
                          bk_report_totals *t);

/* One cell of summary.csv: its column and its value as written ("" when empty). */
typedef struct bk_report_cell {
  char name[48];
  char text[64];
} bk_report_cell;
#define BK_REPORT_SUMMARY_COLS 96 /* room for every column of summary.csv (at most 79) */

/* Fills cells (BK_REPORT_SUMMARY_COLS of room) with summary.csv's row of policy p in
 * asset a from its totals t, or with the column names alone (empty values) when t is
 * NULL. Returns the number of cells. */
size_t bk_report_summary_cells(const bk_report_run *run, size_t p, uint32_t a,
                               const bk_report_totals *t, bk_report_cell *cells);

/* Spread capture (engine/capture.h, reports/index_cover.c): 1 when some policy of the
 * run captures spread; 1 when contract k had an index price (some policy's risk state
 * holds one); 1 when the in_/out_spread_capture columns appear, i.e. some policy
 * captures and some contract had an index (without one the capture is not zero but
 * unknown, and the columns are left out). */
int bk_report_captures(const bk_report_run *run);
int bk_report_has_index(const bk_report_run *run, uint32_t k);
int bk_report_capture_shown(const bk_report_run *run);

/* Whether some policy of the run has shared funds (then pools.csv is written), a
 * reinsurance layer (reinsurance.csv), or either (then fund.csv and summary.csv carry
 * in_convert, in_claim, out_convert and out_premium). */
int bk_report_has_pools(const bk_report_run *run);
int bk_report_has_reins(const bk_report_run *run);
int bk_report_pooling_shown(const bk_report_run *run);

/* 1 when some contract settling in asset a had an index price: its spread-capture cells
 * are filled (else empty). The trades and liquidation fills of policy p in asset a that
 * captured nothing for want of an index (before the first, or none in the run). */
int bk_report_asset_has_index(const bk_report_run *run, uint32_t a);
uint64_t bk_report_unpriced(const bk_report_run *run, size_t p, uint32_t a);

/* "exchange:symbol" of contract k into buf ("?" for what the run does not know); buf. */
const char *bk_report_contract_name(const bk_report_run *run, uint32_t k, char *buf,
                                    size_t cap);

/* When some policy captures spread, the terminal's notes: one line per contract the data
 * gave no index price for (manifest.json lists them as no_index_price); per policy, the
 * trades and fills on a contract with an index that came before its first one, and the
 * liquidation fills the run's end marked to the last index before their horizon. */
void bk_report_print_no_index(FILE *f, const bk_report_run *run);

/* The settle asset of a contract of r (0 for an unknown contract). */
uint32_t bk_report_settle_of(const bk_risk *r, uint32_t contract);

/* The fund's movements from one liquidation step by cause (fee, spread, deficit: >= 0;
 * other: the net of takeover, ADL and socialization) and the step's notional at mark,
 * in settle units. Its fund delta is fee + spread - deficit + other. */
void bk_report_liq_fund(const bk_risk *r, const bk_liq_rec *rec, int64_t *fee,
                        int64_t *spread, int64_t *deficit, int64_t *other,
                        int64_t *notional);

/* Slippage of a step's average fill against the mark in basis points, fixed point e-8,
 * positive when the fill was worse for the liquidated position (a long sold below the
 * mark, a short bought above it); rounded half-even (a display column). 0 when nothing
 * was filled. */
int64_t bk_report_slippage_bp(const bk_liq_rec *rec);

/* Writes a JSON string literal (quotes, escapes) of s into out (NUL-terminated,
 * truncated to cap); returns the length it needs. */
size_t bk_report_json_str(const char *s, char *out, size_t cap);

/* Names of the files bk_report_write always produces, NULL-terminated (the optional ones
 * below come in addition: calibration.csv with a calibration, draws.csv and sizing.csv
 * with draws, calibration_fit.csv and calibration_fit_minutes.csv with a fit,
 * sensitivity.csv with draws and ranges). */
extern const char *const bk_report_files[];

/* Names of the files it writes only for some runs, NULL-terminated: calibration.csv,
 * draws.csv, calibration_fit.csv, calibration_fit_minutes.csv, sensitivity.csv,
 * sizing.csv. */
extern const char *const bk_report_optional_files[];

#endif
