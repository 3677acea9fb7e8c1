/*
 * The backstop command: subcommand dispatch. The conventions all subcommands share
 * (sysexits.h exit codes, errors on stderr naming file and place) are cli/exitcode.h.
 */
#ifndef BK_CLI_H
#define BK_CLI_H

#include "engine/error.h"

/* Runs the command line; returns the process exit status (0 or a sysexits.h code). */
int bk_cli_main(int argc, char **argv);

#endif
