/*
 * Byte sources (see source.h): opening a file, telling its codec from its magic bytes,
 * plain reads, and the optional decompression thread.
 *
 * Tuned for one long sequential pass over a compressed file of hundreds of MB: reads of
 * a fixed chunk (1 MiB by default) and, when threaded, a ring of 4 blocks between one
 * producer (the codec) and one consumer (the line reader). The producer fills whole
 * blocks, so the hand-off costs one lock per MiB; the consumer copies out of a block,
 * so the bytes it sees do not depend on the block size or on the thread.
 */
#include "feeds/source_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void bk_source_opts_init(bk_source_opts *o) {
  o->read_size = BK_SOURCE_READ_DEFAULT;
  o->threaded = 0;
  o->no_hash = 0;
}

const char *bk_codec_name(bk_codec c) {
  switch (c) {
  case BK_CODEC_PLAIN: return "plain";
  case BK_CODEC_GZIP: return "gzip";
  case BK_CODEC_ZSTD: return "zstd";
  case BK_CODEC_ZIP: return "zip";
  }
  return "unknown";
}

bk_rc bk_src_file_read(bk_source *s, unsigned char *buf, size_t cap, size_t *got) {
  *got = 0;
  for (;;) {
    ssize_t n = read(s->fd, buf, cap);
    if (n > 0) {
      *got = (size_t)n;
      s->file_pos += (uint64_t)n;
      if (s->hashing) bk_sha256_update(&s->hash, buf, (size_t)n);
      return BK_OK;
    }
    if (n == 0) {
      s->raw_eof = 1;
      return BK_EOF;
    }
    if (errno == EINTR) continue;
    return bk_err_set(&s->perr, BK_EIO, "%s: read failed at byte %llu: %s", s->path,
                      (unsigned long long)s->file_pos, strerror(errno));
  }
}

/* Plain text: the file's bytes are the data. */
static bk_rc plain_open(bk_source *s) {
  (void)s;
  return BK_OK;
}

static bk_rc plain_read(bk_source *s, unsigned char *buf, size_t cap, size_t *got) {
  bk_rc rc = bk_src_file_read(s, buf, cap, got);
  s->prod_in = s->file_pos;
  return rc;
}

static void plain_close(bk_source *s) { (void)s; }

const bk_codec_ops bk_codec_plain_ops = {plain_open, plain_read, plain_close};

/* Tells the codec from the first bytes of the file. */
static bk_codec detect(const unsigned char *m, size_t n) {
  if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) return BK_CODEC_GZIP;
  if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
    return BK_CODEC_ZSTD;
  /* a zstd skippable frame (magic 0x184D2A5?) may open a zstd file */
  if (n >= 4 && (m[0] & 0xf0) == 0x50 && m[1] == 0x2a && m[2] == 0x4d && m[3] == 0x18)
    return BK_CODEC_ZSTD;
  if (n >= 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 3 && m[3] == 4) return BK_CODEC_ZIP;
  /* an empty zip is only its end-of-central-directory record: the zip codec says so */
  if (n >= 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 5 && m[3] == 6) return BK_CODEC_ZIP;
  return BK_CODEC_PLAIN;
}

static void *producer(void *arg);

/* Debug builds, with BK_TRACE_OPENS in the environment: "backstop: opened PATH" on stderr
 * for every file opened to be read, so that tests can count how often a command opens
 * each file. */
static void trace_open(const char *path) {
#ifdef NDEBUG
  (void)path;
#else
  if (getenv("BK_TRACE_OPENS")) fprintf(stderr, "backstop: opened %s\n", path);
#endif
}

/* Opens path for reading, refusing anything but a regular file before a byte is read:
 * O_NONBLOCK, so that opening a FIFO without a writer cannot wait, then fstat on the
 * descriptor (no race with the name); the flag is cleared again for the reads. */
