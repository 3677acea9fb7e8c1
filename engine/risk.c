/*
 * The per-policy risk state (see risk.h): it owns accounts, fund, ledger, overlay and
 * trigger index, and orchestrates. Each event is begin → work → end; a liquidation is a
 * sequence of named steps whose rules live in the files named for them
 * (docs/liquidation.md): the walk in liquidation.c, the waterfall in waterfall.c, the
 * fund in fund.c, movements in transfer.c, conservation in conservation.c.
 *
 * Tuned for a replay where marks change many times a second over up to a million
 * accounts of which a handful are near liquidation: a mark update costs the trigger
 * entries it crosses plus the multi-position fallback list, never a scan of all
 * accounts; funding visits the contract's holders; ADL and socialization visit the
 * holders (or, for a clawback of profit, the accounts of the asset) once per event.
 */
#include "engine/risk.h"

#include <stdlib.h>
#include <string.h>

#include "engine/adl_rounds.h"
#include "engine/capture.h"
#include "engine/collateral.h"
#include "engine/conservation.h"
#include "engine/event.h"
#include "engine/fixed.h"
#include "engine/liquidation.h"
#include "engine/offload.h"
#include "engine/partial.h"
#include "engine/pool.h"
#include "engine/transfer.h"
#include "engine/vec.h"
#include "engine/waterfall.h"

static int64_t sgn(int64_t x) { return (x > 0) - (x < 0); }

static const char *const outcome_names[BK_OUTCOMES] = {"book", "waiting", "takeover", "adl",
                                                        "socialized", "unresolved"};

const char *bk_outcome_name(int outcome) {
  return outcome >= 0 && outcome < BK_OUTCOMES ? outcome_names[outcome] : "unknown";
}

/* --- construction ---------------------------------------------------------------------- */

/* The settle asset an initial-fund entry names (UINT32_MAX: none of this run's, so a
 * policy written for several venues applies to any of them), or BK_ECONFIG; a pool's
 * currency is refused there, as it would fund nothing. */
static bk_rc fund_asset(const bk_risk *r, const bk_fund_initial *fi, uint32_t *asset,
                        bk_err *err) {
  if (fi->asset[0]) {
    for (uint32_t a = 0; a < r->nassets; a++)
      if (strcmp(r->assets[a].name, fi->asset) == 0) {
        *asset = a;
        return BK_OK;
      }
    for (size_t i = 0; i < r->pol.npools; i++)
      if (strcmp(r->pol.pools[i].currency, fi->asset) == 0 && fi->amount != 0)
        return bk_err_set(err, BK_ECONFIG, "policy %s: fund.initial: %s is not a settle "
                          "asset of this run but the currency of pool %s: give the pool's "
                          "own cash as \"initial\" in its entry of fund.pools", r->pol.name,
                          fi->asset, r->pol.pools[i].name);
    *asset = UINT32_MAX; /* an asset this run does not settle in: nothing to fund */
    return BK_OK;
  }
  /* no name: the run's only settle asset */
  uint32_t only = r->contracts[0].settle;
  for (size_t k = 1; k < r->ncontracts; k++)
    if (r->contracts[k].settle != only && fi->amount != 0)
      return bk_err_set(err, BK_ECONFIG, "policy %s: fund.initial: this run settles in "
                        "several assets; give the initial fund per asset, as a map "
                        "{\"ASSET\": \"amount\"}", r->pol.name);
  *asset = only;
  return BK_OK;
}

/* Adaptive margins: every contract starts calm, its multiplier at the floor. */
static int start_stress(bk_risk *r) {
  r->stress = calloc(r->ncontracts, sizeof *r->stress);
  if (!r->stress) return -1;
  r->stress_decay = bk_stress_decay(&r->pol.am);
  for (size_t k = 0; k < r->ncontracts; k++) {
    bk_stress_start(&r->stress[k], &r->pol.am);
    r->contracts[k].mm_scale = r->stress[k].mult;
  }
  return 0;
}

