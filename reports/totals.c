/*
 * What summary.csv holds, per policy and settle asset: the totals recomputed from a
 * policy's risk state (its ledger, liquidation and ADL records, accounts and fund path;
 * see report.h for the identities they satisfy) and the row they make as named cells,
 * which summary.csv, the terminal table and the JSON summary (summary.c) all read. A
 * handful of rows per run, each a pass over the records: obvious code, no caching.
 */
#include "reports/report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "engine/adl_rounds.h"
#include "engine/fixed.h"
#include "reports/columns.h"
#include "reports/draws.h"

uint32_t bk_report_settle_of(const bk_risk *r, uint32_t contract) {
  return contract < r->ncontracts ? r->contracts[contract].settle : 0;
}

void bk_report_liq_fund(const bk_risk *r, const bk_liq_rec *rec, int64_t *fee,
                        int64_t *spread, int64_t *deficit, int64_t *other,
                        int64_t *notional) {
  (void)r;
  *fee = rec->fund_fee;
  *spread = rec->fund_spread;
  *deficit = rec->fund_deficit;
  *other = rec->fund_other;
  *notional = rec->notional;
}

/* Checked accumulation: *acc += v, recording overflow in *bad. */
static void acc(int64_t *a, int64_t v, int *bad) {
  if (bk_add(*a, v, a)) *bad = 1;
}

bk_rc bk_report_totals_of(const bk_report_run *run, size_t p, uint32_t a,
                          bk_report_totals *t) {
  const bk_report_policy *rp = &run->policies[p];
  const bk_risk *r = rp->risk;
  const bk_ledger *l = &r->ledger;
  int bad = 0;
  memset(t, 0, sizeof *t);
  for (size_t i = 0; i < r->nrecs; i++) {
    const bk_liq_rec *rec = &r->recs[i];
    if (bk_report_settle_of(r, rec->contract) != a) continue;
    int64_t fee, spread, deficit, other, notional;
    bk_report_liq_fund(r, rec, &fee, &spread, &deficit, &other, &notional);
    t->liquidations++;
    if (rec->outcome >= 0 && rec->outcome < BK_OUTCOMES) t->outcomes[rec->outcome]++;
    if (rec->bankrupt_at_mark) t->bankrupt_steps++;
    acc(&t->liq_notional, notional, &bad);
    acc(&t->liq_fund_delta, fee, &bad);
    acc(&t->liq_fund_delta, spread, &bad);
    acc(&t->liq_fund_delta, -deficit, &bad);
    acc(&t->liq_fund_delta, other, &bad);
  }
  t->bankrupt_accounts = r->bankrupt_accounts[a];
  for (int c = 0; c < BK_CAUSES; c++) {
    t->in[c] = l->fund_in[c][a];
    t->out[c] = l->fund_out[c][a];
    if (c == BK_CAUSE_DEPOSIT) continue;
    acc(&t->inflows, t->in[c], &bad);
    acc(&t->outflows, t->out[c], &bad);
  }
  t->fund_start = l->fund_in[BK_CAUSE_DEPOSIT][a] - l->fund_out[BK_CAUSE_DEPOSIT][a];
  t->fund_cash_end = l->fixed[BK_PARTY_FUND][a];
  t->fund_end = bk_risk_fund_equity(r, a);
  /* the equity path's extremes, tracked after every event; time under water runs to
     the run's last sample */
  const bk_sim_sample *s = rp->samples[a];
  size_t ns = rp->nsamples[a];
  int64_t end = ns ? s[ns - 1].ts : r->now;
  if (end < r->now) end = r->now;
  bk_fund_extremes(&r->fund, a, t->fund_start, end, &t->fund_min, &t->max_drawdown,
                   &t->under_water_us);
  /* ADL: the risk state's totals, kept whether or not it keeps the fills' records */
  t->adl_qty = r->adl_qty[a];
  t->adl_notional = r->adl_notional[a];
  if (r->adl_overflow[a]) bad = 1;
  /* socialized: what accounts bore; uncovered: what the sink paid and nobody bore */
  t->socialized = l->sink_in[BK_CAUSE_SOCIALIZED][a];
  t->uncovered = r->wf.uncovered[a];
  for (size_t k = 0; k < r->nacct; k++) {
    const bk_account *ac = &r->acct[k];
    int64_t eq;
    int unresolved = 0;
    for (uint32_t i = 0; i < ac->npos; i++) unresolved |= ac->pos[i].pending == BK_OUT_UNRESOLVED;
    if (ac->settle != a || !unresolved || !bk_acct_liquidatable(&r->env, ac, NULL)) continue;
    t->unresolved_accounts++;
    if (bk_acct_equity(&r->env, ac, &eq)) bad = 1;
    else acc(&t->unresolved_equity, eq, &bad);
  }
  t->safe_fund = rp->shadow ? rp->safe_fund[a] : -1;
  bk_i128 sum = 0;
  for (uint32_t party = 0; party < BK_PARTY_ACCT0; party++) sum += l->fixed[party][a];
  for (size_t k = 0; k < r->nacct && k < l->nacct; k++)
    if (r->acct[k].settle == a) sum += l->acct[k];
  if (sum > INT64_MAX || sum < INT64_MIN) bad = 1;
  else t->imbalance = (int64_t)sum;
  if (bk_report_adl_sum(r, a, &t->adl)) bad = 1;
  t->deficit_collateral = bk_risk_collateral_loss(r, a);
  t->collateral_sold = bk_risk_collateral_sold(r, a);
  return bad ? BK_ERANGE : BK_OK;
}

