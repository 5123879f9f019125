/* Feed values: exact decimal text to int256 fixed point, canonical text out, feed names.
 *
 * A value is an int256 (struct chain_u256 read as two's complement) with `decimals` places
 * (0..ORACLE_DECIMALS_MAX): 3012.345 at 8 decimals is 301234500000. Text from sources is JSON
 * number grammar, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, exponents included; it is
 * converted exactly (never through double), extra places rounded half-even (ties to the even
 * neighbour, symmetric for negative values), and a result outside int256 is an error naming the
 * text. Nothing here allocates; err may be NULL; `what` names the value in messages and may be NULL.
 * (docs/PROTOCOL.md "Feeds and values") */
#ifndef OB_ORACLE_VALUE_H
#define OB_ORACLE_VALUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/u256.h"
struct ob_err;
struct ob_json;

#define ORACLE_DECIMALS_MAX 36
#define ORACLE_FEED_NAME_MAX 64

/* Convert text[0..len) (JSON number grammar, nothing around it) to x = round_half_even(value ×
 * 10^decimals). Returns: 0; OB_EPARSE "WHAT: expected a JSON number, got 'x'"; OB_ELIMIT "WHAT:
 * value 'x' does not fit int256 at N decimals"; OB_EINVAL for decimals > ORACLE_DECIMALS_MAX.
 * Out: *out written only on success. */
int oracle_value_parse(struct chain_u256 *out, const char *text, size_t len, unsigned decimals,
                       const char *what, struct ob_err *err);
/* The same from a JSON node: a number, or a string whose whole content is a JSON number (no
 * spaces). Other types: OB_EPARSE "WHAT: expected a JSON number or a string holding one, got TYPE". */
int oracle_value_from_json(struct chain_u256 *out, const struct ob_json *v, unsigned decimals,
                           const char *what, struct ob_err *err);

/* A source's value after its transforms, exactly: v = text; v = 1 / v if invert; v = v × multiply;
 * v = v ÷ divide (multiply / divide: positive JSON numbers, or NULL for none); then
 * round_half_even(v × 10^decimals), the one rounding of the whole chain. Without transforms this is
 * oracle_value_parse. Each text may hold at most ORACLE_CONVERT_DIGITS_MAX significant digits when a
 * transform is given (exact big-integer arithmetic in a fixed scratch; never through double).
 * Returns: 0; the errors of oracle_value_parse; OB_EINVAL "WHAT: cannot invert zero" or a zero or
 * negative multiply/divide; OB_ELIMIT for more significant digits or a result outside int256.
 * Never allocates. Out: *out written only on success. */
#define ORACLE_CONVERT_DIGITS_MAX 100
int oracle_value_convert(struct chain_u256 *out, const char *text, size_t len, unsigned decimals, bool invert,
                         const char *multiply, const char *divide, const char *what, struct ob_err *err);

/* Canonical decimal text of an int256: no leading zeros, no '+', no "-0". Returns out. */
char *oracle_value_to_text(char out[CHAIN_U256_DEC_MAX], const struct chain_u256 *x);
/* Read canonical text back: only `0|-?[1-9][0-9]*` inside int256 is accepted (what the batch
 * document requires). Returns: 0; OB_EPARSE "WHAT: expected a canonical decimal integer, got
 * 'x'"; OB_ELIMIT when outside int256. */
int oracle_value_parse_canonical(struct chain_u256 *out, const char *text, const char *what,
                                 struct ob_err *err);

/* Feed names: 1..ORACLE_FEED_NAME_MAX bytes of [A-Za-z0-9._/:-], the first a letter or digit.
 * Returns: 0; OB_EPARSE "feed name 'x': <what is wrong>" (empty, too long, the first offending
 * byte and its position). (feedId = keccak256(name) is chain_feed_id in ob/chain/merkle.h.) */
int oracle_feed_name_check(const char *name, size_t len, struct ob_err *err);
#endif
