/*
 * Margin: tier tables (cum rule), equity, maintenance margin, liquidation and bankruptcy
 * prices, linear and inverse, cross and isolated. The published worked examples of
 * reference/formulas.md (T1–T4, T6) to the tick, then a slow reference (bisection on the
 * liquidation predicate) against the closed-form prices on seeded random accounts.
 * The engine alone: `backstop margin`, the calculator over it, is test_cmd_margin.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/account.h"
#include "engine/instrument.h"
#include "engine/tiers.h"
#include "tests/testutil.h"
#include "tests/venue_formulas.h"

static bk_contract contract(int kind, const char *tick, const char *cs, const char *mmr,
                            const char *lev) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = kind;
  c.tick = P(tick);
  c.contract_size = P(cs);
  c.tiers.n = 1;
  c.tiers.v[0].mmr = P(mmr);
  c.tiers.v[0].maint_amount = -1;
  c.tiers.v[0].max_lev = P(lev);
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}

static void t1_binance_cum_rule_gives_0_50_1300(void **state) {
  (void)state;
  bk_tiers t = {.n = 3};
  t.v[0] = (bk_tier){0, P("0.004"), -1, BK_FX(125)};
  t.v[1] = (bk_tier){P("50000"), P("0.005"), -1, BK_FX(100)};
  t.v[2] = (bk_tier){P("250000"), P("0.01"), -1, BK_FX(50)};
  assert_int_equal(bk_tiers_finish(&t, NULL), BK_OK);
  assert_true(t.v[0].maint_amount == 0);
  assert_true(t.v[1].maint_amount == P("50"));
  assert_true(t.v[2].maint_amount == P("1300"));
  /* continuity at each floor: MM just below and at the floor agree */
  int64_t below, at;
  assert_int_equal(bk_tiers_mm(&t, P("249999.99"), &below), BK_OK);
  assert_int_equal(bk_tiers_mm(&t, P("250000"), &at), BK_OK);
  assert_true(at - below <= P("0.0001") && at >= below);
  assert_true(at == P("1200")); /* 250000 × 1 % − 1300 */
  int64_t im;
  assert_int_equal(bk_vf_tiers_im(&t, P("300000"), &im), BK_OK);
  assert_true(im == P("6000")); /* 50× */
}

static void tiers_reject_bad_tables(void **state) {
  (void)state;
  bk_err e;
  bk_tiers t = {.n = 2};
  t.v[0] = (bk_tier){0, P("0.01"), -1, 0};
  t.v[1] = (bk_tier){0, P("0.02"), -1, 0};
  assert_int_equal(bk_tiers_finish(&t, &e), BK_ECONFIG);
  assert_non_null(strstr(e.msg, "ascend"));
  t.v[1].floor = P("10");
  t.v[1].mmr = BK_FX(1);
  assert_int_equal(bk_tiers_finish(&t, &e), BK_ECONFIG);
  assert_true(t.v[0].maint_amount == -1); /* unchanged on error */
}

/* One-position account on contract 0 at the given mark. */
typedef struct one {
  bk_contract c;
  int64_t mark;
  bk_menv env;
  bk_account a;
} one;

static void one_setup(one *o, bk_contract c, const char *mark) {
  o->c = c;
  o->mark = P(mark);
  memset(&o->env, 0, sizeof o->env);
  o->env.contracts = &o->c;
  o->env.mark = &o->mark;
  o->env.ncontracts = 1;
  bk_acct_init(&o->a, 0);
}

