/*
 * The per-policy risk state (see risk.h): accounts, fund, ledger, overlay and trigger
 * index, and the liquidation procedure that ties them together.
 *
 * Tuned for a replay where marks change many times a second over up to a million
 * accounts of which a handful are near liquidation: a mark update costs the trigger
 * entries it crosses plus the multi-position fallback list, never a scan of all
 * accounts. Scans over every account happen only on rare events (funding every 8 h, ADL
 * and socialization, the conservation check in debug builds).
 */
#include "engine/risk.h"

#include "engine/event.h"
#include "engine/fixed.h"
#include "engine/waterfall.h"

#include <stdlib.h>
#include <string.h>

#define PARTY(id) ((uint32_t)(BK_PARTY_ACCT0 + (id)))
#define MAX_FILLS 64

static int64_t sgn(int64_t x) { return (x > 0) - (x < 0); }

bk_risk *bk_risk_new(const bk_policy *pol, const bk_contract *contracts, size_t ncontracts,
                     const bk_asset *assets, size_t nassets, bk_err *err) {
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
  r->ncontracts = ncontracts;
  r->nassets = nassets;
  r->contracts = malloc(ncontracts * sizeof *r->contracts);
  r->mark = calloc(ncontracts, sizeof *r->mark);
  r->market_pos = calloc(ncontracts, sizeof *r->market_pos);
  r->acct_oi = calloc(ncontracts, sizeof *r->acct_oi);
  r->vol = calloc(ncontracts, sizeof *r->vol);
  r->assets = calloc(nassets ? nassets : 1, sizeof *r->assets);
  if (!r->contracts || !r->mark || !r->market_pos || !r->acct_oi || !r->assets || !r->vol)
    goto nomem;
  memcpy(r->contracts, contracts, ncontracts * sizeof *r->contracts);
  if (nassets) memcpy(r->assets, assets, nassets * sizeof *r->assets);
  r->env = (bk_menv){r->contracts, r->mark, ncontracts, r->assets, nassets};
  bk_ledger_init(&r->ledger, 1);
  bk_liq_overlay_init(&r->overlay, pol->halflife_us);
  if (bk_fund_init(&r->fund, ncontracts) || bk_trig_init(&r->trig, ncontracts)) goto nomem;
#ifndef NDEBUG
  r->check = 1;
#endif
  if (pol->fund_initial > 0) {
    if (bk_ledger_post(&r->ledger, BK_PARTY_EXTERNAL, BK_PARTY_FUND, 0, BK_CAUSE_DEPOSIT,
                       pol->fund_initial))
      goto nomem;
    r->fund.cash[0] = pol->fund_initial;
  }
  return r;
nomem:
  bk_err_set(err, BK_ENOMEM, "risk: no memory");
  bk_risk_free(r);
  return NULL;
}

void bk_risk_free(bk_risk *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nacct; i++) bk_acct_fini(&r->acct[i]);
  free(r->acct);
  free(r->retry_at);
  free(r->dirty);
  free(r->is_dirty);
  free(r->acct_oi);
  free(r->contracts);
  free(r->mark);
  free(r->market_pos);
  for (size_t k = 0; r->vol && k < r->ncontracts; k++) {
    free(r->vol[k].ts);
    free(r->vol[k].ret);
  }
  free(r->vol);
  free(r->assets);
  bk_fund_fini(&r->fund);
  bk_ledger_fini(&r->ledger);
  bk_liq_overlay_fini(&r->overlay);
  bk_trig_fini(&r->trig);
  free(r->recs);
  free(r->adl);
  free(r->scratch);
  free(r);
}

int64_t bk_risk_fund_equity(const bk_risk *r, uint32_t asset) {
  int64_t e = 0;
  bk_fund_equity(&r->fund, &r->env, asset, &e);
  return e;
}

/* Moves a signed amount (negative: the other way) between two parties and applies it to
 * the holders that keep those balances (account cash, an isolated margin, fund cash). */
/* Marks an account for the next per-event check (the list has room for every account). */
static void touch(bk_risk *r, uint32_t id) {
  if (!r->is_dirty[id]) {
    r->is_dirty[id] = 1;
    r->dirty[r->ndirty++] = id;
  }
}

static bk_rc pay(bk_risk *r, uint32_t from, int64_t *from_h, uint32_t to, int64_t *to_h,
                 uint32_t asset, int cause, int64_t amount) {
  if (amount < 0) {
    uint32_t t = from;
    from = to;
    to = t;
    int64_t *th = from_h;
    from_h = to_h;
    to_h = th;
    if (amount == INT64_MIN) return bk_err_set(&r->err, BK_ERANGE, "risk: payment overflow");
    amount = -amount;
  }
  if (!amount) return BK_OK;
  bk_rc rc = bk_ledger_post(&r->ledger, from, to, asset, cause, amount);
  if (rc) return bk_err_set(&r->err, rc, "%s", r->ledger.err.msg);
  if (from_h) *from_h -= amount;
  if (to_h) *to_h += amount;
  if (from >= BK_PARTY_ACCT0) {
    touch(r, from - BK_PARTY_ACCT0);
    r->acct_money[asset] -= amount;
  }
  if (to >= BK_PARTY_ACCT0) {
    touch(r, to - BK_PARTY_ACCT0);
    r->acct_money[asset] += amount;
  }
  return BK_OK;
}

/* Sets a position of account id (size 0 removes it), keeping the open-interest total
 * and marking the account for the next check. */
