/*
 * What a run read from one input file: its name, the format and compression its reader
 * recognised, how many rows and events it gave, the span of exchange time it covered,
 * its gaps and clamped timestamps, and the digest of its bytes as read.
 *
 * Plain data, defined here once so that the layer that reads a file (feeds/ fills one
 * as part of bk_feed_info) and the layers that report on it (reports/: quality.csv and
 * manifest.json) share it without either seeing the other. The engine only carries the
 * type: format and codec are names the reader chose, never parsed here.
 *
 * Ownership: the strings are borrowed from the reader and live as long as it does.
 */
#ifndef BK_INPUTFILE_H
#define BK_INPUTFILE_H

#include <stdint.h>

typedef struct bk_input_file {
  const char *path;         /* as opened */
  const char *format;       /* "incremental_book_L2", "book_snapshot_25", "bookDepth", ... */
  const char *codec;        /* "plain", "gzip", "zstd", "zip" */
  uint64_t rows;            /* data rows (header and empty lines excluded) */
  uint64_t events;          /* events read */
  int64_t first_ts;         /* first and last exchange timestamp (µs), 0 before any row */
  int64_t last_ts;
  uint64_t clamped;         /* timestamps raised because they went backwards */
  uint64_t gaps;            /* gaps between consecutive rows longer than the threshold */
  int64_t longest_gap_us;   /* longest such gap, and the timestamp where it ended */
  int64_t longest_gap_end;
  const char *sha256;       /* SHA-256 (64 hex digits) of the file's bytes as read, once
                               the reader sealed it; NULL (or "") when it gave none */
  uint64_t bytes_hashed;    /* bytes in sha256 */
} bk_input_file;

#endif
