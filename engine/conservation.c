/*
 * Conservation checks (see conservation.h). The full recount is O(accounts + positions)
 * and runs at the end of a run and every BK_RISK_FULL_CHECK events in debug builds; the
 * per-event check is O(accounts touched + contracts).
 */
#include "engine/conservation.h"

#include <stdlib.h>

#include "engine/transfer.h"

/* One account: the money it holds equals its ledger balance. */
static bk_rc check_account(bk_risk *r, uint32_t id) {
  const bk_account *a = &r->acct[id];
  bk_i128 held = a->cash;
  for (uint32_t i = 0; i < a->npos; i++) held += a->pos[i].margin;
  int64_t led = bk_ledger_balance(&r->ledger, BK_XFER_PARTY(id), a->settle);
  if (held != led)
    return bk_err_set(&r->err, BK_EINVARIANT,
                      "conservation broken at event %llu: account %u holds %lld, ledger says "
                      "%lld", (unsigned long long)r->event, id, (long long)held, (long long)led);
  return BK_OK;
}

/* The totals: the ledger of each asset sums to zero given the accounts' total money
 * (acct), the fund's and the reinsurance layer's cash match their ledger balances, and long open interest equals
 * short across accounts (oi[contract]), fund and market. */
static bk_rc check_totals(bk_risk *r, const bk_i128 *acct, const bk_i128 *oi) {
  for (uint32_t s = 0; s < BK_LEDGER_ASSETS; s++) {
    bk_i128 sum = acct[s];
    for (uint32_t p = 0; p < BK_PARTY_ACCT0; p++) sum += r->ledger.fixed[p][s];
    if (sum != 0)
      return bk_err_set(&r->err, BK_EINVARIANT,
                        "conservation broken at event %llu: ledger of asset %u sums to %lld",
                        (unsigned long long)r->event, s, (long long)sum);
    if (r->fund.cash[s] != r->ledger.fixed[BK_PARTY_FUND][s])
      return bk_err_set(&r->err, BK_EINVARIANT,
                        "conservation broken at event %llu: fund cash %lld, ledger says %lld",
                        (unsigned long long)r->event, (long long)r->fund.cash[s],
                        (long long)r->ledger.fixed[BK_PARTY_FUND][s]);
    if (r->reins_cash[s] != r->ledger.fixed[BK_PARTY_REINS][s])
      return bk_err_set(&r->err, BK_EINVARIANT,
                        "conservation broken at event %llu: reinsurance cash %lld, ledger "
                        "says %lld", (unsigned long long)r->event, (long long)r->reins_cash[s],
                        (long long)r->ledger.fixed[BK_PARTY_REINS][s]);
  }
  for (uint32_t k = 0; k < r->ncontracts; k++) {
    bk_i128 total = (bk_i128)r->market_pos[k] + r->fund.inv[k].size + oi[k];
    if (total != 0)
      return bk_err_set(&r->err, BK_EINVARIANT,
                        "conservation broken at event %llu: open interest of contract %u is "
                        "off by %lld", (unsigned long long)r->event, k, (long long)total);
  }
  return BK_OK;
}

/* The units of each collateral asset the accounts hold add up to what was posted, less
 * what was sold and what left with its account. */
static bk_rc check_collateral(bk_risk *r) {
  bk_i128 units[BK_COLL_ASSETS] = {0};
  for (uint32_t id = 0; id < r->nacct; id++)
    for (uint32_t i = 0; i < r->acct[id].ncoll; i++)
      units[r->acct[id].coll[i].asset] += r->acct[id].coll[i].amount;
  const bk_coll_state *c = &r->coll;
  for (uint32_t j = 0; j < BK_COLL_ASSETS; j++) {
    bk_i128 kept = (bk_i128)c->posted[j] - c->sold[j] - c->withdrawn[j];
    if (units[j] != kept)
      return bk_err_set(&r->err, BK_EINVARIANT,
                        "conservation broken at event %llu: accounts hold %lld units of "
                        "collateral %u; %lld were posted, %lld sold, %lld withdrawn",
                        (unsigned long long)r->event, (long long)units[j], j,
                        (long long)c->posted[j], (long long)c->sold[j],
                        (long long)c->withdrawn[j]);
  }
  return BK_OK;
}

bk_rc bk_cons_touched(bk_risk *r) {
  for (size_t d = 0; d < r->ndirty; d++) {
    bk_rc rc = check_account(r, r->dirty[d]);
    if (rc) return rc;
  }
  return check_totals(r, r->acct_money, r->acct_oi);
}

bk_rc bk_risk_check(bk_risk *r) {
  bk_i128 money[BK_LEDGER_ASSETS] = {0};
  for (uint32_t id = 0; id < r->nacct; id++) {
    bk_rc rc = check_account(r, id);
    if (rc) return rc;
    money[r->acct[id].settle] += bk_ledger_balance(&r->ledger, BK_XFER_PARTY(id),
                                                   r->acct[id].settle);
  }
  bk_i128 *oi = calloc(r->ncontracts, sizeof *oi), *lo = calloc(r->ncontracts, sizeof *lo);
  size_t *held = calloc(r->ncontracts, sizeof *held);
  if (!oi || !lo || !held) {
    free(oi);
    free(lo);
    free(held);
    return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the check");
  }
  for (uint32_t id = 0; id < r->nacct; id++)
    for (uint32_t i = 0; i < r->acct[id].npos; i++) {
      const bk_pos *p = &r->acct[id].pos[i];
      oi[p->contract] += p->size;
      if (p->size > 0) lo[p->contract] += p->size;
      held[p->contract]++;
    }
  bk_rc rc = check_totals(r, money, oi);
  if (!rc) rc = check_collateral(r);
  for (uint32_t k = 0; k < r->ncontracts && !rc; k++) /* the running long side (census.h) */
    if (lo[k] != r->acct_long[k])
      rc = bk_err_set(&r->err, BK_EINVARIANT, "conservation broken at event %llu: long open "
                      "interest of contract %u is %lld, the running total says %lld",
                      (unsigned long long)r->event, k, (long long)lo[k],
                      (long long)r->acct_long[k]);
  /* the holder index lists exactly the accounts with a position on each contract */
  for (uint32_t k = 0; k < r->ncontracts && !rc; k++) {
    size_t n = held[k];
    const bk_holders *h = &r->holders[k];
    if (n != h->n)
      rc = bk_err_set(&r->err, BK_EINVARIANT, "holder index of contract %u lists %zu, "
                      "accounts hold %zu", k, h->n, n);
    for (size_t t = 0; t < h->n && !rc; t++) {
      int j = bk_acct_find(&r->acct[h->id[t]], k);
      if (j < 0 || r->acct[h->id[t]].pos[j].slot != t ||
          r->acct[h->id[t]].pos[j].size != h->size[t])
        rc = bk_err_set(&r->err, BK_EINVARIANT, "holder index of contract %u: slot %zu is "
                        "stale", k, t);
    }
  }
  free(oi);
  free(lo);
  free(held);
  return rc;
}
