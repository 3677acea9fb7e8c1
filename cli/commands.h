/*
 * The subcommands of backstop. Each takes the arguments after the command's own name
 * (argv[0] is the subcommand) and returns the process exit status.
 */
#ifndef BK_COMMANDS_H
#define BK_COMMANDS_H

#include "cli/cmd_chart.h"  /* bk_cmd_chart */
#include "cli/cmd_init.h"   /* bk_cmd_init */
#include "cli/cmd_margin.h" /* bk_cmd_margin */

int bk_cmd_inspect(int argc, char **argv);
int bk_cmd_policies(int argc, char **argv);
int bk_cmd_replay(int argc, char **argv);
/* backstop report RUN_DIR --pdf [-o FILE]: the board brief (cmd_report.c) */
int bk_cmd_report(int argc, char **argv);
int bk_cmd_run(int argc, char **argv);
/* `run` whose manifest.json records the command line rargv instead of argv: a sweep's
 * cell, whose folder's own path is left out so that a shard and a whole sweep record the
 * same (cmd_sweep.c). */
int bk_cmd_run_recorded(int argc, char **argv, int rargc, char **rargv);
/* backstop sweep GRID.json [--shard K/N] [-o OUT] (cmd_sweep.c) */
int bk_cmd_sweep(int argc, char **argv);
/* backstop merge SHARD_DIR... -o OUT (cmd_merge.c) */
int bk_cmd_merge(int argc, char **argv);
int bk_cmd_synth(int argc, char **argv);

#endif