static bk_rc set_pos(bk_risk *r, uint32_t id, const bk_pos *p) {
  bk_account *a = &r->acct[id];
  int i = bk_acct_find(a, p->contract);
  int64_t old = i >= 0 ? a->pos[i].size : 0;
  bk_rc rc = bk_acct_set_pos(a, p);
  if (rc) return rc;
  r->acct_oi[p->contract] += p->size - old;
  touch(r, id);
  return BK_OK;
}

static int64_t *fund_h(bk_risk *r, uint32_t asset) { return &r->fund.cash[asset]; }

bk_rc bk_risk_add_account(bk_risk *r, uint32_t settle, int64_t deposit, uint32_t *id) {
  if (deposit < 0 || settle >= BK_LEDGER_ASSETS)
    return bk_err_set(&r->err, BK_EDATA, "risk: bad deposit or settle asset");
  if (r->nacct == r->acap) {
    size_t cap = r->acap ? r->acap * 2 : 16;
    bk_account *v = realloc(r->acct, cap * sizeof *v);
    if (!v) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for accounts");
    r->acct = v;
    int64_t *t = realloc(r->retry_at, cap * sizeof *t);
    if (!t) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for accounts");
    r->retry_at = t;
    uint32_t *d = realloc(r->dirty, cap * sizeof *d);
    if (!d) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for accounts");
    r->dirty = d;
    uint8_t *f = realloc(r->is_dirty, cap * sizeof *f);
    if (!f) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for accounts");
    r->is_dirty = f;
    r->acap = cap;
  }
  if (bk_ledger_reserve(&r->ledger, r->nacct + 1) || bk_trig_reserve(&r->trig, r->nacct + 1))
    return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for accounts");
  uint32_t k = (uint32_t)r->nacct;
  bk_acct_init(&r->acct[k], settle);
  r->retry_at[k] = 0;
  r->is_dirty[k] = 0;
  r->nacct++;
  *id = k;
  return pay(r, BK_PARTY_EXTERNAL, NULL, PARTY(k), &r->acct[k].cash, settle, BK_CAUSE_DEPOSIT,
             deposit);
}

void bk_risk_set_mark(bk_risk *r, uint32_t contract, int64_t mark) {
  if (contract < r->ncontracts) r->mark[contract] = mark;
}

/* Re-indexes an account's trigger after its positions or money changed. */
static bk_rc reindex(bk_risk *r, uint32_t id) {
  bk_account *a = &r->acct[id];
  if (a->npos == 0) {
    bk_trig_clear(&r->trig, id);
    return BK_OK;
  }
  if (a->npos > 1) return bk_trig_set_multi(&r->trig, id);
  const bk_pos *p = &a->pos[0];
  if (r->mark[p->contract] <= 0) return bk_trig_set_multi(&r->trig, id);
  int64_t lp;
  if (bk_acct_liq_price(&r->env, a, 0, NULL, &lp)) return bk_trig_set_multi(&r->trig, id);
  return bk_trig_set(&r->trig, id, p->contract, p->size > 0, lp);
}

static bk_rc cover(bk_risk *r, uint32_t id, int64_t *holder, uint32_t contract, int64_t d);

/* Closes (part of) position i of an account at price against the market: realized PnL is
 * posted with cause, into the cash (cross) or the isolated margin. */
static bk_rc close_at(bk_risk *r, uint32_t id, uint32_t contract, int64_t qty, int64_t price,
                      int cause) {
  bk_account *a = &r->acct[id];
  int i = bk_acct_find(a, contract);
  if (i < 0 || qty <= 0) return BK_OK;
  bk_pos p = a->pos[i];
  if (qty > llabs(p.size)) qty = llabs(p.size);
  int64_t closed = sgn(p.size) * qty, u;
  if (bk_pos_upnl(&r->contracts[contract], closed, p.entry, price, &u))
    return bk_err_set(&r->err, BK_ERANGE, "risk: PnL overflow");
  int64_t *h = p.isolated ? &a->pos[i].margin : &a->cash;
  bk_rc rc = pay(r, BK_PARTY_MARKET, NULL, PARTY(id), h, a->settle, cause, u);
  if (rc) return rc;
  r->market_pos[contract] += closed;
  p = a->pos[i];
  p.size -= closed;
  if (p.size == 0 && p.isolated) {
    /* an isolated position ended: a negative result is its own deficit, covered before
       what is left is released into cash (so the cross pool never pays for it) */
    if (a->pos[i].margin < 0) {
      rc = cover(r, id, &a->pos[i].margin, contract, -a->pos[i].margin);
      if (rc) return rc;
    }
    p.margin = 0;
    a->cash += a->pos[i].margin;
    r->released = a->pos[i].margin;
  }
  return set_pos(r, id, &p);
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
    if ((rc = close_at(r, id, contract, red, price, BK_CAUSE_PNL))) return rc;
    size -= sgn(size) * red; /* what is left of the trade after the reduction */
    if (size == 0) return reindex(r, id);
    i = bk_acct_find(a, contract);
  }
  bk_pos p = {contract, 0, size, price, 0};
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
  if ((rc = set_pos(r, id, &p))) return bk_err_set(&r->err, rc, "risk: no memory");
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
  bk_pos p = {contract, 1, size, price, margin};
  bk_rc rc = set_pos(r, id, &p);
  if (rc) return bk_err_set(&r->err, rc, "risk: no memory");
  a->cash -= margin; /* inside the account: the ledger balance is cash + margins */
  r->market_pos[contract] -= size;
  return reindex(r, id);
}

static bk_rc record(bk_risk *r, const bk_liq_rec *rec) {
  if (r->nrecs == r->rcap) {
    size_t cap = r->rcap ? r->rcap * 2 : 64;
    bk_liq_rec *v = realloc(r->recs, cap * sizeof *v);
    if (!v) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for records");
    r->recs = v;
    r->rcap = cap;
  }
  r->recs[r->nrecs++] = *rec;
  return BK_OK;
}

