/*
 * The one seeded generator: splitmix64 (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014). One 64-bit word of state, every seed is
 * good, and a draw is a handful of multiplies, so populations, the synthetic tape and the
 * pseudo-random ADL walk all use it and a seed means the same thing everywhere.
 */
#ifndef BK_RNG_H
#define BK_RNG_H

#include <stdint.h>

/* The next word of the stream whose state is *state (advanced by the golden gamma). */
uint64_t bk_rng_next(uint64_t *state);

/* Uniform integer in [0, n) (n > 0) without modulo bias (Lemire's multiply and reject). */
uint64_t bk_rng_below(uint64_t *state, uint64_t n);

/* A 64-bit digest of a name (FNV-1a over its bytes, then scattered by the output
 * function), for bk_rng_stream: e.g. a contract's "exchange:symbol". */
uint64_t bk_rng_name(const char *name);

/* The starting state of the stream of (seed, name digest, index): each part is mixed in
 * turn through the output function, so that changing any of them gives an unrelated
 * starting point of the 2^64 cycle. Streams derived this way stand for independent ones:
 * what one contract or one draw takes from its own stream does not move another's (two
 * streams of 2^20 words each overlap with probability about 2 × 2^20 / 2^64 = 2^-43). */
uint64_t bk_rng_stream(uint64_t seed, uint64_t name, uint64_t index);

#endif
