/*
 * Feeds (see feed.h): the header row picks a decoder, each row becomes events through
 * one decoding function per format, fed by either splitter (rows.h). Clamping of
 * backwards timestamps, gap counting and the inspect counters live here, once.
 *
 * Tuned for Tardis incremental_book_L2 files of tens of millions of rows: a row is
 * decoded straight from its fields (located once from the header) to fixed point, the
 * instrument id is cached (a file rarely holds more than one symbol), and events wait in
 * a small queue that a row fills and bk_feed_next empties.
 */
#include "feeds/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/clock.h"
#include "engine/fixed.h"
#include "feeds/lines.h"
#include "feeds/num.h"
#include "feeds/rows.h"
#include "feeds/source.h"

/* Formats */
enum { F_L2, F_TRADES, F_LIQ, F_QUOTES, F_TICKER, F_SNAPN, F_DEPTH, F_KLINES };

/* Column roles: a column is found by its header name. */
enum {
  C_EXCH, C_SYM, C_TS, C_LTS, C_ISSNAP, C_SIDE, C_PRICE, C_AMOUNT,
  C_ASKAMT, C_ASKPX, C_BIDPX, C_BIDAMT,
  C_FUNDTS, C_FUNDRATE, C_OI, C_LAST, C_INDEX, C_MARK,
  C_PCT, C_DEPTH, C_NOTIONAL,
  C_OPENT, C_OPEN, C_HIGH, C_LOW, C_CLOSE, C_CLOSET,
  C_N
};

static const char *const role_names[C_N] = {
  "exchange", "symbol", "timestamp", "local_timestamp", "is_snapshot", "side", "price", "amount",
  "ask_amount", "ask_price", "bid_price", "bid_amount",
  "funding_timestamp", "funding_rate", "open_interest", "last_price", "index_price", "mark_price",
  "percentage", "depth", "notional",
  "open_time", "open", "high", "low", "close", "close_time"};

static const char SUPPORTED[] =
    "Tardis incremental_book_L2, trades, quotes, derivative_ticker, liquidations, "
    "book_snapshot_N; Binance public-data bookDepth and klines (mark-price, index-price, "
    "trade)";

struct bk_feed {
  bk_source *src;
  bk_rows *rows;
  bk_instruments *instr;
  bk_feed_opts o;
  int fmt;
  char fmtname[40];
  size_t ncol;           /* fields per row, from the header */
  char *hbuf;            /* header names, NUL-separated */
  char **hname;          /* hname[i]: name of column i */
  size_t col[C_N];       /* column of each role; SIZE_MAX when absent */
  size_t nlev;           /* book_snapshot_N: N */
  size_t *lev;           /* book_snapshot_N: columns asks[i].price, asks[i].amount,
                            bids[i].price, bids[i].amount at lev[4 * i + 0..3] */
  int kline_kind;        /* BK_EV_MARK / BK_EV_INDEX / BK_EV_LAST */
  uint32_t file_instr;   /* Binance public data: instrument from the file name */
  int first_is_data;     /* headerless kline file: the first row is a bar, not names */
  /* instrument cache for Tardis rows */
  char cex[32], csym[48];
  size_t cexn, csymn;
  uint32_t cid;
  int have_cid;
  /* incremental_book_L2 fast path (see l2_fast) */
  int l2fast;            /* the header is the standard one and the fast path is allowed */
  bk_lines *lines;       /* the row reader's line reader */
  char pre[80];          /* "exchange,symbol," of the cached instrument */
  size_t pren;
  uint64_t memo_ts[2], memo_lts[2]; /* see l2_int */
  /* decoding state */
  int prev_snapshot;     /* previous incremental_book_L2 row was a snapshot row */
  int have_ts;
  int64_t last_ts;
  uint64_t ev_line;      /* line of the row of the event last handed out */
  const bk_row *row;     /* row being decoded */
  bk_event *q;           /* events of the current row */
  size_t qn, qi, qcap;
  /* events decoded ahead by bk_feed_peek, handed out before any other; freed once all
     are handed out */
  bk_event *ahead;
  uint64_t *ahead_line;  /* line of the row of each */
  size_t ahead_n, ahead_i;
  bk_feed_info info;
  bk_rc state;
  bk_err err;
};

void bk_feed_opts_init(bk_feed_opts *o) {
  memset(o, 0, sizeof *o);
  o->read_size = 0;
  o->gap_us = BK_FEED_GAP_DEFAULT_US;
}

/* ---- errors naming file, line and column ---------------------------------------- */

/* Copies up to 64 bytes of a field for a message, escaping what would not print as it
 * is (a NUL would cut the message short, a control byte garble the terminal). */
static void echo(const char *v, size_t n, char *out, size_t cap) {
  size_t k = 0, i = 0;
  for (; i < n && i < 64 && k + 5 < cap; i++) {
    unsigned char ch = (unsigned char)v[i];
    if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\')
      k += (size_t)snprintf(out + k, cap - k, "\\x%02x", ch);
    else
      out[k++] = (char)ch;
  }
  if (i < n && k + 3 < cap) memcpy(out + k, "...", 3), k += 3;
  out[k] = '\0';
}

/* "file:line: column 'name': what, got "value"note" */
static bk_rc col_msg(bk_feed *f, size_t c, const char *what, const char *note) {
  const bk_row *r = f->row;
  char v[64 * 4 + 8];
  echo(c < r->nf ? r->f[c] : "", c < r->nf ? r->n[c] : 0, v, sizeof v);
  return bk_err_set(&f->err, BK_EDATA, "%s:%llu: column '%s': %s, got \"%s\"%s",
                    f->info.file.path, (unsigned long long)r->line, f->hname[c], what, v,
                    note ? note : "");
}

static bk_rc col_error(bk_feed *f, size_t c, const char *expected) {
  char what[160];
  snprintf(what, sizeof what, "expected %s", expected);
  return col_msg(f, c, what, NULL);
}

/* A number the parser refused: says which rule it broke (why, from engine/fixed.h). */
static bk_rc num_error(bk_feed *f, size_t c, const char *why, int fx) {
  const char *v = f->row->f[c];
  int neg = f->row->n[c] > 0 && v[0] == '-';
  if (why && strcmp(why, "too large") == 0) {
    if (fx)
      return col_msg(f, c, neg ? "out of range: smaller than -92233720368.54775808"
                               : "out of range: larger than 92233720368.54775807", NULL);
    return col_msg(f, c, neg ? "out of range: smaller than -9223372036854775808"
                             : "out of range: larger than 9223372036854775807", NULL);
  }
  if (why && strcmp(why, "more than 8 decimal places") == 0)
    return col_msg(f, c, "more than 8 decimal places (the precision is 0.00000001)", NULL);
  return col_error(f, c, fx ? "a decimal number" : "an integer");
}

