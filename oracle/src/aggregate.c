/* median-mad in exact integers (see aggregate.h).
 *
 * Values are moved to an unsigned, order-preserving form u = x + 2^255 (an even offset, so halves
 * and parities are unchanged), then:
 *   M2   = 2m in units of 1/2            (2u of the middle one, or the sum of the two middle ones)
 *   dev2 = |2u - M2|                     (|x - m| in units of 1/2)
 *   MAD4 = 4 × MAD                       (2 dev2 of the middle one, or the sum of the two middle)
 *   outlier iff 2 dev2 × 10^A > mant × MAD4 × 10^B, with k = mant × 10^exp10, A, B >= 0.
 * The largest product is below 2^700, so a 1024-bit number holds every step exactly. */
#include "ob/oracle/aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "oracle_int.h"

typedef unsigned __int128 u128;

#define BIG_LIMBS 16

struct big {
  uint64_t w[BIG_LIMBS]; /* w[0] least significant */
};

static void big_from_u256(struct big *r, const struct chain_u256 *v) {
  memset(r, 0, sizeof(*r));
  memcpy(r->w, v->w, sizeof(v->w));
}

static int big_cmp(const struct big *a, const struct big *b) {
  for (int i = BIG_LIMBS - 1; i >= 0; i--)
    if (a->w[i] != b->w[i])
      return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}

static void big_add(struct big *r, const struct big *a, const struct big *b) {
  u128 c = 0;
  for (int i = 0; i < BIG_LIMBS; i++) {
    c += (u128)a->w[i] + b->w[i];
    r->w[i] = (uint64_t)c;
    c >>= 64;
  }
}

/* r = a - b for a >= b. */
static void big_sub(struct big *r, const struct big *a, const struct big *b) {
  uint64_t borrow = 0;
  for (int i = 0; i < BIG_LIMBS; i++) {
    uint64_t x = a->w[i], y = b->w[i];
    r->w[i] = x - y - borrow;
    borrow = (x < y) || (x == y && borrow);
  }
}

static void big_mul_small(struct big *r, uint64_t m) {
  u128 c = 0;
  for (int i = 0; i < BIG_LIMBS; i++) {
    c += (u128)r->w[i] * m;
    r->w[i] = (uint64_t)c;
    c >>= 64;
  }
}

static void big_mul_pow10(struct big *r, int e) {
  for (; e > 0; e--)
    big_mul_small(r, 10);
}

/* r = a × b where a and b hold at most BIG_LIMBS/2 limbs each (true here by the bounds above). */
static void big_mul(struct big *r, const struct big *a, const struct big *b) {
  struct big t;
  memset(&t, 0, sizeof(t));
  for (int i = 0; i < BIG_LIMBS / 2; i++) {
    u128 c = 0;
    for (int j = 0; j < BIG_LIMBS / 2; j++) {
      c += (u128)a->w[i] * b->w[j] + t.w[i + j];
      t.w[i + j] = (uint64_t)c;
      c >>= 64;
    }
    t.w[i + BIG_LIMBS / 2] = (uint64_t)c;
  }
  *r = t;
}

/* |a - b| */
static void big_absdiff(struct big *r, const struct big *a, const struct big *b) {
  if (big_cmp(a, b) >= 0)
    big_sub(r, a, b);
  else
    big_sub(r, b, a);
}

static int big_qcmp(const void *a, const void *b) {
  return big_cmp(a, b);
}

/* The middle of sorted s[0..n), doubled: 2 s[mid] for odd n, s[n/2-1] + s[n/2] for even n. */
static void median2(struct big *r, const struct big *s, size_t n) {
  if (n % 2)
    big_add(r, &s[n / 2], &s[n / 2]);
  else
    big_add(r, &s[n / 2 - 1], &s[n / 2]);
}

static void to_offset(struct big *u, const struct chain_u256 *x) {
  struct chain_u256 t = *x;
  t.w[3] ^= (uint64_t)1 << 63;
  big_from_u256(u, &t);
}

/* ---- k ---- */

static void k_text(struct oracle_k *k, const struct oracle__dec *d, size_t first, size_t nd) {
  char *o = k->text;
  int point = (int)nd + k->exp10; /* digits before the decimal point */
  if (point <= 0) {
    *o++ = '0';
    *o++ = '.';
    for (int i = point; i < 0; i++)
      *o++ = '0';
  }
  for (size_t i = 0; i < nd; i++) {
    if ((int)i == point && point > 0)
      *o++ = '.';
    *o++ = (char)('0' + oracle__digit_at(d, first + i));
  }
  for (int i = 0; i < k->exp10; i++)
    *o++ = '0';
  *o = '\0';
}

