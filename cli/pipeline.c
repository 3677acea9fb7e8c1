/*
 * Shared input options and the read-and-replay loop (see pipeline.h). The loop is the hot
 * path of `replay`: events come from the merge in batches (one call per 256 events, so
 * a single book file is decoded in a tight loop), then one push per event, with progress
 * checked every 64 Ki events. Batching reads ahead by at most one batch; what is pushed,
 * and so every result, is the same as one event at a time.
 */
#include "cli/pipeline.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli/exitcode.h"
#include "engine/clock.h"
#include "engine/fixed.h"

const char bk_input_help[] =
    "      --from T         start of the window (ISO 8601 UTC or µs since the epoch);\n"
    "                       earlier data still builds the books\n"
    "      --to T           end of the window (exclusive)\n"
    "      --strict         a timestamp going backwards in a file is an error\n"
    "                       (default: clamp it and count it)\n"
    "      --threads N      1: read in one thread; 2: decompress in a second thread\n"
    "                       (default 2; the results are identical)\n"
    "      --read-size N    bytes per read, 1 to 67108864 (64 MiB; default 1048576;\n"
    "                       results are identical)\n"
    "      --reference-csv  split rows with libcsv instead of the fast splitter\n"
    "      --progress       show progress on stderr even when it is not a terminal\n"
    "      --quiet          print only errors (no progress, no summary)\n";

void bk_input_opts_init(bk_input_opts *o) {
  bk_feed_opts_init(&o->feed);
  o->feed.threaded = 1;
  o->from = INT64_MIN;
  o->to = INT64_MAX;
  o->progress_mode = 0;
}

int bk_input_opt(bk_input_opts *o, const char *cmd, int c, const char *arg) {
  int64_t v;
  switch (c) {
  case BK_OPT_FROM:
  case BK_OPT_TO:
    if (bk_time_parse(arg, strlen(arg), &v)) {
      fprintf(stderr, "backstop %s: '%s' is not a time (expected 2025-10-10T21:00:00Z or "
                      "microseconds)\n", cmd, arg);
      return -1;
    }
    if (c == BK_OPT_FROM) o->from = v;
    else o->to = v;
    return 1;
  case BK_OPT_STRICT: o->feed.strict = 1; return 1;
  case BK_OPT_REFERENCE_CSV: o->feed.reference_csv = 1; return 1;
  case BK_OPT_PROGRESS: o->progress_mode = 1; return 1;
  case BK_OPT_QUIET: o->progress_mode = -1; return 1;
  case BK_OPT_THREADS:
    if (strcmp(arg, "1") && strcmp(arg, "2")) {
      fprintf(stderr, "backstop %s: --threads takes 1 or 2\n", cmd);
      return -1;
    }
    o->feed.threaded = arg[0] == '2';
    return 1;
  case BK_OPT_READ_SIZE:
    /* every feed holds a few buffers of this size (more with the decompression thread):
     * beyond 64 MiB a read gains nothing and a handful of files would take gigabytes */
    if (bk_int_parse(arg, strlen(arg), &v, NULL) || v < 1 || v > BK_READ_SIZE_MAX) {
      fprintf(stderr, "backstop %s: --read-size takes 1 to %lld bytes (64 MiB), got '%s'\n",
              cmd, (long long)BK_READ_SIZE_MAX, arg);
      return -1;
    }
    o->feed.read_size = (size_t)v;
    return 1;
  }
  return 0;
}

int bk_cli_u64(const char *s, uint64_t *out) {
  uint64_t v = 0;
  size_t i = 0;
  for (; s[i]; i++) {
    unsigned d = (unsigned)(unsigned char)s[i] - '0';
    if (d > 9 || v > (UINT64_MAX - d) / 10) return -1;
    v = v * 10 + d;
  }
  if (i == 0) return -1;
  *out = v;
  return 0;
}

void bk_pipeline_init(bk_pipeline *p) {
  memset(p, 0, sizeof *p);
  bk_instruments_init(&p->instr);
}

