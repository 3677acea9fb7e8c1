/*
 * Test helpers (see testutil.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/testutil.h"

#include "engine/fixed.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *dflt) {
  const char *v = getenv(name);
  return (v && *v) ? v : dflt;
}

/* The data folder the build was configured with (tests/CMakeLists.txt); the environment's
 * BK_SHARED_DATA wins, so one build can be run without its data or against another copy. */
#ifndef BK_T_SHARED_DATA
#define BK_T_SHARED_DATA "../shared/data"
#endif

static int in_data_group; /* bk_t_need_data() was called */
static int data_skipped;  /* a test of the data group skipped for a missing file */

static const char *data_root(void) { return env_or("BK_SHARED_DATA", BK_T_SHARED_DATA); }

static int data_required(void) {
  const char *v = getenv("BK_REQUIRE_DATA");
  return v && *v && strcmp(v, "0") != 0;
}

void bk_t_need_data(const char *rel) {
  char path[4096];
  snprintf(path, sizeof path, "%s%s%s", data_root(), *rel ? "/" : "", rel);
  struct stat st;
  if (stat(path, &st) != 0) {
    if (data_required()) {
      printf("FAIL: real data %s is absent and BK_REQUIRE_DATA is set\n", path);
      exit(1);
    }
    printf("SKIP: real data %s is absent (set BK_SHARED_DATA to the shared data folder)\n",
           path);
    exit(77);
  }
  in_data_group = 1;
}

int bk_t_data_mode(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--data")) {
      bk_t_need_data("");
      return 1;
    }
  return 0;
}

int bk_t_data_exit(int failed) {
  if (failed) return failed;
  return data_skipped ? 77 : 0;
}

const char *bk_t_data(const char *rel, char *buf, size_t cap) {
  if (!in_data_group)
    fail_msg("bk_t_data(\"%s\") outside the data group: run this test from main's data "
             "group (bk_t_need_data / bk_t_data_mode)", rel);
  snprintf(buf, cap, "%s/%s", data_root(), rel);
  struct stat st;
  if (stat(buf, &st) != 0) {
    if (data_required()) fail_msg("real data %s is absent and BK_REQUIRE_DATA is set", buf);
    printf("SKIP: real data %s is absent (set BK_SHARED_DATA to the shared data folder)\n",
           buf);
    data_skipped = 1;
    skip();
  }
  return buf;
}

const char *bk_t_tmp(const char *name, char *buf, size_t cap) {
  const char *root = env_or("BK_TMPDIR", "/tmp/backstop-tests");
  mkdir(root, 0777);
  snprintf(buf, cap, "%s/%s", root, name);
  return buf;
}

int bk_t_run(const char *out_path, const char *err_path, const char *const *args) {
  const char *exe = env_or("BK_BACKSTOP", "backstop");
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int o = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int e = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (o < 0 || e < 0) _exit(127);
    dup2(o, 1);
    dup2(e, 2);
    size_t n = 0;
    while (args[n]) n++;
    char **argv = calloc(n + 2, sizeof *argv);
    if (!argv) _exit(127);
    argv[0] = (char *)exe;
    for (size_t i = 0; i < n; i++) argv[i + 1] = (char *)args[i];
    execv(exe, argv);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *bk_t_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t n = 0, cap = 4096;
  char *text = malloc(cap);
  while (text) {
    n += fread(text + n, 1, cap - 1 - n, f);
    if (n < cap - 1) break;
    char *bigger = realloc(text, cap *= 2);
    if (!bigger) free(text);
    text = bigger;
  }
  int bad = ferror(f);
  fclose(f);
  if (!text || bad) {
    free(text);
    return NULL;
  }
  text[n] = '\0';
  if (len) *len = n;
  return text;
}

