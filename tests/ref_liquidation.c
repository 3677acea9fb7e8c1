/*
 * The reference liquidation step: docs/liquidation.md, rule by rule, as plainly as
 * possible. Speed does not matter here; being obviously right does. Every rounding is
 * written where the document puts it; every place where the document leaves a choice
 * open says which reading this file takes ("Reading:").
 *
 * Units: prices, sizes, cash and fractions are integers in units of 1e-8, so a product
 * of two of them carries 1e-16 and a fraction applies as x · f / 1e8.
 */
#include "tests/ref_liquidation.h"

#include <stdio.h>
#include <string.h>

__extension__ typedef unsigned __int128 ref_u128;

#define ONE ((ref_i128)REF_ONE)
#define ONE2 (ONE * ONE)

/* Set when a product leaves 128 bits or a result leaves int64: the case is skipped. */
static int range_bad;

static ref_i128 mul(ref_i128 a, ref_i128 b) {
  ref_i128 r;
  if (__builtin_mul_overflow(a, b, &r)) {
    range_bad = 1;
    return 0;
  }
  return r;
}

static ref_i128 floor_div(ref_i128 n, ref_i128 d) {
  if (d == 0) {
    range_bad = 1;
    return 0;
  }
  ref_i128 q = n / d, r = n % d;
  if (r != 0 && ((r < 0) != (d < 0))) q -= 1;
  return q;
}

static ref_i128 ceil_div(ref_i128 n, ref_i128 d) { return -floor_div(-n, d); }

static ref_i128 trunc_div(ref_i128 n, ref_i128 d) {
  if (d == 0) {
    range_bad = 1;
    return 0;
  }
  return n / d;
}

static int64_t fit(ref_i128 v) {
  if (v > (ref_i128)INT64_MAX || v < (ref_i128)INT64_MIN) {
    range_bad = 1;
    return 0;
  }
  return (int64_t)v;
}

static int64_t abs64(int64_t v) { return v < 0 ? -v : v; }
static int sgn(int64_t v) { return (v > 0) - (v < 0); }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* ---- Notation: N, U, V, MM ---------------------------------------------------------- */

/* U(s, e, p): linear s·cs·(p − e); inverse s·f·(1/e − 1/p) = s·f·(p − e)/(e·p); down. */
int64_t ref_upnl(const ref_contract *c, int64_t s, int64_t e, int64_t p) {
  if (s == 0) return 0;
  if (c->kind == REF_LINEAR) return fit(floor_div(mul(mul(s, c->size), (ref_i128)p - e), ONE2));
  return fit(floor_div(mul(mul(s, c->size), (ref_i128)p - e), mul(e, p)));
}

/* N(s, p): linear |s|·cs·p; inverse |s|·f/p; up. */
int64_t ref_notional(const ref_contract *c, int64_t s, int64_t p) {
  if (s == 0) return 0;
  if (c->kind == REF_LINEAR) return fit(ceil_div(mul(mul(abs64(s), c->size), p), ONE2));
  return fit(ceil_div(mul(abs64(s), c->size), p));
}

/* V(s, p): linear s·cs·p; inverse −s·f/p; toward zero. */
static int64_t value(const ref_contract *c, int64_t s, int64_t p) {
  if (c->kind == REF_LINEAR) return fit(trunc_div(mul(mul(s, c->size), p), ONE2));
  return fit(trunc_div(mul(-(ref_i128)s, c->size), p));
}

/* MM = N(s, mark)·mmr − cum (cum 0 here), up. */
int64_t ref_mm(const ref_contract *c, int64_t s, int64_t p) {
  return fit(ceil_div(mul(ref_notional(c, s, p), c->mmr), ONE));
}

static int64_t equity_at(const ref_contract *c, const ref_acct *a, int64_t p) {
  return fit((ref_i128)a->cash + ref_upnl(c, a->size, a->entry, p));
}

/* §1: a cross account is liquidatable when equity < Σ MM. */
int ref_liquidatable(const ref_contract *c, const ref_acct *a, int64_t p) {
  if (a->size == 0) return 0;
  return equity_at(c, a, p) < ref_mm(c, a->size, p);
}

/* §2: bp where the equity is exactly zero, to the tick in the exchange's favour (a
 * long's up, a short's down). linear e − c/(s·cs); inverse s·f·e/(s·f + c·e).
 * Reading: the rounding goes straight from the exact rational to the tick (rounding to
 * 1e-8 first and then to the tick gives the same price, the tick being a whole number of
 * units). A long whose exact price is <= 0 gets 0 (never bankrupt); a short whose exact
 * price is <= 0 gets 0 and an inverse long whose denominator is <= 0 gets INT64_MAX (both
 * bankrupt at every price, account.h's convention); an inverse short whose denominator
 * s·f + c·e is >= 0 gets INT64_MAX (never bankrupt: its coin covers any price). */