bk_rc bk_pipeline_open(bk_pipeline *p, const char *const *paths, size_t n,
                       const bk_input_opts *o) {
  bk_progress_init(&p->progress, o->progress_mode);
  bk_rc rc = bk_merge_open_paths(paths, n, &p->instr, &o->feed, &p->merge, NULL, &p->err);
  if (rc) return rc;
  if (!(p->market = bk_market_new(&p->instr)) || !(p->replay = bk_replay_new(p->market)))
    return bk_err_set(&p->err, BK_ENOMEM, "out of memory");
  bk_replay_window(p->replay, o->from, o->to);
  return BK_OK;
}

/* Compressed bytes read and total over all feeds, for progress. */
static void input_share(const bk_merge *m, uint64_t *done, uint64_t *total) {
  *done = *total = 0;
  for (size_t i = 0; i < bk_merge_count(m); i++) {
    const bk_feed_info *fi = bk_feed_info_get(bk_merge_feed(m, i));
    *done += fi->bytes_in;
    *total += fi->bytes_total;
  }
}

#define BK_PIPELINE_BATCH 256

/* Records in p->where the file, line and time of the event being processed. */
static void note_where(bk_pipeline *p, const bk_event *ev, const bk_merge_src *src) {
  char t[40];
  bk_time_format(ev->ts, t, sizeof t);
  const bk_feed *f = bk_merge_feed(p->merge, src->feed);
  const char *path = f ? bk_feed_info_get(f)->file.path : "?";
  snprintf(p->where, sizeof p->where, "%s:%llu (event at %s)", path,
           (unsigned long long)src->line, t);
}

void bk_pipeline_blame(const bk_pipeline *p, bk_err *e) {
  if (!p->where[0] || !e->msg[0]) return;
  char msg[sizeof e->msg];
  snprintf(msg, sizeof msg, "%s", e->msg);
  bk_err_set(e, e->rc, "%s: %s", p->where, msg);
}

bk_rc bk_pipeline_run(bk_pipeline *p) {
  bk_event evs[BK_PIPELINE_BATCH];
  bk_merge_src src[BK_PIPELINE_BATCH];
  size_t n;
  bk_rc rc;
  p->where[0] = '\0';
  while ((rc = bk_merge_next_batch_at(p->merge, evs, src, BK_PIPELINE_BATCH, &n)) == BK_OK) {
    if (n && !p->events) p->first_ts = evs[0].ts;
    size_t i = 0;
    for (; i < n; i++) {
      p->events++;
      rc = bk_replay_push(p->replay, &evs[i]);
      if (rc == BK_EOF) break; /* past the window's end */
      if (rc) {
        const bk_err *e = bk_replay_err(p->replay);
        if (e->rc) p->err = *e;
        else bk_err_set(&p->err, rc, "replay stopped: %s", bk_rc_name(rc));
        note_where(p, &evs[i], &src[i]);
        bk_pipeline_blame(p, &p->err);
        return rc;
      }
      if (bk_progress_due(&p->progress)) {
        uint64_t done, total;
        input_share(p->merge, &done, &total);
        bk_progress_draw(&p->progress, evs[i].ts, done, total);
      }
    }
    if (n) p->last_ts = evs[i < n ? i : n - 1].ts;
    if (rc == BK_EOF) break;
  }
  if (rc != BK_OK && rc != BK_EOF) {
    p->err = *bk_merge_error(p->merge);
    return rc;
  }
  rc = bk_replay_finish(p->replay);
  if (rc) return bk_err_set(&p->err, rc, "replay stopped at the end: %s", bk_rc_name(rc));
  /* the manifest records each input's bytes as they were read: seal the digests now
   * (hashing what a window that ended early left unread) */
  for (size_t i = 0; i < bk_merge_count(p->merge); i++) {
    bk_feed *f = bk_merge_feed(p->merge, i);
    if ((rc = bk_feed_seal(f))) {
      p->err = *bk_feed_error(f);
      return rc;
    }
  }
  return BK_OK;
}

void bk_pipeline_close(bk_pipeline *p) {
  bk_replay_free(p->replay);
  bk_market_free(p->market);
  bk_merge_free(p->merge);
  bk_instruments_fini(&p->instr);
  p->replay = NULL;
  p->market = NULL;
  p->merge = NULL;
}

int bk_cli_fail(const char *cmd, const bk_err *e, bk_rc rc) {
  fprintf(stderr, "backstop %s: %s\n", cmd, (e && e->msg[0]) ? e->msg : bk_rc_name(rc));
  return bk_cli_exit_code(rc);
}
