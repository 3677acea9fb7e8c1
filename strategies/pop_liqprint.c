/*
 * The liquidation-print population (see pop_liqprint.h). Liquidation feeds are sparse
 * (thousands of prints on a crash day, a handful on a quiet one), so each print is
 * handled directly: one account opened, one per-minute counter updated. The calibration
 * table is built on demand from the simulation's records, after the run.
 */
#include "strategies/pop_liqprint.h"

#include <stdlib.h>
#include <string.h>

#include "engine/clock.h"
#include "engine/event.h"
#include "engine/fixed.h"
#include "engine/vec.h"
#include "strategies/sizing.h"

#define MINUTE_US (60 * INT64_C(1000000))

typedef struct liq_pop {
  bk_population base;
  bk_liqprint_config cfg;
  bk_liqcal_row *min;   /* printed notional per minute, in time order */
  size_t nmin, mincap;
  uint32_t *own;        /* ids opened here, ascending */
  size_t nown, owncap;
  uint64_t skipped;
} liq_pop;

void bk_liqprint_config_init(bk_liqprint_config *c) {
  memset(c, 0, sizeof *c);
  c->lev = BK_FX(20);
  c->lot = 1;
}

static void liq_free(bk_population *pp) {
  liq_pop *p = (liq_pop *)pp;
  if (!p) return;
  free(p->min);
  free(p->own);
  free(p);
}

static int64_t minute_of(int64_t ts) {
  int64_t m = ts / MINUTE_US;
  if (ts % MINUTE_US < 0) m--;
  return m * MINUTE_US;
}

static bk_rc count_print(liq_pop *p, int64_t ts, int64_t notional) {
  int64_t m = minute_of(ts);
  if (p->nmin == 0 || p->min[p->nmin - 1].minute != m) {
    bk_liqcal_row row = {.minute = m};
    bk_liqcal_row *v = bk_vec_push(p->min, &p->nmin, &p->mincap, &row, sizeof row);
    if (!v) return BK_ENOMEM;
    p->min = v;
  }
  bk_liqcal_row *r = &p->min[p->nmin - 1];
  r->nprinted++;
  return bk_add(r->printed, notional, &r->printed);
}

static bk_rc liq_event(bk_population *pp, bk_sim *s, const bk_event *ev) {
  liq_pop *p = (liq_pop *)pp;
  if (ev->kind != BK_EV_LIQ) return BK_OK;
  const bk_sim_config *sc = bk_sim_config_get(s);
  if (ev->ts < sc->from || ev->ts >= sc->to) {
    p->skipped++;
    return BK_OK;
  }
  uint32_t k = ev->instr < sc->ninstruments ? sc->contract_of[ev->instr] : BK_SIM_NONE;
  if (k == BK_SIM_NONE || k >= sc->ncontracts || ev->price <= 0 || ev->qty <= 0 ||
      (ev->side != BK_BUY && ev->side != BK_SELL) || bk_sim_mark(s, k) <= 0) {
    p->skipped++;
    return BK_OK;
  }
  const bk_contract *c = &sc->contracts[k];
  int64_t size = ev->qty, entry, deposit, notional;
  bk_rc rc = BK_OK;
  if (c->kind == BK_LINEAR && c->contract_size != BK_FX(1))
    rc = bk_fx_div(ev->qty, c->contract_size, BK_FLOOR, &size); /* base units -> contracts */
  if (rc) return bk_err_set(&pp->err, rc, "liquidation prints: size out of range");
  size = size / p->cfg.lot * p->cfg.lot;
  if (size <= 0) {
    p->skipped++;
    return BK_OK;
  }
  if (ev->side == BK_BUY) size = -size; /* a buy print closed a short */
  if ((rc = bk_pop_quote_notional(c, size, ev->price, &notional)) ||
      (rc = bk_pop_entry_for_bankrupt(c, size, ev->price, p->cfg.lev, &entry, &deposit))) {
    char when[40];
    bk_time_format(ev->ts, when, sizeof when);
    return bk_err_set(&pp->err, rc, "liquidation prints: the print at %s: its size, price "
                      "and the leverage give an account out of range", when);
  }
  uint32_t *v = bk_vec_grow(p->own, &p->owncap, p->nown + 1, sizeof *v);
  if (!v) return bk_err_set(&pp->err, BK_ENOMEM, "liquidation prints: no memory");
  p->own = v;
  if (count_print(p, ev->ts, notional))
    return bk_err_set(&pp->err, BK_ENOMEM, "liquidation prints: no memory");
  uint32_t id;
  rc = bk_sim_open(s, c->settle, deposit, k, size, entry, &id);
  if (rc) {
    const bk_err *e = bk_sim_err(s);
    char when[40];
    bk_time_format(ev->ts, when, sizeof when);
    return bk_err_set(&pp->err, rc, "liquidation prints: opening the account of the print "
                      "at %s: %s", when, e && e->msg[0] ? e->msg : bk_rc_name(rc));
  }
  p->own[p->nown++] = id;
  return BK_OK;
}

