/*
 * Built-in venue conventions: what a contract is when the scenario does not say. A user
 * pointing backstop at a folder of Tardis files gets sensible specs, and the run prints
 * which it inferred and why (the `why` text).
 */
#ifndef BK_VENUES_H
#define BK_VENUES_H

#include <stddef.h>
#include <stdint.h>

#include "engine/instrument.h"

typedef struct bk_venue_spec {
  int kind;              /* BK_LINEAR / BK_INVERSE */
  int64_t contract_size; /* linear: base units per contract; inverse: USD face (fixed point) */
  char settle[16];       /* settle asset: the quote (linear) or the coin (inverse) */
  char why[160];         /* one line saying which convention applied */
} bk_venue_spec;

/* Fills *s for (exchange, symbol). Always succeeds: an unknown venue is taken as linear,
 * one unit per contract, settling in the symbol's quote (USDT, USDC, USD) and says so. */
void bk_venue_spec_for(const char *exchange, const char *symbol, bk_venue_spec *s);

#endif
