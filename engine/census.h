/*
 * The population in numbers, for reports: how many accounts one settle asset has, the
 * open interest they hold (long and short notional at the mark, settle units), and how
 * their leverage is spread, with the equity and maintenance margin behind each bucket.
 *
 * Leverage of an account is its cross positions' gross notional at the mark over its
 * cross equity. Buckets are whole leverages lo < leverage <= hi, compared exactly
 * (notional <= hi × equity in 128 bits): (0, 1], (1, 2], (2, 5], (5, 10], (10, 20],
 * (20, 50], (50, 100], and above 100, where an account with a position and no equity
 * (<= 0) also goes. Bucket 0 holds the accounts without a position.
 *
 * Open interest at a sample comes from the risk state's running long and net totals per
 * contract (a sample costs the contracts, not the holders), each side's contracts in all
 * at the mark, rounded up once per contract; the leverage buckets sum each position's
 * notional, rounded up per position. A notional past int64 is capped at INT64_MAX, as is
 * a side whose contract has no mark yet.
 */
#ifndef BK_CENSUS_H
#define BK_CENSUS_H

#include <stdint.h>

#include "engine/error.h"
#include "engine/risk.h"

#define BK_LEV_BUCKETS 9

/* Upper leverage of bucket i, whole (0 for bucket 0 and for the open last bucket). */
extern const int64_t bk_lev_bucket_top[BK_LEV_BUCKETS];

typedef struct bk_lev_bucket {
  uint64_t accounts;
  int64_t equity;           /* sum of the accounts' cross equity at mark, settle units */
  int64_t mm;               /* sum of their cross maintenance margin */
  int64_t oi_long, oi_short; /* notional of their long and short positions at mark */
} bk_lev_bucket;

typedef struct bk_census {
  uint64_t accounts;
  int64_t oi_long, oi_short;
  bk_lev_bucket lev[BK_LEV_BUCKETS];
} bk_census;

/* Long and short open interest in asset: for each contract settling in it, the accounts'
 * long (short) contracts in all at its mark, rounded up once per contract; from running
 * totals, without a pass over the holders. */
void bk_census_oi(const bk_risk *r, uint32_t asset, int64_t *oi_long, int64_t *oi_short);

/* The census of asset in r's accounts now: counts, open interest, leverage buckets.
 * BK_ERANGE when an account's equity or margin, or a bucket's sum, overflows. */
bk_rc bk_census_take(const bk_risk *r, uint32_t asset, bk_census *c);

/* An open interest as a venue counts it (inverse: contracts; linear: base units) in the
 * contract's own units, rounded down. */
bk_rc bk_oi_contracts(const bk_contract *c, int64_t oi, int64_t *contracts);

#endif
