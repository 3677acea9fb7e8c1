/*
 * A look ahead at the first events of each input file, before the replay reads them:
 * what contract inference (config/specs.h) looks at. A merge not yet started gives it
 * from its feeds (bk_merge_lookahead), an event cache from what it recorded
 * (feeds/cache.h), so inference sees the same events either way.
 */
#ifndef BK_FEEDS_LOOKAHEAD_H
#define BK_FEEDS_LOOKAHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/event.h"

/* The first events of one file: n events with the file line of each one's row, valid
 * until the next call on the same look-ahead. */
typedef struct bk_lookahead_file {
  const char *path;
  const bk_event *evs;
  const uint64_t *lines;
  size_t n;
} bk_lookahead_file;

typedef struct bk_lookahead {
  size_t nfiles;
  /* The first up to max events of file (0 .. nfiles - 1) into *out. BK_OK, or the error
   * met reading ahead (its detail in *err; *out still holds the events before it). */
  bk_rc (*peek)(void *ctx, size_t file, size_t max, bk_lookahead_file *out, bk_err *err);
  void *ctx;
} bk_lookahead;

#endif
