/*
 * `backstop inspect`: what a data file holds and how sound it is. Each file is replayed
 * on its own (its own instrument table, market and loop) so that crossed books and
 * resets are counted per file, and is described in text, CSV or JSON.
 */
#include "cli/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli/options.h"
#include "cli/pipeline.h"
#include "engine/clock.h"
#include "reports/csvfield.h"
#include "reports/report.h"

enum { FMT_TEXT, FMT_CSV, FMT_JSON };

/* What inspect reports of one file. */
typedef struct file_report {
  const bk_feed_info *fi;
  const bk_instruments *instr;
  uint64_t resets, crossed, messages, skipped;
} file_report;

static void symbols(const file_report *r, char *out, size_t cap, const char *sep) {
  size_t n = 0;
  out[0] = '\0';
  for (size_t i = 0; i < r->fi->n_symbols && n + 1 < cap; i++) {
    int k = snprintf(out + n, cap - n, "%s%s", i ? sep : "", r->instr->v[r->fi->symbols[i]].symbol);
    if (k < 0) break;
    n += (size_t)k;
  }
}

static const char *exchange(const file_report *r) {
  return r->fi->n_symbols ? r->instr->v[r->fi->symbols[0]].exchange : "";
}

static void iso(int64_t us, char *b, size_t cap) {
  if (us) bk_time_format(us, b, cap);
  else b[0] = '\0';
}

static void print_text(const file_report *r) {
  const bk_input_file *fi = &r->fi->file;
  char syms[1024], a[40], b[40], g[40];
  symbols(r, syms, sizeof syms, ", ");
  iso(fi->first_ts, a, sizeof a);
  iso(fi->last_ts, b, sizeof b);
  iso(fi->longest_gap_end, g, sizeof g);
  printf("%s\n"
         "  format     %s (%s)\n"
         "  exchange   %s\n"
         "  symbols    %s\n"
         "  rows       %llu (%llu events)\n"
         "  first      %s\n"
         "  last       %s\n"
         "  snapshots  %llu (%llu resets of a non-empty book, %llu rows before the first)\n"
         "  crossed    %llu of %llu book messages\n"
         "  gaps > 5s  %llu",
         fi->path, fi->format, fi->codec, exchange(r), syms, (unsigned long long)fi->rows,
         (unsigned long long)fi->events, a, b, (unsigned long long)r->fi->snapshot_runs,
         (unsigned long long)r->resets, (unsigned long long)r->skipped,
         (unsigned long long)r->crossed, (unsigned long long)r->messages,
         (unsigned long long)fi->gaps);
  if (fi->gaps)
    printf(" (longest %.3f s, ending %s)", (double)fi->longest_gap_us / 1e6, g);
  printf("\n  clamped    %llu\n", (unsigned long long)fi->clamped);
}

static const char csv_header[] =
    "file,format,rows,codec,exchange,symbols,events,first_ts_us,last_ts_us,first_time,"
    "last_time,snapshots,resets,rows_before_snapshot,book_messages,crossed,gaps,"
    "longest_gap_us,clamped\n";

static void print_csv(const file_report *r) {
  const bk_input_file *fi = &r->fi->file;
  char syms[1024], f[8192], s[2100], a[40], b[40], e[80];
  symbols(r, syms, sizeof syms, ";");
  iso(fi->first_ts, a, sizeof a);
  iso(fi->last_ts, b, sizeof b);
  bk_csv_field(fi->path, f, sizeof f);
  bk_csv_field(syms, s, sizeof s);
  bk_csv_field(exchange(r), e, sizeof e);
  printf("%s,%s,%llu,%s,%s,%s,%llu,%lld,%lld,%s,%s,%llu,%llu,%llu,%llu,%llu,%llu,%lld,%llu\n",
         f, fi->format, (unsigned long long)fi->rows, fi->codec, e, s,
         (unsigned long long)fi->events, (long long)fi->first_ts, (long long)fi->last_ts, a,
         b, (unsigned long long)r->fi->snapshot_runs, (unsigned long long)r->resets,
         (unsigned long long)r->skipped, (unsigned long long)r->messages,
         (unsigned long long)r->crossed, (unsigned long long)fi->gaps,
         (long long)fi->longest_gap_us, (unsigned long long)fi->clamped);
}

/* s as a JSON string literal on stdout, escaped as the reports escape (a long path in a
 * buffer of its own size). */
static void json_str(const char *s) {
  char small[1024];
  size_t n = bk_report_json_str(s, small, sizeof small);
  char *big = n < sizeof small ? NULL : malloc(n + 1);
  if (big) bk_report_json_str(s, big, n + 1);
  fputs(big ? big : small, stdout);
  free(big);
}