/* Can the fund take size of a contract at price without the waterfall's trigger firing? */
static int fund_can_absorb(bk_risk *r, uint32_t contract, int64_t size, int64_t price) {
  const bk_contract *c = &r->contracts[contract];
  uint32_t asset = c->settle;
  int64_t eq, u, after, net;
  if (bk_fund_equity(&r->fund, &r->env, asset, &eq) ||
      bk_pos_upnl(c, size, price, r->mark[contract], &u) || bk_add(eq, u, &after))
    return 0;
  switch (r->pol.wf_trigger) {
  case BK_WF_NEVER: return 1;
  case BK_WF_NEGATIVE: return after >= 0;
  case BK_WF_DRAWDOWN: {
    int64_t peak = bk_fund_peak_in_window(&r->fund), floor_;
    if (peak < eq) peak = eq;
    if (bk_fx_mul(peak, BK_FX(1) - r->pol.dd_share, BK_CEIL, &floor_)) return 0;
    return after >= 0 && after >= floor_;
  }
  case BK_WF_NETPOS: {
    int64_t cap;
    bk_fund_pos save = r->fund.inv[contract];
    /* value of the net position if it took this */
    int bad = bk_add(save.size, size, &r->fund.inv[contract].size) ||
              bk_fund_net_value(&r->fund, &r->env, asset, &net) != BK_OK;
    r->fund.inv[contract] = save;
    if (bad || after <= 0 || bk_fx_mul(after, r->pol.netpos_cap, BK_FLOOR, &cap)) return 0;
    return net <= cap;
  }
  }
  return 0;
}

/* The fund takes qty of an account's position at price: the account closes against the
 * market, the fund opens against it (the market's position is unchanged). */
static bk_rc takeover(bk_risk *r, uint32_t id, uint32_t contract, int64_t qty, int64_t price) {
  bk_account *a = &r->acct[id];
  int i = bk_acct_find(a, contract);
  if (i < 0) return BK_OK;
  int64_t size = sgn(a->pos[i].size) * qty, realized;
  bk_rc rc = close_at(r, id, contract, qty, price, BK_CAUSE_TAKEOVER);
  if (rc) return rc;
  const bk_contract *c = &r->contracts[contract];
  if (bk_fund_trade(&r->fund, c, contract, size, price, &realized))
    return bk_err_set(&r->err, BK_ERANGE, "risk: fund inventory overflow");
  r->market_pos[contract] -= size;
  return pay(r, BK_PARTY_MARKET, NULL, BK_PARTY_FUND, fund_h(r, c->settle), c->settle,
             BK_CAUSE_OFFLOAD, realized);
}

/* Spreads loss (settle units) over the policy's base and pays it to the bankrupt account
 * through the socialized-loss sink; with nobody to spread over, the sink carries it. */
static bk_rc socialize(bk_risk *r, uint32_t id, int64_t *holder, uint32_t contract,
                       int64_t loss) {
  uint32_t asset = r->acct[id].settle;
  int64_t *w = calloc(r->nacct, sizeof *w), *shares = calloc(r->nacct, sizeof *shares);
  bk_rc rc = BK_OK;
  if (!w || !shares) {
    rc = bk_err_set(&r->err, BK_ENOMEM, "risk: no memory to socialize");
    goto out;
  }
  for (uint32_t k = 0; k < r->nacct; k++) {
    const bk_account *b = &r->acct[k];
    if (k == id || b->settle != asset) continue;
    if (r->pol.social_base == BK_SOC_OI) {
      int j = bk_acct_find(b, contract);
      w[k] = j >= 0 ? llabs(b->pos[j].size) : 0;
    } else {
      int64_t eq, coll;
      if (bk_acct_equity(&r->env, b, &eq) || bk_acct_collateral(&r->env, b, &coll)) continue;
      int64_t upnl; /* unrealized profit */
      w[k] = bk_sub(eq, coll, &upnl) ? INT64_MAX : upnl > 0 ? upnl : 0;
    }
  }
  if (bk_wf_socialize(w, r->nacct, loss, shares) == BK_OK) {
    for (uint32_t k = 0; k < r->nacct && !rc; k++) {
      if (!shares[k]) continue;
      rc = pay(r, PARTY(k), &r->acct[k].cash, BK_PARTY_SOCIAL, NULL, asset,
               BK_CAUSE_SOCIALIZED, shares[k]);
      if (!rc) rc = reindex(r, k);
    }
  }
  if (!rc)
    rc = pay(r, BK_PARTY_SOCIAL, NULL, PARTY(id), holder, asset, BK_CAUSE_SOCIALIZED, loss);
  if (!rc && bk_add(r->socialized, loss, &r->socialized))
    rc = bk_err_set(&r->err, BK_ERANGE, "risk: socialized total overflow");
out:
  free(w);
  free(shares);
  return rc;
}

/* ADL: closes qty of the bankrupt account's position on contract at price against the
 * ranked opposite positions. Returns in *left what the queue could not take. */
