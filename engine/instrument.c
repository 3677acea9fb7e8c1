/*
 * The instrument table (see instrument.h). A replay meets a handful of instruments, so
 * lookup is a linear scan; decoders keep the last id they resolved and rarely call in.
 */
#include "engine/instrument.h"

#include "engine/fixed.h"
#include "engine/vec.h"

#include <stdlib.h>
#include <string.h>

void bk_instruments_init(bk_instruments *t) {
  t->v = NULL;
  t->n = t->cap = 0;
}

void bk_instruments_fini(bk_instruments *t) {
  free(t->v);
  bk_instruments_init(t);
}

static int same(const char *field, const char *s, size_t n) {
  return strlen(field) == n && memcmp(field, s, n) == 0;
}

bk_rc bk_instr_intern(bk_instruments *t, const char *exchange, size_t exchange_len,
                      const char *symbol, size_t symbol_len, uint32_t *id) {
  for (size_t i = 0; i < t->n; i++) {
    if (same(t->v[i].exchange, exchange, exchange_len) &&
        same(t->v[i].symbol, symbol, symbol_len)) {
      *id = (uint32_t)i;
      return BK_OK;
    }
  }
  if (exchange_len >= sizeof t->v[0].exchange || symbol_len >= sizeof t->v[0].symbol ||
      symbol_len == 0)
    return BK_EDATA;
  bk_instrument *v = bk_vec_grow_from(t->v, &t->cap, t->n + 1, sizeof *v, 8);
  if (!v) return BK_ENOMEM;
  t->v = v;
  bk_instrument *in = &t->v[t->n];
  memset(in, 0, sizeof *in);
  memcpy(in->exchange, exchange, exchange_len);
  memcpy(in->symbol, symbol, symbol_len);
  in->kind = BK_LINEAR;
  in->contract_size = BK_FX(1);
  *id = (uint32_t)t->n++;
  return BK_OK;
}
