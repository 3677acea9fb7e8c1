/*
 * Names that reach a script, a CSV header or a path.
 *
 * A settle asset becomes a CSV field (settle_asset), a gnuplot label and the file name
 * of a chart; a scenario name becomes the run folder out/<name>; instrument
 * and policy names label rows and charts. Every such name that comes from data or
 * configuration is checked here once, where it enters, against one documented set:
 *
 *   1 to BK_NAME_MAX characters of A-Z a-z 0-9 . _ -, not starting with '.' or '-'
 *
 * so a name can never carry a quote, a newline, a shell or gnuplot metacharacter, a
 * NUL, a slash or "..". Nothing in the set needs quoting in CSV, JSON, gnuplot or a
 * shell, and every such name is also a safe file name.
 */
#ifndef BK_SAFENAME_H
#define BK_SAFENAME_H

#include <stddef.h>

#define BK_NAME_MAX 47 /* the longest name; an instrument symbol holds 47 bytes */

/* The set, in words, for error messages. */
#define BK_NAME_RULE "1 to 47 characters of A-Z a-z 0-9 . _ -, not starting with '.' or '-'"

/* 1 when the len bytes at s form a valid name (a NUL among them makes it invalid). */
int bk_name_ok(const char *s, size_t len);

/* The same check on a fixed-size, NUL-padded field of cap bytes (such as an instrument's
 * symbol): invalid when a non-NUL byte follows the first NUL, which a name holding a
 * NUL leaves behind. */
int bk_name_ok_field(const char *field, size_t cap);

/* Writes len bytes at s into out as printable ASCII between double quotes, with \", \\,
 * \n, \r, \t and \xHH for every other byte outside 0x20-0x7e, truncated with "..." past
 * 64 input bytes; NUL-terminated within cap. For error messages. Returns out. */
char *bk_name_print(const char *s, size_t len, char *out, size_t cap);

#endif