int64_t ref_bankruptcy(const ref_contract *c, int64_t cash, int64_t s, int64_t e) {
  ref_i128 num, den;
  if (s == 0) return 0;
  if (c->kind == REF_LINEAR) {
    den = mul(s, c->size);
    num = mul(mul(e, s), c->size) - mul(cash, ONE2);
  } else {
    num = mul(mul(s, c->size), e);
    den = mul(s, c->size) + mul(cash, e);
    if (s < 0 && den >= 0) return INT64_MAX;
    if (s > 0 && den <= 0) return INT64_MAX; /* a long bankrupt at every price */
  }
  if (den < 0) {
    num = -num;
    den = -den;
  }
  if (s > 0) {
    if (num <= 0) return 0;
    return fit(mul(ceil_div(num, mul(den, c->tick)), c->tick));
  }
  /* a short whose exact price is <= 0 is bankrupt at every price: 0, as a long's "never"
     is (account.h's convention for "every price"; reachable once a step left it with a
     deficit, as a to-health round after fills worse than the mark can) */
  if (num <= 0) return 0;
  return fit(mul(floor_div(num, mul(den, c->tick)), c->tick));
}

/* ---- the event's working state ------------------------------------------------------ */

/* One candidate of an ADL queue with its exact BitMEX score num/den (den > 0). */
typedef struct cand {
  uint32_t acct;
  ref_i128 num, den;
  long double score, err; /* approximation and the engine's possible rounding error */
  int64_t vm, ve, vb;     /* the position values the score came from */
} cand;

typedef struct queue {
  int valid;
  cand v[REF_MAX_ACCT];
  size_t n;
} queue;

typedef struct ev {
  ref_state *st;
  int64_t mark;
  /* the book's two sides, best first, and what this event's walks took from each level */
  ref_level sorted_bids[REF_MAX_LEVELS], sorted_asks[REF_MAX_LEVELS];
  int64_t consumed_bids[REF_MAX_LEVELS], consumed_asks[REF_MAX_LEVELS];
  queue q[2]; /* [0]: longs queued, [1]: shorts queued */
  int64_t pending;      /* loss to socialize at the end of the event */
  int64_t deficit_paid; /* deficits the fund paid so far in the event */
  uint8_t excluded[REF_MAX_ACCT]; /* accounts whose loss is pending */
} ev;

static void fund_flow(ref_state *st, int cause, int64_t amount_in) {
  if (amount_in >= 0)
    st->fund_in[cause] += amount_in;
  else
    st->fund_out[cause] += -amount_in;
}

static int64_t fund_equity(const ref_state *st, int64_t mark) {
  return fit((ref_i128)st->fund_cash + ref_upnl(&st->c, st->inv_size, st->inv_entry, mark));
}

/* §6: the fund may act while (per trigger) ... */
static int fund_allows(const ref_state *st, int64_t equity, int64_t net) {
  switch (st->pol.trigger) {
  case REF_TRIG_NEVER: return 1;
  case REF_TRIG_NETPOS:
    return equity > 0 && (ref_i128)net <= floor_div(mul(equity, st->pol.netpos_cap), ONE);
  default: return equity >= 0;
  }
}

/* The fund's inventory after adding q (signed) at price: §4 "size-weighted entry; a
 * part that reduces existing inventory realizes its PnL into fund cash" (cause
 * takeover).
 * The weighted entry is (|a|·ea + |q|·p)/(|a| + |q|) for linear contracts and the
 * harmonic (|a| + |q|)/(|a|/ea + |q|/p) for inverse ones (§4: so the inventory's PnL is
 * the sum of its parts'), rounded against the fund: up for a long inventory, down for a
 * short. A flip opens the new side at p. */
static void fund_add(const ref_state *st, int64_t q, int64_t price, int64_t *size,
                     int64_t *entry, int64_t *realized) {
  int64_t a = st->inv_size, ea = st->inv_entry;
  *realized = 0;
  if (a == 0) {
    *size = q;
    *entry = price;
    return;
  }
  if (sgn(a) == sgn(q)) {
    ref_i128 num, den;
    if (st->c.kind == REF_INVERSE) { /* (|a| + |q|) / (|a|/ea + |q|/p) */
      num = mul(mul((ref_i128)abs64(a) + abs64(q), ea), price);
      den = mul(abs64(a), price) + mul(abs64(q), ea);
    } else {
      num = mul(abs64(a), ea) + mul(abs64(q), price);
      den = (ref_i128)abs64(a) + abs64(q);
    }
    *size = fit((ref_i128)a + q);
    *entry = fit(a > 0 ? ceil_div(num, den) : floor_div(num, den));
    return;
  }
  int64_t closed = min64(abs64(a), abs64(q));
  *realized = ref_upnl(&st->c, sgn(a) * closed, ea, price);
  *size = a + q;
  *entry = *size == 0 ? 0 : (abs64(q) > abs64(a) ? price : ea);
}

