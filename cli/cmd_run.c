/*
 * `backstop run`: the whole job. Replays a scenario's market data once, drives every
 * policy side by side over it (engine/sim.h), and writes the run folder (reports/).
 * `backstop` alone runs the built-in default scenario on the synthetic sample day.
 */
#include "cli/commands.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli/calibration.h"
#include "cli/cmd_init.h"
#include "cli/mkdirs.h"
#include "cli/options.h"
#include "cli/pipeline.h"
#include "cli/window.h"
#include "config/population_json.h"
#include "config/ranges.h"
#include "config/scenario.h"
#include "config/specs.h"
#include "reports/synth.h"
#include "engine/clock.h"
#include "engine/fixed.h"
#include "engine/sim.h"
#include "reports/draws.h"
#include "reports/report.h"
#include "reports/runfolder.h"
#include "strategies/pop_liqprint.h"

extern const unsigned char bk_default_scenario[];
extern const size_t bk_default_scenario_len;

static void usage(FILE *f) {
  fprintf(f,
          "usage: backstop run [SCENARIO.json] [options]\n"
          "Replays a scenario's market data once and compares its policies side by side:\n"
          "which accounts went bankrupt, what liquidations recovered from the book, what\n"
          "each insurance fund earned and paid, and when ADL or socialized losses would\n"
          "have been needed. Writes fund.csv, liquidations.csv, adl.csv, summary.csv,\n"
          "quality.csv, manifest.json, charts.gp, scenario.json (the scenario as it\n"
          "ran, to run again) and adl_rounds.csv into the run folder. Without a\n"
          "scenario, --data infers one from the data and prints each choice (backstop\n"
          "init writes it out); with neither, runs the built-in default (a synthetic\n"
          "crash day).\n"
          "\n"
          "      --data PATH      market data file or folder (repeat; replaces the\n"
          "                       scenario's data)\n"
          "      --policy FILE    policy file (repeat; replaces the scenario's policies)\n"
          "  -o, --out DIR        run folder (default out/<scenario name>); replaced as a\n"
          "                       whole when the run ends, locked by DIR.lock meanwhile\n"
          "      --seed N         seed of the population (default: the scenario's)\n"
          "      --draws N        N seeded draws of the population (1 to %d) over one\n"
          "                       replay: bands in summary.csv, one row per draw in\n"
          "                       draws.csv, the sizing curve in sizing.csv (default: the\n"
          "                       scenario's uncertainty.draws); with its\n"
          "                       uncertainty.ranges each draw also varies those\n"
          "                       assumptions, and sensitivity.csv varies them one at a\n"
          "                       time; the other reports are draw 0's\n"
          "      --format F       the summary on stdout: text (default) or json (one\n"
          "                       object, keys as in summary.csv, numbers as exact\n"
          "                       decimal strings)\n"
          "%s"
          "  -h, --help           this help\n",
          BK_SCENARIO_MAX_DRAWS, bk_input_help);
}

/* The built-in sample data: written by synth once (same seed, same bytes). */
static bk_rc ensure_sample(int quiet, bk_err *err) {
  struct stat st;
  bk_synth_opts o;
  bk_synth_defaults(&o);
  o.out_dir = "out/sample";
  char probe[4096];
  bk_synth_path(&o, 0, probe, sizeof probe); /* all the files are written, or none */
  if (stat(probe, &st) == 0) return BK_OK;
  bk_rc rc = bk_cli_mkdirs(o.out_dir, err);
  if (rc) return rc;
  if (!quiet)
    fprintf(stderr, "backstop: writing the built-in sample day to %s (seed %llu)\n",
            o.out_dir, (unsigned long long)o.seed);
  return bk_synth_run(&o, err);
}

typedef struct run_args {
  const char *scenario;      /* NULL: built-in */
  const char **data;
  size_t ndata;
  const char **policies;
  size_t npolicies;
  const char *out;
  int have_seed;
  uint64_t seed;
  uint32_t draws;            /* --draws, 0 when not given */
  int json;                  /* 1: --format json */
  bk_input_opts in;
} run_args;

/* --quiet: errors only. */
static int quiet(const run_args *a) { return a->in.progress_mode < 0; }

