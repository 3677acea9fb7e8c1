/*
 * The window of a replay against the data it covers: the checks `run` and `replay`
 * share. A window whose start is not before its end is a usage error, found before any
 * data is read. After the replay, a window that covers none of the data is bad data
 * (the message names the data's span), and a window with no data before its start (no
 * warm-up) or only partly covered by the data is a warning: on stderr, and as a note
 * that `run` writes into quality.csv.
 */
#ifndef BK_WINDOW_H
#define BK_WINDOW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/pipeline.h"
#include "engine/error.h"
#include "reports/report.h"

/* At most this many notes come out of bk_window_cover. */
#define BK_WINDOW_NOTES 2

/* Data within this distance of a window's edge covers it: a day's files end a moment
 * before midnight, and the feeds count only longer pauses as gaps. */
#define BK_WINDOW_SLACK_US BK_FEED_GAP_DEFAULT_US

/* BK_OK when the window [from, to) can hold an event (either side may be open:
 * INT64_MIN, INT64_MAX); else BK_EUSAGE with both ends named in err. */
bk_rc bk_window_check(int64_t from, int64_t to, bk_err *err);

/* Checks the window [from, to) against what pipeline p read (p->events, p->first_ts,
 * p->last_ts; p must have run). BK_EDATA, with the window and the data's span in err,
 * when the window covers none of the data. Otherwise BK_OK, with the warnings in
 * notes[0 .. *n) (codes "no_warmup" and "partial_overlap", each with the data's span).
 * A pipeline that read no event gives neither: an empty input is reported where it is
 * opened. */
bk_rc bk_window_cover(int64_t from, int64_t to, const bk_pipeline *p,
                      bk_report_note notes[BK_WINDOW_NOTES], size_t *n, bk_err *err);

/* Prints each note as "backstop CMD: warning: ..." on f, saying what it means for the
 * window [from, to). */
void bk_window_warn(FILE *f, const char *cmd, int64_t from, int64_t to,
                    const bk_report_note *notes, size_t n);

#endif