static bk_rc open_regular(const char *path, int *fd_out, struct stat *st, bk_err *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return bk_err_set(err, BK_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
  if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    const char *what = S_ISDIR(st->st_mode)    ? "is a directory"
                       : S_ISFIFO(st->st_mode) ? "is a FIFO (named pipe)"
                       : S_ISCHR(st->st_mode)  ? "is a character device"
                       : S_ISBLK(st->st_mode)  ? "is a block device"
                       : S_ISSOCK(st->st_mode) ? "is a socket"
                                               : "is not a regular file";
    close(fd);
    return bk_err_set(err, BK_ENOINPUT, "%s: %s, expected a regular file", path, what);
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  trace_open(path);
  *fd_out = fd;
  return BK_OK;
}


bk_rc bk_source_open(const char *path, const bk_source_opts *opts, bk_source **out,
                     bk_err *err) {
  bk_source_opts dflt;
  if (!opts) {
    bk_source_opts_init(&dflt);
    opts = &dflt;
  }
  *out = NULL;
  int fd;
  struct stat st;
  bk_rc orc = open_regular(path, &fd, &st, err);
  if (orc) return orc;
  unsigned char magic[4];
  ssize_t nm;
  do
    nm = pread(fd, magic, sizeof magic, 0);
  while (nm < 0 && errno == EINTR);
  if (nm < 0) {
    int e = errno;
    close(fd);
    return bk_err_set(err, BK_ENOINPUT, "%s: cannot read: %s", path, strerror(e));
  }
  bk_source *s = calloc(1, sizeof *s);
  char *p = s ? strdup(path) : NULL;
  if (!p) {
    free(s);
    close(fd);
    return bk_err_set(err, BK_ENOMEM, "%s: out of memory", path);
  }
  s->path = p;
  s->fd = fd;
  s->size = (uint64_t)st.st_size;
  s->chunk = opts->read_size ? opts->read_size : BK_SOURCE_READ_DEFAULT;
  bk_sha256_init(&s->hash);
  s->hashing = !opts->no_hash;
  s->codec = detect(magic, (size_t)nm);
  switch (s->codec) {
  case BK_CODEC_PLAIN: s->ops = &bk_codec_plain_ops; break;
  case BK_CODEC_GZIP: s->ops = &bk_codec_gzip_ops; break;
  case BK_CODEC_ZSTD: s->ops = &bk_codec_zstd_ops; break;
  case BK_CODEC_ZIP: s->ops = &bk_codec_zip_ops; break;
  }
  bk_err_clear(&s->perr);
  bk_err_clear(&s->err);
  s->state = BK_OK;
  bk_rc rc = s->ops->open(s);
  if (rc) {
    if (err) *err = s->perr;
    s->ops->close(s);
    close(s->fd);
    free(s->path);
    free(s);
    return rc;
  }
  if (opts->threaded) {
    for (int i = 0; i < BK_SOURCE_RING; i++) {
      s->ring[i].data = malloc(s->chunk);
      if (!s->ring[i].data) {
        bk_source_free(s);
        return bk_err_set(err, BK_ENOMEM, "%s: out of memory", path);
      }
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->threaded = 1;
    if (pthread_create(&s->thread, NULL, producer, s) != 0) {
      bk_source_free(s);
      return bk_err_set(err, BK_ENOMEM, "%s: cannot start the decompression thread", path);
    }
    s->started = 1;
  }
  *out = s;
  return BK_OK;
}

/* The decompression thread: fills whole blocks until EOF, an error or stop. */
static void *producer(void *arg) {
  bk_source *s = arg;
  for (;;) {
    pthread_mutex_lock(&s->mu);
    while (!s->stop && s->head - s->tail == BK_SOURCE_RING) pthread_cond_wait(&s->cv, &s->mu);
    int stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    if (stop) return NULL;
    bk_block *b = &s->ring[s->head % BK_SOURCE_RING];
    b->len = 0;
    b->rc = BK_OK;
    while (b->len < s->chunk) {
      size_t got = 0;
      bk_rc rc = s->ops->read(s, b->data + b->len, s->chunk - b->len, &got);
      b->len += got;
      if (rc) {
        b->rc = rc;
        b->err = s->perr;
        break;
      }
    }
    b->in = s->prod_in;
    pthread_mutex_lock(&s->mu);
    s->head++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (b->rc) return NULL;
  }
}

/* The unread bytes of the current ring block, waiting for one and handing used-up ones
 * back. BK_OK with *n > 0, or the EOF/error that follows the data. */
static bk_rc ring_piece(bk_source *s, unsigned char **p, size_t *n) {
  for (;;) {
    pthread_mutex_lock(&s->mu);
    while (s->head == s->tail) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    bk_block *b = &s->ring[s->tail % BK_SOURCE_RING];
    if (s->pos < b->len) {
      *p = b->data + s->pos;
      *n = b->len - s->pos;
      return BK_OK;
    }
    if (b->rc) {
      s->in = b->in;
      if (b->rc != BK_EOF) s->err = b->err;
      return b->rc;
    }
    /* block used up: hand it back */
    s->pos = 0;
    pthread_mutex_lock(&s->mu);
    s->tail++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
  }
}

/* Marks n bytes of the current block consumed. */
static void ring_take(bk_source *s, size_t n) {
  bk_block *b = &s->ring[s->tail % BK_SOURCE_RING];
  s->pos += n;
  if (s->pos == b->len) s->in = b->in;
}

static bk_rc read_threaded(bk_source *s, unsigned char *buf, size_t cap, size_t *got) {
  unsigned char *p;
  size_t n;
  bk_rc rc = ring_piece(s, &p, &n);
  if (rc) return rc;
  if (n > cap) n = cap;
  memcpy(buf, p, n);
  ring_take(s, n);
  *got = n;
  return BK_OK;
}

int bk_source_can_borrow(const bk_source *s) { return s->threaded; }

bk_rc bk_source_borrow(bk_source *s, const char **p, size_t *n) {
  *p = NULL;
  *n = 0;
  if (!s->threaded) return bk_err_set(&s->err, BK_EUSAGE, "%s: borrow needs the thread", s->path);
  if (s->state) return s->state;
  unsigned char *q;
  bk_rc rc = ring_piece(s, &q, n);
  if (rc) {
    *n = 0;
    s->state = rc;
    if (rc == BK_EOF) s->in = s->size;
    return rc;
  }
  ring_take(s, *n);
  *p = (const char *)q;
  return BK_OK;
}

bk_rc bk_source_read(bk_source *s, void *buf, size_t cap, size_t *got) {
  *got = 0;
  if (s->state) return s->state;
  bk_rc rc;
  if (s->threaded) {
    rc = read_threaded(s, buf, cap, got);
  } else {
    rc = s->ops->read(s, buf, cap, got);
    s->in = s->prod_in;
    if (rc && rc != BK_EOF) s->err = s->perr;
  }
  if (rc) {
    *got = 0; /* a codec delivers data and its end in separate calls */
    s->state = rc;
    if (rc == BK_EOF) s->in = s->size;
  }
  return rc;
}

/* Appends up to cap - *n bytes to buf: the raw file through fd, or src's decompressed
 * bytes. BK_OK with *got > 0, BK_EOF, or an error recorded in err. */
static bk_rc slurp_read(const char *path, int fd, bk_source *src, char *buf, size_t cap,
                        size_t *got, bk_err *err) {
  *got = 0;
  if (src) {
    bk_rc rc = bk_source_read(src, buf, cap, got);
    if (rc && rc != BK_EOF) bk_err_set(err, rc, "%s", bk_source_error(src)->msg);
    return rc;
  }
  for (;;) {
    ssize_t k = read(fd, buf, cap);
    if (k > 0) {
      *got = (size_t)k;
      return BK_OK;
    }
    if (k == 0) return BK_EOF;
    if (errno != EINTR)
      return bk_err_set(err, BK_EIO, "%s: read failed: %s", path, strerror(errno));
  }
}

bk_rc bk_source_slurp(const char *path, size_t max, int decompress, char **text, size_t *len,
                      bk_err *err) {
  *text = NULL;
  *len = 0;
  bk_source *src = NULL;
  int fd = -1;
  struct stat st;
  bk_rc rc = decompress ? bk_source_open(path, NULL, &src, err) : open_regular(path, &fd, &st, err);
  if (rc) return rc;
  size_t cap = 1 << 16, n = 0, got = 0;
  char *buf = malloc(cap + 1);
  if (!buf) rc = bk_err_set(err, BK_ENOMEM, "%s: out of memory", path);
  while (!rc && (rc = slurp_read(path, fd, src, buf + n, cap - n, &got, err)) == BK_OK) {
    n += got;
    if (n > max) {
      rc = bk_err_set(err, BK_EDATA, "%s: larger than %zu bytes (%zu MiB), the limit for a "
                      "file read whole", path, max, max >> 20);
      break;
    }
    if (n == cap) {
      size_t nc = max < SIZE_MAX / 2 && cap * 2 > max + 1 ? max + 1 : cap * 2;
      char *nb = realloc(buf, nc + 1);
      if (!nb) {
        rc = bk_err_set(err, BK_ENOMEM, "%s: out of memory", path);
        break;
      }
      buf = nb;
      cap = nc;
    }
  }
  if (rc == BK_EOF) rc = BK_OK;
  bk_source_free(src);
  if (fd >= 0) close(fd);
  if (rc) {
    free(buf);
    return rc;
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return BK_OK;
}

/* Stops the decompression thread (between two of its reads, so file_pos and the hash
 * agree); the source then reads no more. */
static void stop_thread(bk_source *s) {
  if (!s->started) return;
  pthread_mutex_lock(&s->mu);
  s->stop = 1;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->thread, NULL);
  s->started = 0;
}

bk_rc bk_source_seal(bk_source *s) {
  if (s->sealed) return BK_OK;
  stop_thread(s);
  if (!s->state) s->state = BK_EOF;
  /* A reader that met the end of the file read it all: bytes appended since are not part
   * of this run. One that stopped early gets the rest hashed, up to the size the file
   * had when it was opened. */
  unsigned char buf[1 << 14];
  size_t got;
  bk_rc rc = BK_OK;
  while (s->hashing && s->fd >= 0 && !s->raw_eof && s->file_pos < s->size) {
    uint64_t left = s->size - s->file_pos;
    rc = bk_src_file_read(s, buf, left < sizeof buf ? (size_t)left : sizeof buf, &got);
    if (rc) break;
  }
  if (rc != BK_OK && rc != BK_EOF) {
    s->err = s->perr;
    return rc;
  }
  unsigned char d[32];
  s->hashed = s->hash.len;
  bk_sha256_final(&s->hash, d);
  bk_sha256_hex(d, s->hex);
  s->sealed = 1;
  return BK_OK;
}

const char *bk_source_sha256(const bk_source *s, uint64_t *bytes) {
  if (!s->sealed || !s->hashing) return NULL;
  if (bytes) *bytes = s->hashed;
  return s->hex;
}

const bk_err *bk_source_error(const bk_source *s) { return &s->err; }
const char *bk_source_path(const bk_source *s) { return s->path; }
bk_codec bk_source_codec(const bk_source *s) { return s->codec; }
uint64_t bk_source_bytes_in(const bk_source *s) { return s->in; }
uint64_t bk_source_size(const bk_source *s) { return s->size; }

void bk_source_free(bk_source *s) {
  if (!s) return;
  stop_thread(s);
  if (s->threaded) {
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
  }
  for (int i = 0; i < BK_SOURCE_RING; i++) free(s->ring[i].data);
  s->ops->close(s);
  if (s->fd >= 0) close(s->fd);
  free(s->path);
  free(s);
}
