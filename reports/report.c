/*
 * The run folder's CSV and JSON writers (see report.h); summary.csv's cells and the
 * terminal summary are summary.c's.
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

#include "engine/adl_rounds.h"
#include "engine/clock.h"
#include "engine/fixed.h"
#include "engine/reinsurance.h"
#include "engine/sha256.h"
#include "reports/charts.h"
#include "reports/columns.h"
#include "reports/draws.h"
#include "reports/sizing_curve.h"

const char *const bk_report_files[] = {"fund.csv",      "liquidations.csv", "adl.csv",
                                       "summary.csv",   "quality.csv",      "population.csv",
                                       "manifest.json", "charts.gp",        "scenario.json",
                                       "adl_rounds.csv", NULL};
#define NFILES 10
const char *const bk_report_optional_files[] = {"calibration.csv", "draws.csv",
                                                 "calibration_fit.csv",
                                                 "calibration_fit_minutes.csv",
                                                 "sensitivity.csv", "sizing.csv",
                                                 "pools.csv", "reinsurance.csv",
                                                 "margins.csv", NULL};
#define NOPTIONAL 9
#define CALIB_FILE bk_report_optional_files[0]
#define DRAWS_FILE bk_report_optional_files[1]
#define FIT_FILE bk_report_optional_files[2]
#define FIT_MINUTES_FILE bk_report_optional_files[3]
#define SENS_FILE bk_report_optional_files[4]
#define SIZING_FILE bk_report_optional_files[5]
#define POOLS_FILE bk_report_optional_files[6]
#define REINS_FILE bk_report_optional_files[7]
#define MARGINS_FILE bk_report_optional_files[8]


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

/* A spread-capture amount, empty when priced is 0 (as summary.csv: reports/totals.c). */
static void w_capture(wr *w, int priced, int64_t v) {
  if (priced) w_fx(w, v);
  else w_str(w, "");
}

static void w_u64(wr *w, uint64_t v) {
  char b[24];
  size_t n = sizeof b;
  do b[--n] = (char)('0' + v % 10); while ((v /= 10) != 0);
  w_raw(w, b + n, sizeof b - n);
}

