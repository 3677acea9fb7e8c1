/*
 * Accounts files: the explicit population's accounts (strategies/pop_accounts.h) from
 * JSON (small books, written by hand) or CSV (large books: a million accounts is a 60 MB
 * file, read row by row through the feeds' row reader, plain or compressed).
 *
 * JSON, read strictly like policies (duplicate keys, unknown keys, NaN, numbers where a
 * decimal string is expected are errors with file:line:column):
 *   {"accounts": [
 *     {"id": "whale-1", "settle": "DOT", "deposit": "1200",
 *      "positions": [{"contract": "DOTUSD_PERP", "size": "-5000", "entry": "4.05"}]}]}
 * "id" is optional and only named in messages; "settle" may be left out when the account
 * has a position (it is then the position's contract's settle asset); "positions" may be
 * left out or empty (an account holding only its deposit). "collateral" (optional) posts
 * units of other assets, each named among the population's collateral assets (the
 * scenario's "collateral" of the accounts population, engine/collateral.h), each once:
 *     "collateral": [{"asset": "BTC", "amount": "0.5"}]
 * The CSV form has no collateral.
 *
 * CSV, with a header row naming the columns (any order, all required):
 *   account,settle,deposit,contract,size,entry
 * one row per position; the rows of one account are consecutive and share its id, the
 * first gives settle and deposit (later rows leave them empty or repeat them exactly); an
 * account without a position has empty contract, size and entry. An id that reappears
 * after other accounts is an error (it would silently make two accounts). Errors say
 * file:line and the column.
 *
 * Names: contracts are matched by symbol ("DOTUSD_PERP") or "exchange:symbol", settle
 * assets by name ("DOT", "USDT"), against the run's tables (bk_accounts_names).
 */
#ifndef BK_ACCOUNTS_FILE_H
#define BK_ACCOUNTS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "strategies/pop_accounts.h"

typedef struct bk_accounts_names {
  const char *const *symbols;   /* symbols[i]: symbol of contract i */
  const char *const *exchanges; /* exchanges[i]: its exchange (NULL: symbols only) */
  const uint32_t *settle_of;    /* settle asset index of contract i */
  size_t ncontracts;
  const char *const *assets;    /* assets[k]: name of settle asset k */
  size_t nassets;
  const char *const *collateral; /* collateral[j]: name of collateral asset j (its index
                                    in bk_acctlist_coll_spec.asset) */
  size_t ncollateral;
} bk_accounts_names;

/* Reads an accounts file, JSON when its first non-blank byte is '{', CSV otherwise
 * (plain, gzip or zstd: the byte source decides). Appends to *out (which the caller has
 * initialized). BK_ENOINPUT when unreadable; BK_ECONFIG (JSON) or BK_EDATA (CSV) with
 * "file:line[:column]: what" in err for anything wrong; BK_ENOMEM. On error *out is left
 * as it was before the call. */
bk_rc bk_accounts_file_load(const char *path, const bk_accounts_names *names,
                            bk_acctlist *out, bk_err *err);

/* As bk_accounts_file_load for JSON text in memory; name is used in messages. */
bk_rc bk_accounts_json_parse(const char *text, size_t len, const char *name,
                             const bk_accounts_names *names, bk_acctlist *out, bk_err *err);

#endif
