/*
 * The replay loop: message boundaries (the book is read only when a message is whole),
 * crossed-book detection at message end, observer order, top-of-book change reporting,
 * the [from, to) window. The real-data check of the rebuilt book against the exchange's
 * own quotes is tests/test_quotes_match.c (it reads the files through feeds/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fixed.h"
#include "engine/market.h"
#include "engine/replay.h"
#include "tests/testutil.h"

/* What an observer saw. */
typedef struct seen {
  bk_replay *r;
  size_t n_msg, n_ev;
  uint32_t msg_instr[64];
  int64_t msg_ts[64];
  int msg_kind[64];
  uint64_t msg_seq[64];   /* book seq when the message was announced */
  int tob_changed[64];
  bk_tob tob[64];
  uint64_t ev_seq_ok;     /* on_event found the event already applied */
  bk_rc fail_at_msg;      /* returned from on_message number stop_after */
  size_t stop_after;
} seen;

static bk_rc on_msg(void *ctx, uint32_t instr, int64_t ts, int kind) {
  seen *s = ctx;
  assert_true(s->n_msg < 64);
  size_t i = s->n_msg++;
  s->msg_instr[i] = instr;
  s->msg_ts[i] = ts;
  s->msg_kind[i] = kind;
  const bk_instr_state *st = bk_market_instr(bk_replay_market(s->r), instr);
  s->msg_seq[i] = st ? bk_book_seq(st->book) : 0;
  s->tob_changed[i] = bk_replay_tob_changed(s->r, instr, &s->tob[i]);
  if (s->fail_at_msg && s->n_msg == s->stop_after) return s->fail_at_msg;
  return BK_OK;
}

static bk_rc on_ev(void *ctx, const bk_event *e) {
  seen *s = ctx;
  s->n_ev++;
  const bk_instr_state *st = bk_market_instr(bk_replay_market(s->r), e->instr);
  assert_non_null(st);
  if (e->kind == BK_EV_TRADE && st->trade_price == e->price && st->trade_ts == e->ts)
    s->ev_seq_ok++;
  if (e->kind == BK_EV_MARK && st->mark == e->price) s->ev_seq_ok++;
  return BK_OK;
}

static void push_ok(bk_replay *r, bk_event e) {
  bk_rc rc = bk_replay_push(r, &e);
  if (rc) fail_msg("push refused (%s): %s", bk_rc_name(rc), bk_replay_err(r)->msg);
}

static void setup(bk_market **m, bk_replay **r, seen *s) {
  memset(s, 0, sizeof *s);
  *m = bk_market_new(NULL);
  *r = bk_replay_new(*m);
  assert_non_null(*m);
  assert_non_null(*r);
  s->r = *r;
  bk_observer o = {on_msg, on_ev, s};
  assert_int_equal(bk_replay_observe(*r, &o), BK_OK);
}

static void rows_with_one_timestamp_are_one_message(void **state) {
  (void)state;
  bk_market *m;
  bk_replay *r;
  seen s;
  setup(&m, &r, &s);
  /* As the real file opens: a snapshot and then updates under the same (ts, local_ts). */
  push_ok(r, bk_t_snap(0, 100, BK_ASK, "28157.3", "0.056", 1));
  push_ok(r, bk_t_snap(0, 100, BK_BID, "28157.2", "1", 0));
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 100, BK_BID, "28157.1", "2"));
  assert_int_equal(s.n_msg, 0); /* still open */
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 200, BK_BID, "28157.1", "3"));
  assert_int_equal(s.n_msg, 1);
  assert_true(s.msg_ts[0] == 100 && s.msg_kind[0] == BK_EV_BOOK && s.msg_seq[0] == 4);
  /* same ts, other local_ts: another message */
  bk_event e = bk_t_ev(BK_EV_BOOK, 0, 200, BK_BID, "28157.1", "4");
  e.local_ts = 201;
  push_ok(r, e);
  assert_int_equal(s.n_msg, 2);
  /* same key, another instrument: another message (instrument 1 is skipped: no snapshot) */
  e.instr = 1;
  push_ok(r, e);
  assert_int_equal(s.n_msg, 3);
  /* same key, another class: the trade is its own group */
  bk_event t = bk_t_ev(BK_EV_TRADE, 1, 200, BK_BUY, "28157.3", "0.01");
  t.local_ts = 201;
  push_ok(r, t);
  push_ok(r, t);
  assert_int_equal(s.n_msg, 4);
  assert_int_equal(bk_replay_finish(r), BK_OK);
  assert_int_equal(s.n_msg, 5);
  assert_true(s.msg_kind[4] == BK_EV_TRADE && s.msg_instr[4] == 1);
  assert_int_equal(bk_replay_finish(r), BK_OK); /* nothing pending: no call */
  assert_int_equal(s.n_msg, 5);
  assert_int_equal(s.n_ev, 8);
  assert_int_equal(s.ev_seq_ok, 2); /* on_event ran after the apply */
  const bk_replay_stats *st = bk_replay_stats_get(r);
  assert_int_equal(st->groups, 5);
  assert_int_equal(st->messages, 4);
  assert_int_equal(bk_market_counts(m)->messages, 4);
  assert_int_equal(bk_market_counts(m)->skipped_before_snapshot, 1);
  bk_replay_free(r);
  bk_market_free(m);
  bk_replay_free(NULL);
}

