/*
 * Risk engine benchmark: mark updates per second with 10^4, 10^5 and 10^6 accounts on one
 * instrument (quiet marks that cross few liquidation prices, then a slide that crosses
 * many), and liquidations per second through a deep book. The point to show: the cost of
 * a mark update follows the number of accounts whose trigger it crosses, not the number
 * of accounts.
 *
 * usage: bench_risk [max_accounts]   (default 1000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine/book.h"
#include "engine/event.h"
#include "engine/risk.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rnd(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static bk_contract btc(void) {
  bk_contract c = {0};
  c.kind = BK_LINEAR;
  c.tick = BK_FX(1) / 10;
  c.contract_size = BK_FX(1);
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, BK_FX(5) / 1000, -1, BK_FX(100)};
  bk_tiers_finish(&c.tiers, NULL);
  return c;
}

/* n accounts, half long half short, 30,000 entry, leverage 2× to 50×. */
static bk_risk *population(size_t n, uint64_t seed) {
  bk_policy pol;
  bk_policy_default(&pol);
  bk_policy_set_fund(&pol, "", BK_FX(1000000000), NULL);
  bk_contract c = btc();
  bk_err err;
  bk_risk *r = NULL;
  bk_risk_new(&pol, &c, 1, NULL, 0, &r, &err);
  if (!r) {
    fprintf(stderr, "bench_risk: %s\n", err.msg);
    exit(1);
  }
  r->check = 0;
  r->ledger.keep = 0;
  bk_risk_set_mark(r, 0, BK_FX(30000));
  uint64_t s = seed;
  for (size_t i = 0; i < n; i++) {
    uint32_t id;
    int64_t size = (int64_t)(rnd(&s) % 100 + 1) * (BK_FX(1) / 100);
    int64_t lev = (int64_t)(rnd(&s) % 49 + 2);
    int64_t deposit = size * 30000 / lev;
    if (bk_risk_add_account(r, 0, deposit, &id) ||
        bk_risk_trade(r, id, 0, (i & 1) ? -size : size, BK_FX(30000))) {
      fprintf(stderr, "bench_risk: %s\n", r->err.msg);
      exit(1);
    }
  }
  return r;
}

int main(int argc, char **argv) {
  size_t max = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
  bk_book *book = bk_book_new(BK_FX(1) / 10);
  /* a deep book: 2,000 levels a side, 0.5 apart, 0.5 to 5 BTC each */
  uint64_t s = 7;
  for (int k = 1; k <= 2000; k++) {
    bk_book_set(book, BK_BID, BK_FX(30000) - k * (BK_FX(1) / 2),
                (int64_t)(rnd(&s) % 10 + 1) * (BK_FX(1) / 2));
    bk_book_set(book, BK_ASK, BK_FX(30000) + k * (BK_FX(1) / 2),
                (int64_t)(rnd(&s) % 10 + 1) * (BK_FX(1) / 2));
  }
  const bk_book *books[1] = {book};
  printf("%-10s %-8s %10s %12s %14s %12s\n", "accounts", "phase", "updates", "ns/update",
         "visited/update", "liquidated");
  for (size_t n = 10000; n <= max; n *= 10) {
    double t0 = now_s();
    bk_risk *r = population(n, 42);
    double setup = now_s() - t0;
    /* quiet: 200,000 marks within ±5 ticks of 30,000, crossing next to nothing */
    const int quiet = 200000;
    uint64_t v0 = r->visited;
    size_t l0 = r->nrecs;
    t0 = now_s();
    for (int i = 0; i < quiet; i++) {
      int64_t m = BK_FX(30000) + ((int64_t)(rnd(&s) % 11) - 5) * (BK_FX(1) / 10);
      if (bk_risk_on_mark(r, 0, m, i, books)) return 1;
    }
    double dt = now_s() - t0;
    printf("%-10zu %-8s %10d %12.1f %14.3f %12zu\n", n, "quiet", quiet, dt * 1e9 / quiet,
           (double)(r->visited - v0) / quiet, r->nrecs - l0);
    /* slide: 10,000 marks down 1 tick each (−3.3 %), crossing the most leveraged longs */
    const int slide = 10000;
    v0 = r->visited;
    l0 = r->nrecs;
    t0 = now_s();
    for (int i = 0; i < slide; i++)
      if (bk_risk_on_mark(r, 0, BK_FX(30000) - (int64_t)i * (BK_FX(1) / 10), quiet + i, books))
        return 1;
    dt = now_s() - t0;
    printf("%-10zu %-8s %10d %12.1f %14.3f %12zu\n", n, "slide", slide, dt * 1e9 / slide,
           (double)(r->visited - v0) / slide, r->nrecs - l0);
    printf("%-10zu setup %.2f s\n", n, setup);
    bk_risk_free(r);
  }
  /* liquidations through the deep book: 10,000 longs at 50× liquidated by one mark */
  {
    bk_policy pol;
    bk_policy_default(&pol);
    bk_policy_set_fund(&pol, "", BK_FX(1000000000), NULL);
    pol.price_limit = BK_LIMIT_NONE;
    bk_contract c = btc();
    bk_err err;
    bk_risk *r = NULL;
    bk_risk_new(&pol, &c, 1, NULL, 0, &r, &err);
    r->check = 0;
    r->ledger.keep = 0;
    bk_risk_set_mark(r, 0, BK_FX(30000));
    const int n = 10000;
    for (int i = 0; i < n; i++) {
      uint32_t id;
      bk_risk_add_account(r, 0, BK_FX(6), &id); /* 0.01 BTC at 50× */
      bk_risk_trade(r, id, 0, BK_FX(1) / 100, BK_FX(30000));
    }
    double t0 = now_s();
    if (bk_risk_on_mark(r, 0, BK_FX(29000), 1, books)) return 1;
    double dt = now_s() - t0;
    printf("deep book: %zu liquidations in %.3f s = %.0f liquidations/s (%zu levels, fund "
           "equity %lld)\n",
           r->nrecs, dt, (double)r->nrecs / dt, bk_book_count(book, BK_BID),
           (long long)(bk_risk_fund_equity(r, 0) / BK_FX_SCALE));
    bk_risk_free(r);
  }
  bk_book_free(book);
  return 0;
}
