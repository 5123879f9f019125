#include <stdlib.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob_test.h"

static int parse(struct ob_json **v, const char *s, struct ob_err *err) {
  return ob_json_parse(v, s, strlen(s), NULL, err);
}

OB_TEST(json_numbers_keep_exact_text) {
  struct ob_json *v;
  struct ob_err err;
  struct ob_buf b;
  const char *doc = "{\"price\": 3012.34500000000000000001, \"big\": 115792089237316195423570985008687907853269984665640564039457584007913129639935, \"e\": -1.5E-7}";
  OB_REQUIRE(parse(&v, doc, &err) == 0);
  OB_CHECK_STR(ob_json_get(v, "price")->str, "3012.34500000000000000001");
  OB_CHECK_STR(ob_json_get(v, "big")->str,
               "115792089237316195423570985008687907853269984665640564039457584007913129639935");
  OB_CHECK_STR(ob_json_get(v, "e")->str, "-1.5E-7");
  ob_buf_init(&b, 0);
  OB_CHECK_EQ(ob_json_dump(&b, v), 0);
  OB_CHECK_STR(b.buf, "{\"price\":3012.34500000000000000001,\"big\":115792089237316195423570985008687907853269984665640564039457584007913129639935,\"e\":-1.5E-7}");
  ob_buf_release(&b);
  ob_json_free(v);
}

OB_TEST(json_refuses_bad_documents) {
  struct ob_json *v = NULL;
  struct ob_err err;
  OB_CHECK_EQ(parse(&v, "{\"a\":1} x", &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "trailing garbage");
  OB_CHECK_EQ(parse(&v, "{\"a\":1,\"a\":2}", &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "duplicate object key 'a'");
  OB_CHECK_EQ(parse(&v, "", &err), OB_EPARSE);
  OB_CHECK_EQ(parse(&v, "[1,]", &err), OB_EPARSE);
  OB_CHECK_EQ(parse(&v, "\"\xff\"", &err), OB_EPARSE);
  OB_CHECK_EQ(parse(&v, "{\"a\": 01}", &err), OB_EPARSE);
  OB_CHECK_EQ(parse(&v, "NaN", &err), OB_EPARSE);
  /* an unterminated string after the root: yajl alone accepts it */
  OB_CHECK_EQ(parse(&v, "{} \"    ", &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "at byte 3: parse error: trailing garbage");
  OB_CHECK_EQ(parse(&v, "[1]\"", &err), OB_EPARSE);
  OB_CHECK_EQ(parse(&v, "\"a\" \"b", &err), OB_EPARSE);
  /* \v and \f are whitespace to yajl, not to RFC 8259 */
  OB_CHECK_EQ(parse(&v, "{}\f", &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "at byte 2: \\f is not JSON whitespace");
  OB_CHECK_EQ(parse(&v, "[\v1]", &err), OB_EPARSE);
  OB_CHECK(v == NULL);
  OB_CHECK_EQ(parse(&v, " [1] \r\n\t", &err), 0);
  ob_json_free(v);
  v = NULL;
  OB_CHECK_EQ(parse(&v, "12 ", &err), 0);
  ob_json_free(v);
  v = NULL;
  OB_CHECK_EQ(parse(&v, "12", &err), 0);
  ob_json_free(v);
}

OB_TEST(json_limits_are_named) {
  struct ob_json *v = NULL;
  struct ob_err err;
  struct ob_json_limits lim;
  char deep[200];
  ob_json_limits_init(&lim);
  lim.max_depth = 10;
  memset(deep, '[', 100);
  memset(deep + 100, ']', 100);
  OB_CHECK_EQ(ob_json_parse(&v, deep, sizeof(deep), &lim, &err), OB_ELIMIT);
  OB_CHECK_CONTAINS(err.msg, "nesting deeper than the limit of 10");
  lim.max_depth = 64;
  lim.max_string = 4;
  OB_CHECK_EQ(ob_json_parse(&v, "\"hello\"", 7, &lim, &err), OB_ELIMIT);
  OB_CHECK_CONTAINS(err.msg, "string longer than the limit of 4 bytes");
  lim.max_bytes = 3;
  OB_CHECK_EQ(ob_json_parse(&v, "[1,2]", 5, &lim, &err), OB_ELIMIT);
  OB_CHECK_CONTAINS(err.msg, "larger than the limit of 3");
  ob_json_limits_init(&lim);
  lim.max_nodes = 3;
  OB_CHECK_EQ(ob_json_parse(&v, "[1,2,3]", 7, &lim, &err), OB_ELIMIT);
}

OB_TEST(json_many_keys_duplicate_found) {
  struct ob_buf b;
  struct ob_json *v = NULL;
  struct ob_err err;
  ob_buf_init(&b, 0);
  ob_buf_addch(&b, '{');
  for (int i = 0; i < 100; i++) ob_buf_addf(&b, "\"k%d\":%d,", i, i);
  ob_buf_addstr(&b, "\"k50\":0}");
  OB_CHECK_EQ(ob_json_parse(&v, b.buf, b.len, NULL, &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "duplicate object key 'k50'");
  ob_buf_release(&b);
}

OB_TEST(json_integers_strict) {
  struct ob_json *v;
  struct ob_err err;
  uint64_t u;
  int64_t i;
  OB_REQUIRE(parse(&v, "[18446744073709551615, 18446744073709551616, -9223372036854775808, 1.0, 1e3]", &err) == 0);
  OB_CHECK_EQ(ob_json_u64(ob_json_at(v, 0), &u, &err), 0);
  OB_CHECK(u == UINT64_MAX);
  OB_CHECK_EQ(ob_json_u64(ob_json_at(v, 1), &u, &err), OB_ELIMIT);
  OB_CHECK_EQ(ob_json_i64(ob_json_at(v, 2), &i, &err), 0);
  OB_CHECK(i == INT64_MIN);
  OB_CHECK_EQ(ob_json_u64(ob_json_at(v, 3), &u, &err), OB_EPARSE);
  OB_CHECK_EQ(ob_json_u64(ob_json_at(v, 4), &u, &err), OB_EPARSE);
  ob_json_free(v);
}

OB_TEST(json_writer_escapes_and_validates) {
  struct ob_buf b;
  struct ob_jw w;
  ob_buf_init(&b, 0);
  ob_jw_init(&w, &b, false);
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "s");
  ob_jw_str(&w, "a\"b\\c\n");
  ob_jw_key(&w, "n");
  ob_jw_number(&w, "-0.5e10");
  ob_jw_key(&w, "u");
  ob_jw_u64(&w, UINT64_MAX);
  ob_jw_obj_end(&w);
  OB_CHECK_EQ(ob_jw_finish(&w), 0);
  OB_CHECK_STR(b.buf, "{\"s\":\"a\\\"b\\\\c\\n\",\"n\":-0.5e10,\"u\":18446744073709551615}");
  ob_buf_reset(&b);
  ob_jw_init(&w, &b, false);
  ob_jw_number(&w, "1.");
  OB_CHECK_EQ(ob_jw_finish(&w), OB_EINVAL);
  ob_buf_release(&b);
  OB_CHECK(ob_json_number_valid("0", 1));
  OB_CHECK(!ob_json_number_valid("01", 2));
  OB_CHECK(!ob_json_number_valid("+1", 2));
  OB_CHECK(ob_json_number_valid("-0.0e+5", 7));
}
