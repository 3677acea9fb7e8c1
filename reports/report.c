/*
 * The run folder's CSV and JSON writers and the terminal summary (see report.h).
 *
 * A report is read once by a person or a spreadsheet, so the writers favour obvious
 * code over speed: every row is built field by field straight into the buffered output
 * file, every number is printed from the integers with bk_fx_format (8 decimals, exact),
 * and every total is recomputed here from the risk state's ledger rather than trusted
 * from a running counter, so the identities in report.h are checks, not tautologies.
 * The largest file is liquidations.csv: one short row per liquidation step, a few
 * hundred thousand rows at most on a crash day.
 */
#include "reports/report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/clock.h"
#include "engine/fixed.h"
#include "engine/sha256.h"
#include "reports/charts.h"
#include "reports/units.h"

const char *const bk_report_files[] = {"fund.csv",    "liquidations.csv", "adl.csv",
                                       "summary.csv", "quality.csv",      "manifest.json",
                                       "charts.gp",   NULL};
#define NFILES 7
#define CALIB_FILE "calibration.csv" /* the optional eighth file */

/* Causes that get their own cumulative columns in fund.csv. */
static const int in_causes[] = {BK_CAUSE_LIQ_FEE,  BK_CAUSE_SPREAD,  BK_CAUSE_PROTOCOL_REVENUE,
                                BK_CAUSE_TAKEOVER, BK_CAUSE_OFFLOAD, BK_CAUSE_FUNDING};
static const int out_causes[] = {BK_CAUSE_DEFICIT, BK_CAUSE_TAKEOVER, BK_CAUSE_OFFLOAD,
                                 BK_CAUSE_FUNDING};
#define NIN (sizeof in_causes / sizeof *in_causes)
#define NOUT (sizeof out_causes / sizeof *out_causes)


/* --- a row writer ------------------------------------------------------------------ */

typedef struct wr {
  bk_outfile *o;
  int first; /* 1 before the first field of a row */
} wr;

static void w_raw(wr *w, const char *s, size_t n) {
  if (!w->first) bk_outfile_write(w->o, ",", 1);
  w->first = 0;
  bk_outfile_write(w->o, s, n);
}

/* A text field, RFC 4180 (the same rule as bk_csv_field), streamed without a copy. */
static void w_str(wr *w, const char *s) {
  if (!s) s = "";
  if (!strpbrk(s, ",\"\r\n")) {
    w_raw(w, s, strlen(s));
    return;
  }
  w_raw(w, "\"", 1);
  for (const char *q; (q = strchr(s, '"')); s = q + 1) {
    bk_outfile_write(w->o, s, (size_t)(q - s));
    bk_outfile_write(w->o, "\"\"", 2);
  }
  bk_outfile_write(w->o, s, strlen(s));
  bk_outfile_write(w->o, "\"", 1);
}

static void w_empty(wr *w) { w_raw(w, "", 0); }

static void w_fx(wr *w, int64_t v) {
  char b[40];
  w_raw(w, b, bk_fx_format(v, BK_FX_DECIMALS, BK_TRUNC, b, sizeof b));
}

static void w_u64(wr *w, uint64_t v) {
  char b[32];
  int n = snprintf(b, sizeof b, "%" PRIu64, v);
  w_raw(w, b, (size_t)n);
}

static void w_i64(wr *w, int64_t v) {
  char b[32];
  int n = snprintf(b, sizeof b, "%" PRId64, v);
  w_raw(w, b, (size_t)n);
}

static void w_time(wr *w, int64_t us) {
  char b[40];
  w_raw(w, b, bk_time_format(us, b, sizeof b));
}

/* Microseconds as seconds with 6 decimals. */
static void w_secs(wr *w, int64_t us) {
  char b[40];
  w_raw(w, b, bk_fx_format(us * 100, 6, BK_TRUNC, b, sizeof b));
}

/* A header column "stem_unit". */
static void w_col(wr *w, const char *stem, const char *unit) {
  char b[128];
  int n = snprintf(b, sizeof b, "%s_%s", stem, unit);
  w_str(w, n > 0 && (size_t)n < sizeof b ? b : "");
}

static void w_end(wr *w) {
  bk_outfile_write(w->o, "\n", 1);
  w->first = 1;
}