/* Sorts a side best first (bids descending, asks ascending): insertion sort. */
static void sort_side(ref_level *v, size_t n, int bids) {
  for (size_t i = 1; i < n; i++) {
    ref_level x = v[i];
    size_t j = i;
    while (j > 0 && (bids ? v[j - 1].price < x.price : v[j - 1].price > x.price)) {
      v[j] = v[j - 1];
      j--;
    }
    v[j] = x;
  }
}

typedef struct tally {
  int64_t qty;
  ref_i128 pq;
  uint32_t levels;
  ref_i128 notional; /* Σ N(fill, price), each rounded up */
} tally;

/* §3: closes up to `want` of account a's position through the side it takes, best first,
 * no fill beyond `limit` when use_limit; at each level floor(available · participation),
 * at most what is still wanted; a level whose share rounds to 0 is passed over; no level
 * cap. Each fill realizes U(fill, e, price), rounded down, into cash.
 * Reading: `available` deducts what this event's earlier walks took from the level (the
 * overlay), including the step's own first walk when `socialize` walks again. */
static void walk(ev *x, ref_acct *a, int64_t want, int use_limit, int64_t limit, tally *t) {
  const ref_state *st = x->st;
  int side = sgn(a->size);
  ref_level *lv = side > 0 ? x->sorted_bids : x->sorted_asks;
  int64_t *consumed = side > 0 ? x->consumed_bids : x->consumed_asks;
  size_t n = side > 0 ? st->nbids : st->nasks;
  int64_t left = want;
  for (size_t i = 0; i < n && left > 0; i++) {
    if (use_limit && (side > 0 ? lv[i].price < limit : lv[i].price > limit)) break;
    int64_t avail = lv[i].qty - consumed[i];
    if (avail <= 0) continue;
    int64_t take = fit(floor_div(mul(avail, st->pol.participation), ONE));
    if (take > left) take = left;
    if (take <= 0) continue;
    int64_t closed = side * take;
    a->cash = fit((ref_i128)a->cash + ref_upnl(&st->c, closed, a->entry, lv[i].price));
    a->size -= closed;
    consumed[i] += take;
    left -= take;
    t->qty += take;
    t->pq += mul(lv[i].price, take);
    t->levels++;
    t->notional += ref_notional(&st->c, take, lv[i].price);
  }
}

/* §7.2: a deficit d (the account's negative balance once it holds no position): the
 * fund pays as much as its trigger allows (negative_equity: min(d, cash, equity)); the
 * rest is socialized at the end of the event under socialize, uncovered (paid by the
 * sink) under adl. */
static void cover(ev *x, uint32_t id) {
  ref_state *st = x->st;
  const ref_policy *pol = &st->pol;
  ref_acct *a = &st->acct[id];
  int64_t d = -a->cash, pay = 0;
  if (d <= 0) return;
  int64_t fe = fund_equity(st, x->mark), fn = ref_notional(&st->c, st->inv_size, x->mark);
  switch (pol->trigger) {
  case REF_TRIG_NEVER: pay = d; break;
  case REF_TRIG_NETPOS: {
    /* Reading: as much as keeps the condition true after paying it, out of cash:
     * equity − x > 0 and N(inv) <= floor((equity − x) · cap), x <= cash. */
    ref_i128 need = ceil_div(mul(fn, ONE), pol->netpos_cap);
    if (need < 1) need = 1;
    ref_i128 room = (ref_i128)fe - need;
    pay = (int64_t)max64(0, fit(room < (ref_i128)d ? room : d));
    pay = min64(pay, max64(0, st->fund_cash));
    break;
  }
  default: pay = max64(0, min64(d, min64(st->fund_cash, fe))); break;
  }
  a->cash += pay;
  st->fund_cash -= pay;
  fund_flow(st, REF_C_DEFICIT, -pay);
  x->deficit_paid += pay;
  int64_t rest = d - pay;
  if (rest > 0) {
    a->cash += rest;
    if (pol->action == REF_ACT_SOCIALIZE) {
      st->sink_out[REF_C_SOCIALIZED] += rest;
      x->pending += rest;
      x->excluded[id] = 1;
    } else {
      st->sink_out[REF_C_UNCOVERED] += rest;
    }
  }
}

/* ---- BitMEX ranking ------------------------------------------------------------------ */

typedef struct u256 {
  uint64_t w[4]; /* little-endian limbs */
} u256;

static u256 mul_u128(ref_u128 a, ref_u128 b) {
  uint64_t x[2] = {(uint64_t)a, (uint64_t)(a >> 64)}, y[2] = {(uint64_t)b, (uint64_t)(b >> 64)};
  u256 r;
  memset(&r, 0, sizeof r);
  for (int i = 0; i < 2; i++) {
    ref_u128 carry = 0;
    for (int j = 0; j < 2; j++) {
      ref_u128 cur = (ref_u128)x[i] * y[j] + r.w[i + j] + carry;
      r.w[i + j] = (uint64_t)cur;
      carry = cur >> 64;
    }
    r.w[i + 2] = (uint64_t)carry;
  }
  return r;
}