static void t2_bybit_isolated_long_liquidates_at_19700(void **state) {
  (void)state;
  one o;
  bk_contract c = contract(BK_LINEAR, "0.5", "1", "0.005", "50");
  c.mm_basis = BK_MM_ENTRY; /* Bybit: MM on the position value at entry */
  one_setup(&o, c, "20000");
  int64_t im;
  assert_int_equal(bk_vf_tiers_im(&c.tiers, P("20000"), &im), BK_OK);
  assert_true(im == P("400"));
  bk_pos p = {0, 1, P("1"), P("20000"), im, 0, 0, 0};
  assert_int_equal(bk_acct_set_pos(&o.a, &p), BK_OK);
  int64_t mm, lp, exact;
  assert_int_equal(bk_pos_mm(&c, &p, P("20000"), &mm), BK_OK);
  assert_true(mm == P("100"));
  assert_int_equal(bk_acct_liq_price(&o.env, &o.a, 0, &exact, &lp), BK_OK);
  assert_true(exact == P("19700"));
  assert_true(lp == P("19700"));
  /* the Binance/dYdX convention (MM at the price itself) liquidates lower:
     (400 − 20000) / (0.005 − 1) = 19698.4924..., rounded up to the tick */
  o.c.mm_basis = BK_MM_MARK;
  assert_int_equal(bk_acct_liq_price(&o.env, &o.a, 0, &exact, &lp), BK_OK);
  assert_true(exact == P("19698.49246232"));
  assert_true(lp == P("19698.5"));
  bk_acct_fini(&o.a);
}

static void t3_bybit_long_50x_goes_bankrupt_at_9800(void **state) {
  (void)state;
  one o;
  one_setup(&o, contract(BK_LINEAR, "0.5", "1", "0.005", "50"), "10000");
  int64_t im;
  assert_int_equal(bk_vf_tiers_im(&o.c.tiers, P("10000"), &im), BK_OK);
  bk_pos p = {0, 1, P("1"), P("10000"), im, 0, 0, 0};
  assert_int_equal(bk_acct_set_pos(&o.a, &p), BK_OK);
  int64_t bp, exact;
  assert_int_equal(bk_acct_bankrupt_price(&o.env, &o.a, 0, &exact, &bp), BK_OK);
  assert_true(exact == P("9800") && bp == P("9800"));
  /* and a short at 50× goes bankrupt at 10200 */
  p.size = -p.size;
  assert_int_equal(bk_acct_set_pos(&o.a, &p), BK_OK);
  assert_int_equal(bk_acct_bankrupt_price(&o.env, &o.a, 0, &exact, &bp), BK_OK);
  assert_true(bp == P("10200"));
  bk_acct_fini(&o.a);
}

static void t4_bybit_inverse_bankruptcy_rounds_7735_37_up_to_7735_50(void **state) {
  (void)state;
  one o;
  one_setup(&o, contract(BK_INVERSE, "0.5", "1", "0.005", "50"), "7890.08");
  /* initial margin in coin: 5000 / 7890.08 / 50, rounded down (the trader posts no more) */
  int64_t n, im;
  assert_int_equal(bk_pos_notional(&o.c, P("5000"), P("7890.08"), &n), BK_OK);
  assert_int_equal(bk_fx_div(n, BK_FX(50), BK_FLOOR, &im), BK_OK);
  assert_true(im == P("0.01267414"));
  bk_pos p = {0, 1, P("5000"), P("7890.08"), im, 0, 0, 0};
  assert_int_equal(bk_acct_set_pos(&o.a, &p), BK_OK);
  int64_t bp, exact;
  assert_int_equal(bk_acct_bankrupt_price(&o.env, &o.a, 0, &exact, &bp), BK_OK);
  /* published: 7,735.37 before rounding, 7,735.50 on the 0.5 tick */
  assert_true(P("7735.37") <= exact && exact < P("7735.38"));
  assert_true(bp == P("7735.5"));
  /* the closed form entry × lev / (lev + 1) = 7735.3725... agrees to the cent */
  int64_t closed;
  assert_int_equal(bk_fx_muldiv(P("7890.08"), 50, 51, BK_CEIL, &closed), BK_OK);
  assert_true(closed - exact < P("0.01") && exact - closed < P("0.01"));
  bk_acct_fini(&o.a);
}

static void t6_dydx_short_500_with_100_goes_bankrupt_at_1_20(void **state) {
  (void)state;
  one o;
  one_setup(&o, contract(BK_LINEAR, "0.0001", "1", "0.05", "20"), "2");
  o.a.cash = P("100");
  bk_pos p = {0, 0, P("-500"), P("1"), 0, 0, 0, 0};
  assert_int_equal(bk_acct_set_pos(&o.a, &p), BK_OK);
  int64_t bp, exact, eq;
  assert_int_equal(bk_acct_bankrupt_price(&o.env, &o.a, 0, &exact, &bp), BK_OK);
  assert_true(exact == P("1.2") && bp == P("1.2"));
  /* at a mark of 2.00 the account is deep under water and liquidatable */
  assert_int_equal(bk_acct_equity(&o.env, &o.a, &eq), BK_OK);
  assert_true(eq == P("-400"));
  int which = 7;
  assert_int_equal(bk_acct_liquidatable(&o.env, &o.a, &which), 1);
  assert_int_equal(which, -1);
  bk_acct_fini(&o.a);
}