/* Everything one run holds, freed by run_close. */
typedef struct run {
  bk_scenario sc;
  bk_specs sp;
  bk_pipeline p;
  bk_sim *sim;             /* draw 0's simulation (the one with no --draws) */
  bk_sim **draws;          /* ndraws simulations, draws[0] = sim, then nsens more (the
                              sensitivity table's one-at-a-time runs), then the
                              calibration's */
  size_t ndraws, nsens;
  size_t nsims;            /* draws, sensitivity and calibration simulations created */
  bk_assumptions *as;      /* [ndraws + nsens]: the assumptions each ran under */
  bk_sim_set set;          /* every simulation, driven by the one replay */
  bk_cli_calib calib;      /* the open-interest calibration (sc.calib_points scales) */
  bk_population *liqprint; /* the liquidation-print population, owned by sim, or NULL */
  bk_runfolder *rf;        /* the run folder being written, from before the replay */
  char *ran;               /* the scenario as it runs, JSON for the run folder's
                              scenario.json */
  bk_report_note notes[BK_WINDOW_NOTES]; /* warnings about the window (quality.csv) */
  size_t nnotes;
  bk_err err;
} run;

static void run_close(run *r) {
  bk_runfolder_end(r->rf);
  for (size_t d = 0; d < r->nsims; d++) bk_sim_free(r->draws[d]);
  free(r->draws);
  free(r->as);
  bk_cli_calib_fini(&r->calib);
  bk_pipeline_close(&r->p);
  bk_specs_fini(&r->sp);
  bk_scenario_fini(&r->sc);
  free(r->ran);
}

static void print_specs(const run *r) {
  fprintf(stderr, "scenario %s: %zu policies, %zu contracts\n", r->sc.name, r->sc.npolicies,
          r->sp.ncontracts);
  for (size_t k = 0; k < r->sp.ncontracts; k++) fprintf(stderr, "  %s\n", r->sp.why[k]);
}

static void print_sources(const run *r) {
  static const char *const src[] = {"the data", "trades", "the depth model"};
  for (size_t k = 0; k < r->sp.ncontracts; k++) {
    const bk_instrument *in = &r->p.instr.v[r->sp.instr_of[k]];
    fprintf(stderr, "  %s %s: marks from %s, book from %s\n", in->exchange, in->symbol,
            src[bk_sim_mark_source(r->sim, (uint32_t)k)],
            src[bk_sim_book_source(r->sim, (uint32_t)k)]);
  }
}

/* How many of the run's contracts settle in asset k. */
static size_t contracts_settling_in(const run *r, uint32_t k) {
  size_t n = 0;
  for (size_t j = 0; j < r->sp.ncontracts; j++) n += r->sp.contracts[j].settle == k;
  return n;
}

/* One line per settle asset: whom the run simulated, so that "0 liquidations" can be
 * told from an empty population. */
static void print_population(const run *r) {
  for (uint32_t k = 0; k < r->sp.nassets; k++) {
    bk_sim_census start = bk_sim_census_of(r->sim, k, 1), all = bk_sim_census_of(r->sim, k, 0);
    char lo[40], sh[40];
    bk_fx_format_trim(start.oi_long, lo, sizeof lo);
    bk_fx_format_trim(start.oi_short, sh, sizeof sh);
    fprintf(stderr, "  population %s: %llu accounts opened, %llu by the window's start, "
                    "holding %s long / %s short %s at the mark then\n",
            r->sp.assets[k].name, (unsigned long long)all.accounts,
            (unsigned long long)start.accounts, lo, sh, r->sp.assets[k].name);
    if (bk_populations_living(&r->sc))
      fprintf(stderr, "  population %s is living: opened %llu inside the window, closed %llu\n",
              r->sp.assets[k].name, (unsigned long long)(all.accounts - start.accounts),
              (unsigned long long)bk_sim_closed(r->sim, k));
    if (bk_populations_second_legs(&r->sc) && contracts_settling_in(r, k) < 2)
      fprintf(stderr, "  population %s has no second legs: no other contract settles in %s\n",
              r->sp.assets[k].name, r->sp.assets[k].name);
  }
}

