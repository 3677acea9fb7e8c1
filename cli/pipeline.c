/*
 * Shared input options and the read-and-replay loop (see pipeline.h). The loop is the hot
 * path of `replay`: events come from the merge in batches (one call per 256 events, so
 * a single book file is decoded in a tight loop), then one push per event, with progress
 * checked every 64 Ki events. Batching reads ahead by at most one batch; what is pushed,
 * and so every result, is the same as one event at a time.
 */
#include "cli/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "cli/exitcode.h"
#include "cli/mkdirs.h"
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
    "      --read-size N    bytes per read, 1 to 67108864 (64 MiB; default 1048576,\n"
    "                       less when more than two files share 12 MiB;\n"
    "                       results are identical)\n"
    "      --reference-csv  split rows with libcsv instead of the fast splitter\n"
    "      --progress       show progress on stderr even when it is not a terminal\n"
    "      --quiet          print only errors (no progress, no summary)\n"
    "  (env) BK_CACHE_DIR=DIR\n"
    "                       keep the decoded events in DIR (created when missing) and\n"
    "                       replay them on later runs over the same files and options,\n"
    "                       with the same results; a cache whose inputs changed or\n"
    "                       that is damaged is named on stderr and rebuilt (off when\n"
    "                       unset or empty)\n";