int oracle_k_parse(struct oracle_k *k, const char *text, struct ob_err *err) {
  size_t len = text ? strlen(text) : 0;
  if (!text || !ob_json_number_valid(text, len) || text[0] == '-')
    return ob_err_set(err, OB_EPARSE, "k: expected a JSON number without a sign, got '%.80s'",
                      text ? text : "");
  struct oracle__dec d;
  struct oracle_k r;
  memset(&r, 0, sizeof(r));
  oracle__dec_split(&d, text, len);
  size_t total = d.int_len + d.frac_len, first = 0, last = total;
  while (first < total && oracle__digit_at(&d, first) == 0)
    first++;
  if (first == total) {
    r.text[0] = '0';
    *k = r;
    return 0;
  }
  while (oracle__digit_at(&d, last - 1) == 0)
    last--;
  size_t nd = last - first;
  int64_t e = d.exp10 - (int64_t)d.frac_len + (int64_t)(total - last);
  int64_t mag10 = (int64_t)nd + e; /* 10^(mag10-1) <= k < 10^mag10 */
  if (nd > ORACLE_K_DIGITS_MAX || mag10 > ORACLE_K_DIGITS_MAX || mag10 < 1 - ORACLE_K_DIGITS_MAX)
    return ob_err_set(err, OB_ELIMIT,
                      "k '%.80s' is out of range (at most %d significant digits, 0 or 1e-%d <= k < 1e%d)",
                      text, ORACLE_K_DIGITS_MAX, ORACLE_K_DIGITS_MAX, ORACLE_K_DIGITS_MAX);
  for (size_t i = first; i < last; i++)
    chain_u256_mul_small(&r.mant, 10, (uint64_t)oracle__digit_at(&d, i));
  r.exp10 = (int)e;
  k_text(&r, &d, first, nd);
  *k = r;
  return 0;
}

/* ---- aggregation ---- */

/* Flags outliers; returns how many remain. u: offset values, s: scratch of n. */
static size_t flag_outliers(bool *outlier, const struct big *u, struct big *s, size_t n,
                            const struct oracle_k *k) {
  struct big m2, two_u, mad4, rhs, km;
  memcpy(s, u, n * sizeof(*s));
  qsort(s, n, sizeof(*s), big_qcmp);
  median2(&m2, s, n);
  for (size_t i = 0; i < n; i++) {
    big_add(&two_u, &u[i], &u[i]);
    big_absdiff(&s[i], &two_u, &m2); /* dev2 */
  }
  qsort(s, n, sizeof(*s), big_qcmp);
  median2(&mad4, s, n);
  big_from_u256(&km, &k->mant);
  big_mul(&rhs, &km, &mad4);
  big_mul_pow10(&rhs, k->exp10 > 0 ? k->exp10 : 0);
  size_t remaining = 0;
  for (size_t i = 0; i < n; i++) {
    struct big lhs;
    big_add(&two_u, &u[i], &u[i]);
    big_absdiff(&lhs, &two_u, &m2);
    big_add(&lhs, &lhs, &lhs); /* 4 |x - m| */
    big_mul_pow10(&lhs, k->exp10 < 0 ? -k->exp10 : 0);
    outlier[i] = big_cmp(&lhs, &rhs) > 0;
    remaining += !outlier[i];
  }
  return remaining;
}

/* Median of the values not flagged, even count rounded half-even, back to int256. */
static void final_value(struct chain_u256 *out, const bool *outlier, const struct big *u, struct big *s,
                        size_t n) {
  size_t r = 0;
  struct big m2;
  for (size_t i = 0; i < n; i++)
    if (!outlier[i])
      s[r++] = u[i];
  qsort(s, r, sizeof(*s), big_qcmp);
  median2(&m2, s, r);
  /* m2 / 2, half-even: m2 odd means a .5, which goes to the even neighbour. */
  bool half = m2.w[0] & 1;
  for (int i = 0; i < BIG_LIMBS; i++)
    m2.w[i] = (m2.w[i] >> 1) | (i + 1 < BIG_LIMBS ? m2.w[i + 1] << 63 : 0);
  if (half && (m2.w[0] & 1)) {
    struct big one;
    memset(&one, 0, sizeof(one));
    one.w[0] = 1;
    big_add(&m2, &m2, &one);
  }
  memcpy(out->w, m2.w, sizeof(out->w)); /* the mean of int256 values is an int256 */
  out->w[3] ^= (uint64_t)1 << 63;
}

int oracle_aggregate(struct oracle_agg *res, bool *outlier, const struct chain_u256 *x, size_t n,
                     const struct oracle_k *k, uint32_t quorum, struct ob_err *err) {
  memset(res, 0, sizeof(*res));
  res->counted = n;
  if (quorum == 0 || !k || (n && (!outlier || !x)))
    return ob_err_set(err, OB_EINVAL, "aggregate: quorum must be at least 1 and k given");
  if (n == 0) {
    snprintf(res->reason, sizeof(res->reason), "no source value counted, quorum is %u", quorum);
    return 0;
  }
  if (n > SIZE_MAX / (2 * sizeof(struct big)))
    return ob_err_set(err, OB_ENOMEM, "aggregate: %zu values", n);
  struct big *u = ob_malloc(2 * n * sizeof(*u));
  if (!u)
    return ob_err_set(err, OB_ENOMEM, "aggregate: out of memory for %zu values", n);
  struct big *s = u + n;
  for (size_t i = 0; i < n; i++)
    to_offset(&u[i], &x[i]);
  res->remaining = flag_outliers(outlier, u, s, n, k);
  if (res->remaining < quorum) {
    if (n < quorum)
      snprintf(res->reason, sizeof(res->reason), "%zu source values counted, quorum is %u", n, quorum);
    else
      snprintf(res->reason, sizeof(res->reason),
               "%zu of %zu source values remain after the outlier rule (k %s), quorum is %u",
               res->remaining, n, k->text, quorum);
  } else {
    final_value(&res->value, outlier, u, s, n);
    res->ok = true;
  }
  ob_free(u);
  return 0;
}
