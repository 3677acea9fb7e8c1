/*
 * The double-entry ledger of one policy's run: every movement of money between two
 * parties, in one asset, with its cause. Parties are the outside world (deposits), the
 * insurance fund, the fee pool, the market (the replayed book as counterparty), the
 * socialized-loss sink, the reinsurance layer, and every account.
 *
 * The ledger keeps each party's running balance, so the holders of money (account cash,
 * fund cash) can be checked against it after every event (bk_risk_check), and the
 * inflows and outflows by cause of the fund and of the socialized-loss sink for reports.
 * Memory is constant in the number of postings: entries themselves are kept only when a
 * test asks (keep = 1); a run keeps running totals only.
 *
 * Ownership: caller storage (_init/_fini); the ledger owns its arrays.
 */
#ifndef BK_LEDGER_H
#define BK_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

#define BK_LEDGER_ASSETS 8 /* settle assets a run may use */

/* Parties: the fixed ones, then account k is BK_PARTY_ACCT0 + k. */
enum {
  BK_PARTY_EXTERNAL = 0, /* deposits and withdrawals: where initial balances come from */
  BK_PARTY_FUND = 1,     /* the insurance fund */
  BK_PARTY_FEES = 2,     /* the fee pool (the venue's share of fees) */
  BK_PARTY_MARKET = 3,   /* the replayed market as counterparty of every trade */
  BK_PARTY_SOCIAL = 4,   /* the socialized-loss sink: negative = loss nobody paid */
  BK_PARTY_REINS = 5,    /* the reinsurance layer the funds pay premiums into */
  BK_PARTY_ACCT0 = 6
};

typedef enum bk_cause {
  BK_CAUSE_DEPOSIT = 0,      /* initial balances, and withdrawals of accounts that leave */
  BK_CAUSE_PNL,              /* realized PnL of a close against the market */
  BK_CAUSE_LIQ_FEE,          /* liquidation penalty charged as a fee */
  BK_CAUSE_SPREAD,           /* remaining margin: what a closed-out account had left */
  BK_CAUSE_PROTOCOL_REVENUE, /* the fund's share of trading fees on replayed volume */
  BK_CAUSE_DEFICIT,          /* the fund pays a bankrupt account's negative balance */
  BK_CAUSE_TAKEOVER,         /* the fund takes a position over at the bankruptcy price */
  BK_CAUSE_ADL,              /* realized PnL of an auto-deleveraging close */
  BK_CAUSE_SOCIALIZED,       /* a share of a loss spread over accounts */
  BK_CAUSE_FUNDING,          /* funding payments */
  BK_CAUSE_OFFLOAD,          /* realized PnL of the fund's inventory sold into the book */
  BK_CAUSE_UNCOVERED,        /* a deficit neither the fund nor socialization paid: the
                                sink pays it and stays negative (a loss nobody bore) */
  BK_CAUSE_BROKEN,           /* only for tests that break conservation on purpose */
  BK_CAUSE_CONVERT,          /* a shared fund's (or the reinsurer's) cash of one asset
                                exchanged with the market for another at replayed prices */
  BK_CAUSE_PREMIUM,          /* a fund's premium to the reinsurance layer */
  BK_CAUSE_CLAIM,            /* the reinsurance layer tops a fund up */
  BK_CAUSE_SPREAD_CAPTURE,   /* the fund's share of what the venue, as counterparty of a
                                trade or a liquidation fill, made against the index (signed:
                                a fill on the wrong side of the index is a loss) */
  BK_CAUSE_COLLATERAL_SALE   /* a closed pool's other collateral sold to the market at its
                                replayed price less the haircut (engine/collateral.h) */
} bk_cause;
#define BK_CAUSES 18

/* Short name of a cause ("liquidation_fee", ...), used as a report column stem. */
const char *bk_cause_name(int cause);

typedef struct bk_entry {
  int64_t ts;      /* µs, the event's time */
  uint64_t event;  /* index of the event that caused it */
  uint32_t from;   /* party paying */
  uint32_t to;     /* party receiving */
  uint32_t asset;  /* settle asset index, < BK_LEDGER_ASSETS */
  uint32_t cause;  /* bk_cause */
  int64_t amount;  /* > 0, asset units e-8 */
} bk_entry;

typedef struct bk_ledger {
  int64_t fixed[BK_PARTY_ACCT0][BK_LEDGER_ASSETS]; /* balances of the fixed parties */
  int64_t *acct;     /* acct[k]: balance of account k (in its settle asset) */
  size_t nacct;
  int64_t fund_in[BK_CAUSES][BK_LEDGER_ASSETS];  /* cumulative inflows to the fund */
  int64_t fund_out[BK_CAUSES][BK_LEDGER_ASSETS]; /* cumulative outflows from the fund */
  int64_t sink_in[BK_CAUSES][BK_LEDGER_ASSETS];  /* cumulative inflows to the sink */
  int64_t sink_out[BK_CAUSES][BK_LEDGER_ASSETS]; /* cumulative outflows from the sink */
  uint64_t postings; /* number of postings made */
  int keep;          /* 1: keep entries in v */
  bk_entry *v;
  size_t n, cap;
  int64_t ts;        /* time and event index stamped on the next postings */
  uint64_t event;
  bk_err err;
} bk_ledger;

/* keep: 1 to keep every entry (tests, liquidation reports), 0 for balances only. */
void bk_ledger_init(bk_ledger *l, int keep);
void bk_ledger_fini(bk_ledger *l);

/* Makes room for accounts 0..n-1 (balances start at 0). BK_ENOMEM leaves l unchanged. */
bk_rc bk_ledger_reserve(bk_ledger *l, size_t n);

/* Sets the time and event index stamped on the postings that follow. */
void bk_ledger_stamp(bk_ledger *l, int64_t ts, uint64_t event);

/* Moves amount (>= 0; 0 posts nothing) of asset from one party to another. BK_ERANGE on
 * a balance overflow, BK_ENOMEM when an entry cannot be kept, BK_EDATA for an unknown
 * party or asset; the ledger is unchanged on error (detail in l->err). */
bk_rc bk_ledger_post(bk_ledger *l, uint32_t from, uint32_t to, uint32_t asset, int cause,
                     int64_t amount);

/* Balance of a party in an asset (accounts: their one settle asset, asset ignored). */
int64_t bk_ledger_balance(const bk_ledger *l, uint32_t party, uint32_t asset);


#endif
