/*
 * Atomic output files with optional zstd compression (see outfile.h).
 *
 * Reports are small and generated data is written once, so the design favours being
 * obviously right over speed: a 256 KiB buffer, plain write(2), fsync(2) and rename(2)
 * at the end.
 * The fault-injection counter is the one piece of process-wide state in the project; it
 * exists only to let tests fail the Nth system call, and is 0 (off) in normal runs.
 */
#include "reports/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#define OUT_BUF (256u * 1024u)

struct bk_outfile {
  int fd;
  char *path;     /* final name */
  char *tmp;      /* temporary name */
  unsigned char *buf;
  size_t used;
  ZSTD_CCtx *zc;  /* non-NULL when compressing */
  unsigned char *zbuf;
  size_t zcap;
  bk_err err;     /* first error; sticky */
};

static unsigned long fault_at;   /* fail the fault_at-th call; 0 = never */
static unsigned long fault_seen; /* calls issued since bk_outfile_fail_after */
static int fault_sig;            /* 0: the call fails; else this signal is raised */

unsigned long bk_outfile_fail_after(unsigned long n) {
  unsigned long seen = fault_seen;
  fault_at = n;
  fault_seen = 0;
  fault_sig = 0;
  return seen;
}

unsigned long bk_outfile_kill_after(unsigned long n, int sig) {
  unsigned long seen = bk_outfile_fail_after(n);
  fault_sig = sig;
  return seen;
}

int bk_outfile_fault(void) {
  fault_seen++;
  if (fault_at && fault_seen == fault_at) {
    if (fault_sig) raise(fault_sig); /* returns only when the signal is blocked */
    errno = EIO;
    return 1;
  }
  return 0;
}

static int injected(void) { return bk_outfile_fault(); }

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

