/*
 * The run folder: SHA-256 against the FIPS 180-2 vectors, RFC 4180 quoting of odd names,
 * and the writers on a small scripted simulation (three policies over a falling mark and
 * a thin book). The CSVs are read back with a slow, obvious RFC 4180 reader and checked
 * against the ledger: fund end - fund start = inflows - outflows, the liquidation rows'
 * fund deltas add up to the summary, the imbalance is 0; the same run written twice is
 * byte-identical, and a write or rename that fails at any point leaves no report under
 * its final name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cmd_chart.h"
#include "engine/fixed.h"
#include "engine/market.h"
#include "engine/replay.h"
#include "engine/sim.h"
#include "reports/csvfield.h"
#include "reports/outfile.h"
#include "reports/report.h"
#include "engine/sha256.h"
#include "tests/testutil.h"

/* ---- SHA-256 ---- */

static void hex_of(const void *p, size_t n, char hex[65]) { bk_sha256_of(p, n, hex); }

static void sha256_matches_the_fips_180_2_vectors(void **state) {
  (void)state;
  char hex[65];
  hex_of("abc", 3, hex);
  assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  hex_of(two, strlen(two), hex);
  assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  hex_of("", 0, hex);
  assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  /* one million 'a', fed in uneven pieces */
  char *a = malloc(1000000);
  assert_non_null(a);
  memset(a, 'a', 1000000);
  bk_sha256 c;
  unsigned char d[32];
  bk_sha256_init(&c);
  for (size_t at = 0, k = 1; at < 1000000; at += k, k = k * 7 % 1000 + 1)
    bk_sha256_update(&c, a + at, at + k > 1000000 ? 1000000 - at : k);
  bk_sha256_final(&c, d);
  bk_sha256_hex(d, hex);
  assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(a);
}

static void sha256_in_random_pieces_equals_one_call(void **state) {
  (void)state;
  uint64_t seed = bk_t_seed(), rs = seed;
  unsigned char buf[3000];
  for (int round = 0; round < 200; round++) {
    size_t n = (size_t)(bk_t_rand(&rs) % sizeof buf);
    for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)bk_t_rand(&rs);
    char one[65], pieces[65];
    hex_of(buf, n, one);
    bk_sha256 c;
    unsigned char d[32];
    bk_sha256_init(&c);
    for (size_t at = 0; at < n;) {
      size_t k = (size_t)(bk_t_rand(&rs) % 130);
      if (k > n - at) k = n - at;
      bk_sha256_update(&c, buf + at, k);
      at += k;
    }
    bk_sha256_final(&c, d);
    bk_sha256_hex(d, pieces);
    if (strcmp(one, pieces)) fail_msg("seed %llu round %d: %s != %s", (unsigned long long)seed,
                                      round, one, pieces);
  }
}

/* ---- a slow RFC 4180 reader ---- */

typedef struct table {
  size_t nrows, ncols;   /* rows include the header */
  char ***cell;          /* cell[row][col] */
} table;

static void table_free(table *t) {
  for (size_t r = 0; r < t->nrows; r++) {
    for (size_t c = 0; c < t->ncols; c++) free(t->cell[r][c]);
    free(t->cell[r]);
  }
  free(t->cell);
}

