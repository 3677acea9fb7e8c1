/*
 * The time-ordered merge (see merge.h): a binary min-heap holding the head event of each
 * feed. Tuned for a handful of feeds (book, trades, ticker per instrument): one pop and
 * one sift-down per event, comparing four integers. A single feed (the common benchmark
 * case: one long book file) skips the heap: its events are already in merge order, so
 * they pass straight through, in batches with bk_merge_next_batch.
 */
#include "feeds/merge.h"

#include "feeds/source.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct head {
  bk_event ev;
  size_t rank;
  uint64_t seq;  /* events taken from this feed before this one */
  uint64_t line; /* file line of the event's row */
} head;

struct bk_merge {
  bk_feed **feeds;
  uint64_t *seq;
  size_t n, cap;
  head *heap;
  size_t hn;
  int started;
  bk_rc state;
  bk_err err;
};

bk_merge *bk_merge_new(void) {
  bk_merge *m = calloc(1, sizeof *m);
  if (m) bk_err_clear(&m->err);
  return m;
}

bk_rc bk_merge_add(bk_merge *m, bk_feed *f) {
  if (m->started) {
    bk_feed_free(f);
    return bk_err_set(&m->err, BK_EUSAGE, "a feed was added after the merge started");
  }
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 8;
    bk_feed **v = realloc(m->feeds, cap * sizeof *v);
    if (v) m->feeds = v;
    uint64_t *s = v ? realloc(m->seq, cap * sizeof *s) : NULL;
    if (s) m->seq = s;
    head *h = s ? realloc(m->heap, cap * sizeof *h) : NULL;
    if (!h) {
      bk_feed_free(f);
      return bk_err_set(&m->err, BK_ENOMEM, "out of memory");
    }
    m->heap = h;
    m->cap = cap;
  }
  m->seq[m->n] = 0;
  m->feeds[m->n++] = f;
  return BK_OK;
}

/* a < b in merge order */
static int before(const head *a, const head *b) {
  if (a->ev.ts != b->ev.ts) return a->ev.ts < b->ev.ts;
  if (a->ev.local_ts != b->ev.local_ts) return a->ev.local_ts < b->ev.local_ts;
  if (a->rank != b->rank) return a->rank < b->rank;
  return a->seq < b->seq;
}

static void sift_down(head *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, s = i;
    if (l < n && before(&h[l], &h[s])) s = l;
    if (r < n && before(&h[r], &h[s])) s = r;
    if (s == i) return;
    head t = h[i];
    h[i] = h[s];
    h[s] = t;
    i = s;
  }
}

static void sift_up(head *h, size_t i) {
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(&h[i], &h[p])) return;
    head t = h[i];
    h[i] = h[p];
    h[p] = t;
    i = p;
  }
}

/* Reads the next event of feed rank into the heap slot at; returns 0 when the feed ended. */
static bk_rc pull(bk_merge *m, size_t rank, head *slot, int *got) {
  *got = 0;
  bk_rc rc = bk_feed_next(m->feeds[rank], &slot->ev);
  if (rc == BK_EOF) return BK_OK;
  if (rc) {
    m->err = *bk_feed_error(m->feeds[rank]);
    return m->state = rc;
  }
  slot->rank = rank;
  slot->seq = m->seq[rank]++;
  slot->line = bk_feed_line(m->feeds[rank]);
  *got = 1;
  return BK_OK;
}

/* One feed: its events are the merge's, read directly. */
static bk_rc single_batch(bk_merge *m, bk_event *evs, bk_merge_src *src, size_t cap,
                          size_t *n) {
  m->started = 1;
  uint64_t lines[256];
  if (src && cap > 256) cap = 256; /* *n may be below cap: callers loop */
  bk_rc rc = bk_feed_next_batch_at(m->feeds[0], evs, src ? lines : NULL, cap, n);
  if (rc) {
    *n = 0;
    if (rc != BK_EOF) m->err = *bk_feed_error(m->feeds[0]);
    return m->state = rc;
  }
  for (size_t i = 0; src && i < *n; i++) src[i] = (bk_merge_src){0, lines[i]};
  m->seq[0] += *n;
  return BK_OK;
}

