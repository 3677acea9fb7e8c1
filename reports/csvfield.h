/*
 * RFC 4180 fields: a text field is written as is when it holds no comma, quote, CR or
 * LF, else quoted with inner quotes doubled. Every CSV backstop writes uses this.
 */
#ifndef BK_CSVFIELD_H
#define BK_CSVFIELD_H

#include <stddef.h>

/* Writes s as one CSV field into out (NUL-terminated, truncated to cap) and returns the
 * length it needs (as snprintf does). */
size_t bk_csv_field(const char *s, char *out, size_t cap);

#endif