bk_rc bk_outfile_open(const char *path, bk_outfile **out, bk_err *err) {
  bk_err local;
  if (!err) err = &local;
  *out = NULL;
  bk_outfile *o = calloc(1, sizeof *o);
  size_t n = strlen(path);
  if (!o || !(o->path = malloc(n + 1)) || !(o->tmp = malloc(n + 32)) ||
      !(o->buf = malloc(OUT_BUF))) {
    bk_err_set(err, BK_ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  memcpy(o->path, path, n + 1);
  snprintf(o->tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
  if (ends_with(path, ".zst")) {
    o->zcap = ZSTD_CStreamOutSize();
    o->zc = ZSTD_createCCtx();
    o->zbuf = malloc(o->zcap);
    if (!o->zc || !o->zbuf ||
        ZSTD_isError(ZSTD_CCtx_setParameter(o->zc, ZSTD_c_compressionLevel, 3)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(o->zc, ZSTD_c_checksumFlag, 1))) {
      bk_err_set(err, BK_ENOMEM, "%s: cannot set up zstd compression", path);
      goto fail;
    }
  }
  o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (o->fd < 0) {
    bk_err_set(err, BK_EWRITE, "%s: cannot create: %s", o->tmp, strerror(errno));
    goto fail;
  }
  bk_err_clear(&o->err);
  *out = o;
  return BK_OK;
fail:
  if (o) {
    o->fd = -1;
    bk_outfile_abort(o);
  }
  return err->rc;
}

static bk_rc write_all(bk_outfile *o, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = injected() ? -1 : write(o->fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return bk_err_set(&o->err, BK_EWRITE, "%s: write failed: %s", o->tmp, strerror(errno));
    }
    p += w;
    n -= (size_t)w;
  }
  return BK_OK;
}

/* Sends the buffer to the file, through zstd when compressing; end != 0 ends the frame. */
static bk_rc drain(bk_outfile *o, int end) {
  if (o->err.rc) return o->err.rc;
  if (!o->zc) {
    bk_rc rc = write_all(o, o->buf, o->used);
    o->used = 0;
    return rc;
  }
  ZSTD_inBuffer in = {o->buf, o->used, 0};
  for (;;) {
    ZSTD_outBuffer out = {o->zbuf, o->zcap, 0};
    size_t left = ZSTD_compressStream2(o->zc, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(left))
      return bk_err_set(&o->err, BK_EWRITE, "%s: zstd: %s", o->tmp, ZSTD_getErrorName(left));
    bk_rc rc = write_all(o, o->zbuf, out.pos);
    if (rc) return rc;
    if (end ? left == 0 : in.pos == in.size) break;
  }
  o->used = 0;
  return BK_OK;
}

bk_rc bk_outfile_write(bk_outfile *o, const void *p, size_t n) {
  const unsigned char *s = p;
  if (o->err.rc) return o->err.rc;
  while (n > 0) {
    size_t k = OUT_BUF - o->used;
    if (k > n) k = n;
    memcpy(o->buf + o->used, s, k);
    o->used += k;
    s += k;
    n -= k;
    if (o->used == OUT_BUF && drain(o, 0)) return o->err.rc;
  }
  return BK_OK;
}

bk_rc bk_outfile_printf(bk_outfile *o, const char *fmt, ...) {
  char small[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return bk_err_set(&o->err, BK_EWRITE, "%s: bad format", o->tmp);
  if ((size_t)n < sizeof small) return bk_outfile_write(o, small, (size_t)n);
  char *big = malloc((size_t)n + 1);
  if (!big) return bk_err_set(&o->err, BK_ENOMEM, "%s: out of memory", o->tmp);
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  bk_rc rc = bk_outfile_write(o, big, (size_t)n);
  free(big);
  return rc;
}

static void release(bk_outfile *o) {
  ZSTD_freeCCtx(o->zc);
  free(o->zbuf);
  free(o->buf);
  free(o->tmp);
  free(o->path);
  free(o);
}

bk_rc bk_outfile_commit(bk_outfile *o, bk_err *err) {
  bk_rc rc = drain(o, 1);
  if (!rc && (injected() || fsync(o->fd) != 0))
    rc = bk_err_set(&o->err, BK_EWRITE, "%s: fsync failed: %s", o->tmp, strerror(errno));
  if (close(o->fd) != 0 && !rc)
    rc = bk_err_set(&o->err, BK_EWRITE, "%s: close failed: %s", o->tmp, strerror(errno));
  o->fd = -1;
  if (!rc && (injected() || rename(o->tmp, o->path) != 0))
    rc = bk_err_set(&o->err, BK_EWRITE, "%s: cannot rename to %s: %s", o->tmp, o->path,
                    strerror(errno));
  if (rc) {
    unlink(o->tmp);
    if (err) *err = o->err;
  }
  release(o);
  return rc;
}

bk_rc bk_outfile_commit_all(bk_outfile **o, size_t n, bk_err *err) {
  bk_rc rc = BK_OK;
  size_t done = 0;
  char **finals = calloc(n ? n : 1, sizeof *finals);
  for (size_t i = 0; i < n; i++) {
    if (!o[i]) continue;
    if (rc) {
      bk_outfile_abort(o[i]);
    } else {
      char *final = finals ? strdup(o[i]->path) : NULL;
      if (!final) {
        rc = bk_err_set(err, BK_ENOMEM, "%s: out of memory", o[i]->path);
        bk_outfile_abort(o[i]);
      } else if ((rc = bk_outfile_commit(o[i], err)) == BK_OK) {
        finals[done++] = final;
        final = NULL;
      }
      free(final);
    }
    o[i] = NULL;
  }
  for (size_t i = 0; i < done; i++) {
    if (rc) unlink(finals[i]);
    free(finals[i]);
  }
  free(finals);
  return rc;
}

void bk_outfile_abort(bk_outfile *o) {
  if (!o) return;
  if (o->fd >= 0) close(o->fd);
  if (o->tmp) unlink(o->tmp);
  release(o);
}

const char *bk_outfile_path(const bk_outfile *o) { return o->path; }

const bk_err *bk_outfile_error(const bk_outfile *o) { return &o->err; }