/* --- the cells ------------------------------------------------------------------------ */

int bk_report_has_pools(const bk_report_run *run) {
  for (size_t p = 0; p < run->npolicies; p++)
    if (run->policies[p].risk->pol.npools) return 1;
  return 0;
}

int bk_report_has_reins(const bk_report_run *run) {
  for (size_t p = 0; p < run->npolicies; p++)
    if (run->policies[p].risk->pol.reins_share) return 1;
  return 0;
}

int bk_report_pooling_shown(const bk_report_run *run) {
  return bk_report_has_pools(run) || bk_report_has_reins(run);
}

typedef struct cells {
  bk_report_cell *v;
  size_t n;
  const bk_report_totals *t; /* NULL: names only */
} cells;

static bk_report_cell *cell(cells *c, const char *name) {
  bk_report_cell *x = &c->v[c->n++];
  snprintf(x->name, sizeof x->name, "%s", name);
  x->text[0] = '\0';
  return x;
}

static void c_str(cells *c, const char *name, const char *s) {
  bk_report_cell *x = cell(c, name);
  if (c->t) snprintf(x->text, sizeof x->text, "%s", s);
}

static void c_u64(cells *c, const char *name, uint64_t v) {
  bk_report_cell *x = cell(c, name);
  if (c->t) snprintf(x->text, sizeof x->text, "%" PRIu64, v);
}

/* Money and contracts: 8 decimals, exact. */
static void c_fx(cells *c, const char *name, int64_t v) {
  bk_report_cell *x = cell(c, name);
  if (c->t) bk_fx_format(v, BK_FX_DECIMALS, BK_TRUNC, x->text, sizeof x->text);
}

/* A spread-capture amount, empty for an asset none of whose contracts had an index (the
 * capture is unknown there, not 0: reports/index_cover.c). */
static void c_capture(cells *c, const char *name, int priced, int64_t v) {
  if (priced) c_fx(c, name, v);
  else c_str(c, name, "");
}

/* Microseconds as seconds with 6 decimals. */
static void c_secs(cells *c, const char *name, int64_t us) {
  bk_report_cell *x = cell(c, name);
  if (c->t) bk_fx_format(us * 100, 6, BK_TRUNC, x->text, sizeof x->text);
}

/* Money or a fraction, empty when below 0 (unknown) or INT64_MAX (unbounded). */
static void c_fx_known(cells *c, const char *name, int64_t v) {
  if (v >= 0 && v < INT64_MAX) c_fx(c, name, v);
  else c_str(c, name, "");
}

/* The run's ADL rounds summed (docs/reports.md, summary.csv). */
static void adl_cells(cells *c, const bk_report_adl *s) {
  int64_t flips = s->pairs ? bk_div_round((bk_i128)s->flips * BK_FX_SCALE, s->pairs, BK_CEIL) : -1;
  c_u64(c, "adl_rounds", s->rounds);
  c_fx(c, "adl_taken", s->taken);
  c_fx(c, "adl_given", s->given);
  c_fx_known(c, "adl_needed", s->needed);
  c_fx_known(c, "adl_overshoot", s->overshoot);
  c_fx_known(c, "adl_undershoot", s->undershoot);
  c_fx_known(c, "adl_severity", bk_adl_severity(s->taken, s->needed));
  c_fx(c, "adl_concentration_max", s->concentration);
  c_fx_known(c, "adl_max_leverage", s->max_leverage);
  c_fx_known(c, "adl_rank_flip_share", flips);
}

/* The bands of policy p in asset a over the draws: draws, <figure>_p5 / _p50 / _p95 for
 * each figure (empty for the safe fund without shadows), p_adl_or_socialized. */
