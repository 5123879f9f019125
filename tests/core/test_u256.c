#include <stdlib.h>

#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/u256.h"
#include "ob_test.h"

#define U256_MAX_DEC "115792089237316195423570985008687907853269984665640564039457584007913129639935"
#define I256_MIN_DEC "-57896044618658097711785492504343953926634992332820282019728792003956564819968"
#define I256_MAX_DEC "57896044618658097711785492504343953926634992332820282019728792003956564819967"

OB_TEST(u256_parse_print_edges) {
  struct chain_u256 v;
  char dec[CHAIN_U256_DEC_MAX], hex[CHAIN_U256_HEX_MAX];
  OB_CHECK_EQ(chain_u256_parse(&v, U256_MAX_DEC, NULL, NULL), 0);
  OB_CHECK_STR(chain_u256_to_dec(dec, &v), U256_MAX_DEC);
  OB_CHECK_STR(chain_u256_to_hex(hex, &v), "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
  OB_CHECK_EQ(chain_u256_parse(&v, "0", NULL, NULL), 0);
  OB_CHECK_STR(chain_u256_to_dec(dec, &v), "0");
  OB_CHECK_STR(chain_u256_to_hex(hex, &v), "0x0");
  OB_CHECK_EQ(chain_u256_parse(&v, "0x00DEADbeef", NULL, NULL), 0);
  OB_CHECK_STR(chain_u256_to_dec(dec, &v), "3735928559");
  OB_CHECK_STR(chain_u256_to_hex(hex, &v), "0xdeadbeef");
  uint8_t be[32];
  chain_u256_to_be(be, &v);
  OB_CHECK(be[28] == 0xde && be[31] == 0xef && be[0] == 0);
  struct chain_u256 back;
  chain_u256_from_be(&back, be);
  OB_CHECK_EQ(chain_u256_cmp(&back, &v), 0);
  OB_CHECK_EQ(chain_i256_parse(&v, I256_MIN_DEC, NULL, NULL), 0);
  OB_CHECK(chain_i256_is_neg(&v));
  OB_CHECK_STR(chain_i256_to_dec(dec, &v), I256_MIN_DEC);
  OB_CHECK_STR(chain_u256_to_hex(hex, &v), "0x8000000000000000000000000000000000000000000000000000000000000000");
  OB_CHECK_EQ(chain_i256_parse(&v, I256_MAX_DEC, NULL, NULL), 0);
  OB_CHECK_STR(chain_i256_to_dec(dec, &v), I256_MAX_DEC);
  OB_CHECK_EQ(chain_i256_parse(&v, "-1", NULL, NULL), 0);
  OB_CHECK_STR(chain_u256_to_dec(dec, &v), U256_MAX_DEC);
  OB_CHECK_EQ(chain_i256_parse(&v, "-0x10", NULL, NULL), 0);
  OB_CHECK_STR(chain_i256_to_dec(dec, &v), "-16");
}

OB_TEST(u256_errors_name_the_value) {
  struct chain_u256 v;
  struct ob_err err;
  ob_err_clear(&err);
  OB_CHECK_EQ(chain_u256_parse(&v, U256_MAX_DEC "0", NULL, &err), OB_ELIMIT);
  OB_CHECK_STR(err.msg, "value '" U256_MAX_DEC "0' does not fit uint256");
  OB_CHECK_EQ(chain_u256_parse(&v, "0x1" "0000000000000000000000000000000000000000000000000000000000000000",
                               "--value", &err), OB_ELIMIT);
  OB_CHECK_CONTAINS(err.msg, "--value: value '0x10000");
  const char *bad[] = {"", "0x", "-1", "+1", " 1", "1 ", "12a", "0xg", "1e3", "0x-1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    OB_CHECK_EQ(chain_u256_parse(&v, bad[i], "amount", &err), OB_EPARSE);
    OB_CHECK_CONTAINS(err.msg, "amount: expected a decimal or 0x-hex integer");
  }
  OB_CHECK_EQ(chain_i256_parse(&v, I256_MAX_DEC "", NULL, &err), 0);
  OB_CHECK_EQ(chain_i256_parse(&v, "57896044618658097711785492504343953926634992332820282019728792003956564819968",
                               NULL, &err), OB_ELIMIT);
  OB_CHECK_CONTAINS(err.msg, "does not fit int256");
  OB_CHECK_EQ(chain_i256_parse(&v, "-57896044618658097711785492504343953926634992332820282019728792003956564819969",
                               NULL, &err), OB_ELIMIT);
  OB_CHECK_EQ(chain_i256_parse(&v, "--1", NULL, &err), OB_EPARSE);
  OB_CHECK_EQ(chain_i256_parse(&v, "-", NULL, &err), OB_EPARSE);
}

OB_TEST(u256_fits_bits) {
  struct chain_u256 v;
  chain_u256_from_u64(&v, 255);
  OB_CHECK(chain_u256_fits_bits(&v, 8));
  chain_u256_from_u64(&v, 256);
  OB_CHECK(!chain_u256_fits_bits(&v, 8));
  OB_CHECK(chain_u256_fits_bits(&v, 16));
  OB_CHECK_EQ(chain_i256_parse(&v, "-128", NULL, NULL), 0);
  OB_CHECK(chain_i256_fits_bits(&v, 8));
  OB_CHECK_EQ(chain_i256_parse(&v, "-129", NULL, NULL), 0);
  OB_CHECK(!chain_i256_fits_bits(&v, 8));
  OB_CHECK_EQ(chain_i256_parse(&v, "127", NULL, NULL), 0);
  OB_CHECK(chain_i256_fits_bits(&v, 8));
  OB_CHECK_EQ(chain_i256_parse(&v, "128", NULL, NULL), 0);
  OB_CHECK(!chain_i256_fits_bits(&v, 8));
  OB_CHECK_EQ(chain_i256_parse(&v, I256_MIN_DEC, NULL, NULL), 0);
  OB_CHECK(chain_i256_fits_bits(&v, 256));
  OB_CHECK(!chain_i256_fits_bits(&v, 248));
  OB_CHECK_EQ(chain_i256_parse(&v, "-1", NULL, NULL), 0);
  OB_CHECK(chain_i256_fits_bits(&v, 8));
  OB_CHECK_EQ(chain_i256_parse(&v, "-9223372036854775808", NULL, NULL), 0);
  OB_CHECK(chain_i256_fits_bits(&v, 64));
  OB_CHECK(!chain_i256_fits_bits(&v, 56));
}

static void rand_u256(struct chain_u256 *v) {
  for (int i = 0; i < 4; i++)
    v->w[i] = ob_test_rand();
  unsigned keep = (unsigned)(ob_test_rand() % 257); /* vary the size */
  for (unsigned b = keep; b < 256; b++)
    v->w[b / 64] &= ~((uint64_t)1 << (b % 64));
}

/* Random values: decimal and hex print/parse round-trip, add/sub and mul/divmod invert, be32 round-trip. */
OB_TEST(u256_random_roundtrips) {
  ob_test_rng_seed(256);
  for (int i = 0; i < 2000; i++) {
    struct chain_u256 a, b, r, back;
    char dec[CHAIN_U256_DEC_MAX], hex[CHAIN_U256_HEX_MAX];
    rand_u256(&a);
    rand_u256(&b);
    OB_CHECK_EQ(chain_u256_parse(&back, chain_u256_to_dec(dec, &a), NULL, NULL), 0);
    OB_CHECK_EQ(chain_u256_cmp(&back, &a), 0);
    OB_CHECK_EQ(chain_u256_parse(&back, chain_u256_to_hex(hex, &a), NULL, NULL), 0);
    OB_CHECK_EQ(chain_u256_cmp(&back, &a), 0);
    OB_CHECK_EQ(chain_i256_parse(&back, chain_i256_to_dec(dec, &a), NULL, NULL), 0);
    OB_CHECK_EQ(chain_u256_cmp(&back, &a), 0);
    bool carry = chain_u256_add(&r, &a, &b);
    bool borrow = chain_u256_sub(&back, &r, &b);
    OB_CHECK_EQ(chain_u256_cmp(&back, &a), 0);
    OB_CHECK_EQ(carry, borrow);
    OB_CHECK_EQ(chain_u256_sub(&r, &a, &b), chain_u256_cmp(&a, &b) < 0);
    uint64_t d = ob_test_rand() | 1;
    r = a;
    uint64_t rem = chain_u256_divmod_small(&r, d);
    OB_CHECK(rem < d);
    OB_CHECK(!chain_u256_mul_small(&r, d, rem));
    OB_CHECK_EQ(chain_u256_cmp(&r, &a), 0);
    uint8_t be[32];
    chain_u256_to_be(be, &a);
    chain_u256_from_be(&back, be);
    OB_CHECK_EQ(chain_u256_cmp(&back, &a), 0);
    r = a;
    chain_u256_neg(&r);
    OB_CHECK(!chain_u256_add(&r, &r, &a) || !chain_u256_is_zero(&a));
    OB_CHECK(chain_u256_is_zero(&r));
  }
}

OB_TEST(u256_from_be_n) {
  struct chain_u256 v;
  uint8_t in[40] = {0};
  in[39] = 7;
  OB_CHECK_EQ(chain_u256_from_be_n(&v, in, 40, NULL), 0);
  uint64_t x = 0;
  OB_CHECK(chain_u256_to_u64(&v, &x) && x == 7);
  in[0] = 1;
  OB_CHECK_EQ(chain_u256_from_be_n(&v, in, 40, NULL), OB_ELIMIT);
  OB_CHECK_EQ(chain_u256_from_be_n(&v, in + 38, 2, NULL), 0);
  OB_CHECK(chain_u256_to_u64(&v, &x) && x == 7);
}

static const char *amount(const char *text, unsigned dflt, int *rc) {
  static char out[CHAIN_U256_DEC_MAX];
  struct chain_u256 v;
  *rc = chain_u256_parse_amount(&v, text, dflt, "x", NULL);
  return *rc ? "" : chain_u256_to_dec(out, &v);
}

OB_TEST(u256_parse_amount_units) {
  int rc;
  OB_CHECK_STR(amount("20000000000000000000", 0, &rc), "20000000000000000000");
  OB_CHECK_STR(amount("1ether", 0, &rc), "1000000000000000000");
  OB_CHECK_STR(amount("1.5gwei", 0, &rc), "1500000000");
  OB_CHECK_STR(amount("2ETH", 0, &rc), "2000000000000000000");
  OB_CHECK_STR(amount("100wei", 9, &rc), "100");
  OB_CHECK_STR(amount("30", 9, &rc), "30000000000");
  OB_CHECK_STR(amount(".5", 9, &rc), "500000000");
  OB_CHECK_STR(amount("1.000", 0, &rc), "1");
  OB_CHECK_STR(amount("0x10", 9, &rc), "16"); /* hex is wei, always */
  amount("1.5", 0, &rc);
  OB_CHECK_EQ(rc, OB_EPARSE);
  amount("1furlong", 0, &rc);
  OB_CHECK_EQ(rc, OB_EPARSE);
  amount("", 0, &rc);
  OB_CHECK_EQ(rc, OB_EPARSE);
  amount("ether", 0, &rc);
  OB_CHECK_EQ(rc, OB_EPARSE);
  amount("-1", 0, &rc);
  OB_CHECK_EQ(rc, OB_EPARSE);
  amount("200000000000000000000000000000000000000000000000000000000000ether", 0, &rc);
  OB_CHECK_EQ(rc, OB_ELIMIT);
}

OB_TEST(u256_format_units) {
  char out[CHAIN_U256_DEC_MAX + 2];
  struct chain_u256 v;
  chain_u256_from_u64(&v, 1500000000000000000ULL);
  OB_CHECK_STR(chain_u256_format_units(out, &v, 18), "1.5");
  chain_u256_from_u64(&v, 20);
  OB_CHECK_STR(chain_u256_format_units(out, &v, 18), "0.00000000000000002");
  chain_u256_from_u64(&v, 0);
  OB_CHECK_STR(chain_u256_format_units(out, &v, 18), "0");
  chain_u256_from_u64(&v, 3000000000000000000ULL);
  OB_CHECK_STR(chain_u256_format_units(out, &v, 18), "3");
  memset(&v, 0xff, sizeof(v));
  OB_CHECK_STR(chain_u256_format_units(out, &v, 18), "115792089237316195423570985008687907853269984665640564039457.584007913129639935");
}

static const char *dec_of(const struct chain_u256 *v) {
  static char out[CHAIN_U256_DEC_MAX];
  return chain_u256_to_dec(out, v);
}

/* The fee arithmetic of the transaction manager: +12.5 % and +10 % rounded up, past 64 bits,
 * saturating instead of wrapping; the smaller and larger of two. */
OB_TEST(u256_add_share_ceil_sat_min_max) {
  struct chain_u256 v, r, big;
  chain_u256_from_u64(&v, UINT64_MAX); /* 2^64 - 1: +12.5 % overflowed 64 bits */
  chain_u256_add_share_ceil(&r, &v, 8);
  OB_CHECK_STR(dec_of(&r), "20752587082923245567");
  OB_CHECK_EQ(chain_u256_parse(&v, "18446744073709551617", NULL, NULL), 0); /* 2^64 + 1 */
  chain_u256_add_share_ceil(&r, &v, 10);
  OB_CHECK_STR(dec_of(&r), "20291418481080506779");
  OB_CHECK_EQ(chain_u256_parse(&v, "8000000000000000000000000000000", NULL, NULL), 0); /* exact share: no rounding */
  chain_u256_add_share_ceil(&v, &v, 8); /* r aliases v */
  OB_CHECK_STR(dec_of(&v), "9000000000000000000000000000000");
  chain_u256_from_u64(&v, 1);
  chain_u256_add_share_ceil(&r, &v, 8);
  OB_CHECK_STR(dec_of(&r), "2");
  chain_u256_from_u64(&v, 0);
  chain_u256_add_share_ceil(&r, &v, 8);
  OB_CHECK_STR(dec_of(&r), "0");
  memset(&big, 0xff, sizeof(big));
  chain_u256_add_share_ceil(&r, &big, 8);
  OB_CHECK_STR(dec_of(&r), U256_MAX_DEC);
  chain_u256_from_u64(&v, 2);
  chain_u256_add_sat(&r, &big, &v);
  OB_CHECK_STR(dec_of(&r), U256_MAX_DEC);
  chain_u256_add_sat(&r, &v, &v);
  OB_CHECK_STR(dec_of(&r), "4");
  OB_CHECK(chain_u256_min(&v, &big) == &v && chain_u256_min(&big, &v) == &v);
  OB_CHECK(chain_u256_max(&v, &big) == &big && chain_u256_max(&big, &v) == &big);
  r = v;
  OB_CHECK(chain_u256_min(&v, &r) == &v && chain_u256_max(&v, &r) == &v);
}