/* Reads a whole CSV; fails the test on a malformed file, a CR, or ragged rows. */
static table read_csv(const char *path) {
  size_t len;
  char *s = bk_t_slurp(path, &len);
  if (!s) fail_msg("%s: unreadable", path);
  table t = {0, 0, NULL};
  size_t i = 0, ncols = 0, cap = 0;
  char **row = NULL;
  size_t rn = 0;
  char *field = malloc(len + 1);
  while (i < len) {
    size_t fn = 0;
    if (s[i] == '"') {
      i++;
      for (;;) {
        if (i >= len) fail_msg("%s: unterminated quote", path);
        if (s[i] == '"') {
          if (i + 1 < len && s[i + 1] == '"') {
            field[fn++] = '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field[fn++] = s[i++];
      }
    } else {
      while (i < len && s[i] != ',' && s[i] != '\n') {
        if (s[i] == '\r' || s[i] == '"') fail_msg("%s: stray CR or quote at %zu", path, i);
        field[fn++] = s[i++];
      }
    }
    field[fn] = '\0';
    row = realloc(row, (rn + 1) * sizeof *row);
    row[rn++] = strdup(field);
    if (i < len && s[i] == ',') {
      i++;
      continue;
    }
    if (i >= len || s[i] != '\n') fail_msg("%s: row does not end in LF", path);
    i++;
    if (t.nrows == 0) ncols = rn;
    if (rn != ncols) fail_msg("%s: row %zu has %zu fields, header %zu", path, t.nrows, rn, ncols);
    if (t.nrows == cap) {
      cap = cap ? cap * 2 : 16;
      t.cell = realloc(t.cell, cap * sizeof *t.cell);
    }
    t.cell[t.nrows++] = row;
    row = NULL;
    rn = 0;
  }
  t.ncols = ncols;
  free(field);
  free(s);
  return t;
}

static int col(const table *t, const char *name) {
  for (size_t c = 0; c < t->ncols; c++)
    if (!strcmp(t->cell[0][c], name)) return (int)c;
  fail_msg("no column %s", name);
  return -1;
}

static int64_t num(const table *t, size_t row, const char *name) {
  return P(t->cell[row][col(t, name)]);
}

/* ---- a scripted simulation ---- */

#define T0 INT64_C(1760131260000000) /* 2025-10-10T21:21:00Z */
#define MIN INT64_C(60000000)

static const char *const ODD = "odd, \"quoted\" name";

typedef struct scripted {
  bk_instruments instr;
  bk_market *m;
  bk_replay *r;
  bk_sim *s;
  bk_contract c;
  bk_asset asset;
  uint32_t contract_of[1];
  bk_policy pol[3];
} scripted;

static void push(scripted *x, int kind, int side, int64_t ts, const char *price,
                 const char *qty, int flags) {
  bk_event ev;
  memset(&ev, 0, sizeof ev);
  ev.ts = ev.local_ts = ts;
  ev.kind = (uint8_t)kind;
  ev.side = (uint8_t)side;
  ev.flags = (uint8_t)flags;
  ev.price = P(price);
  ev.qty = qty ? P(qty) : 0;
  bk_rc rc = bk_replay_push(x->r, &ev);
  if (rc) fail_msg("push at %lld: %s %s", (long long)ts, bk_rc_name(rc), bk_sim_err(x->s)->msg);
}

/* A thin bid book below the mark: 3 contracts 1 below, 3 at 4 below, 6 at 15 below. */
static void book_under(scripted *x, int64_t ts, int mark) {
  char p[32];
  snprintf(p, sizeof p, "%d", mark - 1);
  push(x, BK_EV_SNAPSHOT, BK_BID, ts, p, "3", BK_EVF_RESET);
  snprintf(p, sizeof p, "%d", mark - 4);
  push(x, BK_EV_SNAPSHOT, BK_BID, ts, p, "3", 0);
  snprintf(p, sizeof p, "%d", mark - 15);
  push(x, BK_EV_SNAPSHOT, BK_BID, ts, p, "6", 0);
  snprintf(p, sizeof p, "%d", mark + 5);
  push(x, BK_EV_SNAPSHOT, BK_ASK, ts, p, "50", 0);
}

static void open_acct(scripted *x, const char *deposit, const char *size) {
  uint32_t id;
  bk_rc rc = bk_sim_open(x->s, 0, P(deposit), 0, P(size), P("1000"), &id);
  if (rc) fail_msg("open: %s", bk_sim_err(x->s)->msg);
}

/* Three policies over one falling market: a Binance-like fee penalty with takeover, a
 * higher penalty, and a remaining-margin policy that fills at any price and sends what
 * the book leaves to ADL, with a protocol-revenue share. */
/* The scripted run; flat: no accounts and no share of trading fees, so no fund moves. */
static scripted *scripted_run_as(int flat) {
  scripted *x = calloc(1, sizeof *x);
  bk_instruments_init(&x->instr);
  uint32_t id;
  assert_int_equal(bk_instr_intern(&x->instr, "testex", 6, "BTC-PERP", 8, &id), BK_OK);
  x->c.kind = BK_LINEAR;
  x->c.tick = P("1");
  x->c.contract_size = P("1");
  x->c.tiers.n = 1;
  x->c.tiers.v[0] = (bk_tier){0, P("0.01"), -1, BK_FX(100)};
  assert_int_equal(bk_tiers_finish(&x->c.tiers, NULL), BK_OK);
  strcpy(x->asset.name, "USDT");
  x->asset.price = BK_FX(1);
  for (int i = 0; i < 3; i++) {
    bk_policy_default(&x->pol[i]);
    bk_policy_set_fund(&x->pol[i], "", P("500"), NULL);
  }
  strcpy(x->pol[0].name, "binance-like");
  strcpy(x->pol[1].name, "high-penalty");
  x->pol[1].penalty = P("0.02");
  strcpy(x->pol[2].name, ODD);
  x->pol[2].penalty_mode = BK_PEN_REMAINING;
  x->pol[2].price_limit = BK_LIMIT_NONE;
  x->pol[2].remainder = BK_REM_WATERFALL;
  x->pol[2].fund_share = flat ? 0 : P("0.5");
  bk_policy_set_fund(&x->pol[2], "", P("20"), NULL);
  x->contract_of[0] = 0;
  bk_sim_config cfg;
  bk_t_sim_config(&cfg, x->pol, 3, &x->c, 1, &x->asset, 1, x->contract_of);
  cfg.from = T0 + MIN;
  cfg.to = INT64_MAX;
  cfg.sample_us = MIN;
  x->m = bk_market_new(&x->instr);
  x->r = bk_replay_new(x->m);
  assert_non_null(x->m);
  assert_non_null(x->r);
  bk_err err;
  if (bk_sim_new(&cfg, x->m, &x->s, &err)) fail_msg("sim: %s", err.msg);
  assert_int_equal(bk_sim_attach(x->s, x->r), BK_OK);
  book_under(x, T0, 1000);
  push(x, BK_EV_MARK, 0, T0, "1000", NULL, 0);
  push(x, BK_EV_TRADE, BK_BUY, T0 + 1, "1000", "1", 0);
  /* longs of 10x, 16x and 20x, and a short that profits from the fall */
  if (!flat) {
    open_acct(x, "1000", "10");
    open_acct(x, "600", "10");
    open_acct(x, "250", "5");
    open_acct(x, "400", "4");
    open_acct(x, "5000", "-29");
  }
  /* down 5 a minute to 880 and back up to 900 */
  for (int i = 0; i < 29; i++) {
    int mark = i <= 24 ? 995 - 5 * i : 880 + 5 * (i - 24);
    int64_t ts = T0 + MIN + (int64_t)i * MIN + 1000;
    char m[16];
    snprintf(m, sizeof m, "%d", mark);
    book_under(x, ts, mark);
    push(x, BK_EV_TRADE, BK_SELL, ts + 1, m, "3", 0);
    push(x, BK_EV_MARK, 0, ts + 2, m, NULL, 0);
  }
  assert_int_equal(bk_replay_finish(x->r), BK_OK);
  if (bk_sim_finish(x->s)) fail_msg("finish: %s", bk_sim_err(x->s)->msg);
  return x;
}

static scripted *scripted_run(void) { return scripted_run_as(0); }

static void scripted_free(scripted *x) {
  bk_sim_free(x->s);
  bk_replay_free(x->r);
  bk_market_free(x->m);
  bk_instruments_fini(&x->instr);
  free(x);
}

static char *ARGV[] = {"backstop", "run", "--seed", "7", "scenario, with comma.json"};

/* Writes the run folder of x into tmp/<name>; returns the result. */
static bk_rc write_run(scripted *x, const char *name, const bk_input_file *const *files,
                       size_t nfiles, bk_err *err) {
  char dir[512];
  bk_t_tmp(name, dir, sizeof dir);
  mkdir(dir, 0777);
  bk_report_ctx ctx = {.dir = dir,
                       .instruments = &x->instr,
                       .files = files,
                       .nfiles = nfiles,
                       .scenario = NULL,
                       .seed = 7,
                       .version = "0.1.0",
                       .argc = 5,
                       .argv = ARGV};
  bk_report_run run;
  assert_int_equal(bk_report_run_from_sim(x->s, &ctx, &run), BK_OK);
  bk_rc rc = bk_report_write(&run, err);
  bk_report_run_fini(&run);
  return rc;
}

static void path_in(const char *dir, const char *file, char *buf, size_t cap) {
  char d[512];
  bk_t_tmp(dir, d, sizeof d);
  snprintf(buf, cap, "%s/%s", d, file);
}

static table read_run(const char *dir, const char *file) {
  char p[1024];
  path_in(dir, file, p, sizeof p);
  return read_csv(p);
}

static void run_folder_holds_every_file_with_rows_for_every_record(void **state) {
  (void)state;
  scripted *x = scripted_run();
  bk_err e;
  bk_err_clear(&e);
  if (write_run(x, "run1", NULL, 0, &e)) fail_msg("write: %s", e.msg);
  for (size_t i = 0; bk_report_files[i]; i++) {
    char p[1024];
    struct stat st;
    path_in("run1", bk_report_files[i], p, sizeof p);
    if (stat(p, &st) != 0 || st.st_size == 0) fail_msg("%s missing or empty", p);
  }
  size_t nrecs = 0, nadl = 0, nsamples = 0;
  for (size_t p = 0; p < 3; p++) {
    nrecs += bk_sim_risk(x->s, p)->nrecs;
    nadl += bk_sim_risk(x->s, p)->nadl;
    size_t n;
    bk_sim_samples(x->s, p, 0, &n);
    nsamples += n;
  }
  assert_true(nrecs > 0); /* the script does liquidate */
  table liq = read_run("run1", "liquidations.csv");
  table adl = read_run("run1", "adl.csv");
  table fund = read_run("run1", "fund.csv");
  table sum = read_run("run1", "summary.csv");
  assert_int_equal(liq.nrows - 1, nrecs);
  assert_int_equal(adl.nrows - 1, nadl);
  assert_int_equal(fund.nrows - 1, nsamples);
  assert_int_equal(sum.nrows - 1, 3);
  /* the odd name survives quoting; the asset is a column of its own, not in the names */
  assert_string_equal(sum.cell[3][col(&sum, "policy")], ODD);
  assert_string_equal(sum.cell[3][col(&sum, "settle_asset")], "USDT");
  col(&sum, "fund_end");
  col(&fund, "fund_equity");
  /* times: ISO 8601 beside the raw µs, the first sample at the window's start */
  assert_string_equal(fund.cell[1][col(&fund, "time")], "2025-10-10T21:22:00.000000Z");
  assert_string_equal(fund.cell[1][col(&fund, "ts_us")], "1760131320000000");
  /* every liquidation row: the outcome is named and the mark is the script's */
  for (size_t r = 1; r < liq.nrows; r++) {
    const char *how = liq.cell[r][col(&liq, "outcome")];
    assert_true(!strcmp(how, "book") || !strcmp(how, "slice") || !strcmp(how, "takeover") ||
                !strcmp(how, "adl") || !strcmp(how, "socialized"));
    assert_true(num(&liq, r, "mark_price") <= P("990"));
    assert_string_equal(liq.cell[r][col(&liq, "instrument")], "BTC-PERP");
  }
  table_free(&liq);
  table_free(&adl);
  table_free(&fund);
  table_free(&sum);
  scripted_free(x);
}

static void summary_balances_with_the_ledger_and_the_liquidation_rows(void **state) {
  (void)state;
  scripted *x = scripted_run();
  bk_err e;
  if (write_run(x, "run2", NULL, 0, &e)) fail_msg("write: %s", e.msg);
  table liq = read_run("run2", "liquidations.csv");
  table sum = read_run("run2", "summary.csv");
  table fund = read_run("run2", "fund.csv");
  int64_t deficits = 0;
  for (size_t row = 1; row < sum.nrows; row++) {
    const char *name = sum.cell[row][col(&sum, "policy")];
    const bk_risk *r = bk_sim_risk(x->s, row - 1);
    assert_string_equal(name, r->pol.name);
    int64_t start = num(&sum, row, "fund_start"), cash = num(&sum, row, "fund_cash_end");
    int64_t in = num(&sum, row, "inflows"), out = num(&sum, row, "outflows");
    /* fund cash end - start = inflows - outflows; equity adds the inventory at mark */
    assert_true(cash - start == in - out);
    assert_true(num(&sum, row, "fund_end") ==
                cash + num(&sum, row, "inventory_pnl_end"));
    assert_true(start == r->pol.fund_initial[0].amount);
    /* the ledger's own figures, read here without the writer */
    assert_true(cash == bk_ledger_balance(&r->ledger, BK_PARTY_FUND, 0));
    assert_true(num(&sum, row, "in_liquidation_fee") ==
                r->ledger.fund_in[BK_CAUSE_LIQ_FEE][0]);
    assert_true(num(&sum, row, "out_deficit") == r->ledger.fund_out[BK_CAUSE_DEFICIT][0]);
    deficits += num(&sum, row, "out_deficit");
    /* imbalance 0, and the test's own sum over every party agrees */
    assert_true(num(&sum, row, "ledger_imbalance") == 0);
    int64_t total = 0;
    for (uint32_t p = 0; p < BK_PARTY_ACCT0; p++) total += bk_ledger_balance(&r->ledger, p, 0);
    for (uint32_t k = 0; k < r->nacct; k++)
      total += bk_ledger_balance(&r->ledger, BK_PARTY_ACCT0 + k, 0);
    assert_true(total == 0);
    /* the liquidation rows of this policy add up to the summary */
    int64_t fee = 0, spread = 0, deficit = 0, delta = 0;
    uint64_t n = 0;
    for (size_t l = 1; l < liq.nrows; l++) {
      if (strcmp(liq.cell[l][col(&liq, "policy")], name)) continue;
      n++;
      fee += num(&liq, l, "fund_fee");
      spread += num(&liq, l, "fund_spread");
      deficit += num(&liq, l, "fund_deficit");
      delta += num(&liq, l, "fund_delta");
      assert_true(num(&liq, l, "fund_delta") ==
                  num(&liq, l, "fund_fee") + num(&liq, l, "fund_spread") -
                      num(&liq, l, "fund_deficit") + num(&liq, l, "fund_other"));
    }
    assert_true((int64_t)n * BK_FX_SCALE == num(&sum, row, "liquidations"));
    assert_true(fee == num(&sum, row, "in_liquidation_fee"));
    assert_true(spread == num(&sum, row, "in_remaining_margin"));
    assert_true(deficit == num(&sum, row, "out_deficit"));
    assert_true(delta == num(&sum, row, "liq_fund_delta"));
    /* the fund path: the last sample is the end, the minimum and drawdown hold */
    int64_t last = 0, lo = start, peak = start, dd = 0;
    for (size_t f = 1; f < fund.nrows; f++) {
      if (strcmp(fund.cell[f][col(&fund, "policy")], name)) continue;
      last = num(&fund, f, "fund_equity");
      if (last < lo) lo = last;
      if (last > peak) peak = last;
      if (peak - last > dd) dd = peak - last;
      assert_true(num(&fund, f, "drawdown") == peak - last);
    }
    assert_true(last == num(&sum, row, "fund_end"));
    /* the extremes follow every event, so the samples can only be inside them */
    assert_true(num(&sum, row, "fund_min") <= lo);
    assert_true(num(&sum, row, "max_drawdown") >= dd);
    /* a policy that needed ADL or socialization had less than the smallest safe fund;
       one that needed neither had at least as much */
    int64_t safe = num(&sum, row, "safe_initial_fund");
    int needed = num(&sum, row, "adl_contracts") > 0 || num(&sum, row, "socialized") > 0;
    assert_true(needed ? safe > start : safe <= start);
  }
  /* a higher penalty never earns less in fees on the same population */
  assert_true(num(&sum, 2, "in_liquidation_fee") >= num(&sum, 1, "in_liquidation_fee"));
  (void)deficits;
  table_free(&liq);
  table_free(&sum);
  table_free(&fund);
  scripted_free(x);
}

static void the_same_run_written_twice_is_byte_identical(void **state) {
  (void)state;
  scripted *x = scripted_run(), *y = scripted_run();
  bk_err e;
  if (write_run(x, "twin_a", NULL, 0, &e) || write_run(y, "twin_b", NULL, 0, &e))
    fail_msg("write: %s", e.msg);
  for (size_t i = 0; bk_report_files[i]; i++) {
    char a[1024], b[1024];
    path_in("twin_a", bk_report_files[i], a, sizeof a);
    path_in("twin_b", bk_report_files[i], b, sizeof b);
    if (!bk_t_same_file(a, b)) fail_msg("%s differs between two identical runs", a);
  }
  scripted_free(x);
  scripted_free(y);
}

static void manifest_is_json_with_hashes_and_no_clock(void **state) {
  (void)state;
  scripted *x = scripted_run();
  char in[512];
  bk_t_write(bk_t_tmp("input_abc.csv", in, sizeof in), "abc", 3);
  bk_input_file f = {.path = in, .format = "trades", .codec = "plain", .rows = 1,
                     .events = 1, .first_ts = T0, .last_ts = T0 + 7 * MIN, .gaps = 1,
                     .longest_gap_us = 7 * MIN, .longest_gap_end = T0 + 7 * MIN};
  const bk_input_file *files[] = {&f};
  bk_err e;
  if (write_run(x, "man", files, 1, &e)) fail_msg("write: %s", e.msg);
  char p[1024];
  path_in("man", "manifest.json", p, sizeof p);
  json_error_t je;
  json_t *j = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
  if (!j) fail_msg("manifest: %s line %d", je.text, je.line);
  json_t *inputs = json_object_get(j, "inputs");
  assert_int_equal(json_array_size(inputs), 1);
  json_t *i0 = json_array_get(inputs, 0);
  assert_string_equal(json_string_value(json_object_get(i0, "sha256")),
                      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_int_equal(json_integer_value(json_object_get(i0, "bytes")), 3);
  assert_int_equal(json_integer_value(json_object_get(j, "seed")), 7);
  assert_string_equal(json_string_value(json_object_get(j, "backstop_version")), "0.1.0");
  json_t *argv = json_object_get(j, "command_line");
  assert_string_equal(json_string_value(json_array_get(argv, 4)), "scenario, with comma.json");
  json_t *pols = json_object_get(j, "policies");
  assert_string_equal(json_string_value(json_object_get(json_array_get(pols, 2), "name")), ODD);
  json_decref(j);
  /* quality.csv: the file row and the instrument row */
  table q = read_run("man", "quality.csv");
  assert_true(q.nrows == 3);
  assert_string_equal(q.cell[1][col(&q, "scope")], "file");
  assert_string_equal(q.cell[1][col(&q, "longest_gap_s")], "420.000000");
  assert_string_equal(q.cell[2][col(&q, "name")], "testex:BTC-PERP");
  assert_string_equal(q.cell[2][col(&q, "mark_source")], "data");
  assert_string_equal(q.cell[2][col(&q, "book_source")], "data");
  table_free(&q);
  scripted_free(x);
}

/* A reader read "ab", then the file grew to "abc" before the report was written: the
 * manifest must say what was read (the reader's digest and count), not what is there. */
static void manifest_records_inputs_as_they_were_read(void **state) {
  (void)state;
  scripted *x = scripted_run();
  char in[512];
  bk_t_write(bk_t_tmp("input_grew.csv", in, sizeof in), "abc", 3);
  static const char sha_ab[] = "fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603";
  bk_input_file f = {.path = in, .format = "trades", .codec = "plain", .rows = 1,
                     .events = 1, .first_ts = T0, .last_ts = T0, .sha256 = sha_ab,
                     .bytes_hashed = 2};
  const bk_input_file *files[] = {&f};
  bk_err e;
  if (write_run(x, "grew", files, 1, &e)) fail_msg("write: %s", e.msg);
  char p[1024];
  path_in("grew", "manifest.json", p, sizeof p);
  json_error_t je;
  json_t *j = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
  if (!j) fail_msg("manifest: %s line %d", je.text, je.line);
  json_t *i0 = json_array_get(json_object_get(j, "inputs"), 0);
  assert_string_equal(json_string_value(json_object_get(i0, "sha256")), sha_ab);
  assert_int_equal(json_integer_value(json_object_get(i0, "bytes")), 2);
  json_decref(j);
  scripted_free(x);
}

static void csv_fields_quote_commas_quotes_and_line_ends(void **state) {
  (void)state;
  char b[64];
  assert_int_equal(bk_csv_field("plain", b, sizeof b), 5);
  assert_string_equal(b, "plain");
  bk_csv_field("a,b", b, sizeof b);
  assert_string_equal(b, "\"a,b\"");
  bk_csv_field("say \"hi\"", b, sizeof b);
  assert_string_equal(b, "\"say \"\"hi\"\"\"");
  bk_csv_field("two\nlines\r", b, sizeof b);
  assert_string_equal(b, "\"two\nlines\r\"");
  /* the writers' quoting reads back through the reference reader (see the summary test);
     JSON escapes */
  bk_report_json_str("a\"b\\c\n", b, sizeof b);
  assert_string_equal(b, "\"a\\\"b\\\\c\\u000a\"");
}

static void slippage_is_signed_against_the_liquidated_side(void **state) {
  (void)state;
  bk_liq_rec r;
  memset(&r, 0, sizeof r);
  r.size = P("2");
  r.mark = P("1000");
  r.book_qty = P("2");
  r.avg_fill = P("990");
  assert_true(bk_report_slippage_bp(&r) == P("100")); /* a long sold 1 % below: 100 bp */
  r.avg_fill = P("1001");
  assert_true(bk_report_slippage_bp(&r) == P("-10"));
  r.size = P("-2");
  r.avg_fill = P("1000.5");
  assert_true(bk_report_slippage_bp(&r) == P("5")); /* a short bought 0.05 % above */
  r.book_qty = 0;
  assert_true(bk_report_slippage_bp(&r) == 0);
}

static void a_failed_write_leaves_no_report_under_its_final_name(void **state) {
  (void)state;
  scripted *x = scripted_run();
  bk_err e;
  bk_outfile_fail_after(0);
  if (write_run(x, "fail_ok", NULL, 0, &e)) fail_msg("write: %s", e.msg);
  unsigned long calls = bk_outfile_fail_after(0);
  assert_true(calls >= 8); /* at least one write and one rename per file */
  for (unsigned long n = 1; n <= calls; n++) {
    bk_outfile_fail_after(n);
    bk_err_clear(&e);
    bk_rc rc = write_run(x, "fail_ok", NULL, 0, &e);
    bk_outfile_fail_after(0);
    if (rc != BK_EWRITE) fail_msg("failing call %lu of %lu: got %s", n, calls, bk_rc_name(rc));
    assert_true(e.msg[0] != '\0');
    for (size_t i = 0; bk_report_files[i]; i++) {
      char p[1024];
      path_in("fail_ok", bk_report_files[i], p, sizeof p);
      if (access(p, F_OK) == 0) fail_msg("failing call %lu: %s left behind", n, p);
    }
  }
  /* and no temporary file either */
  char d[512], cmd[1100];
  bk_t_tmp("fail_ok", d, sizeof d);
  snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -q tmp", d);
  assert_true(system(cmd) != 0);
  scripted_free(x);
}

static void summary_table_fits_a_screen_and_names_every_policy(void **state) {
  (void)state;
  scripted *x = scripted_run();
  bk_report_ctx ctx = {.dir = ".", .instruments = &x->instr, .version = "0.1.0"};
  bk_report_run run;
  assert_int_equal(bk_report_run_from_sim(x->s, &ctx, &run), BK_OK);
  char p[512];
  FILE *f = fopen(bk_t_tmp("summary.txt", p, sizeof p), "w");
  bk_report_print_summary(f, &run);
  fclose(f);
  bk_report_run_fini(&run);
  char *s = bk_t_slurp(p, NULL);
  assert_non_null(s);
  int lines = 0;
  for (char *c = s; *c; c++) lines += *c == '\n';
  assert_true(lines >= 5 && lines <= 24);
  assert_non_null(strstr(s, "binance-like"));
  assert_non_null(strstr(s, "high-penalty"));
  assert_non_null(strstr(s, "USDT"));
  free(s);
  scripted_free(x);
}

static void chart_renders_with_gnuplot_and_says_how_to_install_it_without(void **state) {
  (void)state;
  scripted *x = scripted_run();
  bk_err e;
  if (write_run(x, "chart", NULL, 0, &e)) fail_msg("write: %s", e.msg);
  char d[512], png[1024];
  bk_t_tmp("chart", d, sizeof d);
  char *argv[] = {"chart", d, "--png", NULL};
  const char *path = getenv("PATH");
  char *saved = path ? strdup(path) : NULL;
  setenv("PATH", "/nonexistent-bin", 1);
  assert_int_equal(bk_cmd_chart(3, argv), 69);
  if (saved) setenv("PATH", saved, 1);
  free(saved);
  char *missing[] = {"chart", "/nonexistent-run", NULL};
  assert_int_equal(bk_cmd_chart(2, missing), 66);
  if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
    fprintf(stderr, "SKIP part: gnuplot not installed, rendering not tested\n");
  } else {
    assert_int_equal(bk_cmd_chart(3, argv), 0);
    const char *outs[] = {"fund_USDT.png", "flows_USDT.png"};
    for (int i = 0; i < 2; i++) {
      struct stat st;
      snprintf(png, sizeof png, "%s/%s", d, outs[i]);
      if (stat(png, &st) != 0 || st.st_size < 1000) fail_msg("%s not rendered", png);
    }
  }
  scripted_free(x);
}

static int have(const char *tools) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "for t in %s; do command -v $t >/dev/null || exit 1; done", tools);
  return system(cmd) == 0;
}

