/*
 * Terminal progress line (see progress.h). The clock is read once per 64 Ki events so
 * the replay loop pays nothing measurable for it.
 */
#include "cli/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "engine/clock.h"

double bk_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bk_progress_init(bk_progress *p, int mode) {
  p->on = mode > 0 || (mode == 0 && isatty(STDERR_FILENO));
  p->t0 = p->last = bk_now();
  p->events = 0;
  p->drawn = 0;
}

void bk_progress_draw(bk_progress *p, int64_t sim_us, uint64_t done, uint64_t total) {
  double now = bk_now();
  if (now - p->last < 0.5) return;
  p->last = now;
  char t[40];
  bk_time_format(sim_us, t, sizeof t);
  t[19] = '\0'; /* to the second */
  double rate = (double)p->events / (now - p->t0);
  double pct = total ? 100.0 * (double)done / (double)total : 0.0;
  fprintf(stderr, "\r%s  %.2f M events/s  %5.1f %% read  ", t, rate / 1e6, pct);
  fflush(stderr);
  p->drawn = 1;
}

double bk_progress_end(bk_progress *p) {
  if (p->drawn) fputs("\r\033[K", stderr);
  p->drawn = 0;
  return bk_now() - p->t0;
}
