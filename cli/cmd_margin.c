/*
 * `backstop margin` (see cmd_margin.h). One account per run, so clarity over speed: the
 * file is read strictly (the same rules as policies: decimal strings for every number,
 * unknown and duplicate keys are errors with file:line:column), turned into engine
 * contracts and one bk_account, and every figure comes from engine/account.h.
 *
 * Input:
 *   { "instruments": { NAME: { "kind": "linear"|"inverse", "tick", "contract_size",
 *                              "settle", "mm_basis": "mark"|"entry" (optional),
 *                              "tiers": [ { "floor", "mmr", "maint_amount"?,
 *                                           "max_leverage"? } ] } },
 *     "assets": { NAME: { "price", "haircut" } }            (optional: other collateral)
 *     "account": { "mode": "cross"|"isolated", "collateral": { ASSET: amount },
 *                  "positions": [ { "instrument", "size", "entry", "mark",
 *                                   "margin"? (isolated) } ] } }
 */
#include "cli/cmd_margin.h"

#include "cli/exitcode.h"
#include "cli/options.h"
#include "config/contract_json.h"
#include "config/jdoc.h"
#include "engine/account.h"
#include "engine/fixed.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define MAXI 16 /* instruments in one file */

typedef struct calc {
  bk_jdoc d;
  bk_err err;
  char names[MAXI][48];
  bk_contract c[MAXI];
  int64_t mark[MAXI];
  int has_mark[MAXI];
  char settle_name[MAXI][16];
  size_t nc;
  bk_asset assets[BK_TIERS_MAX];
  size_t na;
  bk_account a;
  char pos_name[64][48];
} calc;

static void usage(FILE *f) {
  fputs("usage: backstop margin [--format text|json] FILE.json\n"
        "\n"
        "Reads one account (instruments with tier tables, collateral, positions with entry\n"
        "and mark; every number a decimal string) and prints equity, maintenance margin,\n"
        "margin ratio and, per position, notional, unrealized PnL, maintenance margin,\n"
        "liquidation and bankruptcy prices. A cross position's liquidation price holds\n"
        "every other position at its mark. Prices round to the tick in the exchange's\n"
        "favour.\n"
        "\n"
        "  --format text|json   output format (default text)\n"
        "  -h, --help           this help\n",
        f);
}

static bk_rc req_fx(calc *k, const json_t *o, const char *path, const char *key, int64_t *out) {
  return bk_jdoc_req_fx(&k->d, &k->err, o, path, key, out);
}

static int find_asset(calc *k, const char *name) {
  for (size_t i = 0; i < k->na; i++)
    if (!strcmp(k->assets[i].name, name)) return (int)i;
  return -1;
}

/* Index of an asset name, adding it (price 1, no haircut) when new. */
static int intern_asset(calc *k, const char *name) {
  int i = find_asset(k, name);
  if (i >= 0 || k->na == BK_TIERS_MAX || strlen(name) >= sizeof k->assets[0].name) return i;
  memset(&k->assets[k->na], 0, sizeof k->assets[k->na]);
  snprintf(k->assets[k->na].name, sizeof k->assets[k->na].name, "%s", name);
  k->assets[k->na].price = BK_FX(1);
  return (int)k->na++;
}

static bk_rc read_instruments(calc *k, const json_t *ins) {
  if (!json_is_object(ins) || json_object_size(ins) == 0)
    return bk_jdoc_fail(&k->d, &k->err, "instruments", "expected a non-empty object");
  const char *name;
  json_t *o;
  bk_rc rc;
  json_object_foreach((json_t *)ins, name, o) {
    char path[128];
    snprintf(path, sizeof path, "instruments.%s", name);
    if (k->nc == MAXI) return bk_jdoc_fail(&k->d, &k->err, path, "more than %d instruments", MAXI);
    if (strlen(name) >= sizeof k->names[0])
      return bk_jdoc_fail(&k->d, &k->err, path, "name too long");
    bk_contract *c = &k->c[k->nc];
    const char *settle;
    if ((rc = bk_contract_json(&k->d, &k->err, path, o, c, &settle))) return rc;
    snprintf(k->names[k->nc], sizeof k->names[0], "%s", name);
    int si = intern_asset(k, settle);
    if (si < 0) return bk_jdoc_fail(&k->d, &k->err, path, "bad settle asset");
    c->settle = (uint32_t)si;
    k->nc++;
  }
  return BK_OK;
}

