/*
 * Accounts file reader (see accounts_file.h). JSON books are small and read once, so
 * that path favours precise messages (positions found by the policy reader's path
 * scanner). CSV books can hold millions of rows, so that path streams rows through the
 * feeds' row reader (fast splitter, libcsv for quoted rows) and keeps per row only what
 * the list needs, plus the ids seen (an arena and an open-addressing set) to refuse an id
 * that comes back after other accounts.
 */
#include "config/accounts_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/jdoc.h"
#include "engine/fixed.h"
#include "feeds/rows.h"
#include "feeds/source.h"

/* ---- names ---- */

/* Contract index of a name (symbol or exchange:symbol); -1 unknown, -2 ambiguous. */
static long find_contract(const bk_accounts_names *nm, const char *s, size_t n) {
  long hit = -1;
  for (size_t i = 0; i < nm->ncontracts; i++) {
    const char *sym = nm->symbols[i];
    size_t sl = strlen(sym);
    if (sl == n && memcmp(sym, s, n) == 0) {
      if (hit >= 0) return -2;
      hit = (long)i;
      continue;
    }
    if (nm->exchanges && nm->exchanges[i]) {
      size_t el = strlen(nm->exchanges[i]);
      if (el + 1 + sl == n && memcmp(s, nm->exchanges[i], el) == 0 && s[el] == ':' &&
          memcmp(s + el + 1, sym, sl) == 0)
        return (long)i;
    }
  }
  return hit;
}

static long find_name(const char *const *names, size_t count, const char *s, size_t n) {
  for (size_t i = 0; i < count; i++)
    if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) return (long)i;
  return -1;
}

static long find_asset(const bk_accounts_names *nm, const char *s, size_t n) {
  return find_name(nm->assets, nm->nassets, s, n);
}

/* Appends src to dst (dst unchanged on BK_ENOMEM). */
static bk_rc list_append(bk_acctlist *dst, const bk_acctlist *src) {
  if (src->n == 0) return BK_OK;
  if (dst->n + src->n > dst->cap) {
    bk_acctlist_spec *v = realloc(dst->v, (dst->n + src->n) * sizeof *v);
    if (!v) return BK_ENOMEM;
    dst->v = v;
    dst->cap = dst->n + src->n;
  }
  if (dst->npos + src->npos > dst->poscap) {
    bk_acctlist_pos_spec *v = realloc(dst->pos, (dst->npos + src->npos) * sizeof *v);
    if (!v) return BK_ENOMEM;
    dst->pos = v;
    dst->poscap = dst->npos + src->npos;
  }
  if (dst->ncoll + src->ncoll > dst->collcap) {
    bk_acctlist_coll_spec *v = realloc(dst->coll, (dst->ncoll + src->ncoll) * sizeof *v);
    if (!v) return BK_ENOMEM;
    dst->coll = v;
    dst->collcap = dst->ncoll + src->ncoll;
  }
  if (dst->nnames + src->nnames > dst->namecap) {
    char *v = realloc(dst->names, dst->nnames + src->nnames);
    if (!v) return BK_ENOMEM;
    dst->names = v;
    dst->namecap = dst->nnames + src->nnames;
  }
  for (size_t i = 0; i < src->n; i++) {
    dst->v[dst->n + i] = src->v[i];
    dst->v[dst->n + i].pos += dst->npos;
    dst->v[dst->n + i].coll += dst->ncoll;
    if (src->v[i].name) dst->v[dst->n + i].name += dst->nnames;
  }
  if (src->npos) memcpy(dst->pos + dst->npos, src->pos, src->npos * sizeof *src->pos);
  if (src->nnames) memcpy(dst->names + dst->nnames, src->names, src->nnames);
  if (src->ncoll) memcpy(dst->coll + dst->ncoll, src->coll, src->ncoll * sizeof *src->coll);
  dst->n += src->n;
  dst->npos += src->npos;
  dst->ncoll += src->ncoll;
  dst->nnames += src->nnames;
  return BK_OK;
}

