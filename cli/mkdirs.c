/*
 * mkdir -p (see mkdirs.h): each prefix of the path that ends at a '/' is made in turn.
 */
#include "cli/mkdirs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

bk_rc bk_cli_mkdirs(const char *path, bk_err *err) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return bk_err_set(err, BK_EWRITE, "%.64s...: path too long", path);
  for (char *p = buf + 1;; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      struct stat st;
      if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return bk_err_set(err, BK_EWRITE, "%s: cannot create: %s", buf, strerror(errno));
      if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
        return bk_err_set(err, BK_EWRITE, "%s: cannot create: not a folder", buf);
      *p = c;
      if (!c) break;
    }
  }
  return BK_OK;
}
