/*
 * Short messages for option errors (see options.h). getopt_long leaves what it choked
 * on in optopt (a short option's letter, 0 for a long option) and argv[optind - 1].
 */
#include "cli/options.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

void bk_cli_opts_reset(void) {
  optind = 1;
  opterr = 0;
}

int bk_cli_bad_option(const char *cmd, int c, char *const *argv) {
  char name[64];
  if (c == '?' && optopt > 0 && optopt < 256) snprintf(name, sizeof name, "-%c", optopt);
  else {
    const char *arg = argv[optind - 1];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
  }
  if (c == ':') fprintf(stderr, "backstop %s: option '%s' needs a value\n", cmd, name);
  else fprintf(stderr, "backstop %s: unknown option '%s'\n", cmd, name);
  fprintf(stderr, "Try 'backstop %s --help' for its options.\n", cmd);
  return EX_USAGE;
}

int bk_cli_usage_error(const char *cmd, const char *what) {
  fprintf(stderr, "backstop %s: %s\n", cmd, what);
  fprintf(stderr, "Try 'backstop %s --help' for its usage.\n", cmd);
  return EX_USAGE;
}
