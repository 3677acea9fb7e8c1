/*
 * The double-entry ledger (see ledger.h). A posting touches two balances and, when it
 * involves the fund, one cause total; entries are appended only in keep mode. Tuned for
 * many small postings (funding over every position, fees on every replayed trade):
 * constant work per posting, no allocation unless entries are kept.
 */
#include "engine/ledger.h"

#include "engine/fixed.h"
#include "engine/vec.h"

#include <stdlib.h>
#include <string.h>

static const char *const cause_names[BK_CAUSES] = {
    "deposit",   "pnl",     "liquidation_fee", "remaining_margin", "protocol_revenue",
    "deficit",   "takeover", "adl",            "socialized",       "funding",
    "offload",   "uncovered", "broken",        "convert",          "premium",
    "claim",     "spread_capture", "collateral_sale"};

const char *bk_cause_name(int cause) {
  return cause >= 0 && cause < BK_CAUSES ? cause_names[cause] : "unknown";
}

void bk_ledger_init(bk_ledger *l, int keep) {
  memset(l, 0, sizeof *l);
  l->keep = keep;
}

void bk_ledger_fini(bk_ledger *l) {
  free(l->acct);
  free(l->v);
  bk_ledger_init(l, 0);
}

bk_rc bk_ledger_reserve(bk_ledger *l, size_t n) {
  if (n <= l->nacct) return BK_OK;
  int64_t *v = realloc(l->acct, n * sizeof *v);
  if (!v) return bk_err_set(&l->err, BK_ENOMEM, "ledger: no memory for %zu accounts", n);
  memset(v + l->nacct, 0, (n - l->nacct) * sizeof *v);
  l->acct = v;
  l->nacct = n;
  return BK_OK;
}

void bk_ledger_stamp(bk_ledger *l, int64_t ts, uint64_t event) {
  l->ts = ts;
  l->event = event;
}

static int64_t *slot(bk_ledger *l, uint32_t party, uint32_t asset) {
  if (party < BK_PARTY_ACCT0) return &l->fixed[party][asset];
  size_t k = party - BK_PARTY_ACCT0;
  return k < l->nacct ? &l->acct[k] : NULL;
}

bk_rc bk_ledger_post(bk_ledger *l, uint32_t from, uint32_t to, uint32_t asset, int cause,
                     int64_t amount) {
  if (amount < 0)
    return bk_err_set(&l->err, BK_EDATA, "ledger: negative amount %lld", (long long)amount);
  if (amount == 0) return BK_OK;
  if (asset >= BK_LEDGER_ASSETS || cause < 0 || cause >= BK_CAUSES || from == to)
    return bk_err_set(&l->err, BK_EDATA, "ledger: bad posting (asset %u cause %d)", asset,
                      cause);
  int64_t *a = slot(l, from, asset), *b = slot(l, to, asset);
  if (!a || !b) return bk_err_set(&l->err, BK_EDATA, "ledger: unknown party %u or %u", from, to);
  int64_t na, nb;
  if (bk_sub(*a, amount, &na) || bk_add(*b, amount, &nb))
    return bk_err_set(&l->err, BK_ERANGE, "ledger: balance overflow");
  /* the cause totals of the fund and the sink, checked before anything changes */
  int64_t *tin = to == BK_PARTY_FUND     ? &l->fund_in[cause][asset]
                 : to == BK_PARTY_SOCIAL ? &l->sink_in[cause][asset]
                                         : NULL;
  int64_t *tout = from == BK_PARTY_FUND     ? &l->fund_out[cause][asset]
                  : from == BK_PARTY_SOCIAL ? &l->sink_out[cause][asset]
                                            : NULL;
  int64_t fin = 0, fout = 0;
  if (tin && bk_add(*tin, amount, &fin))
    return bk_err_set(&l->err, BK_ERANGE, "ledger: inflow total overflow");
  if (tout && bk_add(*tout, amount, &fout))
    return bk_err_set(&l->err, BK_ERANGE, "ledger: outflow total overflow");
  if (l->keep) {
    bk_entry e = {l->ts, l->event, from, to, asset, (uint32_t)cause, amount};
    bk_entry *v = bk_vec_push(l->v, &l->n, &l->cap, &e, sizeof e);
    if (!v) return bk_err_set(&l->err, BK_ENOMEM, "ledger: no memory for entries");
    l->v = v;
  }
  *a = na;
  *b = nb;
  if (tin) *tin = fin;
  if (tout) *tout = fout;
  l->postings++;
  return BK_OK;
}

int64_t bk_ledger_balance(const bk_ledger *l, uint32_t party, uint32_t asset) {
  if (party < BK_PARTY_ACCT0) return asset < BK_LEDGER_ASSETS ? l->fixed[party][asset] : 0;
  size_t k = party - BK_PARTY_ACCT0;
  return k < l->nacct ? l->acct[k] : 0;
}
