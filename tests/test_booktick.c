/*
 * The book's tick arithmetic (engine/book.c divides a price by the tick with a
 * multiplication by a precomputed reciprocal): at any price and tick, a level set at a
 * multiple of the tick reads back at exactly that price, and a price that is not a
 * multiple refines the tick to the greatest common divisor, as plain division says.
 * Seeded random prices up to INT64_MAX and ticks from 1 to 2^62, plus the edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "engine/book.h"
#include "engine/error.h"
#include "engine/event.h"
#include "tests/testutil.h"

static int64_t gcd(int64_t a, int64_t b) {
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* One price on an empty book with the given tick: it reads back exactly, and the tick is
 * what division says (kept when it divides the price, else the gcd). */
static void check(int64_t tick, int64_t price) {
  bk_book *b = bk_book_new(tick);
  assert_non_null(b);
  bk_rc rc = bk_book_set(b, BK_BID, price, 5);
  if (rc) fail_msg("tick %lld price %lld: %s", (long long)tick, (long long)price, bk_rc_name(rc));
  bk_level l;
  assert_int_equal(bk_book_best(b, BK_BID, &l), 1);
  if (l.price != price)
    fail_msg("tick %lld price %lld: best reads %lld", (long long)tick, (long long)price,
             (long long)l.price);
  int64_t want = price % tick == 0 ? tick : gcd(tick, price);
  if (bk_book_tick(b) != want)
    fail_msg("tick %lld price %lld: tick %lld, want %lld", (long long)tick, (long long)price,
             (long long)bk_book_tick(b), (long long)want);
  /* deleting it leaves the side empty: the same index was found again */
  assert_int_equal(bk_book_set(b, BK_BID, price, 0), BK_OK);
  assert_int_equal(bk_book_count(b, BK_BID), 0);
  bk_book_free(b);
}

static void tick_index_is_exact_at_any_price_and_tick(void **state) {
  (void)state;
  static const int64_t ticks[] = {1, 2, 3, 7, 10, 1000000, 99999999, 100000000,
                                  (INT64_C(1) << 31) - 1, INT64_C(1) << 40,
                                  INT64_MAX / 3, INT64_MAX / 2, INT64_MAX};
  size_t n = 0;
  for (size_t i = 0; i < sizeof ticks / sizeof ticks[0]; i++) {
    int64_t t = ticks[i];
    int64_t top = INT64_MAX / t; /* the largest multiple index */
    int64_t ks[] = {1, 2, top, top - 1, top / 2 + 1};
    for (size_t j = 0; j < 5; j++)
      if (ks[j] >= 1 && ks[j] <= top) check(t, ks[j] * t), n++;
    /* not multiples (mostly): refining re-centres on base + window/2 ticks, which must
     * stay representable, so only ticks up to 2^40 */
    if (t > 1 && t <= INT64_C(1) << 40) check(t, t - 1), check(t, INT64_MAX), n += 2;
  }
  uint64_t st = bk_t_seed();
  for (int r = 0; r < 20000; r++) {
    int64_t t = (int64_t)(bk_t_rand(&st) >> (1 + bk_t_rand(&st) % 63));
    if (t < 1) t = 1;
    int64_t price;
    if (r % 2) { /* a multiple of the tick */
      int64_t k = (int64_t)(bk_t_rand(&st) % (uint64_t)(INT64_MAX / t)) + 1;
      price = k * t;
    } else { /* any price, with a tick up to 2^40 (see above) */
      t = (int64_t)(bk_t_rand(&st) >> (24 + bk_t_rand(&st) % 40));
      if (t < 1) t = 1;
      price = (int64_t)(bk_t_rand(&st) >> 1);
      if (price < 1) price = 1;
    }
    check(t, price);
    n++;
  }
  printf("  %zu prices checked\n", n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tick_index_is_exact_at_any_price_and_tick),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