static void binance_cross_example_matches_published_liquidation_price(void **state) {
  (void)state;
  /* The Binance calculator example of the issue: 109.488 BTC long at 32,481.98, wallet
     1,535,443.01 USDT, tier MMR 2.5 % with cum 16,300. Binance's formula:
     LP = (WB + cum − Pos × EP) / (Pos × MMR − Pos)
        = (1535443.01 + 16300 − 3556349....) / (2.7372 − 109.488) = 18,778.7… */
  one o;
  bk_contract c = contract(BK_LINEAR, "0.01", "1", "0.025", "20");
  c.tiers.v[0].maint_amount = P("16300");
  one_setup(&o, c, "31967.27");
  o.a.cash = P("1535443.01");
  bk_pos p = {0, 0, P("109.488"), P("32481.98"), 0, 0, 0, 0};
  assert_int_equal(bk_acct_set_pos(&o.a, &p), BK_OK);
  int64_t lp, exact;
  assert_int_equal(bk_acct_liq_price(&o.env, &o.a, 0, &exact, &lp), BK_OK);
  /* (1535443.01 + 16300 − 3556383.02... ) computed by hand:
     Pos × EP = 109.488 × 32481.98 = 3556389.02... */
  int64_t pe;
  assert_int_equal(bk_fx_mul(P("109.488"), P("32481.98"), BK_TRUNC, &pe), BK_OK);
  int64_t want;
  assert_int_equal(bk_fx_muldiv(P("1535443.01") + P("16300") - pe, BK_FX_SCALE,
                                P("109.488") - P("2.7372"), BK_TRUNC, &want),
                   BK_OK);
  want = -want; /* numerator is negative over a negative denominator */
  assert_true(exact - want <= 1 && want - exact <= 1);
  printf("binance example: liquidation price %lld e-8 (tick %lld)\n", (long long)exact,
         (long long)lp);
  bk_acct_fini(&o.a);
}

/* ---- slow reference on random accounts ---- */

static int64_t rnd(uint64_t *s, int64_t lo, int64_t hi) {
  return lo + (int64_t)(bk_t_rand(s) % (uint64_t)(hi - lo + 1));
}

/* Liquidatable when the mark of contract k alone is moved to price (others stay). */
static int liq_at(bk_menv *env, int64_t *marks, size_t k, const bk_account *a, int iso_idx,
                  int64_t price) {
  int64_t saved = marks[k];
  marks[k] = price;
  int r;
  if (iso_idx >= 0) { /* the isolated position alone */
    int64_t eq, mm;
    const bk_pos *p = &a->pos[iso_idx];
    r = bk_acct_pos_equity(env, a, (size_t)iso_idx, &eq) == BK_OK &&
        bk_pos_mm(&env->contracts[p->contract], p, price, &mm) == BK_OK && eq < mm;
  } else {
    r = bk_acct_liquidatable(env, a, NULL);
  }
  marks[k] = saved;
  return r;
}

/* Reference equity: a direct sum written independently of the library's rounding path. */
static bk_i128 ref_equity_e24(const bk_menv *env, const bk_account *a) {
  bk_i128 sum = (bk_i128)a->cash * BK_FX_SCALE * BK_FX_SCALE;
  for (uint32_t i = 0; i < a->npos; i++) {
    const bk_pos *p = &a->pos[i];
    if (p->isolated) continue;
    const bk_contract *c = &env->contracts[p->contract];
    int64_t m = env->mark[p->contract];
    if (c->kind == BK_LINEAR)
      sum += (bk_i128)p->size * c->contract_size * (m - p->entry);
    else /* e-24 of coin: s cs (m − e) / (e m) scaled */
      sum += (bk_i128)p->size * c->contract_size * (m - p->entry) / p->entry * BK_FX_SCALE / m *
             BK_FX_SCALE;
  }
  return sum;
}