static bk_rc read_account(calc *k, const json_t *root) {
  static const char *const kacc[] = {"mode", "collateral", "positions", NULL};
  static const char *const kpos[] = {"instrument", "size", "entry", "mark", "margin", NULL};
  static const char *const kas[] = {"price", "haircut", NULL};
  bk_rc rc;
  const json_t *assets = json_object_get(root, "assets");
  if (assets) {
    if (!json_is_object(assets)) return bk_jdoc_fail(&k->d, &k->err, "assets", "expected an object");
    const char *name;
    json_t *o;
    json_object_foreach((json_t *)assets, name, o) {
      char path[128];
      snprintf(path, sizeof path, "assets.%s", name);
      if ((rc = bk_jdoc_known(&k->d, &k->err, path, o, kas))) return rc;
      int ai = intern_asset(k, name);
      if (ai < 0) return bk_jdoc_fail(&k->d, &k->err, path, "bad asset name");
      if ((rc = req_fx(k, o, path, "price", &k->assets[ai].price))) return rc;
      if (json_object_get(o, "haircut") &&
          (rc = req_fx(k, o, path, "haircut", &k->assets[ai].haircut)))
        return rc;
      if (k->assets[ai].price <= 0 || k->assets[ai].haircut < 0 ||
          k->assets[ai].haircut > BK_FX(1))
        return bk_jdoc_fail(&k->d, &k->err, path, "price must be > 0, haircut in [0, 1]");
    }
  }
  const json_t *acc = json_object_get(root, "account");
  if (!acc) return bk_jdoc_fail(&k->d, &k->err, "", "missing \"account\"");
  if ((rc = bk_jdoc_known(&k->d, &k->err, "account", acc, kacc))) return rc;
  const json_t *mode = json_object_get(acc, "mode");
  int iso = 0;
  if (mode) {
    if (!json_is_string(mode) || (strcmp(json_string_value(mode), "cross") &&
                                  strcmp(json_string_value(mode), "isolated")))
      return bk_jdoc_fail(&k->d, &k->err, "account.mode", "expected \"cross\" or \"isolated\"");
    iso = !strcmp(json_string_value(mode), "isolated");
  }
  const json_t *pos = json_object_get(acc, "positions");
  if (!json_is_array(pos) || json_array_size(pos) == 0 || json_array_size(pos) > 64)
    return bk_jdoc_fail(&k->d, &k->err, "account", "expected \"positions\": 1 to 64 positions");
  size_t pi;
  json_t *p;
  int settle = -1;
  json_array_foreach((json_t *)pos, pi, p) {
    char path[64];
    snprintf(path, sizeof path, "account.positions.%zu", pi);
    if ((rc = bk_jdoc_known(&k->d, &k->err, path, p, kpos))) return rc;
    const json_t *in = json_object_get(p, "instrument");
    int ci = -1;
    for (size_t i = 0; json_is_string(in) && i < k->nc; i++)
      if (!strcmp(k->names[i], json_string_value(in))) ci = (int)i;
    if (ci < 0)
      return bk_jdoc_fail(&k->d, &k->err, path, "\"instrument\" must name one of \"instruments\"");
    bk_pos ps = {(uint32_t)ci, iso, 0, 0, 0, 0, 0};
    int64_t mk;
    if ((rc = req_fx(k, p, path, "size", &ps.size)) || (rc = req_fx(k, p, path, "entry", &ps.entry)) ||
        (rc = req_fx(k, p, path, "mark", &mk)))
      return rc;
    if (ps.size == 0 || ps.entry <= 0 || mk <= 0)
      return bk_jdoc_fail(&k->d, &k->err, path, "size must be non-zero, entry and mark > 0");
    if (k->has_mark[ci] && k->mark[ci] != mk)
      return bk_jdoc_fail(&k->d, &k->err, path, "two marks for %s", k->names[ci]);
    k->mark[ci] = mk;
    k->has_mark[ci] = 1;
    if (bk_acct_find(&k->a, (uint32_t)ci) >= 0)
      return bk_jdoc_fail(&k->d, &k->err, path, "a second position on %s", k->names[ci]);
    if (iso) {
      if ((rc = req_fx(k, p, path, "margin", &ps.margin))) return rc;
      if (ps.margin < 0) return bk_jdoc_fail(&k->d, &k->err, path, "margin must be >= 0");
    } else if (json_object_get(p, "margin")) {
      return bk_jdoc_fail(&k->d, &k->err, path, "\"margin\" is for isolated positions only");
    }
    if (settle >= 0 && (uint32_t)settle != k->c[ci].settle)
      return bk_jdoc_fail(&k->d, &k->err, path,
                          "every position of one account must settle in the same asset");
    settle = (int)k->c[ci].settle;
    if (bk_acct_set_pos(&k->a, &ps)) return bk_err_set(&k->err, BK_ENOMEM, "no memory");
  }
  k->a.settle = (uint32_t)settle;
  const json_t *coll = json_object_get(acc, "collateral");
  if (coll) {
    if (!json_is_object(coll))
      return bk_jdoc_fail(&k->d, &k->err, "account.collateral", "expected an object");
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)coll, name, v) {
      char path[128];
      snprintf(path, sizeof path, "account.collateral.%s", name);
      int64_t amt;
      if ((rc = bk_jdoc_fx(&k->d, &k->err, path, v, &amt))) return rc;
      if (amt < 0) return bk_jdoc_fail(&k->d, &k->err, path, "must be >= 0");
      int ai = find_asset(k, name);
      if (ai == settle) {
        k->a.cash += amt;
      } else if (ai < 0 || !json_object_get(assets, name)) {
        return bk_jdoc_fail(&k->d, &k->err, path,
                            "not the settle asset: give its price and haircut under \"assets\"");
      } else if (bk_acct_add_coll(&k->a, (uint32_t)ai, amt)) {
        return bk_err_set(&k->err, BK_ENOMEM, "no memory");
      }
    }
  }
  return BK_OK;
}

