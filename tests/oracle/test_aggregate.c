/* median-mad: quorum, outliers, ties, even counts, MAD 0, negative values, int256 edges, k. */
#include <stdlib.h>

#include "ob/core/err.h"
#include "ob/core/u256.h"
#include "ob/oracle/aggregate.h"
#include "ob/oracle/value.h"
#include "ob_test.h"

#define I256_MAX "57896044618658097711785492504343953926634992332820282019728792003956564819967"
#define I256_MIN "-57896044618658097711785492504343953926634992332820282019728792003956564819968"
#define MAXN 16

struct run {
  struct oracle_agg res;
  bool outlier[MAXN];
  char value[CHAIN_U256_DEC_MAX];
  char flags[MAXN + 1]; /* 'o' outlier, '.' kept */
  int rc;
};

/* Aggregate the canonical decimal texts in vals (NULL-terminated) with k and quorum. */
static struct run agg(const char *k_text, uint32_t quorum, const char *const *vals) {
  struct run r;
  struct oracle_k k;
  struct chain_u256 x[MAXN];
  struct ob_err err;
  size_t n = 0;
  memset(&r, 0, sizeof(r));
  if (oracle_k_parse(&k, k_text, &err) != 0) {
    r.rc = -999;
    return r;
  }
  for (; vals[n]; n++)
    if (oracle_value_parse_canonical(&x[n], vals[n], "test value", &err) != 0)
      abort();
  r.rc = oracle_aggregate(&r.res, r.outlier, x, n, &k, quorum, &err);
  for (size_t i = 0; i < n; i++)
    r.flags[i] = r.outlier[i] ? 'o' : '.';
  if (r.res.ok)
    oracle_value_to_text(r.value, &r.res.value);
  else
    snprintf(r.value, sizeof(r.value), "left out");
  return r;
}

#define V(...) ((const char *const[]){__VA_ARGS__, NULL})

OB_TEST(agg_outliers_and_value) {
  struct run r = agg("3", 1, V("100", "101", "102", "103", "1000"));
  OB_CHECK_EQ(r.rc, 0);
  OB_CHECK_STR(r.flags, "....o");
  OB_CHECK_STR(r.value, "102"); /* median of 100..103 is 101.5, half-even -> 102 */
  OB_CHECK_EQ(r.res.remaining, 4);
  OB_CHECK_EQ(r.res.counted, 5);
  r = agg("3", 1, V("1000", "100", "103", "101", "102")); /* order does not matter */
  OB_CHECK_STR(r.flags, "o....");
  OB_CHECK_STR(r.value, "102");
  r = agg("3", 1, V("7")); /* one value: m = x, MAD 0, kept */
  OB_CHECK_STR(r.flags, ".");
  OB_CHECK_STR(r.value, "7");
}

OB_TEST(agg_quorum) {
  struct run r = agg("3", 4, V("1", "2", "3"));
  OB_CHECK_EQ(r.rc, 0);
  OB_CHECK(!r.res.ok);
  OB_CHECK_STR(r.res.reason, "3 source values counted, quorum is 4");
  r = agg("3", 5, V("100", "101", "102", "103", "1000"));
  OB_CHECK(!r.res.ok);
  OB_CHECK_STR(r.flags, "....o"); /* flags are set even when the feed is left out */
  OB_CHECK_STR(r.res.reason, "4 of 5 source values remain after the outlier rule (k 3), quorum is 5");
  r = agg("3", 4, V("100", "101", "102", "103", "1000"));
  OB_CHECK(r.res.ok);
  struct oracle_agg res;
  struct oracle_k k;
  struct ob_err err;
  OB_CHECK_EQ(oracle_k_parse(&k, "3", &err), 0);
  OB_CHECK_EQ(oracle_aggregate(&res, NULL, NULL, 0, &k, 1, &err), 0);
  OB_CHECK(!res.ok);
  OB_CHECK_STR(res.reason, "no source value counted, quorum is 1");
  OB_CHECK_EQ(oracle_aggregate(&res, NULL, NULL, 0, &k, 0, &err), OB_EINVAL);
}

