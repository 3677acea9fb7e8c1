/*
 * ADL metrics per round (docs/reports.md, adl_rounds.csv): how much a waterfall mechanism
 * took from the accounts, from whom, against what it had to take.
 *   - A take is value moved off an account by the waterfall: an ADL fill (the close at
 *     the fill price against the same close at the mark) or a socialized share. The
 *     waterfall reports each one before the money moves (bk_adl_take_fill, bk_adl_take).
 *   - Rounds are per settle asset: a take more than the policy's adl_round_gap_s after
 *     the asset's previous one opens a new round.
 *   - Each round measures a window of the run: the first opens at the run's start, each
 *     closes where the next opens, the last at the run's end (bk_adl_rounds_finish), so
 *     the windows' fund used, shortfall and needed add up to the run's.
 *   - Shortfall and needed come from the shadow (the ADL-off replay of the same path,
 *     docs/liquidation.md §9) paired with bk_adl_rounds_pair.
 * No I/O: reports/ writes the rounds.
 */
#ifndef BK_ADL_ROUNDS_H
#define BK_ADL_ROUNDS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/adl_rounds_state.h"
#include "engine/error.h"

typedef struct bk_risk bk_risk;

/* Frees what a risk state's rounds hold (zeroed storage is an empty state). */
void bk_adl_rounds_fini(bk_adl_rounds *t);

/* Pairs a run with its shadow (kept for the run's life; NULL: none). */
void bk_adl_rounds_pair(bk_risk *r, const bk_risk *shadow);

/* Account acct, whose profit the rule counted as u (>= 0), is about to give up `taken`
 * (settle units, out of its cross wallet) and close qty cross contracts worth `notional`
 * at the mark. */
bk_rc bk_adl_take(bk_risk *r, uint32_t acct, int64_t taken, int64_t u, int64_t qty,
                  int64_t notional);

/* Account acct, whose profit on the position the rule counted as u, is about to close
 * `size` (signed, its side) of contract at price by ADL: taken is what the close at price
 * gives up against the same close at the mark (0 or less when the price is at or better
 * than the mark). */
bk_rc bk_adl_take_fill(bk_risk *r, uint32_t acct, uint32_t contract, int64_t size,
                       int64_t price, int64_t u);

/* Closes every open round at the end of the run. */
bk_rc bk_adl_rounds_finish(bk_risk *r);

/* --- derived figures and their pure arithmetic ---------------------------------------- */

/* max(0, taken − needed) and max(0, needed − taken); -1 when needed is unknown. */
int64_t bk_adl_overshoot(const bk_adl_round *d);
int64_t bk_adl_undershoot(const bk_adl_round *d);

/* taken / needed, fraction e-8 rounded up; -1 when needed is unknown or 0. */
int64_t bk_adl_severity(int64_t taken, int64_t needed);

/* Of m accounts, each with its amount in two rounds (px, cx, indexed alike, with ids),
 * the pairs whose order differs: each round orders by amount descending, ties by lower
 * id. O(m log m); scratch holds 2·m uint32. */
uint64_t bk_adl_flipped_pairs(const uint32_t *id, const int64_t *px, const int64_t *cx,
                              size_t m, uint32_t *scratch);

#endif