static void fmt(int64_t v, char *buf, size_t cap) { bk_fx_format_trim(v, buf, cap); }

/* A price as JSON: a decimal string, or null when none applies. */
static void price_json(FILE *o, int64_t p) {
  char b[48];
  if (p <= 0 || p == INT64_MAX) {
    fputs("null", o);
    return;
  }
  fmt(p, b, sizeof b);
  fprintf(o, "\"%s\"", b);
}

static const char *price_text(int64_t p, int is_long, char *buf, size_t cap) {
  if (p == INT64_MAX) return is_long ? "any price (already below maintenance)" : "none";
  if (p <= 0) return is_long ? "none" : "any price (already below maintenance)";
  fmt(p, buf, cap);
  return buf;
}

static int run(calc *k, int json_out) {
  bk_menv e = {k->c, k->mark, k->nc, k->assets, k->na};
  int64_t eq = 0, mm = 0, coll;
  bk_rc rc = bk_acct_collateral(&e, &k->a, &coll);
  int cross = 0;
  for (uint32_t i = 0; i < k->a.npos; i++) cross |= !k->a.pos[i].isolated;
  if (!rc && cross) rc = bk_acct_equity(&e, &k->a, &eq);
  if (!rc && !cross) eq = coll;
  if (!rc) rc = bk_acct_mm(&e, &k->a, &mm);
  struct row {
    int64_t notional, upnl, mm, lp, bp;
  } rows[64];
  for (uint32_t i = 0; !rc && i < k->a.npos; i++) {
    const bk_pos *p = &k->a.pos[i];
    const bk_contract *c = &k->c[p->contract];
    struct row *r = &rows[i];
    rc = bk_pos_notional(c, p->size, k->mark[p->contract], &r->notional);
    if (!rc) rc = bk_pos_upnl(c, p->size, p->entry, k->mark[p->contract], &r->upnl);
    if (!rc) rc = bk_pos_mm(c, p, k->mark[p->contract], &r->mm);
    if (!rc) rc = bk_acct_liq_price(&e, &k->a, i, NULL, &r->lp);
    if (!rc) rc = bk_acct_bankrupt_price(&e, &k->a, i, NULL, &r->bp);
    if (!rc && p->isolated) { /* isolated: the account's totals add each position's own */
      int64_t pe;
      rc = bk_acct_pos_equity(&e, &k->a, i, &pe);
      if (!rc) rc = bk_add(eq, pe, &eq);
      if (!rc) rc = bk_add(mm, r->mm, &mm);
    }
  }
  if (rc) {
    fprintf(stderr, "backstop margin: %s: the numbers overflow\n", k->d.name);
    return EX_DATAERR;
  }
  int64_t ratio = bk_acct_ratio(mm, eq);
  char b1[48], b2[48], b3[48];
  fmt(eq, b1, sizeof b1);
  fmt(mm, b2, sizeof b2);
  if (ratio == INT64_MAX) snprintf(b3, sizeof b3, "%s", json_out ? "null" : "inf (equity <= 0)");
  else fmt(ratio, b3, sizeof b3);
  const char *settle = k->na ? k->assets[k->a.settle].name : "";
  if (json_out) {
    printf("{\"equity\": \"%s\", \"maintenance_margin\": \"%s\", \"margin_ratio\": ", b1, b2);
    if (ratio == INT64_MAX) printf("null");
    else printf("\"%s\"", b3);
    printf(", \"liquidatable\": %s, \"settle\": \"%s\", \"positions\": [",
           bk_acct_liquidatable(&e, &k->a, NULL) ? "true" : "false", settle);
    for (uint32_t i = 0; i < k->a.npos; i++) {
      const struct row *r = &rows[i];
      char n[48], u[48], m[48];
      fmt(r->notional, n, sizeof n);
      fmt(r->upnl, u, sizeof u);
      fmt(r->mm, m, sizeof m);
      printf("%s{\"instrument\": \"%s\", \"notional\": \"%s\", \"unrealized_pnl\": \"%s\", "
             "\"maintenance_margin\": \"%s\", \"liquidation_price\": ",
             i ? ", " : "", k->names[k->a.pos[i].contract], n, u, m);
      price_json(stdout, r->lp);
      printf(", \"bankruptcy_price\": ");
      price_json(stdout, r->bp);
      printf("}");
    }
    printf("]}\n");
  } else {
    printf("equity              %s %s\n", b1, settle);
    printf("maintenance margin  %s %s\n", b2, settle);
    printf("margin ratio        %s%s\n", b3,
           bk_acct_liquidatable(&e, &k->a, NULL) ? "  (below maintenance: liquidatable)" : "");
    for (uint32_t i = 0; i < k->a.npos; i++) {
      const bk_pos *p = &k->a.pos[i];
      const struct row *r = &rows[i];
      char s[48], en[48], mk[48], n[48], u[48], m[48], l[64], bp[64];
      fmt(p->size, s, sizeof s);
      fmt(p->entry, en, sizeof en);
      fmt(k->mark[p->contract], mk, sizeof mk);
      fmt(r->notional, n, sizeof n);
      fmt(r->upnl, u, sizeof u);
      fmt(r->mm, m, sizeof m);
      printf("\n%s %s %s @ %s, mark %s\n", k->names[p->contract],
             p->isolated ? "isolated" : "cross", s, en, mk);
      printf("  notional            %s\n", n);
      printf("  unrealized PnL      %s\n", u);
      printf("  maintenance margin  %s\n", m);
      printf("  liquidation price   %s\n", price_text(r->lp, p->size > 0, l, sizeof l));
      printf("  bankruptcy price    %s\n", price_text(r->bp, p->size > 0, bp, sizeof bp));
    }
  }
  return 0;
}

