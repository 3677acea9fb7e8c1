/*
 * `backstop replay`: replays market data files into per-instrument books and market
 * state, prints what each instrument ended with, and optionally writes every change of
 * the top of book (--tob-csv) after whole messages. This is the command the replay
 * benchmark times, so its loop does nothing per event beyond the pipeline's.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli/options.h"
#include "cli/pipeline.h"
#include "cli/window.h"
#include "engine/clock.h"
#include "engine/fixed.h"
#include "reports/csvfield.h"
#include "reports/outfile.h"

typedef struct tob_writer {
  bk_replay *replay;
  const bk_instruments *instr;
  bk_outfile *out;
} tob_writer;

static size_t put_fx(char *p, int64_t v) { return bk_fx_format_trim(v, p, 32); }

static bk_rc tob_on_message(void *ctx, uint32_t instr, int64_t ts, int kind) {
  tob_writer *w = ctx;
  bk_tob t;
  if (kind != BK_EV_BOOK || !bk_replay_tob_changed(w->replay, instr, &t)) return BK_OK;
  char line[384], sym[2 * sizeof w->instr->v[instr].symbol + 3];
  bk_csv_field(w->instr->v[instr].symbol, sym, sizeof sym); /* the data's text, quoted */
  int n = snprintf(line, sizeof line, "%lld,%s,", (long long)ts, sym);
  size_t k = n > 0 ? (size_t)n : 0;
  int64_t f[4] = {t.bid, t.bid_qty, t.ask, t.ask_qty};
  for (int i = 0; i < 4; i++) {
    k += put_fx(line + k, f[i]);
    line[k++] = i < 3 ? ',' : '\n';
  }
  return bk_outfile_write(w->out, line, k);
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: backstop replay [options] FILE|DIR...\n"
          "Replays market data (Tardis CSV, Binance public data; plain, .gz, .zst, .zip)\n"
          "into order books and market state, in exchange-time order, and prints per\n"
          "instrument the events applied, the final best bid/ask and the last\n"
          "mark/index/funding. Throughput goes to stderr.\n"
          "\n"
          "      --tob-csv PATH   write timestamp_us,symbol,bid_price,bid_amount,ask_price,\n"
          "                       ask_amount each time a top of book changes after a message\n"
          "%s"
          "  -h, --help           this help\n",
          bk_input_help);
}

static void print_price(const char *label, int64_t v) {
  char b[40];
  if (v) bk_fx_format_trim(v, b, sizeof b);
  else strcpy(b, "-");
  printf("  %-8s %s\n", label, b);
}

static void print_summary(const bk_pipeline *p) {
  for (uint32_t id = 0; id < bk_market_size(p->market); id++) {
    const bk_instr_state *s = bk_market_instr(p->market, id);
    const bk_instrument *in = &p->instr.v[id];
    uint64_t applied = 0;
    for (int k = 0; k < BK_EV_KINDS; k++) applied += s->n.events[k];
    printf("%s %s: %llu events, %llu book messages, %llu crossed, %llu resets\n",
           in->exchange, in->symbol, (unsigned long long)applied,
           (unsigned long long)s->n.messages, (unsigned long long)s->n.crossed,
           (unsigned long long)s->n.book_resets);
    bk_tob t;
    if (bk_market_tob(p->market, id, &t)) {
      char a[4][40];
      int64_t f[4] = {t.bid, t.bid_qty, t.ask, t.ask_qty};
      for (int i = 0; i < 4; i++) bk_fx_format_trim(f[i], a[i], sizeof a[i]);
      printf("  best     %s x %s / %s x %s\n", a[0], a[1], a[2], a[3]);
    }
    if (s->trade_ts) print_price("trade", s->trade_price);
    print_price("mark", s->mark);
    print_price("index", s->index);
    if (s->funding_ts) {
      char r[40], nt[40];
      bk_fx_format_trim(s->funding_rate, r, sizeof r);
      bk_time_format(s->next_funding_ts, nt, sizeof nt);
      printf("  funding  %s (next %s)\n", r, s->next_funding_ts ? nt : "-");
    }
  }
}

int bk_cmd_replay(int argc, char **argv) {
  static const struct option opts[] = {BK_INPUT_LONG_OPTS,
                                       {"tob-csv", required_argument, NULL, 't'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  bk_input_opts in;
  bk_input_opts_init(&in);
  in.feed.no_hash = 1; /* no manifest: the inputs need no digest */
  const char *tob_path = NULL;
  int c;
  bk_cli_opts_reset();
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    int r = bk_input_opt(&in, "replay", c, optarg);
    if (r < 0) return EX_USAGE;
    if (r > 0) continue;
    if (c == 't') tob_path = optarg;
    else if (c == 'h') {
      usage(stdout);
      return 0;
    } else {
      return bk_cli_bad_option("replay", c, argv);
    }
  }
  if (optind == argc) return bk_cli_usage_error("replay", "no input (give files or folders)");
  bk_err werr;
  bk_rc rc = bk_window_check(in.from, in.to, &werr);
  if (rc) return bk_cli_fail("replay", &werr, rc);
  bk_pipeline p;
  tob_writer w = {0};
  bk_pipeline_init(&p);
  rc = bk_pipeline_open(&p, (const char *const *)argv + optind, (size_t)(argc - optind), &in);
  if (!rc && tob_path) {
    w.replay = p.replay;
    w.instr = &p.instr;
    if (!(rc = bk_outfile_open(tob_path, &w.out, &p.err))) {
      static const char head[] =
          "timestamp_us,symbol,bid_price,bid_amount,ask_price,ask_amount\n";
      rc = bk_outfile_write(w.out, head, sizeof head - 1);
    }
    bk_observer ob = {.on_message = tob_on_message, .ctx = &w};
    if (!rc) rc = bk_replay_observe(p.replay, &ob);
  }
  bk_report_note notes[BK_WINDOW_NOTES];
  size_t nnotes = 0;
  if (!rc) rc = bk_pipeline_run(&p);
  if (!rc) rc = bk_window_cover(in.from, in.to, &p, notes, &nnotes, &p.err);
  if (rc && w.out && bk_outfile_error(w.out)->rc) p.err = *bk_outfile_error(w.out);
  if (!rc && w.out) {
    rc = bk_outfile_commit(w.out, &p.err);
    w.out = NULL;
  }
  bk_outfile_abort(w.out);
  double secs = bk_progress_end(&p.progress);
  if (rc) {
    int code = bk_cli_fail("replay", &p.err, rc);
    bk_pipeline_close(&p);
    return code;
  }
  if (in.progress_mode < 0) {
    bk_pipeline_close(&p);
    return 0;
  }
  bk_window_warn(stderr, "replay", in.from, in.to, notes, nnotes);
  print_summary(&p);
  fprintf(stderr, "replayed %llu events in %.2f s (%.2f M events/s)\n",
            (unsigned long long)p.events, secs,
            secs > 0 ? (double)p.events / secs / 1e6 : 0.0);
  bk_pipeline_close(&p);
  return 0;
}