static bk_risk *make(const bk_policy *pol, const bk_contract *contracts, size_t ncontracts,
                     const bk_asset *assets, size_t nassets, int shadow, bk_err *err) {
  if (bk_policy_check(pol, err)) return NULL;
  if (ncontracts == 0 || nassets > BK_LEDGER_ASSETS) {
    bk_err_set(err, BK_ECONFIG, "risk: need 1 or more contracts and at most %d assets",
               BK_LEDGER_ASSETS);
    return NULL;
  }
  for (size_t k = 0; k < ncontracts; k++)
    if (contracts[k].tick <= 0 || contracts[k].contract_size <= 0 ||
        contracts[k].settle >= BK_LEDGER_ASSETS || contracts[k].tiers.n == 0) {
      bk_err_set(err, BK_ECONFIG, "risk: contract %zu needs tick, size, settle and tiers", k);
      return NULL;
    }
  bk_risk *r = calloc(1, sizeof *r);
  if (!r) goto nomem;
  r->pol = *pol;
  r->shadow = shadow;
  r->ncontracts = ncontracts;
  r->nassets = nassets;
  r->contracts = malloc(ncontracts * sizeof *r->contracts);
  r->mark = calloc(ncontracts, sizeof *r->mark);
  r->market_pos = calloc(ncontracts, sizeof *r->market_pos);
  r->acct_oi = calloc(ncontracts, sizeof *r->acct_oi);
  r->acct_long = calloc(ncontracts, sizeof *r->acct_long);
  r->vol = calloc(ncontracts, sizeof *r->vol);
  r->holders = calloc(ncontracts, sizeof *r->holders);
  r->assets = calloc(nassets ? nassets : 1, sizeof *r->assets);
  r->index = calloc(ncontracts, sizeof *r->index);
  r->unpriced = calloc(ncontracts, sizeof *r->unpriced);
  if (!r->contracts || !r->mark || !r->market_pos || !r->acct_oi || !r->acct_long ||
      !r->assets || !r->vol || !r->holders || !r->index || !r->unpriced)
    goto nomem;
  memcpy(r->contracts, contracts, ncontracts * sizeof *r->contracts);
  if (nassets) memcpy(r->assets, assets, nassets * sizeof *r->assets);
  r->env = (bk_menv){r->contracts, r->mark, ncontracts, r->coll.now, 0, r->coll.unit};
  for (uint32_t a = 0; a < BK_LEDGER_ASSETS; a++) {
    r->coll.unit[a] = BK_FX(1);
    r->coll.unit_from[a] = BK_COLL_NONE;
  }
  for (uint32_t k = (uint32_t)ncontracts; k-- > 0;) /* the first inverse contract of each */
    if (contracts[k].kind == BK_INVERSE) {
      r->coll.unit_from[contracts[k].settle] = k;
      r->coll.unit[contracts[k].settle] = 0; /* no mark */
    }
  bk_ledger_init(&r->ledger, 0);
  bk_liq_overlay_init(&r->overlay, pol->halflife_us);
  if (bk_fund_init(&r->fund, ncontracts) || bk_trig_init(&r->trig, ncontracts) ||
      bk_wf_init(&r->wf, ncontracts))
    goto nomem;
#ifndef NDEBUG
  r->check = 1;
#endif
  r->records = 1;
  if (pol->am.sample_us && start_stress(r)) goto nomem;
  for (size_t i = 0; i < pol->nfund_initial; i++) {
    uint32_t a = 0;
    int64_t amount = pol->fund_initial[i].amount;
    if (fund_asset(r, &pol->fund_initial[i], &a, err)) {
      bk_risk_free(r);
      return NULL;
    }
    if (amount <= 0 || a == UINT32_MAX) continue;
    if (bk_ledger_post(&r->ledger, BK_PARTY_EXTERNAL, BK_PARTY_FUND, a, BK_CAUSE_DEPOSIT,
                       amount))
      goto nomem;
    r->fund.cash[a] += amount;
    r->wf.initial[a] += amount;
  }
  for (uint32_t a = 0; a < BK_LEDGER_ASSETS; a++) bk_fund_start(&r->fund, a, r->fund.cash[a]);
  if (bk_pool_setup(r, err)) {
    bk_risk_free(r);
    return NULL;
  }
  for (uint32_t i = 0; i < pol->npools; i++) { /* a pool's own cash, held in its currency */
    r->pool_cash[i] = r->wf.initial[BK_LEDGER_ASSETS + i] = pol->pools[i].initial;
    bk_fund_start(&r->fund, BK_LEDGER_ASSETS + i, pol->pools[i].initial);
  }
  return r;
nomem:
  bk_err_set(err, BK_ENOMEM, "risk: no memory");
  bk_risk_free(r);
  return NULL;
}

/* make() with the constructors' convention: the result, the object in *out (NULL on
 * error) and the reason in err when err is given. */
static bk_rc construct(const bk_policy *pol, const bk_contract *contracts, size_t ncontracts,
                       const bk_asset *assets, size_t nassets, int shadow, bk_risk **out,
                       bk_err *err) {
  bk_err local;
  if (!err) err = &local;
  bk_err_clear(err);
  *out = make(pol, contracts, ncontracts, assets, nassets, shadow, err);
  return *out ? BK_OK : (err->rc ? err->rc : BK_ENOMEM);
}

bk_rc bk_risk_new(const bk_policy *pol, const bk_contract *contracts, size_t ncontracts,
                  const bk_asset *assets, size_t nassets, bk_risk **out, bk_err *err) {
  return construct(pol, contracts, ncontracts, assets, nassets, 0, out, err);
}

bk_rc bk_risk_new_shadow(const bk_policy *pol, const bk_contract *contracts, size_t ncontracts,
                         const bk_asset *assets, size_t nassets, bk_risk **out, bk_err *err) {
  return construct(pol, contracts, ncontracts, assets, nassets, 1, out, err);
}

int64_t bk_risk_safe_fund(const bk_risk *r, uint32_t asset) {
  return r->shadow && asset < BK_LEDGER_ASSETS && r->pool_of[asset] < 0 ? r->wf.need[asset]
                                                                          : -1;
}

int64_t bk_risk_pool_safe_fund(const bk_risk *r, uint32_t pool) {
  return r->shadow && pool < r->pol.npools ? r->wf.need[BK_LEDGER_ASSETS + pool] : -1;
}

int64_t bk_risk_pool_value(const bk_risk *r, uint32_t pool) {
  int64_t eq = 0, cash, net;
  if (pool < r->pol.npools) bk_pool_state(r, BK_LEDGER_ASSETS + pool, &eq, &cash, &net);
  return eq;
}

void bk_risk_free(bk_risk *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nacct; i++) bk_acct_fini(&r->acct[i]);
  free(r->acct);
  free(r->retry_at);
  free(r->flags);
  free(r->dirty);
  free(r->is_dirty);
  free(r->acct_oi);
  free(r->acct_long);
  free(r->contracts);
  free(r->mark);
  free(r->index);
  free(r->unpriced);
  free(r->holds);
  free(r->market_pos);
  for (size_t k = 0; r->vol && k < r->ncontracts; k++) {
    free(r->vol[k].ts);
    free(r->vol[k].ret);
  }
  free(r->vol);
  for (size_t k = 0; r->holders && k < r->ncontracts; k++) {
    free(r->holders[k].id);
    free(r->holders[k].size);
  }
  free(r->holders);
  free(r->assets);
  bk_fund_fini(&r->fund);
  bk_ledger_fini(&r->ledger);
  bk_liq_overlay_fini(&r->overlay);
  bk_trig_fini(&r->trig);
  bk_wf_fini(&r->wf);
  bk_adl_rounds_fini(&r->rounds);
  free(r->recs);
  free(r->adl);
  free(r->scratch);
  free(r->unit);
  free(r->stress);
  free(r->mrecs);
  free(r);
}

