/*
 * Partial liquidation (see partial.h). The to-health quantity is a binary search over
 * whole lots: the maintenance margin left is non-increasing in the quantity closed (a
 * tiered margin is continuous and increasing in notional), so "healthy after closing n
 * lots" holds from some n on, and the smallest such n is found with at most 64 margin
 * evaluations. It runs once per liquidation step, never per mark, so it favours being
 * plainly right over being fast.
 */
#include "engine/partial.h"

#include <stdlib.h>

#include "engine/account.h"
#include "engine/fixed.h"
#include "engine/risk_state.h"

/* 1 when the unit is healthy once `closed` contracts of position p are closed at the
 * mark: eq >= ceil(buffer × (mm_rest + MM(what is left))). An overflow counts as not
 * healthy (closing more is the exchange's side of doubt). */
static int healthy_after(const bk_risk *r, const bk_pos *p, int64_t eq, int64_t mm_rest,
                         int64_t closed) {
  const bk_contract *c = &r->contracts[p->contract];
  bk_pos left = *p;
  left.size = p->size > 0 ? p->size - closed : p->size + closed;
  int64_t mm = 0, need;
  if (left.size != 0 && bk_pos_mm(c, &left, r->mark[p->contract], &mm)) return 0;
  if (bk_add(mm, mm_rest, &mm) || bk_fx_mul(mm, r->pol.health_buffer, BK_CEIL, &need))
    return 0;
  return eq >= need;
}

/* The fewest contracts of position i, in whole lots (the last one cut to the position),
 * that make the unit healthy; the whole position when none do; 0 when it is healthy. */
static bk_rc health_qty(const bk_risk *r, const bk_account *a, int i, int64_t *qty) {
  const bk_pos *p = &a->pos[i];
  int64_t size = llabs(p->size), eq, mm_rest = 0, mm_all, mm_pos;
  if (bk_acct_pos_equity(&r->env, a, (size_t)i, &eq)) return BK_ERANGE;
  if (!p->isolated) { /* the other cross positions keep their margin */
    if (bk_acct_mm(&r->env, a, &mm_all) ||
        bk_pos_mm(&r->contracts[p->contract], p, r->mark[p->contract], &mm_pos))
      return BK_ERANGE;
    mm_rest = mm_all - mm_pos;
  }
  if (healthy_after(r, p, eq, mm_rest, 0)) {
    *qty = 0;
    return BK_OK;
  }
  int64_t lot = r->pol.health_lot;
  int64_t lo = 0, hi = size / lot + (size % lot != 0); /* lots: lo fails, hi is all of it */
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    if (healthy_after(r, p, eq, mm_rest, mid < size / lot + 1 ? mid * lot : size))
      hi = mid;
    else
      lo = mid;
  }
  *qty = hi <= size / lot ? hi * lot : size;
  return BK_OK;
}

bk_rc bk_part_qty(const bk_risk *r, const bk_account *a, int i, int64_t *qty) {
  const bk_pos *p = &a->pos[i];
  const bk_contract *c = &r->contracts[p->contract];
  int64_t size = llabs(p->size), q = size, notional, slice;
  if (r->pol.size_mode == BK_SIZE_HEALTH && health_qty(r, a, i, &q)) return BK_ERANGE;
  if (r->pol.remainder == BK_REM_SLICE && q > 0) {
    /* the threshold is in quote units (USD): an inverse position's is its face value */
    if (c->kind == BK_INVERSE ? bk_fx_mul(size, c->contract_size, BK_CEIL, &notional)
                              : bk_pos_notional(c, size, r->mark[p->contract], &notional))
      return BK_ERANGE;
    if (notional > r->pol.slice_above &&
        bk_fx_mul(size, r->pol.slice_share, BK_CEIL, &slice) == BK_OK && slice < q)
      q = slice;
  }
  *qty = q;
  return BK_OK;
}

/* Maintenance margin of the position on a contract (0 when it cannot be computed, which
 * only orders it last). */
static int64_t mm_of(const bk_risk *r, const bk_account *a, uint32_t contract) {
  int i = bk_acct_find(a, contract);
  int64_t mm = 0;
  if (i < 0 || bk_pos_mm(&r->contracts[contract], &a->pos[i], r->mark[contract], &mm))
    return 0;
  return mm;
}

void bk_part_order(const bk_risk *r, const bk_account *a, uint32_t *contracts, size_t n) {
  for (size_t k = 1; k < n; k++) { /* insertion sort: a unit has a few positions */
    uint32_t x = contracts[k];
    int64_t mx = mm_of(r, a, x);
    size_t j = k;
    while (j > 0) {
      int64_t mj = mm_of(r, a, contracts[j - 1]);
      if (mj > mx || (mj == mx && contracts[j - 1] < x)) break;
      contracts[j] = contracts[j - 1];
      j--;
    }
    contracts[j] = x;
  }
}

/* Starts a new loss period when r->now has left the current one. */
static void roll_period(bk_risk *r) {
  int64_t len = r->pol.loss_period_us, k = r->now / len;
  if (r->now % len < 0) k--; /* floor */
  if (k == r->loss_period) return;
  r->loss_period = k;
  for (size_t a = 0; a < BK_LEDGER_ASSETS; a++) r->loss_spent[a] = 0;
}

int bk_part_budget_waits(bk_risk *r, uint32_t id, int64_t eq) {
  if (r->pol.loss_cap == 0) return 0;
  roll_period(r);
  int64_t spent = r->loss_spent[r->acct[id].settle];
  int64_t left = spent < r->pol.loss_cap ? r->pol.loss_cap - spent : 0;
  /* a deficit larger than a whole period's budget goes ahead in a period with nothing
     spent yet, else it would wait for ever */
  if (eq >= -left || spent == 0) return 0;
  int64_t next;
  if (bk_add(r->loss_period * r->pol.loss_period_us, r->pol.loss_period_us, &next))
    next = INT64_MAX;
  r->retry_at[id] = next;
  return 1;
}

void bk_part_budget_charge(bk_risk *r, uint32_t asset, int64_t before, int64_t after) {
  int64_t loss;
  if (r->pol.loss_cap == 0 || after >= before) return;
  if (bk_sub(before, after, &loss) || bk_add(r->loss_spent[asset], loss, &r->loss_spent[asset]))
    r->loss_spent[asset] = INT64_MAX;
}
