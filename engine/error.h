/*
 * Result codes and error detail shared by every module.
 *
 * A function that can fail returns a bk_rc; 0 is success and numbers are never reused.
 * The human-readable detail (file, line or byte offset, what was expected) lives in a
 * bk_err inside the object that failed, and the caller that prints it reads it back.
 * BK_EOF is not an error: it ends a stream.
 */
#ifndef BK_ERROR_H
#define BK_ERROR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum bk_rc {
  BK_OK = 0,
  BK_EOF = 1,          /* end of stream: not an error */
  BK_ENOMEM = 2,       /* allocation failed */
  BK_EIO = 3,          /* a read failed (the OS said so) */
  BK_ENOINPUT = 4,     /* an input file or folder is missing or unreadable */
  BK_EDATA = 5,        /* input is malformed: parse error, corrupt compression, bad row */
  BK_EFORMAT = 6,      /* input is of a format we do not support */
  BK_ERANGE = 7,       /* a number does not fit (overflow) */
  BK_ECONFIG = 8,      /* a scenario, policy or account file is wrong */
  BK_EUSAGE = 9,       /* the command line is wrong */
  BK_EWRITE = 10,      /* an output could not be written or renamed */
  BK_EINVARIANT = 11   /* an invariant (conservation) broke: a bug or impossible input */
} bk_rc;

/* Short fixed name of a code, e.g. "bad data". Never NULL. */
const char *bk_rc_name(bk_rc rc);

/* Error detail kept by an object. msg is empty when rc == BK_OK. */
typedef struct bk_err {
  bk_rc rc;
  char msg[512];
} bk_err;

/* Records rc and a printf-style message in e (which may be NULL) and returns rc, so a
 * check and its message fit in one statement: return bk_err_set(&f->err, BK_EDATA, ...). */
bk_rc bk_err_set(bk_err *e, bk_rc rc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
bk_rc bk_err_vset(bk_err *e, bk_rc rc, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 0)))
#endif
    ;

/* Clears e to BK_OK with an empty message. */
void bk_err_clear(bk_err *e);

#endif