static inline bk_rc fx_col(bk_feed *f, size_t c, int64_t *out) {
  const char *why = NULL;
  if (bk_num_fx(f->row->f[c], f->row->n[c], out, &why)) return num_error(f, c, why, 1);
  return BK_OK;
}

/* What a decoded number must be, where the format says so. */
enum { V_ANY, V_PRICE, V_AMOUNT };

static inline bk_rc check_value(bk_feed *f, size_t c, int64_t v, int rule) {
  if (rule == V_PRICE && v <= 0) return col_error(f, c, "a price above 0");
  if (rule == V_AMOUNT && v < 0) return col_error(f, c, "an amount of 0 or more");
  return BK_OK;
}

/* A decimal that must follow rule. */
static inline bk_rc val_col(bk_feed *f, size_t c, int rule, int64_t *out) {
  bk_rc rc = fx_col(f, c, out);
  return rc ? rc : check_value(f, c, *out, rule);
}

/* An optional decimal: empty leaves *present 0. */
static bk_rc fx_opt(bk_feed *f, size_t c, int rule, int64_t *out, int *present) {
  *present = 0;
  if (c == SIZE_MAX || f->row->n[c] == 0) return BK_OK;
  *present = 1;
  return val_col(f, c, rule, out);
}

static inline bk_rc int_col(bk_feed *f, size_t c, int64_t *out) {
  const char *why = NULL;
  if (bk_num_int(f->row->f[c], f->row->n[c], out, &why)) return num_error(f, c, why, 0);
  return BK_OK;
}

/* Times from 2000-01-01 to 2100-01-01 in µs. A time column in another unit is told by its
 * magnitude: the same span in seconds (about 1e9), milliseconds (1e12) or nanoseconds
 * (1e18) does not overlap it or the others, and nothing else is refused (a time outside
 * every span, negative or far future, is data; see tests/test_hostile.c). */
#define BK_US_2000 INT64_C(946684800000000)
#define BK_US_2100 INT64_C(4102444800000000)

/* The unit whose 2000-2100 span holds v, or NULL. */
static const char *time_unit(int64_t v) {
  if (v >= BK_US_2000 / 1000000 && v <= BK_US_2100 / 1000000) return "seconds";
  if (v >= BK_US_2000 / 1000 && v <= BK_US_2100 / 1000) return "milliseconds";
  if (v >= BK_US_2000 && v <= BK_US_2100) return "microseconds";
  if (v / 1000 >= BK_US_2000 && v / 1000 <= BK_US_2100) return "nanoseconds";
  return NULL;
}

/* A time column in unit (e.g. "microseconds"): a value that looks like another unit is
 * refused with a hint. */
static bk_rc time_col(bk_feed *f, size_t c, const char *unit, int64_t *out) {
  bk_rc rc = int_col(f, c, out);
  if (rc) return rc;
  const char *u = time_unit(*out);
  if (u && strcmp(u, unit) != 0) {
    char what[96], note[64];
    snprintf(what, sizeof what, "expected %s since the epoch", unit);
    snprintf(note, sizeof note, " (looks like %s)", u);
    return col_msg(f, c, what, note);
  }
  return BK_OK;
}

static int is(const char *s, size_t n, const char *lit) {
  size_t m = strlen(lit);
  return n == m && memcmp(s, lit, m) == 0;
}

/* ---- events ----------------------------------------------------------------------- */

/* The time-order rule and the counters, for an event about to be handed out: a backwards
 * timestamp is clamped (or, with strict, the caller's error: nothing is changed). */
static inline void time_rule(bk_feed *f, bk_event *ev) {
  if (f->have_ts && ev->ts < f->last_ts) {
    ev->ts = f->last_ts;
    ev->flags |= BK_EVF_CLAMPED;
    f->info.file.clamped++;
  }
  if (!f->have_ts) {
    f->info.file.first_ts = ev->ts;
  } else {
    /* after the clamp ev->ts >= last_ts: the gap is non-negative, and computed unsigned
       so that timestamps a whole int64 range apart cannot overflow it */
    uint64_t gap = (uint64_t)ev->ts - (uint64_t)f->last_ts;
    if (gap > (uint64_t)f->o.gap_us) {
      f->info.file.gaps++;
      int64_t g = gap > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)gap;
      if (g > f->info.file.longest_gap_us) {
        f->info.file.longest_gap_us = g;
        f->info.file.longest_gap_end = ev->ts;
      }
    }
  }
  f->have_ts = 1;
  f->last_ts = f->info.file.last_ts = ev->ts;
  if (ev->flags & BK_EVF_RESET) f->info.snapshot_runs++;
}

/* Queues one event of the current row, applying the time-order rule. */
static inline bk_rc emit(bk_feed *f, bk_event ev) {
  if (f->o.strict && f->have_ts && ev.ts < f->last_ts)
    return bk_err_set(&f->err, BK_EDATA, "%s:%llu: timestamp %lld goes backwards (previous %lld)",
                      f->info.file.path, (unsigned long long)f->row->line,
                      (long long)ev.ts, (long long)f->last_ts);
  time_rule(f, &ev);
  if (f->qn == f->qcap) {
    size_t cap = f->qcap ? f->qcap * 2 : 16;
    bk_event *q = realloc(f->q, cap * sizeof *q);
    if (!q) return bk_err_set(&f->err, BK_ENOMEM, "%s: out of memory", f->info.file.path);
    f->q = q;
    f->qcap = cap;
  }
  f->q[f->qn++] = ev;
  return BK_OK;
}

static void note_symbol(bk_feed *f, uint32_t id) {
  for (size_t i = 0; i < f->info.n_symbols; i++)
    if (f->info.symbols[i] == id) return;
  if (f->info.n_symbols < BK_FEED_SYMBOLS_MAX) f->info.symbols[f->info.n_symbols++] = id;
}

