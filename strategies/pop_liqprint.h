/*
 * The liquidation-print population (DESIGN §10): where the data carries the venue's
 * liquidation feed (BK_EV_LIQ), every print inside the window is a trader the venue
 * liquidated. Just before the print (when the simulation hands this population the print
 * event) an account is opened holding the printed size on the liquidated side (a sell
 * print liquidated a long), with an assumed leverage `lev` at entry and the entry chosen
 * so the account's bankruptcy price is the print's price, to the tick:
 *   linear:  long entry = P / (1 − 1/L), short entry = P / (1 + 1/L);
 *   inverse: long entry = P × (1 + 1/L), short entry = P × (1 − 1/L)
 * (an inverse position's PnL is linear in 1/price, hence the different form), and a
 * deposit equal to the position's loss at P (strategies/sizing.h). The risk engine then
 * decides when and how that account is liquidated under each policy.
 *
 * Calibration: the population counts, per minute of exchange time, the printed
 * liquidation notional, and reads the simulation's liquidation records to give the
 * simulated notional of the same minute, in the quote currency (USD for inverse
 * contracts), so a report can show how far a population's liquidations are from the
 * venue's (bk_pop_liqprint_calibration).
 *
 * Where the numbers come from: the prints are the venue's; the leverage is an assumption
 * (default 20×). Limits: a print is the venue's order, which may be one slice of a larger
 * position; throttled feeds (Binance sends at most one print per symbol per second)
 * under-count, which the simulated column will show as a shortfall of prints, not of
 * simulation.
 */
#ifndef BK_STRAT_POP_LIQPRINT_H
#define BK_STRAT_POP_LIQPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/liqcal.h"
#include "engine/sim.h"

typedef struct bk_liqprint_config {
  int64_t lev;        /* assumed leverage at entry, e-8, > 1 */
  int64_t lot;        /* printed sizes are rounded down to whole lots of this, > 0 */
} bk_liqprint_config;

/* Defaults: 20×, lots of 1e-8 (sizes kept as printed). */
void bk_liqprint_config_init(bk_liqprint_config *c);

/* A liquidation-print population (configuration checked, BK_ECONFIG in err). */
bk_rc bk_pop_liqprint_new(const bk_liqprint_config *c, bk_population **out, bk_err *err);

/* The calibration table of policy `policy` of simulation s, minute by minute over every
 * minute that has a print or a simulated liquidation, in time order. *rows is malloc'd
 * (the caller frees it; NULL when *n is 0). own_only = 1 counts only the liquidations of
 * accounts this population opened. BK_ENOMEM, BK_ERANGE. p must come from
 * bk_pop_liqprint_new and have run in s. */
bk_rc bk_pop_liqprint_calibration(const bk_population *p, const bk_sim *s, size_t policy,
                                  int own_only, bk_liqcal_row **rows, size_t *n);

/* Prints turned into accounts, and prints skipped (outside the window, no mark yet,
 * a contract the run does not simulate, a size below one lot). */
uint64_t bk_pop_liqprint_opened(const bk_population *p);
uint64_t bk_pop_liqprint_skipped(const bk_population *p);

#endif