int bk_cmd_margin(int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int json_out = 0, ch;
  bk_cli_opts_reset();
  while ((ch = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
    switch (ch) {
    case 'f':
      if (!strcmp(optarg, "json")) json_out = 1;
      else if (!strcmp(optarg, "text")) json_out = 0;
      else {
        fprintf(stderr, "backstop margin: --format must be text or json, not '%s'\n", optarg);
        return EX_USAGE;
      }
      break;
    case 'h': usage(stdout); return 0;
    default: return bk_cli_bad_option("margin", ch, argv);
    }
  }
  if (optind != argc - 1) {
    usage(stderr);
    return EX_USAGE;
  }
  calc *k = calloc(1, sizeof *k);
  if (!k) return EX_OSERR;
  bk_acct_init(&k->a, 0);
  const char *path = argv[optind];
  size_t len = 0;
  char *text = bk_jdoc_slurp(path, &len, &k->err);
  json_t *root = NULL;
  bk_rc rc = text ? BK_OK : k->err.rc;
  if (!rc) {
    k->d = (bk_jdoc){text, len, path};
    root = bk_jdoc_parse(&k->d, &k->err);
    if (!root) rc = BK_ECONFIG;
  }
  static const char *const ktop[] = {"instruments", "assets", "account", "source", NULL};
  if (!rc) rc = bk_jdoc_known(&k->d, &k->err, "", root, ktop);
  if (!rc) rc = read_instruments(k, json_object_get(root, "instruments"));
  if (!rc) rc = read_account(k, root);
  int status;
  if (rc) {
    fprintf(stderr, "backstop margin: %s\n", k->err.msg);
    status = bk_cli_exit_code(rc);
  } else {
    status = run(k, json_out);
  }
  json_decref(root);
  free(text);
  bk_acct_fini(&k->a);
  free(k);
  return status;
}
