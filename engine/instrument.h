/*
 * The instrument table: every (exchange, symbol) the replay meets gets a small integer id
 * that events carry, plus the contract specification the risk engine needs.
 *
 * Ids are dense from 0 in order of first appearance, so with files read in a fixed order
 * the ids are the same on every run. The table owns its strings.
 */
#ifndef BK_INSTRUMENT_H
#define BK_INSTRUMENT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef enum bk_instr_kind {
  BK_LINEAR = 0, /* USDT-margined: PnL = qty × Δprice, in the quote asset */
  BK_INVERSE = 1 /* coin-margined: contracts of a fixed USD face, PnL in the coin */
} bk_instr_kind;

typedef struct bk_instrument {
  char exchange[32];     /* e.g. "binance-futures" */
  char symbol[48];       /* e.g. "BTCUSDT" */
  int kind;              /* bk_instr_kind */
  int64_t tick;          /* price tick, fixed point; 0 = not known yet */
  int64_t contract_size; /* linear: base units per contract (fixed point, 1 = BK_FX(1));
                            inverse: USD face value per contract (fixed point) */
  char settle[16];       /* settlement asset, e.g. "USDT" or "BTC" */
} bk_instrument;

typedef struct bk_instruments {
  bk_instrument *v; /* v[id] */
  size_t n, cap;
} bk_instruments;

void bk_instruments_init(bk_instruments *t);
void bk_instruments_fini(bk_instruments *t);

/* Returns the id of (exchange, symbol), adding it with a default spec (linear, tick 0,
 * contract size 1) when new. Names longer than the fields are an error (BK_EDATA);
 * BK_ENOMEM when the table cannot grow. */
bk_rc bk_instr_intern(bk_instruments *t, const char *exchange, size_t exchange_len,
                      const char *symbol, size_t symbol_len, uint32_t *id);

#endif
