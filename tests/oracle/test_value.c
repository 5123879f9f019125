/* Exact decimal text to int256 at `decimals` (round half-even), canonical text, feed names. */
#include <stdlib.h>

#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/u256.h"
#include "ob/oracle/value.h"
#include "ob_test.h"

#define I256_MAX "57896044618658097711785492504343953926634992332820282019728792003956564819967"
#define I256_MIN "-57896044618658097711785492504343953926634992332820282019728792003956564819968"

/* Convert text at decimals; the canonical result, or "E<code>" on failure (static buffer). */
static const char *conv(const char *text, unsigned decimals) {
  static char out[CHAIN_U256_DEC_MAX + 8];
  struct chain_u256 x;
  struct ob_err err;
  int rc = oracle_value_parse(&x, text, strlen(text), decimals, "v", &err);
  if (rc) {
    snprintf(out, sizeof(out), "E%s", ob_errname(rc));
    return out;
  }
  return oracle_value_to_text(out, &x);
}

OB_TEST(value_plain_and_scaled) {
  OB_CHECK_STR(conv("3012.345", 8), "301234500000");
  OB_CHECK_STR(conv("0", 0), "0");
  OB_CHECK_STR(conv("-0", 8), "0");
  OB_CHECK_STR(conv("-0.0", 8), "0");
  OB_CHECK_STR(conv("0.0001", 4), "1");
  OB_CHECK_STR(conv("-12.5", 1), "-125");
  OB_CHECK_STR(conv("100", 0), "100");
  OB_CHECK_STR(conv("1", 36), "1000000000000000000000000000000000000");
  OB_CHECK_STR(conv("0.000000000000000000000000000000000001", 36), "1");
  OB_CHECK_STR(conv("123456789.123456789123456789123456789123456789", 36),
               "123456789123456789123456789123456789123456789");
}

OB_TEST(value_rounds_half_even) {
  OB_CHECK_STR(conv("0.5", 0), "0");
  OB_CHECK_STR(conv("1.5", 0), "2");
  OB_CHECK_STR(conv("2.5", 0), "2");
  OB_CHECK_STR(conv("3.5", 0), "4");
  OB_CHECK_STR(conv("-2.5", 0), "-2");
  OB_CHECK_STR(conv("-3.5", 0), "-4");
  OB_CHECK_STR(conv("-0.5", 0), "0");
  OB_CHECK_STR(conv("2.5000000000000000000000000000001", 0), "3");
  OB_CHECK_STR(conv("2.4999999999999999999999999999999", 0), "2");
  OB_CHECK_STR(conv("0.05", 1), "0");
  OB_CHECK_STR(conv("0.15", 1), "2");
  OB_CHECK_STR(conv("0.25", 1), "2");
  OB_CHECK_STR(conv("0.04999", 1), "0");
  OB_CHECK_STR(conv("-0.04", 1), "0");
  OB_CHECK_STR(conv("9.5", 0), "10");
  OB_CHECK_STR(conv("99.95", 1), "1000");
  OB_CHECK_STR(conv("0.4", 0), "0");
  OB_CHECK_STR(conv("0.6", 0), "1");
  OB_CHECK_STR(conv("0.000001", 0), "0");
  OB_CHECK_STR(conv("5e-37", 36), "0");
  OB_CHECK_STR(conv("5.0000001e-37", 36), "1");
  OB_CHECK_STR(conv("15e-37", 36), "2");
  OB_CHECK_STR(conv("25e-37", 36), "2");
}

