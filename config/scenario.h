/*
 * Scenarios: what one `backstop run` replays and compares (DESIGN §11). A JSON file, read
 * strictly (duplicate and unknown keys, NaN, numbers for money are errors with
 * file:line:column):
 *   { "name": "...", "description": "...",
 *     "data": [ "path", ... ],               files or folders, relative to the scenario
 *     "window": { "from": "2025-10-10T20:00:00Z", "to": "..." },      optional
 *     "seed": 20251010,       optional; past 2^63 - 1 as a string "18446744073709551615"
 *     "instruments": { "SYMBOL": { contract spec (config/contract_json.h),
 *                                  "exchange": "..." (optional) } },   optional
 *     "population": { "model": "...", ... },   or a list of them      (strategies/)
 *     "policies": [ "policy.json", { inline policy }, ... ],
 *     "report": { "interval_s": "60" },                                optional
 *     "marks": { "window_s": "5", "step_ms": "100" },                  optional
 *     "depth_model": { "reference": "binance-futures:BTCUSDT",
 *                      "points": [ { "pct": "1", "minutes": "1" }, ... ],
 *                      "refresh_s": "1" },                             optional
 *     "uncertainty": { "draws": 100,
                      "ranges": { "oi_scale": ["0.1", "4"], ... } },   optional
                        (ranges: config/ranges.h; "draws" may be left out when ranges
                         are given: they then act only under --draws)
 *     "calibration": { "oi_scale": ["0.05", "4"], "points": 16 } }     optional
 * Paths inside a scenario are relative to the scenario file's folder. The sections
 * (window, population, report, marks, depth_model, uncertainty, calibration) may each hold a
 * "description": text for the reader, as `backstop init` writes them (config/infer.h).
 *
 * "calibration" fits the synthetic population's open-interest scale to the data's
 * liquidation prints: `points` scales log-spaced over `oi_scale` (strategies/calibrate.h),
 * each an extra simulation of draw 0 under the first policy in the same pass over the
 * data. It needs a "synthetic" population and a "liquidation_prints" one (which reads the
 * prints). It reports the fit (calibration_fit.csv) and the scale to write into the
 * synthetic population's "oi_scale"; the run's own results keep the scenario's scale.
 */
#ifndef BK_SCENARIO_H
#define BK_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/policy_json.h"
#include "engine/assumptions.h"
#include "engine/account.h"
#include "engine/policy.h"
#include "engine/sim.h"

/* Most draws one run takes (each keeps a whole simulation in memory). */
#define BK_SCENARIO_MAX_DRAWS 10000

typedef struct bk_scen_instr {
  char exchange[32];  /* "" = any exchange */
  char symbol[48];
  bk_contract c;      /* c.settle unset: see settle */
  char settle[16];
} bk_scen_instr;

typedef struct bk_scenario {
  char name[64];
  char *description;       /* the scenario's "description" (owned), NULL if none */
  char source[1024];       /* the file read, or "(built-in)" */
  char **data;             /* resolved paths */
  size_t ndata;
  int64_t from, to;        /* µs; INT64_MIN / INT64_MAX when open */
  uint64_t seed;
  uint32_t draws;          /* seeded draws of the population over one replay (uncertainty
                              section), 1 to BK_SCENARIO_MAX_DRAWS; 0 = none: one run */
  bk_ranges ranges;        /* the assumptions the draws vary (uncertainty.ranges), none
                              given when absent; they act only when draws > 0 */
  bk_scen_instr *instr;
  size_t ninstr;
  int64_t calib_lo, calib_hi; /* "calibration": the range of open-interest scales, e-8 */
  uint32_t calib_points;   /* scales of its grid, 2 to BK_CALIB_MAX_POINTS; 0 = none */
  bk_policy *policies;
  size_t npolicies;
  json_t *policy_notes;    /* per policy its "description" and "source" as an object
                              (bk_policy_json_notes; owned) */
  char **policy_files;     /* the files the policies were read from (not the inline ones) */
  size_t npolicy_files;
  json_t *population;      /* the "population" value as written (owned), NULL if none */
  bk_sim_config sim;       /* intervals and depth model (arrays unset) */
  char depth_ref[96];      /* "exchange:symbol" of the depth reference, "" for none */
  char *text;              /* the JSON text (owned), for messages pointing into it */
  size_t len;
  char dir[1024];          /* folder paths are relative to */
} bk_scenario;

/* Reads a scenario file. BK_ENOINPUT when unreadable; BK_ECONFIG with
 * "file:line:column: path: what" for anything wrong. s needs bk_scenario_fini either way. */
bk_rc bk_scenario_load(const char *path, bk_scenario *s, bk_err *err);

/* Reads a scenario from text; name is used in messages, dir resolves relative paths. */
bk_rc bk_scenario_parse(const char *text, size_t len, const char *name, const char *dir,
                        bk_scenario *s, bk_err *err);

/* Replaces the data paths (--data); paths are used as given. */
bk_rc bk_scenario_set_data(bk_scenario *s, const char *const *paths, size_t n, bk_err *err);

/* Replaces the policies (and the list of policy files) with those read from files
 * (--policy). */
bk_rc bk_scenario_set_policies(bk_scenario *s, const char *const *paths, size_t n,
                               bk_err *err);

void bk_scenario_fini(bk_scenario *s);

/* The scenario as JSON text that bk_scenario_parse reads back into the same scenario
 * (malloc'd, NUL-terminated, into *text): every setting written out, the policies
 * inlined with all their settings and notes, and the data paths and population files
 * rewritten relative to folder dir (absolute ones kept), where the text is to be saved.
 * BK_ENOMEM; BK_ECONFIG when a path cannot be rewritten. */
bk_rc bk_scenario_json(const bk_scenario *s, const char *dir, char **text, bk_err *err);

/* The document of the scenario, for readers of its sub-objects (populations). */
bk_jdoc bk_scenario_doc(const bk_scenario *s);

#endif
