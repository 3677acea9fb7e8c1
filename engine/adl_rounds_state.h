/*
 * The ADL metrics' types (adl_rounds.h holds the rules): a finished round's figures and
 * the working state a risk state keeps to build them (risk_state.h). Types only, apart
 * from adl_rounds.h so that the risk state can hold them without including the rules
 * that act on it.
 */
#ifndef BK_ADL_ROUNDS_STATE_H
#define BK_ADL_ROUNDS_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/ledger.h"

struct bk_risk;

/* One ADL round of one settle asset (docs/reports.md, adl_rounds.csv). Money in settle
 * units e-8, fractions e-8. */
typedef struct bk_adl_round {
  uint32_t asset, index;    /* settle asset; 1, 2, ... within it */
  int64_t start_us, end_us; /* its first and last take */
  uint64_t takes;           /* ADL fills and socialized shares */
  uint32_t accounts;        /* accounts taken from */
  int64_t adl_qty;          /* contracts its ADL fills closed (each side) */
  int64_t taken;            /* H = Σ max(0, x_i): value taken from the accounts, x_i
                               an account's takes summed over the round */
  int64_t given;            /* Σ max(0, −x_i): value ADL fills at prices better than the
                               mark handed to the accounts */
  int64_t from_principal;   /* Σ max(0, x_i − u_i): taken beyond an account's profit u_i
                               (unrealized, at its first take in the round) */
  int64_t concentration;    /* max x_i / u_i over accounts with u_i > 0, rounded up */
  uint32_t top_acct;        /* the account with the most profit u_i among those taken from */
  int64_t top_profit, top_left; /* its u_i, and max(0, u_i − x_i) */
  int64_t max_leverage;     /* the highest leverage an account was left with after its
                               last take (INT64_MAX: positions left on equity <= 0) */
  uint64_t pairs, flips;    /* pairs of accounts taken from in this round and the
                               previous one, and those whose order by x flipped */
  int64_t fund_used;        /* the fund's outflows for deficits and takeovers in the window */
  int64_t shortfall, needed; /* the same outflows in the shadow, and the rise of the
                                shadow's safe fund above the initial fund; -1 without one */
} bk_adl_round;

/* An asset's open round and the window it measures. */
typedef struct bk_adl_open {
  int open;
  bk_adl_round cur;
  int64_t base[3];          /* fund used, shortfall, needed where the window opened */
  uint32_t *payers;         /* accounts taken from in cur */
  size_t n, cap;
  uint32_t *prev;           /* those of the asset's previous round, with their x */
  int64_t *prev_x;
  size_t nprev, prevcap, prevxcap;
} bk_adl_open;

typedef struct bk_adl_rounds {
  bk_adl_open a[BK_LEDGER_ASSETS];
  int64_t *x, *u, *lev;     /* per account, in its asset's open round */
  uint8_t *in;              /* in[acct]: taken from in the open round */
  size_t cap;
  bk_adl_round *v;          /* finished rounds, in the order they closed */
  size_t n, vcap;
  const struct bk_risk *shadow; /* the ADL-off replay of the same path, or NULL */
} bk_adl_rounds;

#endif
