/*
 * Conservation of one policy's risk state (DESIGN §8): every account's money equals its
 * ledger balance, the ledger of each asset sums to zero, the fund's cash equals its ledger
 * balance, and long open interest equals short across accounts, fund and market. The
 * public full check is bk_risk_check; the per-event check looks only at the
 * accounts an event touched and at running totals, so it costs what the event did.
 * bk_cons_touched is internal to engine/.
 */
#ifndef BK_CONSERVATION_H
#define BK_CONSERVATION_H

#include "engine/risk_state.h"

/* The per-event check over the accounts in r->dirty and the running totals; does not
 * clear the list. BK_EINVARIANT with the event index and what broke in r->err. */
bk_rc bk_cons_touched(bk_risk *r);

/* Conservation, in full: every account's money against the ledger, the ledger's sum per
 * asset, the fund's cash, and long = short open interest across accounts, fund and
 * market. BK_EINVARIANT with the event index and what broke in r->err. With `check` 1,
 * each event verifies the same rules for the accounts it touched, against the running
 * totals the money and position primitives keep, and the full recount runs every
 * BK_RISK_FULL_CHECK events (so a change that bypassed the primitives is found within
 * that many events); with `check` 2 the full recount runs after every event. */
bk_rc bk_risk_check(bk_risk *r);
#define BK_RISK_FULL_CHECK 4096

#endif