static bk_rc adl(bk_risk *r, uint32_t id, uint32_t contract, int64_t qty, int64_t price,
                 int64_t *left) {
  int side = (int)sgn(r->acct[id].pos[bk_acct_find(&r->acct[id], contract)].size);
  const bk_contract *c = &r->contracts[contract];
  int64_t mark = r->mark[contract];
  bk_adl_cand *cand = malloc((r->nacct ? r->nacct : 1) * sizeof *cand);
  bk_adl_take *take = malloc((r->nacct ? r->nacct : 1) * sizeof *take);
  bk_rc rc = BK_OK;
  size_t n = 0;
  if (!cand || !take) {
    rc = bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for ADL");
    goto out;
  }
  for (uint32_t k = 0; k < r->nacct; k++) {
    const bk_account *b = &r->acct[k];
    int j = bk_acct_find(b, contract);
    if (k == id || j < 0 || sgn(b->pos[j].size) == side) continue;
    const bk_pos *p = &b->pos[j];
    int64_t score = 0;
    if (r->pol.adl_rank == BK_ADL_BITMEX) {
      int64_t bp, ev, mv, bv;
      if (bk_acct_bankrupt_price(&r->env, b, (size_t)j, NULL, &bp) || bp == INT64_MAX) bp = 0;
      /* position values, signed like the position: size × contract size × price */
      if (bk_fx_mul(p->size, p->entry, BK_TRUNC, &ev) || bk_fx_mul(p->size, mark, BK_TRUNC, &mv) ||
          bk_fx_mul(p->size, bp, BK_TRUNC, &bv) ||
          bk_wf_bitmex_rank(ev, mv, bv, NULL, NULL, &score))
        score = INT64_MIN;
    } else if (r->pol.adl_rank == BK_ADL_HYPERLIQUID) {
      int64_t notional, eq;
      if (bk_pos_notional(c, p->size, mark, &notional) ||
          bk_acct_pos_equity(&r->env, b, (size_t)j, &eq) ||
          bk_wf_hl_key(mark, p->entry, notional, eq, p->size > 0, &score))
        score = INT64_MIN;
    }
    cand[n++] = (bk_adl_cand){k, llabs(p->size), score};
  }
  if (r->pol.adl_rank == BK_ADL_DYDX) { /* a seeded walk from a pseudo-random start */
    size_t start = bk_wf_dydx_start(r->pol.seed, r->adl_draws++, n);
    for (size_t i = 0; i < n; i++) cand[i].score = -(int64_t)((i + n - start) % n);
  }
  size_t nt = bk_wf_adl_allocate(cand, n, qty, take, left);
  for (size_t t = 0; t < nt && !rc; t++) {
    rc = close_at(r, take[t].acct, contract, take[t].qty, price, BK_CAUSE_ADL);
    if (!rc) rc = close_at(r, id, contract, take[t].qty, price, BK_CAUSE_ADL);
    if (!rc) rc = reindex(r, take[t].acct);
    if (!rc && r->nadl == r->adlcap) {
      size_t cap = r->adlcap ? r->adlcap * 2 : 16;
      bk_adl_rec *v = realloc(r->adl, cap * sizeof *v);
      if (!v) rc = bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for ADL records");
      else {
        r->adl = v;
        r->adlcap = cap;
      }
    }
    if (!rc)
      r->adl[r->nadl++] = (bk_adl_rec){r->now, id, take[t].acct, contract, take[t].qty, price};
  }
out:
  free(cand);
  free(take);
  return rc;
}

/* Walks the book to close up to qty of an account's position under limit; posts PnL and
 * fills in rec. */
static bk_rc close_by_book(bk_risk *r, uint32_t id, uint32_t contract, const bk_book *book,
                           int64_t qty, int64_t limit, bk_liq_rec *rec, int64_t *notional) {
  *notional = 0;
  if (!book || qty <= 0) return BK_OK;
  bk_account *a = &r->acct[id];
  int i = bk_acct_find(a, contract);
  if (i < 0) return BK_OK;
  int64_t size = a->pos[i].size;
  int side = size > 0 ? BK_BID : BK_ASK;
  bk_walk w = {side, qty, limit, bk_risk_participation_now(r, contract, side, book), NULL,
               NULL};
  bk_fill fills[MAX_FILLS];
  int64_t filled = 0;
  bk_rc rc = BK_OK;
  size_t nf = bk_liq_walk(&r->overlay, contract, book, &w, r->now, fills, MAX_FILLS, &filled,
                          &rc);
  if (rc) return bk_err_set(&r->err, rc, "risk: no memory for the overlay");
  bk_i128 pq = 0;
  for (size_t f = 0; f < nf && !rc; f++) {
    int64_t n;
    rc = close_at(r, id, contract, fills[f].qty, fills[f].price, BK_CAUSE_PNL);
    if (!rc && bk_pos_notional(&r->contracts[contract], fills[f].qty, fills[f].price, &n))
      rc = bk_err_set(&r->err, BK_ERANGE, "risk: notional overflow");
    if (!rc && bk_add(*notional, n, notional))
      rc = bk_err_set(&r->err, BK_ERANGE, "risk: notional overflow");
    pq += (bk_i128)fills[f].price * fills[f].qty;
  }
  rec->book_qty = filled;
  rec->levels = (uint32_t)nf;
  rec->avg_fill = filled ? bk_div_round(pq, filled, BK_FLOOR) : 0;
  return rc;
}

/* A deficit d of an account (in the holder: its cash or an isolated margin) is paid by the
 * fund while the fund's equity stays >= 0 (all of it under the "never" trigger); the rest is socialized under a socializing
 * policy, or carried by the sink (a loss nobody paid, visible as its negative balance). */
