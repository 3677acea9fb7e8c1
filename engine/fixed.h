/*
 * Fixed-point numbers: every price, quantity and amount of money in backstop is an int64
 * counting units of 1e-8 (BK_FX_SCALE per whole unit). That holds ±9.2e10 whole units,
 * more than any insurance fund, and 8 decimals, as fine as any venue quotes.
 *
 * Products and quotients go through __int128 and take an explicit rounding direction, so
 * the caller decides in whose favour a remainder goes (the exchange's, always). Arithmetic
 * that could overflow int64 returns BK_ERANGE instead of wrapping.
 *
 * Decimal text is parsed straight to fixed point here, never through strtod: no NaN, no
 * infinity, no hex, no exponent, no spaces, no empty string.
 */
#ifndef BK_FIXED_H
#define BK_FIXED_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/* 128-bit integers for products and quotients (a GCC/Clang extension, named once). */
__extension__ typedef __int128 bk_i128;
__extension__ typedef unsigned __int128 bk_u128;

#define BK_FX_SCALE INT64_C(100000000)
#define BK_FX_DECIMALS 8
#define BK_FX(whole) ((int64_t)(whole) * BK_FX_SCALE) /* a whole number as fixed point */

/* Rounding directions. FLOOR is toward -inf, CEIL toward +inf, TRUNC toward zero,
 * HALF_EVEN to nearest with ties to even (for display only, never for money). */
typedef enum bk_round { BK_FLOOR, BK_CEIL, BK_TRUNC, BK_HALF_EVEN } bk_round;

/* Parses the n bytes at s as a decimal: optional '-' or '+', digits, optional '.' and
 * digits ("5", "-0.25", ".5", "5." are accepted). More than 8 decimal places is an error
 * unless the extra digits are zeros. On error returns BK_EDATA (syntax) or BK_ERANGE
 * (too large), leaves *out unchanged and, when why is not NULL, points it at a short
 * static reason ("empty", "not a decimal number", "more than 8 decimal places",
 * "too large"). */
bk_rc bk_fx_parse(const char *s, size_t n, int64_t *out, const char **why);

/* As bk_fx_parse, but digits past the 8th decimal are rounded in direction r instead of
 * being an error (for derived columns such as averages printed with more decimals). */
bk_rc bk_fx_parse_round(const char *s, size_t n, bk_round r, int64_t *out, const char **why);

/* Parses a plain decimal integer (no fraction) into *out. Same errors as bk_fx_parse. */
bk_rc bk_int_parse(const char *s, size_t n, int64_t *out, const char **why);

/* Writes v with exactly `decimals` (0..8) decimal places, rounded in direction r, to buf
 * (NUL-terminated; 32 bytes always suffice). Returns the length written. */
size_t bk_fx_format(int64_t v, int decimals, bk_round r, char *buf, size_t cap);

/* Writes v with as few decimals as represent it exactly ("19700", "0.005", "-1.5"). */
size_t bk_fx_format_trim(int64_t v, char *buf, size_t cap);

/* n / d (d > 0) and *rem = n % d in one division: the processor's 128-by-64-bit divide
 * when the divisor and the quotient fit 64 bits (the common case of every margin and
 * price formula), the library's 128-bit division otherwise. Exact either way. */
bk_u128 bk_udivrem(bk_u128 n, bk_u128 d, bk_u128 *rem);

/* q = a / b rounded in direction r, for plain integers. b must not be 0. */
int64_t bk_div_round(bk_i128 a, bk_i128 b, bk_round r);

/* *out = a × b / BK_FX_SCALE rounded in direction r (product of two fixed-point values). */
bk_rc bk_fx_mul(int64_t a, int64_t b, bk_round r, int64_t *out);

/* *out = a × BK_FX_SCALE / b rounded in direction r (quotient of two fixed-point values).
 * b == 0 returns BK_ERANGE. */
bk_rc bk_fx_div(int64_t a, int64_t b, bk_round r, int64_t *out);

/* *out = a × b / c rounded in direction r, exact in 128 bits. c == 0 returns BK_ERANGE. */
bk_rc bk_fx_muldiv(int64_t a, int64_t b, int64_t c, bk_round r, int64_t *out);

/* Rounds v to a multiple of step (> 0) in direction r. */
int64_t bk_fx_round_to(int64_t v, int64_t step, bk_round r);

/* Greatest common divisor of two non-negative values (gcd(a, 0) = a): the price grid a
 * set of prices lies on. */
int64_t bk_gcd(int64_t a, int64_t b);

/* Checked int64 addition and subtraction: BK_ERANGE on overflow. */
bk_rc bk_add(int64_t a, int64_t b, int64_t *out);
bk_rc bk_sub(int64_t a, int64_t b, int64_t *out);

#endif
