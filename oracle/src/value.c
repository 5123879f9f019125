/* Exact decimal text to int256 fixed point (round half-even), canonical text, feed names. */
#include "ob/oracle/value.h"

#include <string.h>

#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/u256.h"
#include "oracle_int.h"

/* 78 decimal digits can exceed 2^256; any value with more integer digits does not fit. */
#define U256_DEC_DIGITS 78

/* Round the digits [first, first+keep) of d half-even on the digits after them.
 * Returns true when the magnitude does not fit uint256. */
static bool round_digits(struct chain_u256 *mag, const struct oracle__dec *d, size_t first, int64_t keep,
                         size_t total) {
  bool overflow = false;
  chain_u256_from_u64(mag, 0);
  for (int64_t i = 0; i < keep; i++)
    overflow |= chain_u256_mul_small(mag, 10, (uint64_t)oracle__digit_at(d, first + (size_t)i));
  if (keep < 0)
    return overflow; /* below 0.1 of the last place: rounds to zero */
  size_t r = first + (size_t)keep;
  int next = r < total ? oracle__digit_at(d, r) : 0;
  bool sticky = false;
  for (size_t i = r + 1; i < total && !sticky; i++)
    sticky = oracle__digit_at(d, i) != 0;
  if (next > 5 || (next == 5 && (sticky || (mag->w[0] & 1)))) {
    struct chain_u256 one;
    chain_u256_from_u64(&one, 1);
    overflow |= chain_u256_add(mag, mag, &one);
  }
  return overflow;
}

static bool fits_i256(const struct chain_u256 *mag, bool neg) {
  struct chain_u256 lim = {{0, 0, 0, (uint64_t)1 << 63}}; /* 2^255 */
  int c = chain_u256_cmp(mag, &lim);
  return neg ? c <= 0 : c < 0;
}

/* Exact magnitude of d × 10^decimals, rounded. Returns true when it does not fit int256. */
static bool scale_round(struct chain_u256 *mag, const struct oracle__dec *d, unsigned decimals) {
  size_t total = d->int_len + d->frac_len, first = 0;
  while (first < total && oracle__digit_at(d, first) == 0)
    first++;
  chain_u256_from_u64(mag, 0);
  if (first == total)
    return false; /* zero, whatever the exponent or sign */
  int64_t nd = (int64_t)(total - first);
  int64_t e = d->exp10 - (int64_t)d->frac_len + (int64_t)decimals;
  bool overflow;
  if (e >= 0) {
    if (nd + e > U256_DEC_DIGITS)
      return true;
    overflow = round_digits(mag, d, first, nd, total);
    for (int64_t i = 0; i < e; i++)
      overflow |= chain_u256_mul_small(mag, 10, 0);
  } else {
    if (nd + e > U256_DEC_DIGITS)
      return true;
    overflow = round_digits(mag, d, first, nd + e, total);
  }
  return overflow || !fits_i256(mag, d->neg);
}

int oracle_value_parse(struct chain_u256 *out, const char *text, size_t len, unsigned decimals,
                       const char *what, struct ob_err *err) {
  const char *w = what ? what : "", *sep = what ? ": " : "";
  int shown = len > 100 ? 100 : (int)len;
  if (decimals > ORACLE_DECIMALS_MAX)
    return ob_err_set(err, OB_EINVAL, "%s%sdecimals %u is above %d", w, sep, decimals, ORACLE_DECIMALS_MAX);
  if (!text || !ob_json_number_valid(text, len))
    return ob_err_set(err, OB_EPARSE, "%s%sexpected a JSON number, got '%.*s'", w, sep, shown,
                      text ? text : "");
  struct oracle__dec d;
  struct chain_u256 mag;
  oracle__dec_split(&d, text, len);
  if (scale_round(&mag, &d, decimals))
    return ob_err_set(err, OB_ELIMIT, "%s%svalue '%.*s%s' does not fit int256 at %u decimals", w, sep,
                      shown, text, len > 100 ? "…" : "", decimals);
  if (d.neg)
    chain_u256_neg(&mag);
  *out = mag;
  return 0;
}

