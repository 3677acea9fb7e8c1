/*
 * A scenario inferred from a folder of data, for `backstop run --data FOLDER` without a
 * scenario and for `backstop init`, which writes it out to be edited. Every choice is
 * made from what a read of the data found (config/datascan.h, config/specs.h) and comes
 * with a line saying why, for the run to print, and a "description" in the JSON:
 *   - instruments and specs: the venue conventions and the prices' grid (specs.h);
 *   - the window: the data's span from its first to its last timestamp; the first
 *     BK_INFER_WARMUP_PCT % of it is the warm-up (books built, traders sampled), the
 *     window runs from there to the end, both on the grid of the fund samples, which are
 *     spaced to give about BK_INFER_SAMPLES of them;
 *   - the population: the synthetic model with its defaults (strategies/pop_synth.h);
 *   - the book: replayed where the data has book snapshots, else the default depth
 *     model, which follows a bookDepth profile when the data has one;
 *   - the policies: the shipped venue models (data/policies), each with its fund
 *     starting at BK_INFER_FUND_PCT % of the open interest the population will hold in
 *     that settle asset (the replayed open interest, else the share of warm-up volume
 *     the population is sized to), valued at the last price before the window and
 *     rounded down to three significant digits: a fund in the asset's own terms, never
 *     a USDT amount carried over to a coin.
 * The scenario is strict JSON that bk_scenario_parse reads; a run of it is the same run.
 */
#ifndef BK_INFER_H
#define BK_INFER_H

#include <stddef.h>
#include <stdint.h>

#include "config/datascan.h"
#include "config/shipped_policies.h"
#include "config/specs.h"
#include "engine/error.h"
#include "engine/instrument.h"
#include "feeds/feed.h"

#define BK_INFER_WARMUP_PCT 25 /* share of the data's span that is warm-up */
#define BK_INFER_SAMPLES 500   /* fund samples the interval aims at over the window */
#define BK_INFER_FUND_PCT 5    /* initial fund, share of the population's open interest */
#define BK_INFER_ACCOUNTS 1000 /* synthetic traders per contract */

/* What inference is given. */
typedef struct bk_infer_in {
  const char *name;             /* scenario name (a safe name) */
  const char *const *data;      /* data paths as the scenario file writes them */
  size_t ndata;
  const bk_instruments *instr;  /* the instruments of the scan */
  const bk_specs *sp;           /* their contracts */
  const bk_datascan *ds;        /* both passes done */
  int64_t from, to, sample_us;  /* from bk_infer_window */
  const bk_shipped_policy *policies; /* the policies to compare (JSON) */
  size_t npolicies;
} bk_infer_in;

typedef struct bk_inferred {
  char *json;   /* the scenario, strict JSON (malloc'd) */
  size_t len;
  char **why;   /* one line per choice, for the run to print */
  size_t nwhy;
} bk_inferred;

/* The window and sample interval for a scan's span (see above). BK_EDATA naming the span
 * when the data is too short to hold a warm-up and a window. */
bk_rc bk_infer_window(const bk_datascan *ds, int64_t *from, int64_t *to, int64_t *sample_us,
                      bk_err *err);

/* Builds the scenario from what the scans found. BK_ECONFIG for a shipped policy that is
 * not JSON, BK_ERANGE when a fund overflows, BK_ENOMEM. out needs bk_inferred_fini. */
bk_rc bk_infer_scenario(const bk_infer_in *in, bk_inferred *out, bk_err *err);

/* The whole inference: reads paths (as opened from the current folder) twice, chooses,
 * and builds the scenario whose "data" lists `written` (the same paths as the scenario
 * file must give them, relative to its folder). name NULL: the first path's base name
 * when it is a safe name, else "data". */
bk_rc bk_infer_from_data(const char *const *paths, const char *const *written, size_t n,
                         const char *name, const bk_feed_opts *fo,
                         const bk_shipped_policy *policies, size_t npolicies, bk_inferred *out,
                         bk_err *err);

void bk_inferred_fini(bk_inferred *out);

#endif
