/*
 * Subcommand dispatch for the backstop command. The mapping from result codes to
 * sysexits.h exit codes that every subcommand uses lives in exitcode.c, so that the
 * subcommands this file calls never call back into it.
 */
#include "cli/cli.h"

#include "cli/commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

static void usage(FILE *f) {
  fputs("usage: backstop <command> [options]\n"
        "\n"
        "commands:\n"
        "  chart     render a run folder's charts with gnuplot (PNG or PDF)\n"
        "  init      infer a scenario from a folder of data and write it to edit\n"
        "  inspect   describe market data files (format, rows, times, quality)\n"
        "  replay    replay market data into order books and market state\n"
        "  report    write a run folder's board brief as one PDF\n"
        "  run       compare policies over a replayed scenario, write the reports\n"
        "  synth     write a synthetic market day as Tardis CSV (seeded)\n"
        "  margin    margin calculator: equity, margin, liquidation and bankruptcy prices\n"
        "  policies  list the shipped policies with their descriptions\n"
        "  sweep     run a grid of scenarios x policies x seeds x windows (or a shard)\n"
        "  merge     join a sweep's shard folders into the sweep folder\n"
        "  help CMD  a command's help (as backstop CMD --help)\n"
        "\n"
        "      --version  the version of backstop\n"
        "\n"
        "backstop run --data FOLDER runs a scenario inferred from the data (backstop init\n"
        "FOLDER writes it out). backstop <command> --help shows a command's options.\n"
        "backstop alone runs the\n"
        "built-in default scenario: a synthetic crash day (generated once into\n"
        "out/sample), three policies, reports in out/default.\n"
        "\n"
        "BK_CACHE_DIR=DIR makes run and replay keep the events they decoded in DIR and\n"
        "replay them instead of the CSV next time (same results; off by default).\n",
        f);
}

typedef int (*command_fn)(int, char **);

/* The subcommand called name, or NULL. */
static command_fn command(const char *name) {
  static const struct {
    const char *name;
    command_fn run;
  } commands[] = {
      {"chart", bk_cmd_chart},   {"inspect", bk_cmd_inspect},
      {"replay", bk_cmd_replay}, {"run", bk_cmd_run},
      {"synth", bk_cmd_synth},   {"margin", bk_cmd_margin},
      {"policies", bk_cmd_policies}, {"report", bk_cmd_report},
      {"init", bk_cmd_init},
      {"sweep", bk_cmd_sweep},   {"merge", bk_cmd_merge},
  };
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(name, commands[i].name)) return commands[i].run;
  return NULL;
}

static int unknown(const char *name) {
  fprintf(stderr, "backstop: unknown command '%s'\nTry 'backstop help' for the commands.\n",
          name);
  return EX_USAGE;
}

/* `backstop help [CMD]`: the overview, or the command's own help. */
static int help(int argc, char **argv) {
  if (argc < 3) {
    usage(stdout);
    return 0;
  }
  command_fn run = command(argv[2]);
  if (!run) return unknown(argv[2]);
  char *args[] = {argv[2], "--help", NULL};
  return run(2, args);
}

int bk_cli_main(int argc, char **argv) {
  if (argc < 2) { /* the built-in default scenario */
    char *args[] = {"run", NULL};
    return bk_cmd_run(1, args);
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
    return help(argc, argv);
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
    printf("backstop %s\n", BK_VERSION);
    return 0;
  }
  command_fn run = command(argv[1]);
  return run ? run(argc - 1, argv + 1) : unknown(argv[1]);
}
