/*
 * The event cache's file (see cache.h): its checksum, the writer (records streamed
 * through a 1 MiB stdio buffer, the index and header at the end, then a rename) and the
 * reader (the file mapped whole, checked whole before a record is handed out, records
 * copied out in batches). Tuned for replay: reading back a day of events costs a
 * checksum pass and a copy, a few ms per million events.
 */
#include "feeds/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "BKEVCACH"
#define BYTE_ORDER_PROBE UINT32_C(0x01020304)
#define HEADER_BYTES 64
#define NONE UINT64_MAX /* a string that is NULL */

/* One event as stored: the event, the file line of its row, the rank of its file. */
typedef struct rec {
  bk_event ev;
  uint64_t line;
  uint64_t feed;
} rec;

_Static_assert(sizeof(bk_event) == 56, "the cache stores bk_event as 56 bytes");
_Static_assert(sizeof(rec) == 72, "a cache record is 72 bytes");

typedef struct header {
  char magic[8];
  uint32_t version;
  uint32_t byte_order;
  uint32_t rec_size;
  uint32_t header_size;
  uint64_t key_len;
  uint64_t request_len;
  uint64_t nrecs;
  uint64_t index_len;
  uint64_t sum;
} header;

_Static_assert(sizeof(header) == HEADER_BYTES, "the cache header is 64 bytes");

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* ---- checksum ---- */

#define SUM_P UINT64_C(0x9E3779B185EBCA87)

static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

void bk_cache_sum_init(bk_cache_sum *s) {
  memset(s, 0, sizeof *s);
  for (int i = 0; i < 4; i++) s->lane[i] = SUM_P * (uint64_t)(i + 1);
}

static void sum_block(uint64_t lane[4], const unsigned char *p) {
  for (int i = 0; i < 4; i++) {
    uint64_t w;
    memcpy(&w, p + 8 * i, 8);
    lane[i] = rotl((lane[i] ^ w) * SUM_P, 31);
  }
}

void bk_cache_sum_update(bk_cache_sum *s, const void *data, size_t n) {
  const unsigned char *p = data;
  s->len += n;
  if (s->used) {
    size_t k = 32 - s->used < n ? 32 - s->used : n;
    memcpy(s->buf + s->used, p, k);
    s->used += k;
    p += k;
    n -= k;
    if (s->used < 32) return;
    sum_block(s->lane, s->buf);
    s->used = 0;
  }
  for (; n >= 32; p += 32, n -= 32) sum_block(s->lane, p);
  memcpy(s->buf, p, n);
  s->used = n;
}

uint64_t bk_cache_sum_final(const bk_cache_sum *s) {
  uint64_t lane[4] = {s->lane[0], s->lane[1], s->lane[2], s->lane[3]};
  unsigned char last[32] = {0};
  memcpy(last, s->buf, s->used);
  if (s->used) sum_block(lane, last); /* the length below tells a zero tail from none */
  uint64_t h = s->len;
  for (int i = 0; i < 4; i++) h = rotl(h ^ rotl(lane[i] * SUM_P, 29), 27) * SUM_P + 1;
  return h;
}

/* ---- writing ---- */

struct bk_cache_writer {
  FILE *f;
  char *tmp, *path;
  bk_cache_sum sum;
  header h;
  rec **heads;       /* [rank]: the look-ahead's records */
  size_t *nheads;
  size_t nfiles;     /* entries of heads */
  char buf[1 << 20]; /* stdio's buffer */
};

static bk_rc wr(bk_cache_writer *w, const void *p, size_t n, bk_err *err) {
  if (n && fwrite(p, 1, n, w->f) != n)
    return bk_err_set(err, BK_EWRITE, "%s: cannot write the event cache: %s", w->tmp,
                      strerror(errno));
  bk_cache_sum_update(&w->sum, p, n);
  return BK_OK;
}

static bk_rc wr_pad(bk_cache_writer *w, size_t n, bk_err *err) {
  static const char zeros[8];
  return wr(w, zeros, pad8(n) - n, err);
}