OB_TEST(agg_ties_and_mad_zero) {
  struct run r = agg("3", 1, V("5", "5", "5", "5", "6"));
  OB_CHECK_STR(r.flags, "....o"); /* MAD 0: only x == m remain, however close */
  OB_CHECK_STR(r.value, "5");
  r = agg("1000000", 1, V("7", "7", "7", "7", "1", "100"));
  OB_CHECK_STR(r.flags, "....oo"); /* MAD 0 whatever k is */
  OB_CHECK_STR(r.value, "7");
  r = agg("3", 1, V("4", "4", "4", "4"));
  OB_CHECK_STR(r.flags, "....");
  OB_CHECK_STR(r.value, "4");
  /* m = 2 is no member, every |x - m| is 1: MAD 1, nobody out */
  r = agg("3", 1, V("1", "1", "3", "3"));
  OB_CHECK_STR(r.flags, "....");
  OB_CHECK_STR(r.value, "2");
  /* k = 0 and MAD > 0: everything not equal to m is out */
  r = agg("0", 1, V("1", "2", "3"));
  OB_CHECK_STR(r.flags, "o.o");
  OB_CHECK_STR(r.value, "2");
}

OB_TEST(agg_even_counts_round_half_even) {
  struct run r = agg("3", 1, V("2", "3"));
  OB_CHECK_STR(r.value, "2"); /* 2.5 -> 2 */
  r = agg("3", 1, V("3", "4"));
  OB_CHECK_STR(r.value, "4"); /* 3.5 -> 4 */
  r = agg("3", 1, V("3", "3", "4", "4"));
  OB_CHECK_STR(r.flags, "....");
  OB_CHECK_STR(r.value, "4");
  r = agg("3", 1, V("10", "20"));
  OB_CHECK_STR(r.value, "15");
  /* m = 1.5 (exact .5), devs 1.5 .5 .5 1.5: MAD 1; |0 - 1.5| = 1.5 > 1 × 1 with k 1 */
  r = agg("1", 1, V("0", "1", "2", "3"));
  OB_CHECK_STR(r.flags, "o..o");
  OB_CHECK_STR(r.value, "2"); /* 1.5 -> 2 */
  r = agg("1.5", 1, V("0", "1", "2", "3"));
  OB_CHECK_STR(r.flags, "...."); /* 1.5 > 1.5 is false */
}

OB_TEST(agg_k_is_exact_at_the_boundary) {
  /* m 11, devs 1 1 0 1 3, MAD 1: 14 is out iff 3 > k */
  const char *const *v = V("10", "10", "11", "12", "14");
  OB_CHECK_STR(agg("3", 1, v).flags, ".....");
  OB_CHECK_STR(agg("3.0000000000000000000000000000001", 1, v).flags, ".....");
  OB_CHECK_STR(agg("2.9999999999999999999999999999999", 1, v).flags, "....o");
  OB_CHECK_STR(agg("30e-1", 1, v).flags, ".....");
  OB_CHECK_STR(agg("0.3e1", 1, v).flags, ".....");
  /* m 2, devs 2 1 1 2, MAD 1.5: 0 and 4 are out iff 2 > 1.5 k, i.e. k < 4/3 */
  const char *const *w = V("0", "1", "3", "4");
  OB_CHECK_STR(agg("1.3333333333333333333333333333333", 1, w).flags, "o..o");
  OB_CHECK_STR(agg("1.3333333333333333333333333333334", 1, w).flags, "....");
  OB_CHECK_STR(agg("1.3333333333333333333333333333334", 1, w).value, "2");
}

OB_TEST(agg_negative_values) {
  struct run r = agg("3", 1, V("-100", "-101", "-102", "-103", "-1000"));
  OB_CHECK_STR(r.flags, "....o");
  OB_CHECK_STR(r.value, "-102"); /* -101.5 -> -102 (even) */
  r = agg("3", 1, V("-3", "-2"));
  OB_CHECK_STR(r.value, "-2"); /* -2.5 -> -2 */
  r = agg("3", 1, V("-5", "-4"));
  OB_CHECK_STR(r.value, "-4"); /* -4.5 -> -4 */
  r = agg("3", 1, V("-1", "0"));
  OB_CHECK_STR(r.value, "0"); /* -0.5 -> 0, never "-0" */
  r = agg("3", 1, V("-10", "-1", "1", "10", "10000"));
  OB_CHECK_STR(r.flags, "....o");
  OB_CHECK_STR(r.value, "0");
}

