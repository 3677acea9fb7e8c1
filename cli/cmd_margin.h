/*
 * `backstop margin`: the margin calculator. Reads one account (instruments with their
 * tier tables, collateral, positions with entry and mark) from a JSON file and prints
 * what the engine computes: equity, maintenance margin, margin ratio, and per position
 * notional, unrealized PnL, maintenance margin, liquidation and bankruptcy prices.
 */
#ifndef BK_CMD_MARGIN_H
#define BK_CMD_MARGIN_H

/* Runs the subcommand (argv[0] is "margin"); returns the process exit status. */
int bk_cmd_margin(int argc, char **argv);

#endif
