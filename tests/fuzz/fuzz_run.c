/*
 * Fuzz target: the whole job, `backstop run SCENARIO -o DIR` (cli/commands.h), on a fixed
 * ten-minute tape of one linear perpetual (trades, a book re-snapshotted every 30 s, a
 * ticker with a funding time, liquidation prints) laid out once in the scratch folder.
 * The input is the scenario and, after a NUL byte, an accounts file: every number in
 * them reaches the engine (sizes, prices, ticks, tiers, fees, leverage, depth points,
 * windows), so this is where arithmetic that could wrap is found. Every input must end
 * in exit 0 with a summary.csv, or in a data, input, config or memory error with a
 * message and no summary.csv. EX_SOFTWARE (a broken invariant, conservation among them)
 * is a finding; so is anything the sanitizers catch.
 *
 * Bounded work per input: see too_costly. With BK_FUZZ_SHOW set, each input's exit code
 * and message are printed, and its summary.csv (for triage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/commands.h"
#include "engine/clock.h"
#include "engine/fixed.h"
#include "tests/fuzz/fuzz.h"

#define T0 1760054400LL /* 2025-10-10T00:00:00Z */

/* Price of the tape at step i (one step is 2 s): flat, then a 20 % fall, then a rebound;
 * in cents. */
static long long cents_at(int i) {
  if (i < 100) return 2800000 + (i % 5) * 50;
  if (i < 200) return 2800000 - (long long)(i - 100) * 5600;
  return 2240000 + (long long)(i - 200) * 3600;
}

static void put(const char *dir, const char *name, const char *text) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  BK_FZ_CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
}

/* Writes the tape into dir. */
static void lay_out_tape(const char *dir) {
  size_t cap = 1 << 20, n = 0;
  char *b = malloc(cap);
  BK_FZ_CHECK(b != NULL, "no memory");
#define ADD(...) (n += (size_t)snprintf(b + n, cap - n, __VA_ARGS__))
  ADD("exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n");
  for (int i = 0; i < 300; i++) {
    long long ts = (T0 + 2 * i) * 1000000LL, c = cents_at(i);
    ADD("synthetic,SYNUSDT,%lld,%lld,%d,%s,%lld.%02lld,0.%03d\n", ts, ts + 1000, i,
        i >= 100 && i < 200 ? "sell" : "buy", c / 100, c % 100, 10 + (i * 37) % 490);
  }
  put(dir, "synthetic_trades_2025-10-10_SYNUSDT.csv", b);
  n = 0;
  ADD("exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n");
  for (int s = 0; s < 20; s++) {
    long long ts = (T0 + 30 * s) * 1000000LL, mid = cents_at(15 * s) / 50 * 50;
    for (int k = 1; k <= 20; k++) {
      long long ask = mid + 50 * k, bid = mid - 50 * k;
      ADD("synthetic,SYNUSDT,%lld,%lld,true,ask,%lld.%02lld,%d.%03d\n", ts, ts + 500, ask / 100,
          ask % 100, k % 3, (k * 211) % 1000);
      ADD("synthetic,SYNUSDT,%lld,%lld,true,bid,%lld.%02lld,%d.%03d\n", ts, ts + 500, bid / 100,
          bid % 100, k % 4, (k * 397) % 1000);
    }
  }
  put(dir, "synthetic_incremental_book_L2_2025-10-10_SYNUSDT.csv", b);
  n = 0;
  ADD("exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,"
      "predicted_funding_rate,open_interest,last_price,index_price,mark_price\n");
  for (int i = 0; i < 120; i++) {
    long long ts = (T0 + 5 * i) * 1000000LL, c = cents_at(5 * i / 2);
    ADD("synthetic,SYNUSDT,%lld,%lld,%lld,0.00010000,,5000.000,%lld.%02lld,%lld.%02lld,"
        "%lld.%02lld\n", ts, ts + 700, (T0 + 300) * 1000000LL, c / 100, c % 100, c / 100,
        c % 100, c / 100, c % 100);
  }
  put(dir, "synthetic_derivative_ticker_2025-10-10_SYNUSDT.csv", b);
  n = 0;
  ADD("exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n");
  for (int i = 0; i < 6; i++) {
    long long ts = (T0 + 220 + 30 * i) * 1000000LL, c = cents_at(110 + 15 * i);
    ADD("synthetic,SYNUSDT,%lld,%lld,L%d,sell,%lld.%02lld,%d.%03d\n", ts, ts + 300, i, c / 100,
        c % 100, 1 + i % 3, 125 * i);
  }
  put(dir, "synthetic_liquidations_2025-10-10_SYNUSDT.csv", b);
#undef ADD
  free(b);
}

