/*
 * Creating a folder and its parents (mkdir -p), for the commands that write into a
 * folder the user names: `synth -o DIR` and the built-in sample day of `run`.
 */
#ifndef BK_MKDIRS_H
#define BK_MKDIRS_H

#include "engine/error.h"

/* Creates path and every missing parent (mode 0777 less the umask); an existing folder
 * is fine. BK_EWRITE naming the part that could not be made, with the reason, in err. */
bk_rc bk_cli_mkdirs(const char *path, bk_err *err);

#endif
