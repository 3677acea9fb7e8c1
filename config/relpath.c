/*
 * Relative paths (see relpath.h): both paths made absolute against the working folder,
 * folded into components, then "../" for each component of dir past the common part.
 */
#include "config/relpath.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAXPARTS 256

typedef struct parts {
  char buf[4096];
  const char *v[MAXPARTS];
  size_t n;
} parts;

/* Splits p (absolute, or relative to cwd when cwd is not NULL) into folded components. */
static bk_rc split(const char *cwd, const char *p, parts *out) {
  int n = snprintf(out->buf, sizeof out->buf, "%s/%s", p[0] == '/' || !cwd ? "" : cwd, p);
  if (n < 0 || (size_t)n >= sizeof out->buf) return BK_ERANGE;
  out->n = 0;
  for (char *s = strtok(out->buf, "/"); s; s = strtok(NULL, "/")) {
    if (!strcmp(s, ".")) continue;
    if (!strcmp(s, "..")) {
      if (out->n) out->n--;
      continue;
    }
    if (out->n == MAXPARTS) return BK_ERANGE;
    out->v[out->n++] = s;
  }
  return BK_OK;
}

static bk_rc append(char *out, size_t cap, size_t *len, const char *s) {
  int n = snprintf(out + *len, cap - *len, "%s%s", *len && out[*len - 1] != '/' ? "/" : "", s);
  if (n < 0 || (size_t)n >= cap - *len) return BK_ERANGE;
  *len += (size_t)n;
  return BK_OK;
}

bk_rc bk_relpath(const char *dir, const char *path, char *out, size_t cap) {
  parts d, p;
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return BK_EIO;
  bk_rc rc;
  if ((rc = split(cwd, dir, &d)) || (rc = split(cwd, path, &p))) return rc;
  size_t len = 0, common = 0;
  if (!cap) return BK_ERANGE;
  out[0] = '\0';
  if (path[0] == '/') {
    if ((rc = append(out, cap, &len, "/"))) return rc;
  } else {
    while (common < d.n && common < p.n && !strcmp(d.v[common], p.v[common])) common++;
    for (size_t i = common; i < d.n; i++)
      if ((rc = append(out, cap, &len, ".."))) return rc;
  }
  for (size_t i = common; i < p.n; i++)
    if ((rc = append(out, cap, &len, p.v[i]))) return rc;
  return len ? BK_OK : append(out, cap, &len, ".");
}