/* ---- transforms: exact rationals on fixed-size big integers ---- */

typedef unsigned __int128 u128;
#define XL 48 /* 3072 bits: the largest operand is below 10^490 (see convert_scaled) */

struct xbig {
  uint64_t w[XL];
};

static void x_zero(struct xbig *a) { memset(a, 0, sizeof(*a)); }

static bool x_is_zero(const struct xbig *a) {
  for (int i = 0; i < XL; i++)
    if (a->w[i]) return false;
  return true;
}

static void x_mul_small(struct xbig *a, uint64_t m, uint64_t add) {
  u128 c = add;
  for (int i = 0; i < XL; i++) {
    c += (u128)a->w[i] * m;
    a->w[i] = (uint64_t)c;
    c >>= 64;
  }
}

static void x_mul_pow10(struct xbig *a, int64_t e) {
  for (; e >= 19; e -= 19) x_mul_small(a, 10000000000000000000ull, 0);
  for (; e > 0; e--) x_mul_small(a, 10, 0);
}

/* r = a × b; both below 2^(64 XL / 2). */
static void x_mul(struct xbig *r, const struct xbig *a, const struct xbig *b) {
  struct xbig t;
  x_zero(&t);
  for (int i = 0; i < XL / 2; i++) {
    u128 c = 0;
    for (int j = 0; j < XL / 2; j++) {
      c += (u128)a->w[i] * b->w[j] + t.w[i + j];
      t.w[i + j] = (uint64_t)c;
      c >>= 64;
    }
    t.w[i + XL / 2] = (uint64_t)c;
  }
  *r = t;
}

static int x_cmp(const struct xbig *a, const struct xbig *b) {
  for (int i = XL - 1; i >= 0; i--)
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}

static void x_sub(struct xbig *a, const struct xbig *b) { /* a -= b, a >= b */
  uint64_t borrow = 0;
  for (int i = 0; i < XL; i++) {
    uint64_t x = a->w[i], y = b->w[i];
    a->w[i] = x - y - borrow;
    borrow = (x < y) || (x == y && borrow);
  }
}

static unsigned x_bits(const struct xbig *a) {
  for (int i = XL - 1; i >= 0; i--)
    if (a->w[i]) return (unsigned)(64 * i + 64 - __builtin_clzll(a->w[i]));
  return 0;
}

static void x_shl(struct xbig *a, unsigned n) {
  unsigned limbs = n / 64, bits = n % 64;
  for (int i = XL - 1; i >= 0; i--) {
    uint64_t v = i - (int)limbs >= 0 ? a->w[i - limbs] << bits : 0;
    if (bits && i - (int)limbs - 1 >= 0) v |= a->w[i - limbs - 1] >> (64 - bits);
    a->w[i] = v;
  }
}

static void x_shr1(struct xbig *a) {
  for (int i = 0; i < XL; i++) a->w[i] = (a->w[i] >> 1) | (i + 1 < XL ? a->w[i + 1] << 63 : 0);
}

/* q = n / d, n = n % d (d not zero), by shift and subtract over the quotient's bits only. */
static void x_divmod(struct xbig *q, struct xbig *n, const struct xbig *d) {
  struct xbig s = *d;
  unsigned nb = x_bits(n), db = x_bits(d);
  x_zero(q);
  if (nb < db) return;
  x_shl(&s, nb - db);
  for (unsigned i = nb - db + 1; i-- > 0;) {
    if (x_cmp(n, &s) >= 0) {
      x_sub(n, &s);
      q->w[i / 64] |= (uint64_t)1 << (i % 64);
    }
    x_shr1(&s);
  }
}

/* A JSON number as digits × 10^exp10, without leading or trailing zeros (zero: ndigits 0). */
struct sig {
  bool neg;
  struct xbig digits;
  size_t ndigits;
  int64_t exp10;
};