static void crossing_inside_a_message_is_not_a_crossed_book(void **state) {
  (void)state;
  bk_market *m;
  bk_replay *r;
  seen s;
  setup(&m, &r, &s);
  push_ok(r, bk_t_snap(0, 1, BK_BID, "100", "1", 1));
  push_ok(r, bk_t_snap(0, 1, BK_ASK, "101", "1", 0));
  /* the market drops a tick: the new ask arrives before the old bid's delete */
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 2, BK_ASK, "100", "2"));
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 2, BK_BID, "100", NULL));
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 2, BK_BID, "99.5", "1"));
  /* a message that leaves the book crossed (stale level the feed never deleted) */
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 3, BK_BID, "100.5", "1"));
  push_ok(r, bk_t_ev(BK_EV_MARK, 0, 4, 0, "100", NULL));
  assert_int_equal(bk_replay_finish(r), BK_OK);
  const bk_replay_stats *st = bk_replay_stats_get(r);
  assert_int_equal(st->messages, 3);
  assert_int_equal(st->crossed, 1);
  assert_int_equal(bk_market_counts(m)->crossed, 1);
  assert_int_equal(s.n_msg, 4);
  bk_replay_free(r);
  bk_market_free(m);
}

static void top_of_book_change_is_reported_once(void **state) {
  (void)state;
  bk_market *m;
  bk_replay *r;
  seen s;
  setup(&m, &r, &s);
  push_ok(r, bk_t_snap(0, 1, BK_BID, "100", "1", 1));
  push_ok(r, bk_t_snap(0, 1, BK_ASK, "101", "1", 0));
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 2, BK_BID, "99", "5"));     /* below the top: no change */
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 3, BK_ASK, "101", "1.5"));  /* amount at the top changes */
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 4, BK_BID, "100", NULL));   /* best bid goes ... */
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 4, BK_BID, "100", "1"));    /* ... and comes back: same top */
  push_ok(r, bk_t_ev(BK_EV_TRADE, 0, 5, BK_BUY, "101", "0.1"));
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 6, BK_ASK, "101", NULL));   /* ask side empties */
  assert_int_equal(bk_replay_finish(r), BK_OK);
  assert_int_equal(s.n_msg, 6);
  int want[] = {1, 0, 1, 0, 0, 1};
  for (int i = 0; i < 6; i++)
    if (s.tob_changed[i] != want[i]) fail_msg("group %d: changed %d", i, s.tob_changed[i]);
  assert_true(s.tob[0].bid == P("100") && s.tob[0].ask == P("101") && s.tob[0].ask_qty == P("1"));
  assert_true(s.tob[2].ask_qty == P("1.5"));
  assert_true(s.tob[5].bid == P("100") && s.tob[5].ask == 0 && s.tob[5].ask_qty == 0);
  assert_int_equal(bk_replay_tob_changed(r, 0, NULL), 0);
  assert_int_equal(bk_replay_tob_changed(r, 42, NULL), 0); /* unknown instrument */
  bk_replay_free(r);
  bk_market_free(m);
}