static bk_rc wr_u64(bk_cache_writer *w, uint64_t v, bk_err *err) {
  return wr(w, &v, sizeof v, err);
}

/* A string: its length (NONE for NULL), its bytes and a NUL, padded to 8. */
static bk_rc wr_str(bk_cache_writer *w, const char *s, bk_err *err) {
  size_t n = s ? strlen(s) : 0;
  bk_rc rc = wr_u64(w, s ? n : NONE, err);
  if (!rc && s) rc = wr(w, s, n + 1, err);
  return rc ? rc : wr_pad(w, s ? n + 1 : 0, err);
}

static char *join(const char *dir, const char *name, const char *suffix) {
  size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s%s", dir, name, suffix);
  return p;
}

bk_rc bk_cache_create(const char *dir, const bk_cache_key *k, bk_cache_writer **out,
                      bk_err *err) {
  *out = NULL;
  bk_cache_writer *w = calloc(1, sizeof *w);
  char suffix[32];
  snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
  if (!w || !(w->path = join(dir, k->name, "")) || !(w->tmp = join(dir, k->name, suffix))) {
    bk_cache_abort(w);
    return bk_err_set(err, BK_ENOMEM, "out of memory");
  }
  if (!(w->f = fopen(w->tmp, "wb"))) {
    bk_rc rc = bk_err_set(err, BK_EWRITE, "%s: cannot write the event cache: %s", w->tmp,
                          strerror(errno));
    bk_cache_abort(w);
    return rc;
  }
  setvbuf(w->f, w->buf, _IOFBF, sizeof w->buf);
  bk_cache_sum_init(&w->sum);
  memcpy(w->h.magic, MAGIC, 8);
  w->h.version = BK_CACHE_VERSION;
  w->h.byte_order = BYTE_ORDER_PROBE;
  w->h.rec_size = sizeof(rec);
  w->h.header_size = HEADER_BYTES;
  w->h.request_len = k->request_len;
  w->h.key_len = k->request_len + k->inputs_len;
  static const header blank;
  bk_rc rc = fwrite(&blank, sizeof blank, 1, w->f) == 1 ? BK_OK
             : bk_err_set(err, BK_EWRITE, "%s: cannot write the event cache", w->tmp);
  if (!rc) rc = wr(w, k->request, k->request_len, err);
  if (!rc) rc = wr(w, k->inputs, k->inputs_len, err);
  if (!rc) rc = wr_pad(w, (size_t)w->h.key_len, err);
  if (rc) {
    bk_cache_abort(w);
    return rc;
  }
  *out = w;
  return BK_OK;
}

bk_rc bk_cache_put_lookahead(bk_cache_writer *w, size_t rank, const bk_lookahead_file *a,
                             bk_err *err) {
  if (rank >= w->nfiles) {
    size_t n = rank + 1;
    rec **h = realloc(w->heads, n * sizeof *h);
    if (h) w->heads = h;
    size_t *nh = h ? realloc(w->nheads, n * sizeof *nh) : NULL;
    if (!nh) return bk_err_set(err, BK_ENOMEM, "out of memory");
    w->nheads = nh;
    for (size_t i = w->nfiles; i < n; i++) w->heads[i] = NULL, w->nheads[i] = 0;
    w->nfiles = n;
  }
  rec *v = malloc((a->n ? a->n : 1) * sizeof *v);
  if (!v) return bk_err_set(err, BK_ENOMEM, "out of memory");
  for (size_t i = 0; i < a->n; i++) v[i] = (rec){a->evs[i], a->lines[i], rank};
  free(w->heads[rank]);
  w->heads[rank] = v;
  w->nheads[rank] = a->n;
  return BK_OK;
}