int64_t bk_risk_fund_equity(const bk_risk *r, uint32_t asset) {
  int64_t e = 0;
  bk_fund_equity(&r->fund, &r->env, asset, &e);
  return e;
}

/* Grows a per-account array to hold `want` accounts: 0 on success, -1 on no memory. */
#define GROW(arr, cap, want)                                                             \
  ((tmp = bk_vec_grow((arr), &(cap), (want), sizeof *(arr))) ? ((arr) = tmp, 0) : -1)

bk_rc bk_risk_add_account(bk_risk *r, uint32_t settle, int64_t deposit, uint32_t *id) {
  if (deposit < 0 || settle >= BK_LEDGER_ASSETS)
    return bk_err_set(&r->err, BK_EDATA, "risk: bad deposit or settle asset");
  if (r->nacct == r->acap) {
    /* every per-account array grows to the same capacity */
    size_t cap = r->acap, c2 = r->acap, c3 = r->acap, c4 = r->acap, c5 = r->acap;
    void *tmp;
    if (GROW(r->acct, cap, r->nacct + 1))
      return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for accounts");
    for (size_t i = 0; i < r->nacct; i++) bk_acct_moved(&r->acct[i]); /* it may have moved */
    if (GROW(r->retry_at, c2, r->nacct + 1) || GROW(r->dirty, c3, r->nacct + 1) ||
        GROW(r->is_dirty, c4, r->nacct + 1) || GROW(r->flags, c5, r->nacct + 1))
      return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for accounts");
    r->acap = cap;
  }
  if (bk_ledger_reserve(&r->ledger, r->nacct + 1) || bk_trig_reserve(&r->trig, r->nacct + 1))
    return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for accounts");
  uint32_t k = (uint32_t)r->nacct;
  bk_acct_init(&r->acct[k], settle);
  r->retry_at[k] = 0;
  r->is_dirty[k] = 0;
  r->flags[k] = 0;
  r->nacct++;
  *id = k;
  return bk_xfer_pay(r, BK_PARTY_EXTERNAL, NULL, BK_XFER_PARTY(k), &r->acct[k].cash, settle,
                     BK_CAUSE_DEPOSIT, deposit);
}

void bk_risk_set_mark(bk_risk *r, uint32_t contract, int64_t mark) {
  if (contract >= r->ncontracts) return;
  r->mark[contract] = mark;
  bk_coll_reprice(r, contract, mark);
}

void bk_risk_set_index(bk_risk *r, uint32_t contract, int64_t index) {
  if (contract < r->ncontracts && index > 0) r->index[contract] = index;
}

/* Re-indexes an account's trigger after its positions or money changed. */
static bk_rc reindex(bk_risk *r, uint32_t id) {
  bk_account *a = &r->acct[id];
  if (a->npos == 0) {
    bk_trig_clear(&r->trig, id);
    return BK_OK;
  }
  /* several positions, or collateral whose price another contract moves: every mark */
  if (a->npos > 1 || a->ncoll) return bk_trig_set_multi(&r->trig, id);
  const bk_pos *p = &a->pos[0];
  if (r->mark[p->contract] <= 0) return bk_trig_set_multi(&r->trig, id);
  int64_t lp;
  if (bk_acct_liq_price(&r->env, a, 0, NULL, &lp)) return bk_trig_set_multi(&r->trig, id);
  return bk_trig_set(&r->trig, id, p->contract, p->size > 0, lp);
}

bk_rc bk_risk_post_collateral(bk_risk *r, uint32_t id, uint32_t asset, int64_t amount) {
  if (id >= r->nacct || asset >= r->coll.n || amount < 0)
    return bk_err_set(&r->err, BK_EDATA, "risk: bad collateral");
  bk_rc rc = bk_coll_post(r, id, asset, amount);
  return rc ? rc : reindex(r, id);
}

bk_rc bk_risk_trade(bk_risk *r, uint32_t id, uint32_t contract, int64_t size, int64_t price) {
  if (id >= r->nacct || contract >= r->ncontracts || price <= 0 || size == 0 ||
      size == INT64_MIN) /* no position is ever INT64_MIN: every |size| exists */
    return bk_err_set(&r->err, BK_EDATA, "risk: bad trade");
  bk_account *a = &r->acct[id];
  if (r->contracts[contract].settle != a->settle)
    return bk_err_set(&r->err, BK_ECONFIG, "risk: contract %u settles in another asset",
                      contract);
  int i = bk_acct_find(a, contract);
  bk_rc rc;
  if (i >= 0 && sgn(a->pos[i].size) != sgn(size)) {
    int64_t red = llabs(size) < llabs(a->pos[i].size) ? llabs(size) : llabs(a->pos[i].size);
    if ((rc = bk_xfer_close(r, id, contract, red, price, BK_CAUSE_PNL)) ||
        (rc = bk_wf_cover_isolated(r)))
      return rc;
    size -= sgn(size) * red; /* what is left of the trade after the reduction */
    if (size == 0) return reindex(r, id);
    i = bk_acct_find(a, contract);
  }
  bk_pos p = {contract, 0, size, price, 0, 0, 0, 0};
  if (i >= 0) { /* increase: size-weighted entry, through the fund's averaging rule */
    bk_fund tmp;
    bk_fund_pos one = {a->pos[i].size, a->pos[i].entry};
    memset(&tmp, 0, sizeof tmp);
    tmp.inv = &one;
    tmp.ncontracts = 1;
    int64_t realized;
    if (bk_fund_trade(&tmp, &r->contracts[contract], 0, size, price, &realized))
      return bk_err_set(&r->err, BK_ERANGE, "risk: position overflow");
    p = a->pos[i];
    p.size = one.size;
    p.entry = one.entry;
  }
  if ((rc = bk_xfer_set_pos(r, id, &p))) return rc;
  r->market_pos[contract] -= size;
  return reindex(r, id);
}

