/* The seeded generator (see rng.h). */
#include "engine/rng.h"

#include "engine/fixed.h"

#define GOLDEN_GAMMA UINT64_C(0x9e3779b97f4a7c15)

/* splitmix64's output function: a bijection of 64-bit words that scatters nearby inputs
 * (the state steps by the golden gamma) across the whole range. */
static uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

uint64_t bk_rng_next(uint64_t *state) { return mix(*state += GOLDEN_GAMMA); }

uint64_t bk_rng_below(uint64_t *state, uint64_t n) {
  /* The high word of x × n is uniform on [0, n) once the low words that would bias it
   * (those below 2^64 mod n) are rejected. */
  bk_u128 m = (bk_u128)bk_rng_next(state) * n;
  uint64_t lo = (uint64_t)m;
  if (lo < n) {
    uint64_t t = (0 - n) % n;
    while (lo < t) {
      m = (bk_u128)bk_rng_next(state) * n;
      lo = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

uint64_t bk_rng_name(const char *name) {
  uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a, 64-bit offset basis and prime */
  for (const unsigned char *c = (const unsigned char *)name; *c; c++)
    h = (h ^ *c) * UINT64_C(0x100000001b3);
  return mix(h);
}

uint64_t bk_rng_stream(uint64_t seed, uint64_t name, uint64_t index) {
  uint64_t z = mix(seed + GOLDEN_GAMMA);
  z = mix(z ^ name);
  return mix(z ^ mix(index + GOLDEN_GAMMA));
}
