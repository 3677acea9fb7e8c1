/*
 * `backstop init DATA... [-o scenario.json]`: infers a scenario from a folder of data
 * (config/infer.h) and writes it as an editable JSON file; `backstop run --data` without
 * a scenario runs the same inference, through bk_cli_infer.
 */
#ifndef BK_CMD_INIT_H
#define BK_CMD_INIT_H

#include <stddef.h>

#include "config/infer.h"
#include "engine/error.h"
#include "feeds/feed.h"

/* Runs the subcommand (argv[0] is "init"); returns the process exit status. */
int bk_cmd_init(int argc, char **argv);

/* bk_infer_from_data with the shipped policies compiled into the program. */
bk_rc bk_cli_infer(const char *const *paths, const char *const *written, size_t n,
                   const bk_feed_opts *fo, bk_inferred *out, bk_err *err);

/* Prints each choice of an inference on stderr, one line each. */
void bk_cli_print_choices(const bk_inferred *inf);

#endif