/* Instrument of a Tardis row, from its exchange and symbol columns (cached). */
static bk_rc row_instr(bk_feed *f, uint32_t *id) {
  const bk_row *r = f->row;
  size_t ce = f->col[C_EXCH], cs = f->col[C_SYM];
  const char *ex = r->f[ce], *sy = r->f[cs];
  size_t exn = r->n[ce], syn = r->n[cs];
  if (f->have_cid && exn == f->cexn && syn == f->csymn && memcmp(ex, f->cex, exn) == 0 &&
      memcmp(sy, f->csym, syn) == 0) {
    *id = f->cid;
    return BK_OK;
  }
  if (exn == 0 || exn >= sizeof f->cex) return col_error(f, ce, "an exchange name (1-31 bytes)");
  if (syn == 0 || syn >= sizeof f->csym) return col_error(f, cs, "a symbol (1-47 bytes)");
  /* a NUL would end the name where it prints and make two instruments of one printed
   * name; control bytes have no place in a name either */
  for (size_t i = 0; i < exn; i++)
    if ((unsigned char)ex[i] < 0x20 || ex[i] == 0x7f)
      return col_error(f, ce, "an exchange name without NUL or control bytes");
  for (size_t i = 0; i < syn; i++)
    if ((unsigned char)sy[i] < 0x20 || sy[i] == 0x7f)
      return col_error(f, cs, "a symbol without NUL or control bytes");
  bk_rc rc = bk_instr_intern(f->instr, ex, exn, sy, syn, id);
  if (rc == BK_ENOMEM)
    return bk_err_set(&f->err, rc, "%s: out of memory", f->info.file.path);
  if (rc) return col_error(f, cs, "a symbol");
  if (*id >= BK_FEED_INSTRUMENTS_MAX) {
    char what[96];
    snprintf(what, sizeof what, "at most %d instruments in one run", BK_FEED_INSTRUMENTS_MAX);
    return col_msg(f, cs, what, " (a new one past the limit)");
  }
  memcpy(f->cex, ex, exn);
  memcpy(f->csym, sy, syn);
  f->cexn = exn;
  f->csymn = syn;
  memcpy(f->pre, ex, exn);
  f->pre[exn] = ',';
  memcpy(f->pre + exn + 1, sy, syn);
  f->pre[exn + 1 + syn] = ',';
  f->pren = exn + syn + 2;
  f->cid = *id;
  f->have_cid = 1;
  note_symbol(f, *id);
  return BK_OK;
}

/* The exchange and local timestamps and instrument every Tardis row starts with. */
static inline bk_rc tardis_head(bk_feed *f, bk_event *ev) {
  memset(ev, 0, sizeof *ev);
  bk_rc rc = time_col(f, f->col[C_TS], "microseconds", &ev->ts);
  if (!rc) rc = time_col(f, f->col[C_LTS], "microseconds", &ev->local_ts);
  if (!rc) rc = row_instr(f, &ev->instr);
  return rc;
}

static bk_rc side_col(bk_feed *f, size_t c, int book, uint8_t *side) {
  const char *s = f->row->f[c];
  size_t n = f->row->n[c];
  if (book) {
    if (is(s, n, "bid")) *side = BK_BID;
    else if (is(s, n, "ask")) *side = BK_ASK;
    else return col_error(f, c, "bid or ask");
  } else {
    if (is(s, n, "buy")) *side = BK_BUY;
    else if (is(s, n, "sell")) *side = BK_SELL;
    else if (is(s, n, "unknown")) *side = BK_SIDE_NONE;
    else return col_error(f, c, "buy, sell or unknown");
  }
  return BK_OK;
}

/* ---- one decoding function per format ------------------------------------------- */

static bk_rc dec_l2(bk_feed *f) {
  bk_event ev;
  bk_rc rc = tardis_head(f, &ev);
  if (rc) return rc;
  size_t c = f->col[C_ISSNAP];
  int snap;
  if (is(f->row->f[c], f->row->n[c], "true")) snap = 1;
  else if (is(f->row->f[c], f->row->n[c], "false")) snap = 0;
  else return col_error(f, c, "true or false");
  if ((rc = side_col(f, f->col[C_SIDE], 1, &ev.side)) ||
      (rc = val_col(f, f->col[C_PRICE], V_PRICE, &ev.price)) ||
      (rc = val_col(f, f->col[C_AMOUNT], V_AMOUNT, &ev.qty)))
    return rc;
  ev.kind = snap ? BK_EV_SNAPSHOT : BK_EV_BOOK;
  if (snap && !f->prev_snapshot) ev.flags |= BK_EVF_RESET;
  rc = emit(f, ev);
  if (!rc) f->prev_snapshot = snap;
  return rc;
}

/* ---- incremental_book_L2 fast path ----------------------------------------------
 *
 * Nearly every row of a long L2 file has one shape: the cached instrument's
 * "exchange,symbol," then two plain integers, true|false, bid|ask, two plain decimals and
 * LF. l2_fast decodes such a row in one pass straight from the line reader's buffer (no
 * field array, no copy) and hands back 0 for anything else (another symbol, a CR, a
 * quote, a sign, an exponent, a bad field, a line cut by a block end), which the general
 * path then reads as it always did, errors included. The numbers are computed as
 * feeds/num.h computes them, so both paths give the same event; tests/test_l2fast.c
 * checks it against libcsv on real files and fuzzed rows. */

/* An unsigned integer of 1-18 digits followed by term: as bk_num_int. memo holds the
 * first eight bytes of the last 16-digit number and their value (always valid digits):
 * consecutive timestamps share them, so only the last eight are converted. */
