/*
 * The event cache's key (see cache.h): the request that names a cache file and the
 * identity of every input that tells whether it is stale. Both are text, one item a line,
 * strings written as <length>:<bytes> so that any path round-trips; the inputs text is
 * compared line by line to say which file changed and how.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "feeds/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/sha256.h"

/* A growing text. */
typedef struct text {
  char *p;
  size_t n, cap;
  int oom;
} text;

static void put(text *t, const char *fmt, ...) {
  va_list ap;
  for (int tries = 0; tries < 2 && !t->oom; tries++) {
    va_start(ap, fmt);
    int k = vsnprintf(t->p ? t->p + t->n : NULL, t->p ? t->cap - t->n : 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
      t->oom = 1;
      return;
    }
    if (t->p && (size_t)k < t->cap - t->n) {
      t->n += (size_t)k;
      return;
    }
    size_t cap = (t->cap + (size_t)k + 1) * 2;
    char *np = realloc(t->p, cap);
    if (!np) {
      t->oom = 1;
      return;
    }
    t->p = np;
    t->cap = cap;
  }
}

/* A string as <length>:<bytes>. */
static void put_str(text *t, const char *s) {
  s = s ? s : "";
  put(t, "%zu:%s", strlen(s), s);
}

/* The SHA-256 of the first and last BK_CACHE_END_BYTES bytes of an open file of size sz
 * (the whole file when it is shorter than both), as hex. -1 when a read fails. */
static int ends_digest(int fd, uint64_t sz, char hex[65]) {
  static const size_t end = BK_CACHE_END_BYTES;
  unsigned char buf[BK_CACHE_END_BYTES], d[32];
  bk_sha256 c;
  bk_sha256_init(&c);
  uint64_t spans[2][2] = {{0, sz < end ? sz : end}, {sz > 2 * end ? sz - end : end, sz}};
  for (int i = 0; i < 2; i++)
    for (uint64_t at = spans[i][0]; at < spans[i][1];) {
      ssize_t k = pread(fd, buf, (size_t)(spans[i][1] - at), (off_t)at);
      if (k <= 0) return -1;
      bk_sha256_update(&c, buf, (size_t)k);
      at += (uint64_t)k;
    }
  bk_sha256_final(&c, d);
  bk_sha256_hex(d, hex);
  return 0;
}