static int sig_read(struct sig *s, const char *text, size_t len, const char *what, struct ob_err *err) {
  struct oracle__dec d;
  size_t total, first = 0, last;
  int shown = len > 100 ? 100 : (int)len;
  if (!text || !ob_json_number_valid(text, len))
    return ob_err_set(err, OB_EPARSE, "%s: expected a JSON number, got '%.*s'", what, shown, text ? text : "");
  oracle__dec_split(&d, text, len);
  total = last = d.int_len + d.frac_len;
  memset(s, 0, sizeof(*s));
  s->neg = d.neg;
  while (first < total && oracle__digit_at(&d, first) == 0) first++;
  if (first == total) return 0;
  while (oracle__digit_at(&d, last - 1) == 0) last--;
  s->ndigits = last - first;
  if (s->ndigits > ORACLE_CONVERT_DIGITS_MAX)
    return ob_err_set(err, OB_ELIMIT, "%s: '%.*s%s' has %zu significant digits, at most %d with invert/multiply/divide",
                      what, shown, text, len > 100 ? "…" : "", s->ndigits, ORACLE_CONVERT_DIGITS_MAX);
  for (size_t i = first; i < last; i++) x_mul_small(&s->digits, 10, (uint64_t)oracle__digit_at(&d, i));
  s->exp10 = d.exp10 - (int64_t)d.frac_len + (int64_t)(total - last);
  return 0;
}

/* |result| = round_half_even(n / q × 10^e); n has nd digits, q has qd (nd_min..nd digits for a
 * product). Returns true when it does not fit int256 (with neg: 2^255 is allowed). */
static bool convert_scaled(struct chain_u256 *out, struct xbig *n, size_t nd_min, size_t nd, struct xbig *q,
                           size_t qd_min, size_t qd, int64_t e, bool neg) {
  struct xbig quo, twice;
  struct chain_u256 mag;
  /* n/q×10^e >= 10^(nd_min-1-qd+e): 10^78 > 2^256. n/q×10^e < 10^(nd-qd_min+1+e): below 0.1 rounds to 0. */
  if ((int64_t)nd_min - 1 - (int64_t)qd + e >= 78) return true;
  memset(out, 0, sizeof(*out));
  if ((int64_t)nd - (int64_t)qd_min + 1 + e <= -1) return false;
  /* Here -e < 2 ORACLE_CONVERT_DIGITS_MAX + 2 and e < 2 ORACLE_CONVERT_DIGITS_MAX + 79: each side stays
   * below 10^(200 + 280) < 2^1600. */
  if (e >= 0) x_mul_pow10(n, e);
  else x_mul_pow10(q, -e);
  x_divmod(&quo, n, q);
  twice = *n;
  x_mul_small(&twice, 2, 0);
  {
    int c = x_cmp(&twice, q);
    if (c > 0 || (c == 0 && (quo.w[0] & 1))) x_mul_small(&quo, 1, 1);
  }
  for (int i = 4; i < XL; i++)
    if (quo.w[i]) return true;
  memcpy(mag.w, quo.w, sizeof(mag.w));
  if (!fits_i256(&mag, neg)) return true;
  if (neg) chain_u256_neg(&mag);
  *out = mag;
  return false;
}

