/*
 * The input side every replaying command shares: options that choose and read the data
 * (window, strictness, read size, decompression thread, progress), opening files and
 * folders as one merged stream, and driving the replay loop to the end.
 */
#ifndef BK_PIPELINE_H
#define BK_PIPELINE_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/progress.h"
#include "engine/error.h"
#include "engine/instrument.h"
#include "engine/market.h"
#include "engine/replay.h"
#include "feeds/cache.h"
#include "feeds/feed.h"
#include "feeds/lookahead.h"
#include "feeds/merge.h"

/* Largest --read-size: 64 MiB. */
#define BK_READ_SIZE_MAX (INT64_C(1) << 26)

/* Options shared by replaying commands. */
typedef struct bk_input_opts {
  bk_feed_opts feed;
  int64_t from, to;  /* window [from, to), µs; INT64_MIN / INT64_MAX when open */
  int progress_mode; /* 1 --progress, -1 --quiet, 0 terminal only */
  const char *cache_dir; /* the event cache's folder ($BK_CACHE_DIR), NULL: none */
  size_t lookahead;  /* events per file the command looks at before the replay
                        (bk_pipeline_lookahead), 0 when it does not */
} bk_input_opts;

/* getopt_long codes of the shared options (above 1000, clear of any command's own). */
enum {
  BK_OPT_FROM = 1000, BK_OPT_TO, BK_OPT_STRICT, BK_OPT_THREADS, BK_OPT_READ_SIZE,
  BK_OPT_PROGRESS, BK_OPT_QUIET, BK_OPT_REFERENCE_CSV
};

/* The long options above, for a command's option table (terminated by its own). */
#define BK_INPUT_LONG_OPTS                                                                \
  {"from", required_argument, NULL, BK_OPT_FROM},                                        \
  {"to", required_argument, NULL, BK_OPT_TO},                                            \
  {"strict", no_argument, NULL, BK_OPT_STRICT},                                          \
  {"threads", required_argument, NULL, BK_OPT_THREADS},                                  \
  {"read-size", required_argument, NULL, BK_OPT_READ_SIZE},                              \
  {"progress", no_argument, NULL, BK_OPT_PROGRESS},                                      \
  {"quiet", no_argument, NULL, BK_OPT_QUIET},                                            \
  {"reference-csv", no_argument, NULL, BK_OPT_REFERENCE_CSV}

/* Parses a command-line integer in [0, 2^64 − 1] (decimal digits only, no sign or
 * space): 0 and *out, or -1 (nothing written). */
int bk_cli_u64(const char *s, uint64_t *out);

/* Help text of the shared options. */
extern const char bk_input_help[];

void bk_input_opts_init(bk_input_opts *o);

/* Handles a shared option. Returns 1 when c was one (and arg valid), 0 when c is not a
 * shared option, -1 after printing a usage error for a bad argument. */
int bk_input_opt(bk_input_opts *o, const char *cmd, int c, const char *arg);

typedef struct bk_pipeline {
  bk_instruments instr;
  bk_merge *merge;   /* the data, or NULL when the events come from the cache */
  bk_cache *cache;   /* the event cache read instead of the data, or NULL */
  bk_cache_writer *cache_out; /* the event cache being written while the data is read */
  bk_lookahead ahead; /* the merge's look-ahead, recorded into cache_out */
  size_t lookahead;  /* the look-ahead the command declared (bk_input_opts) */
  size_t n_open;     /* instruments known when the replay began */
  bk_market *market;
  bk_replay *replay;
  bk_progress progress;
  uint64_t events;   /* events read from the merge or the cache */
  int64_t first_ts, last_ts; /* exchange time of the first and last event read, µs (the
                                last may be the first past the window, where reading
                                stopped); meaningful once events > 0 */
  bk_err err;
  char where[300];   /* after an error processing an event: "file:line (event at T)" */
} bk_pipeline;

/* Prepares an empty pipeline (its instrument table may then be pre-filled, so that ids
 * are known before the data is read). */
void bk_pipeline_init(bk_pipeline *p);

/* Opens the paths (files or folders) as one stream and prepares market and loop.
 * p must have been initialized. With o->cache_dir, a cache of the events these paths and
 * options give is replayed when there is a valid one; a stale or corrupt one is named
 * on stderr with the reason and rebuilt; without one the data is read and the cache
 * written as it is (BK_EWRITE when the folder cannot hold it). On error the detail is in
 * p->err; p must be closed either way. */
bk_rc bk_pipeline_open(bk_pipeline *p, const char *const *paths, size_t n,
                       const bk_input_opts *o);

/* The first events of each file, before the replay reads them (o->lookahead of them at
 * most: the cache is keyed by that depth). p is borrowed by the result. */
bk_lookahead bk_pipeline_lookahead(bk_pipeline *p);

/* The input files read (from the data or as the cache recorded them), by rank. */
size_t bk_pipeline_nfiles(const bk_pipeline *p);
const bk_input_file *bk_pipeline_file(const bk_pipeline *p, size_t rank);

/* Reads every event into the loop, to the end of the input or of the window, then seals
 * every feed's digest of the bytes it read (bk_feed_seal; the feeds read no more) and
 * commits the event cache being written, if any.
 * The detail of an error (naming the file and where) is in p->err. */
bk_rc bk_pipeline_run(bk_pipeline *p);

void bk_pipeline_close(bk_pipeline *p);

/* Prefixes e's message with the file, line and time of the event whose processing failed
 * in bk_pipeline_run (p->err has it already; an observer's own error, such as the
 * simulation's, gets it this way). No change when there is none. */
void bk_pipeline_blame(const bk_pipeline *p, bk_err *e);

/* Prints "backstop CMD: message" for an error to stderr and returns its exit code. */
int bk_cli_fail(const char *cmd, const bk_err *e, bk_rc rc);

#endif