static void w_i64(wr *w, int64_t v) {
  if (v >= 0) {
    w_u64(w, (uint64_t)v);
    return;
  }
  char b[24];
  size_t n = sizeof b;
  uint64_t m = (uint64_t)0 - (uint64_t)v;
  do b[--n] = (char)('0' + m % 10); while ((m /= 10) != 0);
  b[--n] = '-';
  w_raw(w, b + n, sizeof b - n);
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

static const char *src_name(int s) {
  return s == BK_SRC_DATA ? "data" : s == BK_SRC_TRADES ? "derived_from_trades"
                                   : s == BK_SRC_MODEL  ? "depth_model"
                                                        : "";
}

/* --- per-step figures -------------------------------------------------------------- */

int64_t bk_report_slippage_bp(const bk_liq_rec *rec) {
  if (rec->book_qty == 0 || rec->avg_fill == 0 || rec->mark <= 0) return 0;
  int64_t diff = rec->size > 0 ? rec->mark - rec->avg_fill : rec->avg_fill - rec->mark;
  int64_t out = 0;
  if (bk_fx_muldiv(diff, BK_FX(10000), rec->mark, BK_HALF_EVEN, &out)) return 0;
  return out;
}

/* --- the files ---------------------------------------------------------------------- */

static bk_rc write_fund(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  static const char *const head[] = {"policy", "settle_asset", "time", BK_COL_TS_US,
                                     "fund_cash", "inventory_pnl", BK_COL_FUND_EQUITY};
  for (size_t i = 0; i < sizeof head / sizeof *head; i++) w_str(&w, head[i]);
  char name[48];
  int capture = bk_report_capture_shown(run), pooling = bk_report_pooling_shown(run);
  for (size_t c = 0; c < bk_col_nin; c++)
    w_str(&w, bk_col_flow(0, bk_col_in_causes[c], name, sizeof name));
  if (capture) w_str(&w, bk_col_flow(0, BK_CAUSE_SPREAD_CAPTURE, name, sizeof name));
  for (size_t c = 0; pooling && c < bk_col_npool; c++)
    w_str(&w, bk_col_flow(0, bk_col_pool_in_causes[c], name, sizeof name));
  w_str(&w, "inflows");
  for (size_t c = 0; c < bk_col_nout; c++)
    w_str(&w, bk_col_flow(1, bk_col_out_causes[c], name, sizeof name));
  if (capture) w_str(&w, bk_col_flow(1, BK_CAUSE_SPREAD_CAPTURE, name, sizeof name));
  for (size_t c = 0; pooling && c < bk_col_npool; c++)
    w_str(&w, bk_col_flow(1, bk_col_pool_out_causes[c], name, sizeof name));
  w_str(&w, "outflows");
  static const char *const tail[] = {"drawdown", "liquidations", "liq_notional",
                                     BK_COL_LIQ_NOTIONAL_INTERVAL};
  for (size_t i = 0; i < sizeof tail / sizeof *tail; i++) w_str(&w, tail[i]);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_report_policy *rp = &run->policies[p];
    for (uint32_t a = 0; a < run->nassets; a++) {
      const bk_sim_sample *s = rp->samples[a];
      int priced = bk_report_asset_has_index(run, a);
      int64_t peak = rp->risk->ledger.fund_in[BK_CAUSE_DEPOSIT][a], prev_notional = 0;
      for (size_t i = 0; i < rp->nsamples[a]; i++) {
        int64_t inflows = 0, outflows = 0;
        for (int c = 1; c < BK_CAUSES; c++)
          if (bk_add(inflows, s[i].in[c], &inflows) || bk_add(outflows, s[i].out[c], &outflows))
            return BK_ERANGE;
        if (s[i].equity > peak) peak = s[i].equity;
        w_str(&w, rp->risk->pol.name);
        w_str(&w, asset_name(run, a));
        w_time(&w, s[i].ts);
        w_i64(&w, s[i].ts);
        w_fx(&w, s[i].cash);
        w_fx(&w, s[i].inventory_pnl);
        w_fx(&w, s[i].equity);
        for (size_t c = 0; c < bk_col_nin; c++) w_fx(&w, s[i].in[bk_col_in_causes[c]]);
        if (capture) w_capture(&w, priced, s[i].in[BK_CAUSE_SPREAD_CAPTURE]);
        for (size_t c = 0; pooling && c < bk_col_npool; c++)
          w_fx(&w, s[i].in[bk_col_pool_in_causes[c]]);
        w_fx(&w, inflows);
        for (size_t c = 0; c < bk_col_nout; c++) w_fx(&w, s[i].out[bk_col_out_causes[c]]);
        if (capture) w_capture(&w, priced, s[i].out[BK_CAUSE_SPREAD_CAPTURE]);
        for (size_t c = 0; pooling && c < bk_col_npool; c++)
          w_fx(&w, s[i].out[bk_col_pool_out_causes[c]]);
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
  wr w = {o, 1};
  static const char *const head[] = {"time",          "ts_us",         "policy",
                                     "settle_asset",  "account",       "exchange",
                                     "instrument",    "side",          "size_contracts",
                                     "book_contracts", "takeover_contracts",
                                     "adl_contracts", "unresolved_contracts", "mark_price",
                                     "bankruptcy_price", "bankrupt_at_mark",
                                     "avg_fill_price", "levels", "slippage_bp", "outcome",
                                     "notional", "fund_fee", "fund_spread", "fund_deficit",
                                     "fund_other", "fund_delta"};
  for (size_t i = 0; i < sizeof head / sizeof *head; i++) w_str(&w, head[i]);
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
      w_str(&w, asset_name(run, bk_report_settle_of(r, rec->contract)));
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
  wr w = {o, 1};
  static const char *const head[] = {"time",       "ts_us",           "policy",
                                     "settle_asset", "exchange",      "instrument",
                                     "bankrupt_account", "counter_account", "qty_contracts",
                                     "price", "notional", "haircut"};
  for (size_t i = 0; i < sizeof head / sizeof *head; i++) w_str(&w, head[i]);
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
      w_str(&w, asset_name(run, bk_report_settle_of(r, d->contract)));
      w_str(&w, in ? in->exchange : "");
      w_str(&w, in ? in->symbol : "");
      if (d->from_fund) w_str(&w, "fund");
      else w_acct(&w, run, d->bankrupt_acct);
      w_acct(&w, run, d->counter_acct);
      w_fx(&w, d->qty);
      w_fx(&w, d->price);
      w_fx(&w, n);
      w_fx(&w, d->haircut);
      w_end(&w);
    }
  }
  return BK_OK;
}

/* 1 when a policy of the run has adaptive margins (margins.csv). */
static int has_margins(const bk_report_run *run) {
  for (size_t p = 0; p < run->npolicies; p++)
    if (run->policies[p].risk->stress) return 1;
  return 0;
}

/* margins.csv: every change of a contract's margin multiplier, per adaptive policy. */
static bk_rc write_margins(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  static const char *const head[] = {"time", "ts_us", "policy", "exchange", "instrument",
                                     "vol_per_sample", "target_multiplier", "multiplier"};
  for (size_t i = 0; i < sizeof head / sizeof *head; i++) w_str(&w, head[i]);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_risk *r = run->policies[p].risk;
    for (size_t i = 0; i < r->nmrecs; i++) {
      const bk_margin_rec *m = &r->mrecs[i];
      const bk_instrument *in = instr_of(run, m->contract);
      w_time(&w, m->ts);
      w_i64(&w, m->ts);
      w_str(&w, r->pol.name);
      w_str(&w, in ? in->exchange : "");
      w_str(&w, in ? in->symbol : "");
      w_fx(&w, m->vol);
      w_fx(&w, m->target);
      w_fx(&w, m->mult);
      w_end(&w);
    }
  }
  return bk_outfile_error(o)->rc;
}

