/*
 * The two reads of a run's data that scenario inference needs (see datascan.h). Both go
 * file by file through the feeds' batch decoder, with hashing off.
 */
#include "config/datascan.h"

#include <stdlib.h>
#include <string.h>

#include "engine/account.h"
#include "engine/sim.h"
#include "feeds/merge.h"

#define SCAN_BATCH 4096

/* Called for each batch of one file's events; a non-zero return stops the read (BK_EOF:
 * this file is done, the next one follows). */
typedef bk_rc (*scan_fn)(void *ctx, size_t file, const bk_event *ev, size_t n);

bk_rc bk_datascan_open(const char *const *paths, size_t n, const bk_feed_opts *fo,
                       bk_instruments *instr, bk_merge **m, bk_err *err) {
  bk_feed_opts o = *fo;
  o.no_hash = 1;
  return bk_merge_open_paths(paths, n, instr, &o, m, NULL, err);
}

/* Reads each feed of m to its end (or until fn stops it), file by file. */
static bk_rc read_files(bk_merge *m, bk_datascan *ds, scan_fn fn, void *ctx, bk_err *err) {
  bk_rc rc = BK_OK;
  bk_event *ev = malloc(SCAN_BATCH * sizeof *ev);
  if (!ev) rc = bk_err_set(err, BK_ENOMEM, "out of memory");
  for (size_t f = 0; f < bk_merge_count(m) && !rc; f++) {
    bk_feed *feed = bk_merge_feed(m, f);
    size_t got = 0;
    while ((rc = bk_feed_next_batch(feed, ev, SCAN_BATCH, &got)) == BK_OK &&
           (rc = fn(ctx, f, ev, got)) == BK_OK) {
    }
    if (rc == BK_EOF) rc = BK_OK;
    else if (bk_feed_error(feed)->rc) *err = *bk_feed_error(feed);
    if (!rc && ds->nfiles < bk_merge_count(m)) { /* the first pass keeps the files */
      const bk_feed_info *fi = bk_feed_info_get(feed);
      bk_scan_file *sf = &ds->files[ds->nfiles];
      if (!(sf->path = strdup(fi->file.path))) rc = bk_err_set(err, BK_ENOMEM, "out of memory");
      sf->first_ts = fi->file.first_ts;
      sf->last_ts = fi->file.last_ts;
      sf->events = fi->file.events;
      ds->nfiles++;
    }
  }
  free(ev);
  return rc;
}

/* Grows ds->instr to the instruments interned so far. */
static bk_rc cover(bk_datascan *ds, const bk_instruments *instr) {
  if (ds->ninstr >= instr->n) return BK_OK;
  bk_scan_instr *v = realloc(ds->instr, instr->n * sizeof *v);
  if (!v) return BK_ENOMEM;
  memset(v + ds->ninstr, 0, (instr->n - ds->ninstr) * sizeof *v);
  ds->instr = v;
  ds->ninstr = instr->n;
  return BK_OK;
}

typedef struct span_ctx {
  bk_datascan *ds;
  bk_instruments *instr;
} span_ctx;

static bk_rc span_batch(void *ctx, size_t file, const bk_event *ev, size_t n) {
  (void)file;
  span_ctx *c = ctx;
  if (cover(c->ds, c->instr)) return BK_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    bk_scan_instr *s = &c->ds->instr[ev[i].instr];
    if (ev[i].kind == BK_EV_SNAPSHOT) s->book = 1;
    else if (ev[i].kind == BK_EV_DEPTH) s->depth = 1;
    else if (ev[i].kind == BK_EV_MARK) s->marks = 1;
  }
  return BK_OK;
}

bk_rc bk_datascan_span(bk_merge *m, bk_instruments *instr, bk_datascan *ds, bk_err *err) {
  memset(ds, 0, sizeof *ds);
  size_t nf = bk_merge_count(m);
  if (!(ds->files = calloc(nf ? nf : 1, sizeof *ds->files)))
    return bk_err_set(err, BK_ENOMEM, "out of memory");
  span_ctx c = {ds, instr};
  bk_rc rc = read_files(m, ds, span_batch, &c, err);
  if (rc == BK_ENOMEM && !err->rc) bk_err_set(err, rc, "out of memory");
  if (rc) return rc;
  if ((rc = cover(ds, instr))) return bk_err_set(err, rc, "out of memory");
  for (size_t f = 0; f < ds->nfiles; f++) {
    const bk_scan_file *sf = &ds->files[f];
    if (!sf->events) continue;
    if (!ds->first_ts || sf->first_ts < ds->first_ts) ds->first_ts = sf->first_ts;
    if (sf->last_ts > ds->last_ts) ds->last_ts = sf->last_ts;
  }
  return BK_OK;
}

typedef struct warm_ctx {
  bk_datascan *ds;
  const bk_specs *sp;
  int64_t from;
} warm_ctx;

static bk_rc warm_batch(void *ctx, size_t file, const bk_event *ev, size_t n) {
  (void)file;
  warm_ctx *c = ctx;
  for (size_t i = 0; i < n; i++) {
    if (ev[i].ts >= c->from) return BK_EOF; /* a file's times only go forward */
    uint32_t k = ev[i].instr < c->sp->ninstruments ? c->sp->contract_of[ev[i].instr]
                                                   : BK_SIM_NONE;
    if (k == BK_SIM_NONE) continue;
    bk_scan_instr *s = &c->ds->instr[ev[i].instr];
    if (ev[i].kind == BK_EV_TRADE) {
      int64_t x;
      if (bk_pos_notional(&c->sp->contracts[k], ev[i].qty, ev[i].price, &x) ||
          bk_add(s->warm_notional, x, &s->warm_notional))
        return BK_ERANGE;
      s->warm_trades++;
      if (!s->marks) s->price = ev[i].price;
    } else if (ev[i].kind == BK_EV_MARK) {
      s->price = ev[i].price;
    } else if (ev[i].kind == BK_EV_OI) {
      s->have_oi = 1;
      s->oi = ev[i].qty;
    }
  }
  return BK_OK;
}

bk_rc bk_datascan_warmup(const char *const *paths, size_t n, const bk_feed_opts *fo,
                         bk_instruments *instr, const bk_specs *sp, int64_t from,
                         bk_datascan *ds, bk_err *err) {
  warm_ctx c = {ds, sp, from};
  bk_merge *m = NULL;
  bk_rc rc = bk_datascan_open(paths, n, fo, instr, &m, err);
  if (!rc) rc = read_files(m, ds, warm_batch, &c, err);
  bk_merge_free(m);
  if (rc == BK_ERANGE && !err->rc)
    bk_err_set(err, rc, "the warm-up's traded notional overflows");
  return rc;
}

void bk_datascan_fini(bk_datascan *ds) {
  for (size_t f = 0; f < ds->nfiles; f++) free(ds->files[f].path);
  free(ds->files);
  free(ds->instr);
  memset(ds, 0, sizeof *ds);
}
