/*
 * The backstop executable: everything lives in the bk_cli library so tests can reach
 * the same code; this file only hands over the arguments.
 */
#include "cli/cli.h"

int main(int argc, char **argv) { return bk_cli_main(argc, argv); }
