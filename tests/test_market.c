/*
 * Market state: Tardis book semantics (skip before the first snapshot, reset snapshots),
 * the latest value of every other event kind, depth profiles, counters, and refusals that
 * leave the market unchanged. Events are scripted by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "engine/fixed.h"
#include "engine/instrument.h"
#include "engine/market.h"
#include "tests/testutil.h"

static void apply_ok(bk_market *m, bk_event e) {
  bk_rc rc = bk_market_apply(m, &e);
  if (rc) fail_msg("apply refused: %s", bk_market_err(m)->msg);
}

static void book_rows_before_the_first_snapshot_are_skipped_and_counted(void **state) {
  (void)state;
  bk_market *m = bk_market_new(NULL);
  assert_non_null(m);
  apply_ok(m, bk_t_ev(BK_EV_BOOK, 0, 10, BK_BID, "100", "1"));
  apply_ok(m, bk_t_ev(BK_EV_BOOK, 0, 11, BK_ASK, "101", "1"));
  const bk_instr_state *s = bk_market_instr(m, 0);
  assert_non_null(s);
  assert_int_equal(s->snapshot_seen, 0);
  assert_int_equal(bk_book_count(s->book, BK_BID), 0);
  assert_int_equal(s->n.skipped_before_snapshot, 2);
  apply_ok(m, bk_t_snap(0, 20, BK_BID, "99", "2", 1));
  apply_ok(m, bk_t_snap(0, 20, BK_ASK, "100", "3", 0));
  apply_ok(m, bk_t_ev(BK_EV_BOOK, 0, 21, BK_BID, "99.5", "4"));
  assert_int_equal(s->snapshot_seen, 1);
  assert_int_equal(bk_book_count(s->book, BK_BID), 2);
  assert_int_equal(bk_book_count(s->book, BK_ASK), 1);
  assert_int_equal(s->n.skipped_before_snapshot, 2);
  assert_int_equal(s->n.book_resets, 0); /* the first snapshot cleared an empty book */
  assert_int_equal(s->n.events[BK_EV_BOOK], 3);
  assert_int_equal(s->n.events[BK_EV_SNAPSHOT], 2);
  assert_int_equal(bk_market_counts(m)->skipped_before_snapshot, 2);
  /* another instrument has its own first snapshot */
  apply_ok(m, bk_t_ev(BK_EV_BOOK, 1, 22, BK_BID, "5", "1"));
  assert_int_equal(bk_market_instr(m, 1)->n.skipped_before_snapshot, 1);
  assert_int_equal(bk_market_counts(m)->skipped_before_snapshot, 3);
  bk_market_free(m);
  bk_market_free(NULL);
}

static void reset_snapshot_after_updates_replaces_the_book(void **state) {
  (void)state;
  bk_market *m = bk_market_new(NULL);
  apply_ok(m, bk_t_snap(0, 1, BK_BID, "100", "1", 1));
  apply_ok(m, bk_t_snap(0, 1, BK_BID, "99", "1", 0));
  apply_ok(m, bk_t_snap(0, 1, BK_ASK, "101", "1", 0));
  apply_ok(m, bk_t_ev(BK_EV_BOOK, 0, 2, BK_ASK, "102", "5"));
  const bk_instr_state *s = bk_market_instr(m, 0);
  assert_int_equal(bk_book_count(s->book, BK_BID) + bk_book_count(s->book, BK_ASK), 4);
  /* a new snapshot: nothing of the old book survives */
  apply_ok(m, bk_t_snap(0, 3, BK_ASK, "95", "7", 1));
  apply_ok(m, bk_t_snap(0, 3, BK_BID, "94", "8", 0));
  assert_int_equal(s->n.book_resets, 1);
  bk_level lv[4];
  assert_int_equal(bk_book_levels(s->book, BK_ASK, 0, lv, 4), 1);
  assert_true(lv[0].price == P("95") && lv[0].qty == P("7"));
  assert_int_equal(bk_book_levels(s->book, BK_BID, 0, lv, 4), 1);
  assert_true(lv[0].price == P("94"));
  /* a reset snapshot on an empty book is not a reset */
  bk_event del = bk_t_ev(BK_EV_BOOK, 0, 4, BK_ASK, "95", NULL);
  apply_ok(m, del);
  del.side = BK_BID;
  del.price = P("94");
  apply_ok(m, del);
  apply_ok(m, bk_t_snap(0, 5, BK_ASK, "96", "1", 1));
  assert_int_equal(s->n.book_resets, 1);
  assert_int_equal(bk_market_counts(m)->book_resets, 1);
  bk_market_free(m);
}

