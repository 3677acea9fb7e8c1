/*
 * Names of event kinds, for messages and reports.
 */
#include "engine/event.h"

const char *bk_ev_kind_name(int kind) {
  static const char *const names[BK_EV_KINDS] = {
      "none", "book", "snapshot", "trade", "quote", "mark",
      "index", "last", "funding", "open_interest", "liquidation", "depth"};
  return (kind >= 0 && kind < BK_EV_KINDS) ? names[kind] : "unknown";
}