/* A figure that may be unknown (< 0) or unbounded (INT64_MAX): empty then. */
static void w_fx_known(wr *w, int64_t v) {
  if (v >= 0 && v < INT64_MAX) w_fx(w, v);
  else w_empty(w);
}

/* adl_rounds.csv: one row per policy, settle asset and ADL round (engine/adl_rounds.h). */
static bk_rc write_adl_rounds(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  static const char *const head[] = {
      "policy",       "settle_asset",   "round",         "start",        "start_us",
      "end_us",       "takes",          "accounts",      "adl_contracts", "shortfall",
      "fund_used",    "needed",         "taken",         "given",        "overshoot",
      "undershoot",   "severity",       "from_principal", "concentration", "top_account",
      "top_profit",   "top_profit_left", "max_leverage", "rank_pairs",   "rank_flips"};
  for (size_t i = 0; i < sizeof head / sizeof *head; i++) w_str(&w, head[i]);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_risk *r = run->policies[p].risk;
    for (uint32_t a = 0; a < run->nassets; a++)
      for (size_t i = 0; i < r->rounds.n; i++) {
        const bk_adl_round *d = &r->rounds.v[i];
        if (d->asset != a) continue;
        w_str(&w, r->pol.name);
        w_str(&w, asset_name(run, a));
        w_u64(&w, d->index);
        w_time(&w, d->start_us);
        w_i64(&w, d->start_us);
        w_i64(&w, d->end_us);
        w_u64(&w, d->takes);
        w_u64(&w, d->accounts);
        w_fx(&w, d->adl_qty);
        w_fx_known(&w, d->shortfall);
        w_fx(&w, d->fund_used);
        w_fx_known(&w, d->needed);
        w_fx(&w, d->taken);
        w_fx(&w, d->given);
        w_fx_known(&w, bk_adl_overshoot(d));
        w_fx_known(&w, bk_adl_undershoot(d));
        w_fx_known(&w, bk_adl_severity(d->taken, d->needed));
        w_fx(&w, d->from_principal);
        w_fx(&w, d->concentration);
        w_acct(&w, run, d->top_acct);
        w_fx(&w, d->top_profit);
        w_fx(&w, d->top_left);
        w_fx_known(&w, d->max_leverage);
        w_u64(&w, d->pairs);
        w_u64(&w, d->flips);
        w_end(&w);
      }
  }
  return BK_OK;
}