static bk_rc next_one(bk_merge *m, bk_event *ev, bk_merge_src *src) {
  if (m->state) return m->state;
  if (m->n == 1) {
    size_t n;
    return single_batch(m, ev, src, 1, &n);
  }
  if (!m->started) {
    m->started = 1;
    for (size_t i = 0; i < m->n; i++) {
      int got;
      bk_rc rc = pull(m, i, &m->heap[m->hn], &got);
      if (rc) return rc;
      if (got) sift_up(m->heap, m->hn++);
    }
  }
  if (m->hn == 0) return m->state = BK_EOF;
  head top = m->heap[0];
  int got;
  /* an error reading the next event of that feed is sticky in m->state and is returned
   * by the next call: the event already taken is handed out first */
  if (pull(m, top.rank, &m->heap[0], &got) == BK_OK) {
    if (!got) m->heap[0] = m->heap[--m->hn];
    sift_down(m->heap, m->hn, 0);
  }
  *ev = top.ev;
  if (src) *src = (bk_merge_src){top.rank, top.line};
  return BK_OK;
}

bk_rc bk_merge_next(bk_merge *m, bk_event *ev, size_t *feed) {
  bk_merge_src src;
  bk_rc rc = next_one(m, ev, &src);
  if (!rc && feed) *feed = src.feed;
  return rc;
}

bk_rc bk_merge_next_batch_at(bk_merge *m, bk_event *evs, bk_merge_src *src, size_t cap,
                             size_t *n) {
  *n = 0;
  if (m->state) return m->state;
  if (m->n == 1) return single_batch(m, evs, src, cap, n);
  size_t k = 0;
  bk_rc rc = BK_OK;
  while (k < cap && (rc = next_one(m, &evs[k], src ? &src[k] : NULL)) == BK_OK) k++;
  *n = k;
  return k ? BK_OK : rc; /* a feed's error is sticky: the next call returns it */
}

bk_rc bk_merge_next_batch(bk_merge *m, bk_event *evs, size_t cap, size_t *n) {
  return bk_merge_next_batch_at(m, evs, NULL, cap, n);
}

const bk_err *bk_merge_error(const bk_merge *m) { return &m->err; }
size_t bk_merge_count(const bk_merge *m) { return m->n; }
bk_feed *bk_merge_feed(const bk_merge *m, size_t rank) { return rank < m->n ? m->feeds[rank] : NULL; }

/* bk_lookahead's peek over the merge's feeds (bk_feed_peek). */
static bk_rc merge_peek(void *ctx, size_t file, size_t max, bk_lookahead_file *out,
                        bk_err *err) {
  bk_feed *f = bk_merge_feed(ctx, file);
  out->path = bk_feed_info_get(f)->file.path;
  bk_rc rc = bk_feed_peek(f, max, &out->evs, &out->lines, &out->n);
  if (rc) *err = *bk_feed_error(f);
  return rc;
}

bk_lookahead bk_merge_lookahead(bk_merge *m) {
  return (bk_lookahead){.nfiles = m->n, .peek = merge_peek, .ctx = m};
}

void bk_merge_free(bk_merge *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n; i++) bk_feed_free(m->feeds[i]);
  free(m->feeds);
  free(m->seq);
  free(m->heap);
  free(m);
}

/* Appends path (copied) to the list. */
static bk_rc list_add(bk_input_list *l, const char *path, int in_folder, bk_err *err) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    bk_input_entry *v = realloc(l->v, cap * sizeof *v);
    if (!v) return bk_err_set(err, BK_ENOMEM, "out of memory");
    l->v = v;
    l->cap = cap;
  }
  if (!(l->v[l->n].path = strdup(path))) return bk_err_set(err, BK_ENOMEM, "out of memory");
  l->v[l->n++].in_folder = in_folder;
  return BK_OK;
}

static int by_path(const void *a, const void *b) {
  return strcmp(((const bk_input_entry *)a)->path, ((const bk_input_entry *)b)->path);
}

