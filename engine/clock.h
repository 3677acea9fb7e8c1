/*
 * The replay clock's units: microseconds since the Unix epoch, UTC, in an int64.
 * Conversion to and from ISO 8601 text is done here without the C library's time zone
 * machinery, so it is exact and the same on every machine.
 */
#ifndef BK_CLOCK_H
#define BK_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

#define BK_US_PER_S INT64_C(1000000)

/* Writes "2025-10-10T21:21:00.123456Z" (27 characters + NUL) into buf (cap >= 28). */
size_t bk_time_format(int64_t us, char *buf, size_t cap);

/* Parses a time: "2025-10-10", "2025-10-10T21:21", "2025-10-10T21:21:00",
 * "2025-10-10 21:21:00", with optional ".fraction" (up to 6 digits) and optional "Z",
 * or a plain integer of microseconds since the epoch. Returns BK_EDATA when it is
 * none of these. */
bk_rc bk_time_parse(const char *s, size_t n, int64_t *us);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t bk_days_from_civil(int64_t y, unsigned m, unsigned d);
void bk_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