bk_rc bk_risk_open_isolated(bk_risk *r, uint32_t id, uint32_t contract, int64_t size,
                            int64_t price, int64_t margin) {
  if (id >= r->nacct || contract >= r->ncontracts || price <= 0 || size == 0 ||
      size == INT64_MIN || margin < 0 ||
      bk_acct_find(&r->acct[id], contract) >= 0 || margin > r->acct[id].cash)
    return bk_err_set(&r->err, BK_EDATA, "risk: bad isolated position");
  bk_account *a = &r->acct[id];
  bk_pos p = {contract, 1, size, price, margin, 0, 0, 0};
  bk_rc rc = bk_xfer_set_pos(r, id, &p);
  if (rc) return rc;
  a->cash -= margin; /* inside the account: the ledger balance is cash + margins */
  r->market_pos[contract] -= size;
  return reindex(r, id);
}

/* --- events ------------------------------------------------------------------------------ */

static void begin(bk_risk *r, int64_t ts) {
  r->event++;
  r->now = ts;
  bk_ledger_stamp(&r->ledger, ts, r->event);
}

/* Conservation after an event, as r->check asks: what it touched, and everything every
 * BK_RISK_FULL_CHECK events (every event at 2). */
static bk_rc check_event(bk_risk *r) {
  if (!r->check) return BK_OK;
  bk_rc rc = bk_cons_touched(r);
  if (!rc && (r->check == 2 || r->event % BK_RISK_FULL_CHECK == 0)) rc = bk_risk_check(r);
  return rc;
}

/* The end of an event on a contract settling in `asset`: for that asset and every other
 * whose fund moved during the event (a cross account of another asset liquidated on the
 * way), the waterfall's end (pending socialization, the fund's trigger) and the fund's
 * equity path; then the trigger index of every account touched, and conservation. */
static bk_rc end_event(bk_risk *r, uint32_t asset) {
  bk_rc rc = BK_OK;
  r->fund_moved[asset] = 1;
  for (uint32_t a = 0; a < BK_LEDGER_ASSETS && !rc; a++) {
    if (!r->fund_moved[a]) continue;
    r->fund_moved[a] = 0;
    rc = bk_wf_end_event(r, a);
    int64_t eq;
    if (!rc && bk_fund_equity(&r->fund, &r->env, a, &eq))
      rc = bk_err_set(&r->err, BK_ERANGE, "risk: fund equity overflow");
    if (!rc && bk_fund_observe(&r->fund, a, r->now, eq, r->pol.dd_window_us))
      rc = bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the fund window");
    r->key_moved[bk_pool_key(r, a)] = 1;
  }
  /* a shared fund's path, in its currency, once for all its members that moved */
  for (uint32_t k = BK_LEDGER_ASSETS; k < BK_FUND_KEYS && !rc; k++) {
    int64_t eq, cash, net;
    if (!r->key_moved[k]) continue;
    if (bk_pool_state(r, k, &eq, &cash, &net))
      rc = bk_err_set(&r->err, BK_ERANGE, "risk: pool value overflow");
    else if (bk_fund_observe(&r->fund, k, r->now, eq, r->pol.dd_window_us))
      rc = bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the fund window");
  }
  memset(r->key_moved, 0, sizeof r->key_moved);
  memset(r->fund_moved, 0, sizeof r->fund_moved);
  for (size_t d = 0; d < r->ndirty && !rc; d++)
    if (reindex(r, r->dirty[d])) rc = bk_err_set(&r->err, BK_ENOMEM, "risk: no memory");
  if (!rc) rc = check_event(r);
  for (size_t d = 0; d < r->ndirty; d++) r->is_dirty[r->dirty[d]] = 0;
  r->ndirty = 0;
  return rc;
}

/* The end of an event that moved nothing in a fund of its own holding no inventory (the
 * caller checked it): what end_event would do, in fewer steps. The fund's equity is its
 * cash; no account is dirty, no socialization is pending, and the waterfall's trigger has
 * no inventory to deleverage. */
static bk_rc end_quiet(bk_risk *r, uint32_t asset) {
  if (r->check == 2) { /* the tests' every-event check: what this path takes for granted */
    int64_t eq;
    int moved = 0;
    for (uint32_t a = 0; a < BK_LEDGER_ASSETS; a++) moved |= r->fund_moved[a];
    if (moved || bk_fund_equity(&r->fund, &r->env, asset, &eq) || eq != r->fund.cash[asset])
      return bk_err_set(&r->err, BK_EINVARIANT, "risk: a quiet trade at event %llu moved a "
                        "fund", (unsigned long long)r->event);
  }
  if (bk_fund_observe(&r->fund, asset, r->now, r->fund.cash[asset], r->pol.dd_window_us))
    return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the fund window");
  return check_event(r);
}

bk_rc bk_risk_close_account(bk_risk *r, uint32_t id, int64_t ts, int *left) {
  *left = 0;
  if (id >= r->nacct) return bk_err_set(&r->err, BK_EDATA, "risk: no account %u", id);
  bk_account *a = &r->acct[id];
  if (bk_acct_liquidatable(&r->env, a, NULL)) return BK_OK;
  begin(r, ts);
  bk_rc rc = BK_OK;
  while (a->npos && !rc) {
    const bk_pos *p = &a->pos[a->npos - 1];
    uint32_t k = p->contract;
    if ((rc = bk_xfer_close(r, id, k, llabs(p->size), r->mark[k], BK_CAUSE_PNL)) == BK_OK)
      rc = bk_wf_cover_isolated(r);
  }
  int64_t fall; /* a debt at the close is paid from the collateral, not by a deposit */
  if (rc || (rc = bk_coll_sell(r, id, 0, &fall)) || (rc = bk_xfer_pay(r, BK_XFER_PARTY(id), &a->cash, BK_PARTY_EXTERNAL, NULL,
                              a->settle, BK_CAUSE_DEPOSIT, a->cash)))
    return rc;
  bk_coll_withdraw(r, id);
  r->retry_at[id] = 0;
  *left = 1;
  return end_event(r, a->settle);
}

