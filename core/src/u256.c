/* 256-bit integers on four 64-bit limbs, using unsigned __int128 for the carries. */
#include "ob/core/u256.h"

#include <string.h>

#include "ob/core/err.h"

typedef unsigned __int128 u128;

void chain_u256_from_u64(struct chain_u256 *v, uint64_t x) {
  memset(v, 0, sizeof(*v));
  v->w[0] = x;
}

bool chain_u256_is_zero(const struct chain_u256 *v) {
  return (v->w[0] | v->w[1] | v->w[2] | v->w[3]) == 0;
}

bool chain_u256_to_u64(const struct chain_u256 *v, uint64_t *out) {
  if (v->w[1] | v->w[2] | v->w[3])
    return false;
  *out = v->w[0];
  return true;
}

unsigned chain_u256_bits(const struct chain_u256 *v) {
  for (int i = 3; i >= 0; i--)
    if (v->w[i])
      return (unsigned)(64 * i + 64 - __builtin_clzll(v->w[i]));
  return 0;
}

int chain_u256_cmp(const struct chain_u256 *a, const struct chain_u256 *b) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i] != b->w[i])
      return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}

bool chain_i256_is_neg(const struct chain_u256 *v) {
  return (v->w[3] >> 63) != 0;
}

bool chain_u256_add(struct chain_u256 *r, const struct chain_u256 *a, const struct chain_u256 *b) {
  u128 c = 0;
  for (int i = 0; i < 4; i++) {
    c += (u128)a->w[i] + b->w[i];
    r->w[i] = (uint64_t)c;
    c >>= 64;
  }
  return c != 0;
}

bool chain_u256_sub(struct chain_u256 *r, const struct chain_u256 *a, const struct chain_u256 *b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t x = a->w[i], y = b->w[i];
    uint64_t d = x - y - borrow;
    borrow = (x < y) || (x == y && borrow) ? 1 : 0;
    r->w[i] = d;
  }
  return borrow != 0;
}

bool chain_u256_mul_small(struct chain_u256 *v, uint64_t m, uint64_t add) {
  u128 c = add;
  for (int i = 0; i < 4; i++) {
    c += (u128)v->w[i] * m;
    v->w[i] = (uint64_t)c;
    c >>= 64;
  }
  return c != 0;
}

uint64_t chain_u256_divmod_small(struct chain_u256 *v, uint64_t d) {
  u128 rem = 0;
  for (int i = 3; i >= 0; i--) {
    u128 cur = (rem << 64) | v->w[i];
    v->w[i] = (uint64_t)(cur / d);
    rem = cur % d;
  }
  return (uint64_t)rem;
}

void chain_u256_add_sat(struct chain_u256 *r, const struct chain_u256 *a, const struct chain_u256 *b) {
  if (chain_u256_add(r, a, b))
    memset(r->w, 0xff, sizeof(r->w));
}

void chain_u256_add_share_ceil(struct chain_u256 *r, const struct chain_u256 *v, uint64_t d) {
  struct chain_u256 part = *v;
  if (chain_u256_divmod_small(&part, d) != 0)
    chain_u256_mul_small(&part, 1, 1); /* rounded up: ceil(v / d) <= v, so no carry */
  chain_u256_add_sat(r, v, &part);
}

const struct chain_u256 *chain_u256_min(const struct chain_u256 *a, const struct chain_u256 *b) {
  return chain_u256_cmp(b, a) < 0 ? b : a;
}

const struct chain_u256 *chain_u256_max(const struct chain_u256 *a, const struct chain_u256 *b) {
  return chain_u256_cmp(b, a) > 0 ? b : a;
}

void chain_u256_neg(struct chain_u256 *v) {
  struct chain_u256 zero = {{0, 0, 0, 0}};
  chain_u256_sub(v, &zero, v);
}

void chain_u256_to_be(uint8_t out32[32], const struct chain_u256 *v) {
  for (int i = 0; i < 32; i++)
    out32[31 - i] = (uint8_t)(v->w[i / 8] >> (8 * (i % 8)));
}

void chain_u256_from_be(struct chain_u256 *v, const uint8_t in32[32]) {
  memset(v, 0, sizeof(*v));
  for (int i = 0; i < 32; i++)
    v->w[i / 8] |= (uint64_t)in32[31 - i] << (8 * (i % 8));
}

