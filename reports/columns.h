/*
 * The report schema: what the CSV writers (report.c, summary.c) and the chart script
 * (charts.c) share about column names, so that a name is spelled in one place.
 *
 * Column names never carry a unit or an asset: every table holding money has a
 * settle_asset column, so the same names come out of every run (USDT-margined, COIN-M or
 * both). docs/reports.md defines every column of every file (unit, sign, how it is
 * computed) and tests/test_golden.c fails when a column a run writes is missing there.
 *
 * The fund's flows: the causes the fund's cash moved for (ledger, engine/ledger.h) get
 * cumulative in_<cause> and out_<cause> columns in fund.csv and summary.csv. The lists
 * below hold every cause that posts to the fund but deposits (its start): with the
 * inventory's PnL at the mark they account for all of its equity,
 *   fund_equity = fund_start + sum(in_*) - sum(out_*) + inventory_pnl.
 */
#ifndef BK_COLUMNS_H
#define BK_COLUMNS_H

#include <stddef.h>

/* Causes with an in_ column, then causes with an out_ column (BK_CAUSE_*). */
extern const int bk_col_in_causes[];
extern const size_t bk_col_nin;
extern const int bk_col_out_causes[];
extern const size_t bk_col_nout;
/* The flows of shared funds and reinsurance, with columns only when some policy of the
 * run has either (bk_report_pooling_shown): bk_col_npool causes in, as many out. */
extern const int bk_col_pool_in_causes[];
extern const int bk_col_pool_out_causes[];
extern const size_t bk_col_npool;

/* Writes the flow column name "in_<cause>" (out = 0) or "out_<cause>" (out = 1) into buf
 * (NUL-terminated, truncated to cap); returns buf. */
const char *bk_col_flow(int out, int cause, char *buf, size_t cap);

/* Names other code reads the CSVs by (the chart script). */
#define BK_COL_TS_US "ts_us"
#define BK_COL_FUND_EQUITY "fund_equity"                     /* fund.csv */
#define BK_COL_LIQ_NOTIONAL_INTERVAL "liq_notional_interval" /* fund.csv */

#endif