static int cmp_u256(u256 a, u256 b) {
  for (int i = 3; i >= 0; i--)
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
  return 0;
}

/* Compares a.num/a.den with b.num/b.den exactly (dens > 0). */
static int cmp_score(const cand *a, const cand *b) {
  int sa = (a->num > 0) - (a->num < 0), sb = (b->num > 0) - (b->num < 0);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  ref_u128 an = (ref_u128)(sa > 0 ? a->num : -a->num), bn = (ref_u128)(sb > 0 ? b->num : -b->num);
  int c = cmp_u256(mul_u128(an, (ref_u128)b->den), mul_u128(bn, (ref_u128)a->den));
  return sa > 0 ? c : -c;
}

/* §5 bitmex: PnL% = (V(s, mark) − V(s, e)) / |V(s, e)|, leverage |V(s, mark)| /
 * (V(s, mark) − V(s, bp_k)); score PnL% × leverage when PnL% > 0, else PnL% / leverage.
 * Reading: bp_k is the candidate's own bankruptcy price as §2 defines it (tick-rounded),
 * from its cash and position at the time the queue is ranked. */
static int score_of(ev *x, uint32_t id, cand *out) {
  const ref_state *st = x->st;
  const ref_acct *a = &st->acct[id];
  int64_t bk = ref_bankruptcy(&st->c, a->cash, a->size, a->entry);
  int64_t vm = value(&st->c, a->size, x->mark), ve = value(&st->c, a->size, a->entry);
  /* a position that can never go bankrupt has the value of its limit price: 0 at an
   * infinite price (an inverse short), 0 at price 0 (a linear long) */
  int64_t vb;
  if (bk == INT64_MAX && st->c.kind == REF_INVERSE)
    vb = 0;
  else if (bk == 0 && st->c.kind == REF_LINEAR)
    vb = 0;
  else if (bk <= 0 || bk == INT64_MAX)
    return 0;
  else
    vb = value(&st->c, a->size, bk);
  ref_i128 pn = (ref_i128)vm - ve, pd = abs64(ve);
  ref_i128 ln = abs64(vm), ld = (ref_i128)vm - vb;
  if (pd == 0 || ld <= 0 || ln == 0) return 0;
  out->acct = id;
  out->vm = vm, out->ve = ve, out->vb = vb;
  long double P = (long double)pn / (long double)pd, L = (long double)ln / (long double)ld;
  if (pn > 0) {
    out->num = mul(pn, ln);
    out->den = mul(pd, ld);
    out->score = P * L;
  } else {
    out->num = mul(pn, ld);
    out->den = mul(pd, ln);
    out->score = P / L;
  }
  /* the engine carries PnL%, leverage and the score at 1e-8: allow each a few units */
  long double aP = P < 0 ? -P : P;
  out->err = 4e-8L * (1.0L + aP + L + 1.0L / L + aP / (L * L));
  return 1;
}

/* Higher score first, ties to the lower account id. */
static int before(const cand *a, const cand *b) {
  int c = cmp_score(a, b);
  if (c != 0) return c > 0;
  return a->acct < b->acct;
}

/* The queue of positions of sign `side` (ranked once per event and side). */
static queue *queue_for(ev *x, int side) {
  queue *q = &x->q[side > 0 ? 0 : 1];
  if (q->valid) return q;
  q->valid = 1;
  q->n = 0;
  for (uint32_t id = 0; id < x->st->nacct; id++) {
    if (sgn(x->st->acct[id].size) != side) continue;
    cand cd;
    if (!score_of(x, id, &cd)) {
      if (!x->st->skip) {
        x->st->skip = REF_SKIP_RANGE;
        snprintf(x->st->why, sizeof x->st->why, "account %u has no finite BitMEX score", id);
      }
      continue;
    }
    size_t j = q->n++;
    while (j > 0 && before(&cd, &q->v[j - 1])) {
      q->v[j] = q->v[j - 1];
      j--;
    }
    q->v[j] = cd;
  }
  return q;
}

/* After a queue was used down to index last: if two neighbours there could swap under
 * the engine's 1e-8 rounding, the case is not comparable (skip). Exact ties between
 * identical position values round identically and are kept. */
static void check_close(ev *x, const queue *q, size_t last) {
  for (size_t i = 0; i <= last && i + 1 < q->n; i++) {
    const cand *a = &q->v[i], *b = &q->v[i + 1];
    if (a->vm == b->vm && a->ve == b->ve && a->vb == b->vb) continue;
    long double d = a->score - b->score;
    if (d < 0) d = -d;
    if (d <= a->err + b->err && !x->st->skip) {
      x->st->skip = REF_SKIP_RANK_CLOSE;
      snprintf(x->st->why, sizeof x->st->why, "BitMEX scores of accounts %u and %u too close",
               a->acct, b->acct);
    }
  }
}

