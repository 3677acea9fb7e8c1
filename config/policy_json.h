/*
 * Policies from JSON files (jansson), strictly: duplicate keys, unknown keys, NaN, money
 * and fractions not written as decimal strings, and out-of-range values are errors that
 * name the file, line and column and say what was expected. A key left out keeps the
 * default of bk_policy_default.
 *
 * The document helpers (error positions, decimal strings, known keys) are config/jdoc.h.
 */
#ifndef BK_POLICY_JSON_H
#define BK_POLICY_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "config/jdoc.h"
#include "engine/error.h"
#include "engine/policy.h"

/* Loads a policy file. BK_ENOINPUT when unreadable, BK_ECONFIG for anything wrong in it,
 * with "file:line:column: what" in err; *out is unchanged on error. */
bk_rc bk_policy_json_load(const char *path, bk_policy *out, bk_err *err);

/* As bk_policy_json_load, and when notes is not NULL also the file's notes (see
 * bk_policy_json_notes; the caller's to json_decref). */
bk_rc bk_policy_json_read(const char *path, bk_policy *out, json_t **notes, bk_err *err);

/* As bk_policy_json_load on text in memory; name is used in messages. */
bk_rc bk_policy_json_parse(const char *text, size_t len, const char *name, bk_policy *out,
                           bk_err *err);

/* Reads a JSON policy object already parsed from text (for a policy embedded in a
 * scenario): path is the dotted location of obj in the text ("policies.0" or ""). */
bk_rc bk_policy_json_from(const json_t *obj, const char *text, size_t len, const char *name,
                          const char *path, bk_policy *out, bk_err *err);

/* What a policy object holds for the reader alone ("description", "source"): a new
 * object with copies of those present. NULL when out of memory. */
json_t *bk_policy_json_notes(const json_t *obj);

/* The policy as an object that bk_policy_json_from reads back into the same policy:
 * every setting written out, numbers as exact decimal strings. NULL when out of memory. */
json_t *bk_policy_json_dump(const bk_policy *p);

#endif