static void window_warms_up_before_from_and_ends_at_to(void **state) {
  (void)state;
  bk_market *m;
  bk_replay *r;
  seen s;
  setup(&m, &r, &s);
  bk_replay_window(r, 100, 200);
  push_ok(r, bk_t_snap(0, 50, BK_BID, "100", "1", 1)); /* the snapshot before the window */
  push_ok(r, bk_t_snap(0, 50, BK_ASK, "101", "1", 0));
  push_ok(r, bk_t_ev(BK_EV_TRADE, 0, 60, BK_BUY, "101", "1"));
  assert_int_equal(s.n_msg, 0);
  assert_int_equal(s.n_ev, 0);
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 100, BK_BID, "100.5", "2"));
  push_ok(r, bk_t_ev(BK_EV_BOOK, 0, 150, BK_BID, "100.5", "3"));
  assert_int_equal(s.n_msg, 1); /* only the in-window message; the warm-up ones were silent */
  assert_true(s.msg_ts[0] == 100);
  assert_int_equal(s.tob_changed[0], 1);
  assert_true(s.tob[0].bid == P("100.5") && s.tob[0].ask == P("101"));
  bk_event late = bk_t_ev(BK_EV_BOOK, 0, 200, BK_BID, "100.5", "9");
  assert_int_equal(bk_replay_push(r, &late), BK_EOF);
  assert_int_equal(s.n_msg, 2); /* the pending message completed */
  assert_int_equal(bk_replay_push(r, &late), BK_EOF);
  assert_int_equal(bk_replay_finish(r), BK_OK);
  assert_int_equal(s.n_msg, 2);
  bk_level l;
  assert_int_equal(bk_book_best(bk_market_instr(m, 0)->book, BK_BID, &l), 1);
  assert_true(l.qty == P("3")); /* the event at `to` was not applied */
  const bk_replay_stats *st = bk_replay_stats_get(r);
  assert_int_equal(st->pushed, 7);
  assert_int_equal(st->warmup, 3);
  assert_int_equal(st->in_window, 2);
  assert_int_equal(st->after, 2);
  assert_true(st->first_ts == 100 && st->last_ts == 150);
  bk_replay_free(r);
  bk_market_free(m);
}

static void an_open_window_replays_an_event_stamped_int64_max(void **state) {
  (void)state;
  bk_market *m;
  bk_replay *r;
  seen s;
  setup(&m, &r, &s);
  push_ok(r, bk_t_ev(BK_EV_TRADE, 0, 1, BK_BUY, "101", "1"));
  push_ok(r, bk_t_ev(BK_EV_TRADE, 0, INT64_MAX, BK_SELL, "102", "1"));
  assert_int_equal(bk_replay_finish(r), BK_OK);
  assert_int_equal(bk_replay_stats_get(r)->in_window, 2);
  assert_true(bk_market_instr(m, 0)->trade_price == P("102"));
  bk_replay_free(r);
  bk_market_free(m);
}

static void observer_error_and_bad_event_stop_the_replay(void **state) {
  (void)state;
  bk_market *m;
  bk_replay *r;
  seen s;
  setup(&m, &r, &s);
  s.fail_at_msg = BK_EINVARIANT;
  s.stop_after = 2;
  push_ok(r, bk_t_ev(BK_EV_MARK, 0, 1, 0, "100", NULL));
  push_ok(r, bk_t_ev(BK_EV_MARK, 0, 2, 0, "101", NULL));
  bk_event e = bk_t_ev(BK_EV_MARK, 0, 3, 0, "102", NULL);
  assert_int_equal(bk_replay_push(r, &e), BK_EINVARIANT);
  assert_true(strstr(bk_replay_err(r)->msg, "observer 0") != NULL);
  bk_event bad = bk_t_snap(0, 4, BK_BID, "100", "1", 1);
  bad.qty = -5;
  assert_int_equal(bk_replay_push(r, &bad), BK_EDATA);
  assert_true(strstr(bk_replay_err(r)->msg, "amount") != NULL);
  /* observers beyond the limit are refused */
  bk_observer o = {NULL, NULL, NULL};
  for (int i = 1; i < BK_REPLAY_OBSERVERS; i++) assert_int_equal(bk_replay_observe(r, &o), BK_OK);
  assert_int_equal(bk_replay_observe(r, &o), BK_ERANGE);
  /* liquidation prints and unknown kinds pass through, counted */
  push_ok(r, bk_t_ev(BK_EV_LIQ, 0, 5, BK_SELL, "99", "1"));
  e = bk_t_ev(BK_EV_NONE, 0, 6, 0, NULL, NULL);
  e.kind = 99;
  push_ok(r, e);
  assert_int_equal(bk_replay_stats_get(r)->unused, 2);
  bk_replay_free(r);
  bk_market_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rows_with_one_timestamp_are_one_message),
      cmocka_unit_test(crossing_inside_a_message_is_not_a_crossed_book),
      cmocka_unit_test(top_of_book_change_is_reported_once),
      cmocka_unit_test(window_warms_up_before_from_and_ends_at_to),
      cmocka_unit_test(an_open_window_replays_an_event_stamped_int64_max),
      cmocka_unit_test(observer_error_and_bad_event_stop_the_replay),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