static void every_other_kind_updates_its_latest_value(void **state) {
  (void)state;
  bk_market *m = bk_market_new(NULL);
  apply_ok(m, bk_t_ev(BK_EV_TRADE, 2, 100, BK_SELL, "28157.2", "0.5"));
  apply_ok(m, bk_t_ev(BK_EV_MARK, 2, 101, 0, "28160.1", NULL));
  apply_ok(m, bk_t_ev(BK_EV_INDEX, 2, 102, 0, "28150", NULL));
  apply_ok(m, bk_t_ev(BK_EV_LAST, 2, 103, 0, "28158", NULL));
  bk_event f = bk_t_ev(BK_EV_FUNDING, 2, 104, 0, "0.0001", NULL);
  f.aux = INT64_C(1680681600000000);
  apply_ok(m, f);
  apply_ok(m, bk_t_ev(BK_EV_OI, 2, 105, 0, NULL, "81234.5"));
  bk_event q = bk_t_ev(BK_EV_QUOTE, 2, 106, 0, "28157.2", "3");
  q.aux = P("28157.3");
  q.aux2 = P("0.056");
  apply_ok(m, q);
  apply_ok(m, bk_t_ev(BK_EV_LIQ, 2, 107, BK_SELL, "28000", "1"));
  bk_event odd = bk_t_ev(BK_EV_NONE, 2, 108, 0, NULL, NULL);
  apply_ok(m, odd);
  odd.kind = 200;
  apply_ok(m, odd);

  const bk_instr_state *s = bk_market_instr(m, 2);
  assert_null(bk_market_instr(m, 0)); /* ids below 2 never seen */
  assert_null(bk_market_instr(m, 3));
  assert_int_equal(bk_market_size(m), 3);
  assert_true(s->trade_price == P("28157.2") && s->trade_qty == P("0.5") &&
              s->trade_side == BK_SELL && s->trade_ts == 100);
  assert_true(s->mark == P("28160.1") && s->mark_ts == 101);
  assert_true(s->index == P("28150") && s->index_ts == 102);
  assert_true(s->last == P("28158") && s->last_ts == 103);
  assert_true(s->funding_rate == P("0.0001") && s->funding_ts == 104 &&
              s->next_funding_ts == INT64_C(1680681600000000));
  assert_true(s->oi == P("81234.5") && s->oi_ts == 105);
  assert_true(s->quote.ts == 106 && s->quote.bid == P("28157.2") && s->quote.bid_qty == P("3") &&
              s->quote.ask == P("28157.3") && s->quote.ask_qty == P("0.056"));
  assert_int_equal(s->n.events[BK_EV_LIQ], 1);
  assert_int_equal(s->n.unknown_kind, 2);
  assert_int_equal(bk_market_counts(m)->unknown_kind, 2);
  for (int k = BK_EV_TRADE; k <= BK_EV_LIQ; k++) assert_int_equal(s->n.events[k], 1);
  bk_market_free(m);
}

/* Binance bookDepth of 2025-10-10 00:00:07 and 00:00:49 (first rows of the file). */
static void depth_profile_keeps_the_points_of_the_latest_timestamp(void **state) {
  (void)state;
  bk_market *m = bk_market_new(NULL);
  const int64_t t0 = INT64_C(1760054407000000), t1 = INT64_C(1760054449000000);
  struct { int pct; const char *depth, *notional; } rows[] = {
      {1, "1964.845", "239906922.6169"}, {-5, "8243.012", "979983314.2056"},
      {-1, "1496.75", "181266014.3741"}, {5, "6182.925", "766746432.071"}};
  for (size_t i = 0; i < 4; i++) {
    bk_event e = bk_t_ev(BK_EV_DEPTH, 0, t0, 0, rows[i].notional, rows[i].depth);
    e.aux = BK_FX(rows[i].pct);
    apply_ok(m, e);
  }
  const bk_instr_state *s = bk_market_instr(m, 0);
  assert_true(s->depth.ts == t0);
  assert_int_equal(s->depth.n, 4);
  assert_true(s->depth.p[0].pct == BK_FX(-5) && s->depth.p[0].depth == P("8243.012"));
  assert_true(s->depth.p[1].pct == BK_FX(-1) && s->depth.p[1].notional == P("181266014.3741"));
  assert_true(s->depth.p[3].pct == BK_FX(5));
  /* a newer profile replaces the old one */
  bk_event e = bk_t_ev(BK_EV_DEPTH, 0, t1, 0, "993202552.2081", "8352.148");
  e.aux = BK_FX(-5);
  apply_ok(m, e);
  assert_true(s->depth.ts == t1);
  assert_int_equal(s->depth.n, 1);
  assert_true(s->depth.p[0].depth == P("8352.148"));
  /* more points than a profile holds are dropped and counted */
  for (int i = 0; i < BK_DEPTH_POINTS + 3; i++) {
    e.aux = BK_FX(i + 1) / 10;
    apply_ok(m, e);
  }
  assert_int_equal(s->depth.n, BK_DEPTH_POINTS);
  assert_int_equal(s->n.depth_dropped, 4);
  for (size_t i = 1; i < s->depth.n; i++) assert_true(s->depth.p[i - 1].pct < s->depth.p[i].pct);
  bk_market_free(m);
}