static bk_rc cover(bk_risk *r, uint32_t id, int64_t *holder, uint32_t contract, int64_t d) {
  uint32_t asset = r->acct[id].settle;
  int64_t feq;
  if (bk_fund_equity(&r->fund, &r->env, asset, &feq))
    return bk_err_set(&r->err, BK_ERANGE, "risk: fund equity overflow");
  int64_t avail = r->fund.cash[asset] < feq ? r->fund.cash[asset] : feq;
  if (avail < 0) avail = 0;
  if (r->pol.wf_trigger == BK_WF_NEVER) avail = d; /* an unlimited fund */
  int64_t fp = d < avail ? d : avail;
  bk_rc rc = pay(r, BK_PARTY_FUND, fund_h(r, asset), PARTY(id), holder, asset,
                 BK_CAUSE_DEFICIT, fp);
  if (rc || d - fp <= 0) return rc;
  if (r->pol.wf_action == BK_WF_SOCIALIZE) return socialize(r, id, holder, contract, d - fp);
  if (bk_add(r->socialized, d - fp, &r->socialized))
    return bk_err_set(&r->err, BK_ERANGE, "risk: socialized total overflow");
  return pay(r, BK_PARTY_SOCIAL, NULL, PARTY(id), holder, asset, BK_CAUSE_SOCIALIZED, d - fp);
}

/* After a unit is fully closed: a negative balance is paid by the fund (while its equity
 * stays >= 0), then socialized or left to the sink; a positive one goes to the fund under
 * the remaining-margin penalty. */
static bk_rc settle_closed(bk_risk *r, uint32_t id, uint32_t contract) {
  bk_account *a = &r->acct[id];
  for (uint32_t i = 0; i < a->npos; i++)
    if (!a->pos[i].isolated) return BK_OK; /* the cross pool is still open (slicing) */
  uint32_t asset = a->settle;
  int64_t eq;
  if (bk_acct_collateral(&r->env, a, &eq) || eq == INT64_MIN)
    return bk_err_set(&r->err, BK_ERANGE, "risk: collateral overflow");
  bk_rc rc = BK_OK;
  if (eq < 0) {
    rc = cover(r, id, &a->cash, contract, -eq);
  } else if (r->pol.penalty_mode == BK_PEN_REMAINING && a->cash > 0) {
    rc = pay(r, PARTY(id), &a->cash, BK_PARTY_FUND, fund_h(r, asset), asset, BK_CAUSE_SPREAD,
             a->cash);
  }
  return rc;
}

int64_t bk_risk_vol_of(const bk_risk *r, uint32_t contract) {
  return contract < r->ncontracts && r->pol.vol_window_us ? r->vol[contract].sum : 0;
}

/* Adds the return of a mark change to the contract's window and drops what left it. */
static bk_rc vol_observe(bk_risk *r, uint32_t contract, int64_t old, int64_t mark) {
  bk_risk_vol *v = &r->vol[contract];
  while (v->n && v->ts[v->head] <= r->now - r->pol.vol_window_us) {
    v->sum -= v->ret[v->head];
    v->head = (v->head + 1) % v->cap;
    v->n--;
  }
  if (old <= 0 || old == mark) return BK_OK;
  int64_t ret;
  if (bk_fx_div(llabs(mark - old), old, BK_CEIL, &ret)) return BK_ERANGE;
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 64;
    int64_t *ts = malloc(cap * sizeof *ts), *rt = malloc(cap * sizeof *rt);
    if (!ts || !rt) {
      free(ts);
      free(rt);
      return BK_ENOMEM;
    }
    for (size_t i = 0; i < v->n; i++) {
      ts[i] = v->ts[(v->head + i) % v->cap];
      rt[i] = v->ret[(v->head + i) % v->cap];
    }
    free(v->ts);
    free(v->ret);
    v->ts = ts;
    v->ret = rt;
    v->cap = cap;
    v->head = 0;
  }
  v->ts[(v->head + v->n) % v->cap] = r->now;
  v->ret[(v->head + v->n) % v->cap] = ret;
  v->n++;
  v->sum += ret;
  return BK_OK;
}

int64_t bk_risk_penalty_now(const bk_risk *r, uint32_t contract) {
  int64_t pen = r->pol.penalty, extra;
  if (!r->pol.penalty_vol_k) return pen;
  /* penalty × (1 + k × rv), rounded up and kept below 100 % */
  if (bk_fx_mul(r->pol.penalty_vol_k, bk_risk_vol_of(r, contract), BK_CEIL, &extra) ||
      bk_fx_mul(pen, extra, BK_CEIL, &extra) || bk_add(pen, extra, &pen) ||
      pen >= BK_FX(1))
    pen = BK_FX(1) - 1;
  return pen;
}

int64_t bk_risk_participation_now(const bk_risk *r, uint32_t contract, int side,
                                  const bk_book *book) {
  int64_t part = r->pol.participation;
  (void)contract;
  if (!r->pol.depth_ref || !book) return part;
  bk_level best, lv[256];
  if (!bk_book_best(book, side, &best)) return part;
  /* the visible depth within 1 % of the best level on the side taken */
  int64_t off = best.price / 100, limit = side == BK_BID ? best.price - off : best.price + off;
  size_t n = bk_book_levels(book, side, limit > 0 ? limit : 1, lv, 256);
  bk_i128 depth = 0;
  for (size_t i = 0; i < n; i++) depth += lv[i].qty;
  if (depth >= r->pol.depth_ref) return part;
  int64_t scaled = (int64_t)((bk_i128)part * depth / r->pol.depth_ref); /* rounded down */
  return scaled > 0 ? scaled : 1;
}

/* Liquidates one account if it is below maintenance and not cooling down. */
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