/* ---- JSON ---- */

/* An account's "collateral" list (path: the account's), appended to its entry in l. */
static bk_rc json_collateral(const bk_jdoc *d, bk_err *err, const json_t *cl,
                             const char *path, const bk_accounts_names *nm, bk_acctlist *l) {
  static const char *const keys[] = {"asset", "amount", NULL};
  char p[256];
  snprintf(p, sizeof p, "%s.collateral", path);
  if (!json_is_array(cl)) return bk_jdoc_fail(d, err, p, "expected a list of "
                                              "{\"asset\": name, \"amount\": \"units\"}");
  bk_rc rc = BK_OK;
  for (size_t j = 0; !rc && j < json_array_size(cl); j++) {
    const json_t *c = json_array_get(cl, j), *as = json_object_get(c, "asset");
    snprintf(p, sizeof p, "%s.collateral.%zu", path, j);
    if ((rc = bk_jdoc_known(d, err, p, c, keys))) break;
    long k = json_is_string(as) ? find_name(nm->collateral, nm->ncollateral,
                                            json_string_value(as), json_string_length(as))
                                : -1;
    int64_t amount;
    if (k < 0)
      rc = bk_jdoc_fail(d, err, p, "expected \"asset\": one of the population's "
                        "collateral assets");
    for (uint32_t h = 0; !rc && h < l->v[l->n - 1].ncoll; h++)
      if (l->coll[l->v[l->n - 1].coll + h].asset == (uint32_t)k)
        rc = bk_jdoc_fail(d, err, p, "this asset is posted twice (write their sum as one)");
    if (rc || (rc = bk_jdoc_req_fx(d, err, c, p, "amount", &amount))) break;
    if (amount <= 0) {
      snprintf(p, sizeof p, "%s.collateral.%zu.amount", path, j);
      rc = bk_jdoc_fail(d, err, p, "expected a positive amount");
    } else if (bk_acctlist_add_coll(l, (uint32_t)k, amount)) {
      rc = bk_err_set(err, BK_ENOMEM, "no memory");
    }
  }
  return rc;
}

/* The last account's collateral is none of its settle asset (path: the account's). */
static bk_rc coll_not_settle(const bk_jdoc *d, bk_err *err, const bk_acctlist *l,
                             const bk_accounts_names *nm, uint32_t settle, const char *path) {
  const bk_acctlist_spec *e = &l->v[l->n - 1];
  for (uint32_t h = 0; h < e->ncoll; h++) {
    const char *name = nm->collateral[l->coll[e->coll + h].asset];
    if (strcmp(name, nm->assets[settle])) continue;
    char p[256];
    snprintf(p, sizeof p, "%s.collateral.%u", path, h);
    return bk_jdoc_fail(d, err, p, "%s is the account's settle asset: write it as its "
                        "deposit", name);
  }
  return BK_OK;
}

