/*
 * The loss waterfall's arithmetic: ADL rankings (BitMEX/Bybit score, Hyperliquid key,
 * dYdX pseudo-random walk), the allocation of a bankrupt position over the ranked queue,
 * socialization shares (pro rata over profit or over open interest), and Mango's split of
 * a bankruptcy between the fund and socialization. The risk state decides when to use
 * them; these functions only compute, on caller arrays.
 */
#ifndef BK_WATERFALL_H
#define BK_WATERFALL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/* BitMEX rank from position values (signed like the position, quote or coin):
 * PnL% = (mark − entry)/|entry|; effective leverage = |mark| / (mark − bankrupt) (as a
 * magnitude); rank = PnL% × leverage when PnL% > 0, else PnL% / leverage. Outputs may be
 * NULL. BK_ERANGE when a denominator is 0. */
bk_rc bk_wf_bitmex_rank(int64_t entry_value, int64_t mark_value, int64_t bankrupt_value,
                        int64_t *pnl_pct, int64_t *eff_lev, int64_t *rank);

/* Hyperliquid ADL key = (mark / entry) × (notional / account value), for a long; a
 * short's mark/entry is inverted. account_value <= 0 ranks last (key 0). */
bk_rc bk_wf_hl_key(int64_t mark, int64_t entry, int64_t notional, int64_t account_value,
                   int is_long, int64_t *key);

typedef struct bk_adl_cand {
  uint32_t acct; /* account id */
  int64_t qty;   /* size available to deleverage, > 0 */
  int64_t score; /* higher goes first; ties by lower account id */
} bk_adl_cand;

typedef struct bk_adl_take {
  uint32_t acct;
  int64_t qty; /* > 0 */
} bk_adl_take;

/* Sorts cands by score (descending; ties by account) and takes from the top until need
 * is covered. Writes at most n takes; returns how many; *left gets what no candidate
 * could take (0 when covered). */
size_t bk_wf_adl_allocate(bk_adl_cand *cands, size_t n, int64_t need, bk_adl_take *out,
                          int64_t *left);

/* dYdX order: candidates in their given order, walked cyclically from a pseudo-random
 * start drawn from seed (splitmix64); returns the start index (0 when n == 0). The walk
 * itself is the caller's: take from cands[(start + i) % n]. */
size_t bk_wf_dydx_start(uint64_t seed, uint64_t draw, size_t n);

/* Pro rata shares of loss over weights (>= 0), each rounded up so the shares cover the
 * loss (their sum exceeds it by less than n units). Returns BK_ERANGE when every weight
 * is 0 (nothing to spread over; shares untouched). */
bk_rc bk_wf_socialize(const int64_t *weights, size_t n, int64_t loss, int64_t *shares);

/* Mango v4 bankruptcy: of a liability `eligible` (>= 0, settle units), the fund pays at
 * most its tokens × token price / settle price; the rest is socialized. */
bk_rc bk_wf_mango(int64_t eligible, int64_t fund_tokens, int64_t token_price,
                  int64_t settle_price, int64_t *fund_pays, int64_t *socialized);

#endif