static bk_rc liquidate(bk_risk *r, uint32_t id, const bk_book *const *books) {
  bk_account *a = &r->acct[id];
  int which;
  if (!bk_acct_liquidatable(&r->env, a, &which)) {
    r->retry_at[id] = 0;
    return BK_OK;
  }
  if (r->retry_at[id] > r->now) return BK_OK;
  r->retry_at[id] = 0;
  size_t rec0 = r->nrecs;
  int64_t in0[BK_CAUSES][BK_LEDGER_ASSETS], out0[BK_CAUSES][BK_LEDGER_ASSETS];
  memcpy(in0, r->ledger.fund_in, sizeof in0);
  memcpy(out0, r->ledger.fund_out, sizeof out0);
  uint32_t todo[64];
  size_t nt = 0;
  for (uint32_t i = 0; i < a->npos && nt < 64; i++)
    if (which >= 0 ? (int)i == which : !a->pos[i].isolated) todo[nt++] = a->pos[i].contract;
  bk_rc rc = BK_OK;
  for (size_t t = 0; t < nt && !rc; t++) {
    uint32_t k = todo[t];
    int i = bk_acct_find(a, k);
    if (i < 0) continue;
    const bk_contract *c = &r->contracts[k];
    bk_pos p = a->pos[i];
    int64_t bp;
    if (bk_acct_bankrupt_price(&r->env, a, (size_t)i, NULL, &bp))
      return bk_err_set(&r->err, BK_ERANGE, "risk: bankruptcy price overflow");
    bk_liq_rec rec = {.ts = r->now, .event = r->event, .acct = id, .contract = k,
                      .size = p.size, .mark = r->mark[k], .bankrupt = bp, .how = BK_LIQ_BOOK};
    /* the walk's limit */
    int64_t limit = 0;
    if (r->pol.price_limit == BK_LIMIT_BANKRUPTCY) {
      limit = bp;
      if (p.size < 0 && bp == 0) limit = 1; /* a short bankrupt at any price: no fill */
      if (p.size < 0 && bp == INT64_MAX) limit = 0;
    } else if (r->pol.price_limit == BK_LIMIT_FILLABLE) {
      int64_t eq, tmmr, pmmr, pnnv;
      if (bk_acct_pos_equity(&r->env, a, (size_t)i, &eq) || bk_acct_mm(&r->env, a, &tmmr) ||
          bk_pos_mm(c, &p, r->mark[k], &pmmr) ||
          bk_acct_muldiv_wide((bk_i128)p.size * c->contract_size, r->mark[k],
                              (bk_i128)BK_FX_SCALE * BK_FX_SCALE, BK_TRUNC, &pnnv))
        return bk_err_set(&r->err, BK_ERANGE, "risk: overflow");
      if (p.isolated) tmmr = pmmr;
      int64_t csz = 0;
      bk_fx_mul(p.size, c->contract_size, BK_TRUNC, &csz);
      if (c->kind != BK_LINEAR || tmmr == 0 ||
          bk_liq_dydx_fillable(pnnv, csz, eq, tmmr, pmmr, r->pol.fillable_ba,
                               r->pol.fillable_smmr, NULL, &limit))
        limit = bp;
    }
    int64_t qty = llabs(p.size);
    if (r->pol.remainder == BK_REM_SLICE) {
      int64_t s;
      if (bk_fx_mul(qty, r->pol.slice_share, BK_CEIL, &s) == BK_OK && s < qty) qty = s;
    }
    int64_t notional = 0;
    r->released = 0;
    rc = close_by_book(r, id, k, books ? books[k] : NULL, qty, limit, &rec, &notional);
    if (rc) return rc;
    int j = bk_acct_find(a, k);
    int64_t rem = j >= 0 ? llabs(a->pos[j].size) : 0;
    rec.remainder = rem;
    if (rem > 0) {
      /* slicing waits only while the unit still has equity: once it is bankrupt the
         fund's backstop takes over (Hyperliquid's vault), or the waterfall runs */
      int64_t ueq = 0;
      if (bk_acct_pos_equity(&r->env, a, (size_t)j, &ueq)) ueq = 0;
      if (r->pol.remainder == BK_REM_SLICE && ueq > 0) {
        r->retry_at[id] = r->now + (r->pol.slice_cooldown_us ? r->pol.slice_cooldown_us : 1);
        rec.how = BK_LIQ_SLICE;
      } else if (r->pol.remainder != BK_REM_WATERFALL &&
                 fund_can_absorb(r, k, sgn(a->pos[j].size) * rem, bp) && bp > 0 &&
                 bp < INT64_MAX) {
        rc = takeover(r, id, k, rem, bp);
        rec.how = BK_LIQ_TAKEOVER;
      } else if (r->pol.wf_action == BK_WF_ADL && bp > 0 && bp < INT64_MAX) {
        int64_t left = 0;
        rc = adl(r, id, k, rem, bp, &left);
        rec.how = BK_LIQ_ADL;
        if (!rc && left > 0) rc = close_at(r, id, k, left, r->mark[k], BK_CAUSE_PNL);
      } else {
        /* socialization: take what the book gives at any price, the rest at the mark */
        int64_t n2 = 0;
        bk_liq_rec extra = rec;
        rc = close_by_book(r, id, k, books ? books[k] : NULL, rem, 0, &extra, &n2);
        j = bk_acct_find(a, k);
        if (!rc && j >= 0)
          rc = close_at(r, id, k, llabs(a->pos[j].size), r->mark[k], BK_CAUSE_PNL);
        rec.how = BK_LIQ_SOCIAL;
      }
      if (rc) return rc;
    }
    /* the penalty on what was filled, capped by what the unit still has once the
       remainder is settled: a remainder taken over or deleveraged at the bankruptcy
       price leaves less than the equity at the mark, and a fee charged from that
       difference would only come back out of the fund as a deficit */
    int64_t penalty = bk_risk_penalty_now(r, k);
    if (r->pol.penalty_mode == BK_PEN_FEE && notional > 0 && penalty > 0) {
      int64_t fee, room;
      j = bk_acct_find(a, k);
      int iso = j >= 0 ? a->pos[j].isolated : p.isolated;
      if (bk_fx_mul(notional, penalty, BK_CEIL, &fee))
        return bk_err_set(&r->err, BK_ERANGE, "risk: fee overflow");
      if (iso && j >= 0) room = a->pos[j].margin; /* still open: its own margin */
      else if (iso) room = r->released;           /* closed: what it released to cash */
      else if (bk_acct_equity(&r->env, a, &room)) room = 0;
      if (fee > room) fee = room > 0 ? room : 0;
      int64_t *h = iso && j >= 0 ? &a->pos[j].margin : &a->cash;
      rc = pay(r, PARTY(id), h, BK_PARTY_FUND, fund_h(r, c->settle), c->settle,
               BK_CAUSE_LIQ_FEE, fee);
      if (rc) return rc;
      rec.fee = fee;
    }
    if (bk_pos_notional(c, llabs(rec.size), rec.mark, &rec.notional))
      return bk_err_set(&r->err, BK_ERANGE, "risk: notional overflow");
    if ((rc = record(r, &rec))) return rc;
    /* an isolated position that ended gives what it released to the fund under the
       remaining-margin penalty (the cross pool's own money stays) */
    if (p.isolated && r->pol.penalty_mode == BK_PEN_REMAINING && bk_acct_find(a, k) < 0 &&
        r->released > 0 &&
        (rc = pay(r, PARTY(id), &a->cash, BK_PARTY_FUND, fund_h(r, c->settle), c->settle,
                  BK_CAUSE_SPREAD, r->released)))
      return rc;
  }
  if (!rc && which < 0) rc = settle_closed(r, id, nt ? todo[0] : 0);
  if (!rc && r->nrecs > rec0) attribute_fund(r, &r->recs[r->nrecs - 1], in0, out0);
  return rc;
}