static void random_accounts_agree_with_bisection_reference(void **state) {
  (void)state;
  uint64_t seed = bk_t_seed(), s = seed;
  enum { NC = 3 };
  int checked = 0;
  for (int iter = 0; iter < 3000; iter++) {
    bk_contract cs[NC];
    int64_t marks[NC];
    for (size_t k = 0; k < NC; k++) {
      int inverse = (int)rnd(&s, 0, 2) == 0;
      cs[k] = contract(inverse ? BK_INVERSE : BK_LINEAR, inverse ? "0.5" : "0.01",
                       inverse ? "100" : "1", "0.004", "100");
      cs[k].mm_basis = rnd(&s, 0, 3) == 0 ? BK_MM_ENTRY : BK_MM_MARK;
      int nt = (int)rnd(&s, 1, 4);
      cs[k].tiers.n = (size_t)nt;
      int64_t fl = 0, mmr = P("0.004");
      for (int t = 0; t < nt; t++) {
        cs[k].tiers.v[t] = (bk_tier){fl, mmr, -1, BK_FX(50)};
        fl += inverse ? rnd(&s, 1, 50) * BK_FX(1) : rnd(&s, 1, 500) * BK_FX(1000);
        mmr += rnd(&s, 1, 100) * 100000; /* + up to 1 % */
      }
      assert_int_equal(bk_tiers_finish(&cs[k].tiers, NULL), BK_OK);
      marks[k] = inverse ? rnd(&s, 1000, 100000) * BK_FX(1) : rnd(&s, 100, 5000000) * 1000000;
    }
    bk_menv env = {cs, marks, NC, NULL, 0, NULL};
    bk_account a;
    bk_acct_init(&a, 0);
    int np = (int)rnd(&s, 1, 3);
    int iso = rnd(&s, 0, 3) == 0;
    a.cash = iso ? 0 : rnd(&s, 0, 1000000) * BK_FX(1) / 100;
    for (int j = 0; j < np; j++) {
      int64_t m = marks[j];
      int64_t size = cs[j].kind == BK_INVERSE ? rnd(&s, 1, 100000) * BK_FX(1)
                                              : rnd(&s, 1, 100000) * BK_FX(1) / 1000;
      if (rnd(&s, 0, 1)) size = -size;
      int64_t entry = m + (m / 100) * rnd(&s, -20, 20);
      bk_pos p = {(uint32_t)j, iso, size, entry, 0, 0, 0, 0};
      if (iso) {
        int64_t n;
        assert_int_equal(bk_pos_notional(&cs[j], size, entry, &n), BK_OK);
        p.margin = n / rnd(&s, 2, 100) + 1;
      }
      assert_int_equal(bk_acct_set_pos(&a, &p), BK_OK);
    }
    if (!iso) { /* reference equity agrees within the rounding of each position */
      int64_t eq;
      assert_int_equal(bk_acct_equity(&env, &a, &eq), BK_OK);
      bk_i128 ref = ref_equity_e24(&env, &a) / BK_FX_SCALE / BK_FX_SCALE;
      if (!(ref - eq <= np + 1 && eq - ref <= np + 1))
        fail_msg("seed %llu iter %d: equity %lld vs reference %lld", (unsigned long long)seed,
                 iter, (long long)eq, (long long)ref);
    }
    for (uint32_t j = 0; j < a.npos; j++) {
      const bk_pos *p = &a.pos[j];
      int64_t tick = cs[p->contract].tick, lp;
      assert_int_equal(bk_acct_liq_price(&env, &a, j, NULL, &lp), BK_OK);
      int iso_idx = iso ? (int)j : -1;
      int64_t hi = marks[p->contract] * 20;
      if (lp == 0 || lp == INT64_MAX) {
        /* "never" or "always": the predicate must agree at both ends of the range */
        int always = (lp == 0) == (p->size < 0);
        int lo_end = liq_at(&env, marks, p->contract, &a, iso_idx, tick);
        int hi_end = liq_at(&env, marks, p->contract, &a, iso_idx, hi);
        if (lo_end != always || hi_end != always)
          fail_msg("seed %llu iter %d: price %lld says %s but the predicate is %d/%d",
                   (unsigned long long)seed, iter, (long long)lp, always ? "always" : "never",
                   lo_end, hi_end);
        continue;
      }
      if (lp > hi || lp <= 2 * tick) continue;
      int l_below = liq_at(&env, marks, p->contract, &a, iso_idx, lp - tick);
      int l_above = liq_at(&env, marks, p->contract, &a, iso_idx, lp + tick);
      int ok = p->size > 0 ? (l_below && !l_above) : (!l_below && l_above);
      if (!ok) {
        for (uint32_t q = 0; q < a.npos; q++) {
          const bk_contract *cq = &cs[a.pos[q].contract];
          printf("pos %u: contract %u kind %d basis %d size %lld entry %lld margin %lld mark %lld tiers %zu\n", q,
                 a.pos[q].contract, cq->kind, cq->mm_basis, (long long)a.pos[q].size,
                 (long long)a.pos[q].entry, (long long)a.pos[q].margin,
                 (long long)marks[a.pos[q].contract], cq->tiers.n);
          for (size_t t = 0; t < cq->tiers.n; t++)
            printf("  tier %lld %lld %lld\n", (long long)cq->tiers.v[t].floor,
                   (long long)cq->tiers.v[t].mmr, (long long)cq->tiers.v[t].maint_amount);
        }
        printf("cash %lld iso %d\n", (long long)a.cash, iso);
      }
      if (!ok)
        fail_msg("seed %llu iter %d pos %u: liquidation price %lld does not separate "
                 "(below %d above %d, size %lld)",
                 (unsigned long long)seed, iter, j, (long long)lp, l_below, l_above,
                 (long long)p->size);
      checked++;
      /* bankruptcy price: equity at it is zero to within a tick's worth */
      int64_t bp;
      assert_int_equal(bk_acct_bankrupt_price(&env, &a, j, NULL, &bp), BK_OK);
      if (bp > 0) {
        if (p->size > 0) assert_true(bp <= lp);
        else assert_true(bp >= lp);
      }
    }
    bk_acct_fini(&a);
  }
  printf("checked %d liquidation prices against the reference\n", checked);
  assert_true(checked > 1000);
}