OB_TEST(value_exponents) {
  OB_CHECK_STR(conv("1e2", 0), "100");
  OB_CHECK_STR(conv("1E+2", 0), "100");
  OB_CHECK_STR(conv("1.5e-1", 1), "2");
  OB_CHECK_STR(conv("25E-1", 0), "2");
  OB_CHECK_STR(conv("3.012345e3", 8), "301234500000");
  OB_CHECK_STR(conv("301234500000e-8", 8), "301234500000");
  OB_CHECK_STR(conv("-1.23e-2", 4), "-123");
  OB_CHECK_STR(conv("1e-100", 36), "0");
  OB_CHECK_STR(conv("0e99999999999999999999999", 36), "0");
  OB_CHECK_STR(conv("1e-99999999999999999999999", 0), "0");
  OB_CHECK_STR(conv("1e99999999999999999999999", 0), "EELIMIT");
  OB_CHECK_STR(conv("1e76", 0), "10000000000000000000000000000000000000000000000000000000000000000000000000000");
  OB_CHECK_STR(conv("1e77", 0), "EELIMIT");
  OB_CHECK_STR(conv("1e41", 36), "EELIMIT");
  OB_CHECK_STR(conv("0.00000000000000000000000000000000000000001e40", 0), "0");
  OB_CHECK_STR(conv("0.000100e4", 0), "1");
  OB_CHECK_STR(conv("1e40", 36), "10000000000000000000000000000000000000000000000000000000000000000000000000000");
}

OB_TEST(value_edges_of_int256) {
  OB_CHECK_STR(conv(I256_MAX, 0), I256_MAX);
  OB_CHECK_STR(conv(I256_MIN, 0), I256_MIN);
  OB_CHECK_STR(conv("57896044618658097711785492504343953926634992332820282019728792003956564819968", 0),
               "EELIMIT");
  OB_CHECK_STR(conv("-57896044618658097711785492504343953926634992332820282019728792003956564819969", 0),
               "EELIMIT");
  /* max + 0.4 rounds down and fits; max + 0.5 rounds to the even 2^255, which does not */
  OB_CHECK_STR(conv(I256_MAX ".4999999", 0), I256_MAX);
  OB_CHECK_STR(conv(I256_MAX ".5", 0), "EELIMIT");
  /* min - 0.5 is a tie that stays at the even -2^255; a hair more does not fit */
  OB_CHECK_STR(conv(I256_MIN ".5", 0), I256_MIN);
  OB_CHECK_STR(conv(I256_MIN ".5000000000001", 0), "EELIMIT");
  OB_CHECK_STR(conv("5.7896044618658097711785492504343953926634992332820282019728792003956564819967e76", 0),
               I256_MAX);
  OB_CHECK_STR(conv("57896044618658097711785492504343953926634.992332820282019728792003956564819967", 36),
               I256_MAX);
  OB_CHECK_STR(conv("-57896044618658097711785492504343953926634.992332820282019728792003956564819968", 36),
               I256_MIN);
  OB_CHECK_STR(conv("57896044618658097711785492504343953926634.992332820282019728792003956564819968", 36),
               "EELIMIT");
  OB_CHECK_STR(conv("57896044618658097711785492504343953926634.9923328202820197287920039565648199674", 36),
               I256_MAX);
  OB_CHECK_STR(conv("115792089237316195423570985008687907853269984665640564039457584007913129639936", 0),
               "EELIMIT");
  OB_CHECK_STR(conv("999999999999999999999999999999999999999999999999999999999999999999999999999999999", 0),
               "EELIMIT");
}