/* summary.csv: the cells of summary.c, one row per policy and asset. */
static bk_rc write_summary(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  bk_report_cell v[BK_REPORT_SUMMARY_COLS];
  size_t n = bk_report_summary_cells(run, 0, 0, NULL, v);
  for (size_t i = 0; i < n; i++) w_str(&w, v[i].name);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++)
    for (uint32_t a = 0; a < run->nassets; a++) {
      bk_report_totals t;
      bk_rc rc = bk_report_totals_of(run, p, a, &t);
      if (rc) return rc;
      n = bk_report_summary_cells(run, p, a, &t, v);
      for (size_t i = 0; i < n; i++) w_str(&w, v[i].text);
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
    const bk_input_file *f = run->ctx.files[i];
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

/* scenario.json: the scenario that ran, as the command serialized it. */
static const char *scenario_text(const bk_report_run *run) {
  return run->ctx.scenario_json ? run->ctx.scenario_json : "null";
}

static bk_rc write_scenario(const bk_report_run *run, bk_outfile *o) {
  const char *s = scenario_text(run);
  bk_outfile_write(o, s, strlen(s));
  bk_outfile_write(o, "\n", 1);
  return bk_outfile_error(o)->rc;
}

/* {"path": "scenario.json", "bytes": N, "sha256": "...", "origin": ...}: the file
 * write_scenario writes, hashed from memory. */
static void j_scenario_ran(bk_outfile *o, const bk_report_run *run) {
  const char *s = scenario_text(run);
  bk_sha256 c;
  unsigned char d[32];
  char hex[65];
  bk_sha256_init(&c);
  bk_sha256_update(&c, s, strlen(s));
  bk_sha256_update(&c, "\n", 1);
  bk_sha256_final(&c, d);
  bk_sha256_hex(d, hex);
  bk_outfile_printf(o, "{\"path\": \"scenario.json\", \"bytes\": %zu, \"sha256\": \"%s\", "
                       "\"origin\": ", strlen(s) + 1, hex);
  j_str(o, run->ctx.scenario_origin);
  bk_outfile_printf(o, "}");
}

/* The contracts the data gave no index price for ("exchange:symbol", comma-separated):
 * spread capture had nothing to price their fills against. */
static void j_no_index(bk_outfile *o, const bk_report_run *run) {
  int n = 0;
  for (uint32_t k = 0; k < run->ncontracts; k++) {
    char name[96];
    if (bk_report_has_index(run, k)) continue;
    bk_outfile_printf(o, "%s", n++ ? ", " : "");
    j_str(o, bk_report_contract_name(run, k, name, sizeof name));
  }
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
  bk_outfile_printf(o, ",\n  \"scenario_ran\": ");
  j_scenario_ran(o, run);
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
    const bk_input_file *f = c->files[i];
    bk_outfile_printf(o, "%s\n    ", i ? "," : "");
    if ((rc = j_file_as(o, f->path, f->sha256, f->bytes_hashed, err))) return rc;
    bk_outfile_printf(o, ", \"format\": ");
    j_str(o, f->format);
    bk_outfile_printf(o, ", \"codec\": ");
    j_str(o, f->codec);
    bk_outfile_printf(o, ", \"rows\": %" PRIu64 "}", f->rows);
  }
  bk_outfile_printf(o, "%s],\n  \"no_index_price\": [", c->nfiles ? "\n  " : "");
  j_no_index(o, run);
  bk_outfile_printf(o, "],\n  \"files\": [");
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
  for (size_t i = 0; bk_report_optional_files[i]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, bk_report_optional_files[i]);
    unlink(path);
  }
}

/* population.csv: the start of a row of policy p in asset a. */
static void w_pop_head(wr *w, const bk_report_run *run, size_t p, uint32_t a,
                       const char *row, int64_t ts) {
  w_str(w, run->policies[p].risk->pol.name);
  w_str(w, asset_name(run, a));
  w_str(w, row);
  w_time(w, ts);
  w_i64(w, ts);
}

/* The leverage buckets of asset a at the window's start (the same accounts in every
 * policy then), as rows of policy p. */
static void w_pop_buckets(wr *w, const bk_report_run *run, size_t p, uint32_t a) {
  int64_t ts = bk_sim_census_ts(run->sim);
  if (ts == INT64_MIN) return; /* the window never opened */
  bk_sim_census c = bk_sim_census_of(run->sim, a, 1);
  for (int b = 0; b < BK_LEV_BUCKETS; b++) {
    const bk_lev_bucket *k = &c.lev[b];
    w_pop_head(w, run, p, a, "leverage", ts);
    w_u64(w, k->accounts);
    w_empty(w);
    w_fx(w, k->oi_long);
    w_fx(w, k->oi_short);
    w_empty(w);
    w_i64(w, b <= 1 ? 0 : bk_lev_bucket_top[b - 1]);
    if (b == BK_LEV_BUCKETS - 1) w_empty(w);
    else w_i64(w, bk_lev_bucket_top[b]);
    w_fx(w, k->equity);
    w_fx(w, k->mm);
    w_end(w);
  }
}