/* An account as its population names it (an accounts file's id), else its index. */
static void w_acct(wr *w, const bk_report_run *run, uint32_t id) {
  const char *name = run->sim ? bk_sim_label_of(run->sim, id) : NULL;
  if (name) w_str(w, name);
  else w_u64(w, id);
}

/* --- names ---------------------------------------------------------------------- */

static const char *asset_name(const bk_report_run *run, uint32_t a) {
  return a < run->nassets ? run->assets[a].name : "?";
}

static const bk_instrument *instr_of(const bk_report_run *run, uint32_t contract) {
  if (!run->contract_instr || contract >= run->ncontracts || !run->ctx.instruments)
    return NULL;
  uint32_t id = run->contract_instr[contract];
  return id < run->ctx.instruments->n ? &run->ctx.instruments->v[id] : NULL;
}

static uint32_t settle_of(const bk_risk *r, uint32_t contract) {
  return contract < r->ncontracts ? r->contracts[contract].settle : 0;
}

static const char *src_name(int s) {
  return s == BK_SRC_DATA ? "data" : s == BK_SRC_TRADES ? "derived_from_trades"
                                   : s == BK_SRC_MODEL  ? "depth_model"
                                                        : "";
}

/* --- per-step figures -------------------------------------------------------------- */

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

int64_t bk_report_slippage_bp(const bk_liq_rec *rec) {
  if (rec->book_qty == 0 || rec->avg_fill == 0 || rec->mark <= 0) return 0;
  int64_t diff = rec->size > 0 ? rec->mark - rec->avg_fill : rec->avg_fill - rec->mark;
  int64_t out = 0;
  if (bk_fx_muldiv(diff, BK_FX(10000), rec->mark, BK_HALF_EVEN, &out)) return 0;
  return out;
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
    if (settle_of(r, rec->contract) != a) continue;
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
  for (size_t i = 0; i < r->nadl; i++) {
    const bk_adl_rec *d = &r->adl[i];
    if (settle_of(r, d->contract) != a) continue;
    int64_t n = 0;
    if (d->contract < r->ncontracts &&
        bk_pos_notional(&r->contracts[d->contract], d->qty, d->price, &n))
      bad = 1;
    acc(&t->adl_qty, d->qty, &bad);
    acc(&t->adl_notional, n, &bad);
  }
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
  return bad ? BK_ERANGE : BK_OK;
}

/* --- the files ---------------------------------------------------------------------- */

static bk_rc write_fund(const bk_report_run *run, bk_outfile *o) {
  char u[24];
  bk_report_unit(run, u, sizeof u);
  wr w = {o, 1};
  w_str(&w, "policy");
  w_str(&w, "settle_asset");
  w_str(&w, "time");
  w_str(&w, "ts_us");
  w_col(&w, "fund_cash", u);
  w_col(&w, "inventory_pnl", u);
  w_col(&w, "fund_equity", u);
  char stem[64];
  for (size_t c = 0; c < NIN; c++) {
    snprintf(stem, sizeof stem, "in_%s", bk_cause_name(in_causes[c]));
    w_col(&w, stem, u);
  }
  w_col(&w, "inflows", u);
  for (size_t c = 0; c < NOUT; c++) {
    snprintf(stem, sizeof stem, "out_%s", bk_cause_name(out_causes[c]));
    w_col(&w, stem, u);
  }
  w_col(&w, "outflows", u);
  w_col(&w, "drawdown", u);
  w_str(&w, "liquidations");
  w_col(&w, "liq_notional", u);
  w_col(&w, "liq_notional_interval", u);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_report_policy *rp = &run->policies[p];
    for (uint32_t a = 0; a < run->nassets; a++) {
      const bk_sim_sample *s = rp->samples[a];
      int64_t peak = rp->risk->ledger.fund_in[BK_CAUSE_DEPOSIT][a], prev_notional = 0;
      for (size_t i = 0; i < rp->nsamples[a]; i++) {
        int64_t inflows = 0, outflows = 0;
        int bad = 0;
        for (int c = 1; c < BK_CAUSES; c++) {
          acc(&inflows, s[i].in[c], &bad);
          acc(&outflows, s[i].out[c], &bad);
        }
        if (bad) return BK_ERANGE;
        if (s[i].equity > peak) peak = s[i].equity;
        w_str(&w, rp->risk->pol.name);
        w_str(&w, asset_name(run, a));
        w_time(&w, s[i].ts);
        w_i64(&w, s[i].ts);
        w_fx(&w, s[i].cash);
        w_fx(&w, s[i].inventory_pnl);
        w_fx(&w, s[i].equity);
        for (size_t c = 0; c < NIN; c++) w_fx(&w, s[i].in[in_causes[c]]);
        w_fx(&w, inflows);
        for (size_t c = 0; c < NOUT; c++) w_fx(&w, s[i].out[out_causes[c]]);
        w_fx(&w, outflows);
        w_fx(&w, peak - s[i].equity);
        w_u64(&w, s[i].liquidations);
        w_fx(&w, s[i].liq_notional);
        w_fx(&w, s[i].liq_notional - prev_notional);
        prev_notional = s[i].liq_notional;
        w_end(&w);
      }
    }
  }
  return BK_OK;
}