/* A run whose funds never move: gnuplot renders it without a word on standard error
 * (no empty-range warnings), and says on standard output what it wrote. */
static void flat_run_charts_without_gnuplot_warnings(void **state) {
  (void)state;
  if (!have("gnuplot")) {
    fprintf(stderr, "SKIP: gnuplot not installed\n");
    return;
  }
  scripted *x = scripted_run_as(1);
  bk_err e;
  if (write_run(x, "flat", NULL, 0, &e)) fail_msg("write: %s", e.msg);
  char d[512], out[600], err[600];
  bk_t_tmp("flat", d, sizeof d);
  snprintf(out, sizeof out, "%s.out", d);
  snprintf(err, sizeof err, "%s.err", d);
  const char *args[] = {"chart", d, NULL};
  assert_int_equal(bk_t_run(out, err, args), 0);
  size_t n = 1;
  char *msg = bk_t_slurp(err, &n);
  if (n) fail_msg("gnuplot wrote on standard error: %s", msg);
  free(msg);
  char *said = bk_t_slurp(out, NULL);
  assert_non_null(strstr(said, "wrote fund_USDT.png"));
  assert_non_null(strstr(said, "wrote flows_USDT.png"));
  free(said);
  scripted_free(x);
}

/* Replaces the first occurrence of from in the file at path by to. */
static void replace_in(const char *path, const char *from, const char *to) {
  char *m = bk_t_slurp(path, NULL);
  assert_non_null(m);
  char *at = strstr(m, from);
  assert_non_null(at);
  size_t len = strlen(m), tl = strlen(to), fl = strlen(from);
  char *m2 = malloc(len + tl + 1);
  memcpy(m2, m, (size_t)(at - m));
  memcpy(m2 + (at - m), to, tl);
  strcpy(m2 + (at - m) + tl, at + fl);
  bk_t_write(path, m2, strlen(m2));
  free(m);
  free(m2);
}

