/*
 * Byte sources: a file of market data read as a stream of decompressed bytes, whatever
 * its codec. The codec is chosen from the file's first bytes (magic), not its name:
 * plain text, gzip (any number of members), zstd (any number of frames) or a zip archive
 * holding exactly one file (Binance public data).
 *
 * Memory stays bounded whatever the input: a fixed read chunk, a zstd window limited to
 * 2^27 bytes (a frame asking for more is an error, not an allocation), and with the
 * optional decompression thread a ring of 4 blocks of the read size.
 *
 * Ownership: the path is copied; the caller of bk_source_open calls bk_source_free.
 * A source is used by one thread (its own decompression thread is internal).
 */
#ifndef BK_FEEDS_SOURCE_H
#define BK_FEEDS_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

#define BK_SOURCE_READ_DEFAULT ((size_t)1 << 20) /* 1 MiB */
#define BK_SOURCE_RING 4                          /* blocks in the thread's ring */
#define BK_SOURCE_ZSTD_WINDOW_LOG_MAX 27          /* 128 MiB: zstd's own default cap */

typedef struct bk_source_opts {
  size_t read_size; /* bytes per read from the file and per decompressed block;
                       0 = BK_SOURCE_READ_DEFAULT. 1 works (tests use it) */
  int threaded;     /* 1 = decompress in a second thread into a ring of blocks; the
                       bytes delivered are identical either way */
  int no_hash;      /* 1 = do not hash the file's bytes (bk_source_sha256 stays NULL):
                       SHA-256 costs about 5-10 ns a byte, as much as decompressing a
                       book file, and only a run's manifest needs it */
} bk_source_opts;

typedef enum bk_codec { BK_CODEC_PLAIN, BK_CODEC_GZIP, BK_CODEC_ZSTD, BK_CODEC_ZIP } bk_codec;

typedef struct bk_source bk_source;

/* Fills o with the defaults (1 MiB reads, no thread). */
void bk_source_opts_init(bk_source_opts *o);

/* Opens path (opts may be NULL for defaults) and detects its codec. A missing file, a
 * directory or an unreadable file is BK_ENOINPUT; a zip that does not hold exactly one
 * file is BK_EFORMAT; BK_ENOMEM. On error *out is NULL and err (may be NULL) says why,
 * naming the path. Debug builds name every file opened here or by bk_source_slurp on
 * stderr when BK_TRACE_OPENS is set, for tests that count opens. */
bk_rc bk_source_open(const char *path, const bk_source_opts *opts, bk_source **out,
                     bk_err *err);

/* Reads up to cap (> 0) decompressed bytes into buf. Returns BK_OK with *got > 0,
 * BK_EOF with *got == 0 at the clean end of the data, or an error (BK_EDATA for corrupt
 * or truncated compressed data, BK_EIO for a failed read) with *got == 0 whose message,
 * from bk_source_error, names the file and the compressed byte offset. After an error or
 * EOF every call returns the same.
 * Corrupt input: the bytes a decoder produced in the call that found the corruption are
 * withheld, on purpose: deflate and zstd notice damage late (at a block's end, or only
 * at the frame's checksum), so those bytes are likely garbage that would otherwise reach
 * the parser and be blamed on a CSV row. How many good bytes arrive before the error
 * therefore depends on the read size and the thread; a run that meets corrupt input
 * fails either way, with the same error. */
bk_rc bk_source_read(bk_source *s, void *buf, size_t cap, size_t *got);

/* 1 when the source runs a decompression thread and so can lend its blocks. */
int bk_source_can_borrow(const bk_source *s);

/* Threaded sources only (else BK_EUSAGE): hands out the next decompressed bytes in place,
 * *p and *n > 0, valid until the next call on s; saves the copy bk_source_read makes.
 * Returns as bk_source_read does. Calls may be mixed with bk_source_read. */
bk_rc bk_source_borrow(bk_source *s, const char **p, size_t *n);

/* Largest text files read whole: scenario, policy and margin files (JSON), and accounts
 * files in JSON (a book of a million accounts is about 150 MB; larger books belong in
 * the CSV form, which is streamed). */
#define BK_SOURCE_SLURP_CONFIG_MAX ((size_t)16 << 20)   /* 16 MiB */
#define BK_SOURCE_SLURP_ACCOUNTS_MAX ((size_t)512 << 20) /* 512 MiB */

/* Reads the whole content of path into a malloc'd, NUL-terminated buffer *text of *len
 * bytes: the one reader of every file that is read whole. decompress = 1 reads it as a
 * source (any codec), 0 takes the file's bytes as they are. Refused before any read, as
 * by bk_source_open: a FIFO, a device, a socket or a directory (BK_ENOINPUT). More than
 * max bytes is BK_EDATA naming the limit (SIZE_MAX: none); a failed read BK_EIO; corrupt
 * compression BK_EDATA; BK_ENOMEM. On error *text is NULL and err (may be NULL) says
 * why, naming the path. */
bk_rc bk_source_slurp(const char *path, size_t max, int decompress, char **text, size_t *len,
                      bk_err *err);

/* Finishes the digest of the file's bytes as read: stops reading (and the decompression
 * thread), hashes what of the file the decoder had not reached (a replay that stopped
 * at the end of its window: up to the size the file had when opened), and keeps the
 * result for bk_source_sha256. The source then delivers no more data (BK_EOF or its
 * earlier error). A file appended to after the reader met its end is recorded with the
 * bytes read, not what it holds later. BK_EIO (message in bk_source_error) when a read
 * fails. */
bk_rc bk_source_seal(bk_source *s);

/* The SHA-256 (64 lowercase hex digits) of the bytes read, and their count in *bytes (may
 * be NULL), once sealed; NULL before, and always with opts.no_hash. */
const char *bk_source_sha256(const bk_source *s, uint64_t *bytes);

/* Error detail of the last failed call (rc BK_OK and an empty message when none). */
const bk_err *bk_source_error(const bk_source *s);

/* The path as given to bk_source_open. */
const char *bk_source_path(const bk_source *s);

/* The detected codec, and its name ("plain", "gzip", "zstd", "zip"). */
bk_codec bk_source_codec(const bk_source *s);
const char *bk_codec_name(bk_codec c);

/* Compressed bytes consumed so far (the part of the file behind the bytes delivered,
 * for progress) and the file's size in bytes. bytes_in reaches size at EOF. */
uint64_t bk_source_bytes_in(const bk_source *s);
uint64_t bk_source_size(const bk_source *s);

/* Stops the thread if any, closes the file and frees s. NULL is a no-op. */
void bk_source_free(bk_source *s);

#endif
