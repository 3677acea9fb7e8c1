/*
 * The contracts of a run: which instruments of the data are simulated, and their specs.
 * A quick look at the first rows of every input file finds the instruments (in a fixed
 * order: files in the order given, instruments in order of appearance) and the price
 * grid of each (the greatest common divisor of the prices seen); the scenario's
 * "instruments" section gives a spec, else the venue conventions (config/venues.h) and
 * default tiers do, and each choice is written down as a line of text for the run to print.
 */
#ifndef BK_SPECS_H
#define BK_SPECS_H

#include <stddef.h>
#include <stdint.h>

#include "config/scenario.h"
#include "engine/account.h"
#include "engine/instrument.h"
#include "feeds/feed.h"

#define BK_SPECS_SCAN_EVENTS 20000 /* events looked at per file */

typedef struct bk_specs {
  bk_contract *contracts;   /* ncontracts */
  size_t ncontracts;
  uint32_t *contract_of;    /* [instrument id] -> contract or BK_SIM_NONE */
  size_t ninstruments;
  uint32_t *instr_of;       /* [contract] -> instrument id */
  bk_asset assets[BK_LEDGER_ASSETS]; /* settle assets, price 1, no haircut */
  size_t nassets;
  uint32_t depth_ref;       /* instrument id of the scenario's depth reference, or BK_SIM_NONE */
  char **why;               /* [contract]: how its spec was chosen */
} bk_specs;

/* Finds the instruments of the scenario's data, interning them into instr (in a fixed
 * order, so that the replay that follows gives them the same ids), and chooses specs.
 * Errors (unreadable data, more settle assets than a run can hold, a scenario instrument
 * the data does not have) in err. specs needs bk_specs_fini either way. */
bk_rc bk_specs_infer(const bk_scenario *sc, const bk_feed_opts *fo, bk_instruments *instr,
                     bk_specs *specs, bk_err *err);

void bk_specs_fini(bk_specs *specs);

#endif
