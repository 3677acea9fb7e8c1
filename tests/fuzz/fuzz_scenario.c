/*
 * Fuzz target: the scenario loader (config/scenario.h, bk_scenario_parse) on arbitrary
 * text, with relative paths resolved against the project's data/scenarios folder, so
 * "../policies/binance-like.json" loads a real policy file and anything else is a
 * missing file. A scenario either loads (and then has at least one policy that passes
 * bk_policy_check, a window with from < to, and only names that pass bk_name_ok) or
 * is refused with a message that names the scenario or the file it references; it never
 * crashes or leaks.
 */
#include <stdio.h>
#include <string.h>

#include "config/safename.h"
#include "config/scenario.h"
#include "engine/policy.h"
#include "tests/fuzz/fuzz.h"

#ifndef BK_FZ_SOURCE_DIR
#define BK_FZ_SOURCE_DIR "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 16384) return 0;
  bk_scenario s;
  memset(&s, 0, sizeof s);
  bk_err err;
  bk_err_clear(&err);
  bk_rc rc = bk_scenario_parse((const char *)data, size, "fuzz-scenario.json",
                               BK_FZ_SOURCE_DIR "/data/scenarios", &s, &err);
  if (rc == BK_OK) {
    BK_FZ_CHECK(s.from < s.to, "window [%lld, %lld)", (long long)s.from, (long long)s.to);
    /* every name that reaches a path, a header or a chart script is a name */
    BK_FZ_CHECK(bk_name_ok(s.name, strlen(s.name)), "scenario name \"%s\"", s.name);
    for (size_t i = 0; i < s.ninstr; i++)
      BK_FZ_CHECK(bk_name_ok(s.instr[i].symbol, strlen(s.instr[i].symbol)) &&
                      bk_name_ok(s.instr[i].settle, strlen(s.instr[i].settle)),
                  "instrument \"%s\" settling in \"%s\"", s.instr[i].symbol,
                  s.instr[i].settle);
    for (size_t i = 0; i < s.npolicies; i++)
      BK_FZ_CHECK(bk_name_ok(s.policies[i].name, strlen(s.policies[i].name)),
                  "policy name \"%s\"", s.policies[i].name);
    for (size_t i = 0; i < s.npolicies; i++) {
      bk_err e2;
      bk_err_clear(&e2);
      BK_FZ_CHECK(bk_policy_check(&s.policies[i], &e2) == BK_OK, "policy %zu: %s", i,
                  e2.msg);
    }
  } else {
    BK_FZ_CHECK(rc == BK_ECONFIG || rc == BK_ENOINPUT || rc == BK_ENOMEM, "rc %d (%s)", rc,
                err.msg);
    BK_FZ_CHECK(err.msg[0] != '\0', "rc %d without a message", rc);
  }
  bk_scenario_fini(&s);
  return 0;
}