/* The scenario of --data without a scenario file: inferred from the data, each choice
 * printed, then read like any scenario file (so that `backstop init`'s file gives the
 * same run). */
static bk_rc load_inferred(run *r, const run_args *a) {
  bk_inferred inf;
  bk_rc rc = bk_cli_infer(a->data, a->data, a->ndata, &a->in.feed, &inf, &r->err);
  if (!rc && !quiet(a)) bk_cli_print_choices(&inf);
  if (!rc)
    rc = bk_scenario_parse(inf.json, inf.len, "(scenario inferred from the data)", "", &r->sc,
                           &r->err);
  bk_inferred_fini(&inf);
  return rc;
}

static bk_rc load(run *r, const run_args *a) {
  /* a window the command line reverses is refused before any data is read */
  bk_rc rc = bk_window_check(a->in.from, a->in.to, &r->err);
  if (rc) return rc;
  int inferred = !a->scenario && a->ndata;
  if (a->scenario) {
    rc = bk_scenario_load(a->scenario, &r->sc, &r->err);
  } else if (inferred) {
    rc = load_inferred(r, a);
  } else {
    if ((rc = ensure_sample(quiet(a), &r->err))) return rc;
    rc = bk_scenario_parse((const char *)bk_default_scenario, bk_default_scenario_len,
                           "(built-in default scenario)", "", &r->sc, &r->err);
  }
  if (rc) return rc;
  if (a->ndata && !inferred &&
      (rc = bk_scenario_set_data(&r->sc, a->data, a->ndata, &r->err)))
    return rc;
  if (a->npolicies &&
      (rc = bk_scenario_set_policies(&r->sc, a->policies, a->npolicies, &r->err)))
    return rc;
  if (a->have_seed) r->sc.seed = a->seed;
  if (a->draws) r->sc.draws = a->draws;
  if (a->in.from != INT64_MIN) r->sc.from = a->in.from;
  if (a->in.to != INT64_MAX) r->sc.to = a->in.to;
  for (size_t i = 0; i < r->sc.npolicies; i++)
    if (r->sc.policies[i].seed == 0) r->sc.policies[i].seed = r->sc.seed;
  return bk_window_check(r->sc.from, r->sc.to, &r->err);
}

/* The assumptions of simulation i: draw i's (config/ranges.h) for the n draws, then the
 * sensitivity table's cases: the base with one assumption at one end of its range. */
static void assumptions_of(const run *r, const bk_assumptions *base, size_t i, size_t n,
                           bk_assumptions *out) {
  if (i < n) {
    bk_ranges_draw(&r->sc.ranges, base, r->sc.seed, i, out);
    return;
  }
  int end, k = bk_ranges_case(&r->sc.ranges, i - n + 1, &end);
  *out = *base;
  out->v[k] = end ? r->sc.ranges.hi[k] : r->sc.ranges.lo[k];
}

/* Simulation i: the base configuration under the assumptions as[i], with the population
 * of draw `draw`. */
static bk_rc new_sim(run *r, const bk_sim_config *base, size_t i, uint64_t draw) {
  bk_sim_config c = *base;
  c.keep_detail = i == 0; /* the detailed reports are draw 0's; the others keep totals */
  bk_rc rc = bk_assumptions_apply(&r->as[i], &c);
  if (rc) return bk_err_set(&r->err, rc, "simulation %zu: the depth scale overflows", i);
  if ((rc = bk_sim_new(&c, r->p.market, &r->draws[i], &r->err))) return rc;
  r->nsims = i + 1;
  return bk_populations_add(&r->sc, &r->sp, &r->p.instr, draw, &r->as[i], r->draws[i],
                            i ? NULL : &r->liqprint, &r->err);
}

/* The calibration's simulations after the draws' and the sensitivity table's (the prints
 * it fits come from draw 0's liquidation-print population). */
static bk_rc new_calibration(run *r, const bk_sim_config *c) {
  if (!r->liqprint)
    return bk_err_set(&r->err, BK_ECONFIG, "calibration: needs a \"liquidation_prints\" "
                      "population, which reads the venue's prints");
  size_t at = r->ndraws + r->nsens;
  bk_rc rc = bk_cli_calib_sims(&r->sc, &r->sp, &r->p.instr, c, r->p.market, &r->calib,
                               r->draws + at, &r->err);
  r->nsims = at + r->calib.n;
  return rc;
}

