/*
 * The window checks of `run` and `replay` (see window.h): a handful of comparisons made
 * once per command, and the sentences that explain them.
 */
#include "cli/window.h"

#include <string.h>

#include "engine/clock.h"
#include "engine/fixed.h"

/* A window edge or a data time as text: ISO 8601, or what an open edge means. */
static const char *show(int64_t us, char *buf, size_t cap) {
  if (us == INT64_MIN) return "the start of the data";
  if (us == INT64_MAX) return "the end of the data";
  bk_time_format(us, buf, cap);
  return buf;
}

bk_rc bk_window_check(int64_t from, int64_t to, bk_err *err) {
  if (from < to) return BK_OK;
  char a[40], b[40];
  return bk_err_set(err, BK_EUSAGE,
                    "the window is empty: its start %s is not before its end %s "
                    "(give --from before --to)",
                    show(from, a, sizeof a), show(to, b, sizeof b));
}

static bk_rc outside(int64_t from, int64_t to, const bk_pipeline *p, bk_err *err) {
  char a[40], b[40], f[40], l[40];
  const char *start = show(from, a, sizeof a), *end = show(to, b, sizeof b);
  bk_time_format(p->first_ts, f, sizeof f);
  if (p->first_ts >= to) /* reading stopped at the window's end: the rest was not read */
    return bk_err_set(err, BK_EDATA,
                      "the window from %s to %s ends before the data, which starts at %s: "
                      "choose a window within the data",
                      start, end, f);
  bk_time_format(p->last_ts, l, sizeof l);
  return bk_err_set(err, BK_EDATA,
                    "the window from %s to %s starts after the data, which spans %s to %s: "
                    "choose a window within the data",
                    start, end, f, l);
}

bk_rc bk_window_cover(int64_t from, int64_t to, const bk_pipeline *p,
                      bk_report_note notes[BK_WINDOW_NOTES], size_t *n, bk_err *err) {
  *n = 0;
  if (!p->events) return BK_OK;
  if (p->first_ts >= to || p->last_ts < from) return outside(from, to, p, err);
  if (from != INT64_MIN && p->first_ts >= from)
    notes[(*n)++] = (bk_report_note){"no_warmup", p->first_ts, p->last_ts};
  /* 128 bits: a window edge given in microseconds may lie anywhere in int64 */
  if ((from != INT64_MIN && (bk_i128)p->first_ts - from > BK_WINDOW_SLACK_US) ||
      (to != INT64_MAX && (bk_i128)to - p->last_ts > BK_WINDOW_SLACK_US))
    notes[(*n)++] = (bk_report_note){"partial_overlap", p->first_ts, p->last_ts};
  return BK_OK;
}

void bk_window_warn(FILE *f, const char *cmd, int64_t from, int64_t to,
                    const bk_report_note *notes, size_t n) {
  char a[40], b[40], s[40], e[40];
  for (size_t i = 0; i < n; i++) {
    const bk_report_note *k = &notes[i];
    if (!strcmp(k->code, "no_warmup"))
      fprintf(f, "backstop %s: warning: no warm-up: the data starts at %s, not before the "
                 "window's start %s, so books, marks and accounts start from nothing "
                 "(start the window later to give them data to build on)\n",
              cmd, show(k->first_ts, s, sizeof s), show(from, a, sizeof a));
    else
      fprintf(f, "backstop %s: warning: the data covers only part of the window, from %s "
                 "to %s: %s to %s\n",
              cmd, show(from, a, sizeof a), show(to, b, sizeof b),
              show(k->first_ts > from ? k->first_ts : from, s, sizeof s),
              show(k->last_ts < to ? k->last_ts : to, e, sizeof e));
  }
}
