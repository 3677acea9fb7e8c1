/*
 * The read of a run's data that scenario inference needs (see datascan.h), file by file
 * through the feeds' batch decoder with hashing off, and the warm-up buckets it fills.
 */
#include "config/datascan.h"

#include <stdlib.h>
#include <string.h>

#include "engine/account.h"
#include "engine/clock.h"
#include "engine/sim.h"
#include "feeds/merge.h"

#define SCAN_BATCH 4096

/* What one bucket of one contract's events holds. A "last" value is the one with the
 * highest place in the read (seq, from 1; 0: none), the one a read of each file in turn up
 * to a time would end on. */
typedef struct bk_scan_bucket {
  int64_t notional; /* traded, as the simulation sums it */
  uint64_t trades;
  int overflow;     /* the notional does not fit */
  int64_t trade_price, mark, oi;
  uint64_t trade_seq, mark_seq, oi_seq;
} bk_scan_bucket;

/* Bucket widths, each a multiple of the one before. */
static const int64_t widths_s[] = {1, 60, 300, 3600};

bk_rc bk_datascan_open(const char *const *paths, size_t n, const bk_feed_opts *fo,
                       bk_instruments *instr, bk_merge **m, bk_err *err) {
  bk_feed_opts o = *fo;
  o.no_hash = 1;
  return bk_merge_open_paths(paths, n, instr, &o, m, NULL, err);
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

typedef struct scan_ctx {
  bk_datascan *ds;
  bk_instruments *instr;
  const bk_specs *sp;
  bk_scan_grid grid;
} scan_ctx;

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

/* b absorbs o (a bucket of later or earlier times in the same wider bucket). */
static void merge_bucket(bk_scan_bucket *b, const bk_scan_bucket *o) {
  b->overflow |= o->overflow || bk_add(b->notional, o->notional, &b->notional);
  b->trades += o->trades;
  if (o->trade_seq > b->trade_seq) b->trade_price = o->trade_price, b->trade_seq = o->trade_seq;
  if (o->mark_seq > b->mark_seq) b->mark = o->mark, b->mark_seq = o->mark_seq;
  if (o->oi_seq > b->oi_seq) b->oi = o->oi, b->oi_seq = o->oi_seq;
}

/* Regroups s's buckets from width w to the wider wn (a multiple of w), in place: bucket
 * i goes to a bucket j <= i, and every bucket before i has been read when j is written. */
static void widen(bk_scan_instr *s, int64_t w, int64_t wn) {
  if (!s->nbucket) return;
  int64_t nbase = floor_div(s->base * w, wn);
  size_t last = SIZE_MAX;
  for (size_t i = 0; i < s->nbucket; i++) {
    bk_scan_bucket b = s->bucket[i];
    size_t j = (size_t)(floor_div((s->base + (int64_t)i) * w, wn) - nbase);
    if (j != last) s->bucket[j] = b;
    else merge_bucket(&s->bucket[j], &b);
    last = j;
  }
  s->base = nbase;
  s->nbucket = last + 1;
}

/* The widest bucket width that divides the grid of the span of times read so far (with
 * the batch's times lo..hi), and every instrument's buckets regrouped to it. */
static void fit_width(scan_ctx *c, int64_t lo, int64_t hi) {
  bk_datascan *ds = c->ds;
  if (!ds->width || lo < ds->seen_first) ds->seen_first = lo;
  if (!ds->width || hi > ds->seen_last) ds->seen_last = hi;
  int64_t grid = c->grid(ds->seen_last - ds->seen_first), w = BK_US_PER_S;
  for (size_t i = 0; i < sizeof widths_s / sizeof *widths_s; i++)
    if (widths_s[i] * BK_US_PER_S <= grid) w = widths_s[i] * BK_US_PER_S;
  if (ds->width && w > ds->width)
    for (size_t k = 0; k < ds->ninstr; k++) widen(&ds->instr[k], ds->width, w);
  if (w > ds->width) ds->width = w;
}

/* The bucket of s holding time ts, added (empty) when new; NULL without memory. */
static bk_scan_bucket *bucket_at(bk_scan_instr *s, int64_t width, int64_t ts) {
  int64_t at = floor_div(ts, width);
  if (!s->nbucket) s->base = at;
  int64_t lo = at < s->base ? at : s->base;
  int64_t hi = at >= s->base + (int64_t)s->nbucket ? at + 1 : s->base + (int64_t)s->nbucket;
  size_t need = (size_t)(hi - lo), front = (size_t)(s->base - lo);
  if (need > s->capbucket) {
    size_t cap = need > 2 * s->capbucket ? need : 2 * s->capbucket;
    bk_scan_bucket *v = realloc(s->bucket, cap * sizeof *v);
    if (!v) return NULL;
    s->bucket = v;
    s->capbucket = cap;
  }
  if (front) memmove(s->bucket + front, s->bucket, s->nbucket * sizeof *s->bucket);
  memset(s->bucket, 0, front * sizeof *s->bucket);
  memset(s->bucket + front + s->nbucket, 0, (need - front - s->nbucket) * sizeof *s->bucket);
  s->base = lo;
  s->nbucket = need;
  return &s->bucket[at - lo];
}

/* Puts one event of contract k into its bucket. */
static bk_rc bucket_event(scan_ctx *c, uint32_t k, const bk_event *ev) {
  bk_datascan *ds = c->ds;
  bk_scan_bucket *b = bucket_at(&ds->instr[ev->instr], ds->width, ev->ts);
  if (!b) return BK_ENOMEM;
  uint64_t seq = ++ds->seq;
  if (ev->kind == BK_EV_TRADE) {
    int64_t x;
    b->overflow |= bk_pos_notional(&c->sp->contracts[k], ev->qty, ev->price, &x) ||
                   bk_add(b->notional, x, &b->notional);
    b->trades++;
    b->trade_price = ev->price;
    b->trade_seq = seq;
  } else if (ev->kind == BK_EV_MARK) {
    b->mark = ev->price;
    b->mark_seq = seq;
  } else if (ev->kind == BK_EV_OI) {
    b->oi = ev->qty;
    b->oi_seq = seq;
  }
  return BK_OK;
}

static bk_rc scan_batch(scan_ctx *c, const bk_event *ev, size_t n) {
  if (cover(c->ds, c->instr)) return BK_ENOMEM;
  if (n) fit_width(c, ev[0].ts, ev[n - 1].ts); /* a file's times only go forward */
  for (size_t i = 0; i < n; i++) {
    bk_scan_instr *s = &c->ds->instr[ev[i].instr];
    if (ev[i].kind == BK_EV_SNAPSHOT) s->book = 1;
    else if (ev[i].kind == BK_EV_DEPTH) s->depth = 1;
    else if (ev[i].kind == BK_EV_MARK) s->marks = 1;
    uint32_t k = ev[i].instr < c->sp->ninstruments ? c->sp->contract_of[ev[i].instr]
                                                   : BK_SIM_NONE;
    if (k != BK_SIM_NONE && bucket_event(c, k, &ev[i])) return BK_ENOMEM;
  }
  return BK_OK;
}

/* Reads each feed of m to its end, file by file, handing each batch to scan_batch. */
static bk_rc read_files(bk_merge *m, scan_ctx *c, bk_err *err) {
  bk_datascan *ds = c->ds;
  bk_rc rc = BK_OK;
  bk_event *ev = malloc(SCAN_BATCH * sizeof *ev);
  if (!ev) rc = bk_err_set(err, BK_ENOMEM, "out of memory");
  for (size_t f = 0; f < bk_merge_count(m) && !rc; f++) {
    bk_feed *feed = bk_merge_feed(m, f);
    size_t got = 0;
    while ((rc = bk_feed_next_batch(feed, ev, SCAN_BATCH, &got)) == BK_OK &&
           (rc = scan_batch(c, ev, got)) == BK_OK) {
    }
    if (rc == BK_EOF) rc = BK_OK;
    else if (bk_feed_error(feed)->rc) *err = *bk_feed_error(feed);
    if (!rc) {
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

bk_rc bk_datascan_span(bk_merge *m, bk_instruments *instr, const bk_specs *sp,
                       bk_scan_grid grid, bk_datascan *ds, bk_err *err) {
  memset(ds, 0, sizeof *ds);
  size_t nf = bk_merge_count(m);
  if (!(ds->files = calloc(nf ? nf : 1, sizeof *ds->files)))
    return bk_err_set(err, BK_ENOMEM, "out of memory");
  scan_ctx c = {ds, instr, sp, grid};
  bk_rc rc = read_files(m, &c, err);
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

bk_rc bk_datascan_warmup(bk_datascan *ds, const bk_specs *sp, int64_t from, bk_err *err) {
  if (!ds->width) return BK_OK; /* no event read */
  for (size_t i = 0; i < ds->ninstr && i < sp->ninstruments; i++) {
    bk_scan_instr *s = &ds->instr[i];
    if (sp->contract_of[i] == BK_SIM_NONE) continue;
    bk_scan_bucket sum; /* of the buckets before from */
    memset(&sum, 0, sizeof sum);
    int64_t end = floor_div(from, ds->width) - s->base;
    for (size_t j = 0; (int64_t)j < end && j < s->nbucket; j++) merge_bucket(&sum, &s->bucket[j]);
    if (sum.overflow) return bk_err_set(err, BK_ERANGE, "the warm-up's traded notional overflows");
    s->warm_notional = sum.notional;
    s->warm_trades = sum.trades;
    s->price = s->marks ? sum.mark : sum.trade_price; /* a mark, else a trade */
    s->have_oi = sum.oi_seq != 0;
    s->oi = sum.oi;
  }
  return BK_OK;
}

void bk_datascan_fini(bk_datascan *ds) {
  for (size_t f = 0; f < ds->nfiles; f++) free(ds->files[f].path);
  for (size_t i = 0; i < ds->ninstr; i++) free(ds->instr[i].bucket);
  free(ds->files);
  free(ds->instr);
  memset(ds, 0, sizeof *ds);
}
