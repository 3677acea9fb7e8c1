/*
 * Conservation of one policy's risk state (DESIGN §8): every account's money equals its
 * ledger balance, the ledger of each asset sums to zero, the fund's cash equals its ledger
 * balance, and long open interest equals short across accounts, fund and market. The
 * public full check is bk_risk_check (risk.h); the per-event check looks only at the
 * accounts an event touched and at running totals, so it costs what the event did.
 * Internal to engine/.
 */
#ifndef BK_CONSERVATION_H
#define BK_CONSERVATION_H

#include "engine/risk.h"

/* The per-event check over the accounts in r->dirty and the running totals; does not
 * clear the list. BK_EINVARIANT with the event index and what broke in r->err. */
bk_rc bk_cons_touched(bk_risk *r);

#endif
