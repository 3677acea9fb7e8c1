/*
 * Progress on stderr for long runs: events per second, simulated time and share of the
 * input read, redrawn at most twice a second. Shown only when stderr is a terminal,
 * unless --progress or --quiet say otherwise. Never written to stdout.
 */
#ifndef BK_PROGRESS_H
#define BK_PROGRESS_H

#include <stdint.h>

typedef struct bk_progress {
  int on;            /* 1 when progress is drawn */
  double t0, last;   /* monotonic seconds at start and at the last redraw */
  uint64_t events;   /* events counted so far */
  int drawn;         /* 1 when a line is on screen and must be cleared */
} bk_progress;

/* mode: 1 = --progress, -1 = --quiet, 0 = only on a terminal. */
void bk_progress_init(bk_progress *p, int mode);

/* Counts one event; returns 1 every 64 Ki events when progress is on (then call
 * bk_progress_draw). */
static inline int bk_progress_due(bk_progress *p) {
  return (++p->events & 0xFFFF) == 0 && p->on;
}

/* Redraws the line if half a second has passed since the last one. sim_us is the
 * replay time; done/total the compressed bytes read and the input size. */
void bk_progress_draw(bk_progress *p, int64_t sim_us, uint64_t done, uint64_t total);

/* Clears the line (if drawn); returns the seconds since bk_progress_init. */
double bk_progress_end(bk_progress *p);

/* Monotonic seconds. */
double bk_now(void);

#endif
