/*
 * The contracts of a run: which instruments of the data are simulated, and their specs.
 * A look ahead at the first events of every input file (feeds/lookahead.h: the files are
 * opened once, by the run's merge, and the replay then gets those events from the feeds;
 * or an event cache gives back the events it recorded) finds the instruments (in a fixed order: files in the order given, instruments in
 * order of appearance) and the price grid of each (the greatest common divisor of the
 * prices seen); the scenario's
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
#include "feeds/lookahead.h"

/* Events looked at per file, held in memory until the replay takes them: 64 bytes each
 * with their line, about 1.3 MB a file. */
#define BK_SPECS_SCAN_EVENTS 20000

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

/* Finds the instruments of the scenario's data, looked at through la (a merge not yet
 * started, bk_merge_lookahead, whose feeds intern into instr in a fixed order and keep
 * the events looked at for the replay; or an event cache), and chooses specs. Errors (unreadable data, more
 * settle assets than a run can hold, a scenario instrument the data does not have) in
 * err. specs needs bk_specs_fini either way. */
bk_rc bk_specs_infer(const bk_scenario *sc, const bk_lookahead *la, bk_instruments *instr,
                     bk_specs *specs, bk_err *err);

void bk_specs_fini(bk_specs *specs);

#endif
