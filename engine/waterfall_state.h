/*
 * The waterfall's working state as a risk state holds it (risk_state.h): the ADL queues
 * of the current event, losses waiting to be socialized, the fund's initial balance, the
 * shadow's smallest safe fund and the deficits nobody bore. Types only; waterfall.c owns
 * the rules that change them. Apart from waterfall.h so that the risk state can hold
 * them without including the rules that act on it.
 */
#ifndef BK_WATERFALL_STATE_H
#define BK_WATERFALL_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/fund.h"
#include "engine/adl_alloc.h"
#include "engine/ledger.h"

/* An account ranked for ADL: its score (higher goes first) and what it holds. */
typedef struct bk_adl_cand {
  uint32_t acct; /* account id */
  int64_t qty;   /* size available to deleverage, > 0 */
  int64_t score; /* higher goes first; ties by lower account id */
} bk_adl_cand;

/* The ADL queue of one contract side in the current event, ranked once and kept as a
 * max-heap, so a second bankruptcy in the same event takes the next ranks. */
typedef struct bk_adl_queue {
  uint64_t event;     /* the event it was ranked in */
  uint32_t contract;
  int side;           /* sign of the positions queued */
  int valid;
  bk_adl_cand *v;     /* heap by (score desc, acct asc) */
  size_t n, cap;
} bk_adl_queue;

/* The waterfall's working state inside a risk state. */
typedef struct bk_wf_state {
  bk_adl_queue *q;     /* q[contract * 2 + (side > 0)] */
  size_t nq;
  int64_t *pending;    /* pending[contract]: loss to socialize at the end of the event */
  int any_pending;
  int64_t initial[BK_FUND_KEYS]; /* the fund's initial balance per key (fund.h) */
  int64_t need[BK_FUND_KEYS];    /* shadow: smallest safe initial fund so far, per key */
  int64_t uncovered[BK_LEDGER_ASSETS]; /* deficits nobody bore: the fund could not, and
                                          the policy deleverages, or socialization found
                                          nobody (or only capped profit) to bear them */
  uint64_t draws;      /* dYdX walks drawn */
  int64_t *w, *shares; /* socialization scratch, room for every account */
  size_t wcap;
  bk_adl_item *items;  /* the winners of an ADL allocation rule's round */
  size_t icap;
} bk_wf_state;

#endif
