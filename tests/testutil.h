/*
 * Helpers every test program shares: where the real data and the built command are,
 * a scratch folder per test program, running the command and capturing its output,
 * and reading whole files. Include after <cmocka.h>'s required headers.
 */
#ifndef BK_TESTUTIL_H
#define BK_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/event.h"
#include "engine/sim.h"

/* Real data. Tests that read the shared real-data folder ($BK_SHARED_DATA, else the
 * folder the build was configured with) run in a group of their own, so that their
 * absence is reported as such: a program holding only such tests calls bk_t_need_data()
 * first in main; a program that mixes them with others runs them when given --data
 * (bk_t_data_mode), which CMake registers as the test <program>_data. When the data is
 * absent, that group prints why and exits 77, which ctest lists as skipped, not passed;
 * with BK_REQUIRE_DATA=1 (CI, which has the data) it exits 1 instead: a data test that
 * cannot run there is a failure. */

/* Exits 77 (or 1 under BK_REQUIRE_DATA=1) when rel, a file or folder of the shared data
 * ("" for the folder itself), is absent, and enters the data group: bk_t_data() may be
 * called from then on. */
void bk_t_need_data(const char *rel);

/* 1 when argv holds --data: bk_t_need_data("") has been called and the program should
 * run its data group. 0 otherwise. */
int bk_t_data_mode(int argc, char **argv);

/* The exit status of a data group from cmocka's result: the failures when some test
 * failed, else 77 when a test skipped because a file of the data was absent (1 under
 * BK_REQUIRE_DATA=1, where bk_t_data fails the test instead), else 0. */
int bk_t_data_exit(int failed);

/* Path of a file under the shared real-data folder, written into buf. Only in the data
 * group (a call outside it fails the test, so no data test hides among the others).
 * When that file is absent, prints "SKIP: <why>" and makes cmocka skip the test, or
 * fails it under BK_REQUIRE_DATA=1. */
const char *bk_t_data(const char *rel, char *buf, size_t cap);

/* A scratch folder for this test program (created on first use), and a path in it. */
const char *bk_t_tmp(const char *name, char *buf, size_t cap);

/* Runs the backstop command with the given arguments (NULL-terminated), stdout to
 * out_path and stderr to err_path (either may be NULL for /dev/null). Returns the exit
 * status, or -1 if it did not exit normally. */
int bk_t_run(const char *out_path, const char *err_path, const char *const *args);

/* Reads a whole file into a NUL-terminated malloc'd buffer; NULL when unreadable. */
char *bk_t_slurp(const char *path, size_t *len);

/* Writes len bytes to path (creating or truncating it); fails the test on error. */
void bk_t_write(const char *path, const void *data, size_t len);

/* 1 when the two files exist and are byte-identical. */
int bk_t_same_file(const char *a, const char *b);

/* Seed for randomized tests: BK_SEED from the environment, else a fixed default. Printed. */
uint64_t bk_t_seed(void);

/* Seed for randomized tests that should see new cases each run: BK_SEED, else the time.
 * Printed. */
uint64_t bk_t_seed_fresh(void);

/* splitmix64: a small, well-mixed generator for tests. */
uint64_t bk_t_rand(uint64_t *state);

/* Fixed point from decimal text (bk_fx_parse); fails the test when the text is not a
 * number. Tests write it P("28155.1"). */
int64_t bk_t_fx(const char *s);
#define P(s) bk_t_fx(s)

/* A market event for scripted tests: kind, instrument, exchange time (local time the
 * same), side, price and quantity as decimal text (NULL for 0). */
bk_event bk_t_ev(int kind, uint32_t instr, int64_t ts, int side, const char *price,
                 const char *qty);

/* A snapshot row; reset != 0 marks the first row of a snapshot (BK_EVF_RESET). */
bk_event bk_t_snap(uint32_t instr, int64_t ts, int side, const char *price, const char *qty,
                   int reset);

/* A CSV file of our own reports, cut into cells (no quoted fields with commas in the
 * columns read). Row 0 is the header. */
typedef struct bk_t_table {
  char *text;
  char **cell; /* rows × cols */
  size_t rows, cols;
} bk_t_table;

/* Loads path (fails the test when unreadable or ragged). */
void bk_t_table_load(const char *path, bk_t_table *t);
void bk_t_table_free(bk_t_table *t);

/* The cell of column `col` (by header name) in row `row`; fails the test without it. */
const char *bk_t_cell(const bk_t_table *t, size_t row, const char *col);

/* The same cell as fixed point (bk_fx_parse); fails the test when it is not a number. */
int64_t bk_t_num(const bk_t_table *t, size_t row, const char *col);

/* Fails the test unless every column of t's header has a row ("| `name` |") in the
 * table of docs/reports.md's section "## <file>". */
void bk_t_documented(const bk_t_table *t, const char *file);

/* A contract with one maintenance tier of rate mmr (no amount, no leverage cap) settling in
 * asset settle; fails the test when the table is refused. */
bk_contract bk_t_contract(int kind, uint32_t settle, const char *tick, const char *size,
                          const char *mmr);

/* A simulation's configuration with the defaults of bk_sim_config_init and the given
 * policies, contracts and settle assets; instrument i is contract contract_of[i] for the
 * ncontracts instruments. The arrays are borrowed. */
void bk_t_sim_config(bk_sim_config *c, const bk_policy *pol, size_t npol,
                     const bk_contract *k, size_t nk, const bk_asset *a, size_t na,
                     const uint32_t *contract_of);

#endif