static bk_rc write_liquidations(const bk_report_run *run, bk_outfile *o) {
  char u[24];
  bk_report_unit(run, u, sizeof u);
  wr w = {o, 1};
  static const char *const head[] = {"time",          "ts_us",         "policy",
                                     "settle_asset",  "account",       "exchange",
                                     "instrument",    "side",          "size_contracts",
                                     "book_contracts", "takeover_contracts",
                                     "adl_contracts", "unresolved_contracts", "mark_price",
                                     "bankruptcy_price", "bankrupt_at_mark",
                                     "avg_fill_price", "levels", "slippage_bp", "outcome"};
  for (size_t i = 0; i < sizeof head / sizeof *head; i++) w_str(&w, head[i]);
  w_col(&w, "notional", u);
  w_col(&w, "fund_fee", u);
  w_col(&w, "fund_spread", u);
  w_col(&w, "fund_deficit", u);
  w_col(&w, "fund_other", u);
  w_col(&w, "fund_delta", u);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_risk *r = run->policies[p].risk;
    for (size_t i = 0; i < r->nrecs; i++) {
      const bk_liq_rec *rec = &r->recs[i];
      const bk_instrument *in = instr_of(run, rec->contract);
      int64_t fee, spread, deficit, other, notional;
      bk_report_liq_fund(r, rec, &fee, &spread, &deficit, &other, &notional);
      w_time(&w, rec->ts);
      w_i64(&w, rec->ts);
      w_str(&w, r->pol.name);
      w_str(&w, asset_name(run, settle_of(r, rec->contract)));
      w_acct(&w, run, rec->acct);
      w_str(&w, in ? in->exchange : "");
      w_str(&w, in ? in->symbol : "");
      w_str(&w, rec->size > 0 ? "long" : "short");
      w_fx(&w, rec->size);
      w_fx(&w, rec->book_qty);
      w_fx(&w, rec->takeover_qty);
      w_fx(&w, rec->adl_qty);
      w_fx(&w, rec->unresolved_qty);
      w_fx(&w, rec->mark);
      if (rec->bankrupt > 0 && rec->bankrupt < INT64_MAX) w_fx(&w, rec->bankrupt);
      else w_empty(&w);
      w_u64(&w, (uint64_t)rec->bankrupt_at_mark);
      if (rec->book_qty) w_fx(&w, rec->avg_fill);
      else w_empty(&w);
      w_u64(&w, rec->levels);
      if (rec->book_qty) {
        char b[40];
        w_raw(&w, b, bk_fx_format(bk_report_slippage_bp(rec), 2, BK_HALF_EVEN, b, sizeof b));
      } else {
        w_empty(&w);
      }
      w_str(&w, bk_outcome_name(rec->outcome));
      w_fx(&w, notional);
      w_fx(&w, fee);
      w_fx(&w, spread);
      w_fx(&w, deficit);
      w_fx(&w, other);
      w_fx(&w, fee + spread - deficit + other);
      w_end(&w);
    }
  }
  return BK_OK;
}