OB_TEST(agg_edges_of_int256) {
  struct run r = agg("3", 1, V(I256_MIN, I256_MAX));
  OB_CHECK_STR(r.flags, "..");
  OB_CHECK_STR(r.value, "0"); /* -0.5 -> 0 */
  r = agg("3", 1, V(I256_MAX, I256_MAX, "57896044618658097711785492504343953926634992332820282019728792003956564819966"));
  OB_CHECK_STR(r.flags, "..o");
  OB_CHECK_STR(r.value, I256_MAX);
  r = agg("3", 1, V(I256_MIN, I256_MIN, I256_MAX));
  OB_CHECK_STR(r.flags, "..o");
  OB_CHECK_STR(r.value, I256_MIN);
  r = agg("3", 1, V(I256_MAX, I256_MAX));
  OB_CHECK_STR(r.value, I256_MAX);
  r = agg("3", 1, V(I256_MIN, "-57896044618658097711785492504343953926634992332820282019728792003956564819967"));
  OB_CHECK_STR(r.value, I256_MIN); /* min + 0.5, min is even */
  r = agg("3", 1, V("57896044618658097711785492504343953926634992332820282019728792003956564819966", I256_MAX));
  OB_CHECK_STR(r.value, "57896044618658097711785492504343953926634992332820282019728792003956564819966");
  /* widest spread with the biggest k: nothing overflows */
  r = agg("9999999999999999999999999999999999999999999999999999999999999999", 1,
          V(I256_MIN, I256_MIN, "0", I256_MAX, I256_MAX, I256_MAX));
  OB_CHECK_STR(r.flags, "......");
  r = agg("0.0000000000000000000000000000000000000000000000000000000000000001", 1,
          V(I256_MIN, "0", "0", "1", I256_MAX));
  OB_CHECK_STR(r.flags, "o..oo"); /* m 0 MAD 1: |1| > 1e-64 */
}

OB_TEST(k_parse_canonical_and_limits) {
  struct oracle_k k;
  struct ob_err err;
  const char *cases[][2] = {{"3", "3"},       {"3.0", "3"},     {"2.50", "2.5"},  {"25e-1", "2.5"},
                            {"1e3", "1000"},  {"0.001", "0.001"}, {"1E-3", "0.001"}, {"0", "0"},
                            {"0.000", "0"},   {"0e5", "0"},     {"12.34e1", "123.4"}, {"100", "100"},
                            {"0.5", "0.5"},   {"1e-64", "0.0000000000000000000000000000000000000000000000000000000000000001"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    OB_CHECK_MSG(oracle_k_parse(&k, cases[i][0], &err) == 0, "'%s': %s", cases[i][0], err.msg);
    OB_CHECK_STR(k.text, cases[i][1]);
  }
  OB_CHECK_EQ(oracle_k_parse(&k, "-1", &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "k: expected a JSON number without a sign, got '-1'");
  OB_CHECK_EQ(oracle_k_parse(&k, "+1", &err), OB_EPARSE);
  OB_CHECK_EQ(oracle_k_parse(&k, "", &err), OB_EPARSE);
  OB_CHECK_EQ(oracle_k_parse(&k, "three", &err), OB_EPARSE);
  OB_CHECK_EQ(oracle_k_parse(&k, "1e64", &err), OB_ELIMIT);
  OB_CHECK_CONTAINS(err.msg, "k '1e64' is out of range");
  OB_CHECK_EQ(oracle_k_parse(&k, "9.99e63", &err), 0);
  OB_CHECK_EQ(oracle_k_parse(&k, "1e-65", &err), OB_ELIMIT);
  OB_CHECK_EQ(oracle_k_parse(&k, "1.000000000000000000000000000000000000000000000000000000000000001", &err), 0);
  OB_CHECK_EQ(oracle_k_parse(&k, "1.0000000000000000000000000000000000000000000000000000000000000001", &err),
              OB_ELIMIT);
}
