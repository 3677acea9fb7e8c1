/*
 * `backstop synth`: the options of the synthetic day generator (reports/synth.h), which
 * writes the files.
 */
#include "cli/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli/exitcode.h"
#include "cli/mkdirs.h"
#include "cli/options.h"
#include "engine/clock.h"
#include "engine/fixed.h"
#include "reports/synth.h"

static void synth_usage(FILE *f) {
  fputs("usage: backstop synth [options]\n"
        "Writes a synthetic day of one linear perpetual as Tardis CSV files\n"
        "(incremental_book_L2, trades, derivative_ticker). Same options, same bytes.\n"
        "\n"
        "  -o, --out DIR        folder to write into, created when missing (default .)\n"
        "      --seed N         random seed (default 20251010)\n"
        "      --hours H        length of the day in hours (default 6)\n"
        "      --rate N         mean book messages per second (default 8)\n"
        "      --rows N         stop after N book rows\n"
        "      --crash-bp N     depth of the crash in basis points (default 1500; 0: none)\n"
        "      --book-only      write only the book file\n"
        "      --plain          write .csv instead of .csv.zst\n"
        "      --quiet          print only errors (not the files written)\n"
        "  -h, --help           this help\n",
        f);
}

static int parse_u64(const char *s, uint64_t *out) {
  int64_t v;
  if (bk_int_parse(s, strlen(s), &v, NULL) || v < 0) return -1;
  *out = (uint64_t)v;
  return 0;
}

int bk_cmd_synth(int argc, char **argv) {
  enum { O_SEED = 256, O_HOURS, O_RATE, O_ROWS, O_CRASH, O_BOOK, O_PLAIN, O_QUIET };
  static const struct option opts[] = {
      {"out", required_argument, NULL, 'o'},   {"seed", required_argument, NULL, O_SEED},
      {"hours", required_argument, NULL, O_HOURS}, {"rate", required_argument, NULL, O_RATE},
      {"rows", required_argument, NULL, O_ROWS}, {"crash-bp", required_argument, NULL, O_CRASH},
      {"book-only", no_argument, NULL, O_BOOK}, {"plain", no_argument, NULL, O_PLAIN},
      {"quiet", no_argument, NULL, O_QUIET},
      {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
  bk_synth_opts o;
  bk_synth_defaults(&o);
  o.out_dir = ".";
  int c, quiet = 0;
  uint64_t v;
  bk_cli_opts_reset();
  while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o': o.out_dir = optarg; break;
    case O_SEED:
    case O_HOURS:
    case O_RATE:
    case O_ROWS:
    case O_CRASH:
      if (parse_u64(optarg, &v) || v > (uint64_t)INT32_MAX * 1000) {
        fprintf(stderr, "backstop synth: '%s' is not a non-negative integer\n", optarg);
        return EX_USAGE;
      }
      if (c == O_SEED) o.seed = v;
      else if (c == O_HOURS) o.duration_us = (int64_t)v * 3600 * BK_US_PER_S;
      else if (c == O_RATE) o.msgs_per_s = (int64_t)v;
      else if (c == O_ROWS) o.max_book_rows = v;
      else {
        o.crash_bp = (int64_t)v;
        if (v > 9000) {
          fprintf(stderr, "backstop synth: --crash-bp must be at most 9000\n");
          return EX_USAGE;
        }
      }
      break;
    case O_BOOK: o.book_only = 1; break;
    case O_PLAIN: o.zst = 0; break;
    case O_QUIET: quiet = 1; break;
    case 'h': synth_usage(stdout); return 0;
    default: return bk_cli_bad_option("synth", c, argv);
    }
  }
  if (optind != argc) {
    fprintf(stderr, "backstop synth: unexpected argument '%s'\n"
                    "Try 'backstop synth --help' for its options.\n", argv[optind]);
    return EX_USAGE;
  }
  if (o.max_book_rows && o.duration_us == INT64_C(6) * 3600 * BK_US_PER_S)
    o.duration_us = INT64_MAX / 4; /* --rows alone: run until the rows are written */
  bk_err err;
  bk_err_clear(&err);
  bk_rc rc = bk_cli_mkdirs(o.out_dir, &err);
  if (!rc) rc = bk_synth_run(&o, &err);
  if (rc) {
    fprintf(stderr, "backstop synth: %s\n", err.msg[0] ? err.msg : bk_rc_name(rc));
    return bk_cli_exit_code(rc);
  }
  for (size_t i = 0; !quiet && i < bk_synth_nfiles(&o); i++) {
    char path[4096];
    bk_synth_path(&o, i, path, sizeof path);
    printf("wrote %s\n", path);
  }
  return 0;
}