static bk_rc write_adl(const bk_report_run *run, bk_outfile *o) {
  char u[24];
  bk_report_unit(run, u, sizeof u);
  wr w = {o, 1};
  static const char *const head[] = {"time",       "ts_us",           "policy",
                                     "settle_asset", "exchange",      "instrument",
                                     "bankrupt_account", "counter_account", "qty_contracts",
                                     "price"};
  for (size_t i = 0; i < sizeof head / sizeof *head; i++) w_str(&w, head[i]);
  w_col(&w, "notional", u);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_risk *r = run->policies[p].risk;
    for (size_t i = 0; i < r->nadl; i++) {
      const bk_adl_rec *d = &r->adl[i];
      const bk_instrument *in = instr_of(run, d->contract);
      int64_t n = 0;
      if (d->contract < r->ncontracts &&
          bk_pos_notional(&r->contracts[d->contract], d->qty, d->price, &n))
        return BK_ERANGE;
      w_time(&w, d->ts);
      w_i64(&w, d->ts);
      w_str(&w, r->pol.name);
      w_str(&w, asset_name(run, settle_of(r, d->contract)));
      w_str(&w, in ? in->exchange : "");
      w_str(&w, in ? in->symbol : "");
      if (d->from_fund) w_str(&w, "fund");
      else w_acct(&w, run, d->bankrupt_acct);
      w_acct(&w, run, d->counter_acct);
      w_fx(&w, d->qty);
      w_fx(&w, d->price);
      w_fx(&w, n);
      w_end(&w);
    }
  }
  return BK_OK;
}

static bk_rc write_summary(const bk_report_run *run, bk_outfile *o) {
  char u[24];
  bk_report_unit(run, u, sizeof u);
  wr w = {o, 1};
  w_str(&w, "policy");
  w_str(&w, "settle_asset");
  w_str(&w, "liquidations");
  for (int k = 0; k < BK_OUTCOMES; k++) {
    char b[40];
    snprintf(b, sizeof b, "outcome_%s", bk_outcome_name(k));
    w_str(&w, b);
  }
  w_str(&w, "bankrupt_steps");
  w_str(&w, "bankrupt_accounts");
  static const char *const money[] = {
      "liq_notional",        "fund_start",          "fund_end",
      "fund_cash_end",       "inventory_pnl_end",   "fund_min",
      "max_drawdown"};
  for (size_t i = 0; i < sizeof money / sizeof *money; i++) w_col(&w, money[i], u);
  w_str(&w, "time_under_water_s");
  static const char *const money2[] = {
      "liquidation_fee_in", "spread_capture_in", "protocol_revenue_in", "inflows",
      "deficit_out",        "outflows",          "liq_fund_delta",      "adl_notional",
      "socialized",         "uncovered_deficit", "unresolved_equity",
      "safe_initial_fund",  "ledger_imbalance"};
  for (size_t i = 0; i < 8; i++) w_col(&w, money2[i], u);
  w_str(&w, "adl_contracts");
  w_str(&w, "unresolved_accounts");
  for (size_t i = 8; i < sizeof money2 / sizeof *money2; i++) w_col(&w, money2[i], u);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++)
    for (uint32_t a = 0; a < run->nassets; a++) {
      bk_report_totals t;
      bk_rc rc = bk_report_totals_of(run, p, a, &t);
      if (rc) return rc;
      w_str(&w, run->policies[p].risk->pol.name);
      w_str(&w, asset_name(run, a));
      w_u64(&w, t.liquidations);
      for (int k = 0; k < BK_OUTCOMES; k++) w_u64(&w, t.outcomes[k]);
      w_u64(&w, t.bankrupt_steps);
      w_u64(&w, t.bankrupt_accounts);
      w_fx(&w, t.liq_notional);
      w_fx(&w, t.fund_start);
      w_fx(&w, t.fund_end);
      w_fx(&w, t.fund_cash_end);
      w_fx(&w, t.fund_end - t.fund_cash_end);
      w_fx(&w, t.fund_min);
      w_fx(&w, t.max_drawdown);
      w_secs(&w, t.under_water_us);
      w_fx(&w, t.in[BK_CAUSE_LIQ_FEE]);
      w_fx(&w, t.in[BK_CAUSE_SPREAD]);
      w_fx(&w, t.in[BK_CAUSE_PROTOCOL_REVENUE]);
      w_fx(&w, t.inflows);
      w_fx(&w, t.out[BK_CAUSE_DEFICIT]);
      w_fx(&w, t.outflows);
      w_fx(&w, t.liq_fund_delta);
      w_fx(&w, t.adl_notional);
      w_fx(&w, t.adl_qty);
      w_u64(&w, t.unresolved_accounts);
      w_fx(&w, t.socialized);
      w_fx(&w, t.uncovered);
      w_fx(&w, t.unresolved_equity);
      if (t.safe_fund >= 0) w_fx(&w, t.safe_fund);
      else w_empty(&w);
      w_fx(&w, t.imbalance);
      w_end(&w);
    }
  return BK_OK;
}

