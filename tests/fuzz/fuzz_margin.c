/*
 * Fuzz target: the margin calculator's input, through the command itself
 * (`backstop margin [--format json] FILE.json`, cli/cmd_margin.h): instruments with tier
 * tables, collateral and positions, where sizes, prices and tiers can overflow a
 * notional or a margin. Every input must end in exit 0 or a sysexits.h code with a
 * message that names the file; the engine's own checks (asserts, UBSan) do the rest.
 *
 * Input: byte 0 picks text or JSON output, the rest is the file.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cmd_margin.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 16384) return 0;
  static int quiet;
  if (!quiet) { /* the figures go nowhere: only the exit code and message matter */
    if (!freopen("/dev/null", "w", stdout)) return 0;
    quiet = 1;
  }
  const char *path = bk_fz_file("account.json", data + 1, size - 1);
  char *argv[5];
  int argc = 0;
  argv[argc++] = "margin";
  if (data[0] & 1) {
    argv[argc++] = "--format";
    argv[argc++] = "json";
  }
  argv[argc++] = (char *)path;
  argv[argc] = NULL;
  char msg[1024];
  int code = bk_fz_command(bk_cmd_margin, argc, argv, msg, sizeof msg);
  /* EX_SOFTWARE (a broken invariant) is a bug, not an answer to bad input */
  BK_FZ_CHECK(code == 0 || code == EX_DATAERR || code == EX_NOINPUT || code == EX_CONFIG ||
                  code == EX_OSERR,
              "exit %d: %s", code, msg);
  if (code != 0) BK_FZ_CHECK(strstr(msg, "account.json") != NULL, "exit %d: %s", code, msg);
  return 0;
}
