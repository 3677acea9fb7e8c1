/*
 * `backstop policies`: the policies shipped in data/policies (compiled in, see
 * config/shipped_policies.h), each with its name, file and description, so a user can pick
 * one for --policy or a scenario without opening the files. Each policy is read through
 * the strict policy reader first: a listed policy is one that loads.
 */
#include "cli/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/options.h"
#include "cli/pipeline.h" /* bk_cli_fail */
#include "config/shipped_policies.h"
#include "config/policy_json.h"

static void usage(FILE *f) {
  fputs("usage: backstop policies\n"
        "Lists the policies shipped with backstop (data/policies) with their descriptions.\n"
        "Give one to a run with --policy FILE, or copy it into a scenario's \"policies\".\n"
        "\n"
        "  -h, --help       this help\n",
        f);
}

/* Prints text indented by two spaces, in lines of at most 78 columns (words kept). */
static void print_wrapped(const char *text) {
  const char *p = text;
  while (*p) {
    size_t n = strlen(p);
    if (n > 76) {
      n = 76;
      while (n > 0 && p[n] != ' ') n--;
      if (n == 0) n = strcspn(p, " ");
    }
    printf("  %.*s\n", (int)n, p);
    p += n;
    p += strspn(p, " ");
  }
}

/* The string member key of the JSON text, or "" (the strict reader checked the file). */
static const char *member(json_t *root, const char *key) {
  const char *s = json_string_value(json_object_get(root, key));
  return s ? s : "";
}

static int list(void) {
  for (size_t i = 0; i < bk_nshipped_policies; i++) {
    const bk_shipped_policy *sp = &bk_shipped_policies[i];
    bk_policy pol;
    bk_err err;
    bk_err_clear(&err);
    bk_rc rc = bk_policy_json_parse(sp->text, sp->len, sp->file, &pol, &err);
    if (rc) return bk_cli_fail("policies", &err, rc);
    json_t *root = json_loadb(sp->text, sp->len, 0, NULL);
    printf("%s (%s)\n", pol.name, sp->file);
    print_wrapped(member(root, "description"));
    json_decref(root);
  }
  return 0;
}

int bk_cmd_policies(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  bk_cli_opts_reset();
  while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return 0;
    }
    return bk_cli_bad_option("policies", c, argv);
  }
  if (optind != argc) {
    fprintf(stderr, "backstop policies: takes no arguments\n"
                    "Try 'backstop policies --help' for its options.\n");
    return EX_USAGE;
  }
  return list();
}