bk_rc bk_cache_put(bk_cache_writer *w, const bk_event *evs, const bk_merge_src *src,
                   size_t n, bk_err *err) {
  rec r[256];
  for (size_t i = 0; i < n;) {
    size_t k = 0;
    for (; k < 256 && i < n; k++, i++) r[k] = (rec){evs[i], src[i].line, src[i].feed};
    bk_rc rc = wr(w, r, k * sizeof *r, err);
    if (rc) return rc;
  }
  w->h.nrecs += n;
  return BK_OK;
}

/* The index: instruments, files, look-aheads. */
static bk_rc wr_index(bk_cache_writer *w, const bk_merge *m, const bk_instruments *in,
                      size_t n_open, bk_err *err) {
  bk_rc rc = wr_u64(w, in->n, err);
  if (!rc) rc = wr_u64(w, n_open, err);
  for (size_t i = 0; i < in->n && !rc; i++)
    if (!(rc = wr_str(w, in->v[i].exchange, err))) rc = wr_str(w, in->v[i].symbol, err);
  size_t nf = bk_merge_count(m);
  if (!rc) rc = wr_u64(w, nf, err);
  for (size_t i = 0; i < nf && !rc; i++) {
    const bk_input_file *f = &bk_feed_info_get(bk_merge_feed(m, i))->file;
    const char *s[] = {f->path, f->format, f->codec, f->sha256};
    uint64_t u[] = {f->rows, f->events, (uint64_t)f->first_ts, (uint64_t)f->last_ts,
                    f->clamped, f->gaps, (uint64_t)f->longest_gap_us,
                    (uint64_t)f->longest_gap_end, f->bytes_hashed,
                    i < w->nfiles ? w->nheads[i] : 0};
    for (size_t j = 0; j < 4 && !rc; j++) rc = wr_str(w, s[j], err);
    for (size_t j = 0; j < 10 && !rc; j++) rc = wr_u64(w, u[j], err);
    if (!rc && i < w->nfiles) rc = wr(w, w->heads[i], w->nheads[i] * sizeof(rec), err);
  }
  return rc;
}

bk_rc bk_cache_commit(bk_cache_writer *w, const bk_merge *m, const bk_instruments *instr,
                      size_t n_open, bk_err *err) {
  uint64_t before = w->sum.len;
  bk_rc rc = wr_index(w, m, instr, n_open, err);
  if (!rc) {
    w->h.index_len = w->sum.len - before;
    w->h.sum = bk_cache_sum_final(&w->sum);
    if (fseek(w->f, 0, SEEK_SET) || fwrite(&w->h, sizeof w->h, 1, w->f) != 1 ||
        fflush(w->f) || ferror(w->f))
      rc = bk_err_set(err, BK_EWRITE, "%s: cannot write the event cache: %s", w->tmp,
                      strerror(errno));
  }
  if (!rc) {
    int bad = fclose(w->f);
    w->f = NULL;
    if (bad || rename(w->tmp, w->path))
      rc = bk_err_set(err, BK_EWRITE, "%s: cannot write the event cache: %s", w->path,
                      strerror(errno));
  }
  if (!rc) w->tmp[0] = '\0'; /* renamed: nothing to remove */
  bk_cache_abort(w);
  return rc;
}

void bk_cache_abort(bk_cache_writer *w) {
  if (!w) return;
  if (w->f) fclose(w->f);
  if (w->tmp && w->tmp[0]) remove(w->tmp);
  for (size_t i = 0; i < w->nfiles; i++) free(w->heads[i]);
  free(w->heads);
  free(w->nheads);
  free(w->tmp);
  free(w->path);
  free(w);
}

/* ---- reading ---- */

/* One file as the writing replay reported it, and its look-ahead. */
typedef struct cfile {
  bk_input_file file;
  const rec *head;
  size_t nhead;
} cfile;

struct bk_cache {
  char *path;
  const unsigned char *map;
  size_t size;
  const rec *recs;
  uint64_t nrecs, next;
  size_t ninstr, n_open;
  const char **exchange, **symbol; /* [ninstr], in the map */
  cfile *files;
  size_t nfiles;
  size_t lookahead;                /* the look-ahead's depth (the request's) */
  bk_event *peek_evs;              /* the last look-ahead handed out */
  uint64_t *peek_lines;
};

