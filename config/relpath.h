/*
 * Paths rewritten relative to another folder, for files that name other files and are
 * read from a different place than the one their paths were given from (a run folder's
 * scenario.json). Lexical: "." and "name/.." are folded, symbolic links are not followed,
 * so the result is the same on every machine with the same layout.
 */
#ifndef BK_RELPATH_H
#define BK_RELPATH_H

#include <stddef.h>

#include "engine/error.h"

/* Writes into out the path that, read relative to folder dir, names what path names
 * relative to the working folder. An absolute path stays absolute (folded). BK_ERANGE
 * when out is too small or a path too deep; BK_EIO when the working folder is unknown. */
bk_rc bk_relpath(const char *dir, const char *path, char *out, size_t cap);

#endif
