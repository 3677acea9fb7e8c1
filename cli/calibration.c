/*
 * The run's open-interest calibration (see calibration.h). A grid is at most
 * BK_CALIB_MAX_POINTS simulations of one policy each: the extra cost of a calibrated run
 * is that of as many populations over the same decoded market.
 */
#include "cli/calibration.h"

#include <stdlib.h>
#include <string.h>

#include "config/population_json.h"
#include "strategies/pop_liqprint.h"

bk_rc bk_cli_calib_sims(const bk_scenario *sc, const bk_specs *sp, const bk_instruments *instr,
                        const bk_sim_config *c, bk_market *m, bk_cli_calib *cal, bk_sim **sims,
                        bk_err *err) {
  memset(cal, 0, sizeof *cal);
  int64_t grid[BK_CALIB_MAX_POINTS];
  if (bk_calib_grid(sc->calib_lo, sc->calib_hi, sc->calib_points, grid))
    return bk_err_set(err, BK_ECONFIG, "calibration: the grid is out of range");
  bk_sim_config one = *c;
  one.npolicies = 1;
  one.shadow = 0;
  for (size_t i = 0; i < sc->calib_points; i++) {
    cal->points[i].oi_scale = grid[i];
    cal->n = i + 1;
    bk_rc rc = bk_sim_new(&one, m, &sims[i], err);
    if (!rc) rc = bk_populations_add_scaled(sc, sp, instr, grid[i], sims[i], err);
    if (rc) return rc;
  }
  return BK_OK;
}

bk_rc bk_cli_calib_fit(bk_cli_calib *cal, const bk_population *liqprint, bk_sim *const *sims,
                       bk_err *err) {
  size_t best = 0;
  for (size_t i = 0; i < cal->n; i++) {
    bk_liqcal_row *rows;
    size_t n;
    bk_rc rc = bk_pop_liqprint_calibration(liqprint, sims[i], 0, 0, &rows, &n);
    if (!rc) rc = bk_calib_score(rows, n, &cal->points[i]);
    if (rc) {
      free(rows);
      if (rc == BK_EDATA)
        return bk_err_set(err, rc, "calibration: the data printed no liquidation inside the "
                          "window: nothing to fit the population to");
      return bk_err_set(err, rc, "calibration: %s", bk_rc_name(rc));
    }
    best = bk_calib_best(cal->points, i + 1);
    if (best == i) {
      free(cal->minutes);
      cal->minutes = rows;
      cal->fit.nminutes = n;
    } else {
      free(rows);
    }
  }
  cal->fit.points = cal->points;
  cal->fit.n = cal->n;
  cal->fit.best = best;
  cal->fit.minutes = cal->minutes;
  return BK_OK;
}

void bk_cli_calib_fini(bk_cli_calib *cal) { free(cal->minutes); }
