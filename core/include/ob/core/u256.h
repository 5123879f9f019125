/* Exact 256-bit unsigned and two's-complement signed integers (EVM words).
 *
 * A struct chain_u256 is four 64-bit limbs, w[0] least significant; an int256 is the same bits read
 * as two's complement. Everything is by value on the caller's stack: nothing here allocates, and
 * nothing is constant-time (values are public). Arithmetic reports overflow instead of wrapping
 * silently. err may be NULL. `what` names the value in messages and may be NULL ("value"). */
#ifndef OB_CORE_U256_H
#define OB_CORE_U256_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
struct ob_err;

struct chain_u256 {
  uint64_t w[4];
};

/* Room for the longest decimal (78 digits), sign and NUL; and for "0x" + 64 hex digits + NUL. */
#define CHAIN_U256_DEC_MAX 80
#define CHAIN_U256_HEX_MAX 67

void chain_u256_from_u64(struct chain_u256 *v, uint64_t x);
bool chain_u256_is_zero(const struct chain_u256 *v);
/* Does v fit in uint64? Then *out = v. */
bool chain_u256_to_u64(const struct chain_u256 *v, uint64_t *out);
/* Number of significant bits (0 for zero). */
unsigned chain_u256_bits(const struct chain_u256 *v);
/* -1, 0, 1 as unsigned numbers. */
int chain_u256_cmp(const struct chain_u256 *a, const struct chain_u256 *b);
bool chain_i256_is_neg(const struct chain_u256 *v);

/* r = a + b, a - b (r may alias a or b). Returns true on carry out / borrow (r wraps mod 2^256). */
bool chain_u256_add(struct chain_u256 *r, const struct chain_u256 *a, const struct chain_u256 *b);
bool chain_u256_sub(struct chain_u256 *r, const struct chain_u256 *a, const struct chain_u256 *b);
/* v = v * m + add. Returns true if the result does not fit (v then wraps). */
bool chain_u256_mul_small(struct chain_u256 *v, uint64_t m, uint64_t add);
/* v = v / d, returns v % d. d must not be 0. */
uint64_t chain_u256_divmod_small(struct chain_u256 *v, uint64_t d);
/* r = a + b, or 2^256 - 1 when the sum does not fit (r may alias a or b). */
void chain_u256_add_sat(struct chain_u256 *r, const struct chain_u256 *a, const struct chain_u256 *b);
/* r = v + ceil(v / d): v raised by the share 1/d, rounded up (d = 8: +12.5 %, d = 10: +10 %),
 * saturating at 2^256 - 1 (r may alias v). d must not be 0. */
void chain_u256_add_share_ceil(struct chain_u256 *r, const struct chain_u256 *v, uint64_t d);
/* The smaller / the larger of a and b (a when equal). */
const struct chain_u256 *chain_u256_min(const struct chain_u256 *a, const struct chain_u256 *b);
const struct chain_u256 *chain_u256_max(const struct chain_u256 *a, const struct chain_u256 *b);
/* v = -v mod 2^256 (two's complement). */
void chain_u256_neg(struct chain_u256 *v);

/* Big-endian 32-byte words. */
void chain_u256_to_be(uint8_t out32[32], const struct chain_u256 *v);
void chain_u256_from_be(struct chain_u256 *v, const uint8_t in32[32]);
/* Read up to 32 big-endian bytes (fewer are zero-extended on the left).
 * Returns: 0; OB_ELIMIT if n > 32 and a leading byte is not zero. */
int chain_u256_from_be_n(struct chain_u256 *v, const uint8_t *in, size_t n, struct ob_err *err);

/* Parse decimal digits or 0x/0X hex digits (no sign, no spaces, no empty, no "0x" alone).
 * Returns: 0; OB_EPARSE "expected a decimal or 0x-hex integer for VALUE-NAME, got 'x'";
 *          OB_ELIMIT "value 'x' does not fit uint256". Out written only on success. */
int chain_u256_parse(struct chain_u256 *out, const char *text, const char *what, struct ob_err *err);
/* Same with an optional leading '-', stored as two's complement; range [-2^255, 2^255-1].
 * Hex text is the magnitude: "-0x10" is -16 (as cast takes it). */
int chain_i256_parse(struct chain_u256 *out, const char *text, const char *what, struct ob_err *err);
/* Does v fit uintN (N = bits, 8..256)? Does v, as two's complement, fit intN? */
bool chain_u256_fits_bits(const struct chain_u256 *v, unsigned bits);
bool chain_i256_fits_bits(const struct chain_u256 *v, unsigned bits);

/* Text out. Return out (NUL-terminated). Hex is "0x" + minimal lower-case digits ("0x0" for zero). */
char *chain_u256_to_dec(char out[CHAIN_U256_DEC_MAX], const struct chain_u256 *v);
char *chain_i256_to_dec(char out[CHAIN_U256_DEC_MAX], const struct chain_u256 *v);
char *chain_u256_to_hex(char out[CHAIN_U256_HEX_MAX], const struct chain_u256 *v);

/* An amount for people: "0x…" (wei, exactly as chain_u256_parse), or decimal digits with an
 * optional fraction and unit: "1ether", "1.5gwei", "100wei", "2eth". Without a unit the number is
 * in default_decimals (0: wei, as --value; 9: gwei, as the fee flags). Returns 0; OB_EPARSE naming
 * what for text that is no amount, an unknown unit, or a fraction of a wei; OB_ELIMIT past uint256.
 * This is the one parser of amounts of the CLI. */
int chain_u256_parse_amount(struct chain_u256 *out, const char *text, unsigned default_decimals, const char *what,
                            struct ob_err *err);
/* v / 10^decimals as decimal text without trailing zeros ("1.5", "20", "0.000000001"). */
char *chain_u256_format_units(char out[CHAIN_U256_DEC_MAX + 2], const struct chain_u256 *v, unsigned decimals);
#endif
