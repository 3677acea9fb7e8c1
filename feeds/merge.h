/*
 * The merge: any number of feeds read as one stream in time order.
 *
 * The next event is the smallest head of all feeds by (exchange timestamp, local
 * timestamp, feed rank, sequence within the feed), where rank is the order in which
 * feeds were added. Each feed's own events keep their file order (feeds clamp
 * backwards timestamps), so the result is the same on every run.
 *
 * Ownership: the merge owns the feeds added to it and frees them in bk_merge_free.
 */
#ifndef BK_FEEDS_MERGE_H
#define BK_FEEDS_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/event.h"
#include "engine/instrument.h"
#include "feeds/feed.h"
#include "feeds/lookahead.h"

typedef struct bk_merge bk_merge;

/* A new, empty merge; NULL when memory runs out. */
bk_merge *bk_merge_new(void);

/* Adds f (the merge takes it, also when the call fails) with the next rank. Must come
 * before the first bk_merge_next. BK_ENOMEM. */
bk_rc bk_merge_add(bk_merge *m, bk_feed *f);

/* The next event of all feeds into *ev and, when feed is not NULL, the rank of the feed
 * it came from. Returns BK_OK, BK_EOF when every feed is at its end, or the first error
 * of a feed (sticky; the detail is in bk_merge_error and names the file). Events taken
 * before a feed failed are handed out first. */
bk_rc bk_merge_next(bk_merge *m, bk_event *ev, size_t *feed);

/* Up to cap (> 0) next events into evs, as cap calls of bk_merge_next would give them
 * (with one feed, decoded in a batch by bk_feed_next_batch). Returns BK_OK with *n in
 * [1, cap], or with *n == 0 BK_EOF or the first error of a feed (sticky). Events taken
 * before a feed failed are handed out first. */
bk_rc bk_merge_next_batch(bk_merge *m, bk_event *evs, size_t cap, size_t *n);

/* Where an event came from: the rank of its feed and the file line of its row. */
typedef struct bk_merge_src {
  size_t feed;
  uint64_t line;
} bk_merge_src;

/* As bk_merge_next_batch, and src[i] (when src is not NULL) says where evs[i] came from,
 * so that an error found while processing an event can name its file and line. */
bk_rc bk_merge_next_batch_at(bk_merge *m, bk_event *evs, bk_merge_src *src, size_t cap,
                             size_t *n);

const bk_err *bk_merge_error(const bk_merge *m);

/* Number of feeds and the feed of a rank (borrowed; for bk_feed_info_get). */
size_t bk_merge_count(const bk_merge *m);
bk_feed *bk_merge_feed(const bk_merge *m, size_t rank);

/* Frees m and its feeds. NULL is a no-op. */
void bk_merge_free(bk_merge *m);

/* The first events of each feed of m, by rank (bk_feed_peek: the feeds keep them for the
 * merge to hand out). m must not have started; it is borrowed by the result. */
bk_lookahead bk_merge_lookahead(bk_merge *m);

/* The files a list of paths stands for, in the order a merge opens them: a path that is
 * not a folder stands for itself (it need not exist: opening it says why); a folder for
 * its regular, not hidden files (not recursive), sorted by name. */
typedef struct bk_input_entry {
  char *path;    /* as given, or folder "/" name */
  int in_folder; /* 1: found in a folder (skipped when no decoder recognises it) */
} bk_input_entry;

typedef struct bk_input_list {
  bk_input_entry *v;
  size_t n, cap;
} bk_input_list;

/* Fills out (caller storage, bk_input_list_fini after BK_OK). BK_ENOINPUT naming a folder
 * that cannot be listed, BK_ENOMEM. */
bk_rc bk_input_list_make(const char *const *paths, size_t n, bk_input_list *out, bk_err *err);

void bk_input_list_fini(bk_input_list *l);

/* What the files of one merge read at once when no read size is asked for (opts): their
 * read buffers share BK_MERGE_READ_BUDGET bytes, up to the files whose reads reach
 * BK_MERGE_READ_MIN (32); more files read that much each. */
#define BK_MERGE_READ_BUDGET ((size_t)12 << 20)
#define BK_MERGE_READ_MIN ((size_t)64 << 10)

/* Opens every path as feeds of one merge, in order: a file is opened as given (an
 * unsupported or broken file is an error); a directory contributes its regular files
 * (not recursive, not hidden ones), sorted by name, skipping those no decoder recognises
 * (BK_EFORMAT). opts may be NULL; without a read size in it, the files share
 * BK_MERGE_READ_BUDGET (more than two files read in smaller blocks). *skipped (may be NULL) counts files skipped. On error
 * *out is NULL and err names the path. A path list with no file to read is BK_ENOINPUT. */
bk_rc bk_merge_open_paths(const char *const *paths, size_t n, bk_instruments *instruments,
                          const bk_feed_opts *opts, bk_merge **out, size_t *skipped,
                          bk_err *err);

#endif