/* population.csv: per policy and asset, the leverage buckets at the window's start, then
 * the population at every fund sample next to the data's open interest. */
static bk_rc write_population(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  static const char *const head[] = {"policy", "settle_asset", "row", "time", BK_COL_TS_US,
                                     "accounts", "closed", "oi_long", "oi_short", "data_oi",
                                     "leverage_from", "leverage_to", "equity",
                                     "maintenance_margin", NULL};
  for (const char *const *h = head; *h; h++) w_str(&w, *h);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++)
    for (uint32_t a = 0; a < run->nassets; a++) {
      if (run->sim) w_pop_buckets(&w, run, p, a);
      for (size_t i = 0; i < run->policies[p].nsamples[a]; i++) {
        const bk_sim_sample *x = &run->policies[p].samples[a][i];
        w_pop_head(&w, run, p, a, "sample", x->ts);
        w_u64(&w, x->accounts);
        w_u64(&w, x->closed);
        w_fx(&w, x->oi_long);
        w_fx(&w, x->oi_short);
        if (x->data_oi < 0) w_empty(&w);
        else w_fx(&w, x->data_oi);
        for (int e = 0; e < 4; e++) w_empty(&w);
        w_end(&w);
      }
    }
  return bk_outfile_error(o)->rc;
}

/* The header of calibration.csv and calibration_fit_minutes.csv. */
static void w_calib_head(wr *w) {
  static const char *const head[] = {"policy", "minute", "minute_ts_us",
                                     "printed_notional_quote", "simulated_notional_quote",
                                     "prints", "liquidations", NULL};
  for (const char *const *h = head; *h; h++) w_str(w, *h);
  w_end(w);
}

/* Rows of a per-minute table of policy `policy`. */
static void w_calib_rows(wr *w, const char *policy, const bk_liqcal_row *rows, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const bk_liqcal_row *c = &rows[i];
    w_str(w, policy);
    w_time(w, c->minute);
    w_i64(w, c->minute);
    w_fx(w, c->printed);
    w_fx(w, c->simulated);
    w_u64(w, c->nprinted);
    w_u64(w, c->nsimulated);
    w_end(w);
  }
}

/* calibration.csv: printed vs simulated liquidation notional per minute and policy. */
static bk_rc write_calibration(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  w_calib_head(&w);
  for (size_t p = 0; p < run->npolicies; p++)
    w_calib_rows(&w, run->policies[p].risk->pol.name, run->calib[p], run->ncalib[p]);
  return bk_outfile_error(o)->rc;
}

/* calibration_fit.csv: one row per scale of the open-interest grid. */
static bk_rc write_fit(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  static const char *const head[] = {"oi_scale", "error", "simulated_notional_quote",
                                     "printed_notional_quote", "chosen", NULL};
  for (const char *const *h = head; *h; h++) w_str(&w, *h);
  w_end(&w);
  for (size_t i = 0; i < run->fit->n; i++) {
    const bk_liqcal_point *pt = &run->fit->points[i];
    w_fx(&w, pt->oi_scale);
    w_fx(&w, pt->error);
    w_fx(&w, pt->simulated);
    w_fx(&w, pt->printed);
    w_u64(&w, i == run->fit->best);
    w_end(&w);
  }
  return bk_outfile_error(o)->rc;
}

/* calibration_fit_minutes.csv: the chosen scale's table, under the first policy. */
static bk_rc write_fit_minutes(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  w_calib_head(&w);
  w_calib_rows(&w, run->policies[0].risk->pol.name, run->fit->minutes, run->fit->nminutes);
  return bk_outfile_error(o)->rc;
}

/* A value of assumption k: seconds for the mark window (µs), else a scale (e-8). */
static void w_assumption(wr *w, int k, int64_t v) {
  if (k == BK_AS_MARK_WINDOW) w_secs(w, v);
  else w_fx(w, v);
}

/* The figures of a draw row, each safe fund of -1 (no shadow) empty. */
static void w_figures(wr *w, const bk_draw_row *r) {
  for (int f = 0; f < BK_DRAW_FIGURES; f++) {
    if (f == BK_DRAW_SAFE_FUND && r->v[f] < 0) w_empty(w);
    else w_fx(w, r->v[f]);
  }
}