int chain_u256_from_be_n(struct chain_u256 *v, const uint8_t *in, size_t n, struct ob_err *err) {
  uint8_t word[32] = {0};
  for (; n > 32; in++, n--)
    if (*in)
      return ob_err_set(err, OB_ELIMIT, "value of %zu bytes does not fit uint256", n);
  memcpy(word + 32 - n, in, n);
  chain_u256_from_be(v, word);
  return 0;
}

static int digit_value(char c, unsigned base) {
  int d = -1;
  if (c >= '0' && c <= '9')
    d = c - '0';
  else if (base == 16 && c >= 'a' && c <= 'f')
    d = c - 'a' + 10;
  else if (base == 16 && c >= 'A' && c <= 'F')
    d = c - 'A' + 10;
  return d;
}

static int parse_magnitude(struct chain_u256 *out, const char *text, const char *shown,
                           const char *what, struct ob_err *err) {
  unsigned base = 10;
  const char *p = text;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  }
  if (*p == '\0')
    goto out_bad;
  struct chain_u256 v = {{0, 0, 0, 0}};
  bool overflow = false;
  for (; *p; p++) {
    int d = digit_value(*p, base);
    if (d < 0)
      goto out_bad;
    overflow |= chain_u256_mul_small(&v, base, (uint64_t)d);
  }
  if (overflow)
    return ob_err_set(err, OB_ELIMIT, "%s%svalue '%.100s' does not fit uint256", what ? what : "",
                      what ? ": " : "", shown);
  *out = v;
  return 0;
out_bad:
  return ob_err_set(err, OB_EPARSE, "%s%sexpected a decimal or 0x-hex integer, got '%.100s'",
                    what ? what : "", what ? ": " : "", shown);
}

int chain_u256_parse(struct chain_u256 *out, const char *text, const char *what, struct ob_err *err) {
  return parse_magnitude(out, text, text, what, err);
}

int chain_i256_parse(struct chain_u256 *out, const char *text, const char *what, struct ob_err *err) {
  bool neg = text[0] == '-';
  struct chain_u256 v, lim = {{0, 0, 0, (uint64_t)1 << 63}};
  int rc = parse_magnitude(&v, text + (neg ? 1 : 0), text, what, err);
  if (rc == OB_ELIMIT || (rc == 0 && chain_u256_cmp(&v, &lim) > (neg ? 0 : -1)))
    return ob_err_set(err, OB_ELIMIT, "%s%svalue '%.100s' does not fit int256", what ? what : "",
                      what ? ": " : "", text);
  if (rc < 0)
    return rc;
  if (neg)
    chain_u256_neg(&v);
  *out = v;
  return 0;
}

bool chain_u256_fits_bits(const struct chain_u256 *v, unsigned bits) {
  return chain_u256_bits(v) <= bits;
}

bool chain_i256_fits_bits(const struct chain_u256 *v, unsigned bits) {
  struct chain_u256 m = *v;
  if (chain_i256_is_neg(&m)) {
    chain_u256_neg(&m); /* magnitude; -2^(bits-1) has bits significant bits, like 2^(bits-1) */
    if (chain_u256_bits(&m) < bits)
      return true;
    struct chain_u256 edge = {{0, 0, 0, 0}};
    edge.w[(bits - 1) / 64] = (uint64_t)1 << ((bits - 1) % 64);
    return chain_u256_cmp(&m, &edge) == 0;
  }
  return chain_u256_bits(&m) < bits;
}

static void to_dec(char *out, const struct chain_u256 *v) {
  char tmp[CHAIN_U256_DEC_MAX];
  size_t n = 0;
  struct chain_u256 x = *v;
  do {
    tmp[n++] = (char)('0' + chain_u256_divmod_small(&x, 10));
  } while (!chain_u256_is_zero(&x));
  for (size_t i = 0; i < n; i++)
    out[i] = tmp[n - 1 - i];
  out[n] = '\0';
}

char *chain_u256_to_dec(char out[CHAIN_U256_DEC_MAX], const struct chain_u256 *v) {
  to_dec(out, v);
  return out;
}

char *chain_i256_to_dec(char out[CHAIN_U256_DEC_MAX], const struct chain_u256 *v) {
  if (!chain_i256_is_neg(v))
    return chain_u256_to_dec(out, v);
  struct chain_u256 m = *v;
  chain_u256_neg(&m);
  out[0] = '-';
  to_dec(out + 1, &m);
  return out;
}

