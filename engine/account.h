/*
 * Accounts, positions, collateral and margin: equity, maintenance margin, margin ratio,
 * liquidation and bankruptcy prices, linear and inverse, cross and isolated.
 *
 * Units: every amount is fixed point e-8 (engine/fixed.h). A position's size is signed
 * contracts (linear: base units per contract_size; inverse: contracts of contract_size
 * USD face). PnL, notional and margin are in the contract's settle asset: the quote for
 * linear, the coin for inverse. An account's cash and every position's PnL share one
 * settle asset (the account's); other collateral assets count at price × (1 − haircut),
 * converted into the settle asset by the settle asset's own price (bk_menv.unit).
 *
 * Rounding favours the exchange: a trader's gain rounds down and a loss up, margins round
 * up, a long's liquidation and bankruptcy prices round up (a short's down), first to 1e-8
 * and then to the tick.
 *
 * Ownership: a bk_account is caller storage (_init/_fini); it owns its position and
 * collateral arrays. The market view (bk_menv) is borrowed for each call.
 */
#ifndef BK_ACCOUNT_H
#define BK_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/fixed.h"
#include "engine/instrument.h"
#include "engine/tiers.h"

enum { BK_CROSS = 0, BK_ISOLATED = 1 };

/* Which price a position's maintenance margin is computed on: the price in question
 * (Binance, dYdX: MM moves with the mark) or the entry price (Bybit's position value). */
enum { BK_MM_MARK = 0, BK_MM_ENTRY = 1 };

/* What the risk engine needs to know of an instrument. */
typedef struct bk_contract {
  int kind;              /* BK_LINEAR or BK_INVERSE (engine/instrument.h) */
  int mm_basis;          /* BK_MM_MARK or BK_MM_ENTRY */
  int64_t tick;          /* price tick, > 0 */
  int64_t contract_size; /* linear: base units per contract; inverse: USD face; > 0 */
  uint32_t settle;       /* asset index of the settle asset */
  bk_tiers tiers;        /* finished (bk_tiers_finish) */
  int64_t mm_scale;      /* margin multiplier applied to every tier's rate and amount
                            (bk_tiers_terms), e-8; 0 = the table as published. The risk
                            state moves it under adaptive margins (stress.h) */
} bk_contract;

/* A collateral asset: its price and its haircut. */
typedef struct bk_asset {
  char name[16];
  int64_t price;   /* value of one unit in the unit of bk_menv.unit: without one, in the
                      settle asset of the accounts holding it */
  int64_t haircut; /* fraction in [0, 1] */
} bk_asset;

/* The market as margin sees it: contracts with their marks, collateral assets. */
typedef struct bk_menv {
  const bk_contract *contracts; /* contracts[i] */
  const int64_t *mark;          /* mark[i]: mark price of contract i, > 0 */
  size_t ncontracts;
  const bk_asset *assets; /* assets[k] */
  size_t nassets;
  const int64_t *unit; /* unit[s]: price of one unit of settle asset s in the unit the
                          collateral prices are in (> 0); NULL: every settle asset is 1,
                          the collateral prices are in the settle asset itself */
} bk_menv;

typedef struct bk_pos {
  uint32_t contract; /* index into bk_menv.contracts */
  int isolated;      /* 1: margined alone by `margin`; 0: part of the cross pool */
  int64_t size;      /* signed contracts, != 0 */
  int64_t entry;     /* average entry price, > 0 */
  int64_t margin;    /* isolated margin, settle units; 0 for cross */
  uint32_t slot;     /* its place in the risk state's holder index of the contract */
  int pending;       /* its last liquidation step left it waiting or unresolved:
                        BK_OUT_WAITING / BK_OUT_UNRESOLVED (risk.h), else 0 */
  int64_t haircut;   /* ADL haircuts taken from its profit since it was opened, kept pro
                        rata through reductions (docs/adl.md), settle units */
} bk_pos;

typedef struct bk_coll {
  uint32_t asset;  /* index into bk_menv.assets */
  int64_t amount;  /* units of the asset, >= 0 */
  int64_t ref;     /* what they were worth in the settle asset when posted, or when the
                      window opened if posted before (engine/collateral.h); 0 outside a
                      risk state */
} bk_coll;

typedef struct bk_account {
  int64_t cash;     /* wallet balance in the settle asset (may go negative on a deficit) */
  uint32_t settle;  /* asset index of cash and of every position's PnL */
  uint32_t npos;
  size_t cap;       /* 1: pos is `one`; above 1: pos is allocated */
  bk_pos *pos;      /* npos positions, at most one per contract */
  uint32_t ncoll;
  bk_coll *coll;    /* other collateral */
  bk_pos one;       /* the storage of an account that never held two positions at once
                       (most): a pass over the holders of a contract reads the account
                       and its position in one place. An account moved in memory calls
                       bk_acct_moved; one is never copied by value */
} bk_account;