/* draws.csv: one row per draw, policy and settle asset, in that order; with ranges, the
 * draw's value of each assumption with one after its figures. */
static bk_rc write_draws(const bk_report_run *run, bk_outfile *o) {
  const bk_report_draws *d = run->draws;
  const bk_ranges *rg = run->ranges;
  wr w = {o, 1};
  w_str(&w, "draw");
  w_str(&w, "policy");
  w_str(&w, "settle_asset");
  for (int f = 0; f < BK_DRAW_FIGURES; f++) w_str(&w, bk_draw_figure_names[f]);
  w_str(&w, "adl_or_socialized");
  for (int k = 0; rg && k < BK_ASSUMPTIONS; k++)
    if (rg->given[k]) w_str(&w, bk_assumption_names[k]);
  w_end(&w);
  for (size_t i = 0; i < d->n; i++) {
    const bk_draw_row *r = &d->rows[i];
    w_u64(&w, r->draw);
    w_str(&w, run->policies[r->policy].risk->pol.name);
    w_str(&w, asset_name(run, r->asset));
    w_figures(&w, r);
    w_u64(&w, (uint64_t)bk_draw_row_hit(r));
    for (int k = 0; rg && k < BK_ASSUMPTIONS; k++)
      if (rg->given[k]) w_assumption(&w, k, run->assumptions[r->draw].v[k]);
    w_end(&w);
  }
  return bk_outfile_error(o)->rc;
}

/* sensitivity.csv: the base, then each assumption with a range at its low and its high
 * end with everything else at the base, per policy and settle asset. */
static bk_rc write_sensitivity(const bk_report_run *run, bk_outfile *o) {
  const bk_report_draws *d = run->sensitivity;
  wr w = {o, 1};
  static const char *const head[] = {"assumption", "end", "value", "policy", "settle_asset",
                                     NULL};
  for (const char *const *h = head; *h; h++) w_str(&w, *h);
  for (int f = 0; f < BK_DRAW_FIGURES; f++) w_str(&w, bk_draw_figure_names[f]);
  w_end(&w);
  for (size_t i = 0; i < d->n; i++) {
    const bk_draw_row *r = &d->rows[i];
    int end, k = bk_ranges_case(run->ranges, r->draw, &end);
    if (k < 0) {
      w_str(&w, "base");
      w_empty(&w);
      w_empty(&w);
    } else {
      w_str(&w, bk_assumption_names[k]);
      w_str(&w, end ? "high" : "low");
      w_assumption(&w, k, end ? run->ranges->hi[k] : run->ranges->lo[k]);
    }
    w_str(&w, run->policies[r->policy].risk->pol.name);
    w_str(&w, asset_name(run, r->asset));
    w_figures(&w, r);
    w_end(&w);
  }
  return bk_outfile_error(o)->rc;
}

/* sizing.csv: per policy and settle asset, the steps of the fund-sizing curve
 * (reports/sizing_curve.h), the step at the nearest-rank P95 of the safe funds marked. */
static bk_rc write_sizing(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  static const char *const head[] = {"policy", "settle_asset", "initial_fund", "draws_above",
                                     "p_adl_or_socialized", "p95", NULL};
  for (const char *const *h = head; *h; h++) w_str(&w, *h);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++)
    for (uint32_t a = 0; a < run->nassets; a++) {
      bk_sizing_step *st;
      size_t n;
      int64_t p95;
      if (bk_sizing_of(run, p, a, &st, &n, &p95)) return BK_ENOMEM;
      for (size_t k = 0; k < n; k++) {
        int64_t share = 0;
        bk_fx_div(BK_FX((int64_t)st[k].above), BK_FX((int64_t)run->draws->ndraws),
                  BK_HALF_EVEN, &share);
        w_str(&w, run->policies[p].risk->pol.name);
        w_str(&w, asset_name(run, a));
        w_fx(&w, st[k].fund);
        w_u64(&w, st[k].above);
        w_fx(&w, share);
        w_u64(&w, st[k].fund == p95);
        w_end(&w);
      }
      free(st);
    }
  return bk_outfile_error(o)->rc;
}

/* Whether any policy has shared funds (pools.csv) or a reinsurance layer (reinsurance.csv). */

