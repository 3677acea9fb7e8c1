/*
 * Result codes to sysexits.h exit codes (see exitcode.h). A table of a dozen cases, called
 * once per command.
 */
#include "cli/exitcode.h"

#include <sysexits.h>

int bk_cli_exit_code(bk_rc rc) {
  switch (rc) {
  case BK_OK:
  case BK_EOF: return 0;
  case BK_EUSAGE: return EX_USAGE;
  case BK_EDATA:
  case BK_EFORMAT:
  case BK_ERANGE: return EX_DATAERR;
  case BK_ENOINPUT: return EX_NOINPUT;
  case BK_EIO: return EX_IOERR;
  case BK_ENOMEM: return EX_OSERR;
  case BK_ECONFIG: return EX_CONFIG;
  case BK_EWRITE: return EX_CANTCREAT;
  case BK_EINVARIANT: return EX_SOFTWARE;
  }
  return EX_SOFTWARE;
}