/* One simulation per draw (one without draws), each with the population of its draw:
 * draw d's streams derive from the seed and d, so draw 0 is the run without draws. Then,
 * with draws and ranges, the sensitivity table's runs, each with draw 0's population. The
 * liquidation-print calibration and the detailed reports are draw 0's: the other
 * simulations keep only their totals. */
static bk_rc new_draws(run *r, const bk_sim_config *c) {
  size_t n = r->sc.draws ? r->sc.draws : 1;
  size_t ns = r->sc.draws ? 2 * (size_t)bk_ranges_count(&r->sc.ranges) : 0;
  r->draws = calloc(n + ns + r->sc.calib_points, sizeof *r->draws);
  r->as = calloc(n + ns, sizeof *r->as);
  if (!r->draws || !r->as) return bk_err_set(&r->err, BK_ENOMEM, "out of memory");
  bk_assumptions base;
  bk_assumptions_base(&base, c->mark_window_us);
  for (size_t i = 0; i < n + ns; i++) {
    assumptions_of(r, &base, i, n, &r->as[i]);
    bk_rc rc = new_sim(r, c, i, i < n ? i : 0);
    if (rc) return rc;
  }
  r->ndraws = n;
  r->nsens = ns;
  r->sim = r->draws[0];
  bk_rc rc = r->sc.calib_points ? new_calibration(r, c) : BK_OK;
  r->set = (bk_sim_set){.sims = r->draws, .n = r->nsims};
  return rc;
}

static bk_rc simulate(run *r, const run_args *a) {
  bk_rc rc;
  bk_pipeline_init(&r->p);
  bk_input_opts in = a->in;
  in.from = INT64_MIN; /* the warm-up belongs to the simulation */
  in.to = r->sc.to;
  in.lookahead = BK_SPECS_SCAN_EVENTS;
  if ((rc = bk_pipeline_open(&r->p, (const char *const *)r->sc.data, r->sc.ndata, &in))) {
    r->err = r->p.err;
    return rc;
  }
  /* the specs come from the first events of the files just opened, which the replay
     then reads from the feeds: every file is opened and read once */
  bk_lookahead la = bk_pipeline_lookahead(&r->p);
  if ((rc = bk_specs_infer(&r->sc, &la, &r->p.instr, &r->sp, &r->err))) return rc;
  if (!quiet(a)) print_specs(r);
  if (!quiet(a) && !r->sc.draws && bk_ranges_count(&r->sc.ranges))
    fprintf(stderr, "backstop run: the scenario's uncertainty.ranges act only in a run with "
                    "draws (--draws N or uncertainty.draws): this run varies nothing\n");
  bk_sim_config c = r->sc.sim;
  c.policies = r->sc.policies;
  c.npolicies = r->sc.npolicies;
  c.contracts = r->sp.contracts;
  c.ncontracts = r->sp.ncontracts;
  c.assets = r->sp.assets;
  c.nassets = r->sp.nassets;
  c.contract_of = r->sp.contract_of;
  c.ninstruments = r->sp.ninstruments;
  c.from = r->sc.from;
  c.to = r->sc.to;
  c.depth.ref_instr = r->sp.depth_ref;
  if ((rc = new_draws(r, &c))) return rc;
  if ((rc = bk_sim_attach_set(&r->set, r->p.replay)))
    return bk_err_set(&r->err, rc, "too many observers");
  bk_runfolder_pause("replay");
  rc = bk_pipeline_run(&r->p);
  if (rc) {
    /* an observer's failure carries the simulation's detail */
    const bk_err *se = bk_sim_err(r->draws[r->set.failed]);
    r->err = se->rc ? *se : r->p.err;
    bk_pipeline_blame(&r->p, &r->err); /* the event being processed, if any */
    return rc;
  }
  if ((rc = bk_window_cover(r->sc.from, r->sc.to, &r->p, r->notes, &r->nnotes, &r->err)))
    return rc;
  for (size_t d = 0; d < r->nsims && !rc; d++)
    if ((rc = bk_sim_finish(r->draws[d]))) r->err = *bk_sim_err(r->draws[d]);
  return rc;
}

