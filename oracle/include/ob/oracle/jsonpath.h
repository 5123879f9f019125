/* JSONPath as price APIs need it: a compiled path finds one value in a parsed reply (ob_json, whose
 * numbers keep their source text, so a value never passes through double).
 *
 * The subset (docs/ORACLE.md "JSONPath"):
 *   $                      the whole document (an API answering a bare number)
 *   .name                  an object key of [A-Za-z0-9_-] ("$.data.amount")
 *   ["key"] or ['key']     any key, dots, dashes, slashes and spaces included ("$["ETH-USD"].price");
 *                          \" \' \\ escape the quote and the backslash
 *   [N], [-N]              an array index, from the end when negative ("$.c[0]", "$[6]", "$.k[-1]")
 * Nothing else: no wildcards, slices, filters or recursive descent (an error says so).
 *
 * A 200 whose body is an error (Kraken's {"error":["EQuery:Unknown asset pair"]}, Binance's
 * {"code":-1121,"msg":"Invalid symbol."}, {"message":"…"}, {"errors":[{"message":"…"}]}, CoinGecko's
 * {"status":{"error_message":"…"}}) does not hold the path: oracle_jsonpath_value then quotes the
 * body's message instead of only saying the path is absent.
 *
 * Ownership: a compiled path is owned by the caller (oracle_jsonpath_free; NULL is a no-op) and is
 * read-only after compile, so one path may be evaluated from several threads. err may be NULL. */
#ifndef OB_ORACLE_JSONPATH_H
#define OB_ORACLE_JSONPATH_H
#include <stdbool.h>
#include <stddef.h>

#include "ob/core/u256.h"
struct ob_err;
struct ob_json;
struct oracle_jsonpath;

#define ORACLE_JSONPATH_MAX_TEXT 512
#define ORACLE_JSONPATH_MAX_STEPS 32

/* Compile text (NUL-terminated). Allocates once (the steps and their keys in one block).
 * Returns: 0; OB_EPARSE "path '$.x[': at byte 4: <what was expected>"; OB_ELIMIT past
 * ORACLE_JSONPATH_MAX_TEXT bytes or ORACLE_JSONPATH_MAX_STEPS steps; OB_ENOMEM. */
int oracle_jsonpath_compile(struct oracle_jsonpath **out, const char *text, struct ob_err *err);
void oracle_jsonpath_free(struct oracle_jsonpath *jp);
/* The path as written (borrowed until free). */
const char *oracle_jsonpath_text(const struct oracle_jsonpath *jp);
/* Canonical form: dotted keys where the key allows it, else ["…"] with \" and \\ escaped; the
 * compile of the canonical form has the same canonical form. Returns 0; OB_ESPACE (cap too small). */
int oracle_jsonpath_format(char *out, size_t cap, const struct oracle_jsonpath *jp);

/* The node at the path (borrowed from doc). Returns: 0; OB_ENOENT "no key 'x' in the object at
 * $.result", "index 3 is past the end of the array at $.c (2 items)", "expected an object at
 * $.data, got array". Never allocates. */
int oracle_jsonpath_eval(const struct ob_json **out, const struct oracle_jsonpath *jp, const struct ob_json *doc,
                         struct ob_err *err);

/* The message of an error body, quoted as the source wrote it (at most cap-1 bytes, control bytes
 * replaced by '?'), e.g. "EQuery:Unknown asset pair" or "code -1121: Invalid symbol.". Returns
 * false (out = "") when doc does not look like an error body. */
bool oracle_json_error_message(char *out, size_t cap, const struct ob_json *doc);

/* Find the value at the path: a JSON number or a string holding one (exponents included). On
 * success *raw / *rawlen point at its text inside doc. Returns: 0; OB_EPEER "the reply is an error:
 * 'MSG' (path $.x absent)" for an error body; OB_ENOENT (as eval) for another missing path;
 * OB_EPARSE "value at $.x is not a number: 'abc'" / "… is object". Never allocates. */
int oracle_jsonpath_find_number(const char **raw, size_t *rawlen, const struct oracle_jsonpath *jp,
                                const struct ob_json *doc, struct ob_err *err);
#endif