static void print_json(const file_report *r, int first) {
  const bk_input_file *fi = &r->fi->file;
  char a[40], b[40];
  iso(fi->first_ts, a, sizeof a);
  iso(fi->last_ts, b, sizeof b);
  printf("%s\n  {\"file\": ", first ? "" : ",");
  json_str(fi->path);
  printf(", \"format\": \"%s\", \"codec\": \"%s\", \"exchange\": ", fi->format, fi->codec);
  json_str(exchange(r));
  printf(", \"symbols\": [");
  for (size_t i = 0; i < r->fi->n_symbols; i++) {
    if (i) printf(", ");
    json_str(r->instr->v[r->fi->symbols[i]].symbol);
  }
  printf("], \"rows\": %llu, \"events\": %llu, \"first_ts_us\": %lld, \"last_ts_us\": %lld, "
         "\"first_time\": \"%s\", \"last_time\": \"%s\", \"snapshots\": %llu, "
         "\"resets\": %llu, \"rows_before_snapshot\": %llu, \"book_messages\": %llu, "
         "\"crossed\": %llu, \"gaps\": %llu, \"longest_gap_us\": %lld, \"clamped\": %llu}",
         (unsigned long long)fi->rows, (unsigned long long)fi->events,
         (long long)fi->first_ts, (long long)fi->last_ts, a, b,
         (unsigned long long)r->fi->snapshot_runs, (unsigned long long)r->resets,
         (unsigned long long)r->skipped, (unsigned long long)r->messages,
         (unsigned long long)r->crossed, (unsigned long long)fi->gaps,
         (long long)fi->longest_gap_us, (unsigned long long)fi->clamped);
}

/* Replays one feed on its own market and reports it. */
static bk_rc inspect_feed(bk_feed *f, const bk_instruments *instr, int format, int *first,
                          bk_err *err) {
  bk_market *m = bk_market_new(instr);
  bk_replay *r = m ? bk_replay_new(m) : NULL;
  bk_rc rc = BK_OK;
  if (!r) {
    rc = bk_err_set(err, BK_ENOMEM, "out of memory");
    goto out;
  }
  bk_event ev;
  while ((rc = bk_feed_next(f, &ev)) == BK_OK) {
    if ((rc = bk_replay_push(r, &ev)) != BK_OK) {
      *err = *bk_replay_err(r);
      goto out;
    }
  }
  if (rc != BK_EOF) {
    *err = *bk_feed_error(f);
    goto out;
  }
  if ((rc = bk_replay_finish(r)) != BK_OK) goto out;
  file_report rep = {.fi = bk_feed_info_get(f), .instr = instr};
  const bk_mkt_counts *n = bk_market_counts(m);
  rep.resets = n->book_resets;
  rep.crossed = n->crossed;
  rep.messages = n->messages;
  rep.skipped = n->skipped_before_snapshot;
  if (format == FMT_TEXT) print_text(&rep);
  else if (format == FMT_CSV) print_csv(&rep);
  else print_json(&rep, *first);
  *first = 0;
out:
  bk_replay_free(r);
  bk_market_free(m);
  return rc;
}

static void usage(FILE *f) {
  fputs("usage: backstop inspect [--format text|csv|json] [--strict] FILE|DIR...\n"
        "Describes each market data file: detected format and codec, exchange, symbols,\n"
        "data rows, first and last timestamps, snapshots and book resets, crossed-book\n"
        "messages, gaps longer than 5 s and clamped timestamps. A folder stands for the\n"
        "files in it that backstop can read. In csv the first columns are file,format,rows.\n"
        "\n"
        "      --format F   text (default), csv or json\n"
        "      --strict     a timestamp going backwards is an error\n"
        "  -h, --help       this help\n",
        f);
}

int bk_cmd_inspect(int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"strict", no_argument, NULL, 's'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  bk_feed_opts fo;
  bk_feed_opts_init(&fo);
  fo.no_hash = 1; /* no manifest: the inputs need no digest */
  int format = FMT_TEXT, c;
  bk_cli_opts_reset();
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    if (c == 'f') {
      if (!strcmp(optarg, "text")) format = FMT_TEXT;
      else if (!strcmp(optarg, "csv")) format = FMT_CSV;
      else if (!strcmp(optarg, "json")) format = FMT_JSON;
      else {
        fprintf(stderr, "backstop inspect: --format takes text, csv or json, not '%s'\n", optarg);
        return EX_USAGE;
      }
    } else if (c == 's') fo.strict = 1;
    else if (c == 'h') {
      usage(stdout);
      return 0;
    } else {
      return bk_cli_bad_option("inspect", c, argv);
    }
  }
  if (optind == argc) return bk_cli_usage_error("inspect", "no input (give files or folders)");
  if (format == FMT_CSV) fputs(csv_header, stdout);
  if (format == FMT_JSON) fputs("[", stdout);
  int status = 0, first = 1;
  for (int a = optind; a < argc; a++) {
    /* each argument alone, so one unreadable file does not hide the others */
    bk_instruments instr;
    bk_instruments_init(&instr);
    bk_merge *m = NULL;
    bk_err err;
    bk_err_clear(&err);
    const char *path = argv[a];
    bk_rc rc = bk_merge_open_paths(&path, 1, &instr, &fo, &m, NULL, &err);
    for (size_t i = 0; !rc && i < bk_merge_count(m); i++)
      rc = inspect_feed(bk_merge_feed(m, i), &instr, format, &first, &err);
    if (rc) {
      int code = bk_cli_fail("inspect", &err, rc);
      if (!status) status = code;
    }
    bk_merge_free(m);
    bk_instruments_fini(&instr);
  }
  if (format == FMT_JSON) fputs("\n]\n", stdout);
  return status;
}