/* A warning's row of quality.csv: scope, code, the data's span; the rest empty. */
static void write_note(wr *w, const bk_report_note *n) {
  w_str(w, "warning");
  w_str(w, n->code);
  for (int k = 0; k < 4; k++) w_empty(w);
  w_time(w, n->first_ts);
  w_i64(w, n->first_ts);
  w_time(w, n->last_ts);
  w_i64(w, n->last_ts);
  for (int k = 0; k < 10; k++) w_empty(w);
  w_end(w);
}

static bk_rc write_quality(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  static const char *const head[] = {
      "scope",        "name",          "format",        "codec",       "rows",
      "events",       "first_time",    "first_ts_us",   "last_time",   "last_ts_us",
      "gaps",         "longest_gap_s", "longest_gap_end", "clamped",   "book_messages",
      "crossed_books", "book_resets",  "rows_before_snapshot", "mark_source", "book_source"};
  for (size_t i = 0; i < sizeof head / sizeof *head; i++) w_str(&w, head[i]);
  w_end(&w);
  for (size_t i = 0; i < run->ctx.nfiles; i++) {
    const bk_report_file *f = &run->ctx.files[i];
    w_str(&w, "file");
    w_str(&w, f->path);
    w_str(&w, f->format);
    w_str(&w, f->codec);
    w_u64(&w, f->rows);
    w_u64(&w, f->events);
    if (f->rows) {
      w_time(&w, f->first_ts);
      w_i64(&w, f->first_ts);
      w_time(&w, f->last_ts);
      w_i64(&w, f->last_ts);
    } else {
      for (int k = 0; k < 4; k++) w_empty(&w);
    }
    w_u64(&w, f->gaps);
    w_secs(&w, f->longest_gap_us);
    if (f->gaps) w_time(&w, f->longest_gap_end);
    else w_empty(&w);
    w_u64(&w, f->clamped);
    for (int k = 0; k < 6; k++) w_empty(&w);
    w_end(&w);
  }
  for (size_t i = 0; i < run->ctx.nnotes; i++) write_note(&w, &run->ctx.notes[i]);
  if (!run->market) return BK_OK;
  size_t n = bk_market_size(run->market);
  for (uint32_t id = 0; id < n; id++) {
    const bk_instr_state *st = bk_market_instr(run->market, id);
    if (!st) continue;
    const bk_instrument *in =
        run->ctx.instruments && id < run->ctx.instruments->n ? &run->ctx.instruments->v[id]
                                                               : NULL;
    char name[96];
    snprintf(name, sizeof name, "%s:%s", in ? in->exchange : "?", in ? in->symbol : "?");
    uint64_t events = 0;
    for (int k = 0; k < BK_EV_KINDS; k++) events += st->n.events[k];
    w_str(&w, "instrument");
    w_str(&w, name);
    for (int k = 0; k < 3; k++) w_empty(&w);
    w_u64(&w, events);
    for (int k = 0; k < 8; k++) w_empty(&w);
    w_u64(&w, st->n.messages);
    w_u64(&w, st->n.crossed);
    w_u64(&w, st->n.book_resets);
    w_u64(&w, st->n.skipped_before_snapshot);
    int ms = -1, bs = -1;
    for (uint32_t c = 0; c < run->ncontracts && run->contract_instr; c++)
      if (run->contract_instr[c] == id) {
        ms = run->mark_source ? run->mark_source[c] : -1;
        bs = run->book_source ? run->book_source[c] : -1;
      }
    w_str(&w, src_name(ms));
    w_str(&w, src_name(bs));
    w_end(&w);
  }
  return BK_OK;
}

/* --- manifest.json ------------------------------------------------------------------- */

size_t bk_report_json_str(const char *s, char *out, size_t cap) {
  size_t n = 0;
#define PUT(ch)                                                                           \
  do {                                                                                    \
    if (n + 1 < cap) out[n] = (ch);                                                       \
    n++;                                                                                  \
  } while (0)
  PUT('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    if (c == '"' || c == '\\') {
      PUT('\\');
      PUT((char)c);
    } else if (c < 0x20) {
      static const char hex[] = "0123456789abcdef";
      PUT('\\');
      PUT('u');
      PUT('0');
      PUT('0');
      PUT(hex[c >> 4]);
      PUT(hex[c & 15]);
    } else {
      PUT((char)c);
    }
  }
  PUT('"');
