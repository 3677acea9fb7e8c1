/*
 * SHA-256 (FIPS 180-4) for the run manifest: every input file and the scenario are
 * listed with their hash, so a report can be traced to the exact bytes it came from.
 * Pure computation, no I/O: the byte sources (feeds/) hash a file's bytes as they read
 * them, and the reports hash the files they only name.
 *
 * Ownership: a bk_sha256 is caller storage; nothing is allocated.
 */
#ifndef BK_ENGINE_SHA256_H
#define BK_ENGINE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct bk_sha256 {
  uint32_t h[8];          /* chaining state */
  uint64_t len;           /* bytes hashed so far */
  unsigned char buf[64];  /* a partial block */
  size_t used;            /* bytes in buf */
} bk_sha256;

/* Starts a new hash. */
void bk_sha256_init(bk_sha256 *c);

/* Adds n bytes at p (n may be 0). */
void bk_sha256_update(bk_sha256 *c, const void *p, size_t n);

/* Writes the 32-byte digest to out; c must be initialized again before reuse. */
void bk_sha256_final(bk_sha256 *c, unsigned char out[32]);

/* Writes the 64 lowercase hex digits of a digest and a NUL into hex. */
void bk_sha256_hex(const unsigned char digest[32], char hex[65]);

/* The digest of n bytes at p, as 64 lowercase hex digits (one call for bytes in memory). */
void bk_sha256_of(const void *p, size_t n, char hex[65]);

#endif