/* A cursor over the index. */
typedef struct cursor {
  const unsigned char *p, *end;
  int bad;
} cursor;

static uint64_t rd_u64(cursor *c) {
  uint64_t v = 0;
  if (c->end - c->p < 8) c->bad = 1;
  else memcpy(&v, c->p, 8), c->p += 8;
  return v;
}

static const char *rd_str(cursor *c) {
  uint64_t n = rd_u64(c);
  if (c->bad || n == NONE) return NULL;
  uint64_t room = (uint64_t)(c->end - c->p);
  if (n >= room || room < pad8(n + 1) || c->p[n] != '\0') {
    c->bad = 1;
    return NULL;
  }
  const char *s = (const char *)c->p;
  c->p += pad8(n + 1);
  return s;
}

static bk_rc corrupt(const bk_cache *c, bk_err *err, const char *why) {
  return bk_err_set(err, BK_EDATA, "event cache %s is corrupt: %s", c->path, why);
}

static bk_rc rd_index(bk_cache *c, cursor *k, bk_err *err) {
  c->ninstr = rd_u64(k);
  c->n_open = rd_u64(k);
  if (k->bad || c->n_open > c->ninstr || c->ninstr > (size_t)(k->end - k->p) / 16)
    return corrupt(c, err, "its instrument table does not add up");
  c->exchange = calloc(c->ninstr + 1, sizeof *c->exchange);
  c->symbol = calloc(c->ninstr + 1, sizeof *c->symbol);
  if (!c->exchange || !c->symbol) return bk_err_set(err, BK_ENOMEM, "out of memory");
  for (size_t i = 0; i < c->ninstr; i++) {
    c->exchange[i] = rd_str(k);
    c->symbol[i] = rd_str(k);
    if (!c->exchange[i] || !c->symbol[i]) k->bad = 1;
  }
  c->nfiles = rd_u64(k);
  if (k->bad || c->nfiles > (size_t)(k->end - k->p) / 16)
    return corrupt(c, err, "its list of files does not add up");
  if (!(c->files = calloc(c->nfiles + 1, sizeof *c->files)))
    return bk_err_set(err, BK_ENOMEM, "out of memory");
  for (size_t i = 0; i < c->nfiles && !k->bad; i++) {
    bk_input_file *f = &c->files[i].file;
    f->path = rd_str(k);
    f->format = rd_str(k);
    f->codec = rd_str(k);
    f->sha256 = rd_str(k);
    uint64_t u[10];
    for (size_t j = 0; j < 10; j++) u[j] = rd_u64(k);
    *f = (bk_input_file){f->path, f->format, f->codec, u[0], u[1], (int64_t)u[2],
                         (int64_t)u[3], u[4], u[5], (int64_t)u[6], (int64_t)u[7],
                         f->sha256, u[8]};
    c->files[i].nhead = u[9];
    if (!f->path || u[9] > (uint64_t)(k->end - k->p) / sizeof(rec)) k->bad = 1;
    else {
      c->files[i].head = (const rec *)k->p;
      k->p += u[9] * sizeof(rec);
    }
  }
  if (k->bad || k->p != k->end) return corrupt(c, err, "its index does not add up");
  return BK_OK;
}

