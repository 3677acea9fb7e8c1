/*
 * The insurance fund's offload strategy (DESIGN §8): how the inventory the fund took over
 * is sold back into the market. The policy chooses hold, immediate (everything the book
 * takes at each mark) or gradual (a share of the inventory per mark).
 * Internal to engine/: called by the risk state once per mark of a contract.
 */
#ifndef BK_OFFLOAD_H
#define BK_OFFLOAD_H

#include <stdint.h>

#include "engine/book.h"
#include "engine/risk_state.h"

/* Sells the policy's share of the fund's inventory of a contract into book (NULL: no
 * book, nothing sold). */
bk_rc bk_offload_step(bk_risk *r, uint32_t contract, const bk_book *book);

#endif
