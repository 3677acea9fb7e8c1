/*
 * The event cache: the merged stream of decoded events one replay read, kept in a binary
 * file so that a later replay over the same inputs reads it back instead of
 * decompressing and parsing CSV.
 *
 * One file holds the merged stream of a whole input set, not one file per input: the
 * replay then needs no merge, and what a run reports of its inputs (bk_input_file: rows,
 * gaps, digests) depends on where reading stopped, which only the whole set decides. So
 * the key is the whole set plus everything that changes what is read (bk_cache_req).
 *
 * Layout (native byte order and struct layout; the header states both, and a file
 * written by another byte order, layout or version is refused as corrupt):
 *   header, 64 bytes: "BKEVCACH", u32 format version, u32 0x01020304 (byte order),
 *     u32 record size (72), u32 header size (64), u64 key bytes, u64 request bytes (the
 *     key's first part), u64 records, u64 index bytes, u64 checksum
 *   key: the request text, then the inputs text (padded to 8 bytes)
 *   records: one per event read, the bk_event (56 bytes) then the file line of its row
 *     and the rank of its file (u64 each)
 *   index: the instrument table (names; how many were known before the first event), the
 *     bk_input_file of every file read, and each file's look-ahead (records)
 * The checksum (bk_cache_sum) covers every byte after the header.
 *
 * A cache is found by the name its request gives; it is used only when its header,
 * size, checksum, request and inputs all agree, else bk_cache_open says which and why
 * (stale: an input changed; corrupt: anything else), and the caller rebuilds it. Files
 * are written under a temporary name and renamed into place, so a reader never sees a
 * half-written one.
 *
 * Ownership: a bk_cache maps its file and owns it until bk_cache_free; the paths and
 * names it hands out live as long as it does.
 */
#ifndef BK_FEEDS_CACHE_H
#define BK_FEEDS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/event.h"
#include "engine/inputfile.h"
#include "engine/instrument.h"
#include "feeds/feed.h"
#include "feeds/lookahead.h"
#include "feeds/merge.h"

#define BK_CACHE_VERSION 1
#define BK_CACHE_END_BYTES 4096 /* bytes hashed at each end of an input for its identity */

/* What a replay reads: changing any of it changes the events or what is said of them. */
typedef struct bk_cache_req {
  const char *const *paths; /* files and folders, as given (bk_merge_open_paths) */
  size_t npaths;
  const bk_feed_opts *feed; /* strict, max_line, gap_us, exchange, symbol, no_hash count;
                               read size, thread and splitter give the same events */
  int64_t to;               /* the window's end: reading stops at the first event past it */
  size_t lookahead;         /* events per file looked at before the replay (0: none) */
  const char *producer;     /* the program that decodes (version and build), so that
                               a changed decoder never trusts another's events */
} bk_cache_req;

/* A cache's key. The request (paths as given and where each leads, options, window end,
 * look-ahead, producer) names the file: 16 hex digits of its SHA-256 and ".bkev". The
 * inputs (every file the paths stand for, each with its size, modification time, inode
 * and device and the SHA-256 of its first and last BK_CACHE_END_BYTES bytes) say whether
 * it is stale: checking them costs a stat and 8 KiB read per file, not a read of every
 * input. */
typedef struct bk_cache_key {
  char *request;
  size_t request_len;
  char *inputs;
  size_t inputs_len;
  size_t lookahead; /* the request's */
  char name[24];
} bk_cache_key;

/* Builds the key of r (k is caller storage; bk_cache_key_fini after BK_OK). An input that
 * is missing or unreadable is recorded as such (opening it later says why). BK_ENOINPUT
 * for a folder that cannot be listed, BK_ENOMEM. */
bk_rc bk_cache_key_make(const bk_cache_req *r, bk_cache_key *k, bk_err *err);

void bk_cache_key_fini(bk_cache_key *k);

/* 1 when the inputs text was (was_len bytes, as a cache recorded it) differs from k's,
 * with why (cap bytes) saying how: "<path> changed since the cache was written (size,
 * mtime, ends)", "<path> is new", "<path> is gone", "<path> is now missing"; else 0. */