/* pools.csv: per policy and shared fund, a row per member asset (its flows valued in the
 * pool's currency when they happened), then a row "all" with their sums, the pool's
 * value at the end, its lowest value, largest drawdown and, with shadows, its safe
 * initial value. */
static bk_rc write_pools(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  static const char *const head[] = {"policy", "pool", "currency", "settle_asset",
                                     "contributed", "drawn", "converted_in", "converted_out",
                                     "value_end", "min_value", "max_drawdown",
                                     "safe_initial_fund", NULL};
  for (const char *const *h = head; *h; h++) w_str(&w, *h);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_report_policy *rp = &run->policies[p];
    const bk_risk *r = rp->risk;
    for (uint32_t k = 0; k < r->pol.npools; k++) {
      bk_pool_flows sum = {0, 0, 0, 0};
      for (uint32_t a = 0; a <= run->nassets; a++) {
        int all = a == run->nassets;
        if (!all && r->pool_of[a] != (int8_t)k) continue;
        const bk_pool_flows *f = all ? &sum : &r->pflow[a];
        w_str(&w, r->pol.name);
        w_str(&w, r->pol.pools[k].name);
        w_str(&w, r->pol.pools[k].currency);
        w_str(&w, all ? "all" : asset_name(run, a));
        w_fx(&w, f->contributed);
        w_fx(&w, f->drawn);
        w_fx(&w, f->converted_in);
        w_fx(&w, f->converted_out);
        if (!all) {
          for (int i = 0; i < 4; i++) w_empty(&w);
          w_end(&w);
          if (bk_add(sum.contributed, f->contributed, &sum.contributed) ||
              bk_add(sum.drawn, f->drawn, &sum.drawn) ||
              bk_add(sum.converted_in, f->converted_in, &sum.converted_in) ||
              bk_add(sum.converted_out, f->converted_out, &sum.converted_out))
            return BK_ERANGE;
          continue;
        }
        int64_t min, dd, under;
        bk_fund_extremes(&r->fund, BK_LEDGER_ASSETS + k, 0, r->now, &min, &dd, &under);
        w_fx(&w, bk_risk_pool_value(r, k));
        w_fx(&w, min);
        w_fx(&w, dd);
        if (rp->shadow) w_fx(&w, rp->pool_safe_fund[k]);
        else w_empty(&w);
        w_end(&w);
      }
    }
  }
  return bk_outfile_error(o)->rc;
}

/* reinsurance.csv: per policy with a layer, a row per member fund (a shared fund, or a
 * settle asset in none) with the premiums it paid and the claims it received, valued in
 * the layer's currency when they happened, and what is left of its limit; then a row
 * "layer" with the sums and the layer's value at the end. */
static bk_rc write_reinsurance(const bk_report_run *run, bk_outfile *o) {
  wr w = {o, 1};
  static const char *const head[] = {"policy", "member", "currency", "premiums", "claims",
                                     "limit_left", "layer_value_end", NULL};
  for (const char *const *h = head; *h; h++) w_str(&w, *h);
  w_end(&w);
  for (size_t p = 0; p < run->npolicies; p++) {
    const bk_risk *r = run->policies[p].risk;
    if (!r->pol.reins_share) continue;
    int64_t paid = 0, got = 0;
    for (uint32_t key = 0; key < BK_FUND_KEYS; key++) {
      int member = key < BK_LEDGER_ASSETS ? key < run->nassets && r->pool_of[key] < 0
                                          : key - BK_LEDGER_ASSETS < r->pol.npools;
      if (!member) continue;
      w_str(&w, r->pol.name);
      w_str(&w, key < BK_LEDGER_ASSETS ? asset_name(run, key)
                                       : r->pol.pools[key - BK_LEDGER_ASSETS].name);
      w_str(&w, r->pol.reins_currency);
      w_fx(&w, r->reins_paid[key]);
      w_fx(&w, r->reins_got[key]);
      w_fx(&w, r->pol.reins_limit - r->reins_got[key]);
      w_empty(&w);
      w_end(&w);
      if (bk_add(paid, r->reins_paid[key], &paid) || bk_add(got, r->reins_got[key], &got))
        return BK_ERANGE;
    }
    w_str(&w, r->pol.name);
    w_str(&w, "layer");
    w_str(&w, r->pol.reins_currency);
    w_fx(&w, paid);
    w_fx(&w, got);
    w_empty(&w);
    w_fx(&w, bk_reins_value(r));
    w_end(&w);
  }
  return bk_outfile_error(o)->rc;
}

