/*
 * Strict JSON documents, shared by every reader of a configuration file (policies,
 * scenarios, populations, contracts, accounts, the margin calculator's file): parsing
 * with duplicate keys refused, lists of known keys, decimal strings for money, and errors
 * that name the file, line and column of the key at fault and say what was expected;
 * and the two helpers that write values back in the form the readers take.
 */
#ifndef BK_JDOC_H
#define BK_JDOC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "engine/error.h"

/* The text and name of a JSON document, for messages that point into it. */
typedef struct bk_jdoc {
  const char *text;
  size_t len;
  const char *name;
} bk_jdoc;

/* Line and column (1-based) of the key (or array element) at a dotted path such as
 * "liquidation.penalty" or "account.positions.0.size"; the document start when absent. */
void bk_jdoc_where(const bk_jdoc *d, const char *path, int *line, int *col);

/* Records BK_ECONFIG with "name:line:col: path: what" in err and returns it. */
bk_rc bk_jdoc_fail(const bk_jdoc *d, bk_err *err, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Reads a decimal string member into fixed point: it must be a JSON string that
 * bk_fx_parse accepts (a JSON number is refused: binary floating point has no place in
 * money). */
bk_rc bk_jdoc_fx(const bk_jdoc *d, bk_err *err, const char *path, const json_t *v,
                 int64_t *out);

/* Reads the required decimal-string member `key` of object o found at `path`: missing is
 * an error naming the path, else as bk_jdoc_fx. */
bk_rc bk_jdoc_req_fx(const bk_jdoc *d, bk_err *err, const json_t *o, const char *path,
                     const char *key, int64_t *out);

/* Reads a seed: a non-negative JSON integer, or a decimal string of one up to
 * 18446744073709551615 (past 2^63 - 1, where JSON integers end). */
bk_rc bk_jdoc_u64(const bk_jdoc *d, bk_err *err, const char *path, const json_t *v,
                  uint64_t *out);

/* Every key of obj must be in the NULL-terminated list known. */
bk_rc bk_jdoc_known(const bk_jdoc *d, bk_err *err, const char *path, const json_t *obj,
                    const char *const *known);

/* Parses text with duplicate keys rejected; on error BK_ECONFIG with the position. */
json_t *bk_jdoc_parse(const bk_jdoc *d, bk_err *err);

/* Reads a whole JSON file into a malloc'd buffer (NUL-terminated), without a leading
 * UTF-8 byte order mark, through bk_source_slurp with the 16 MiB limit of a
 * configuration file; NULL on error, with
 * BK_ENOINPUT (missing, a FIFO, a device, ...), BK_EDATA (too large), BK_EIO or
 * BK_ENOMEM in err. */
char *bk_jdoc_slurp(const char *path, size_t *len, bk_err *err);

/* The folder of path ("" when it has none) into dir, which relative paths inside the
 * document are read against. */
void bk_jdoc_dir_of(const char *path, char *dir, size_t cap);

/* --- writing documents back (the serializers beside each reader) --- */

/* v as the decimal string bk_jdoc_fx reads back into v (no trailing zeros); NULL when
 * out of memory. */
json_t *bk_jdoc_fx_value(int64_t v);

/* v as bk_jdoc_u64 reads it back: an integer, or a decimal string past 2^63 - 1. */
json_t *bk_jdoc_u64_value(uint64_t v);

/* Sets member key of o to v, taking v over; nonzero when v is NULL or out of memory. */
int bk_jdoc_put(json_t *o, const char *key, json_t *v);

#endif