bk_rc bk_accounts_json_parse(const char *text, size_t len, const char *name,
                             const bk_accounts_names *nm, bk_acctlist *out, bk_err *err) {
  static const char *const top_keys[] = {"accounts", NULL};
  static const char *const acct_keys[] = {"id", "settle", "deposit", "positions",
                                          "collateral", NULL};
  static const char *const pos_keys[] = {"contract", "size", "entry", NULL};
  bk_jdoc d = {text, len, name};
  json_t *root = bk_jdoc_parse(&d, err);
  if (!root) return BK_ECONFIG;
  bk_acctlist l;
  bk_acctlist_init(&l);
  char path[128];
  bk_rc rc = bk_jdoc_known(&d, err, "", root, top_keys);
  json_t *arr = json_object_get(root, "accounts");
  if (!rc && !json_is_array(arr))
    rc = bk_jdoc_fail(&d, err, arr ? "accounts" : "", "expected an array \"accounts\"");
  for (size_t i = 0; !rc && i < json_array_size(arr); i++) {
    json_t *a = json_array_get(arr, i);
    snprintf(path, sizeof path, "accounts.%zu", i);
    if ((rc = bk_jdoc_known(&d, err, path, a, acct_keys))) break;
    int line, col;
    bk_jdoc_where(&d, path, &line, &col);
    json_t *id = json_object_get(a, "id");
    if (id && (!json_is_string(id) || json_string_length(id) == 0 ||
               memchr(json_string_value(id), 0, json_string_length(id)))) {
      snprintf(path, sizeof path, "accounts.%zu.id", i);
      rc = bk_jdoc_fail(&d, err, path, "expected a non-empty string without NUL");
      break;
    }
    int64_t deposit = 0;
    json_t *dep = json_object_get(a, "deposit");
    snprintf(path, sizeof path, "accounts.%zu.deposit", i);
    if (!dep) {
      snprintf(path, sizeof path, "accounts.%zu", i);
      rc = bk_jdoc_fail(&d, err, path, "missing \"deposit\"");
      break;
    }
    if ((rc = bk_jdoc_fx(&d, err, path, dep, &deposit))) break;
    if (deposit < 0) {
      rc = bk_jdoc_fail(&d, err, path, "a deposit cannot be negative");
      break;
    }
    json_t *ps = json_object_get(a, "positions");
    if (ps && !json_is_array(ps)) {
      snprintf(path, sizeof path, "accounts.%zu.positions", i);
      rc = bk_jdoc_fail(&d, err, path, "expected an array of positions");
      break;
    }
    long settle = -1;
    json_t *st = json_object_get(a, "settle");
    if (st) {
      snprintf(path, sizeof path, "accounts.%zu.settle", i);
      if (!json_is_string(st)) {
        rc = bk_jdoc_fail(&d, err, path, "expected the name of an asset");
        break;
      }
      settle = find_asset(nm, json_string_value(st), json_string_length(st));
      if (settle < 0) {
        rc = bk_jdoc_fail(&d, err, path, "'%s' is not a settle asset of this run",
                          json_string_value(st));
        break;
      }
    }
    if ((rc = bk_acctlist_add(&l, 0, deposit, (uint64_t)line))) {
      rc = bk_err_set(err, BK_ENOMEM, "%s: no memory", name);
      break;
    }
    if (id && bk_acctlist_name(&l, json_string_value(id), json_string_length(id))) {
      rc = bk_err_set(err, BK_ENOMEM, "%s: no memory", name);
      break;
    }
    for (size_t j = 0; !rc && j < json_array_size(ps); j++) {
      json_t *p = json_array_get(ps, j);
      snprintf(path, sizeof path, "accounts.%zu.positions.%zu", i, j);
      if ((rc = bk_jdoc_known(&d, err, path, p, pos_keys))) break;
      const char *need[] = {"contract", "size", "entry"};
      for (size_t k = 0; k < 3 && !rc; k++)
        if (!json_object_get(p, need[k])) rc = bk_jdoc_fail(&d, err, path, "missing \"%s\"", need[k]);
      if (rc) break;
      json_t *cj = json_object_get(p, "contract");
      snprintf(path, sizeof path, "accounts.%zu.positions.%zu.contract", i, j);
      if (!json_is_string(cj)) {
        rc = bk_jdoc_fail(&d, err, path, "expected a contract name");
        break;
      }
      long c = find_contract(nm, json_string_value(cj), json_string_length(cj));
      if (c < 0) {
        rc = bk_jdoc_fail(&d, err, path, c == -2 ? "'%s' is ambiguous: write exchange:symbol"
                                                  : "'%s' is not a contract of this run",
                          json_string_value(cj));
        break;
      }
      int64_t size, entry;
      snprintf(path, sizeof path, "accounts.%zu.positions.%zu.size", i, j);
      if ((rc = bk_jdoc_fx(&d, err, path, json_object_get(p, "size"), &size))) break;
      if (size == 0) {
        rc = bk_jdoc_fail(&d, err, path, "a position cannot have size 0 (leave it out)");
        break;
      }
      snprintf(path, sizeof path, "accounts.%zu.positions.%zu.entry", i, j);
      if ((rc = bk_jdoc_fx(&d, err, path, json_object_get(p, "entry"), &entry))) break;
      if (entry <= 0) {
        rc = bk_jdoc_fail(&d, err, path, "an entry price must be positive");
        break;
      }
      uint32_t cs = nm->settle_of[c];
      if (settle < 0) settle = (long)cs;
      if ((uint32_t)settle != cs) {
        snprintf(path, sizeof path, "accounts.%zu.positions.%zu.contract", i, j);
        rc = bk_jdoc_fail(&d, err, path, "'%s' settles in %s, the account in %s",
                          json_string_value(cj), nm->assets[cs], nm->assets[settle]);
        break;
      }
      if (bk_acctlist_add_pos(&l, (uint32_t)c, size, entry))
        rc = bk_err_set(err, BK_ENOMEM, "%s: no memory", name);
    }
    if (rc) break;
    json_t *cl = json_object_get(a, "collateral");
    snprintf(path, sizeof path, "accounts.%zu", i);
    if (cl && (rc = json_collateral(&d, err, cl, path, nm, &l))) break;
    if (settle < 0) {
      rc = bk_jdoc_fail(&d, err, path, "an account without positions needs \"settle\"");
      break;
    }
    if ((rc = coll_not_settle(&d, err, &l, nm, (uint32_t)settle, path))) break;
    l.v[l.n - 1].settle = (uint32_t)settle;
  }
  json_decref(root);
  if (!rc && list_append(out, &l)) rc = bk_err_set(err, BK_ENOMEM, "%s: no memory", name);
  bk_acctlist_fini(&l);
  return rc;
}

