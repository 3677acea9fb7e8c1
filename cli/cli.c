/*
 * Subcommand dispatch for the backstop command, and the mapping from result codes to
 * sysexits.h exit codes that every subcommand uses.
 */
#include "cli/cli.h"

#include "cli/commands.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

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
        "\n"
        "backstop <command> --help shows a command's options.\n",
        f);
}

int bk_cli_main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return EX_USAGE;
  }
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
  };
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "backstop: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return EX_USAGE;
}
