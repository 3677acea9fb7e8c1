/*
 * The margin calculator's account file (`backstop margin`): one account with the
 * contracts it trades, read strictly (the same rules as policies: decimal strings for
 * every number, unknown and duplicate keys are errors with file:line:column) into engine
 * contracts, marks, collateral assets and one bk_account.
 *
 *   { "instruments": { NAME: { "kind": "linear"|"inverse", "tick", "contract_size",
 *                              "settle", "mm_basis": "mark"|"entry" (optional),
 *                              "tiers": [ { "floor", "mmr", "maint_amount"?,
 *                                           "max_leverage"? } ] } },
 *     "assets": { NAME: { "price", "haircut" } }            (optional: other collateral)
 *     "account": { "mode": "cross"|"isolated", "collateral": { ASSET: amount },
 *                  "positions": [ { "instrument", "size", "entry", "mark",
 *                                   "margin"? (isolated) } ] } }
 *
 * Every position settles in one asset (the account's); collateral in another asset needs
 * its price and haircut under "assets".
 */
#ifndef BK_MARGIN_ACCOUNT_H
#define BK_MARGIN_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/account.h"
#include "engine/error.h"

enum {
  BK_MARGIN_MAX_INSTRUMENTS = 16, /* instruments in one file */
  BK_MARGIN_MAX_POSITIONS = 64    /* positions of the account */
};

typedef struct bk_margin_account {
  char names[BK_MARGIN_MAX_INSTRUMENTS][48]; /* names[i]: the file's name of contract i */
  bk_contract c[BK_MARGIN_MAX_INSTRUMENTS];
  int64_t mark[BK_MARGIN_MAX_INSTRUMENTS];   /* the positions' mark of each contract */
  size_t nc;
  bk_asset assets[BK_TIERS_MAX]; /* settle assets first met, then the "assets" */
  size_t na;
  bk_account a;
} bk_margin_account;

/* Reads the file at path into *m (anything in it before is overwritten). BK_ENOINPUT,
 * BK_EDATA (too large), BK_EIO, BK_ENOMEM, or BK_ECONFIG with
 * "file:line:column: path: what" in err. bk_margin_account_free must follow, whatever the
 * outcome. */
bk_rc bk_margin_account_load(const char *path, bk_margin_account *m, bk_err *err);

void bk_margin_account_free(bk_margin_account *m);

#endif
