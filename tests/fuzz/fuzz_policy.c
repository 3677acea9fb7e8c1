/*
 * Fuzz target: the strict policy loader (config/policy_json.h, bk_policy_json_parse) on
 * arbitrary text. A policy either loads, twice to the same bytes, or is refused with
 * BK_ECONFIG and a message "fuzz.json:line:column: ..." while the output is untouched
 * (the header's promise). Seeds are the shipped policies in data/policies, cut down.
 */
#include <stdio.h>
#include <string.h>

#include "config/policy_json.h"
#include "engine/policy.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 16384) return 0;
  const char *text = (const char *)data;
  bk_policy a, b, untouched;
  memset(&a, 0xA5, sizeof a); /* the same garbage in both: a load is deterministic */
  memcpy(&b, &a, sizeof a);
  memcpy(&untouched, &a, sizeof a);
  bk_err err;
  bk_err_clear(&err);
  bk_rc rc = bk_policy_json_parse(text, size, "fuzz.json", &a, &err);
  if (rc == BK_OK) {
    bk_err e2;
    bk_err_clear(&e2);
    BK_FZ_CHECK(bk_policy_json_parse(text, size, "fuzz.json", &b, &e2) == BK_OK,
                "a policy that loaded once failed the second time: %s", e2.msg);
    BK_FZ_CHECK(memcmp(&a, &b, sizeof a) == 0, "two loads of the same text differ");
    /* out-of-range values are the loader's errors: what it accepts passes the check */
    BK_FZ_CHECK(bk_policy_check(&a, &e2) == BK_OK, "loaded an invalid policy: %s", e2.msg);
  } else {
    BK_FZ_CHECK(rc == BK_ECONFIG || rc == BK_ENOMEM, "rc %d (%s)", rc, err.msg);
    BK_FZ_CHECK(strncmp(err.msg, "fuzz.json", 9) == 0, "message does not name the file: %s",
                err.msg);
    BK_FZ_CHECK(memcmp(&a, &untouched, sizeof a) == 0, "a failed load changed the policy");
  }
  return 0;
}