static void band_cells(cells *c, const bk_report_draws *d, size_t p, uint32_t a) {
  size_t at = p * d->nassets + a;
  char b[48];
  c_u64(c, "draws", d->ndraws);
  for (int f = 0; f < BK_DRAW_FIGURES; f++)
    for (int k = 0; k < BK_DRAW_BANDS; k++) {
      int64_t v = d->band[at * BK_DRAW_FIGURES + (size_t)f][k];
      snprintf(b, sizeof b, "%s_p%u", bk_draw_figure_names[f], bk_draw_band_pct[k]);
      if (f == BK_DRAW_SAFE_FUND && v < 0) c_str(c, b, "");
      else c_fx(c, b, v);
    }
  int64_t share = 0;
  bk_fx_div(BK_FX((int64_t)d->hits[at]), BK_FX((int64_t)d->ndraws), BK_HALF_EVEN, &share);
  c_fx(c, "p_adl_or_socialized", share);
}

size_t bk_report_summary_cells(const bk_report_run *run, size_t p, uint32_t a,
                               const bk_report_totals *t, bk_report_cell *v) {
  static const bk_report_totals none;
  const bk_report_totals *z = t ? t : &none;
  cells c = {v, 0, t};
  char b[48];
  c_str(&c, "policy", t ? run->policies[p].risk->pol.name : "");
  c_str(&c, "settle_asset", t && a < run->nassets ? run->assets[a].name : "");
  c_u64(&c, "liquidations", z->liquidations);
  for (int k = 0; k < BK_OUTCOMES; k++) {
    snprintf(b, sizeof b, "outcome_%s", bk_outcome_name(k));
    c_u64(&c, b, z->outcomes[k]);
  }
  c_u64(&c, "bankrupt_steps", z->bankrupt_steps);
  c_u64(&c, "bankrupt_accounts", z->bankrupt_accounts);
  c_fx(&c, "liq_notional", z->liq_notional);
  c_fx(&c, "fund_start", z->fund_start);
  c_fx(&c, "fund_end", z->fund_end);
  c_fx(&c, "fund_cash_end", z->fund_cash_end);
  c_fx(&c, "inventory_pnl_end", z->fund_end - z->fund_cash_end);
  c_fx(&c, "fund_min", z->fund_min);
  c_fx(&c, "max_drawdown", z->max_drawdown);
  c_secs(&c, "time_under_water_s", z->under_water_us);
  int capture = bk_report_capture_shown(run), priced = bk_report_asset_has_index(run, a);
  int pooling = bk_report_pooling_shown(run);
  for (size_t k = 0; k < bk_col_nin; k++)
    c_fx(&c, bk_col_flow(0, bk_col_in_causes[k], b, sizeof b), z->in[bk_col_in_causes[k]]);
  if (capture)
    c_capture(&c, bk_col_flow(0, BK_CAUSE_SPREAD_CAPTURE, b, sizeof b), priced,
              z->in[BK_CAUSE_SPREAD_CAPTURE]);
  for (size_t k = 0; pooling && k < bk_col_npool; k++)
    c_fx(&c, bk_col_flow(0, bk_col_pool_in_causes[k], b, sizeof b),
         z->in[bk_col_pool_in_causes[k]]);
  c_fx(&c, "inflows", z->inflows);
  for (size_t k = 0; k < bk_col_nout; k++)
    c_fx(&c, bk_col_flow(1, bk_col_out_causes[k], b, sizeof b), z->out[bk_col_out_causes[k]]);
  if (capture) {
    c_capture(&c, bk_col_flow(1, BK_CAUSE_SPREAD_CAPTURE, b, sizeof b), priced,
              z->out[BK_CAUSE_SPREAD_CAPTURE]);
    c_u64(&c, "spread_capture_unpriced", t ? bk_report_unpriced(run, p, a) : 0);
  }
  for (size_t k = 0; pooling && k < bk_col_npool; k++)
    c_fx(&c, bk_col_flow(1, bk_col_pool_out_causes[k], b, sizeof b),
         z->out[bk_col_pool_out_causes[k]]);
  c_fx(&c, "outflows", z->outflows);
  c_fx(&c, "liq_fund_delta", z->liq_fund_delta);
  c_fx(&c, "adl_notional", z->adl_notional);
  c_fx(&c, "adl_contracts", z->adl_qty);
  c_u64(&c, "unresolved_accounts", z->unresolved_accounts);
  c_fx(&c, "socialized", z->socialized);
  c_fx(&c, "uncovered_deficit", z->uncovered);
  c_fx(&c, "unresolved_equity", z->unresolved_equity);
  if (z->safe_fund >= 0) c_fx(&c, "safe_initial_fund", z->safe_fund);
  else c_str(&c, "safe_initial_fund", "");
  c_fx(&c, "ledger_imbalance", z->imbalance);
  adl_cells(&c, &z->adl);
  c_fx(&c, "deficit_from_collateral", z->deficit_collateral);
  c_fx(&c, "collateral_sold", z->collateral_sold);
  if (run->draws && run->draws->band) band_cells(&c, run->draws, p, a);
  return c.n;
}
