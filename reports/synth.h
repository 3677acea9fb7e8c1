/*
 * The synthetic market generator behind `backstop synth` (its options: cli/cmd_synth.c):
 * a seeded, integer-only model of one linear perpetual's day, written as Tardis CSV files
 * (incremental_book_L2, trades, derivative_ticker), so the built-in default run and the
 * benchmarks need no downloaded data. The same options and seed give byte-identical files.
 */
#ifndef BK_SYNTH_H
#define BK_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef struct bk_synth_opts {
  const char *out_dir;   /* folder to write into (must exist) */
  const char *exchange;  /* "synthetic" */
  const char *symbol;    /* "SYNUSDT" */
  int64_t start_us;      /* first timestamp */
  int64_t duration_us;   /* length of the day simulated */
  uint64_t max_book_rows; /* stop once this many book rows were written (0 = no cap) */
  uint64_t seed;
  int64_t msgs_per_s;    /* mean book messages per second */
  int64_t crash_bp;      /* depth of the crash at 60 % of the day, in basis points
                            (e.g. 2000 = 20 %); 0 = no crash */
  int book_only;         /* 1: write only the book file (benchmarks) */
  int zst;               /* 1: write .csv.zst, else .csv */
} bk_synth_opts;

/* Defaults: the built-in sample day (see synth.c for the numbers). */
void bk_synth_defaults(bk_synth_opts *o);

/* How many files bk_synth_run writes: 3 (book, trades, ticker), or 1 with book_only. */
size_t bk_synth_nfiles(const bk_synth_opts *o);

/* The path of file i (< bk_synth_nfiles) into buf:
 * OUT_DIR/EXCHANGE_KIND_DATE_SYMBOL.csv[.zst], as Tardis names its downloads. */
void bk_synth_path(const bk_synth_opts *o, size_t i, char *buf, size_t cap);

/* Generates the files. Errors (cannot write) are described in *err. */
bk_rc bk_synth_run(const bk_synth_opts *o, bk_err *err);

#endif