/* A decimal or time string member of o's member obj (or of o when obj is NULL). */
static int member_value(const json_t *o, const char *obj, const char *key, int is_time,
                        int64_t *out) {
  const json_t *v = obj ? json_object_get(o, obj) : o;
  v = json_is_object(v) ? json_object_get(v, key) : NULL;
  if (!json_is_string(v)) return 0;
  const char *t = json_string_value(v);
  size_t n = json_string_length(v);
  return (is_time ? bk_time_parse(t, n, out) : bk_fx_parse(t, n, out, NULL)) == BK_OK;
}

/* Inputs whose cost grows with a number without reaching new code: a synthetic population
 * above 200 accounts per contract, report rows far outside the tape (a window more than
 * a day away from it, or an interval under a second). The run's own limits make them
 * end; here they would only end slowly. */
static int too_costly(const uint8_t *text, size_t n) {
  json_t *root = json_loadb((const char *)text, n, 0, NULL);
  if (!root) return 0;
  int64_t v, day = INT64_C(86400000000), t0 = T0 * INT64_C(1000000);
  int costly = (member_value(root, "window", "from", 1, &v) && v < t0 - day) ||
               (member_value(root, "window", "to", 1, &v) && v > t0 + day) ||
               (member_value(root, "report", "interval_s", 0, &v) && v < BK_FX(1));
  const json_t *pop = json_object_get(root, "population");
  for (size_t i = 0; !costly && pop && i < (json_is_array(pop) ? json_array_size(pop) : 1);
       i++) {
    const json_t *p = json_is_array(pop) ? json_array_get(pop, i) : pop;
    const json_t *k = json_is_object(p) ? json_object_get(p, "accounts_per_contract") : NULL;
    costly = json_is_integer(k) && json_integer_value(k) > 200;
  }
  json_decref(root);
  return costly;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 16384) return 0;
  static int ready;
  static char dir[512], out[600], summary[700], accounts[600];
  if (!ready) { /* the figures go nowhere: only the exit code, message and files matter */
    if (!freopen("/dev/null", "w", stdout)) return 0;
    snprintf(dir, sizeof dir, "%s", bk_fz_dir());
    lay_out_tape(dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(summary, sizeof summary, "%s/summary.csv", out);
    snprintf(accounts, sizeof accounts, "%s/accounts.json", dir);
    ready = 1;
  }
  const uint8_t *nul = memchr(data, 0, size);
  size_t scen_len = nul ? (size_t)(nul - data) : size;
  if (too_costly(data, scen_len)) return 0;
  const char *path = bk_fz_file("scenario.json", data, scen_len);
  FILE *f = fopen(accounts, "wb");
  BK_FZ_CHECK(f != NULL, "cannot write %s", accounts);
  if (nul) fwrite(nul + 1, 1, size - scen_len - 1, f);
  fclose(f);
  unlink(summary);
  char *argv[] = {"run", "--quiet", (char *)path, "-o", out, NULL};
  char msg[1024];
  int code = bk_fz_command(bk_cmd_run, 5, argv, msg, sizeof msg);
  struct stat st;
  int have_summary = stat(summary, &st) == 0;
  if (getenv("BK_FUZZ_SHOW")) { /* triage: what each input came to */
    fprintf(stderr, "exit %d\n%s", code, msg);
    FILE *sf = have_summary ? fopen(summary, "r") : NULL;
    int ch;
    while (sf && (ch = fgetc(sf)) != EOF) fputc(ch, stderr);
    if (sf) fclose(sf);
  }
  BK_FZ_CHECK(code == 0 || code == EX_DATAERR || code == EX_NOINPUT || code == EX_CONFIG ||
                  code == EX_OSERR,
              "exit %d: %s", code, msg);
  if (code == 0) BK_FZ_CHECK(have_summary, "exit 0 without summary.csv: %s", msg);
  else BK_FZ_CHECK(!have_summary && strstr(msg, "backstop run") != NULL,
                   "exit %d, summary.csv %s: %s", code, have_summary ? "written" : "absent",
                   msg);
  return 0;
}