/* Appends the regular, not hidden files of folder dir, sorted by name. */
static bk_rc list_dir(bk_input_list *l, const char *dir, bk_err *err) {
  DIR *d = opendir(dir);
  if (!d) return bk_err_set(err, BK_ENOINPUT, "%s: cannot open folder: %s", dir, strerror(errno));
  size_t first = l->n;
  bk_rc rc = BK_OK;
  struct dirent *e;
  while (!rc && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    char *p = malloc(len);
    if (!p) {
      rc = bk_err_set(err, BK_ENOMEM, "out of memory");
      break;
    }
    snprintf(p, len, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) rc = list_add(l, p, 1, err);
    free(p);
  }
  closedir(d);
  if (!rc && l->n > first) qsort(l->v + first, l->n - first, sizeof *l->v, by_path);
  return rc;
}

bk_rc bk_input_list_make(const char *const *paths, size_t n, bk_input_list *out,
                         bk_err *err) {
  memset(out, 0, sizeof *out);
  bk_rc rc = BK_OK;
  for (size_t i = 0; i < n && !rc; i++) {
    struct stat st;
    if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) rc = list_dir(out, paths[i], err);
    else rc = list_add(out, paths[i], 0, err);
  }
  if (rc) bk_input_list_fini(out);
  return rc;
}

void bk_input_list_fini(bk_input_list *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i].path);
  free(l->v);
  memset(l, 0, sizeof *l);
}

/* Opens one entry of the list into m: a folder's file that no decoder recognises is
 * skipped (counted in *skipped), a file given is opened or an error. */
static bk_rc add_entry(bk_merge *m, const bk_input_entry *e, bk_instruments *instr,
                       const bk_feed_opts *opts, size_t *skipped, bk_err *err) {
  bk_feed *f;
  bk_err fe;
  bk_err_clear(&fe);
  bk_rc rc = bk_feed_open(e->path, instr, opts, &f, &fe);
  if (rc == BK_EFORMAT && e->in_folder) {
    if (skipped) (*skipped)++;
    return BK_OK;
  }
  if (rc) {
    if (err) *err = fe;
    return rc;
  }
  rc = bk_merge_add(m, f);
  if (rc && err) *err = m->err;
  return rc;
}

/* The read size of each of n files read together when none was asked for: the default
 * (1 MiB) for up to two; beyond, the buffers of all files (a ring of BK_SOURCE_RING
 * blocks, a compressed chunk and a read ahead of the lines, each of this size) share
 * BK_MERGE_READ_BUDGET, in powers of two of at least 64 KiB. Any size gives the same
 * events; with eight tapes of a day and a depth file, memory was 4 MiB a file. */
static size_t shared_read_size(size_t n) {
  size_t per = n ? BK_MERGE_READ_BUDGET / (n * (BK_SOURCE_RING + 2)) : BK_SOURCE_READ_DEFAULT;
  size_t size = BK_SOURCE_READ_DEFAULT;
  while (size > per && size > BK_MERGE_READ_MIN) size /= 2;
  return size;
}

bk_rc bk_merge_open_paths(const char *const *paths, size_t n, bk_instruments *instruments,
                          const bk_feed_opts *opts, bk_merge **out, size_t *skipped,
                          bk_err *err) {
  *out = NULL;
  if (skipped) *skipped = 0;
  bk_input_list l;
  bk_rc rc = bk_input_list_make(paths, n, &l, err);
  if (rc) return rc;
  bk_merge *m = bk_merge_new();
  if (!m) rc = bk_err_set(err, BK_ENOMEM, "out of memory");
  bk_feed_opts o;
  if (opts) o = *opts;
  else bk_feed_opts_init(&o);
  if (o.read_size == 0) o.read_size = shared_read_size(l.n);
  for (size_t i = 0; i < l.n && !rc; i++) rc = add_entry(m, &l.v[i], instruments, &o, skipped, err);
  bk_input_list_fini(&l);
  if (!rc && m->n == 0)
    rc = bk_err_set(err, BK_ENOINPUT, "%s%s: no market data file to read", n ? paths[0] : "",
                    n > 1 ? " ..." : "");
  if (rc) {
    bk_merge_free(m);
    return rc;
  }
  *out = m;
  return BK_OK;
}