bk_rc bk_pop_liqprint_new(const bk_liqprint_config *c, bk_population **out, bk_err *err) {
  *out = NULL;
  if (c->lev <= BK_FX(1))
    return bk_err_set(err, BK_ECONFIG, "liquidation prints: leverage must be above 1");
  if (c->lot <= 0) return bk_err_set(err, BK_ECONFIG, "liquidation prints: lot must be > 0");
  liq_pop *p = calloc(1, sizeof *p);
  if (!p) return bk_err_set(err, BK_ENOMEM, "liquidation prints: no memory");
  p->cfg = *c;
  p->base.name = "liquidation-prints";
  p->base.event = liq_event;
  p->base.free = liq_free;
  *out = &p->base;
  return BK_OK;
}

uint64_t bk_pop_liqprint_opened(const bk_population *pp) {
  return pp ? ((const liq_pop *)pp)->nown : 0;
}

uint64_t bk_pop_liqprint_skipped(const bk_population *pp) {
  return pp ? ((const liq_pop *)pp)->skipped : 0;
}

static int own_has(const liq_pop *p, uint32_t id) {
  size_t lo = 0, hi = p->nown;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (p->own[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < p->nown && p->own[lo] == id;
}

static int row_cmp(const void *a, const void *b) {
  int64_t x = ((const bk_liqcal_row *)a)->minute, y = ((const bk_liqcal_row *)b)->minute;
  return x < y ? -1 : x > y;
}

bk_rc bk_pop_liqprint_calibration(const bk_population *pp, const bk_sim *s, size_t policy,
                                  int own_only, bk_liqcal_row **rows, size_t *n) {
  const liq_pop *p = (const liq_pop *)pp;
  *rows = NULL;
  *n = 0;
  const bk_risk *r = policy < bk_sim_npolicies(s) ? bk_sim_risk(s, policy) : NULL;
  size_t nrecs = r ? r->nrecs : 0;
  size_t cap = p->nmin + nrecs;
  if (cap == 0) return BK_OK;
  bk_liqcal_row *v = malloc(cap * sizeof *v);
  if (!v) return BK_ENOMEM;
  memcpy(v, p->min, p->nmin * sizeof *v);
  size_t m = p->nmin;
  for (size_t i = 0; i < nrecs; i++) {
    const bk_liq_rec *rec = &r->recs[i];
    if (own_only && !own_has(p, rec->acct)) continue;
    /* what the step closed: on the book, by the fund's takeover, by ADL */
    int64_t closed = rec->book_qty + rec->takeover_qty + rec->adl_qty;
    int64_t notional;
    if (rec->contract >= r->ncontracts ||
        bk_pop_quote_notional(&r->contracts[rec->contract], closed, rec->mark, &notional)) {
      free(v);
      return BK_ERANGE;
    }
    memset(&v[m], 0, sizeof v[m]);
    v[m].minute = minute_of(rec->ts);
    v[m].simulated = notional;
    v[m++].nsimulated = 1;
  }
  if (m == 0) {
    free(v);
    return BK_OK;
  }
  qsort(v, m, sizeof *v, row_cmp); /* equal minutes end up adjacent; sums are exact */
  size_t k = 0;
  for (size_t i = 1; i < m; i++) {
    if (v[i].minute == v[k].minute) {
      if (bk_add(v[k].printed, v[i].printed, &v[k].printed) ||
          bk_add(v[k].simulated, v[i].simulated, &v[k].simulated)) {
        free(v);
        return BK_ERANGE;
      }
      v[k].nprinted += v[i].nprinted;
      v[k].nsimulated += v[i].nsimulated;
    } else {
      v[++k] = v[i];
    }
  }
  *rows = v;
  *n = k + 1;
  return BK_OK;
}