static bk_rc scratch_add(bk_risk *r, uint32_t id) {
  if (r->nscratch == r->scratch_cap) {
    size_t cap = r->scratch_cap ? r->scratch_cap * 2 : 64;
    uint32_t *v = realloc(r->scratch, cap * sizeof *v);
    if (!v) return BK_ENOMEM;
    r->scratch = v;
    r->scratch_cap = cap;
  }
  r->scratch[r->nscratch++] = id;
  return BK_OK;
}

/* Sells part of the fund's inventory of a contract into the book (policy offload). */
static bk_rc offload(bk_risk *r, uint32_t contract, const bk_book *book) {
  bk_fund_pos *inv = &r->fund.inv[contract];
  if (!book || !inv->size || r->pol.offload == BK_OFFLOAD_HOLD) return BK_OK;
  int64_t qty = llabs(inv->size);
  if (r->pol.offload == BK_OFFLOAD_GRADUAL) {
    int64_t s;
    if (bk_fx_mul(qty, r->pol.offload_share, BK_CEIL, &s) == BK_OK && s < qty) qty = s;
  }
  bk_walk w = {inv->size > 0 ? BK_BID : BK_ASK, qty, 0, r->pol.participation, NULL, NULL};
  bk_fill fills[MAX_FILLS];
  int64_t filled = 0;
  bk_rc rc = BK_OK;
  size_t nf = bk_liq_walk(&r->overlay, contract, book, &w, r->now, fills, MAX_FILLS, &filled,
                          &rc);
  if (rc) return bk_err_set(&r->err, rc, "risk: no memory for the overlay");
  const bk_contract *c = &r->contracts[contract];
  for (size_t f = 0; f < nf && !rc; f++) {
    int64_t realized, size = -sgn(inv->size) * fills[f].qty;
    if (bk_fund_trade(&r->fund, c, contract, size, fills[f].price, &realized))
      return bk_err_set(&r->err, BK_ERANGE, "risk: fund overflow");
    r->market_pos[contract] -= size;
    rc = pay(r, BK_PARTY_MARKET, NULL, BK_PARTY_FUND, fund_h(r, c->settle), c->settle,
             BK_CAUSE_OFFLOAD, realized);
  }
  return rc;
}

/* Conservation of one account: the money it holds equals its ledger balance. */
static bk_rc check_account(bk_risk *r, uint32_t id) {
  const bk_account *a = &r->acct[id];
  bk_i128 held = a->cash;
  for (uint32_t i = 0; i < a->npos; i++) held += a->pos[i].margin;
  int64_t led = bk_ledger_balance(&r->ledger, PARTY(id), a->settle);
  if (held != led)
    return bk_err_set(&r->err, BK_EINVARIANT,
                      "conservation broken at event %llu: account %u holds %lld, ledger says "
                      "%lld", (unsigned long long)r->event, id, (long long)held, (long long)led);
  return BK_OK;
}

/* Conservation of the totals: the ledger of each asset sums to zero given the accounts'
 * total money (acct), the fund's cash matches its ledger balance, and long open interest
 * equals short across accounts (oi[contract]), fund and market. */
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

/* Conservation after an event, from what it touched (see bk_risk_check). */
static bk_rc check_touched(bk_risk *r) {
  bk_rc rc = BK_OK;
  for (size_t d = 0; d < r->ndirty; d++) {
    r->is_dirty[r->dirty[d]] = 0;
    if (!rc) rc = check_account(r, r->dirty[d]);
  }
  r->ndirty = 0;
  if (rc) return rc;
  return check_totals(r, r->acct_money, r->acct_oi);
}