static bk_rc record(bk_risk *r, const bk_liq_rec *rec) {
  if (!r->records) return BK_OK;
  bk_liq_rec *v = bk_vec_push(r->recs, &r->nrecs, &r->rcap, rec, sizeof *rec);
  if (!v) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for records");
  r->recs = v;
  return BK_OK;
}

/* Sets a liquidation record's fund movements from the ledger's totals before (in0, out0)
 * and now, in the settle asset of its contract. */
static void attribute_fund(bk_risk *r, bk_liq_rec *rec, int64_t in0[BK_CAUSES][BK_LEDGER_ASSETS],
                           int64_t out0[BK_CAUSES][BK_LEDGER_ASSETS]) {
  uint32_t a = r->contracts[rec->contract].settle;
  int64_t d[BK_CAUSES];
  for (int c = 0; c < BK_CAUSES; c++)
    d[c] = (r->ledger.fund_in[c][a] - in0[c][a]) - (r->ledger.fund_out[c][a] - out0[c][a]);
  rec->fund_fee = d[BK_CAUSE_LIQ_FEE];
  rec->fund_spread = d[BK_CAUSE_SPREAD];
  rec->fund_deficit = -d[BK_CAUSE_DEFICIT];
  rec->fund_other = 0;
  for (int c = 0; c < BK_CAUSES; c++)
    if (c != BK_CAUSE_LIQ_FEE && c != BK_CAUSE_SPREAD && c != BK_CAUSE_DEFICIT)
      rec->fund_other += d[c];
}

/* The retry delay of a waiting or unresolved unit. */
static int64_t cooldown(const bk_risk *r, int64_t at_least) {
  return r->pol.slice_cooldown_us > at_least ? r->pol.slice_cooldown_us : at_least;
}

/* The waterfall's action on what is left (docs §5): ADL at bp, or the book at any price;
 * what neither places stays open, unresolved. */
static bk_rc waterfall(bk_risk *r, uint32_t id, uint32_t k, const bk_book *book, int64_t rem,
                       int64_t bp, bk_liq_rec *rec, bk_liq_tally *t) {
  bk_rc rc;
  int64_t left = rem;
  if (r->pol.wf_action == BK_WF_ADL && bk_wf_adl_closes(&r->pol)) {
    rc = bk_wf_adl(r, id, k, rem, bp, &left);
    rec->adl_qty = rem - left;
    rec->outcome = BK_OUT_ADL;
  } else {
    int64_t q0 = t->qty;
    rc = bk_liq_close_by_book(r, id, k, book, rem, 0, t);
    if (!rc) rc = bk_wf_cover_isolated(r);
    left = rem - (t->qty - q0);
    rec->outcome = BK_OUT_SOCIALIZED;
  }
  if (!rc && left > 0) {
    rec->unresolved_qty = left;
    rec->outcome = BK_OUT_UNRESOLVED;
    r->retry_at[id] = r->now + cooldown(r, INT64_C(1000000));
  }
  return rc;
}

/* What the book did not absorb (docs §4). j: the position's index, eu: the unit's equity
 * at the mark after the walk. */
static bk_rc route(bk_risk *r, uint32_t id, uint32_t k, const bk_book *book, int j,
                   int64_t rem, int64_t bp, bk_liq_rec *rec, bk_liq_tally *t) {
  bk_account *a = &r->acct[id];
  int64_t eu, mm;
  if (bk_acct_pos_equity(&r->env, a, (size_t)j, &eu))
    return bk_err_set(&r->err, BK_ERANGE, "risk: equity overflow");
  int rule = r->pol.remainder;
  if (rule == BK_REM_SLICE) {
    /* slices go on while the unit keeps more than the backstop's share of its margin */
    const bk_pos *p = &a->pos[j];
    if ((p->isolated ? bk_pos_mm(&r->contracts[k], p, r->mark[k], &mm)
                     : bk_acct_mm(&r->env, a, &mm)) ||
        bk_fx_mul(mm, r->pol.backstop_mm, BK_FLOOR, &mm))
      return bk_err_set(&r->err, BK_ERANGE, "risk: margin overflow");
    if (eu > mm) {
      r->retry_at[id] = r->now + cooldown(r, 1);
      rec->outcome = BK_OUT_WAITING;
      return BK_OK;
    }
    rule = BK_REM_TAKEOVER; /* the fund's backstop */
  }
  if (rule == BK_REM_WATERFALL && eu >= 0) { /* solvent: wait for the book to refill */
    r->retry_at[id] = r->now + cooldown(r, 1);
    rec->outcome = BK_OUT_WAITING;
    return BK_OK;
  }
  if (rule == BK_REM_TAKEOVER) {
    int done;
    bk_rc rc = bk_wf_takeover(r, id, k, rem, bp, &done);
    if (rc || done) {
      rec->takeover_qty = done ? rem : 0;
      rec->outcome = BK_OUT_TAKEOVER;
      return rc;
    }
  }
  return waterfall(r, id, k, book, rem, bp, rec, t);
}

/* One contract of a unit being liquidated: walk, route the remainder, charge the fee,
 * record. */