#undef PUT
  if (cap) out[n < cap ? n : cap - 1] = '\0';
  return n;
}

static void j_str(bk_outfile *o, const char *s) {
  char small[512];
  if (!s) {
    bk_outfile_write(o, "null", 4);
    return;
  }
  /* in pieces of at most 64 input bytes (6 output bytes each at worst) */
  size_t len = strlen(s);
  bk_outfile_write(o, "\"", 1);
  for (size_t at = 0; at < len; at += 64) {
    char piece[65];
    size_t k = len - at < 64 ? len - at : 64;
    memcpy(piece, s + at, k);
    piece[k] = '\0';
    size_t n = bk_report_json_str(piece, small, sizeof small);
    bk_outfile_write(o, small + 1, n - 2); /* without its quotes */
  }
  bk_outfile_write(o, "\"", 1);
}

/* Hashes the file at path now: hex digest and size. BK_ENOINPUT, BK_EIO, BK_ENOMEM. */
static bk_rc hash_file(const char *path, char hex[65], uint64_t *size, bk_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return bk_err_set(err, BK_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
  enum { CHUNK = 1 << 20 };
  unsigned char *buf = malloc(CHUNK);
  if (!buf) {
    fclose(f);
    return bk_err_set(err, BK_ENOMEM, "%s: no memory to hash", path);
  }
  bk_sha256 c;
  bk_sha256_init(&c);
  size_t n;
  while ((n = fread(buf, 1, CHUNK, f)) > 0) bk_sha256_update(&c, buf, n);
  int bad = ferror(f);
  fclose(f);
  free(buf);
  if (bad) return bk_err_set(err, BK_EIO, "%s: read failed while hashing", path);
  unsigned char d[32];
  *size = c.len;
  bk_sha256_final(&c, d);
  bk_sha256_hex(d, hex);
  return BK_OK;
}

/* {"path": ..., "bytes": N, "sha256": "..."} of a file: as read (sha256 given by the
 * reader, 64 hex digits) or, when the reader gave none, hashed now. */
static bk_rc j_file_as(bk_outfile *o, const char *path, const char *sha256, uint64_t bytes,
                       bk_err *err) {
  char hex[65];
  uint64_t size = bytes;
  if (sha256 && sha256[0]) {
    snprintf(hex, sizeof hex, "%s", sha256);
  } else {
    bk_rc rc = hash_file(path, hex, &size, err);
    if (rc) return rc;
  }
  bk_outfile_printf(o, "{\"path\": ");
  j_str(o, path);
  bk_outfile_printf(o, ", \"bytes\": %" PRIu64 ", \"sha256\": \"%s\"", size, hex);
  return BK_OK;
}

static bk_rc j_file(bk_outfile *o, const char *path, bk_err *err) {
  return j_file_as(o, path, NULL, 0, err);
}

static bk_rc write_manifest(const bk_report_run *run, bk_outfile *o, bk_err *err) {
  const bk_report_ctx *c = &run->ctx;
  bk_rc rc;
  bk_outfile_printf(o, "{\n  \"backstop_version\": ");
  j_str(o, c->version ? c->version : "unknown");
  bk_outfile_printf(o, ",\n  \"command_line\": [");
  for (int i = 0; i < c->argc; i++) {
    if (i) bk_outfile_printf(o, ", ");
    j_str(o, c->argv[i]);
  }
  bk_outfile_printf(o, "],\n  \"scenario\": ");
  if (c->scenario) {
    if ((rc = j_file(o, c->scenario, err))) return rc;
    bk_outfile_printf(o, "}");
  } else {
    bk_outfile_printf(o, "null");
  }
  bk_outfile_printf(o, ",\n  \"seed\": %" PRIu64 ",\n  \"sample_us\": %" PRId64
                       ",\n  \"policies\": [",
                    c->seed, run->sample_us);
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_risk *r = run->policies[p].risk;
    bk_outfile_printf(o, "%s\n    {\"name\": ", p ? "," : "");
    j_str(o, r->pol.name);
    bk_outfile_printf(o, ", \"fund_initial\": {");
    for (uint32_t a = 0; a < run->nassets; a++) {
      char b[40];
      bk_fx_format(r->wf.initial[a], BK_FX_DECIMALS, BK_TRUNC, b, sizeof b);
      bk_outfile_printf(o, "%s", a ? ", " : "");
      j_str(o, asset_name(run, a));
      bk_outfile_printf(o, ": \"%s\"", b);
    }
    bk_outfile_printf(o, "}}");
  }
  bk_outfile_printf(o, "\n  ],\n  \"policy_files\": [");
  for (size_t i = 0; i < c->npolicy_files; i++) {
    bk_outfile_printf(o, "%s\n    ", i ? "," : "");
    if ((rc = j_file(o, c->policy_files[i], err))) return rc;
    bk_outfile_printf(o, "}");
  }
  bk_outfile_printf(o, "%s],\n  \"settle_assets\": [", c->npolicy_files ? "\n  " : "");
  for (size_t a = 0; a < run->nassets; a++) {
    if (a) bk_outfile_printf(o, ", ");
    j_str(o, run->assets[a].name);
  }
  bk_outfile_printf(o, "],\n  \"inputs\": [");
  for (size_t i = 0; i < c->nfiles; i++) {
    const bk_report_file *f = &c->files[i];
    bk_outfile_printf(o, "%s\n    ", i ? "," : "");
    if ((rc = j_file_as(o, f->path, f->sha256, f->bytes, err))) return rc;
    bk_outfile_printf(o, ", \"format\": ");
    j_str(o, f->format);
    bk_outfile_printf(o, ", \"codec\": ");
    j_str(o, f->codec);
    bk_outfile_printf(o, ", \"rows\": %" PRIu64 "}", f->rows);
  }
  bk_outfile_printf(o, "%s],\n  \"files\": [", c->nfiles ? "\n  " : "");
  for (size_t i = 0; bk_report_files[i]; i++) {
    if (i) bk_outfile_printf(o, ", ");
    j_str(o, bk_report_files[i]);
  }
  bk_outfile_printf(o, "]\n}\n");
  return BK_OK;
}