static bk_rc end_event(bk_risk *r) {
  if (!r->check) {
    for (size_t d = 0; d < r->ndirty; d++) r->is_dirty[r->dirty[d]] = 0;
    r->ndirty = 0;
    return BK_OK;
  }
  bk_rc rc = check_touched(r);
  if (!rc && (r->check == 2 || r->event % BK_RISK_FULL_CHECK == 0)) rc = bk_risk_check(r);
  return rc;
}

bk_rc bk_risk_on_mark(bk_risk *r, uint32_t contract, int64_t mark, int64_t ts,
                      const bk_book *const *books) {
  if (contract >= r->ncontracts || mark <= 0)
    return bk_err_set(&r->err, BK_EDATA, "risk: bad mark for contract %u", contract);
  r->event++;
  r->now = ts;
  bk_ledger_stamp(&r->ledger, ts, r->event);
  int64_t old = r->mark[contract];
  r->mark[contract] = mark;
  r->nscratch = 0;
  bk_rc rc = bk_trig_pop_crossed(&r->trig, contract, mark, &r->scratch, &r->nscratch,
                                 &r->scratch_cap);
  for (size_t i = 0; !rc && i < r->trig.nmulti; i++) rc = scratch_add(r, r->trig.multi[i]);
  if (rc) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the visit list");
  if (r->pol.vol_window_us && (rc = vol_observe(r, contract, old, mark)))
    return bk_err_set(&r->err, rc, "risk: no memory for the volatility window");
  /* accounts waiting for their next slice stay indexed with a crossed trigger, so they
     come back here and liquidate() lets them wait out their cooldown */
  size_t nvisit = r->nscratch;
  r->visited += nvisit;
  for (size_t v = 0; v < nvisit && !rc; v++) {
    uint32_t id = r->scratch[v];
    rc = liquidate(r, id, books);
    if (!rc) rc = reindex(r, id);
  }
  if (!rc) rc = offload(r, contract, books ? books[contract] : NULL);
  if (!rc) {
    uint32_t asset = r->contracts[contract].settle;
    int64_t eq;
    if (bk_fund_equity(&r->fund, &r->env, asset, &eq) == BK_OK) {
      if (asset == r->fund.dd_asset && bk_fund_observe(&r->fund, ts, eq, r->pol.dd_window_us))
        rc = bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the fund window");
    }
  }
  if (rc) return rc;
  return end_event(r);
}

bk_rc bk_risk_on_trade(bk_risk *r, uint32_t contract, int64_t price, int64_t qty, int64_t ts) {
  if (contract >= r->ncontracts || price <= 0 || qty < 0)
    return bk_err_set(&r->err, BK_EDATA, "risk: bad trade for contract %u", contract);
  r->event++;
  r->now = ts;
  bk_ledger_stamp(&r->ledger, ts, r->event);
  const bk_contract *c = &r->contracts[contract];
  int64_t n, fee;
  if (bk_pos_notional(c, qty, price, &n) ||
      bk_acct_muldiv_wide((bk_i128)n * (r->pol.maker_fee + r->pol.taker_fee),
                          r->pol.fund_share, (bk_i128)BK_FX_SCALE * BK_FX_SCALE, BK_FLOOR,
                          &fee))
    return bk_err_set(&r->err, BK_ERANGE, "risk: fee overflow");
  bk_rc rc = pay(r, BK_PARTY_MARKET, NULL, BK_PARTY_FUND, fund_h(r, c->settle), c->settle,
                 BK_CAUSE_PROTOCOL_REVENUE, fee);
  if (rc) return rc;
  return end_event(r);
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
  r->event++;
  r->now = ts;
  bk_ledger_stamp(&r->ledger, ts, r->event);
  const bk_contract *c = &r->contracts[contract];
  int64_t mark = r->mark[contract];
  bk_rc rc = BK_OK;
  for (uint32_t id = 0; id < r->nacct && !rc; id++) {
    bk_account *a = &r->acct[id];
    int i = bk_acct_find(a, contract);
    if (i < 0) continue;
    int64_t owed;
    if (funding_of(c, a->pos[i].size, mark, rate, &owed))
      return bk_err_set(&r->err, BK_ERANGE, "risk: funding overflow");
    int64_t *h = a->pos[i].isolated ? &a->pos[i].margin : &a->cash;
    rc = pay(r, PARTY(id), h, BK_PARTY_MARKET, NULL, a->settle, BK_CAUSE_FUNDING, owed);
    if (!rc && owed) rc = reindex(r, id);
  }
  if (!rc && r->fund.inv[contract].size) {
    int64_t owed;
    if (funding_of(c, r->fund.inv[contract].size, mark, rate, &owed))
      return bk_err_set(&r->err, BK_ERANGE, "risk: funding overflow");
    rc = pay(r, BK_PARTY_FUND, fund_h(r, c->settle), BK_PARTY_MARKET, NULL, c->settle,
             BK_CAUSE_FUNDING, owed);
  }
  if (rc) return rc;
  return end_event(r);
}

bk_rc bk_risk_check(bk_risk *r) {
  bk_i128 money[BK_LEDGER_ASSETS] = {0};
  for (uint32_t id = 0; id < r->nacct; id++) {
    bk_rc rc = check_account(r, id);
    if (rc) return rc;
    money[r->acct[id].settle] += bk_ledger_balance(&r->ledger, PARTY(id), r->acct[id].settle);
  }
  bk_i128 *oi = calloc(r->ncontracts, sizeof *oi);
  if (!oi) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the check");
  for (uint32_t id = 0; id < r->nacct; id++)
    for (uint32_t i = 0; i < r->acct[id].npos; i++)
      oi[r->acct[id].pos[i].contract] += r->acct[id].pos[i].size;
  bk_rc rc = check_totals(r, money, oi);
  free(oi);
  return rc;
}