void bk_acct_init(bk_account *a, uint32_t settle);
void bk_acct_fini(bk_account *a);

/* After a was moved to another address (the array holding it grew): its position storage
 * follows it when it is a's own. */
void bk_acct_moved(bk_account *a);

/* Index of the position on a contract, or -1. */
int bk_acct_find(const bk_account *a, uint32_t contract);

/* Sets the position on a contract (size 0 removes it). BK_ENOMEM leaves a unchanged. */
bk_rc bk_acct_set_pos(bk_account *a, const bk_pos *p);

/* Adds collateral of another asset (amount >= 0). BK_ENOMEM leaves a unchanged. */
bk_rc bk_acct_add_coll(bk_account *a, uint32_t asset, int64_t amount);

/* Notional of size contracts at price, in the settle asset, rounded up. */
bk_rc bk_pos_notional(const bk_contract *c, int64_t size, int64_t price, int64_t *out);

/* Unrealized PnL of size contracts entered at entry, valued at price, rounded down. */
bk_rc bk_pos_upnl(const bk_contract *c, int64_t size, int64_t entry, int64_t price,
                  int64_t *out);

/* Maintenance margin of a position at price (on entry for BK_MM_ENTRY), rounded up, under
 * the contract's margin multiplier. */
bk_rc bk_pos_mm(const bk_contract *c, const bk_pos *p, int64_t price, int64_t *out);

/* amount units of collateral asset `asset` at price × (1 − haircut) / unit of settle
 * asset settle, rounded down. */
bk_rc bk_acct_coll_value(const bk_menv *e, uint32_t settle, uint32_t asset, int64_t amount,
                         int64_t *out);

/* Cash plus other collateral at price × (1 − haircut) / unit of the settle asset, each
 * asset rounded down. */
bk_rc bk_acct_collateral(const bk_menv *e, const bk_account *a, int64_t *out);

/* Cross equity: collateral + unrealized PnL of the cross positions at mark. */
bk_rc bk_acct_equity(const bk_menv *e, const bk_account *a, int64_t *out);

/* Cross maintenance margin: the sum over cross positions at mark. */
bk_rc bk_acct_mm(const bk_menv *e, const bk_account *a, int64_t *out);

/* Equity of position i alone (isolated: margin + uPnL; cross: the account's equity). */
bk_rc bk_acct_pos_equity(const bk_menv *e, const bk_account *a, size_t i, int64_t *out);

/* Notional at mark of position i's margin unit: every cross position's for a cross one,
 * its own for an isolated one; each rounded up. */
bk_rc bk_acct_pos_unit_notional(const bk_menv *e, const bk_account *a, size_t i, int64_t *out);

/* Margin ratio mm / equity as a fraction e-8, rounded up; INT64_MAX when equity <= 0. */
int64_t bk_acct_ratio(int64_t mm, int64_t equity);

/* 1 when the account must be liquidated at the current marks: the cross pool has equity
 * below its maintenance margin (*which = -1), or an isolated position's margin + uPnL is
 * below its maintenance margin (*which = its index). 0 otherwise. which may be NULL. */
int bk_acct_liquidatable(const bk_menv *e, const bk_account *a, int *which);

/* Liquidation price of position i, every other position held at its mark: *exact rounded
 * to 1e-8 and *price rounded to the tick, both in the exchange's favour. The trigger is
 * mark <= price for a long and mark >= price for a short, so the two ends say "never" and
 * "always": a long gets 0 when no positive price triggers (fully collateralized) and
 * INT64_MAX when every price does; a short gets INT64_MAX when none does (an inverse short
 * whose coin loss is bounded) and 0 when every price does. Either output may be NULL.
 * BK_ERANGE on overflow. */
bk_rc bk_acct_liq_price(const bk_menv *e, const bk_account *a, size_t i, int64_t *exact,
                        int64_t *price);

/* Bankruptcy price of position i (where its equity is exactly zero), as bk_acct_liq_price. */
bk_rc bk_acct_bankrupt_price(const bk_menv *e, const bk_account *a, size_t i, int64_t *exact,
                             int64_t *price);

/* a × b / c rounded in direction r, exact through a 256-bit product (for prices whose
 * numerator does not fit 128 bits). BK_ERANGE when c is 0 or the result leaves int64. */
bk_rc bk_acct_muldiv_wide(bk_i128 a, bk_i128 b, bk_i128 c, bk_round r, int64_t *out);

#endif
