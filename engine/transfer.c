/*
 * Money and position movements of a risk state (see transfer.h). Each call is a handful
 * of integer operations plus one ledger posting; the holder index is a dense array per
 * contract with swap-removal, each position remembering its slot, so opening and closing
 * a position is O(1).
 */
#include "engine/transfer.h"

#include <assert.h>
#include <stdlib.h>

#include "engine/fixed.h"
#include "engine/pool.h"
#include "engine/premium.h"
#include "engine/vec.h"

static int64_t sgn(int64_t x) { return (x > 0) - (x < 0); }

void bk_xfer_touch(bk_risk *r, uint32_t id) {
  if (!r->is_dirty[id]) {
    r->is_dirty[id] = 1;
    r->dirty[r->ndirty++] = id;
  }
}

int64_t *bk_xfer_fund_cash(bk_risk *r, uint32_t asset) { return &r->fund.cash[asset]; }

bk_rc bk_xfer_pay(bk_risk *r, uint32_t from, int64_t *from_h, uint32_t to, int64_t *to_h,
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
  if (from == BK_PARTY_FUND || to == BK_PARTY_FUND) {
    r->fund_moved[asset] = 1;
    if (r->pool_of[asset] >= 0) bk_pool_count(r, from == BK_PARTY_FUND, asset, cause, amount);
  }
  if (from == BK_PARTY_REINS || to == BK_PARTY_REINS) bk_premium_count(r, asset, cause, amount);
  if (from >= BK_PARTY_ACCT0) {
    bk_xfer_touch(r, from - BK_PARTY_ACCT0);
    r->acct_money[asset] -= amount;
  }
  if (to >= BK_PARTY_ACCT0) {
    bk_xfer_touch(r, to - BK_PARTY_ACCT0);
    r->acct_money[asset] += amount;
  }
  /* a fund's fee, spread or revenue inflow owes its premium to the reinsurance layer */
  int64_t premium = bk_premium_due(r, to, cause, amount);
  return premium ? bk_xfer_pay(r, BK_PARTY_FUND, &r->fund.cash[asset], BK_PARTY_REINS,
                               &r->reins_cash[asset], asset, BK_CAUSE_PREMIUM, premium)
                 : BK_OK;
}

/* Adds account id to a contract's holders; returns its slot through *slot. */
static bk_rc holder_add(bk_risk *r, uint32_t contract, uint32_t id, uint32_t *slot) {
  bk_holders *h = &r->holders[contract];
  size_t cap = h->cap;
  uint32_t *v = bk_vec_grow(h->id, &cap, h->n + 1, sizeof *v);
  if (!v) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the holder index");
  h->id = v;
  cap = h->cap;
  int64_t *s = bk_vec_grow(h->size, &cap, h->n + 1, sizeof *s);
  if (!s) return bk_err_set(&r->err, BK_ENOMEM, "risk: no memory for the holder index");
  h->size = s;
  h->cap = cap;
  *slot = (uint32_t)h->n;
  h->size[h->n] = 0; /* bk_xfer_set_pos sets it */
  h->id[h->n++] = id;
  return BK_OK;
}

/* Removes the holder in a slot, moving the last one into it. */
static void holder_remove(bk_risk *r, uint32_t contract, uint32_t slot) {
  bk_holders *h = &r->holders[contract];
  uint32_t last = h->id[--h->n];
  if (slot == h->n) return;
  h->id[slot] = last;
  h->size[slot] = h->size[h->n];
  bk_account *b = &r->acct[last];
  int j = bk_acct_find(b, contract);
  b->pos[j].slot = slot;
}

/* The haircuts a position of size old keeps at size now: all while it grows, the share of
 * what is left (rounded up, so the profit still open to a haircut is never overstated)
 * when it shrinks, none once it is closed or flipped. */
static int64_t haircut_kept(int64_t h, int64_t old, int64_t now) {
  if (h <= 0 || now == 0 || sgn(now) != sgn(old)) return 0;
  if (llabs(now) >= llabs(old)) return h;
  bk_i128 num = (bk_i128)h * llabs(now);
  return (int64_t)((num + llabs(old) - 1) / llabs(old));
}

bk_rc bk_xfer_set_pos(bk_risk *r, uint32_t id, const bk_pos *p) {
  bk_account *a = &r->acct[id];
  int i = bk_acct_find(a, p->contract);
  int64_t old = i >= 0 ? a->pos[i].size : 0;
  bk_pos np = *p;
  bk_rc rc;
  np.haircut = i >= 0 ? haircut_kept(a->pos[i].haircut, old, np.size) : 0;
  if (i >= 0) {
    np.slot = a->pos[i].slot;
    np.pending = a->pos[i].pending;
  }
  else if (np.size != 0 && (rc = holder_add(r, p->contract, id, &np.slot)))
    return rc;
  if ((rc = bk_acct_set_pos(a, &np))) {
    if (i < 0 && np.size != 0) r->holders[p->contract].n--;
    return bk_err_set(&r->err, rc, "risk: no memory for a position");
  }
  if (i >= 0 && np.size == 0) holder_remove(r, p->contract, np.slot);
  else if (np.size != 0) r->holders[p->contract].size[np.slot] = np.size;
  r->acct_oi[p->contract] += np.size - old;
  r->acct_long[p->contract] += (np.size > 0 ? np.size : 0) - (old > 0 ? old : 0);
  bk_xfer_touch(r, id);
  return BK_OK;
}

bk_rc bk_xfer_close(bk_risk *r, uint32_t id, uint32_t contract, int64_t qty, int64_t price,
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
  bk_rc rc = bk_xfer_pay(r, BK_PARTY_MARKET, NULL, BK_XFER_PARTY(id), h, a->settle, cause, u);
  if (rc) return rc;
  r->market_pos[contract] += closed;
  p = a->pos[i];
  p.size -= closed;
  if (p.size == 0 && p.isolated) {
    /* an isolated position ended: what is left is released into cash; a negative
       result is its own deficit, recorded for the waterfall to cover at once
       (bk_wf_cover_isolated), so the cross pool never pays for it */
    int64_t m = a->pos[i].margin;
    p.margin = 0;
    a->cash += m;
    r->released = m > 0 ? m : 0;
    if (m < 0) {
      assert(r->iso_deficit == 0); /* the last one was covered */
      r->iso_deficit = -m;
      r->iso_acct = id;
      r->iso_contract = contract;
    }
  }
  return bk_xfer_set_pos(r, id, &p);
}

bk_rc bk_xfer_fund_trade(bk_risk *r, uint32_t contract, int64_t size, int64_t price,
                         int cause) {
  const bk_contract *c = &r->contracts[contract];
  int64_t realized;
  if (bk_fund_trade(&r->fund, c, contract, size, price, &realized))
    return bk_err_set(&r->err, BK_ERANGE, "risk: fund inventory overflow");
  r->market_pos[contract] -= size;
  r->fund_moved[c->settle] = 1;
  return bk_xfer_pay(r, BK_PARTY_MARKET, NULL, BK_PARTY_FUND, bk_xfer_fund_cash(r, c->settle),
                     c->settle, cause, realized);
}