static inline int l2_int(const char **pp, const char *end, char term, int64_t *out,
                         uint64_t memo[2]) {
  const char *p = *pp;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (end - p > 16 && p[16] == term) { /* the common 16-digit µs timestamp */
    uint64_t w, a, b = bk_num_digits8(p + 8);
    memcpy(&w, p, 8);
    if (w == memo[0]) {
      a = memo[1];
    } else {
      a = bk_num_digits8(p);
      if (a == UINT64_MAX) return 0;
      memo[0] = w;
      memo[1] = a;
    }
    if (b == UINT64_MAX) return 0;
    *out = (int64_t)(a * 100000000 + b);
    *pp = p + 17;
    return 1;
  }
#else
  (void)memo;
#endif
  uint64_t v = 0;
  size_t k = 0;
  while (p + k < end && k <= 18 && (unsigned char)(p[k] - '0') <= 9)
    v = v * 10 + (uint64_t)(p[k++] - '0');
  if (k == 0 || k > 18 || p + k >= end || p[k] != term) return 0;
  *out = (int64_t)v;
  *pp = p + k + 1;
  return 1;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BK_L2_SWAR 1
#define BK_L2_B8(c) (UINT64_C(0x0101010101010101) * (uint8_t)(c))

/* 0x80 in each byte of w that is not an ASCII digit (no carry crosses bytes). */
static inline uint64_t l2_nondigits(uint64_t w) {
  uint64_t x = w ^ BK_L2_B8('0');
  return (((x & BK_L2_B8(0x7f)) + BK_L2_B8(0x76)) | x) & BK_L2_B8(0x80);
}

/* The value of the k (1-8) ASCII digits in the low bytes of w, the first the most
 * significant. A byte above them may borrow in the subtraction: that only reaches bytes
 * further up, which the shift drops. */
static inline uint64_t l2_digits(uint64_t w, unsigned k) {
  uint64_t v = (w - BK_L2_B8('0')) << (8 * (8 - k));
  v = (v * 10 + (v >> 8)) & UINT64_C(0x00FF00FF00FF00FF);
  v = (v * 100 + (v >> 16)) & UINT64_C(0x0000FFFF0000FFFF);
  return (v * 10000 + (v >> 32)) & UINT64_C(0xFFFFFFFF);
}
#endif

/* A decimal of 1-10 integer digits and optionally '.' and 1-8 fraction digits, followed
 * by term: as bk_num_fx. */
static inline int l2_fx(const char **pp, const char *end, char term, int64_t *out) {
  static const uint64_t pow10[9] = {100000000, 10000000, 1000000, 100000, 10000,
                                    1000,      100,      10,      1};
  const char *p = *pp;
#ifdef BK_L2_SWAR
  if (end - p > 16) {
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t nd = l2_nondigits(w);
    /* most prices and amounts: at most 7 bytes, a point among them ("28002.1", "0.024"):
     * squeeze the point out and convert every digit at once */
    unsigned k = (unsigned)__builtin_ctzll(nd | (UINT64_C(1) << 63)) >> 3;
    if (k > 0 && k < 7 && p[k] == '.') {
      uint64_t rest = nd & ~(UINT64_C(0x80) << (8 * k));
      unsigned e = (unsigned)__builtin_ctzll(rest | (UINT64_C(1) << 63)) >> 3;
      if (e > k + 1 && e < 8 && p[e] == term) {
        uint64_t low = (UINT64_C(1) << (8 * k)) - 1;
        uint64_t d = (w & low) | ((w >> 8) & ~low);
        *out = (int64_t)(l2_digits(d, e - 1) * pow10[e - k - 1]);
        *pp = p + e + 1;
        return 1;
      }
    }
    /* up to 7 integer digits and 8 fraction digits, eight bytes at a time */
    if (nd) {
      if (k == 0) return 0;
      uint64_t v = l2_digits(w, k) * BK_FX_SCALE;
      if (p[k] != term) {
        if (p[k] != '.') return 0;
        const char *q = p + k + 1;
        memcpy(&w, q, 8);
        nd = l2_nondigits(w);
        unsigned fd = nd ? (unsigned)__builtin_ctzll(nd) >> 3 : 8;
        if (fd == 0 || q[fd] != term) return 0;
        v += l2_digits(w, fd) * pow10[fd];
        k += 1 + fd;
      }
      *out = (int64_t)v;
      *pp = p + k + 1;
      return 1;
    }
  }
#endif
  uint64_t v = 0;
  size_t k = 0;
  while (p < end && k <= 10 && (unsigned char)(*p - '0') <= 9) v = v * 10 + (uint64_t)(*p++ - '0'), k++;
  if (k == 0 || k > 10 || p >= end) return 0;
  v *= BK_FX_SCALE;
  if (*p == '.') {
    uint64_t fr = 0;
    size_t fd = 0;
    p++;
    while (p < end && fd <= 8 && (unsigned char)(*p - '0') <= 9) fr = fr * 10 + (uint64_t)(*p++ - '0'), fd++;
    if (fd == 0 || fd > 8 || p >= end) return 0;
    v += fr * pow10[fd];
  }
  if (*p != term) return 0;
  *out = (int64_t)v;
  *pp = p + 1;
  return 1;
}

/* a[0, n) == b[0, n), eight bytes at a time; from 8 bytes on, the last word overlaps the
 * one before it instead of a byte loop. */
static inline int same_bytes(const char *a, const char *b, size_t n) {
  uint64_t x, y;
  if (n < 8) {
    for (size_t i = 0; i < n; i++)
      if (a[i] != b[i]) return 0;
    return 1;
  }
  for (size_t i = 0; i + 8 < n; i += 8) {
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    if (x != y) return 0;
  }
  memcpy(&x, a + n - 8, 8);
  memcpy(&y, b + n - 8, 8);
  return x == y;
}

/* Decodes the row at p (avail bytes in memory) into *ev when it has the common shape and
 * returns the bytes it spans with its LF; 0 leaves it to the general path. Changes
 * nothing in f but the timestamp memos. */
static inline size_t l2_fast(bk_feed *f, const char *p, size_t avail, bk_event *ev) {
  const char *s = p, *end = p + avail;
  if (avail <= f->pren || !same_bytes(p, f->pre, f->pren)) return 0;
  p += f->pren;
  int64_t ts, lts, price, qty;
  if (!l2_int(&p, end, ',', &ts, f->memo_ts) || !l2_int(&p, end, ',', &lts, f->memo_lts)) return 0;
  int snap;
  if (end - p > 5 && memcmp(p, "true,", 5) == 0) snap = 1, p += 5;
  else if (end - p > 6 && memcmp(p, "false,", 6) == 0) snap = 0, p += 6;
  else return 0;
  uint8_t side;
  if (end - p <= 4) return 0;
  if (memcmp(p, "bid,", 4) == 0) side = BK_BID;
  else if (memcmp(p, "ask,", 4) == 0) side = BK_ASK;
  else return 0;
  p += 4;
  if (!l2_fx(&p, end, ',', &price) || !l2_fx(&p, end, '\n', &qty)) return 0;
  /* a zero price, or a time outside 2000-2100 in µs, is the general path's to judge */
  if (price == 0 || (uint64_t)(ts - BK_US_2000) > (uint64_t)(BK_US_2100 - BK_US_2000) ||
      (uint64_t)(lts - BK_US_2000) > (uint64_t)(BK_US_2100 - BK_US_2000))
    return 0;
  size_t used = (size_t)(p - s);
  if (used - 1 > f->lines->max_line) return 0;
  /* field by field: a memset of the event compiles to a slow `rep stos` here */
  ev->ts = ts;
  ev->local_ts = lts;
  ev->price = price;
  ev->qty = qty;
  ev->aux = ev->aux2 = 0;
  ev->instr = f->cid;
  ev->kind = snap ? BK_EV_SNAPSHOT : BK_EV_BOOK;
  ev->side = side;
  ev->flags = snap && !f->prev_snapshot ? BK_EVF_RESET : 0;
  ev->pad = 0;
  return used;
}

/* Decodes up to cap rows through the fast path into evs, as far as the bytes in memory
 * go and the rows keep the common shape; returns how many (0: the general path reads the
 * next row). */
static size_t l2_run(bk_feed *f, bk_event *evs, size_t cap) {
  const char *p;
  size_t avail = bk_lines_avail(f->lines, &p);
  if (!avail || !f->have_cid) return 0;
  size_t k = 0, off = 0;
  for (; k < cap; k++) {
    bk_event *ev = &evs[k];
    size_t used = l2_fast(f, p + off, avail - off, ev);
    if (!used || (f->o.strict && f->have_ts && ev->ts < f->last_ts)) break;
    off += used;
    time_rule(f, ev);
    f->prev_snapshot = ev->kind == BK_EV_SNAPSHOT;
  }
  bk_lines_skip(f->lines, off, k);
  f->info.file.rows += k;
  f->info.file.events += k;
  return k;
}

static bk_rc dec_trade(bk_feed *f) {
  bk_event ev;
  bk_rc rc = tardis_head(f, &ev);
  if (rc || (rc = side_col(f, f->col[C_SIDE], 0, &ev.side)) ||
      (rc = val_col(f, f->col[C_PRICE], V_PRICE, &ev.price)) ||
      (rc = val_col(f, f->col[C_AMOUNT], V_AMOUNT, &ev.qty)))
    return rc;
  ev.kind = f->fmt == F_LIQ ? BK_EV_LIQ : BK_EV_TRADE;
  return emit(f, ev);
}

static bk_rc dec_quote(bk_feed *f) {
  bk_event ev;
  int p1, p2, p3, p4;
  bk_rc rc = tardis_head(f, &ev);
  if (rc || (rc = fx_opt(f, f->col[C_BIDPX], V_PRICE, &ev.price, &p1)) ||
      (rc = fx_opt(f, f->col[C_BIDAMT], V_AMOUNT, &ev.qty, &p2)) ||
      (rc = fx_opt(f, f->col[C_ASKPX], V_PRICE, &ev.aux, &p3)) ||
      (rc = fx_opt(f, f->col[C_ASKAMT], V_AMOUNT, &ev.aux2, &p4)))
    return rc;
  ev.kind = BK_EV_QUOTE;
  return emit(f, ev);
}

static bk_rc dec_ticker(bk_feed *f) {
  bk_event head;
  bk_rc rc = tardis_head(f, &head);
  if (rc) return rc;
  /* compute every field first: a bad field emits nothing of the row */
  int64_t v[5] = {0}, fts = 0;
  int have[5], hts = 0;
  static const int roles[5] = {C_FUNDRATE, C_OI, C_LAST, C_INDEX, C_MARK};
  static const uint8_t kinds[5] = {BK_EV_FUNDING, BK_EV_OI, BK_EV_LAST, BK_EV_INDEX, BK_EV_MARK};
  static const int rules[5] = {V_ANY, V_AMOUNT, V_PRICE, V_PRICE, V_PRICE};
  for (int i = 0; i < 5; i++)
    if ((rc = fx_opt(f, f->col[roles[i]], rules[i], &v[i], &have[i]))) return rc;
  size_t c = f->col[C_FUNDTS];
  if (c != SIZE_MAX && f->row->n[c] > 0) {
    if ((rc = int_col(f, c, &fts))) return rc;
    hts = 1;
  }
  for (int i = 0; i < 5 && !rc; i++) {
    if (!have[i]) continue;
    bk_event ev = head;
    ev.kind = kinds[i];
    if (kinds[i] == BK_EV_OI) ev.qty = v[i];
    else ev.price = v[i];
    if (kinds[i] == BK_EV_FUNDING && hts) ev.aux = fts;
    rc = emit(f, ev);
  }
  return rc;
}

static bk_rc dec_snapn(bk_feed *f) {
  bk_event head;
  bk_rc rc = tardis_head(f, &head);
  if (rc) return rc;
  int first = 1;
  for (int side = 0; side < 2; side++) {
    for (size_t i = 0; i < f->nlev; i++) {
      size_t cp = f->lev[4 * i + (size_t)side * 2], ca = cp + 0;
      ca = f->lev[4 * i + (size_t)side * 2 + 1];
      if (f->row->n[cp] == 0 && f->row->n[ca] == 0) continue; /* empty level */
      bk_event ev = head;
      if ((rc = val_col(f, cp, V_PRICE, &ev.price)) || (rc = val_col(f, ca, V_AMOUNT, &ev.qty)))
        return rc;
      ev.kind = BK_EV_SNAPSHOT;
      ev.side = side ? BK_BID : BK_ASK;
      if (first) ev.flags |= BK_EVF_RESET;
      first = 0;
      if ((rc = emit(f, ev))) return rc;
    }
  }
  return BK_OK;
}

static bk_rc dec_depth(bk_feed *f) {
  bk_event ev;
  memset(&ev, 0, sizeof ev);
  size_t c = f->col[C_TS];
  /* Binance's own file for 2025-10-10 has one time with a leading space (line 25883):
   * spaces around this text time are tolerated, nowhere else */
  const char *t = f->row->f[c];
  size_t tn = f->row->n[c];
  while (tn > 0 && *t == ' ') t++, tn--;
  while (tn > 0 && t[tn - 1] == ' ') tn--;
  if (bk_time_parse(t, tn, &ev.ts))
    return col_error(f, c, "a UTC time like 2025-10-10 00:00:07");
  ev.local_ts = ev.ts;
  bk_rc rc;
  if ((rc = fx_col(f, f->col[C_PCT], &ev.aux)) ||
      (rc = val_col(f, f->col[C_DEPTH], V_AMOUNT, &ev.qty)) ||
      (rc = val_col(f, f->col[C_NOTIONAL], V_AMOUNT, &ev.price)))
    return rc;
  ev.kind = BK_EV_DEPTH;
  ev.side = ev.aux < 0 ? BK_BID : BK_ASK;
  ev.instr = f->file_instr;
  return emit(f, ev);
}

static bk_rc ms_col(bk_feed *f, size_t c, int64_t *us) {
  int64_t ms;
  bk_rc rc = time_col(f, c, "milliseconds", &ms);
  if (rc) return rc;
  if (ms < 0 || ms > INT64_MAX / 1000) return col_error(f, c, "milliseconds since the epoch");
  *us = ms * 1000;
  return BK_OK;
}

static bk_rc dec_kline(bk_feed *f) {
  int64_t t0 = 0, t1 = 0, o = 0, h = 0, l = 0, c = 0;
  bk_rc rc;
  if ((rc = ms_col(f, f->col[C_OPENT], &t0)) || (rc = ms_col(f, f->col[C_CLOSET], &t1)) ||
      (rc = val_col(f, f->col[C_OPEN], V_PRICE, &o)) ||
      (rc = val_col(f, f->col[C_HIGH], V_PRICE, &h)) ||
      (rc = val_col(f, f->col[C_LOW], V_PRICE, &l)) ||
      (rc = val_col(f, f->col[C_CLOSE], V_PRICE, &c)))
    return rc;
  if (t1 < t0) return col_error(f, f->col[C_CLOSET], "a time not before open_time");
  int64_t len = t1 + 1000 - t0;
  int64_t p[4] = {o, c >= o ? l : h, c >= o ? h : l, c};
  int64_t t[4] = {t0, t0 + len / 3, t0 + 2 * (len / 3), t1};
  if (t[2] > t1) t[2] = t1;
  if (t[1] > t1) t[1] = t1;
  for (int i = 0; i < 4; i++) {
    bk_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts = ev.local_ts = t[i];
    ev.price = p[i];
    ev.kind = (uint8_t)f->kline_kind;
    ev.instr = f->file_instr;
    if (i == 1 || i == 2) ev.flags = BK_EVF_SYNTH;
    if ((rc = emit(f, ev))) return rc;
  }
  return BK_OK;
}

static bk_rc decode_row(bk_feed *f) {
  switch (f->fmt) {
  case F_L2: return dec_l2(f);
  case F_TRADES:
  case F_LIQ: return dec_trade(f);
  case F_QUOTES: return dec_quote(f);
  case F_TICKER: return dec_ticker(f);
  case F_SNAPN: return dec_snapn(f);
  case F_DEPTH: return dec_depth(f);
  case F_KLINES: return dec_kline(f);
  }
  return BK_EINVARIANT;
}

/* ---- choosing the decoder ------------------------------------------------------- */

static const char *base_name(const char *path) {
  const char *b = strrchr(path, '/');
  return b ? b + 1 : path;
}

static int has(const bk_feed *f, int role) { return f->col[role] != SIZE_MAX; }

static bk_rc need(bk_feed *f, const int *roles, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!has(f, roles[i]))
      return bk_err_set(&f->err, BK_EFORMAT, "%s:1: the %s header lacks column '%s'",
                        f->info.file.path, f->fmtname, role_names[roles[i]]);
  return BK_OK;
}

