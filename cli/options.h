/*
 * Option errors every subcommand shares: a mistyped option gets one line naming it and
 * one pointing to the command's help, not the whole help. Commands parse with
 * getopt_long over an option string that starts with ':' (so a missing value is told
 * from an unknown option) after bk_cli_opts_reset.
 */
#ifndef BK_OPTIONS_H
#define BK_OPTIONS_H

/* Prepares getopt_long for a new command line: from the first argument, with getopt's
 * own messages off (bk_cli_bad_option says it better). */
void bk_cli_opts_reset(void);

/* For getopt_long's ':' (a value missing) or '?' (an unknown option) as c: prints
 * "backstop CMD: unknown option '--x'" (or "option '--x' needs a value") and
 * "Try 'backstop CMD --help' ..." to stderr, and returns EX_USAGE. */
int bk_cli_bad_option(const char *cmd, int c, char *const *argv);

/* Any other usage error (missing or extra arguments): "backstop CMD: what" and the same
 * pointer to the help on stderr; returns EX_USAGE. */
int bk_cli_usage_error(const char *cmd, const char *what);

#endif