static bk_rc step(bk_risk *r, uint32_t id, uint32_t k, const bk_book *book, int bankrupt) {
  bk_account *a = &r->acct[id];
  int i = bk_acct_find(a, k);
  if (i < 0) return BK_OK;
  const bk_contract *c = &r->contracts[k];
  bk_pos p = a->pos[i];
  int64_t bp, limit;
  if (bk_acct_bankrupt_price(&r->env, a, (size_t)i, NULL, &bp))
    return bk_err_set(&r->err, BK_ERANGE, "risk: bankruptcy price overflow");
  bk_liq_rec rec = {.ts = r->now, .acct = id, .contract = k,
                    .size = p.size, .mark = r->mark[k], .bankrupt = bp,
                    .bankrupt_at_mark = (int16_t)(bankrupt != 0), .outcome = BK_OUT_BOOK};
  int64_t qty;
  if (bk_part_qty(r, a, i, &qty))
    return bk_err_set(&r->err, BK_ERANGE, "risk: liquidation quantity overflow");
  if (qty == 0) return BK_OK; /* to health: healthy again after an earlier step */
  bk_rc rc = bk_liq_limit(r, a, i, bp, &limit);
  if (rc) return rc;
  bk_liq_tally t = {0, 0, 0, 0};
  r->released = 0;
  if ((rc = bk_liq_close_by_book(r, id, k, book, qty, limit, &t)) ||
      (rc = bk_wf_cover_isolated(r)))
    return rc;
  int j = bk_acct_find(a, k);
  int64_t rem = j >= 0 ? llabs(a->pos[j].size) : 0;
  /* to health, what is left to place is what the book did not take of the step's own
     quantity, not the rest of the position */
  if (r->pol.size_mode == BK_SIZE_HEALTH && rem > qty - t.qty) rem = qty - t.qty;
  /* a position that cannot go bankrupt alone (the rest of the account covers any price)
     is taken over or deleveraged at the mark */
  int64_t px = bp > 0 && bp < INT64_MAX ? bp : r->mark[k];
  if (rem > 0 && (rc = route(r, id, k, book, j, rem, px, &rec, &t))) return rc;
  if ((rc = bk_liq_charge_fee(r, id, k, p.isolated, t.notional, &rec.fee))) return rc;
  rec.book_qty = t.qty;
  rec.levels = t.levels;
  rec.avg_fill = t.qty ? bk_div_round(t.pq, t.qty, BK_FLOOR) : 0;
  if (bk_pos_notional(c, llabs(rec.size), rec.mark, &rec.notional))
    return bk_err_set(&r->err, BK_ERANGE, "risk: notional overflow");
  /* a waiting or unresolved position retried without any change is not a new step */
  int moved = t.qty || rec.takeover_qty || rec.adl_qty || rec.fee;
  int pend = rec.outcome == BK_OUT_UNRESOLVED || rec.outcome == BK_OUT_WAITING ? rec.outcome : 0;
  int repeat = pend && !moved && p.pending == pend;
  j = bk_acct_find(a, k);
  if (j >= 0) a->pos[j].pending = pend;
  if (!repeat && (rc = record(r, &rec))) return rc;
  if (bankrupt && !(r->flags[id] & BK_ACCT_BANKRUPT)) {
    r->flags[id] |= BK_ACCT_BANKRUPT;
    r->bankrupt_accounts[a->settle]++;
  }
  /* an isolated position that ended gives what it released to the fund under the
     remaining-margin penalty (the cross pool's own money stays) */
  if (p.isolated && r->pol.penalty_mode == BK_PEN_REMAINING && bk_acct_find(a, k) < 0 &&
      r->released > 0)
    rc = bk_xfer_pay(r, BK_XFER_PARTY(id), &a->cash, BK_PARTY_FUND,
                     bk_xfer_fund_cash(r, c->settle), c->settle, BK_CAUSE_SPREAD, r->released);
  return rc;
}

/* After a cross unit is fully closed: a negative balance is a deficit (after its
 * collateral's sale; bk_wf_cover_cross); under the remaining-margin penalty all the
 * collateral is sold and a positive balance goes to the fund, so the fund takes the
 * whole remaining equity whatever the sign of the cash. */
static bk_rc settle_closed(bk_risk *r, uint32_t id, uint32_t contract) {
  bk_account *a = &r->acct[id];
  for (uint32_t i = 0; i < a->npos; i++)
    if (!a->pos[i].isolated) return BK_OK; /* the cross pool is still open */
  uint32_t asset = a->settle;
  bk_rc rc = bk_wf_cover_cross(r, id, contract, r->pol.penalty_mode == BK_PEN_REMAINING);
  if (rc) return rc;
  if (r->pol.penalty_mode == BK_PEN_REMAINING && a->cash > 0)
    return bk_xfer_pay(r, BK_XFER_PARTY(id), &a->cash, BK_PARTY_FUND,
                       bk_xfer_fund_cash(r, asset), asset, BK_CAUSE_SPREAD, a->cash);
  return BK_OK;
}

/* The equity of the unit being liquidated: an isolated position's (which >= 0), or the
 * cross pool's. */
static bk_rc unit_equity(bk_risk *r, const bk_account *a, int which, int64_t *eq) {
  if (which >= 0 ? bk_acct_pos_equity(&r->env, a, (size_t)which, eq)
                 : bk_acct_equity(&r->env, a, eq))
    return bk_err_set(&r->err, BK_ERANGE, "risk: equity overflow");
  return BK_OK;
}

/* The contracts the account holds, in all (progress of a to-health round). */
static bk_i128 open_size(const bk_account *a) {
  bk_i128 n = 0;
  for (uint32_t i = 0; i < a->npos; i++) n += llabs(a->pos[i].size);
  return n;
}

/* One round of a liquidation: the unit's contracts one by one (step; to health, largest
 * maintenance margin first), then the cross pool's settlement. */