void bk_input_opts_init(bk_input_opts *o) {
  bk_feed_opts_init(&o->feed);
  o->feed.threaded = 1;
  o->from = INT64_MIN;
  o->to = INT64_MAX;
  o->progress_mode = 0;
  const char *dir = getenv("BK_CACHE_DIR");
  o->cache_dir = dir && dir[0] ? dir : NULL;
  o->lookahead = 0;
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

/* The program that decodes, for the cache's key: its version, and the size and time of
 * its executable, so that a rebuilt decoder never trusts events an older one cached. */
static void producer(char *buf, size_t cap) {
  struct stat st;
  if (stat("/proc/self/exe", &st) == 0)
    snprintf(buf, cap, "backstop %s %lld %lld.%09ld", BK_VERSION, (long long)st.st_size,
             (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
  else
    snprintf(buf, cap, "backstop %s", BK_VERSION);
}

/* Opens the cache of these paths and options when a valid one exists (BK_OK), else
 * starts writing one and returns BK_EOF: the data is to be read. */
static bk_rc open_cache(bk_pipeline *p, const char *const *paths, size_t n,
                        const bk_input_opts *o) {
  char who[200];
  producer(who, sizeof who);
  bk_cache_req req = {paths, n, &o->feed, o->to, o->lookahead, who};
  bk_cache_key k;
  bk_rc rc = bk_cache_key_make(&req, &k, &p->err);
  if (rc) return rc;
  bk_err why;
  bk_err_clear(&why);
  if (!(rc = bk_cli_mkdirs(o->cache_dir, &p->err)))
    rc = bk_cache_open(o->cache_dir, &k, &p->instr, &p->cache, &why);
  if (rc == BK_OK && o->progress_mode >= 0)
    fprintf(stderr, "backstop: replaying the events cached in %s\n", bk_cache_path(p->cache));
  if (rc == BK_EDATA) { /* stale or corrupt: said, and rebuilt from the data */
    fprintf(stderr, "backstop: %s; rebuilding it\n", why.msg);
    bk_instruments_fini(&p->instr);
    bk_instruments_init(&p->instr);
    rc = BK_EOF;
  } else if (rc && rc != BK_EOF && why.rc) {
    p->err = why;
  }
  if (rc == BK_EOF) {
    bk_rc wrc = bk_cache_create(o->cache_dir, &k, &p->cache_out, &p->err);
    if (wrc) rc = wrc;
  }
  bk_cache_key_fini(&k);
  return rc;
}

bk_rc bk_pipeline_open(bk_pipeline *p, const char *const *paths, size_t n,
                       const bk_input_opts *o) {
  bk_progress_init(&p->progress, o->progress_mode);
  p->lookahead = o->lookahead;
  bk_rc rc = o->cache_dir ? open_cache(p, paths, n, o) : BK_EOF;
  if (rc == BK_EOF) {
    rc = bk_merge_open_paths(paths, n, &p->instr, &o->feed, &p->merge, NULL, &p->err);
    if (!rc) p->ahead = bk_merge_lookahead(p->merge);
  }
  if (rc) return rc;
  if (!(p->market = bk_market_new(&p->instr)) || !(p->replay = bk_replay_new(p->market)))
    return bk_err_set(&p->err, BK_ENOMEM, "out of memory");
  bk_replay_window(p->replay, o->from, o->to);
  return BK_OK;
}

/* The merge's look-ahead, recorded into the cache being written. */
static bk_rc recorded_peek(void *ctx, size_t file, size_t max, bk_lookahead_file *out,
                           bk_err *err) {
  bk_pipeline *p = ctx;
  if (max != p->lookahead)
    return bk_err_set(err, BK_EUSAGE, "a look-ahead of %zu events where the command "
                                      "declared %zu", max, p->lookahead);
  bk_rc rc = p->ahead.peek(p->ahead.ctx, file, max, out, err);
  return rc ? rc : bk_cache_put_lookahead(p->cache_out, file, out, err);
}

bk_lookahead bk_pipeline_lookahead(bk_pipeline *p) {
  if (p->cache) return bk_cache_lookahead(p->cache);
  if (!p->cache_out) return p->ahead;
  return (bk_lookahead){.nfiles = p->ahead.nfiles, .peek = recorded_peek, .ctx = p};
}

size_t bk_pipeline_nfiles(const bk_pipeline *p) {
  return p->cache ? bk_cache_nfiles(p->cache) : bk_merge_count(p->merge);
}

const bk_input_file *bk_pipeline_file(const bk_pipeline *p, size_t rank) {
  if (p->cache) return bk_cache_file(p->cache, rank);
  const bk_feed *f = bk_merge_feed(p->merge, rank);
  return f ? &bk_feed_info_get(f)->file : NULL;
}

/* Share of the input read, for progress: compressed bytes over all feeds, or the
 * cache's bytes. */
static void input_share(const bk_pipeline *p, uint64_t *done, uint64_t *total) {
  if (p->cache) {
    bk_cache_progress(p->cache, done, total);
    return;
  }
  *done = *total = 0;
  for (size_t i = 0; i < bk_merge_count(p->merge); i++) {
    const bk_feed_info *fi = bk_feed_info_get(bk_merge_feed(p->merge, i));
    *done += fi->bytes_in;
    *total += fi->bytes_total;
  }
}

#define BK_PIPELINE_BATCH 256

/* Records in p->where the file, line and time of the event being processed. */
static void note_where(bk_pipeline *p, const bk_event *ev, const bk_merge_src *src) {
  char t[40];
  bk_time_format(ev->ts, t, sizeof t);
  const bk_input_file *f = bk_pipeline_file(p, src->feed);
  const char *path = f ? f->path : "?";
  snprintf(p->where, sizeof p->where, "%s:%llu (event at %s)", path,
           (unsigned long long)src->line, t);
}

void bk_pipeline_blame(const bk_pipeline *p, bk_err *e) {
  if (!p->where[0] || !e->msg[0]) return;
  char msg[sizeof e->msg];
  snprintf(msg, sizeof msg, "%s", e->msg);
  bk_err_set(e, e->rc, "%s: %s", p->where, msg);
}

/* The next batch of events, from the cache or the merge; an error's detail in p->err. */
static bk_rc next_batch(bk_pipeline *p, bk_event *evs, bk_merge_src *src, size_t *n) {
  if (p->cache) return bk_cache_next_batch_at(p->cache, evs, src, BK_PIPELINE_BATCH, n, &p->err);
  bk_rc rc = bk_merge_next_batch_at(p->merge, evs, src, BK_PIPELINE_BATCH, n);
  if (rc && rc != BK_EOF) p->err = *bk_merge_error(p->merge);
  return rc;
}

/* After the replay: seals the feeds' digests (the manifest records each input's bytes as
 * they were read, hashing what a window that ended early left unread), then commits the
 * cache being written. */
static bk_rc seal(bk_pipeline *p) {
  for (size_t i = 0; p->merge && i < bk_merge_count(p->merge); i++) {
    bk_feed *f = bk_merge_feed(p->merge, i);
    if (bk_feed_seal(f)) {
      p->err = *bk_feed_error(f);
      return p->err.rc;
    }
  }
  bk_cache_writer *w = p->cache_out;
  p->cache_out = NULL;
  return w ? bk_cache_commit(w, p->merge, &p->instr, p->n_open, &p->err) : BK_OK;
}

bk_rc bk_pipeline_run(bk_pipeline *p) {
  bk_event evs[BK_PIPELINE_BATCH];
  bk_merge_src src[BK_PIPELINE_BATCH];
  size_t n;
  bk_rc rc;
  p->where[0] = '\0';
  if (p->cache && (rc = bk_cache_instruments(p->cache, &p->instr, &p->err))) return rc;
  p->n_open = p->instr.n;
  while ((rc = next_batch(p, evs, src, &n)) == BK_OK) {
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
        input_share(p, &done, &total);
        bk_progress_draw(&p->progress, evs[i].ts, done, total);
      }
    }
    if (n) p->last_ts = evs[i < n ? i : n - 1].ts;
    /* the cache holds the events read, through the one past the window's end */
    bk_rc wrc = p->cache_out ? bk_cache_put(p->cache_out, evs, src, i < n ? i + 1 : n, &p->err)
                             : BK_OK;
    if (wrc) return wrc;
    if (rc == BK_EOF) break;
  }
  if (rc != BK_OK && rc != BK_EOF) return rc;
  rc = bk_replay_finish(p->replay);
  if (rc) return bk_err_set(&p->err, rc, "replay stopped at the end: %s", bk_rc_name(rc));
  return seal(p);
}

void bk_pipeline_close(bk_pipeline *p) {
  bk_replay_free(p->replay);
  bk_market_free(p->market);
  bk_merge_free(p->merge);
  bk_cache_free(p->cache);
  bk_cache_abort(p->cache_out);
  bk_instruments_fini(&p->instr);
  p->replay = NULL;
  p->market = NULL;
  p->merge = NULL;
  p->cache = NULL;
  p->cache_out = NULL;
}

int bk_cli_fail(const char *cmd, const bk_err *e, bk_rc rc) {
  fprintf(stderr, "backstop %s: %s\n", cmd, (e && e->msg[0]) ? e->msg : bk_rc_name(rc));
  return bk_cli_exit_code(rc);
}