void bk_t_write(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

int bk_t_same_file(const char *a, const char *b) {
  size_t na, nb;
  char *x = bk_t_slurp(a, &na), *y = bk_t_slurp(b, &nb);
  int same = x && y && na == nb && memcmp(x, y, na) == 0;
  free(x);
  free(y);
  return same;
}

/* BK_SEED, else dflt; printed so that a failing run can be repeated. */
static uint64_t seed_or(uint64_t dflt) {
  const char *s = getenv("BK_SEED");
  uint64_t seed = s ? strtoull(s, NULL, 0) : dflt;
  printf("seed %llu (set BK_SEED to repeat another)\n", (unsigned long long)seed);
  return seed;
}

uint64_t bk_t_seed(void) { return seed_or(UINT64_C(20251010)); }

uint64_t bk_t_seed_fresh(void) { return seed_or((uint64_t)time(NULL)); }

uint64_t bk_t_rand(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

void bk_t_table_load(const char *path, bk_t_table *t) {
  memset(t, 0, sizeof *t);
  t->text = bk_t_slurp(path, NULL);
  if (!t->text) fail_msg("cannot read %s", path);
  size_t cap = 1024, n = 0;
  t->cell = malloc(cap * sizeof *t->cell);
  assert_non_null(t->cell);
  char *save = NULL;
  for (char *line = strtok_r(t->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    size_t c = 0;
    for (char *p = line;; c++) {
      if (n + 1 >= cap) {
        t->cell = realloc(t->cell, (cap *= 2) * sizeof *t->cell);
        assert_non_null(t->cell);
      }
      t->cell[n++] = p;
      char *comma = strchr(p, ',');
      if (!comma) break;
      *comma = '\0';
      p = comma + 1;
    }
    if (t->rows == 0) t->cols = c + 1;
    else if (c + 1 != t->cols)
      fail_msg("%s: row %zu has %zu fields, not %zu", path, t->rows, c + 1, t->cols);
    t->rows++;
  }
}

void bk_t_table_free(bk_t_table *t) {
  free(t->cell);
  free(t->text);
  memset(t, 0, sizeof *t);
}

const char *bk_t_cell(const bk_t_table *t, size_t row, const char *col) {
  for (size_t c = 0; c < t->cols; c++)
    if (!strcmp(t->cell[c], col)) return t->cell[row * t->cols + c];
  fail_msg("no column %s", col);
  return NULL;
}

int64_t bk_t_num(const bk_t_table *t, size_t row, const char *col) {
  const char *s = bk_t_cell(t, row, col);
  int64_t v;
  if (bk_fx_parse(s, strlen(s), &v, NULL)) fail_msg("%s = '%s' is not a number", col, s);
  return v;
}

int64_t bk_t_fx(const char *s) {
  int64_t v = 0;
  const char *why = NULL;
  if (bk_fx_parse(s, strlen(s), &v, &why)) fail_msg("'%s' did not parse: %s", s, why);
  return v;
}

bk_event bk_t_ev(int kind, uint32_t instr, int64_t ts, int side, const char *price,
                 const char *qty) {
  bk_event e;
  memset(&e, 0, sizeof e);
  e.kind = (uint8_t)kind;
  e.instr = instr;
  e.ts = ts;
  e.local_ts = ts;
  e.side = (uint8_t)side;
  e.price = price ? P(price) : 0;
  e.qty = qty ? P(qty) : 0;
  return e;
}

bk_event bk_t_snap(uint32_t instr, int64_t ts, int side, const char *price, const char *qty,
                   int reset) {
  bk_event e = bk_t_ev(BK_EV_SNAPSHOT, instr, ts, side, price, qty);
  if (reset) e.flags = BK_EVF_RESET;
  return e;
}

void bk_t_documented(const bk_t_table *t, const char *file) {
  char path[4096], head[256], row[256];
  const char *src = getenv("BK_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/docs/reports.md", src ? src : ".");
  char *doc = bk_t_slurp(path, NULL);
  if (!doc) fail_msg("cannot read %s", path);
  snprintf(head, sizeof head, "\n## %s\n", file);
  char *sec = strstr(doc, head);
  if (!sec) fail_msg("docs/reports.md has no section '## %s'", file);
  sec += strlen(head);
  char *next = strstr(sec, "\n## ");
  if (next) *next = '\0';
  for (size_t c = 0; c < t->cols; c++) {
    snprintf(row, sizeof row, "\n| `%s` |", t->cell[c]);
    if (!strstr(sec, row))
      fail_msg("%s: column '%s' is not defined in docs/reports.md", file, t->cell[c]);
  }
  free(doc);
}

void bk_t_sim_config(bk_sim_config *c, const bk_policy *pol, size_t npol,
                     const bk_contract *k, size_t nk, const bk_asset *a, size_t na,
                     const uint32_t *contract_of) {
  bk_sim_config_init(c);
  c->policies = pol;
  c->npolicies = npol;
  c->contracts = k;
  c->ncontracts = nk;
  c->assets = a;
  c->nassets = na;
  c->contract_of = contract_of;
  c->ninstruments = nk;
}

bk_contract bk_t_contract(int kind, uint32_t settle, const char *tick, const char *size,
                          const char *mmr) {
  bk_contract c;
  memset(&c, 0, sizeof c);
  c.kind = kind;
  c.settle = settle;
  c.tick = bk_t_fx(tick);
  c.contract_size = bk_t_fx(size);
  c.tiers.n = 1;
  c.tiers.v[0] = (bk_tier){0, bk_t_fx(mmr), -1, 0};
  assert_int_equal(bk_tiers_finish(&c.tiers, NULL), BK_OK);
  return c;
}
