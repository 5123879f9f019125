/* JSONPath: compile, canonical form, eval against real API shapes, error bodies, numbers as text. */
#include <stdlib.h>

#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/oracle/jsonpath.h"
#include "ob_test.h"

/* Find the number at path in doc: its raw text, or "E<code>: message" (static buffer). */
static const char *find(const char *path, const char *doc) {
  static char out[600];
  struct oracle_jsonpath *jp = NULL;
  struct ob_json *v = NULL;
  struct ob_err err;
  const char *raw;
  size_t rawlen;
  int rc;
  ob_err_clear(&err);
  rc = oracle_jsonpath_compile(&jp, path, &err);
  if (!rc) rc = ob_json_parse(&v, doc, strlen(doc), NULL, &err);
  if (!rc) rc = oracle_jsonpath_find_number(&raw, &rawlen, jp, v, &err);
  if (rc) snprintf(out, sizeof(out), "E%s: %s", ob_errname(rc), err.msg);
  else snprintf(out, sizeof(out), "%.*s", (int)rawlen, raw);
  ob_json_free(v);
  oracle_jsonpath_free(jp);
  return out;
}

/* Compile error message, or the canonical form. */
static const char *canon(const char *path) {
  static char out[600];
  struct oracle_jsonpath *jp = NULL;
  struct ob_err err;
  int rc = oracle_jsonpath_compile(&jp, path, &err);
  if (rc) snprintf(out, sizeof(out), "E%s: %s", ob_errname(rc), err.msg);
  else if (oracle_jsonpath_format(out, sizeof(out), jp)) snprintf(out, sizeof(out), "ESPACE");
  oracle_jsonpath_free(jp);
  return out;
}

OB_TEST(jsonpath_real_api_shapes) {
  OB_CHECK_STR(find("$.price", "{\"symbol\":\"ETHUSDT\",\"price\":\"3012.45\"}"), "3012.45");
  OB_CHECK_STR(find("$.data.amount", "{\"data\":{\"base\":\"ETH\",\"currency\":\"USD\",\"amount\":\"3011.9\"}}"), "3011.9");
  OB_CHECK_STR(find("$.result.XETHZUSD.c[0]", "{\"error\":[],\"result\":{\"XETHZUSD\":{\"c\":[\"3013.1\",\"0.5\"]}}}"),
               "3013.1");
  OB_CHECK_STR(find("$[\"ETH-USD\"].price", "{\"ETH-USD\":{\"price\":3010.25}}"), "3010.25");
  OB_CHECK_STR(find("$['ETH-USD'].price", "{\"ETH-USD\":{\"price\":3010.25}}"), "3010.25");
  /* Bitfinex answers a bare array: [BID, BID_SIZE, ASK, ASK_SIZE, CHANGE, CHANGE_REL, LAST, …] */
  OB_CHECK_STR(find("$[6]", "[3010.1,12.5,3010.2,9.1,-20.5,-0.0068,3010.15,1.2,3100,2990]"), "3010.15");
  OB_CHECK_STR(find("$[-1]", "[1,2,3]"), "3");
  OB_CHECK_STR(find("$", "42.5"), "42.5");
  OB_CHECK_STR(find("$.ethereum.usd", "{\"ethereum\":{\"usd\":3012}}"), "3012");
  OB_CHECK_STR(find("$[\"a.b/c d\"][\"x\\\"y\"]", "{\"a.b/c d\":{\"x\\\"y\":7}}"), "7");
  OB_CHECK_STR(find("$.k_1.a-b", "{\"k_1\":{\"a-b\":\"1e-3\"}}"), "1e-3");
}

OB_TEST(jsonpath_numbers_keep_their_text) {
  /* Never through double: 17+ significant digits and huge exponents come back as written. */
  OB_CHECK_STR(find("$.p", "{\"p\":3012.123456789012345678901234567890}"), "3012.123456789012345678901234567890");
  OB_CHECK_STR(find("$.p", "{\"p\":\"3.0121234567890123456789e3\"}"), "3.0121234567890123456789e3");
  OB_CHECK_STR(find("$.p", "{\"p\":1E+400}"), "1E+400");
  OB_CHECK_STR(find("$.p", "{\"p\":-0.5}"), "-0.5");
}