static void bad_book_row_is_refused_and_changes_nothing(void **state) {
  (void)state;
  bk_market *m = bk_market_new(NULL);
  bk_event e = bk_t_snap(4, 1, BK_BID, "100", "1", 1);
  e.price = 0;
  assert_int_equal(bk_market_apply(m, &e), BK_EDATA);
  assert_true(strstr(bk_market_err(m)->msg, "price > 0") != NULL);
  assert_null(bk_market_instr(m, 4)); /* not even created */
  apply_ok(m, bk_t_snap(4, 1, BK_BID, "100", "1", 1));
  e = bk_t_ev(BK_EV_BOOK, 4, 2, BK_SIDE_NONE, "100", "2");
  assert_int_equal(bk_market_apply(m, &e), BK_EDATA);
  e = bk_t_ev(BK_EV_BOOK, 4, 2, BK_BID, "100", "2");
  e.qty = -1;
  assert_int_equal(bk_market_apply(m, &e), BK_EDATA);
  const bk_instr_state *s = bk_market_instr(m, 4);
  bk_level l;
  assert_int_equal(bk_book_best(s->book, BK_BID, &l), 1);
  assert_true(l.qty == P("1"));
  assert_int_equal(s->n.events[BK_EV_BOOK], 0);
  bk_market_free(m);
}

static void crossed_book_is_counted_at_message_end(void **state) {
  (void)state;
  bk_market *m = bk_market_new(NULL);
  apply_ok(m, bk_t_snap(0, 1, BK_BID, "100", "1", 1));
  apply_ok(m, bk_t_snap(0, 1, BK_ASK, "101", "1", 0));
  assert_int_equal(bk_market_end_message(m, 0), 0);
  apply_ok(m, bk_t_ev(BK_EV_BOOK, 0, 2, BK_ASK, "100", "1")); /* touching: crossed */
  assert_int_equal(bk_market_end_message(m, 0), 1);
  assert_int_equal(bk_market_end_message(m, 9), 0); /* unknown instrument */
  const bk_instr_state *s = bk_market_instr(m, 0);
  assert_int_equal(s->n.messages, 2);
  assert_int_equal(s->n.crossed, 1);
  bk_tob t;
  assert_int_equal(bk_market_tob(m, 0, &t), 1);
  assert_true(t.bid == P("100") && t.ask == P("100") && t.ask_qty == P("1"));
  assert_int_equal(bk_market_tob(m, 7, &t), 0);
  assert_true(t.bid == 0 && t.ask == 0);
  bk_market_free(m);
}

static void book_takes_its_tick_from_the_instrument_table(void **state) {
  (void)state;
  bk_instruments t;
  bk_instruments_init(&t);
  uint32_t a, b;
  assert_int_equal(bk_instr_intern(&t, "binance-futures", 15, "BTCUSDT", 7, &a), BK_OK);
  assert_int_equal(bk_instr_intern(&t, "deribit", 7, "BTC-PERPETUAL", 13, &b), BK_OK);
  t.v[b].tick = P("0.5");
  bk_market *m = bk_market_new(&t);
  apply_ok(m, bk_t_snap(b, 1, BK_BID, "28157", "10", 1));
  apply_ok(m, bk_t_snap(a, 1, BK_BID, "28157.3", "1", 1));
  const bk_instr_state *sb = bk_market_instr(m, b);
  assert_true(bk_book_tick(sb->book) == P("0.5"));
  assert_true(bk_book_tick(bk_market_instr(m, a)->book) == P("28157.3")); /* inferred */
  /* views stay put while the market grows */
  for (uint32_t id = 2; id < 100; id++) apply_ok(m, bk_t_ev(BK_EV_MARK, id, 2, 0, "1", NULL));
  assert_true(bk_market_instr(m, b) == sb);
  bk_market_free(m);
  bk_instruments_fini(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(book_rows_before_the_first_snapshot_are_skipped_and_counted),
      cmocka_unit_test(reset_snapshot_after_updates_replaces_the_book),
      cmocka_unit_test(every_other_kind_updates_its_latest_value),
      cmocka_unit_test(depth_profile_keeps_the_points_of_the_latest_timestamp),
      cmocka_unit_test(bad_book_row_is_refused_and_changes_nothing),
      cmocka_unit_test(crossed_book_is_counted_at_message_end),
      cmocka_unit_test(book_takes_its_tick_from_the_instrument_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
