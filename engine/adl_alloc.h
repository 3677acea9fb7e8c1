/*
 * ADL allocation rules (docs/adl.md): how one round's budget — contracts to close or money
 * to haircut — is shared over the winners, in integer arithmetic. Each rule finds every
 * winner's exact rational share, floors it, and hands the units the floors left out to the
 * largest remainders (ties to the lower account id), so the allocations sum to the budget
 * exactly and each is within one unit of its exact share. Pure: caller arrays only.
 *   - capped pro rata: x_i = min(cap_i, τ · weight_i), τ such that Σ x = budget. Pro rata
 *     on profit, capped pro rata, risk-aware pro rata and contract pro rata are this rule
 *     with their own weights and caps (waterfall.c says which).
 *   - leverage water-filling (Campbell et al.): x_i = clamp(q_i − η · m_i, 0, q_i), η the
 *     highest common leverage level for which Σ x = budget.
 */
#ifndef BK_ADL_ALLOC_H
#define BK_ADL_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/fixed.h"

/* One winner of a round. */
typedef struct bk_adl_item {
  uint32_t acct;  /* account id: ties, and the order of the result */
  int64_t weight; /* >= 0. Capped pro rata: the rule's weight. Water-filling: m, what the
                     position would be at leverage 1 (equity / price per contract) */
  int64_t cap;    /* >= 0. Capped pro rata: the most it may pay. Water-filling: q, its
                     position in contracts */
  int64_t alloc;  /* out: its share, 0 <= alloc <= cap */
  bk_i128 rem;    /* scratch */
} bk_adl_item;

/* Capped pro rata of budget (>= 0) over v; *paid = Σ alloc = min(budget, Σ cap of the
 * items with weight > 0). Items of weight 0 pay nothing. v comes back ordered by acct
 * (ids must be distinct). BK_ERANGE when budget < 0 or an input is negative. */
bk_rc bk_adl_capped(bk_adl_item *v, size_t n, int64_t budget, int64_t *paid);

/* Leverage water-filling of budget contracts over v (weight = m, cap = q): the highest
 * leverage q/m is brought down first, to a common level η; m = 0 is unbounded leverage,
 * and when those positions alone hold the budget they share it pro rata to q. *paid =
 * min(budget, Σ q). v comes back ordered by acct. BK_ERANGE when an input is negative or
 * the exact shares do not fit 128 bits. */
bk_rc bk_adl_level(bk_adl_item *v, size_t n, int64_t budget, int64_t *paid);

#endif
