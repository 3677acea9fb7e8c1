/*
 * A contract specification read from JSON, shared by every file that describes
 * instruments (the margin calculator's account file, scenarios):
 *   { "kind": "linear"|"inverse", "tick", "contract_size", "settle",
 *     "mm_basis": "mark"|"entry" (optional),
 *     "tiers": [ { "floor", "mmr", "maint_amount"?, "max_leverage"? } ] }
 * with every number a decimal string; a missing maint_amount is derived by the cum rule.
 */
#ifndef BK_CONTRACT_JSON_H
#define BK_CONTRACT_JSON_H

#include <jansson.h>

#include "config/jdoc.h"
#include "engine/account.h"

/* Reads the spec object o found at dotted `path` of document d into *c (tiers finished).
 * c->settle is left 0: the caller maps *settle (the asset's name, borrowed from o) to its
 * own asset index. BK_ECONFIG with "file:line:column: path: what" in err. */
bk_rc bk_contract_json(const bk_jdoc *d, bk_err *err, const char *path, const json_t *o,
                       bk_contract *c, const char **settle);

/* Writes the members of contract c with settle asset `settle` into object o, as
 * bk_contract_json reads them back (maintenance amounts written out, as finished).
 * Returns o, or NULL when out of memory (o then holds some of them). */
json_t *bk_contract_json_dump(const bk_contract *c, const char *settle, json_t *o);

#endif