/* --- all or none ------------------------------------------------------------------- */

static void remove_finals(const char *dir) {
  char path[4096];
  for (size_t i = 0; bk_report_files[i]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, bk_report_files[i]);
    unlink(path);
  }
  snprintf(path, sizeof path, "%s/%s", dir, CALIB_FILE);
  unlink(path);
}

/* calibration.csv: printed vs simulated liquidation notional per minute and policy. */
static bk_rc write_calibration(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  static const char *const head[] = {"policy", "minute", "minute_ts_us",
                                     "printed_notional_quote", "simulated_notional_quote",
                                     "prints", "liquidations", NULL};
  for (const char *const *h = head; *h; h++) w_str(&w, *h);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++)
    for (size_t i = 0; i < run->ncalib[p]; i++) {
      const bk_report_calib_row *c = &run->calib[p][i];
      w_str(&w, run->policies[p].risk->pol.name);
      w_time(&w, c->minute);
      w_i64(&w, c->minute);
      w_fx(&w, c->printed);
      w_fx(&w, c->simulated);
      w_u64(&w, c->nprinted);
      w_u64(&w, c->nsimulated);
      w_end(&w);
    }
  return bk_outfile_error(o)->rc;
}

bk_rc bk_report_write(const bk_report_run *run, bk_err *err) {
  bk_outfile *o[NFILES + 1] = {0};
  size_t nfiles = NFILES + (run->calib ? 1 : 0);
  bk_err e;
  bk_err_clear(&e);
  bk_rc rc = BK_OK;
  size_t i;
  for (i = 0; i < nfiles && !rc; i++) {
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", run->ctx.dir,
                     i < NFILES ? bk_report_files[i] : CALIB_FILE);
    if (n < 0 || (size_t)n >= sizeof path)
      rc = bk_err_set(&e, BK_EWRITE, "%s: run folder path too long", run->ctx.dir);
    else if (!(o[i] = bk_outfile_open(path, &e)))
      rc = e.rc ? e.rc : BK_EWRITE;
  }
  if (!rc) {
    bk_rc (*const writers[])(const bk_report_run *, bk_outfile *) = {
        write_fund, write_liquidations, write_adl, write_summary, write_quality};
    for (i = 0; i < 5 && !rc; i++)
      if ((rc = writers[i](run, o[i])))
        bk_err_set(&e, rc, "%s: a total does not fit 64 bits", bk_outfile_path(o[i]));
    if (!rc) rc = write_manifest(run, o[5], &e);
    if (!rc && (rc = bk_report_charts_gp(run, o[6])))
      bk_err_set(&e, rc, "%s: cannot build the chart script", bk_outfile_path(o[6]));
    if (!rc && run->calib && (rc = write_calibration(run, o[NFILES])))
      e = *bk_outfile_error(o[NFILES]);
  }
  if (!rc) rc = bk_outfile_commit_all(o, nfiles, &e);
  if (rc) {
    for (i = 0; i < nfiles; i++) bk_outfile_abort(o[i]);
    remove_finals(run->ctx.dir);
    if (err) *err = e;
  }
  return rc;
}