/* Parses "asks[12].price" into side (0 asks, 1 bids), level and field (0 price, 1 amount). */
static int level_name(const char *s, size_t *lev, int *side, int *field) {
  const char *p;
  if (strncmp(s, "asks[", 5) == 0) *side = 0;
  else if (strncmp(s, "bids[", 5) == 0) *side = 1;
  else return 0;
  p = s + 5;
  if (*p < '0' || *p > '9') return 0;
  size_t v = 0;
  while (*p >= '0' && *p <= '9' && v < 100000) v = v * 10 + (size_t)(*p++ - '0');
  if (strcmp(p, "].price") == 0) *field = 0;
  else if (strcmp(p, "].amount") == 0) *field = 1;
  else return 0;
  *lev = v;
  return 1;
}

/* Binance public data: instrument from the file name "SYMBOL-kind-...". */
static bk_rc name_instr(bk_feed *f) {
  const char *b = base_name(f->info.file.path);
  const char *dash = strchr(b, '-');
  const char *sym = f->o.symbol;
  size_t symn = sym ? strlen(sym) : 0;
  if (!sym) {
    if (!dash || dash == b)
      return bk_err_set(&f->err, BK_EFORMAT,
                        "%s: a Binance %s file, but its name does not start with the symbol "
                        "(expected e.g. BTCUSDT-%s-2025-10-10.csv)",
                        f->info.file.path, f->fmtname,
                        f->fmt == F_DEPTH ? "bookDepth" : "1m");
    sym = b;
    symn = (size_t)(dash - b);
  }
  const char *ex = f->o.exchange;
  if (!ex) {
    int usdm = (symn > 4 && (memcmp(sym + symn - 4, "USDT", 4) == 0 ||
                             memcmp(sym + symn - 4, "USDC", 4) == 0));
    ex = (!usdm && memchr(sym, '_', symn)) ? "binance-delivery" : "binance-futures";
  }
  bk_rc rc = bk_instr_intern(f->instr, ex, strlen(ex), sym, symn, &f->file_instr);
  if (rc == BK_ENOMEM)
    return bk_err_set(&f->err, rc, "%s: out of memory", f->info.file.path);
  if (rc)
    return bk_err_set(&f->err, BK_EDATA, "%s: symbol '%.*s' from the file name is too long",
                      f->info.file.path, (int)symn, sym);
  if (f->file_instr >= BK_FEED_INSTRUMENTS_MAX)
    return bk_err_set(&f->err, BK_EDATA, "%s: symbol '%.*s' is past the limit of %d "
                      "instruments in one run", f->info.file.path, (int)symn, sym,
                      BK_FEED_INSTRUMENTS_MAX);
  note_symbol(f, f->file_instr);
  return BK_OK;
}