/* ---- CSV ---- */

enum { COL_ACCOUNT, COL_SETTLE, COL_DEPOSIT, COL_CONTRACT, COL_SIZE, COL_ENTRY, NCOLS };
static const char *const col_names[NCOLS] = {"account", "settle", "deposit",
                                             "contract", "size", "entry"};

/* The ids seen: strings in an arena, an open-addressing table of (offset + 1). */
typedef struct id_set {
  char *arena;
  size_t used, cap;
  size_t *slot, nslot, n;
} id_set;

static uint64_t fnv(const char *s, size_t n) {
  uint64_t h = UINT64_C(14695981039346656037);
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
  return h;
}

/* Inserts (s, n); returns 1 when it was new, 0 when already present, -1 on no memory.
 * Stored as a length byte pair (size_t) followed by the bytes. */
static int id_insert(id_set *t, const char *s, size_t n) {
  if ((t->n + 1) * 2 > t->nslot) {
    size_t ns = t->nslot ? t->nslot * 2 : 1024;
    size_t *sl = calloc(ns, sizeof *sl);
    if (!sl) return -1;
    for (size_t i = 0; i < t->nslot; i++) {
      if (!t->slot[i]) continue;
      size_t off = t->slot[i] - 1, len;
      memcpy(&len, t->arena + off, sizeof len);
      size_t h = (size_t)fnv(t->arena + off + sizeof len, len) & (ns - 1);
      while (sl[h]) h = (h + 1) & (ns - 1);
      sl[h] = t->slot[i];
    }
    free(t->slot);
    t->slot = sl;
    t->nslot = ns;
  }
  size_t h = (size_t)fnv(s, n) & (t->nslot - 1);
  for (; t->slot[h]; h = (h + 1) & (t->nslot - 1)) {
    size_t off = t->slot[h] - 1, len;
    memcpy(&len, t->arena + off, sizeof len);
    if (len == n && memcmp(t->arena + off + sizeof len, s, n) == 0) return 0;
  }
  if (t->used + sizeof n + n > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (t->used + sizeof n + n > cap) cap *= 2;
    char *a = realloc(t->arena, cap);
    if (!a) return -1;
    t->arena = a;
    t->cap = cap;
  }
  memcpy(t->arena + t->used, &n, sizeof n);
  memcpy(t->arena + t->used + sizeof n, s, n);
  t->slot[h] = t->used + 1;
  t->used += sizeof n + n;
  t->n++;
  return 1;
}