/* The 256-bit a × b / c takes the most negative 128-bit operand, whose magnitude has no
 * signed 128-bit form (found by review after the solver's products were checked). */
static void muldiv_wide_takes_the_most_negative_128_bit_operand(void **state) {
  (void)state;
  const bk_i128 min128 = (bk_i128)((bk_u128)1 << 127);
  int64_t q;
  assert_int_equal(bk_acct_muldiv_wide(min128, 3, min128, BK_FLOOR, &q), BK_OK);
  assert_true(q == 3);
  assert_int_equal(bk_acct_muldiv_wide(min128, -1, (bk_i128)1 << 70, BK_FLOOR, &q), BK_OK);
  assert_true(q == (int64_t)1 << 57);
  assert_int_equal(bk_acct_muldiv_wide(7, min128, min128 / 2, BK_CEIL, &q), BK_OK);
  assert_true(q == 14);
  assert_int_equal(bk_acct_muldiv_wide(min128, 1, 1, BK_FLOOR, &q), BK_ERANGE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(t1_binance_cum_rule_gives_0_50_1300),
      cmocka_unit_test(tiers_reject_bad_tables),
      cmocka_unit_test(t2_bybit_isolated_long_liquidates_at_19700),
      cmocka_unit_test(t3_bybit_long_50x_goes_bankrupt_at_9800),
      cmocka_unit_test(t4_bybit_inverse_bankruptcy_rounds_7735_37_up_to_7735_50),
      cmocka_unit_test(t6_dydx_short_500_with_100_goes_bankrupt_at_1_20),
      cmocka_unit_test(binance_cross_example_matches_published_liquidation_price),
      cmocka_unit_test(random_accounts_agree_with_bisection_reference),
      cmocka_unit_test(muldiv_wide_takes_the_most_negative_128_bit_operand),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
