/* Printing ABI values the way cast abi-decode does: text and --json. */
#include <stdio.h>
#include <string.h>

#include "ob/chain/abi.h"
#include "ob/chain/signer.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"

/* " [1.234e5]" after numbers whose magnitude is 10000 or more: four digits, truncated, trailing
 * zeros dropped. digits is the magnitude in decimal. */
static int add_exp_note(struct ob_buf *out, const char *digits, bool neg) {
  size_t n = strlen(digits);
  if (n < 5)
    return 0;
  char mant[6] = {digits[0], '.', digits[1], digits[2], digits[3], '\0'};
  size_t m = 5;
  while (m > 2 && mant[m - 1] == '0')
    mant[--m] = '\0';
  if (m == 2)
    mant[1] = '\0';
  return ob_buf_addf(out, " [%s%se%zu]", neg ? "-" : "", mant, n - 1);
}

static int format_number(struct ob_buf *out, const struct chain_abi_value *v) {
  char dec[CHAIN_U256_DEC_MAX];
  bool neg = v->type->kind == CHAIN_ABI_INT && chain_i256_is_neg(&v->num);
  if (v->type->kind == CHAIN_ABI_INT)
    chain_i256_to_dec(dec, &v->num);
  else
    chain_u256_to_dec(dec, &v->num);
  int rc = ob_buf_addstr(out, dec);
  return rc ? rc : add_exp_note(out, dec + (neg ? 1 : 0), neg);
}

static int format_hex(struct ob_buf *out, const uint8_t *p, size_t n) {
  int rc = ob_buf_grow(out, 2 * n + 3);
  if (rc)
    return rc;
  ob_hex_encode0x(out->buf + out->len, p, n);
  out->len += 2 * n + 2;
  return 0;
}

/* Rust's Debug form of a string: quotes, \" \\ \t \r \n \0, other controls as \u{..}. */
static int format_string(struct ob_buf *out, const uint8_t *s, size_t n) {
  int rc = ob_buf_addch(out, '"');
  for (size_t i = 0; rc == 0 && i < n; i++) {
    uint8_t c = s[i];
    if (c == '"' || c == '\\')
      rc = ob_buf_addf(out, "\\%c", c);
    else if (c == '\t' || c == '\r' || c == '\n' || c == 0)
      rc = ob_buf_addf(out, "\\%c", c == '\t' ? 't' : c == '\r' ? 'r' : c == '\n' ? 'n' : '0');
    else if (c < 0x20 || c == 0x7f)
      rc = ob_buf_addf(out, "\\u{%x}", c);
    else
      rc = ob_buf_addch(out, (char)c);
  }
  return rc ? rc : ob_buf_addch(out, '"');
}

static int format_list(struct ob_buf *out, const struct chain_abi_value *v, char open, char close) {
  int rc = ob_buf_addch(out, open);
  for (size_t i = 0; rc == 0 && i < v->n; i++) {
    if (i > 0)
      rc = ob_buf_addstr(out, ", ");
    if (rc == 0)
      rc = chain_abi_format(out, &v->items[i]);
  }
  return rc ? rc : ob_buf_addch(out, close);
}

int chain_abi_format(struct ob_buf *out, const struct chain_abi_value *v) {
  char addr[43];
  switch (v->type->kind) {
  case CHAIN_ABI_UINT:
  case CHAIN_ABI_INT:
    return format_number(out, v);
  case CHAIN_ABI_ADDRESS:
    chain_addr_checksum(addr, v->data);
    return ob_buf_addstr(out, addr);
  case CHAIN_ABI_BOOL:
    return ob_buf_addstr(out, chain_u256_is_zero(&v->num) ? "false" : "true");
  case CHAIN_ABI_FIXED_BYTES:
  case CHAIN_ABI_BYTES:
    return format_hex(out, v->data, v->len);
  case CHAIN_ABI_STRING:
    return format_string(out, v->data, v->len);
  case CHAIN_ABI_ARRAY:
    return format_list(out, v, '[', ']');
  case CHAIN_ABI_TUPLE:
    return format_list(out, v, '(', ')');
  }
  return 0;
}

/* Integers: JSON numbers when they fit u64 (uintN) or i64 (intN), else decimal strings. */
static void json_number(struct ob_jw *w, const struct chain_abi_value *v) {
  char dec[CHAIN_U256_DEC_MAX];
  uint64_t x;
  bool small;
  if (v->type->kind == CHAIN_ABI_INT) {
    struct chain_u256 m = v->num;
    bool neg = chain_i256_is_neg(&m);
    if (neg)
      chain_u256_neg(&m);
    small = chain_u256_to_u64(&m, &x) && x <= (neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1);
    chain_i256_to_dec(dec, &v->num);
  } else {
    small = chain_u256_to_u64(&v->num, &x);
    chain_u256_to_dec(dec, &v->num);
  }
  if (small)
    ob_jw_number(w, dec);
  else
    ob_jw_str(w, dec);
}

static void json_hex(struct ob_jw *w, const uint8_t *p, size_t n) {
  struct ob_buf b;
  ob_buf_init(&b, 0);
  if (format_hex(&b, p, n) == 0)
    ob_jw_strn(w, b.buf, b.len);
  else
    w->status = w->status ? w->status : OB_ENOMEM;
  ob_buf_release(&b);
}

void chain_abi_json(struct ob_jw *w, const struct chain_abi_value *v) {
  char addr[43];
  switch (v->type->kind) {
  case CHAIN_ABI_UINT:
  case CHAIN_ABI_INT:
    json_number(w, v);
    return;
  case CHAIN_ABI_ADDRESS:
    chain_addr_checksum(addr, v->data);
    ob_jw_str(w, addr);
    return;
  case CHAIN_ABI_BOOL:
    ob_jw_bool(w, !chain_u256_is_zero(&v->num));
    return;
  case CHAIN_ABI_FIXED_BYTES:
  case CHAIN_ABI_BYTES:
    json_hex(w, v->data, v->len);
    return;
  case CHAIN_ABI_STRING:
    ob_jw_strn(w, (const char *)v->data, v->len);
    return;
  case CHAIN_ABI_ARRAY:
  case CHAIN_ABI_TUPLE:
    ob_jw_arr_begin(w);
    for (size_t i = 0; i < v->n; i++)
      chain_abi_json(w, &v->items[i]);
    ob_jw_arr_end(w);
    return;
  }
}