static void id_fini(id_set *t) {
  free(t->arena);
  free(t->slot);
}

typedef struct csv_ctx {
  const char *path;
  uint64_t line;
  bk_err *err;
} csv_ctx;

static bk_rc csv_fail(const csv_ctx *c, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static bk_rc csv_fail(const csv_ctx *c, int col, const char *fmt, ...) {
  char what[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (col < 0)
    return bk_err_set(c->err, BK_EDATA, "%s:%llu: %s", c->path, (unsigned long long)c->line,
                      what);
  return bk_err_set(c->err, BK_EDATA, "%s:%llu: column %d (%s): %s", c->path,
                    (unsigned long long)c->line, col + 1, col_names[col], what);
}

static bk_rc csv_fx(const csv_ctx *c, int col, const char *s, size_t n, int64_t *out) {
  const char *why = "not a decimal number";
  if (bk_fx_parse(s, n, out, &why))
    return csv_fail(c, col, "'%.*s': %s", (int)(n > 40 ? 40 : n), s, why);
  return BK_OK;
}

static bk_rc load_csv(bk_source *src, const char *path, const bk_accounts_names *nm,
                      bk_acctlist *l, bk_err *err) {
  bk_rows *rows = NULL;
  id_set ids;
  memset(&ids, 0, sizeof ids);
  csv_ctx cx = {path, 0, err};
  bk_rc rc = bk_rows_new(src, 0, 0, 0, &rows, err);
  if (rc) return rc;
  const bk_row *row;
  int map[NCOLS]; /* field index of each column */
  size_t nf = 0;
  char prev[256];
  size_t prevlen = 0;
  int have_prev = 0;
  long settle = -1;
  while ((rc = bk_rows_next(rows, &row)) == BK_OK) {
    cx.line = row->line;
    if (nf == 0) { /* the header */
      for (int k = 0; k < NCOLS; k++) map[k] = -1;
      for (size_t i = 0; i < row->nf; i++) {
        int k = 0;
        while (k < NCOLS && !(strlen(col_names[k]) == row->n[i] &&
                              memcmp(col_names[k], row->f[i], row->n[i]) == 0))
          k++;
        if (k == NCOLS) {
          rc = csv_fail(&cx, -1, "unknown column '%.*s' in the header (expected account, "
                        "settle, deposit, contract, size, entry)",
                        (int)(row->n[i] > 40 ? 40 : row->n[i]), row->f[i]);
          goto out;
        }
        if (map[k] >= 0) {
          rc = csv_fail(&cx, k, "named twice in the header");
          goto out;
        }
        map[k] = (int)i;
      }
      for (int k = 0; k < NCOLS; k++)
        if (map[k] < 0) {
          rc = csv_fail(&cx, -1, "the header has no column '%s' (expected account, settle, "
                        "deposit, contract, size, entry)", col_names[k]);
          goto out;
        }
      nf = row->nf;
      continue;
    }
    if (row->nf != nf) {
      rc = csv_fail(&cx, -1, "expected %zu fields as in the header, found %zu", nf, row->nf);
      goto out;
    }
#define F(k) row->f[map[k]]
#define N(k) row->n[map[k]]
    if (N(COL_ACCOUNT) == 0) {
      rc = csv_fail(&cx, COL_ACCOUNT, "empty account id");
      goto out;
    }
    if (N(COL_ACCOUNT) >= sizeof prev) {
      rc = csv_fail(&cx, COL_ACCOUNT, "account id longer than %zu bytes", sizeof prev - 1);
      goto out;
    }
    int same = have_prev && prevlen == N(COL_ACCOUNT) &&
               memcmp(prev, F(COL_ACCOUNT), prevlen) == 0;
    if (!same) {
      int fresh = id_insert(&ids, F(COL_ACCOUNT), N(COL_ACCOUNT));
      if (fresh < 0) {
        rc = bk_err_set(err, BK_ENOMEM, "%s: no memory", path);
        goto out;
      }
      if (!fresh) {
        rc = csv_fail(&cx, COL_ACCOUNT, "account '%.*s' appears again after other accounts "
                      "(the rows of one account must be consecutive)",
                      (int)N(COL_ACCOUNT), F(COL_ACCOUNT));
        goto out;
      }
    }
    /* settle and deposit */
    long st = -1;
    if (N(COL_SETTLE)) {
      st = find_asset(nm, F(COL_SETTLE), N(COL_SETTLE));
      if (st < 0) {
        rc = csv_fail(&cx, COL_SETTLE, "'%.*s' is not a settle asset of this run",
                      (int)(N(COL_SETTLE) > 40 ? 40 : N(COL_SETTLE)), F(COL_SETTLE));
        goto out;
      }
    }
    int64_t dep = 0;
    if (N(COL_DEPOSIT)) {
      if ((rc = csv_fx(&cx, COL_DEPOSIT, F(COL_DEPOSIT), N(COL_DEPOSIT), &dep))) goto out;
      if (dep < 0) {
        rc = csv_fail(&cx, COL_DEPOSIT, "a deposit cannot be negative");
        goto out;
      }
    }
    if (same) {
      const bk_acctlist_spec *a = &l->v[l->n - 1];
      if ((st >= 0 && (uint32_t)st != a->settle) || (N(COL_DEPOSIT) && dep != a->deposit)) {
        rc = csv_fail(&cx, N(COL_DEPOSIT) && dep != a->deposit ? COL_DEPOSIT : COL_SETTLE,
                      "differs from the account's first row (leave it empty on later rows)");
        goto out;
      }
      st = (long)a->settle;
    } else {
      if (!N(COL_DEPOSIT)) {
        rc = csv_fail(&cx, COL_DEPOSIT, "the first row of an account needs its deposit");
        goto out;
      }
      if (bk_acctlist_add(l, st < 0 ? 0 : (uint32_t)st, dep, row->line)) {
        rc = bk_err_set(err, BK_ENOMEM, "%s: no memory", path);
        goto out;
      }
      if (N(COL_ACCOUNT) && bk_acctlist_name(l, F(COL_ACCOUNT), N(COL_ACCOUNT))) {
        rc = bk_err_set(err, BK_ENOMEM, "%s: no memory", path);
        goto out;
      }
      memcpy(prev, F(COL_ACCOUNT), N(COL_ACCOUNT));
      prevlen = N(COL_ACCOUNT);
      have_prev = 1;
    }
    settle = st;
    /* the position */
    int filled = (N(COL_CONTRACT) > 0) + (N(COL_SIZE) > 0) + (N(COL_ENTRY) > 0);
    if (filled != 0 && filled != 3) {
      int k = !N(COL_CONTRACT) ? COL_CONTRACT : !N(COL_SIZE) ? COL_SIZE : COL_ENTRY;
      rc = csv_fail(&cx, k, "empty: a position needs contract, size and entry (or none of "
                    "them for an account without one)");
      goto out;
    }
    if (filled == 0) {
      if (same) {
        rc = csv_fail(&cx, COL_CONTRACT, "a later row of an account must hold a position");
        goto out;
      }
    } else {
      long c = find_contract(nm, F(COL_CONTRACT), N(COL_CONTRACT));
      if (c < 0) {
        rc = csv_fail(&cx, COL_CONTRACT, c == -2 ? "'%.*s' is ambiguous: write exchange:symbol"
                                                 : "'%.*s' is not a contract of this run",
                      (int)(N(COL_CONTRACT) > 60 ? 60 : N(COL_CONTRACT)), F(COL_CONTRACT));
        goto out;
      }
      int64_t size, entry;
      if ((rc = csv_fx(&cx, COL_SIZE, F(COL_SIZE), N(COL_SIZE), &size))) goto out;
      if (size == 0) {
        rc = csv_fail(&cx, COL_SIZE, "a position cannot have size 0 (leave the row out)");
        goto out;
      }
      if ((rc = csv_fx(&cx, COL_ENTRY, F(COL_ENTRY), N(COL_ENTRY), &entry))) goto out;
      if (entry <= 0) {
        rc = csv_fail(&cx, COL_ENTRY, "an entry price must be positive");
        goto out;
      }
      uint32_t cs = nm->settle_of[c];
      if (settle < 0) {
        settle = (long)cs;
        l->v[l->n - 1].settle = cs;
      }
      if ((uint32_t)settle != cs) {
        rc = csv_fail(&cx, COL_CONTRACT, "'%.*s' settles in %s, the account in %s",
                      (int)N(COL_CONTRACT), F(COL_CONTRACT), nm->assets[cs],
                      nm->assets[settle]);
        goto out;
      }
      if (bk_acctlist_add_pos(l, (uint32_t)c, size, entry)) {
        rc = bk_err_set(err, BK_ENOMEM, "%s: no memory", path);
        goto out;
      }
    }
    if (settle < 0) {
      rc = csv_fail(&cx, COL_SETTLE, "an account without a position needs its settle asset");
      goto out;
    }
#undef F
#undef N
  }
  if (rc == BK_EOF) {
    rc = BK_OK;
    if (nf == 0) rc = bk_err_set(err, BK_EDATA, "%s: empty file: expected a header row "
                                 "account,settle,deposit,contract,size,entry", path);
  } else {
    const bk_err *e = bk_rows_error(rows);
    bk_err_set(err, rc, "%s", e->msg[0] ? e->msg : bk_rc_name(rc));
  }
out:
  id_fini(&ids);
  bk_rows_free(rows);
  return rc;
}

bk_rc bk_accounts_file_load(const char *path, const bk_accounts_names *names,
                            bk_acctlist *out, bk_err *err) {
  bk_source *src = NULL;
  bk_rc rc = bk_source_open(path, NULL, &src, err);
  if (rc) return rc;
  /* Sniff: JSON starts with '{' after blanks; read the whole (decompressed) text then. */
  size_t cap = 1 << 16, len = 0, got = 0;
  char *buf = malloc(cap + 1);
  if (!buf) {
    bk_source_free(src);
    return bk_err_set(err, BK_ENOMEM, "%s: no memory", path);
  }
  rc = bk_source_read(src, buf, cap, &got);
  len = got;
  size_t i = 0;
  if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) i = 3; /* a UTF-8 byte order mark */
  while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) i++;
  if (rc == BK_OK && i < len && buf[i] == '{') {
    free(buf);
    bk_source_free(src);
    char *text = NULL;
    rc = bk_source_slurp(path, BK_SOURCE_SLURP_ACCOUNTS_MAX, 1, &text, &len, err);
    size_t bom = !rc && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    if (!rc) rc = bk_accounts_json_parse(text + bom, len - bom, path, names, out, err);
    free(text);
    return rc;
  }
  free(buf);
  bk_source_free(src);
  if (rc != BK_OK && rc != BK_EOF) return bk_err_set(err, rc, "%s: cannot be read", path);
  /* CSV: read afresh through the row reader */
  if ((rc = bk_source_open(path, NULL, &src, err))) return rc;
  bk_acctlist l;
  bk_acctlist_init(&l);
  rc = load_csv(src, path, names, &l, err);
  if (!rc && list_append(out, &l)) rc = bk_err_set(err, BK_ENOMEM, "%s: no memory", path);
  bk_acctlist_fini(&l);
  bk_source_free(src);
  return rc;
}
