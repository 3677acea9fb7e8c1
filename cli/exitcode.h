/*
 * Exit codes of the backstop command: every subcommand ends with the sysexits.h code of
 * its result (0 for success), so scripts can tell bad data (65) from a missing input (66)
 * or a broken invariant (70). Kept apart from the dispatcher in cli.c, which calls the
 * subcommands: the subcommands use these, and neither calls back into the other.
 */
#ifndef BK_EXITCODE_H
#define BK_EXITCODE_H

#include "engine/error.h"

/* The sysexits.h code for a result code: 0 for BK_OK and BK_EOF, EX_SOFTWARE for a code
 * it does not know. */
int bk_cli_exit_code(bk_rc rc);

#endif
