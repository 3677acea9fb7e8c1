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

#endif
