/*
 * The liquidation-print calibration of `backstop run` (the scenario's "calibration"
 * section, config/scenario.h): one extra simulation per open-interest scale of the grid,
 * driven by the run's one replay beside its draws, then the fit of those simulations to
 * the prints the run's liquidation-print population counted (strategies/calibrate.h).
 */
#ifndef BK_CLI_CALIBRATION_H
#define BK_CLI_CALIBRATION_H

#include <stddef.h>

#include "config/scenario.h"
#include "config/specs.h"
#include "engine/liqcal.h"
#include "engine/sim.h"
#include "strategies/calibrate.h"

typedef struct bk_cli_calib {
  bk_liqcal_point points[BK_CALIB_MAX_POINTS]; /* the grid, ascending */
  size_t n;
  bk_liqcal_row *minutes;  /* the best scale's per-minute table (malloc'd) */
  bk_liqcal_fit fit;       /* the finished fit, a view of the above, for the reports */
} bk_cli_calib;

/* Creates the grid's simulations into sims (room for sc->calib_points): sims[i] holds the
 * scenario's synthetic populations at scale i of the grid, the first policy alone and no
 * shadow (the fit reads only its liquidations), over market m with the run's
 * configuration c. BK_ECONFIG when the scenario has no synthetic population. Whatever
 * was created is in sims (NULL past it) for the caller to free, also on error. */
bk_rc bk_cli_calib_sims(const bk_scenario *sc, const bk_specs *sp, const bk_instruments *instr,
                        const bk_sim_config *c, bk_market *m, bk_cli_calib *cal, bk_sim **sims,
                        bk_err *err);

/* After the run (every simulation finished): scores simulation i against the prints of
 * liqprint (the run's liquidation-print population) and fills cal->fit. BK_EDATA when the
 * window holds no print to fit; BK_ENOMEM, BK_ERANGE. */
bk_rc bk_cli_calib_fit(bk_cli_calib *cal, const bk_population *liqprint, bk_sim *const *sims,
                       bk_err *err);

void bk_cli_calib_fini(bk_cli_calib *cal);

#endif