int oracle_value_convert(struct chain_u256 *out, const char *text, size_t len, unsigned decimals, bool invert,
                         const char *multiply, const char *divide, const char *what, struct ob_err *err) {
  struct sig v, m = {.ndigits = 1, .digits.w[0] = 1}, d = {.ndigits = 1, .digits.w[0] = 1};
  struct xbig n, q;
  const char *w = what ? what : "value";
  size_t n_min, n_max, q_min, q_max;
  int64_t e;
  int rc;
  if (!invert && !multiply && !divide) return oracle_value_parse(out, text, len, decimals, what, err);
  if (decimals > ORACLE_DECIMALS_MAX)
    return ob_err_set(err, OB_EINVAL, "%s: decimals %u is above %d", w, decimals, ORACLE_DECIMALS_MAX);
  if ((rc = sig_read(&v, text, len, w, err))) return rc;
  if (multiply && (rc = sig_read(&m, multiply, strlen(multiply), "multiply", err))) return rc;
  if (divide && (rc = sig_read(&d, divide, strlen(divide), "divide", err))) return rc;
  if (!m.ndigits || m.neg || !d.ndigits || d.neg)
    return ob_err_set(err, OB_EINVAL, "%s: multiply and divide must be positive", w);
  if (!v.ndigits) {
    if (invert) return ob_err_set(err, OB_EINVAL, "%s: cannot invert zero", w);
    memset(out, 0, sizeof(*out));
    return 0;
  }
  if (!invert) {
    x_mul(&n, &v.digits, &m.digits);
    q = d.digits;
    n_min = v.ndigits + m.ndigits - 1, n_max = v.ndigits + m.ndigits, q_min = q_max = d.ndigits;
    e = v.exp10 + m.exp10 - d.exp10 + (int64_t)decimals;
  } else {
    n = m.digits;
    x_mul(&q, &v.digits, &d.digits);
    n_min = n_max = m.ndigits, q_min = v.ndigits + d.ndigits - 1, q_max = v.ndigits + d.ndigits;
    e = -v.exp10 + m.exp10 - d.exp10 + (int64_t)decimals;
  }
  if (x_is_zero(&q)) return ob_err_set(err, OB_EINVAL, "%s: division by zero", w);
  if (convert_scaled(out, &n, n_min, n_max, &q, q_min, q_max, e, v.neg)) {
    int shown = len > 100 ? 100 : (int)len;
    return ob_err_set(err, OB_ELIMIT, "%s: value '%.*s%s' after invert/multiply/divide does not fit int256 at %u decimals",
                      w, shown, text, len > 100 ? "…" : "", decimals);
  }
  return 0;
}

int oracle_value_from_json(struct chain_u256 *out, const struct ob_json *v, unsigned decimals,
                           const char *what, struct ob_err *err) {
  if (ob_json_is(v, OB_JSON_NUMBER) || ob_json_is(v, OB_JSON_STRING))
    return oracle_value_parse(out, v->str, v->len, decimals, what, err);
  return ob_err_set(err, OB_EPARSE, "%s%sexpected a JSON number or a string holding one, got %s",
                    what ? what : "", what ? ": " : "", v ? ob_json_type_name(v->type) : "nothing");
}

char *oracle_value_to_text(char out[CHAIN_U256_DEC_MAX], const struct chain_u256 *x) {
  return chain_i256_to_dec(out, x);
}

int oracle_value_parse_canonical(struct chain_u256 *out, const char *text, const char *what,
                                 struct ob_err *err) {
  const char *p = text ? text : "";
  bool ok = true;
  if (*p == '-')
    p++;
  if (*p == '0')
    ok = p[1] == '\0' && p == text; /* "0" only: no "-0", no leading zeros */
  else if (*p < '1' || *p > '9')
    ok = false;
  for (; ok && *p; p++)
    ok = *p >= '0' && *p <= '9';
  if (!ok)
    return ob_err_set(err, OB_EPARSE, "%s%sexpected a canonical decimal integer, got '%.100s'",
                      what ? what : "", what ? ": " : "", text ? text : "");
  return chain_i256_parse(out, text, what, err);
}

static bool name_byte_ok(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '/' || c == ':' || c == '-';
}

int oracle_feed_name_check(const char *name, size_t len, struct ob_err *err) {
  int shown = len > 80 ? 80 : (int)len;
  if (len == 0)
    return ob_err_set(err, OB_EPARSE, "feed name '': empty (1 to %d bytes)", ORACLE_FEED_NAME_MAX);
  if (len > ORACLE_FEED_NAME_MAX)
    return ob_err_set(err, OB_EPARSE, "feed name '%.*s…': %zu bytes, at most %d", shown, name, len,
                      ORACLE_FEED_NAME_MAX);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)name[i];
    if (!name_byte_ok(c))
      return ob_err_set(err, OB_EPARSE, "feed name '%.*s': byte 0x%02x at %zu is not one of [A-Za-z0-9._/:-]",
                        shown, name, c, i);
  }
  unsigned char c0 = (unsigned char)name[0];
  if (!((c0 >= 'A' && c0 <= 'Z') || (c0 >= 'a' && c0 <= 'z') || (c0 >= '0' && c0 <= '9')))
    return ob_err_set(err, OB_EPARSE, "feed name '%.*s': must start with a letter or digit", shown, name);
  return 0;
}
