/*
 * The explicit population: a list of accounts as a file or a caller gives them (an
 * on-chain protocol's public positions, an exchange's own snapshot), opened exactly as
 * written. Each account names its settle asset, its deposit and its positions (contract,
 * signed size, entry price); config/accounts_file.c reads the list from JSON or CSV.
 *
 * When: an account opens at the first event after every contract it holds has a mark
 * (bk_sim_open_cross needs them), in list order, so account i of the list is simulation account
 * first_id + i when no other population opens accounts in between; an account waits
 * for the ones before it. With a warm-up this is before the window. Accounts never
 * opened (their contract never got a mark) make the population fail at the finish.
 *
 * Collateral: an account may also post units of other assets (bk_sim_add_collateral),
 * valued at the replayed prices (engine/collateral.h); it then opens once these have a
 * price too, and posts them as it opens.
 *
 * Margin: an account's positions, on one contract or several of its settle asset, share
 * one cross margin, and a liquidation treats them as one pool (docs/liquidation.md);
 * isolated margin is not expressed. Two positions on the same contract in one account
 * are refused (the venue would hold their sum).
 */
#ifndef BK_STRAT_POP_ACCOUNTS_H
#define BK_STRAT_POP_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/sim.h"

/* A position as written: contract index of the simulation, signed size (contracts e-8,
 * != 0), entry price (e-8, > 0); the simulation opens the account's list as it is. */
typedef bk_sim_leg bk_acctlist_pos_spec;

typedef struct bk_acctlist_spec {
  uint32_t settle;    /* settle asset index */
  int64_t deposit;    /* settle units e-8, >= 0 */
  size_t pos;         /* first position in the list's pos array */
  uint32_t npos;      /* positions */
  uint64_t line;      /* where it was read (0 when not from a file) */
  size_t name;        /* its id as written: offset + 1 in the list's names, 0 when none */
  size_t coll;        /* first collateral in the list's coll array */
  uint32_t ncoll;     /* collateral assets it posts */
} bk_acctlist_spec;

/* Collateral in another asset as written: the simulation's collateral asset
 * (bk_sim_add_collateral) and its units (e-8, > 0). */
typedef struct bk_acctlist_coll_spec {
  uint32_t asset;
  int64_t amount;
} bk_acctlist_coll_spec;

/* A growable list of accounts with their positions in one flat array (a million accounts
 * cost two allocations, not a million). */
typedef struct bk_acctlist {
  bk_acctlist_spec *v;
  size_t n, cap;
  bk_acctlist_pos_spec *pos;
  size_t npos, poscap;
  char *names;        /* the accounts' ids, NUL-terminated one after another */
  size_t nnames, namecap;
  bk_acctlist_coll_spec *coll;
  size_t ncoll, collcap;
} bk_acctlist;

void bk_acctlist_init(bk_acctlist *l);
void bk_acctlist_fini(bk_acctlist *l);

/* Appends an account with no position yet. BK_ENOMEM leaves l unchanged. */
bk_rc bk_acctlist_add(bk_acctlist *l, uint32_t settle, int64_t deposit, uint64_t line);

/* Gives the last account its id as the file wrote it (len bytes, no NUL inside), which
 * the reports print instead of the simulation's index. BK_ENOMEM leaves l unchanged;
 * BK_EUSAGE when the list is empty. */
bk_rc bk_acctlist_name(bk_acctlist *l, const char *id, size_t len);

/* Appends a position to the last account. BK_ENOMEM leaves l unchanged; BK_EUSAGE when
 * the list is empty. */
bk_rc bk_acctlist_add_pos(bk_acctlist *l, uint32_t contract, int64_t size, int64_t entry);

/* Appends collateral to the last account. BK_ENOMEM leaves l unchanged; BK_EUSAGE when
 * the list is empty. */
bk_rc bk_acctlist_add_coll(bk_acctlist *l, uint32_t asset, int64_t amount);

/* An explicit population over the list, which is moved into it (l is left empty, also on
 * error). Checked: contracts and settle assets are checked against the simulation at
 * start; here sizes, entries, deposits and contracts held twice (BK_ECONFIG, the
 * account's index and line in err). */
bk_rc bk_pop_accounts_new(bk_acctlist *l, bk_population **out, bk_err *err);

/* Accounts opened so far, and the simulation id of the first (valid when opened > 0). */
size_t bk_pop_accounts_opened(const bk_population *p, uint32_t *first_id);

#endif