OB_TEST(jsonpath_not_a_number) {
  OB_CHECK_STR(find("$.p", "{\"p\":\"abc\"}"), "EEPARSE: value at $.p is not a number: 'abc'");
  OB_CHECK_STR(find("$.p", "{\"p\":\" 1.5\"}"), "EEPARSE: value at $.p is not a number: ' 1.5'");
  OB_CHECK_STR(find("$.p", "{\"p\":\"1,5\"}"), "EEPARSE: value at $.p is not a number: '1,5'");
  OB_CHECK_STR(find("$.p", "{\"p\":\"NaN\"}"), "EEPARSE: value at $.p is not a number: 'NaN'");
  OB_CHECK_STR(find("$.p", "{\"p\":\"\"}"), "EEPARSE: value at $.p is not a number: ''");
  OB_CHECK_STR(find("$.p", "{\"p\":null}"), "EEPARSE: value at $.p is null, not a number");
  OB_CHECK_STR(find("$.p", "{\"p\":{\"a\":1}}"), "EEPARSE: value at $.p is an object, not a number");
  OB_CHECK_STR(find("$.p", "{\"p\":[1]}"), "EEPARSE: value at $.p is an array, not a number");
  OB_CHECK_STR(find("$.p", "{\"p\":true}"), "EEPARSE: value at $.p is a boolean, not a number");
}

OB_TEST(jsonpath_missing_paths_say_where) {
  OB_CHECK_STR(find("$.result.XETHZUSD.c[0]", "{\"result\":{}}"),
               "EENOENT: path $.result.XETHZUSD.c[0] absent: no key 'XETHZUSD' in the object at $.result");
  OB_CHECK_STR(find("$.c[2]", "{\"c\":[1,2]}"),
               "EENOENT: path $.c[2] absent: index 2 is past the end of the array at $.c (2 items)");
  OB_CHECK_STR(find("$.c[-3]", "{\"c\":[1,2]}"),
               "EENOENT: path $.c[-3] absent: index -3 is past the end of the array at $.c (2 items)");
  OB_CHECK_STR(find("$.data.amount", "{\"data\":[1]}"),
               "EENOENT: path $.data.amount absent: expected an object at $.data, got array");
  OB_CHECK_STR(find("$[0]", "{\"a\":1}"), "EENOENT: path $[0] absent: expected an array at $, got object");
  OB_CHECK_STR(find("$[\"x y\"].p", "{\"x y\":1}"),
               "EENOENT: path $[\"x y\"].p absent: expected an object at $[\"x y\"], got number");
}

OB_TEST(jsonpath_error_bodies_are_quoted) {
  OB_CHECK_STR(find("$.result.XETHZUSD.c[0]", "{\"error\":[\"EQuery:Unknown asset pair\"]}"),
               "EEPEER: the reply is an error: 'EQuery:Unknown asset pair' (path $.result.XETHZUSD.c[0] absent)");
  OB_CHECK_STR(find("$.price", "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}"),
               "EEPEER: the reply is an error: 'code -1121: Invalid symbol.' (path $.price absent)");
  OB_CHECK_STR(find("$.data.amount", "{\"message\":\"NotFound\"}"),
               "EEPEER: the reply is an error: 'NotFound' (path $.data.amount absent)");
  OB_CHECK_STR(find("$.data.amount", "{\"errors\":[{\"id\":\"not_found\",\"message\":\"Invalid currency\"},\"x\"]}"),
               "EEPEER: the reply is an error: 'Invalid currency; x' (path $.data.amount absent)");
  OB_CHECK_STR(find("$.ethereum.usd", "{\"status\":{\"error_code\":429,\"error_message\":\"rate limit\"}}"),
               "EEPEER: the reply is an error: 'rate limit' (path $.ethereum.usd absent)");
  OB_CHECK_STR(find("$.p", "{\"error\":\"bad\\nthing\"}"), "EEPEER: the reply is an error: 'bad?thing' (path $.p absent)");
  OB_CHECK_STR(find("$.p", "{\"error\":{\"message\":\"denied\"}}"), "EEPEER: the reply is an error: 'denied' (path $.p absent)");
  /* An empty error list is no error body: the path is just absent. */
  OB_CHECK_STR(find("$.p", "{\"error\":[],\"result\":{}}"), "EENOENT: path $.p absent: no key 'p' in the object at $");
  /* A success code with an empty message is not an error either. */
  OB_CHECK_STR(find("$.p", "{\"code\":0,\"msg\":\"\"}"), "EENOENT: path $.p absent: no key 'p' in the object at $");
  /* A present path wins even when the body also carries messages. */
  OB_CHECK_STR(find("$.p", "{\"message\":\"ok\",\"p\":\"1\"}"), "1");
}

OB_TEST(jsonpath_long_error_message_is_cut_on_a_character) {
  char doc[600], msg[200];
  struct ob_json *v = NULL;
  size_t n = 0;
  n += (size_t)snprintf(doc, sizeof(doc), "{\"message\":\"");
  for (int i = 0; i < 150; i++) n += (size_t)snprintf(doc + n, sizeof(doc) - n, "\xc3\xa9");
  snprintf(doc + n, sizeof(doc) - n, "\"}");
  OB_REQUIRE(ob_json_parse(&v, doc, strlen(doc), NULL, NULL) == 0);
  OB_CHECK(oracle_json_error_message(msg, sizeof(msg), v));
  OB_CHECK_EQ(strlen(msg), 198); /* 99 two-byte characters: the 100th did not fit whole */
  ob_json_free(v);
}