/* §5 adl: `left` contracts (> 0) of a position of sign `side` are closed at `price`
 * against the ranked opposite side; each ranked account closes min(its size, what is
 * left), and so does the closing party, one close per counterparty.
 * Reading: each of those closes realizes its own U(q, e, price) rounded down (per
 * counterparty, for both sides). Returns what the queue could not take. */
static int64_t adl(ev *x, int side, int64_t left, int64_t price, int from_fund, uint32_t who) {
  ref_state *st = x->st;
  queue *q = queue_for(x, -side);
  size_t last = 0;
  for (size_t i = 0; i < q->n && left > 0; i++) {
    ref_acct *k = &st->acct[q->v[i].acct];
    if (!from_fund && q->v[i].acct == who) continue;
    if (sgn(k->size) != -side) continue;
    int64_t take = min64(abs64(k->size), left);
    last = i;
    k->cash = fit((ref_i128)k->cash + ref_upnl(&st->c, -side * take, k->entry, price));
    k->size += side * take;
    /* §5: a ranked account left with no position and a negative balance has a deficit,
     * covered as in §7. Reading: at once, before the next ranked account. */
    if (k->size == 0) {
      k->entry = 0;
      if (k->cash < 0) cover(x, q->v[i].acct);
    }
    if (from_fund) {
      int64_t r = ref_upnl(&st->c, side * take, st->inv_entry, price);
      st->fund_cash = fit((ref_i128)st->fund_cash + r);
      fund_flow(st, REF_C_ADL, r);
      st->inv_size -= side * take;
      if (st->inv_size == 0) st->inv_entry = 0;
    } else {
      ref_acct *a = &st->acct[who];
      a->cash = fit((ref_i128)a->cash + ref_upnl(&st->c, side * take, a->entry, price));
      a->size -= side * take;
    }
    if (st->nadl < REF_MAX_ADL) {
      ref_adl *r = &st->adl[st->nadl++];
      r->bankrupt_acct = from_fund ? 0 : who;
      r->counter_acct = q->v[i].acct;
      r->from_fund = from_fund;
      r->qty = take;
      r->price = price;
    } else if (!st->skip) {
      st->skip = REF_SKIP_SCOPE;
      snprintf(st->why, sizeof st->why, "more than %d ADL records", REF_MAX_ADL);
    }
    left -= take;
  }
  check_close(x, q, last);
  return left;
}

/* ---- how much a step closes ----------------------------------------------------------- */

/* 1 when, after closing `lots` lots of a's position (the last cut to the position) at the
 * mark, the equity e is at least ceil(buffer · MM(what is left)). */
static int healthy_after(const ref_contract *c, const ref_policy *pol, const ref_acct *a,
                         int64_t M, int64_t e, int64_t lots) {
  ref_i128 q = mul(lots, pol->health_lot);
  int64_t n = q >= abs64(a->size) ? 0 : abs64(a->size) - (int64_t)q;
  return e >= fit(ceil_div(mul(ref_mm(c, n, M), pol->health_buffer), ONE));
}

/* §3 to health: the fewest whole lots (the last cut to the position) after which the
 * account's equity at the mark is at least buffer × MM on what is left, fills taken at
 * the mark; the whole position when no number of lots does.
 * Reading: found from a floating-point estimate of the size that may be kept (one tier:
 * N(kept) · mmr · buffer <= equity), then corrected lot by lot with the exact test, so
 * the answer does not rest on the estimate. */
static int64_t health_want(const ref_contract *c, const ref_policy *pol, const ref_acct *a,
                           int64_t M) {
  int64_t e = equity_at(c, a, M), size = abs64(a->size), lot = pol->health_lot;
  int64_t most = size / lot + (size % lot != 0); /* lots that cover the whole position */
  long double keep; /* contracts (units of 1e-8) that may be kept */
  if (e <= 0) {
    keep = 0;
  } else if (c->mmr == 0) {
    keep = (long double)size;
  } else {
    /* the notional that may be kept, in units of 1e-8 of the settle asset */
    long double nmax = (long double)e * 1e16L / ((long double)pol->health_buffer * (long double)c->mmr);
    keep = c->kind == REF_LINEAR ? nmax * 1e16L / ((long double)c->size * (long double)M)
                                 : nmax * (long double)M / (long double)c->size;
  }
  long double est = ((long double)size - keep) / (long double)lot;
  int64_t lots = est <= 0 ? 0 : est >= (long double)most ? most : (int64_t)est;
  while (lots > 0 && healthy_after(c, pol, a, M, e, lots - 1)) lots--;
  while (lots < most && !healthy_after(c, pol, a, M, e, lots)) lots++;
  ref_i128 q = mul(lots, lot);
  return q >= size ? size : (int64_t)q;
}

/* ---- one liquidation step ------------------------------------------------------------ */

