/*
 * Inside a byte source: the codec interface that source.c drives, and the file reading
 * the codecs share. Only feeds/source*.c include this.
 */
#ifndef BK_FEEDS_SOURCE_INT_H
#define BK_FEEDS_SOURCE_INT_H

#include <pthread.h>

#include "engine/sha256.h"
#include "feeds/source.h"

/* A codec produces decompressed bytes. read fills buf with 1..cap bytes (BK_OK), or
 * returns BK_EOF at the clean end, or an error recorded in s->perr. It runs on the
 * decompression thread when there is one, so it touches only the producer fields. */
typedef struct bk_codec_ops {
  bk_rc (*open)(bk_source *s);
  bk_rc (*read)(bk_source *s, unsigned char *buf, size_t cap, size_t *got);
  void (*close)(bk_source *s);
} bk_codec_ops;

typedef struct bk_block {
  unsigned char *data;
  size_t len;      /* bytes filled */
  bk_rc rc;        /* BK_OK, or BK_EOF / an error that follows the data */
  uint64_t in;     /* compressed bytes consumed once this block was produced */
  bk_err err;      /* detail when rc is an error */
} bk_block;

struct bk_source {
  char *path;
  bk_codec codec;
  const bk_codec_ops *ops;
  int fd;               /* -1 for zip (libzip opens the file itself) */
  uint64_t size;        /* file size, bytes */
  size_t chunk;         /* read size */
  /* producer side (the decompression thread when threaded) */
  void *cs;             /* codec state */
  uint64_t file_pos;    /* bytes read from the file */
  uint64_t prod_in;     /* compressed bytes consumed by the decoder */
  int hashing;          /* hash is kept (not opts.no_hash) */
  bk_sha256 hash;       /* of every byte read from the file, in order */
  int raw_eof;          /* a read of the file returned its end */
  bk_err perr;          /* producer error detail */
  /* consumer side */
  bk_rc state;          /* BK_OK until EOF or an error, then sticky */
  uint64_t in;          /* compressed bytes behind the bytes delivered */
  bk_err err;
  /* thread and ring (threaded only) */
  int threaded, started;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bk_block ring[BK_SOURCE_RING];
  unsigned head, tail;  /* blocks produced / consumed (monotonic counters) */
  size_t pos;           /* read position in ring[tail % BK_SOURCE_RING] */
  int stop;
  /* the digest, once sealed (bk_source_seal) */
  int sealed;
  char hex[65];
  uint64_t hashed;      /* bytes in the digest */
};

extern const bk_codec_ops bk_codec_plain_ops, bk_codec_gzip_ops, bk_codec_zstd_ops,
    bk_codec_zip_ops;

/* Reads up to cap bytes of the file into buf (BK_OK with *got > 0, BK_EOF, or BK_EIO
 * recorded in s->perr), advancing s->file_pos and hashing what it read. */
bk_rc bk_src_file_read(bk_source *s, unsigned char *buf, size_t cap, size_t *got);

#endif
