/*
 * The trigger index: which accounts a mark change must look at. An account with one
 * position has one liquidation price; it goes into its contract's heap of long triggers
 * (visited when mark <= price) or short triggers (mark >= price), so a mark update pops
 * only the crossed entries: O((crossed + 1) log n), not O(accounts). Accounts with
 * several positions have no single threshold: they sit on a fallback list visited on
 * every mark change of any contract (correct, and cheap while such accounts are few).
 *
 * Entries are never removed in place: each account has a version; changing or clearing
 * its trigger bumps the version and stale heap entries are dropped when they surface.
 *
 * Ownership: caller storage (_init/_fini).
 */
#ifndef BK_TRIGGER_H
#define BK_TRIGGER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef struct bk_trig_ent {
  int64_t price;
  uint32_t acct;
  uint32_t ver;
} bk_trig_ent;

typedef struct bk_trig_heap {
  bk_trig_ent *v;
  size_t n, cap;
} bk_trig_heap;

typedef struct bk_trigger {
  bk_trig_heap *longs;  /* longs[contract]: max-heap on price */
  bk_trig_heap *shorts; /* shorts[contract]: min-heap on price */
  size_t ncontracts;
  uint32_t *ver;        /* ver[acct] */
  uint32_t *multi_pos;  /* multi_pos[acct]: index in multi + 1, 0 = not there */
  size_t nacct;
  uint32_t *multi;      /* accounts on the fallback list */
  size_t nmulti, multi_cap;
} bk_trigger;

bk_rc bk_trig_init(bk_trigger *t, size_t ncontracts);
void bk_trig_fini(bk_trigger *t);

/* Makes room for accounts 0..n-1. */
bk_rc bk_trig_reserve(bk_trigger *t, size_t n);

/* Indexes an account by one position: is_long selects the heap; price as
 * bk_acct_liq_price gives it (0 / INT64_MAX are "never" or "always" and are indexed as
 * such). Replaces whatever the account had. */
bk_rc bk_trig_set(bk_trigger *t, uint32_t acct, uint32_t contract, int is_long, int64_t price);

/* Puts an account on the fallback list (replacing any heap entry). */
bk_rc bk_trig_set_multi(bk_trigger *t, uint32_t acct);

/* Forgets an account (no position left). */
void bk_trig_clear(bk_trigger *t, uint32_t acct);

/* Pops every live entry of a contract crossed by mark into *out (a growable array the
 * caller frees), appending after *n. The popped accounts are no longer indexed: the
 * caller sets them again after looking. */
bk_rc bk_trig_pop_crossed(bk_trigger *t, uint32_t contract, int64_t mark, uint32_t **out,
                          size_t *n, size_t *cap);

#endif