/* The liquidation-print calibration of every policy, as the reports take it: rows[p] of
 * n[p] each (malloc'd; freed with calib_free). */
static bk_rc calib_collect(run *r, bk_liqcal_row ***rows, size_t **n) {
  size_t np = bk_sim_npolicies(r->sim);
  *rows = calloc(np, sizeof **rows);
  *n = calloc(np, sizeof **n);
  if (!*rows || !*n) return bk_err_set(&r->err, BK_ENOMEM, "out of memory");
  for (size_t p = 0; p < np; p++) {
    bk_rc rc = bk_pop_liqprint_calibration(r->liqprint, r->sim, p, 0, &(*rows)[p],
                                           &(*n)[p]);
    if (rc) return bk_err_set(&r->err, rc, "liquidation-print calibration: %s", bk_rc_name(rc));
  }
  return BK_OK;
}

static void calib_free(run *r, bk_liqcal_row **rows, size_t *n) {
  for (size_t p = 0; rows && p < bk_sim_npolicies(r->sim); p++) free(rows[p]);
  free(rows);
  free(n);
}

/* The figures of one simulation, as row `d` of dr, per policy and asset. */
static bk_rc collect_sim(run *r, const bk_report_ctx *ctx, bk_sim *s, size_t d,
                         bk_report_draws *dr) {
  bk_report_run x;
  bk_rc rc = bk_report_run_from_sim(s, ctx, &x);
  if (rc) return bk_err_set(&r->err, rc, "out of memory");
  for (size_t p = 0; !rc && p < x.npolicies; p++)
    for (uint32_t k = 0; !rc && k < x.nassets; k++) {
      bk_report_totals t;
      rc = bk_report_totals_of(&x, p, k, &t);
      if (!rc) rc = bk_report_draws_add(dr, (uint32_t)d, p, k, &t);
    }
  bk_report_run_fini(&x);
  if (rc) return bk_err_set(&r->err, rc, "simulation %zu: %s", d,
                            rc == BK_ENOMEM ? "out of memory" : "a total does not fit 64 bits");
  return BK_OK;
}

/* The sensitivity table's rows: case 0 the base (draw 0), then the one-at-a-time runs
 * in the order of bk_ranges_case. */
static bk_rc collect_sensitivity(run *r, const bk_report_ctx *ctx, bk_report_draws *sens) {
  bk_rc rc = collect_sim(r, ctx, r->draws[0], 0, sens);
  for (size_t c = 0; !rc && c < r->nsens; c++)
    rc = collect_sim(r, ctx, r->draws[r->ndraws + c], c + 1, sens);
  return rc;
}

/* Every draw's figures and their bands (summary.csv, draws.csv). */
static bk_rc collect_draws(run *r, const bk_report_ctx *ctx, bk_report_draws *dr) {
  for (size_t d = 0; d < r->ndraws; d++) {
    bk_rc rc = collect_sim(r, ctx, r->draws[d], d, dr);
    if (rc) return rc;
  }
  bk_rc rc = bk_report_draws_finish(dr);
  return rc ? bk_err_set(&r->err, rc, "out of memory") : BK_OK;
}