/* Checks the header against the file's size; BK_EDATA saying what is wrong. */
static bk_rc check_header(bk_cache *c, const header *h, bk_err *err) {
  char why[200];
  if (memcmp(h->magic, MAGIC, 8)) return corrupt(c, err, "it does not start with " MAGIC);
  if (h->version != BK_CACHE_VERSION) {
    snprintf(why, sizeof why, "format version %u, this program reads version %d",
             (unsigned)h->version, BK_CACHE_VERSION);
    return corrupt(c, err, why);
  }
  if (h->byte_order != BYTE_ORDER_PROBE || h->rec_size != sizeof(rec) ||
      h->header_size != HEADER_BYTES)
    return corrupt(c, err, "it was written with another byte order or record layout");
  uint64_t room = c->size - HEADER_BYTES;
  if (h->request_len > h->key_len || h->key_len > room || h->nrecs > room / sizeof(rec) ||
      h->index_len > room ||
      pad8(h->key_len) + h->nrecs * sizeof(rec) + h->index_len != room) {
    snprintf(why, sizeof why, "it holds %llu bytes, not what its header describes "
                              "(truncated or overwritten)", (unsigned long long)c->size);
    return corrupt(c, err, why);
  }
  return BK_OK;
}

/* Maps the file; BK_EOF when there is none. */
static bk_rc map_file(bk_cache *c, bk_err *err) {
  int fd = open(c->path, O_RDONLY);
  if (fd < 0) {
    if (errno == ENOENT) return BK_EOF;
    return bk_err_set(err, BK_EIO, "%s: cannot read the event cache: %s", c->path,
                      strerror(errno));
  }
  struct stat st;
  bk_rc rc = BK_OK;
  if (fstat(fd, &st) || !S_ISREG(st.st_mode))
    rc = bk_err_set(err, BK_EIO, "%s: cannot read the event cache: not a regular file", c->path);
  else if ((c->size = (size_t)st.st_size) < HEADER_BYTES)
    rc = corrupt(c, err, "it is shorter than its header");
  else if ((c->map = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
    c->map = NULL;
    rc = bk_err_set(err, BK_EIO, "%s: cannot map the event cache: %s", c->path,
                    strerror(errno));
  }
  close(fd);
  return rc;
}

/* Header, checksum, request, inputs; then the index. */
static bk_rc check(bk_cache *c, const bk_cache_key *k, bk_err *err) {
  header h;
  memcpy(&h, c->map, sizeof h);
  bk_rc rc = check_header(c, &h, err);
  if (rc) return rc;
  bk_cache_sum s;
  bk_cache_sum_init(&s);
  bk_cache_sum_update(&s, c->map + HEADER_BYTES, c->size - HEADER_BYTES);
  if (bk_cache_sum_final(&s) != h.sum)
    return corrupt(c, err, "its checksum does not match its contents");
  const char *key = (const char *)c->map + HEADER_BYTES;
  if (h.request_len != k->request_len || memcmp(key, k->request, k->request_len))
    return bk_err_set(err, BK_EDATA, "event cache %s is stale: it was written for other "
                                     "inputs or options", c->path);
  char why[600];
  if (bk_cache_inputs_differ(key + h.request_len, h.key_len - h.request_len, k, why,
                             sizeof why))
    return bk_err_set(err, BK_EDATA, "event cache %s is stale: %s", c->path, why);
  c->recs = (const rec *)(c->map + HEADER_BYTES + pad8(h.key_len));
  c->nrecs = h.nrecs;
  cursor cur = {(const unsigned char *)(c->recs + c->nrecs),
                (const unsigned char *)(c->recs + c->nrecs) + h.index_len, 0};
  return rd_index(c, &cur, err);
}

/* Interns instruments [from, to) and checks each gets its recorded id. */
static bk_rc intern(bk_cache *c, bk_instruments *instr, size_t from, size_t to,
                    bk_err *err) {
  for (size_t i = from; i < to; i++) {
    uint32_t id;
    bk_rc rc = bk_instr_intern(instr, c->exchange[i], strlen(c->exchange[i]), c->symbol[i],
                               strlen(c->symbol[i]), &id);
    if (rc) return bk_err_set(err, rc, "event cache %s: instrument %s %s: %s", c->path,
                              c->exchange[i], c->symbol[i], bk_rc_name(rc));
    if (id != i) return corrupt(c, err, "its instrument table names one twice");
  }
  return BK_OK;
}

bk_rc bk_cache_open(const char *dir, const bk_cache_key *k, bk_instruments *instr,
                    bk_cache **out, bk_err *err) {
  *out = NULL;
  bk_cache *c = calloc(1, sizeof *c);
  if (!c || !(c->path = join(dir, k->name, ""))) {
    bk_cache_free(c);
    return bk_err_set(err, BK_ENOMEM, "out of memory");
  }
  c->lookahead = k->lookahead;
  bk_rc rc = map_file(c, err);
  if (!rc) rc = check(c, k, err);
  if (!rc) rc = intern(c, instr, 0, c->n_open, err);
  if (rc) {
    bk_cache_free(c);
    return rc;
  }
  *out = c;
  return BK_OK;
}

const char *bk_cache_path(const bk_cache *c) { return c->path; }

static bk_rc cache_peek(void *ctx, size_t file, size_t max, bk_lookahead_file *out,
                        bk_err *err) {
  bk_cache *c = ctx;
  memset(out, 0, sizeof *out);
  if (file >= c->nfiles || max > c->lookahead)
    return bk_err_set(err, BK_EUSAGE, "event cache %s: a look-ahead of %zu events at file "
                      "%zu, beyond what it recorded", c->path, max, file);
  const cfile *f = &c->files[file];
  size_t n = f->nhead < max ? f->nhead : max;
  bk_event *evs = realloc(c->peek_evs, (n ? n : 1) * sizeof *evs);
  if (evs) c->peek_evs = evs;
  uint64_t *lines = evs ? realloc(c->peek_lines, (n ? n : 1) * sizeof *lines) : NULL;
  if (!lines) return bk_err_set(err, BK_ENOMEM, "out of memory");
  c->peek_lines = lines;
  for (size_t i = 0; i < n; i++) {
    evs[i] = f->head[i].ev;
    lines[i] = f->head[i].line;
  }
  *out = (bk_lookahead_file){f->file.path, evs, lines, n};
  return BK_OK;
}

bk_lookahead bk_cache_lookahead(bk_cache *c) {
  return (bk_lookahead){.nfiles = c->nfiles, .peek = cache_peek, .ctx = c};
}

bk_rc bk_cache_instruments(bk_cache *c, bk_instruments *instr, bk_err *err) {
  return intern(c, instr, c->n_open, c->ninstr, err);
}

bk_rc bk_cache_next_batch_at(bk_cache *c, bk_event *evs, bk_merge_src *src, size_t cap,
                             size_t *n, bk_err *err) {
  uint64_t left = c->nrecs - c->next;
  size_t k = left < cap ? (size_t)left : cap;
  const rec *r = c->recs + c->next;
  for (size_t i = 0; i < k; i++) {
    if (r[i].ev.instr >= c->ninstr || r[i].ev.kind >= BK_EV_KINDS || r[i].ev.side > BK_ASK ||
        r[i].feed >= c->nfiles) {
      *n = 0;
      char why[80];
      snprintf(why, sizeof why, "record %llu names no instrument, kind, side or file of it",
               (unsigned long long)(c->next + i));
      return corrupt(c, err, why);
    }
    evs[i] = r[i].ev;
    src[i] = (bk_merge_src){(size_t)r[i].feed, r[i].line};
  }
  c->next += k;
  *n = k;
  return k ? BK_OK : BK_EOF;
}

size_t bk_cache_nfiles(const bk_cache *c) { return c->nfiles; }

const bk_input_file *bk_cache_file(const bk_cache *c, size_t rank) {
  return rank < c->nfiles ? &c->files[rank].file : NULL;
}

void bk_cache_progress(const bk_cache *c, uint64_t *done, uint64_t *total) {
  *done = c->next * sizeof(rec);
  *total = c->nrecs * sizeof(rec);
}

void bk_cache_free(bk_cache *c) {
  if (!c) return;
  if (c->map) munmap((void *)c->map, c->size);
  free(c->exchange);
  free(c->symbol);
  free(c->files);
  free(c->peek_evs);
  free(c->peek_lines);
  free(c->path);
  free(c);
}