static void step(ev *x, uint32_t id, int64_t ts) {
  ref_state *st = x->st;
  const ref_contract *c = &st->c;
  const ref_policy *pol = &st->pol;
  ref_acct *a = &st->acct[id];
  int64_t M = x->mark, s0 = a->size;
  int side = sgn(s0);
  int64_t fund_other = 0, fund_spread = 0, paid0 = x->deficit_paid;
  ref_rec rec;
  memset(&rec, 0, sizeof rec);
  rec.ts = ts;
  rec.acct = id;
  rec.size = s0;
  rec.mark = M;
  rec.notional = ref_notional(c, s0, M);
  rec.bankrupt_at_mark = equity_at(c, a, M) < 0;

  /* §2; a position that cannot go bankrupt alone (bp 0 for a long, infinite for a short)
   * is taken over or deleveraged at the mark instead. With one position per account such
   * a position is never below maintenance, so this only keeps the rule written down. */
  int64_t bp = ref_bankruptcy(c, a->cash, s0, a->entry);
  /* Reading: bp is computed once, from the state at the step's start, and serves the
   * price limit, the takeover and ADL alike (the fills of the walk do not move it). */
  rec.bankrupt = bp;
  int64_t px = bp == 0 || bp == INT64_MAX ? M : bp;

  /* §3: quantity: the whole position or to health, then a slice of ceil(|s| · share)
   * when the position's notional is above slice_above (the whole position when the
   * slice is not smaller) */
  int64_t want = pol->size_mode == REF_SIZE_HEALTH ? health_want(c, pol, a, M) : abs64(s0);
  /* Reading: the threshold compares the notional in the quote, USD: linear N(s, mark),
   * inverse the face value |s| · f (rounded up, as a notional is) */
  int64_t usd = c->kind == REF_LINEAR ? ref_notional(c, s0, M)
                                      : fit(ceil_div(mul(abs64(s0), c->size), ONE));
  if (pol->remainder == REF_REM_SLICE && usd > pol->slice_above) {
    int64_t slice = fit(ceil_div(mul(abs64(s0), pol->slice_share), ONE));
    if (slice < want) want = slice;
  }
  tally t;
  memset(&t, 0, sizeof t);
  walk(x, a, want, pol->limit == REF_LIMIT_BANKRUPTCY, bp, &t);

  /* §4: what the book did not absorb: the rest of the position, or to health the rest of
   * the step's own quantity */
  int64_t R = a->size;
  if (pol->size_mode == REF_SIZE_HEALTH && abs64(R) > want - t.qty) R = side * (want - t.qty);
  int64_t Eu = equity_at(c, a, M);
  int outcome = REF_OUT_BOOK;
  int go_takeover = 0, go_waterfall = 0;
  if (R != 0) {
    switch (pol->remainder) {
    case REF_REM_SLICE:
      /* while Eu > backstop_mm × MM(remaining): wait.
       * Reading: compared exactly, Eu · 1 > backstop_mm · MM with no rounding. */
      if (mul(Eu, ONE) > mul(pol->backstop_mm, ref_mm(c, a->size, M)))
        outcome = REF_OUT_WAITING;
      else
        go_takeover = 1;
      break;
    case REF_REM_TAKEOVER: go_takeover = 1; break;
    default:
      /* a solvent unit (Eu >= 0) waits; a bankrupt one goes to the waterfall */
      if (Eu >= 0)
        outcome = REF_OUT_WAITING;
      else
        go_waterfall = 1;
      break;
    }
  }
  if (go_takeover) {
    /* the fund takes R at bp when its trigger allows it before and after.
     * Reading: only the table's condition on equity (and net position); a takeover pays
     * nothing out of cash, so cash is not checked. */
    int64_t e_before = fund_equity(st, M);
    int64_t n_before = ref_notional(c, st->inv_size, M);
    int64_t nsize, nentry, realized;
    /* §4: entered at the mark, the difference to px booked at once as the takeover's */
    int64_t jump = ref_upnl(c, R, px, M);
    fund_add(st, R, M, &nsize, &nentry, &realized);
    int64_t cash_after = fit((ref_i128)st->fund_cash + realized + jump);
    int64_t e_after = fit((ref_i128)cash_after + ref_upnl(c, nsize, nentry, M));
    int64_t n_after = ref_notional(c, nsize, M);
    if (fund_allows(st, e_before, n_before) && fund_allows(st, e_after, n_after)) {
      a->cash = fit((ref_i128)a->cash + ref_upnl(c, R, a->entry, px));
      a->size -= R;
      st->inv_size = nsize;
      st->inv_entry = nentry;
      st->fund_cash = cash_after;
      fund_flow(st, REF_C_TAKEOVER, realized);
      fund_flow(st, REF_C_TAKEOVER, jump);
      fund_other += realized + jump;
      rec.takeover_qty = abs64(R);
      outcome = REF_OUT_TAKEOVER;
    } else {
      go_waterfall = 1;
    }
  }
  if (go_waterfall) {
    if (pol->action == REF_ACT_ADL) {
      int64_t left = adl(x, side, abs64(R), px, 0, id);
      rec.adl_qty = abs64(R) - left;
      rec.unresolved_qty = left;
      outcome = left ? REF_OUT_UNRESOLVED : REF_OUT_ADL;
    } else {
      /* socialize: the rest walks the book with no price limit */
      int64_t q0 = t.qty;
      walk(x, a, abs64(R), 0, 0, &t);
      rec.unresolved_qty = abs64(R) - (t.qty - q0);
      outcome = rec.unresolved_qty ? REF_OUT_UNRESOLVED : REF_OUT_SOCIALIZED;
    }
  }
  /* Reading: book_qty and levels count both walks of the step (the socialize walk too);
   * a level is counted when it gave a fill, not when it was passed over. */
  rec.book_qty = t.qty;
  rec.levels = t.levels;
  rec.avg_fill = t.qty ? fit(floor_div(t.pq, t.qty)) : 0;
  rec.outcome = outcome;

  /* §7.1 penalty: ceil(Σ N(fill, price) · penalty) over the step's book fills, capped by
   * the unit's equity at the mark after the remainder is settled.
   * Reading: a step that waits or stays unresolved pays it too (it had book fills), capped
   * by its equity at the mark with what is left open; a negative equity caps it at 0. */
  int64_t fee = 0;
  if (pol->penalty_mode == REF_PEN_FEE && t.qty > 0) {
    fee = fit(ceil_div(mul(t.notional, pol->penalty), ONE));
    int64_t cap = max64(0, equity_at(c, a, M));
    if (fee > cap) fee = cap;
    a->cash -= fee;
    st->fund_cash = fit((ref_i128)st->fund_cash + fee);
    fund_flow(st, REF_C_FEE, fee);
  }
  rec.fee = fee;

  /* §7.2 when the unit is fully closed */
  if (a->size == 0) {
    if (a->cash < 0) {
      cover(x, id);
    } else if (a->cash > 0 && pol->penalty_mode == REF_PEN_REMAINING) {
      fund_spread = a->cash;
      st->fund_cash = fit((ref_i128)st->fund_cash + a->cash);
      fund_flow(st, REF_C_SPREAD, a->cash);
      a->cash = 0;
    }
  }
  if (a->size == 0) a->entry = 0;
  rec.fund_fee = fee;
  rec.fund_spread = fund_spread;
  /* Reading: the record's deficit is everything the fund paid during the step, ADL
   * counterparties' deficits included (read off the ledger around the step). */
  rec.fund_deficit = x->deficit_paid - paid0;
  rec.fund_other = fund_other;
  if (st->nrec < REF_MAX_ACCT) st->rec[st->nrec++] = rec;
}

