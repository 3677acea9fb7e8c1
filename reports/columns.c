/*
 * The fund's flow columns (see columns.h): which causes get in_/out_ columns, and how
 * those columns are named. Called once per header written.
 */
#include "reports/columns.h"

#include <stdio.h>

#include "engine/ledger.h"

/* Every cause that posts to the fund but deposits: fees, spread, protocol revenue come
 * in only, deficits go out only, the rest either way (a takeover's discount or cost, the
 * realized PnL of inventory sold or deleveraged, funding paid or received). */
const int bk_col_in_causes[] = {BK_CAUSE_LIQ_FEE,  BK_CAUSE_SPREAD, BK_CAUSE_PROTOCOL_REVENUE,
                                BK_CAUSE_TAKEOVER, BK_CAUSE_OFFLOAD, BK_CAUSE_ADL,
                                BK_CAUSE_FUNDING};
const size_t bk_col_nin = sizeof bk_col_in_causes / sizeof *bk_col_in_causes;
const int bk_col_out_causes[] = {BK_CAUSE_DEFICIT, BK_CAUSE_TAKEOVER, BK_CAUSE_OFFLOAD,
                                 BK_CAUSE_ADL, BK_CAUSE_FUNDING};
const size_t bk_col_nout = sizeof bk_col_out_causes / sizeof *bk_col_out_causes;
const int bk_col_pool_in_causes[] = {BK_CAUSE_CONVERT, BK_CAUSE_CLAIM};
const int bk_col_pool_out_causes[] = {BK_CAUSE_CONVERT, BK_CAUSE_PREMIUM};
const size_t bk_col_npool = sizeof bk_col_pool_in_causes / sizeof *bk_col_pool_in_causes;

const char *bk_col_flow(int out, int cause, char *buf, size_t cap) {
  snprintf(buf, cap, "%s_%s", out ? "out" : "in", bk_cause_name(cause));
  return buf;
}