static bk_rc choose(bk_feed *f, const bk_row *h) {
  size_t total = 0;
  for (size_t i = 0; i < h->nf; i++) total += h->n[i] + 1;
  f->hbuf = malloc(total + 1);
  f->hname = malloc((h->nf + 1) * sizeof *f->hname);
  if (!f->hbuf || !f->hname)
    return bk_err_set(&f->err, BK_ENOMEM, "%s: out of memory", f->info.file.path);
  char *p = f->hbuf;
  for (size_t i = 0; i < h->nf; i++) {
    const char *s = h->f[i];
    size_t n = h->n[i];
    if (i == 0 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3, n -= 3; /* BOM */
    memcpy(p, s, n);
    p[n] = '\0';
    f->hname[i] = p;
    p += n + 1;
  }
  f->ncol = h->nf;
  for (int r = 0; r < C_N; r++) f->col[r] = SIZE_MAX;
  size_t maxlev = 0, nlevcols = 0;
  for (size_t i = 0; i < h->nf; i++) {
    for (int r = 0; r < C_N; r++)
      if (f->col[r] == SIZE_MAX && strcmp(f->hname[i], role_names[r]) == 0) f->col[r] = i;
    size_t lev;
    int side, field;
    if (level_name(f->hname[i], &lev, &side, &field)) {
      nlevcols++;
      if (lev + 1 > maxlev) maxlev = lev + 1;
    }
  }
  static const int tardis[] = {C_EXCH, C_SYM, C_TS, C_LTS};
  const char *b = base_name(f->info.file.path);
  if (nlevcols > 0) {
    f->fmt = F_SNAPN;
    snprintf(f->fmtname, sizeof f->fmtname, "book_snapshot_%zu", maxlev);
    f->nlev = maxlev;
    f->lev = malloc(4 * maxlev * sizeof *f->lev);
    if (!f->lev)
      return bk_err_set(&f->err, BK_ENOMEM, "%s: out of memory", f->info.file.path);
    for (size_t i = 0; i < 4 * maxlev; i++) f->lev[i] = SIZE_MAX;
    for (size_t i = 0; i < h->nf; i++) {
      size_t lev;
      int side, field;
      if (level_name(f->hname[i], &lev, &side, &field))
        f->lev[4 * lev + (size_t)side * 2 + (size_t)field] = i;
    }
    for (size_t i = 0; i < 4 * maxlev; i++)
      if (f->lev[i] == SIZE_MAX)
        return bk_err_set(&f->err, BK_EFORMAT, "%s:1: the %s header lacks column '%s[%zu].%s'",
                          f->info.file.path, f->fmtname, (i % 4) < 2 ? "asks" : "bids",
                          i / 4, (i % 2) ? "amount" : "price");
    return need(f, tardis, 4);
  }
  if (has(f, C_ISSNAP)) {
    static const int r[] = {C_EXCH, C_SYM, C_TS, C_LTS, C_ISSNAP, C_SIDE, C_PRICE, C_AMOUNT};
    f->fmt = F_L2;
    strcpy(f->fmtname, "incremental_book_L2");
    bk_rc rc = need(f, r, 8);
    f->l2fast = !rc && !f->o.reference_csv && h->nf == 8;
    for (size_t i = 0; i < 8 && f->l2fast; i++) f->l2fast = f->col[r[i]] == i;
    return rc;
  }
  if (has(f, C_EXCH) && (has(f, C_FUNDRATE) || has(f, C_MARK) || has(f, C_INDEX))) {
    f->fmt = F_TICKER;
    strcpy(f->fmtname, "derivative_ticker");
    return need(f, tardis, 4);
  }
  if (has(f, C_EXCH) && has(f, C_ASKPX) && has(f, C_BIDPX)) {
    static const int r[] = {C_EXCH, C_SYM, C_TS, C_LTS, C_ASKAMT, C_ASKPX, C_BIDPX, C_BIDAMT};
    f->fmt = F_QUOTES;
    strcpy(f->fmtname, "quotes");
    return need(f, r, 8);
  }
  if (has(f, C_EXCH) && has(f, C_SIDE) && has(f, C_PRICE) && has(f, C_AMOUNT)) {
    static const int r[] = {C_EXCH, C_SYM, C_TS, C_LTS, C_SIDE, C_PRICE, C_AMOUNT};
    int liq = strstr(b, "_liquidations_") != NULL;
    f->fmt = liq ? F_LIQ : F_TRADES;
    strcpy(f->fmtname, liq ? "liquidations" : "trades");
    return need(f, r, 7);
  }
  if (has(f, C_TS) && has(f, C_PCT) && has(f, C_DEPTH) && has(f, C_NOTIONAL)) {
    f->fmt = F_DEPTH;
    strcpy(f->fmtname, "bookDepth");
    return name_instr(f);
  }
  /* Binance kline files before 2022 have no header: 12 columns, the first a time in ms */
  int64_t first_ms;
  if (!has(f, C_OPENT) && h->nf == 12 && h->n[0] == 13 &&
      bk_int_parse(h->f[0], h->n[0], &first_ms, NULL) == BK_OK) {
    static const char *const kl[12] = {"open_time", "open", "high", "low", "close", "volume",
                                       "close_time", "quote_volume", "count",
                                       "taker_buy_volume", "taker_buy_quote_volume", "ignore"};
    for (int r = 0; r < C_N; r++) f->col[r] = SIZE_MAX;
    for (size_t i = 0; i < 12; i++) {
      f->hname[i] = (char *)kl[i];
      for (int r = 0; r < C_N; r++)
        if (strcmp(kl[i], role_names[r]) == 0) f->col[r] = i;
    }
    f->first_is_data = 1;
  }
  if (has(f, C_OPENT) && has(f, C_CLOSET)) {
    static const int r[] = {C_OPENT, C_OPEN, C_HIGH, C_LOW, C_CLOSE, C_CLOSET};
    f->fmt = F_KLINES;
    if (strstr(b, "premiumIndexKlines"))
      return bk_err_set(&f->err, BK_EFORMAT,
                        "%s: premium-index klines are not supported (they hold a rate, not a "
                        "price); supported: %s",
                        f->info.file.path, SUPPORTED);
    if (strstr(b, "markPriceKlines")) {
      f->kline_kind = BK_EV_MARK;
      strcpy(f->fmtname, "markPriceKlines");
    } else if (strstr(b, "indexPriceKlines")) {
      f->kline_kind = BK_EV_INDEX;
      strcpy(f->fmtname, "indexPriceKlines");
    } else {
      f->kline_kind = BK_EV_LAST;
      strcpy(f->fmtname, "klines");
    }
    bk_rc rc = need(f, r, 6);
    return rc ? rc : name_instr(f);
  }
  /* the header, shortened, for the message */
  char shown[160];
  size_t k = 0;
  for (size_t i = 0; i < h->nf && k + 2 < sizeof shown; i++) {
    int w = snprintf(shown + k, sizeof shown - k, "%s%s", i ? "," : "", f->hname[i]);
    if (w < 0) break;
    k += (size_t)w;
  }
  if (k >= sizeof shown) strcpy(shown + sizeof shown - 4, "...");
  return bk_err_set(&f->err, BK_EFORMAT,
                    "%s:1: unsupported file: header \"%s\" matches no known format; "
                    "supported: %s",
                    f->info.file.path, shown, SUPPORTED);
}

/* ---- the feed ------------------------------------------------------------------- */

bk_rc bk_feed_open(const char *path, bk_instruments *instruments, const bk_feed_opts *opts,
                   bk_feed **out, bk_err *err) {
  *out = NULL;
  bk_feed *f = calloc(1, sizeof *f);
  if (!f) return bk_err_set(err, BK_ENOMEM, "%s: out of memory", path);
  if (opts) f->o = *opts;
  else bk_feed_opts_init(&f->o);
  if (f->o.gap_us <= 0) f->o.gap_us = BK_FEED_GAP_DEFAULT_US;
  f->instr = instruments;
  bk_err_clear(&f->err);
  memcpy(&f->memo_ts[0], "00000000", 8); /* "00000000" is 0 */
  memcpy(&f->memo_lts[0], "00000000", 8);
  bk_source_opts so = {f->o.read_size, f->o.threaded, f->o.no_hash};
  bk_rc rc = bk_source_open(path, &so, &f->src, err);
  if (rc) {
    free(f);
    return rc;
  }
  f->info.file.path = bk_source_path(f->src);
  f->info.file.codec = bk_codec_name(bk_source_codec(f->src));
  f->info.bytes_total = bk_source_size(f->src);
  f->info.file.format = f->fmtname;
  rc = bk_rows_new(f->src, f->o.read_size, f->o.max_line, f->o.reference_csv, &f->rows, err);
  if (rc) goto fail_quiet;
  f->lines = bk_rows_lines(f->rows);
  const bk_row *h;
  rc = bk_rows_next(f->rows, &h);
  if (rc == BK_EOF) {
    rc = bk_err_set(&f->err, BK_EFORMAT, "%s: empty file, expected a header row; supported: %s",
                    path, SUPPORTED);
    goto fail;
  }
  if (rc) {
    f->err = *bk_rows_error(f->rows);
    goto fail;
  }
  f->row = h;
  rc = choose(f, h);
  if (rc) goto fail;
  *out = f;
  return BK_OK;
fail:
  if (err) *err = f->err;
fail_quiet:
  bk_feed_free(f);
  return rc;
}

/* The next event, decoded from the file (bk_feed_next without the events held ahead). */
static bk_rc decode_next(bk_feed *f, bk_event *ev) {
  if (f->l2fast && f->qi == f->qn && !f->state && l2_run(f, ev, 1)) {
    f->ev_line = bk_rows_lineno(f->rows);
    return BK_OK;
  }
  for (;;) {
    if (f->qi < f->qn) {
      *ev = f->q[f->qi++];
      f->info.file.events++;
      f->ev_line = f->row->line;
      return BK_OK;
    }
    if (f->state) return f->state;
    f->qn = f->qi = 0;
    const bk_row *r = f->row;
    bk_rc rc = BK_OK;
    if (f->first_is_data) /* the row read as a header is still valid: it is a bar */
      f->first_is_data = 0;
    else
      rc = bk_rows_next(f->rows, &r);
    if (rc) {
      if (rc != BK_EOF) f->err = *bk_rows_error(f->rows);
      return f->state = rc;
    }
    f->row = r;
    f->info.file.rows++;
    if (r->nf != f->ncol) {
      bk_err_set(&f->err, BK_EDATA, "%s:%llu: expected %zu fields as in the header, got %zu",
                 f->info.file.path, (unsigned long long)r->line, f->ncol, r->nf);
      return f->state = BK_EDATA;
    }
    rc = decode_row(f);
    if (rc) {
      f->qn = 0; /* nothing of a bad row is handed out */
      return f->state = rc;
    }
  }
}

/* Up to cap next events, decoded from the file (bk_feed_next_batch_at without the events
 * held ahead). */
static bk_rc decode_batch(bk_feed *f, bk_event *evs, uint64_t *lines, size_t cap,
                          size_t *n) {
  size_t k = 0;
  while (k < cap) {
    if (f->l2fast && f->qi == f->qn && !f->state) {
      uint64_t line0 = bk_rows_lineno(f->rows);
      size_t got = l2_run(f, evs + k, cap - k);
      if (lines) /* the fast path takes one whole line per row */
        for (size_t j = 0; j < got; j++) lines[k + j] = line0 + j + 1;
      if (got) f->ev_line = line0 + got;
      k += got;
      if (k == cap) break;
    }
    bk_rc rc = decode_next(f, &evs[k]);
    if (rc) {
      *n = k;
      return k ? BK_OK : rc; /* EOF and errors are sticky: the next call returns them */
    }
    if (lines) lines[k] = f->ev_line;
    k++;
  }
  *n = k;
  return BK_OK;
}

static void drop_ahead(bk_feed *f) {
  free(f->ahead);
  free(f->ahead_line);
  f->ahead = NULL;
  f->ahead_line = NULL;
  f->ahead_n = f->ahead_i = 0;
}

/* Hands out up to cap of the events held ahead; returns how many. */
static size_t take_ahead(bk_feed *f, bk_event *evs, uint64_t *lines, size_t cap) {
  size_t k = f->ahead_n - f->ahead_i;
  if (k > cap) k = cap;
  if (!k) return 0;
  memcpy(evs, f->ahead + f->ahead_i, k * sizeof *evs);
  if (lines) memcpy(lines, f->ahead_line + f->ahead_i, k * sizeof *lines);
  f->ahead_i += k;
  f->ev_line = f->ahead_line[f->ahead_i - 1];
  if (f->ahead_i == f->ahead_n) drop_ahead(f);
  return k;
}

bk_rc bk_feed_next(bk_feed *f, bk_event *ev) {
  return take_ahead(f, ev, NULL, 1) ? BK_OK : decode_next(f, ev);
}

bk_rc bk_feed_next_batch_at(bk_feed *f, bk_event *evs, uint64_t *lines, size_t cap,
                            size_t *n) {
  size_t k = take_ahead(f, evs, lines, cap), m = 0;
  bk_rc rc = k < cap ? decode_batch(f, evs + k, lines ? lines + k : NULL, cap - k, &m) : BK_OK;
  *n = k + m;
  return *n ? BK_OK : rc;
}

/* Decodes events until max are held ahead (or the file ends, or an error). */
static bk_rc read_ahead(bk_feed *f, size_t max) {
  size_t held = f->ahead_n - f->ahead_i;
  if (f->ahead_i) { /* the held events move to the front */
    memmove(f->ahead, f->ahead + f->ahead_i, held * sizeof *f->ahead);
    memmove(f->ahead_line, f->ahead_line + f->ahead_i, held * sizeof *f->ahead_line);
  }
  f->ahead_n = held;
  f->ahead_i = 0;
  bk_event *e = realloc(f->ahead, max * sizeof *e);
  if (e) f->ahead = e;
  uint64_t *l = e ? realloc(f->ahead_line, max * sizeof *l) : NULL;
  if (!l) return f->state = bk_err_set(&f->err, BK_ENOMEM, "%s: out of memory", f->info.file.path);
  f->ahead_line = l;
  uint64_t handed = f->ev_line; /* decoding moves it; it names the event handed out last */
  bk_rc rc = BK_OK;
  while (f->ahead_n < max && rc == BK_OK) {
    size_t got;
    rc = decode_batch(f, f->ahead + f->ahead_n, f->ahead_line + f->ahead_n,
                      max - f->ahead_n, &got);
    f->ahead_n += got;
  }
  f->ev_line = handed;
  if (!f->ahead_n) drop_ahead(f); /* nothing to hold */
  return rc == BK_EOF ? BK_OK : rc;
}

bk_rc bk_feed_peek(bk_feed *f, size_t max, const bk_event **evs, const uint64_t **lines,
                   size_t *n) {
  bk_rc rc = f->ahead_n - f->ahead_i < max ? read_ahead(f, max) : BK_OK;
  *n = f->ahead_n - f->ahead_i;
  if (*n > max) *n = max;
  *evs = *n ? f->ahead + f->ahead_i : NULL;
  *lines = *n ? f->ahead_line + f->ahead_i : NULL;
  return rc;
}

bk_rc bk_feed_next_batch(bk_feed *f, bk_event *evs, size_t cap, size_t *n) {
  return bk_feed_next_batch_at(f, evs, NULL, cap, n);
}

uint64_t bk_feed_line(const bk_feed *f) { return f->ev_line; }

bk_rc bk_feed_seal(bk_feed *f) {
  bk_rc rc = bk_source_seal(f->src);
  if (rc) {
    f->err = *bk_source_error(f->src);
    return rc;
  }
  if (!f->state) f->state = BK_EOF;
  f->qn = f->qi = 0;
  drop_ahead(f);
  f->l2fast = 0;
  f->info.file.sha256 = bk_source_sha256(f->src, &f->info.file.bytes_hashed);
  return BK_OK;
}

const bk_err *bk_feed_error(const bk_feed *f) { return &f->err; }

size_t bk_feed_read_size(const bk_feed *f) {
  return f->o.read_size ? f->o.read_size : BK_SOURCE_READ_DEFAULT;
}

const bk_feed_info *bk_feed_info_get(const bk_feed *f) {
  bk_feed *m = (bk_feed *)f; /* refresh the live counters */
  m->info.bytes_in = bk_source_bytes_in(f->src);
  m->info.blank_lines = f->rows ? bk_rows_blank(f->rows) : 0;
  return &f->info;
}

void bk_feed_free(bk_feed *f) {
  if (!f) return;
  bk_rows_free(f->rows);
  bk_source_free(f->src);
  free(f->hbuf);
  free(f->hname);
  free(f->lev);
  free(f->q);
  drop_ahead(f);
  free(f);
}