/* ---- one account's liquidation ---------------------------------------------------------- */

/* §4a: 1 when a liquidation with the account's deficit at the mark must wait for the
 * fund's next loss period: the deficit exceeds what is left of the period's budget and
 * something was spent in it already. A new period starts with nothing spent. */
static int budget_waits(ev *x, const ref_acct *a, int64_t ts) {
  ref_state *st = x->st;
  if (st->pol.loss_cap == 0) return 0;
  int64_t period = fit(floor_div(ts, st->pol.loss_period));
  if (period != st->loss_period_idx) {
    st->loss_period_idx = period;
    st->loss_spent = 0;
  }
  int64_t deficit = max64(0, -equity_at(&st->c, a, x->mark));
  int64_t left = max64(0, st->pol.loss_cap - st->loss_spent);
  return deficit > left && st->loss_spent > 0;
}

/* One account: the budget check, then steps: one, or to health as long as the account
 * is below maintenance after a step that closed something and left nothing waiting or
 * unresolved, at most 8 (docs §3). The fund's loss over all of them (its equity at the
 * mark before less after, when positive) is charged to the period's budget.
 * Reading: the fund movements of every step of one account's liquidation are reported
 * on its last record (as for a unit of several contracts, liquidations.csv §). */
static void liquidate(ev *x, uint32_t id, int64_t ts) {
  ref_state *st = x->st;
  ref_acct *a = &st->acct[id];
  if (budget_waits(x, a, ts)) return;
  int64_t fund0 = fund_equity(st, x->mark);
  size_t rec0 = st->nrec;
  for (int round = 1;; round++) {
    int64_t s0 = a->size;
    step(x, id, ts);
    int out = st->nrec > rec0 ? st->rec[st->nrec - 1].outcome : REF_OUT_BOOK;
    if (st->pol.size_mode != REF_SIZE_HEALTH || round == 8 || a->size == s0 ||
        out == REF_OUT_WAITING || out == REF_OUT_UNRESOLVED ||
        !ref_liquidatable(&st->c, a, x->mark))
      break;
  }
  int64_t fee = 0, spread = 0, deficit = 0, other = 0;
  for (size_t i = rec0; i < st->nrec; i++) {
    fee += st->rec[i].fund_fee;
    spread += st->rec[i].fund_spread;
    deficit += st->rec[i].fund_deficit;
    other += st->rec[i].fund_other;
    st->rec[i].fund_fee = st->rec[i].fund_spread = st->rec[i].fund_deficit = 0;
    st->rec[i].fund_other = 0;
  }
  if (st->nrec > rec0) {
    ref_rec *last = &st->rec[st->nrec - 1];
    last->fund_fee = fee;
    last->fund_spread = spread;
    last->fund_deficit = deficit;
    last->fund_other = other;
  }
  int64_t loss = fund0 - fund_equity(st, x->mark);
  if (st->pol.loss_cap && loss > 0) st->loss_spent += loss;
}