int bk_cache_inputs_differ(const char *was, size_t was_len, const bk_cache_key *k, char *why,
                           size_t cap);

/* The checksum of the payload: four 64-bit lanes over 8-byte words, each step
 * x -> rotl((x ^ word) * P, 31), a bijection of x, so a change to any one word always
 * changes the result; several GB/s. Streaming: init, update any number of times, final. */
typedef struct bk_cache_sum {
  uint64_t lane[4];
  unsigned char buf[32];
  size_t used;   /* bytes in buf */
  uint64_t len;  /* bytes summed */
} bk_cache_sum;

void bk_cache_sum_init(bk_cache_sum *s);
void bk_cache_sum_update(bk_cache_sum *s, const void *p, size_t n);
uint64_t bk_cache_sum_final(const bk_cache_sum *s);

/* ---- reading ---- */

typedef struct bk_cache bk_cache;

/* Opens the cache of k in dir and checks it whole (header, size, checksum, request,
 * inputs). Returns:
 *   BK_OK: *out is ready, and the instruments known before the first event of the
 *     replay that wrote it are interned into instr (which must be empty);
 *   BK_EOF: there is no cache of k in dir (nothing to say);
 *   BK_EDATA: there is one but it is stale or corrupt: err names the file and why;
 *   BK_EIO, BK_ENOMEM (err says why). */
bk_rc bk_cache_open(const char *dir, const bk_cache_key *k, bk_instruments *instr,
                    bk_cache **out, bk_err *err);

/* The cache file's path. */
const char *bk_cache_path(const bk_cache *c);

/* The look-ahead the writing replay recorded (a max beyond what it recorded is
 * BK_EUSAGE). c is borrowed by the result. */
bk_lookahead bk_cache_lookahead(bk_cache *c);

/* Interns the rest of the instrument table (those first met after the look-ahead), as
 * the replay that wrote the cache had them by its end. Once, before the first event. */
bk_rc bk_cache_instruments(bk_cache *c, bk_instruments *instr, bk_err *err);

/* As bk_merge_next_batch_at, from the cache: the events the writing replay read, with
 * the file and line of each. BK_EDATA for a record that names no instrument, kind, side
 * or file of the cache (err says which: only a file forged with a valid checksum has
 * one). */
bk_rc bk_cache_next_batch_at(bk_cache *c, bk_event *evs, bk_merge_src *src, size_t cap,
                             size_t *n, bk_err *err);

/* Input files of the writing replay, by rank, as it reported them. */
size_t bk_cache_nfiles(const bk_cache *c);
const bk_input_file *bk_cache_file(const bk_cache *c, size_t rank);

/* Bytes of records read so far and in all, for progress. */
void bk_cache_progress(const bk_cache *c, uint64_t *done, uint64_t *total);

/* Unmaps and frees c. NULL is a no-op. */
void bk_cache_free(bk_cache *c);

/* ---- writing ---- */

typedef struct bk_cache_writer bk_cache_writer;

/* Starts writing the cache of k in dir (which must exist) under a temporary name.
 * BK_EWRITE naming the file, BK_ENOMEM. */
bk_rc bk_cache_create(const char *dir, const bk_cache_key *k, bk_cache_writer **out,
                      bk_err *err);

/* Records the look-ahead of file rank (its first a->n events and their lines). */
bk_rc bk_cache_put_lookahead(bk_cache_writer *w, size_t rank, const bk_lookahead_file *a,
                             bk_err *err);

/* Appends n events read, with where each came from. BK_EWRITE. */
bk_rc bk_cache_put(bk_cache_writer *w, const bk_event *evs, const bk_merge_src *src,
                   size_t n, bk_err *err);

/* Ends the file: the index (m's files as their feeds report them, sealed; instr, of which
 * n_open were known before the first event), the header with the checksum; then renames
 * it into place and frees w (also on error). BK_EWRITE. */
bk_rc bk_cache_commit(bk_cache_writer *w, const bk_merge *m, const bk_instruments *instr,
                      size_t n_open, bk_err *err);

/* Removes the temporary file and frees w. NULL is a no-op. */
void bk_cache_abort(bk_cache_writer *w);

#endif