static bk_rc liquidate_unit(bk_risk *r, uint32_t id, int which, int64_t eq,
                            const bk_book *const *books) {
  bk_account *a = &r->acct[id];
  /* the unit: one isolated position, or every cross position */
  size_t nt = 0;
  uint32_t *unit = bk_vec_grow(r->unit, &r->unit_cap, a->npos, sizeof *unit);
  if (!unit) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory");
  r->unit = unit;
  for (uint32_t i = 0; i < a->npos; i++)
    if (which >= 0 ? (int)i == which : !a->pos[i].isolated) r->unit[nt++] = a->pos[i].contract;
  if (r->pol.size_mode == BK_SIZE_HEALTH) bk_part_order(r, a, r->unit, nt);
  bk_rc rc = BK_OK;
  for (size_t t = 0; t < nt && !rc; t++)
    rc = step(r, id, r->unit[t], books ? books[r->unit[t]] : NULL, eq < 0);
  if (!rc && which < 0) rc = settle_closed(r, id, nt ? r->unit[0] : 0);
  return rc;
}

/* Liquidates one account if it is below maintenance, not cooling down and within the
 * fund's loss budget: one round (liquidate_unit), or to health as many rounds as keep
 * closing something while the unit is still below maintenance. */
static bk_rc liquidate(bk_risk *r, uint32_t id, const bk_book *const *books) {
  bk_account *a = &r->acct[id];
  int which, now_which;
  if (!bk_acct_liquidatable(&r->env, a, &which)) {
    r->retry_at[id] = 0;
    for (uint32_t i = 0; i < a->npos; i++) a->pos[i].pending = 0; /* healthy again */
    return BK_OK;
  }
  if (r->retry_at[id] > r->now) return BK_OK;
  int64_t eq;
  bk_rc rc = unit_equity(r, a, which, &eq);
  if (rc || bk_part_budget_waits(r, id, eq)) return rc;
  r->retry_at[id] = 0;
  size_t rec0 = r->nrecs;
  int64_t in0[BK_CAUSES][BK_LEDGER_ASSETS], out0[BK_CAUSES][BK_LEDGER_ASSETS];
  memcpy(in0, r->ledger.fund_in, sizeof in0);
  memcpy(out0, r->ledger.fund_out, sizeof out0);
  uint32_t asset = a->settle;
  int64_t fund0 = bk_risk_fund_equity(r, asset);
  for (int round = 1;; round++) {
    bk_i128 open0 = open_size(a);
    if ((rc = liquidate_unit(r, id, which, eq, books))) return rc;
    if (r->pol.size_mode != BK_SIZE_HEALTH || round == BK_PART_ROUNDS ||
        r->retry_at[id] > r->now || open_size(a) == open0 ||
        !bk_acct_liquidatable(&r->env, a, &now_which) || now_which != which)
      break;
    if ((rc = unit_equity(r, a, which, &eq))) return rc;
  }
  if (r->nrecs > rec0) attribute_fund(r, &r->recs[r->nrecs - 1], in0, out0);
  bk_part_budget_charge(r, asset, fund0, bk_risk_fund_equity(r, asset));
  return BK_OK;
}

static bk_rc scratch_add(bk_risk *r, uint32_t id) {
  uint32_t *v = bk_vec_grow(r->scratch, &r->scratch_cap, r->nscratch + 1, sizeof *v);
  if (!v) return BK_ENOMEM;
  r->scratch = v;
  r->scratch[r->nscratch++] = id;
  return BK_OK;
}

/* Adaptive margins on a mark of contract k (the mark before it: old): the contract's
 * stress takes the samples due; when its multiplier moved, every holder's liquidation
 * price moved with it, so each is indexed again before the mark's crossed triggers are
 * popped (a rise can cross them where the mark alone did not). */
static bk_rc adapt_margin(bk_risk *r, uint32_t k, int64_t old, int64_t mark) {
  bk_stress *s = &r->stress[k];
  if (!bk_stress_observe(s, &r->pol.am, r->stress_decay, old, mark, r->now)) return BK_OK;
  r->contracts[k].mm_scale = s->mult;
  bk_margin_rec rec = {r->now, k, bk_div_round(s->vol, BK_FX_SCALE, BK_CEIL), s->target,
                       s->mult};
  if (r->records) {
    bk_margin_rec *v = bk_vec_push(r->mrecs, &r->nmrecs, &r->mrcap, &rec, sizeof rec);
    if (!v) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for margin records");
    r->mrecs = v;
  }
  const bk_holders *h = &r->holders[k];
  for (size_t t = 0; t < h->n; t++)
    if (reindex(r, h->id[t])) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory");
  return BK_OK;
}

bk_rc bk_risk_on_mark(bk_risk *r, uint32_t contract, int64_t mark, int64_t ts,
                      const bk_book *const *books) {
  if (contract >= r->ncontracts || mark <= 0)
    return bk_err_set(&r->err, BK_EDATA, "risk: bad mark for contract %u", contract);
  begin(r, ts);
  int64_t old = r->mark[contract];
  r->mark[contract] = mark;
  bk_coll_reprice(r, contract, mark);
  r->nscratch = 0;
  bk_rc rc = r->stress ? adapt_margin(r, contract, old, mark) : BK_OK;
  if (rc) return rc;
  rc = bk_trig_pop_crossed(&r->trig, contract, mark, &r->scratch, &r->nscratch,
                                 &r->scratch_cap);
  for (size_t i = 0; !rc && i < r->trig.nmulti; i++) {
    const bk_account *a = &r->acct[r->trig.multi[i]];
    if (a->ncoll == 0 || bk_coll_moves(r, a, contract)) rc = scratch_add(r, r->trig.multi[i]);
  }
  if (rc) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the visit list");
  if (r->pol.vol_window_us && (rc = bk_liq_vol_observe(r, contract, old, mark)))
    return bk_err_set(&r->err, rc, "risk: no memory for the volatility window");
  /* accounts waiting for a retry stay indexed with a crossed trigger, so they come back
     here and liquidate() lets them wait out their cooldown; every visited account is
     re-indexed at the end of the event */
  size_t nvisit = r->nscratch;
  r->visited += nvisit;
  for (size_t v = 0; v < nvisit && !rc; v++) {
    bk_xfer_touch(r, r->scratch[v]);
    rc = liquidate(r, r->scratch[v], books);
  }
  if (!rc) rc = bk_offload_step(r, contract, books ? books[contract] : NULL);
  if (rc) return rc;
  return end_event(r, r->contracts[contract].settle);
}