/* ---- the end of the event ------------------------------------------------------------ */

/* §7.2 socialize: collected at the end of the event from the other accounts of the
 * asset, pro rata to unrealized profit or open interest, each share rounded up.
 * Reading: profit = max(0, U(s, e, mark)) of the account's position, open interest =
 * |s| in contracts; the liquidated accounts whose loss is spread are left out. When
 * every weight is 0 nobody pays and the loss stays with the sink (the document: what
 * socialization found nobody, or too little profit, to spread over). */
static void socialize(ev *x) {
  ref_state *st = x->st;
  if (x->pending <= 0) return;
  int64_t w[REF_MAX_ACCT];
  ref_i128 sum = 0;
  for (size_t k = 0; k < st->nacct; k++) {
    const ref_acct *a = &st->acct[k];
    w[k] = 0;
    if (x->excluded[k] || a->size == 0) continue;
    w[k] = st->pol.soc_base == REF_SOC_OI ? abs64(a->size)
                                          : max64(0, ref_upnl(&st->c, a->size, a->entry, x->mark));
    sum += w[k];
  }
  if (sum == 0) return;
  for (size_t k = 0; k < st->nacct; k++) {
    if (w[k] == 0) continue;
    int64_t share = fit(ceil_div(mul(x->pending, w[k]), sum));
    /* a clawback of profit takes no more than the profit; what it cannot take stays a
     * loss nobody bore. Reading: the cap is the profit base's (open interest is not money) */
    if (st->pol.soc_base == REF_SOC_PROFIT && share > w[k]) share = w[k];
    st->acct[k].cash -= share;
    st->sink_in[REF_C_SOCIALIZED] += share;
  }
}

void ref_reset_results(ref_state *st) {
  memset(st->fund_in, 0, sizeof st->fund_in);
  memset(st->fund_out, 0, sizeof st->fund_out);
  memset(st->sink_in, 0, sizeof st->sink_in);
  memset(st->sink_out, 0, sizeof st->sink_out);
  st->nrec = 0;
  st->nadl = 0;
  st->skip = REF_SKIP_NONE;
  st->why[0] = 0;
}

void ref_on_mark(ref_state *st, int64_t mark, int64_t ts) {
  static ev x; /* large; one event at a time */
  memset(&x, 0, sizeof x);
  x.st = st;
  x.mark = mark;
  range_bad = 0;
  if (st->nacct > REF_MAX_ACCT || st->nbids > REF_MAX_LEVELS || st->nasks > REF_MAX_LEVELS) {
    st->skip = REF_SKIP_SCOPE;
    snprintf(st->why, sizeof st->why, "more accounts or levels than the reference holds");
    return;
  }
  memcpy(x.sorted_bids, st->bids, st->nbids * sizeof st->bids[0]);
  memcpy(x.sorted_asks, st->asks, st->nasks * sizeof st->asks[0]);
  sort_side(x.sorted_bids, st->nbids, 1);
  sort_side(x.sorted_asks, st->nasks, 0);
  st->mark = mark;

  /* §1: the accounts below maintenance at the new mark, visited in id order.
   * Reading: the set is taken at the start of the event (the trigger index is only a
   * faster way to find it); each is checked again when its turn comes. */
  uint8_t due[REF_MAX_ACCT];
  for (size_t k = 0; k < st->nacct; k++) due[k] = (uint8_t)ref_liquidatable(&st->c, &st->acct[k], mark);
  for (uint32_t k = 0; k < st->nacct; k++)
    if (due[k] && ref_liquidatable(&st->c, &st->acct[k], mark)) liquidate(&x, k, ts);

  /* end of the event: pending socialization, then the fund's trigger; under adl a fund
   * past its trigger has its whole inventory deleveraged at the mark (§6). */
  socialize(&x);
  if (st->inv_size != 0 && st->pol.action == REF_ACT_ADL) {
    int64_t fe = fund_equity(st, mark), fn = ref_notional(&st->c, st->inv_size, mark);
    if (!fund_allows(st, fe, fn)) {
      int side = sgn(st->inv_size);
      adl(&x, side, abs64(st->inv_size), mark, 1, 0);
    }
  }
  if (range_bad && !st->skip) {
    st->skip = REF_SKIP_RANGE;
    snprintf(st->why, sizeof st->why, "a value left 128-bit products or int64 results");
  }
}