OB_TEST(value_bad_text_and_messages) {
  const char *bad[] = {"", "00.1", "01", "1.", ".5", "+1", " 1", "1 ", "1e", "1e+", "0x10", "NaN",
                       "Infinity", "-", "--1", "1,5", "1.5.1", "١"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    OB_CHECK_MSG(strcmp(conv(bad[i], 8), "EEPARSE") == 0, "'%s' gave %s", bad[i], conv(bad[i], 8));
  struct chain_u256 x;
  struct ob_err err;
  OB_CHECK_EQ(oracle_value_parse(&x, "1e100", 5, 8, "ETH/USD source bn", &err), OB_ELIMIT);
  OB_CHECK_STR(err.msg, "ETH/USD source bn: value '1e100' does not fit int256 at 8 decimals");
  OB_CHECK_EQ(oracle_value_parse(&x, "12a", 3, 8, "v", &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "v: expected a JSON number, got '12a'");
  OB_CHECK_EQ(oracle_value_parse(&x, "1", 1, 37, "v", &err), OB_EINVAL);
  /* the length given is what counts: "12" of "123" */
  OB_CHECK_EQ(oracle_value_parse(&x, "123", 2, 0, NULL, &err), 0);
  OB_CHECK_EQ(x.w[0], 12);
}

OB_TEST(value_from_json_number_or_string) {
  struct ob_json *doc = NULL;
  struct ob_err err;
  const char *text = "[3012.345, \"3012.345\", \"3.012345e3\", \" 1\", true, null, \"1e\", -1e-2, \"-0.01\"]";
  OB_REQUIRE(ob_json_parse(&doc, text, strlen(text), NULL, &err) == 0);
  struct chain_u256 x;
  char out[CHAIN_U256_DEC_MAX];
  for (size_t i = 0; i < 3; i++) {
    OB_CHECK_EQ(oracle_value_from_json(&x, ob_json_at(doc, i), 8, "v", &err), 0);
    OB_CHECK_STR(oracle_value_to_text(out, &x), "301234500000");
  }
  OB_CHECK_EQ(oracle_value_from_json(&x, ob_json_at(doc, 3), 8, "v", &err), OB_EPARSE);
  OB_CHECK_EQ(oracle_value_from_json(&x, ob_json_at(doc, 4), 8, "v", &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "v: expected a JSON number or a string holding one, got boolean");
  OB_CHECK_EQ(oracle_value_from_json(&x, ob_json_at(doc, 5), 8, "v", &err), OB_EPARSE);
  OB_CHECK_EQ(oracle_value_from_json(&x, ob_json_at(doc, 6), 8, "v", &err), OB_EPARSE);
  for (size_t i = 7; i < 9; i++) {
    OB_CHECK_EQ(oracle_value_from_json(&x, ob_json_at(doc, i), 2, "v", &err), 0);
    OB_CHECK_STR(oracle_value_to_text(out, &x), "-1");
  }
  OB_CHECK_EQ(oracle_value_from_json(&x, NULL, 2, "v", &err), OB_EPARSE);
  ob_json_free(doc);
}

OB_TEST(value_canonical_text) {
  struct chain_u256 x;
  struct ob_err err;
  char out[CHAIN_U256_DEC_MAX];
  const char *good[] = {"0", "1", "-1", "301234500000", I256_MAX, I256_MIN};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    OB_CHECK_EQ(oracle_value_parse_canonical(&x, good[i], "value", &err), 0);
    OB_CHECK_STR(oracle_value_to_text(out, &x), good[i]);
  }
  const char *bad[] = {"", "-", "-0", "00", "01", "+1", "1e3", "1.0", "0x10", " 1", "1 ", "-01"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    OB_CHECK_MSG(oracle_value_parse_canonical(&x, bad[i], "value", &err) == OB_EPARSE, "'%s' accepted", bad[i]);
    OB_CHECK_CONTAINS(err.msg, "value: expected a canonical decimal integer");
  }
  OB_CHECK_EQ(oracle_value_parse_canonical(&x, "57896044618658097711785492504343953926634992332820282019728792003956564819968",
                                           "value", &err), OB_ELIMIT);
}

OB_TEST(feed_names) {
  struct ob_err err;
  const char *good[] = {"ETH/USD", "a", "0", "btc-usd.spot:binance_1", "A/B/C"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    OB_CHECK_MSG(oracle_feed_name_check(good[i], strlen(good[i]), &err) == 0, "'%s': %s", good[i], err.msg);
  char n64[65], n65[66];
  memset(n64, 'a', 64);
  n64[64] = '\0';
  memset(n65, 'a', 65);
  n65[65] = '\0';
  OB_CHECK_EQ(oracle_feed_name_check(n64, 64, &err), 0);
  OB_CHECK_EQ(oracle_feed_name_check(n65, 65, &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "65 bytes, at most 64");
  OB_CHECK_EQ(oracle_feed_name_check("", 0, &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "empty");
  OB_CHECK_EQ(oracle_feed_name_check("-x", 2, &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "feed name '-x': must start with a letter or digit");
  OB_CHECK_EQ(oracle_feed_name_check(".x", 2, &err), OB_EPARSE);
  OB_CHECK_EQ(oracle_feed_name_check("ETH USD", 7, &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "feed name 'ETH USD': byte 0x20 at 3 is not one of [A-Za-z0-9._/:-]");
  OB_CHECK_EQ(oracle_feed_name_check("caf\xc3\xa9", 5, &err), OB_EPARSE);
  OB_CHECK_EQ(oracle_feed_name_check("a\0b", 3, &err), OB_EPARSE);
  OB_CHECK_CONTAINS(err.msg, "byte 0x00 at 1");
}


/* Convert with transforms; the canonical result, or "E<code>" on failure (static buffer). */
static const char *xconv(const char *text, unsigned decimals, bool invert, const char *mul, const char *div) {
  static char out[CHAIN_U256_DEC_MAX + 8];
  struct chain_u256 x;
  struct ob_err err;
  int rc = oracle_value_convert(&x, text, strlen(text), decimals, invert, mul, div, "v", &err);
  if (rc) {
    snprintf(out, sizeof(out), "E%s", ob_errname(rc));
    return out;
  }
  return oracle_value_to_text(out, &x);
}

OB_TEST(value_convert_transforms_exactly) {
  OB_CHECK_STR(xconv("3012.45", 8, false, NULL, NULL), "301245000000");
  OB_CHECK_STR(xconv("4", 8, true, NULL, NULL), "25000000");
  /* 1/3 at 8 places: one rounding at the end, not a double's 0.333…33 */
  OB_CHECK_STR(xconv("3", 8, true, NULL, NULL), "33333333");
  OB_CHECK_STR(xconv("3", 36, true, NULL, NULL), "333333333333333333333333333333333333");
  OB_CHECK_STR(xconv("6", 0, true, NULL, "0.25"), "1"); /* 1/6 / 0.25 = 0.666… */
  OB_CHECK_STR(xconv("2", 0, true, NULL, NULL), "0");   /* 0.5 ties to even */
  OB_CHECK_STR(xconv("0.4", 0, true, NULL, NULL), "2"); /* 2.5 ties to even */
  OB_CHECK_STR(xconv("-0.4", 0, true, NULL, NULL), "-2");
  OB_CHECK_STR(xconv("1.5", 2, false, "1e3", NULL), "150000");
  OB_CHECK_STR(xconv("1.5", 2, false, NULL, "1e3"), "0"); /* 0.0015 at 2 places */
  OB_CHECK_STR(xconv("1.5", 3, false, NULL, "1e3"), "2"); /* 0.0015 → 0.002 (half to even) */
  OB_CHECK_STR(xconv("2.5e-3", 3, false, NULL, "1"), "2");
  OB_CHECK_STR(xconv("3012.45", 8, false, "1.0001", "3"), "100425041500"); /* 3012.45 × 1.0001 / 3 = 1004.250415 */
  OB_CHECK_STR(xconv("0", 8, false, "2", NULL), "0");
  OB_CHECK_STR(xconv("0", 8, true, NULL, NULL), "EEINVAL");
  OB_CHECK_STR(xconv("1", 8, false, "0", NULL), "EEINVAL");
  OB_CHECK_STR(xconv("1", 8, false, NULL, "-2"), "EEINVAL");
  OB_CHECK_STR(xconv("abc", 8, true, NULL, NULL), "EEPARSE");
  OB_CHECK_STR(xconv("1e-400", 0, true, NULL, NULL), "EELIMIT");
  OB_CHECK_STR(xconv("1e400", 0, true, NULL, NULL), "0");
  OB_CHECK_STR(xconv("1e-80", 0, true, NULL, NULL), "EELIMIT");
  OB_CHECK_STR(xconv("1e-76", 0, true, NULL, NULL), "10000000000000000000000000000000000000000000000000000000000000000000000000000");
  /* the edges of int256 through a transform */
  OB_CHECK_STR(xconv(I256_MAX, 0, false, "1", "1"), I256_MAX);
  OB_CHECK_STR(xconv(I256_MIN, 0, false, "1", NULL), I256_MIN);
  OB_CHECK_STR(xconv(I256_MAX, 0, false, "2", "2"), I256_MAX);
  OB_CHECK_STR(xconv(I256_MAX, 0, false, "1.0000000001", NULL), "EELIMIT");
  {
    char many[130];
    memset(many, '1', 101);
    many[101] = '\0';
    OB_CHECK_STR(xconv(many, 0, true, NULL, NULL), "EELIMIT");
    many[100] = '\0';
    OB_CHECK_STR(xconv(many, 0, true, NULL, NULL), "0");
  }
}
