/*
 * Subcommand dispatch for the backstop command, and the mapping from result codes to
 * sysexits.h exit codes that every subcommand uses.
 */
#include "cli/cli.h"

#include "cli/commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "cli/cmd_margin.h"
#include "cli/synth.h"

int bk_cli_exit_code(bk_rc rc) {
  switch (rc) {
  case BK_OK:
  case BK_EOF: return 0;
  case BK_EUSAGE: return EX_USAGE;
  case BK_EDATA:
  case BK_EFORMAT:
  case BK_ERANGE: return EX_DATAERR;
  case BK_ENOINPUT: return EX_NOINPUT;
  case BK_EIO: return EX_IOERR;
  case BK_ENOMEM: return EX_OSERR;
  case BK_ECONFIG: return EX_CONFIG;
  case BK_EWRITE: return EX_CANTCREAT;
  case BK_EINVARIANT: return EX_SOFTWARE;
  }
  return EX_SOFTWARE;
}

static void usage(FILE *f) {
  fputs("usage: backstop <command> [options]\n"
        "\n"
        "commands:\n"
        "  inspect   describe market data files (format, rows, times, quality)\n"
        "  replay    replay market data into order books and market state\n"
        "  synth     write a synthetic market day as Tardis CSV (seeded)\n"
        "  margin    margin calculator: equity, margin, liquidation and bankruptcy prices\n"
        "\n"
        "backstop <command> --help shows a command's options. backstop alone runs the\n"
        "built-in default: a synthetic crash day, generated once into out/sample.\n",
        f);
}

/* `backstop` alone: the built-in default. Generates the synthetic sample day into
 * out/sample (once; the same seed always gives the same bytes) and replays it. */
static int run_default(void) {
  static const char *const dirs[] = {"out", "out/sample"};
  for (size_t i = 0; i < 2; i++)
    if (mkdir(dirs[i], 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "backstop: cannot create %s: %s\n", dirs[i], strerror(errno));
      return EX_CANTCREAT;
    }
  bk_synth_opts o;
  bk_synth_defaults(&o);
  o.out_dir = "out/sample";
  struct stat st;
  char probe[256];
  snprintf(probe, sizeof probe, "%s/%s_trades_2025-10-10_%s.csv.zst", o.out_dir, o.exchange,
           o.symbol);
  if (stat(probe, &st) != 0) {
    fprintf(stderr, "backstop: writing the built-in sample day to %s (seed %llu)\n",
            o.out_dir, (unsigned long long)o.seed);
    bk_err err;
    bk_err_clear(&err);
    bk_rc rc = bk_synth_run(&o, &err);
    if (rc) {
      fprintf(stderr, "backstop: %s\n", err.msg[0] ? err.msg : bk_rc_name(rc));
      return bk_cli_exit_code(rc);
    }
  }
  char *args[] = {"replay", "--tob-csv", "out/tob.csv", "out/sample", NULL};
  return bk_cmd_replay(4, args);
}

int bk_cli_main(int argc, char **argv) {
  if (argc < 2) return run_default();
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  static const struct {
    const char *name;
    int (*run)(int, char **);
  } commands[] = {
      {"inspect", bk_cmd_inspect},
      {"replay", bk_cmd_replay},
      {"synth", bk_cmd_synth},
      {"margin", bk_cmd_margin},
  };
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "backstop: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return EX_USAGE;
}