OB_TEST(jsonpath_compile_errors) {
  OB_CHECK_STR(canon(""), "EEPARSE: path '': at byte 0: a path starts with '$'");
  OB_CHECK_STR(canon("price"), "EEPARSE: path 'price': at byte 0: a path starts with '$'");
  OB_CHECK_STR(canon("$price"), "EEPARSE: path '$price': at byte 1: expected '.' or '['");
  OB_CHECK_STR(canon("$..price"), "EEPARSE: path '$..price': at byte 2: recursive descent ('..') is not supported");
  OB_CHECK_STR(canon("$.*"), "EEPARSE: path '$.*': at byte 2: wildcards are not supported");
  OB_CHECK_STR(canon("$[*]"), "EEPARSE: path '$[*]': at byte 2: wildcards are not supported");
  OB_CHECK_STR(canon("$[?(@.a)]"), "EEPARSE: path '$[?(@.a)]': at byte 2: filters are not supported");
  OB_CHECK_STR(canon("$[0:2]"), "EEPARSE: path '$[0:2]': at byte 3: slices are not supported");
  OB_CHECK_STR(canon("$.a."), "EEPARSE: path '$.a.': at byte 4: expected a key of [A-Za-z0-9_-] after '.' (other keys go in [\"…\"])");
  OB_CHECK_STR(canon("$[\"a"), "EEPARSE: path '$[\"a': at byte 4: unterminated quoted key");
  OB_CHECK_STR(canon("$[\"a\""), "EEPARSE: path '$[\"a\"': at byte 5: expected ']' after the quoted key");
  OB_CHECK_STR(canon("$[01]"), "EEPARSE: path '$[01]': at byte 4: array index with a leading zero (or -0)");
  OB_CHECK_STR(canon("$[-0]"), "EEPARSE: path '$[-0]': at byte 4: array index with a leading zero (or -0)");
  OB_CHECK_STR(canon("$[1"), "EEPARSE: path '$[1': at byte 3: expected ']' after the array index");
  OB_CHECK_STR(canon("$[1234567890]"), "EEPARSE: path '$[1234567890]': at byte 11: array index too large");
  OB_CHECK_STR(canon("$[\"a\\n\"]"), "EEPARSE: path '$[\"a\\n\"]': at byte 5: unknown escape (only \\\\, \\\" and \\' are allowed)");
  OB_CHECK_STR(canon("$[x]"), "EEPARSE: path '$[x]': at byte 2: expected a quoted key or an array index after '['");
  OB_CHECK_STR(canon("$.a b"), "EEPARSE: path '$.a b': at byte 3: expected '.' or '['");
}

OB_TEST(jsonpath_limits) {
  char long_path[ORACLE_JSONPATH_MAX_TEXT + 10], steps[200];
  memset(long_path, 'a', sizeof(long_path));
  long_path[0] = '$';
  long_path[1] = '.';
  long_path[sizeof(long_path) - 1] = '\0';
  OB_CHECK_CONTAINS(canon(long_path), "EELIMIT: path '$.aaa");
  OB_CHECK_CONTAINS(canon(long_path), "longer than 512 bytes");
  steps[0] = '$';
  for (int i = 0; i < 33; i++) memcpy(steps + 1 + 3 * i, "[0]", 3);
  steps[1 + 3 * 33] = '\0';
  OB_CHECK_CONTAINS(canon(steps), "more than 32 steps");
  steps[1 + 3 * 32] = '\0';
  OB_CHECK_EQ(strlen(canon(steps)), 97);
}

OB_TEST(jsonpath_canonical_form) {
  OB_CHECK_STR(canon("$"), "$");
  OB_CHECK_STR(canon("$['price']"), "$.price");
  OB_CHECK_STR(canon("$[\"ETH-USD\"].price"), "$.ETH-USD.price");
  OB_CHECK_STR(canon("$['a.b']['c\\'d']"), "$[\"a.b\"][\"c'd\"]");
  OB_CHECK_STR(canon("$['a\"b\\\\']"), "$[\"a\\\"b\\\\\"]");
  OB_CHECK_STR(canon("$.c[0][-2]"), "$.c[0][-2]");
  OB_CHECK_STR(canon("$['']"), "$[\"\"]");
  OB_CHECK_STR(canon(canon("$['a\"b\\\\'][3]")), "$[\"a\\\"b\\\\\"][3]");
}