/* --- the terminal table -------------------------------------------------------------- */

static const char *fx2(int64_t v, char *b, size_t cap) {
  bk_fx_format(v, 2, BK_HALF_EVEN, b, cap);
  return b;
}

void bk_report_print_summary(FILE *f, const bk_report_run *run) {
  char u[24];
  bk_report_unit(run, u, sizeof u);
  fprintf(f, "%-20s %-6s %6s %6s %14s %14s %14s %12s %12s %12s %12s %12s\n", "policy",
          "asset", "liqs", "bankr", "fund start", "fund end", "fund min", "max dd",
          "liq fees", "spread", "protocol", "deficits");
  for (size_t p = 0; p < run->npolicies; p++)
    for (uint32_t a = 0; a < run->nassets; a++) {
      bk_report_totals t;
      char b[10][40];
      if (bk_report_totals_of(run, p, a, &t)) {
        fprintf(f, "%-20.20s %-6.6s totals overflow\n", run->policies[p].risk->pol.name,
                asset_name(run, a));
        continue;
      }
      fprintf(f, "%-20.20s %-6.6s %6" PRIu64 " %6" PRIu64 " %14s %14s %14s %12s %12s %12s %12s %12s\n",
              run->policies[p].risk->pol.name, asset_name(run, a), t.liquidations,
              t.bankrupt_accounts, fx2(t.fund_start, b[0], 40), fx2(t.fund_end, b[1], 40),
              fx2(t.fund_min, b[2], 40), fx2(t.max_drawdown, b[3], 40),
              fx2(t.in[BK_CAUSE_LIQ_FEE], b[4], 40), fx2(t.in[BK_CAUSE_SPREAD], b[5], 40),
              fx2(t.in[BK_CAUSE_PROTOCOL_REVENUE], b[6], 40),
              fx2(t.out[BK_CAUSE_DEFICIT], b[7], 40));
      fprintf(f, "%-27s outcomes: %" PRIu64 " book, %" PRIu64 " waiting, %" PRIu64
              " takeover, %" PRIu64 " adl, %" PRIu64 " socialized, %" PRIu64 " unresolved\n",
              "", t.outcomes[BK_OUT_BOOK], t.outcomes[BK_OUT_WAITING],
              t.outcomes[BK_OUT_TAKEOVER], t.outcomes[BK_OUT_ADL],
              t.outcomes[BK_OUT_SOCIALIZED], t.outcomes[BK_OUT_UNRESOLVED]);
      if (t.adl_qty || t.socialized || t.uncovered || t.unresolved_accounts ||
          t.safe_fund > 0)
        fprintf(f, "%-27s ADL %s, socialized %s, uncovered %s, smallest safe fund %s\n", "",
                fx2(t.adl_notional, b[8], 40), fx2(t.socialized, b[9], 40),
                fx2(t.uncovered, b[2], 40), t.safe_fund >= 0 ? fx2(t.safe_fund, b[0], 40) : "?");
      if (t.unresolved_accounts)
        fprintf(f, "%-27s %" PRIu64 " accounts unresolved at the end, equity %s\n", "",
                t.unresolved_accounts, fx2(t.unresolved_equity, b[3], 40));
    }
  fprintf(f, "(amounts in %s, 2 decimals; exact figures in summary.csv)\n",
          run->nassets == 1 ? run->assets[0].name : "each row's settle asset");
}
