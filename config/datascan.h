/*
 * What a read of a run's data finds, for inferring a scenario from it (config/infer.h):
 * each file's first and last exchange timestamps, which instruments the data gives an
 * order book, a depth profile or marks, and, once the window's start is chosen, what
 * each contract traded before it, its last price and its last replayed open interest.
 *
 * One pass. The span needs every file read to its end: a Tardis file is named for its
 * UTC day, but its data may start and stop anywhere in that day (a capture of minutes, a
 * sample of rows), so the name is cheap but not exact, and the first and last timestamps
 * actually seen are. The warm-up figures need the window's start, which the span decides,
 * so the same read keeps them per contract in time buckets (each bucket's traded notional
 * and count, and its last trade price, mark and open interest with their place in the
 * read), and bk_datascan_warmup adds up the buckets before the start once it is chosen.
 * A bucket is 1 s, 1 min, 5 min or 1 h wide, the widest that divides the fund-sample grid
 * of the span seen so far, so a start on the final grid is on a bucket edge and the
 * buckets of a long capture stay few. Nothing is hashed.
 */
#ifndef BK_DATASCAN_H
#define BK_DATASCAN_H

#include <stddef.h>
#include <stdint.h>

#include "config/specs.h"
#include "engine/error.h"
#include "engine/instrument.h"
#include "feeds/feed.h"
#include "feeds/merge.h"

typedef struct bk_scan_file {
  char *path;               /* as opened (a folder's files one by one) */
  int64_t first_ts, last_ts; /* µs; 0 when the file has no row */
  uint64_t events;
} bk_scan_file;

typedef struct bk_scan_instr {
  int book;                 /* the data has book snapshots for it: a replayed book */
  int depth;                /* a depth profile (Binance bookDepth) */
  int marks;                /* mark prices */
  struct bk_scan_bucket *bucket; /* bucket[i]: times from (base + i) widths */
  size_t nbucket, capbucket;
  int64_t base;
  /* before the window (bk_datascan_warmup) */
  uint64_t warm_trades;
  int64_t warm_notional;    /* traded notional, settle units, as the simulation sums it */
  int64_t price;            /* last mark, else last trade price; 0 when none */
  int have_oi;              /* an open interest was replayed */
  int64_t oi;               /* its last value (venue units) */
} bk_scan_instr;

typedef struct bk_datascan {
  bk_scan_file *files;
  size_t nfiles;
  bk_scan_instr *instr;     /* [instrument id] */
  size_t ninstr;
  int64_t first_ts, last_ts; /* over every file with rows */
  int64_t width;            /* of a bucket, µs (0 before the first event) */
  int64_t seen_first, seen_last; /* the events' times read so far */
  uint64_t seq;             /* events of contracts read so far */
} bk_datascan;

/* The fund-sample grid (µs) the window rule gives a span (µs): it must not shrink as the
 * span grows, and an interval of at least 60 s, 300 s or 3600 s must be a multiple of
 * it. */
typedef int64_t (*bk_scan_grid)(int64_t span);

/* Opens the paths (files or folders, as bk_merge_open_paths takes them) as one merge
 * for the pass, interning instruments into instr, without hashing. */
bk_rc bk_datascan_open(const char *const *paths, size_t n, const bk_feed_opts *fo,
                       bk_instruments *instr, bk_merge **m, bk_err *err);

/* The pass: reads every event of m (the same merge spec inference looked ahead in),
 * interning instruments into instr: the files' spans, the instruments' sources, and the
 * warm-up buckets of the contracts of sp (whose instrument ids come from the same instr)
 * on the grid. ds needs bk_datascan_fini either way; errors name the file. */
bk_rc bk_datascan_span(bk_merge *m, bk_instruments *instr, const bk_specs *sp,
                       bk_scan_grid grid, bk_datascan *ds, bk_err *err);

/* The warm-up figures before `from` (on the grid of the whole span), from the buckets:
 * per contract the trades and their notional, the last price and open interest, exactly
 * what a read of each file up to `from` finds. BK_ERANGE when the notional overflows. */
bk_rc bk_datascan_warmup(bk_datascan *ds, const bk_specs *sp, int64_t from, bk_err *err);

void bk_datascan_fini(bk_datascan *ds);

#endif
