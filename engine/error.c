/*
 * Result codes and their error detail. See error.h for the rules every module follows.
 */
#include "engine/error.h"

#include <stdio.h>

const char *bk_rc_name(bk_rc rc) {
  switch (rc) {
  case BK_OK: return "ok";
  case BK_EOF: return "end of stream";
  case BK_ENOMEM: return "out of memory";
  case BK_EIO: return "read error";
  case BK_ENOINPUT: return "missing input";
  case BK_EDATA: return "bad data";
  case BK_EFORMAT: return "unsupported format";
  case BK_ERANGE: return "number out of range";
  case BK_ECONFIG: return "bad configuration";
  case BK_EUSAGE: return "usage";
  case BK_EWRITE: return "cannot write";
  case BK_EINVARIANT: return "invariant broken";
  }
  return "unknown error";
}

bk_rc bk_err_vset(bk_err *e, bk_rc rc, const char *fmt, va_list ap) {
  if (e) {
    e->rc = rc;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  }
  return rc;
}

bk_rc bk_err_set(bk_err *e, bk_rc rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bk_err_vset(e, rc, fmt, ap);
  va_end(ap);
  return rc;
}

void bk_err_clear(bk_err *e) {
  e->rc = BK_OK;
  e->msg[0] = '\0';
}