/* The PDF brief of the scripted run, read back with pdftotext: the question, the
 * policies, the initial funds the test set (500 and 20 USDT), the chart pages, and a
 * policy name that is a groff request with an escape, shown as text, never obeyed. */
static void pdf_brief_holds_the_question_policies_and_figures(void **state) {
  (void)state;
  if (!have("gnuplot groff pdfunite pdftotext pdftoppm")) {
    fprintf(stderr, "SKIP: gnuplot, groff or poppler-utils not installed\n");
    return;
  }
  scripted *x = scripted_run();
  bk_err e;
  if (write_run(x, "pdf", NULL, 0, &e)) fail_msg("write: %s", e.msg);
  char d[512], path[700], cmd[2200];
  bk_t_tmp("pdf", d, sizeof d);
  /* as a folder written elsewhere could name it: a request and an escape */
  snprintf(path, sizeof path, "%s/manifest.json", d);
  replace_in(path, "\"high-penalty\"", "\".sy touch pwned \\\\fBx\"");
  const char *args[] = {"report", d, "--pdf", NULL};
  assert_int_equal(bk_t_run(NULL, NULL, args), 0);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && pdftotext -layout brief.pdf brief.txt && "
           "pdftoppm -r 30 -png -f 1 -l 1 brief.pdf page && test -s page-1.png",
           d);
  assert_int_equal(system(cmd), 0);
  snprintf(path, sizeof path, "%s/brief.txt", d);
  char *t = bk_t_slurp(path, NULL);
  assert_non_null(t);
  assert_non_null(strstr(t, "How would the insurance fund have fared"));
  assert_non_null(strstr(t, "binance-like"));
  assert_non_null(strstr(t, "odd, \"quoted\" name"));
  assert_non_null(strstr(t, ".sy touch pwned \\fBx"));
  assert_non_null(strstr(t, "500.00"));
  assert_non_null(strstr(t, "20.00"));
  assert_non_null(strstr(t, "The manifest"));
  assert_non_null(strstr(t, "Insurance fund by policy (USDT)")); /* a chart page */
  free(t);
  snprintf(path, sizeof path, "%s/pwned", d);
  assert_int_equal(access(path, F_OK), -1);
  scripted_free(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sha256_matches_the_fips_180_2_vectors),
      cmocka_unit_test(sha256_in_random_pieces_equals_one_call),
      cmocka_unit_test(csv_fields_quote_commas_quotes_and_line_ends),
      cmocka_unit_test(slippage_is_signed_against_the_liquidated_side),
      cmocka_unit_test(run_folder_holds_every_file_with_rows_for_every_record),
      cmocka_unit_test(summary_balances_with_the_ledger_and_the_liquidation_rows),
      cmocka_unit_test(the_same_run_written_twice_is_byte_identical),
      cmocka_unit_test(manifest_is_json_with_hashes_and_no_clock),
      cmocka_unit_test(manifest_records_inputs_as_they_were_read),
      cmocka_unit_test(a_failed_write_leaves_no_report_under_its_final_name),
      cmocka_unit_test(summary_table_fits_a_screen_and_names_every_policy),
      cmocka_unit_test(chart_renders_with_gnuplot_and_says_how_to_install_it_without),
      cmocka_unit_test(flat_run_charts_without_gnuplot_warnings),
      cmocka_unit_test(pdf_brief_holds_the_question_policies_and_figures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
