/*
 * The run-level ADL figures (see adl_rounds.h): one pass over a policy's rounds, a few
 * tens on a crash day.
 */
#include "reports/adl_rounds.h"

#include <string.h>

#include "engine/adl_rounds.h"
#include "engine/fixed.h"

bk_rc bk_report_adl_sum(const bk_risk *r, uint32_t a, bk_report_adl *s) {
  memset(s, 0, sizeof *s);
  int bad = 0, known = r->rounds.shadow != NULL;
  for (size_t i = 0; i < r->rounds.n; i++) {
    const bk_adl_round *d = &r->rounds.v[i];
    if (d->asset != a) continue;
    s->rounds++;
    known &= d->needed >= 0;
    bad |= bk_add(s->taken, d->taken, &s->taken) || bk_add(s->given, d->given, &s->given);
    if (known)
      bad |= bk_add(s->needed, d->needed, &s->needed) ||
             bk_add(s->overshoot, bk_adl_overshoot(d), &s->overshoot) ||
             bk_add(s->undershoot, bk_adl_undershoot(d), &s->undershoot);
    if (d->concentration > s->concentration) s->concentration = d->concentration;
    if (d->max_leverage > s->max_leverage) s->max_leverage = d->max_leverage;
    s->pairs += d->pairs;
    s->flips += d->flips;
  }
  if (!known) s->needed = s->overshoot = s->undershoot = -1;
  return bad ? BK_ERANGE : BK_OK;
}