/* One input's identity line. */
static void put_input(text *t, const char *path) {
  put(t, "file ");
  put_str(t, path);
  struct stat st;
  if (stat(path, &st) != 0) {
    put(t, " missing\n");
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    put(t, " not-a-regular-file\n");
    return;
  }
  char hex[65];
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  int ok = fd >= 0 && ends_digest(fd, (uint64_t)st.st_size, hex) == 0;
  if (fd >= 0) close(fd);
  if (!ok) {
    put(t, " unreadable\n");
    return;
  }
  put(t, " size %" PRIu64 " mtime %lld.%09ld inode %" PRIu64 " device %" PRIu64 " ends %s\n",
      (uint64_t)st.st_size, (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec,
      (uint64_t)st.st_ino, (uint64_t)st.st_dev, hex);
}

static void put_request(text *t, const bk_cache_req *r) {
  const bk_feed_opts *o = r->feed;
  put(t, "backstop event cache %d\nproducer ", BK_CACHE_VERSION);
  put_str(t, r->producer);
  for (size_t i = 0; i < r->npaths; i++) {
    char real[PATH_MAX];
    put(t, "\npath ");
    put_str(t, r->paths[i]);
    put(t, " ");
    put_str(t, realpath(r->paths[i], real) ? real : "");
  }
  put(t, "\nstrict %d\nmax_line %zu\ngap_us %" PRId64 "\nhash %d\nexchange ", o->strict,
      o->max_line, o->gap_us, !o->no_hash);
  put_str(t, o->exchange);
  put(t, "\nsymbol ");
  put_str(t, o->symbol);
  put(t, "\nto %" PRId64 "\nlookahead %zu\n", r->to, r->lookahead);
}

bk_rc bk_cache_key_make(const bk_cache_req *r, bk_cache_key *k, bk_err *err) {
  memset(k, 0, sizeof *k);
  bk_input_list l;
  bk_rc rc = bk_input_list_make(r->paths, r->npaths, &l, err);
  if (rc) return rc;
  text req = {0}, in = {0};
  put_request(&req, r);
  for (size_t i = 0; i < l.n; i++) put_input(&in, l.v[i].path);
  bk_input_list_fini(&l);
  if (req.oom || in.oom || !req.p || !in.p) {
    free(req.p);
    free(in.p);
    return bk_err_set(err, BK_ENOMEM, "out of memory");
  }
  char hex[65];
  bk_sha256_of(req.p, req.n, hex);
  *k = (bk_cache_key){req.p, req.n, in.p, in.n, r->lookahead, {0}};
  snprintf(k->name, sizeof k->name, "%.16s.bkev", hex);
  return BK_OK;
}

void bk_cache_key_fini(bk_cache_key *k) {
  free(k->request);
  free(k->inputs);
  memset(k, 0, sizeof *k);
}

/* The line at *at of s (n bytes) into *line, *len (without its newline); advances *at.
 * 0 at the end. */
static int next_line(const char *s, size_t n, size_t *at, const char **line, size_t *len) {
  if (*at >= n) return 0;
  const char *nl = memchr(s + *at, '\n', n - *at);
  *line = s + *at;
  *len = nl ? (size_t)(nl - *line) : n - *at;
  *at += *len + 1;
  return 1;
}

/* An identity line's path and what follows it ("file <len>:<path> <rest>"). */
static void split_input(const char *line, size_t len, const char **path, int *plen,
                        const char **rest, size_t *rlen) {
  char *end;
  unsigned long long k = strtoull(line + 5, &end, 10);
  size_t off = (size_t)(end - line) + 1;
  if (len < 5 || off > len || k > len - off) k = 0, off = len; /* not ours: no path */
  *path = line + off;
  *plen = (int)k;
  *rest = line + off + k;
  *rlen = len - off - (size_t)k;
}

/* The first occurrence of key in the n bytes at s, or NULL. */
static const char *find(const char *s, size_t n, const char *key) {
  size_t k = strlen(key);
  for (size_t i = 0; i + k <= n; i++)
    if (!memcmp(s + i, key, k)) return s + i;
  return NULL;
}

/* The length of the word at s, before a space or end. */
static size_t word(const char *s, const char *end) {
  size_t k = 0;
  while (s + k < end && s[k] != ' ') k++;
  return k;
}

/* Appends to why the names of the fields ("size", "mtime", ...) whose values differ
 * between two rests of identity lines ("size N mtime T ..."). */
static void changed_fields(const char *a, size_t an, const char *b, size_t bn, char *why,
                           size_t cap) {
  size_t w = strlen(why);
  const char *names[] = {"size", "mtime", "inode", "device", "ends"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char key[16];
    snprintf(key, sizeof key, " %s ", names[i]);
    const char *pa = find(a, an, key), *pb = find(b, bn, key);
    size_t la = pa ? word(pa + strlen(key), a + an) : 0;
    size_t lb = pb ? word(pb + strlen(key), b + bn) : 0;
    if (pa && pb && la == lb && !memcmp(pa + strlen(key), pb + strlen(key), la)) continue;
    int k = snprintf(why + w, w < cap ? cap - w : 0, "%s%s", why[0] ? ", " : "", names[i]);
    if (k > 0) w += (size_t)k;
  }
}

/* 1 when the inputs text s (n bytes) has a line for the path of identity line l. */
static int listed(const char *s, size_t n, const char *l) {
  const char *sp = strchr(l, ':');
  size_t plen = (size_t)strtoull(l + 5, NULL, 10);
  size_t head = (size_t)(sp - l) + 1 + plen; /* "file <len>:<path>" */
  for (size_t at = 0; at < n;) {
    const char *line;
    size_t len;
    next_line(s, n, &at, &line, &len);
    if (len > head && !memcmp(line, l, head) && line[head] == ' ') return 1;
  }
  return 0;
}

int bk_cache_inputs_differ(const char *was, size_t was_len, const bk_cache_key *k, char *why,
                           size_t cap) {
  size_t ia = 0, ib = 0, la, lb;
  const char *a, *b;
  why[0] = '\0';
  for (;;) {
    int ha = next_line(was, was_len, &ia, &a, &la), hb = next_line(k->inputs, k->inputs_len, &ib, &b, &lb);
    if (!ha && !hb) return 0;
    if (ha && hb && la == lb && !memcmp(a, b, la)) continue;
    const char *pa = "", *pb = "", *ra = "", *rb = "";
    int na = 0, nb = 0;
    size_t rla = 0, rlb = 0;
    if (ha) split_input(a, la, &pa, &na, &ra, &rla);
    if (hb) split_input(b, lb, &pb, &nb, &rb, &rlb);
    if (!ha) snprintf(why, cap, "%.*s is new", nb, pb);
    else if (!hb) snprintf(why, cap, "%.*s is gone", na, pa);
    else if (!listed(was, was_len, b))
      snprintf(why, cap, "%.*s is new", nb, pb);
    else if (!listed(k->inputs, k->inputs_len, a))
      snprintf(why, cap, "%.*s is gone", na, pa);
    else if (na != nb || memcmp(pa, pb, (size_t)na))
      snprintf(why, cap, "the inputs changed order: %.*s stands where %.*s was", nb, pb, na, pa);
    else if (rlb && !memchr(rb + 1, ' ', rlb - 1))
      snprintf(why, cap, "%.*s is now %.*s", nb, pb, (int)rlb - 1, rb + 1);
    else {
      char fields[64] = "";
      changed_fields(ra, rla, rb, rlb, fields, sizeof fields);
      snprintf(why, cap, "%.*s changed since the cache was written (%s)", nb, pb, fields);
    }
    return 1;
  }
}