static bk_rc report(run *r, const run_args *a, const char *dir, int argc, char **argv) {
  bk_rc rc;
  size_t nf = bk_pipeline_nfiles(&r->p);
  const bk_input_file **files = calloc(nf ? nf : 1, sizeof *files);
  if (!files) return bk_err_set(&r->err, BK_ENOMEM, "out of memory");
  for (size_t i = 0; i < nf; i++)
    files[i] = bk_pipeline_file(&r->p, i);
  bk_report_ctx ctx = {.dir = bk_runfolder_dir(r->rf),
                       .instruments = &r->p.instr,
                       .files = files,
                       .nfiles = nf,
                       .notes = r->notes,
                       .nnotes = r->nnotes,
                       .scenario = a->scenario,
                       .scenario_origin = r->sc.source,
                       .scenario_json = r->ran,
                       .policy_files = (const char *const *)r->sc.policy_files,
                       .npolicy_files = r->sc.npolicy_files,
                       .seed = r->sc.seed,
                       .version = BK_VERSION,
                       .argc = argc,
                       .argv = argv};
  bk_report_run rr;
  bk_liqcal_row **calib = NULL;
  size_t *ncalib = NULL;
  bk_report_draws dr, sens;
  bk_report_draws_init(&dr);
  bk_report_draws_init(&sens);
  if ((r->sc.draws && (rc = collect_draws(r, &ctx, &dr))) ||
      (r->nsens && (rc = collect_sensitivity(r, &ctx, &sens)))) {
    bk_report_draws_fini(&dr);
    bk_report_draws_fini(&sens);
    free(files);
    return rc;
  }
  if (r->calib.n &&
      (rc = bk_cli_calib_fit(&r->calib, r->liqprint, r->draws + r->ndraws + r->nsens,
                            &r->err))) {
    bk_report_draws_fini(&dr);
    free(files);
    return rc;
  }
  rc = bk_report_run_from_sim(r->sim, &ctx, &rr);
  rr.draws = r->sc.draws ? &dr : NULL;
  rr.ranges = r->sc.draws && bk_ranges_count(&r->sc.ranges) ? &r->sc.ranges : NULL;
  rr.assumptions = r->as;
  rr.sensitivity = r->nsens ? &sens : NULL;
  rr.fit = r->calib.n ? &r->calib.fit : NULL;
  if (rc) bk_err_set(&r->err, rc, "out of memory");
  else if (r->liqprint && (rc = calib_collect(r, &calib, &ncalib)))
    bk_report_run_fini(&rr);
  else {
    rr.calib = (const bk_liqcal_row *const *)calib;
    rr.ncalib = ncalib;
    rc = bk_report_write(&rr, &r->err);
    if (!rc) rc = bk_runfolder_commit(r->rf, &r->err);
    if (!rc && a->json) { /* the result itself: printed even with --quiet */
      if ((rc = bk_report_print_summary_json(stdout, &rr)))
        bk_err_set(&r->err, rc, "a summary total does not fit 64 bits");
    } else if (!rc && !quiet(a)) {
      printf("run %s: %llu events; reports in %s/\n", r->sc.name,
             (unsigned long long)bk_sim_events(r->sim), dir);
      bk_report_print_summary(stdout, &rr);
    }
    bk_report_run_fini(&rr);
  }
  calib_free(r, calib, ncalib);
  bk_report_draws_fini(&dr);
  bk_report_draws_fini(&sens);
  free(files);
  return rc;
}

static int parse_args(int argc, char **argv, run_args *a) {
  enum { O_DATA = 1, O_POLICY, O_SEED, O_DRAWS, O_FORMAT };
  static const struct option opts[] = {BK_INPUT_LONG_OPTS,
                                       {"data", required_argument, NULL, O_DATA},
                                       {"policy", required_argument, NULL, O_POLICY},
                                       {"out", required_argument, NULL, 'o'},
                                       {"seed", required_argument, NULL, O_SEED},
                                       {"draws", required_argument, NULL, O_DRAWS},
                                       {"format", required_argument, NULL, O_FORMAT},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int c;
  bk_cli_opts_reset();
  while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
    int r = bk_input_opt(&a->in, "run", c, optarg);
    if (r < 0) return EX_USAGE;
    if (r > 0) continue;
    switch (c) {
    case O_DATA: a->data[a->ndata++] = optarg; break;
    case O_POLICY: a->policies[a->npolicies++] = optarg; break;
    case 'o': a->out = optarg; break;
    case O_SEED: {
      uint64_t v;
      if (bk_cli_u64(optarg, &v)) {
        fprintf(stderr, "backstop run: --seed takes an integer from 0 to "
                        "18446744073709551615, got '%s'\n", optarg);
        return EX_USAGE;
      }
      a->seed = v;
      a->have_seed = 1;
      break;
    }
    case O_DRAWS: {
      uint64_t v;
      if (bk_cli_u64(optarg, &v) || v < 1 || v > BK_SCENARIO_MAX_DRAWS) {
        fprintf(stderr, "backstop run: --draws takes a whole number from 1 to %d, got '%s'\n",
                BK_SCENARIO_MAX_DRAWS, optarg);
        return EX_USAGE;
      }
      a->draws = (uint32_t)v;
      break;
    }
    case O_FORMAT:
      if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
        fprintf(stderr, "backstop run: --format takes text or json, got '%s'\n", optarg);
        return EX_USAGE;
      }
      a->json = optarg[0] == 'j';
      break;
    case 'h': usage(stdout); return -1;
    default: return bk_cli_bad_option("run", c, argv);
    }
  }
  if (argc - optind > 1) {
    fprintf(stderr, "backstop run: one scenario at most\n");
    return EX_USAGE;
  }
  if (optind < argc) a->scenario = argv[optind];
  return 0;
}

