/*
 * `backstop margin` (see cmd_margin.h). One account per run, so clarity over speed: the
 * file is read by config/margin_account.h and every figure comes from engine/account.h;
 * this file holds the options and the text and JSON output.
 */
#include "cli/cmd_margin.h"

#include "cli/exitcode.h"
#include "cli/options.h"
#include "config/margin_account.h"
#include "engine/account.h"
#include "engine/fixed.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

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

static int run(const bk_margin_account *k, const char *path, int json_out) {
  bk_menv e = {k->c, k->mark, k->nc, k->assets, k->na, NULL};
  int64_t eq = 0, mm = 0, coll;
  bk_rc rc = bk_acct_collateral(&e, &k->a, &coll);
  int cross = 0;
  for (uint32_t i = 0; i < k->a.npos; i++) cross |= !k->a.pos[i].isolated;
  if (!rc && cross) rc = bk_acct_equity(&e, &k->a, &eq);
  if (!rc && !cross) eq = coll;
  if (!rc) rc = bk_acct_mm(&e, &k->a, &mm);
  struct row {
    int64_t notional, upnl, mm, lp, bp;
  } rows[BK_MARGIN_MAX_POSITIONS];
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
    fprintf(stderr, "backstop margin: %s: the numbers overflow\n", path);
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
  bk_margin_account *k = malloc(sizeof *k);
  if (!k) return EX_OSERR;
  const char *path = argv[optind];
  bk_err err;
  memset(&err, 0, sizeof err);
  bk_rc rc = bk_margin_account_load(path, k, &err);
  int status;
  if (rc) {
    fprintf(stderr, "backstop margin: %s\n", err.msg);
    status = bk_cli_exit_code(rc);
  } else {
    status = run(k, path, json_out);
  }
  bk_margin_account_free(k);
  free(k);
  return status;
}