char *chain_u256_to_hex(char out[CHAIN_U256_HEX_MAX], const struct chain_u256 *v) {
  static const char digits[] = "0123456789abcdef";
  unsigned nib = (chain_u256_bits(v) + 3) / 4;
  size_t n = 2;
  out[0] = '0';
  out[1] = 'x';
  if (nib == 0)
    out[n++] = '0';
  for (unsigned i = nib; i-- > 0;)
    out[n++] = digits[(v->w[i / 16] >> (4 * (i % 16))) & 15];
  out[n] = '\0';
  return out;
}

/* ---- amounts with units ---- */

static int strncasecmp_ascii(const char *a, const char *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i], y = b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i];
    if (x != y || !x) return x - y;
  }
  return 0;
}

static const struct {
  const char *name;
  unsigned decimals;
} units[] = {{"wei", 0}, {"gwei", 9}, {"ether", 18}, {"eth", 18}};

int chain_u256_parse_amount(struct chain_u256 *out, const char *text, unsigned default_decimals, const char *what,
                            struct ob_err *err) {
  const char *w = what ? what : "amount", *p = text, *unit;
  unsigned decimals = default_decimals;
  size_t int_len, frac_len = 0, unit_len;
  struct chain_u256 v = {{0, 0, 0, 0}};
  if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) return chain_u256_parse(out, text, what, err);
  int_len = strspn(p, "0123456789");
  p += int_len;
  if (*p == '.') {
    frac_len = strspn(p + 1, "0123456789");
    p += 1 + frac_len;
  }
  unit = p;
  unit_len = strlen(unit);
  if (int_len + frac_len == 0)
    return ob_err_set(err, OB_EPARSE,
                      "%s: expected an amount like 1ether, 1.5gwei, 100wei, a plain number or 0x-hex, got '%.100s'", w, text);
  if (unit_len) {
    size_t i;
    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
      if (strlen(units[i].name) == unit_len && strncasecmp_ascii(unit, units[i].name, unit_len) == 0) break;
    if (i == sizeof(units) / sizeof(units[0]))
      return ob_err_set(err, OB_EPARSE, "%s: unknown unit '%.20s' in '%.100s' (expected wei, gwei or ether)", w, unit, text);
    decimals = units[i].decimals;
  }
  /* Digits after the point beyond the unit's decimals must be zeros (no fractions of a wei). */
  for (size_t i = 0; i < frac_len; i++)
    if (i >= decimals && text[int_len + 1 + i] != '0')
      return ob_err_set(err, OB_EPARSE, "%s: '%.100s' is a fraction of a wei%s", w, text,
                        unit_len || default_decimals ? "" : " (a plain number is wei here: say 1.5ether or 1.5gwei)");
  for (size_t i = 0; i < int_len; i++)
    if (chain_u256_mul_small(&v, 10, (uint64_t)(text[i] - '0')))
      return ob_err_set(err, OB_ELIMIT, "%s: '%.100s' does not fit uint256 wei", w, text);
  for (unsigned i = 0; i < decimals; i++) {
    uint64_t d = i < frac_len ? (uint64_t)(text[int_len + 1 + i] - '0') : 0;
    if (chain_u256_mul_small(&v, 10, d)) return ob_err_set(err, OB_ELIMIT, "%s: '%.100s' does not fit uint256 wei", w, text);
  }
  *out = v;
  return 0;
}

char *chain_u256_format_units(char out[CHAIN_U256_DEC_MAX + 2], const struct chain_u256 *v, unsigned decimals) {
  char dec[CHAIN_U256_DEC_MAX];
  size_t n, ip, o = 0;
  chain_u256_to_dec(dec, v);
  n = strlen(dec);
  if (decimals == 0 || decimals > 77) {
    memcpy(out, dec, n + 1);
    return out;
  }
  ip = n > decimals ? n - decimals : 0;
  if (ip == 0) out[o++] = '0';
  memcpy(out + o, dec, ip);
  o += ip;
  out[o++] = '.';
  for (size_t i = n; i < decimals; i++) out[o++] = '0';
  memcpy(out + o, dec + ip, n - ip);
  o += n - ip;
  while (out[o - 1] == '0') o--;
  if (out[o - 1] == '.') o--;
  out[o] = '\0';
  return out;
}