/* SIGINT, SIGTERM, SIGHUP: the private report folder and the lock go, then the usual
 * 128 + signal exit status. Only async-signal-safe calls. */
static void on_stop(int sig) {
  bk_runfolder_on_signal();
  _exit(128 + sig);
}

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOPS (sizeof stop_signals / sizeof *stop_signals)

/* Installs on_stop, keeping the handlers it replaces in old (restored by release_stops:
 * a process that runs several commands, such as a test or a fuzzer, gets its own back). */
static void catch_stops(struct sigaction old[NSTOPS]) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < NSTOPS; i++) sigaddset(&sa.sa_mask, stop_signals[i]);
  for (size_t i = 0; i < NSTOPS; i++) sigaction(stop_signals[i], &sa, &old[i]);
}

static void release_stops(const struct sigaction old[NSTOPS]) {
  for (size_t i = 0; i < NSTOPS; i++) sigaction(stop_signals[i], &old[i], NULL);
}

int bk_cmd_run(int argc, char **argv) { return bk_cmd_run_recorded(argc, argv, argc, argv); }

int bk_cmd_run_recorded(int argc, char **argv, int rargc, char **rargv) {
  run_args a;
  memset(&a, 0, sizeof a);
  bk_input_opts_init(&a.in);
  a.data = calloc((size_t)argc + 1, sizeof *a.data);
  a.policies = calloc((size_t)argc + 1, sizeof *a.policies);
  if (!a.data || !a.policies) {
    free(a.data);
    free(a.policies);
    fprintf(stderr, "backstop run: out of memory\n");
    return EX_OSERR;
  }
  int code = parse_args(argc, argv, &a);
  if (code) {
    free(a.data);
    free(a.policies);
    return code < 0 ? 0 : code;
  }
  run r;
  memset(&r, 0, sizeof r);
  bk_rc rc = load(&r, &a);
  char dir[1024];
  long holder = 0;
  struct sigaction old_stops[NSTOPS];
  int caught = 0;
  if (!rc) {
    snprintf(dir, sizeof dir, "%s", a.out ? a.out : "");
    if (!a.out) snprintf(dir, sizeof dir, "out/%s", r.sc.name);
    rc = bk_scenario_json(&r.sc, dir, &r.ran, &r.err);
  }
  if (!rc) {
    /* the folder is checked, locked and made before the replay, not after it */
    catch_stops(old_stops);
    caught = 1;
    /* removing what dead runs left is said even under --quiet: those are the user's files */
    rc = bk_runfolder_begin(dir, stderr, &r.rf, &holder, &r.err);
    if (!rc) rc = simulate(&r, &a);
  }
  double secs = bk_progress_end(&r.p.progress);
  if (!rc && !quiet(&a)) {
    bk_window_warn(stderr, "run", r.sc.from, r.sc.to, r.notes, r.nnotes);
    print_sources(&r);
    print_population(&r);
  }
  if (!rc) rc = report(&r, &a, dir, rargc, rargv);
  if (rc && holder) {
    fprintf(stderr, "backstop run: %s\n", r.err.msg);
    code = EX_TEMPFAIL;
  } else if (rc) code = bk_cli_fail("run", &r.err, rc);
  else if (!quiet(&a))
    fprintf(stderr, "replayed %llu events in %.2f s\n", (unsigned long long)bk_sim_events(r.sim),
            secs);
  run_close(&r);
  if (caught) release_stops(old_stops);
  free(a.data);
  free(a.policies);
  return code;
}