bk_rc bk_report_write(const bk_report_run *run, bk_err *err) {
  bk_outfile *o[NFILES + NOPTIONAL] = {0};
  const char *names[NFILES + NOPTIONAL];
  size_t nfiles = NFILES, calib = 0, draws = 0, fit = 0, sens = 0, sizing = 0, pools = 0,
         reins = 0, margins = 0;
  for (size_t k = 0; k < NFILES; k++) names[k] = bk_report_files[k];
  if (run->calib) names[calib = nfiles++] = CALIB_FILE;
  if (run->draws) names[draws = nfiles++] = DRAWS_FILE;
  if (run->fit) {
    names[fit = nfiles++] = FIT_FILE;
    names[nfiles++] = FIT_MINUTES_FILE;
  }
  if (run->sensitivity) names[sens = nfiles++] = SENS_FILE;
  if (bk_sizing_has(run)) names[sizing = nfiles++] = SIZING_FILE;
  if (bk_report_has_pools(run)) names[pools = nfiles++] = POOLS_FILE;
  if (bk_report_has_reins(run)) names[reins = nfiles++] = REINS_FILE;
  if (has_margins(run)) names[margins = nfiles++] = MARGINS_FILE;
  bk_err e;
  bk_err_clear(&e);
  bk_rc rc = BK_OK;
  size_t i;
  for (i = 0; i < nfiles && !rc; i++) {
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", run->ctx.dir, names[i]);
    if (n < 0 || (size_t)n >= sizeof path)
      rc = bk_err_set(&e, BK_EWRITE, "%s: run folder path too long", run->ctx.dir);
    else
      rc = bk_outfile_open(path, &o[i], &e);
  }
  if (!rc) {
    bk_rc (*const writers[])(const bk_report_run *, bk_outfile *) = {
        write_fund, write_liquidations, write_adl, write_summary, write_quality,
        write_population};
    for (i = 0; i < 6 && !rc; i++)
      if ((rc = writers[i](run, o[i])))
        bk_err_set(&e, rc, "%s: a total does not fit 64 bits", bk_outfile_path(o[i]));
    if (!rc) rc = write_manifest(run, o[6], &e);
    if (!rc && (rc = bk_report_charts_gp(run, o[7])))
      bk_err_set(&e, rc, "%s: cannot build the chart script", bk_outfile_path(o[7]));
    if (!rc && (rc = write_scenario(run, o[8]))) e = *bk_outfile_error(o[8]);
    if (!rc && (rc = write_adl_rounds(run, o[9]))) e = *bk_outfile_error(o[9]);
    if (!rc && run->calib && (rc = write_calibration(run, o[calib])))
      e = *bk_outfile_error(o[calib]);
    if (!rc && run->draws && (rc = write_draws(run, o[draws]))) e = *bk_outfile_error(o[draws]);
    if (!rc && run->fit && (rc = write_fit(run, o[fit]))) e = *bk_outfile_error(o[fit]);
    if (!rc && run->fit && (rc = write_fit_minutes(run, o[fit + 1])))
      e = *bk_outfile_error(o[fit + 1]);
    if (!rc && sens && (rc = write_sensitivity(run, o[sens]))) e = *bk_outfile_error(o[sens]);
    if (!rc && sizing && (rc = write_sizing(run, o[sizing]))) {
      if (rc == BK_ENOMEM) bk_err_set(&e, rc, "%s: out of memory", bk_outfile_path(o[sizing]));
      else e = *bk_outfile_error(o[sizing]);
    }
    if (!rc && pools && (rc = write_pools(run, o[pools])))
      bk_err_set(&e, rc, "%s: a total does not fit 64 bits", bk_outfile_path(o[pools]));
    if (!rc && reins && (rc = write_reinsurance(run, o[reins])))
      bk_err_set(&e, rc, "%s: a total does not fit 64 bits", bk_outfile_path(o[reins]));
    if (!rc && margins && (rc = write_margins(run, o[margins])))
      e = *bk_outfile_error(o[margins]);
  }
  if (!rc) rc = bk_outfile_commit_all(o, nfiles, &e);
  if (rc) {
    for (i = 0; i < nfiles; i++) bk_outfile_abort(o[i]);
    remove_finals(run->ctx.dir);
    if (err) *err = e;
  }
  return rc;
}