bk_rc bk_risk_on_index(bk_risk *r, uint32_t contract, int64_t index, int64_t ts) {
  bk_risk_set_index(r, contract, index);
  if (contract >= r->ncontracts || !bk_capture_due(r, contract, ts)) return BK_OK;
  begin(r, ts);
  bk_rc rc = bk_capture_release(r, contract, ts);
  return rc ? rc : end_event(r, r->contracts[contract].settle);
}

bk_rc bk_risk_end_captures(bk_risk *r, int64_t ts) {
  if (r->nholds == 0) return BK_OK;
  uint32_t asset = r->contracts[r->holds[0].contract].settle;
  begin(r, ts);
  bk_rc rc = bk_capture_release_all(r);
  return rc ? rc : end_event(r, asset);
}

bk_rc bk_risk_on_trade(bk_risk *r, uint32_t contract, int side, int64_t price, int64_t qty,
                       int64_t ts) {
  if (contract >= r->ncontracts || price <= 0 || qty < 0)
    return bk_err_set(&r->err, BK_EDATA, "risk: bad trade for contract %u", contract);
  begin(r, ts);
  const bk_contract *c = &r->contracts[contract];
  int64_t n, fee = 0; /* without a share the fee is 0, but a notional past int64 is still
                         an error in the data */
  if (bk_pos_notional(c, qty, price, &n) ||
      (r->pol.fund_share != 0 &&
       bk_acct_muldiv_wide((bk_i128)n * (r->pol.maker_fee + r->pol.taker_fee),
                           r->pol.fund_share, (bk_i128)BK_FX_SCALE * BK_FX_SCALE, BK_FLOOR,
                           &fee)))
    return bk_err_set(&r->err, BK_ERANGE, "risk: fee overflow");
  /* most trades move nothing in a policy that takes no share of fees and no spread */
  if (fee == 0 && (r->pol.spread_taker_share <= 0 || r->pol.spread_fund_share <= 0) &&
      r->ndirty == 0 && !r->wf.any_pending && bk_pool_key(r, c->settle) == c->settle &&
      !bk_wf_holds_inventory(r, c->settle))
    return end_quiet(r, c->settle);
  bk_rc rc = bk_xfer_pay(r, BK_PARTY_MARKET, NULL, BK_PARTY_FUND,
                         bk_xfer_fund_cash(r, c->settle), c->settle,
                         BK_CAUSE_PROTOCOL_REVENUE, fee);
  if (!rc) rc = bk_capture_post(r, contract, side, qty, price, r->pol.spread_taker_share);
  if (rc) return rc;
  return end_event(r, c->settle);
}

/* Funding owed by a position (signed: > 0 it pays), rounded for the exchange. */
static bk_rc funding_of(const bk_contract *c, int64_t size, int64_t mark, int64_t rate,
                        int64_t *out) {
  bk_i128 k = (bk_i128)size * c->contract_size;
  if (c->kind == BK_INVERSE) /* size × face / mark × rate, coin */
    return bk_acct_muldiv_wide(k, rate, (bk_i128)mark * BK_FX_SCALE, BK_CEIL, out);
  return bk_acct_muldiv_wide(k, (bk_i128)mark * rate,
                             (bk_i128)BK_FX_SCALE * BK_FX_SCALE * BK_FX_SCALE, BK_CEIL, out);
}

bk_rc bk_risk_on_funding(bk_risk *r, uint32_t contract, int64_t rate, int64_t ts) {
  if (contract >= r->ncontracts || r->mark[contract] <= 0)
    return bk_err_set(&r->err, BK_EDATA, "risk: funding before a mark for contract %u",
                      contract);
  begin(r, ts);
  const bk_contract *c = &r->contracts[contract];
  int64_t mark = r->mark[contract];
  bk_rc rc = BK_OK;
  const bk_holders *h = &r->holders[contract];
  for (size_t t = 0; t < h->n && !rc; t++) {
    uint32_t id = h->id[t];
    bk_account *a = &r->acct[id];
    int i = bk_acct_find(a, contract);
    int64_t owed;
    if (funding_of(c, a->pos[i].size, mark, rate, &owed))
      return bk_err_set(&r->err, BK_ERANGE, "risk: funding overflow");
    int64_t *hold = a->pos[i].isolated ? &a->pos[i].margin : &a->cash;
    rc = bk_xfer_pay(r, BK_XFER_PARTY(id), hold, BK_PARTY_MARKET, NULL, a->settle,
                     BK_CAUSE_FUNDING, owed);
  }
  if (!rc && r->fund.inv[contract].size) {
    int64_t owed;
    if (funding_of(c, r->fund.inv[contract].size, mark, rate, &owed))
      return bk_err_set(&r->err, BK_ERANGE, "risk: funding overflow");
    rc = bk_xfer_pay(r, BK_PARTY_FUND, bk_xfer_fund_cash(r, c->settle), BK_PARTY_MARKET, NULL,
                     c->settle, BK_CAUSE_FUNDING, owed);
  }
  if (rc) return rc;
  return end_event(r, c->settle);
}
