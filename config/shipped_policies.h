/*
 * The policies shipped in data/policies, compiled into the program (the build generates
 * the table from the files, which stay the one source): `backstop policies` lists them
 * and the scenario inferred from data compares them, from any folder.
 */
#ifndef BK_SHIPPED_POLICIES_H
#define BK_SHIPPED_POLICIES_H

#include <stddef.h>

typedef struct bk_shipped_policy {
  const char *file; /* "data/policies/<name>.json" */
  const char *text; /* the file's bytes, NUL-terminated */
  size_t len;
} bk_shipped_policy;

/* In file-name order. */
extern const bk_shipped_policy bk_shipped_policies[];
extern const size_t bk_nshipped_policies;

#endif
