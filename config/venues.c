/*
 * The venue conventions table (see venues.h). Each row is a published contract rule:
 * Binance COIN-M perpetuals are inverse with a 10 USD face (100 USD for BTC), Binance
 * USDⓈ-M is linear in USDT; BitMEX XBTUSD is inverse, 1 USD a contract; Deribit inverse
 * perpetuals are 10 USD a contract. Longest matching rule wins.
 */
#include "config/venues.h"

#include <stdio.h>
#include <string.h>

#include "engine/fixed.h"

static int starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static int ends(const char *s, const char *p) {
  size_t n = strlen(s), k = strlen(p);
  return n >= k && strcmp(s + n - k, p) == 0;
}

/* The base coin of an inverse symbol: "DOTUSD_PERP" -> "DOT", "XBTUSD" -> "XBT",
 * "BTC-PERPETUAL" -> "BTC". */
static void coin_of(const char *symbol, char *out, size_t cap) {
  size_t n = strcspn(symbol, "-_");
  const char *usd = strstr(symbol, "USD");
  if (usd && (size_t)(usd - symbol) < n) n = (size_t)(usd - symbol);
  if (n >= cap) n = cap - 1;
  memcpy(out, symbol, n);
  out[n] = '\0';
}

/* The quote of a linear symbol: its USDT / USDC / BUSD / USD suffix. */
static const char *quote_of(const char *symbol) {
  static const char *const quotes[] = {"USDT", "USDC", "BUSD", "USD"};
  for (size_t i = 0; i < sizeof quotes / sizeof *quotes; i++)
    if (ends(symbol, quotes[i])) return quotes[i];
  return "USD";
}

void bk_venue_spec_for(const char *exchange, const char *symbol, bk_venue_spec *s) {
  memset(s, 0, sizeof *s);
  if (!strcmp(exchange, "binance-delivery")) {
    s->kind = BK_INVERSE;
    int btc = starts(symbol, "BTCUSD");
    s->contract_size = BK_FX(btc ? 100 : 10);
    coin_of(symbol, s->settle, sizeof s->settle);
    snprintf(s->why, sizeof s->why,
             "binance-delivery (COIN-M): inverse, %s USD per contract, settles in %s",
             btc ? "100" : "10", s->settle);
  } else if (!strcmp(exchange, "bitmex") && starts(symbol, "XBTUSD")) {
    s->kind = BK_INVERSE;
    s->contract_size = BK_FX(1);
    strcpy(s->settle, "XBT");
    snprintf(s->why, sizeof s->why, "bitmex XBTUSD: inverse, 1 USD per contract, settles in XBT");
  } else if (!strcmp(exchange, "deribit") && ends(symbol, "-PERPETUAL") && !strstr(symbol, "_")) {
    s->kind = BK_INVERSE;
    s->contract_size = BK_FX(starts(symbol, "BTC") ? 10 : 1);
    coin_of(symbol, s->settle, sizeof s->settle);
    snprintf(s->why, sizeof s->why, "deribit inverse perpetual: %s USD per contract, settles in %s",
             starts(symbol, "BTC") ? "10" : "1", s->settle);
  } else {
    s->kind = BK_LINEAR;
    s->contract_size = BK_FX(1);
    snprintf(s->settle, sizeof s->settle, "%s", quote_of(symbol));
    snprintf(s->why, sizeof s->why, "%s: linear, 1 base unit per contract, settles in %s%s",
             exchange, s->settle,
             (!strcmp(exchange, "binance-futures") || !strcmp(exchange, "synthetic"))
                 ? "" : " (no convention known for this venue: assumed)");
  }
}
