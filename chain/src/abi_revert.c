/* Revert data: Error(string), Panic(uint256) and custom errors given by their signatures. */
#include <string.h>

#include "ob/chain/abi.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"

static const uint8_t sel_error[4] = {0x08, 0xc3, 0x79, 0xa0};  /* Error(string) */
static const uint8_t sel_panic[4] = {0x4e, 0x48, 0x7b, 0x71};  /* Panic(uint256) */

static const char *panic_reason(uint64_t code) {
  static const struct { uint64_t code; const char *why; } reasons[] = {
      {0x00, "generic compiler panic"},
      {0x01, "assertion failed"},
      {0x11, "arithmetic underflow or overflow"},
      {0x12, "division or modulo by zero"},
      {0x21, "invalid enum value"},
      {0x22, "invalid storage byte array encoding"},
      {0x31, "pop on an empty array"},
      {0x32, "array index out of bounds"},
      {0x41, "out of memory"},
      {0x51, "call to a zero-initialized function"},
  };
  for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
    if (reasons[i].code == code)
      return reasons[i].why;
  return "unknown panic code";
}

/* Decode args (types of sig) from data and append "Name(a, b)". */
static int describe(struct ob_buf *out, const struct chain_abi_sig *sig, const uint8_t *data,
                    size_t len, struct ob_err *err) {
  struct chain_abi_value v;
  int rc = chain_abi_decode(&v, sig->inputs, data, len, err);
  if (rc)
    return ob_err_prefix(err, rc, "cannot decode the arguments of error '%s'", sig->name);
  rc = ob_buf_addstr(out, sig->name);
  if (rc == 0)
    rc = chain_abi_format(out, &v);
  chain_abi_value_free(&v);
  return rc;
}

static int describe_panic(struct ob_buf *out, const uint8_t *data, size_t len, struct ob_err *err) {
  struct chain_abi_sig *sig;
  struct chain_abi_value v;
  int rc = chain_abi_sig_parse(&sig, "Panic(uint256)", err);
  if (rc)
    return rc;
  rc = chain_abi_decode(&v, sig->inputs, data, len, err);
  chain_abi_sig_free(sig);
  if (rc)
    return ob_err_prefix(err, rc, "cannot decode Panic(uint256)");
  char hex[CHAIN_U256_HEX_MAX];
  uint64_t code = UINT64_MAX;
  chain_u256_to_u64(&v.items[0].num, &code);
  rc = ob_buf_addf(out, "Panic(%s: %s)", chain_u256_to_hex(hex, &v.items[0].num), panic_reason(code));
  chain_abi_value_free(&v);
  return rc;
}

static int describe_builtin(struct ob_buf *out, const char *text, const uint8_t *data, size_t len,
                            struct ob_err *err) {
  struct chain_abi_sig *sig = NULL;
  int rc = chain_abi_sig_parse(&sig, text, err);
  if (rc == 0)
    rc = describe(out, sig, data, len, err);
  chain_abi_sig_free(sig);
  return rc;
}

int chain_abi_decode_revert(struct ob_buf *out, const uint8_t *data, size_t len,
                            struct chain_abi_sig *const *errors, size_t nerrors, struct ob_err *err) {
  if (len == 0)
    return ob_buf_addstr(out, "empty revert data");
  if (len < 4)
    return ob_err_set(err, OB_EPARSE, "revert data of %zu bytes has no 4-byte selector", len);
  if (memcmp(data, sel_error, 4) == 0)
    return describe_builtin(out, "Error(string)", data + 4, len - 4, err);
  if (memcmp(data, sel_panic, 4) == 0)
    return describe_panic(out, data + 4, len - 4, err);
  for (size_t i = 0; i < nerrors; i++) {
    uint8_t sel[4];
    int rc = chain_abi_selector(sel, errors[i]);
    if (rc)
      return ob_err_set(err, rc, "out of memory");
    if (memcmp(sel, data, 4) == 0)
      return describe(out, errors[i], data + 4, len - 4, err);
  }
  char hex[11];
  ob_hex_encode0x(hex, data, 4);
  int rc = ob_buf_addf(out, "unknown error %s", hex);
  if (rc == 0 && len > 4) {
    rc = ob_buf_grow(out, 2 * (len - 4) + 3);
    if (rc == 0) {
      out->buf[out->len++] = ' ';
      ob_hex_encode0x(out->buf + out->len, data + 4, len - 4);
      out->len += 2 * (len - 4) + 2;
    }
  }
  return rc ? rc : ob_err_set(err, OB_ENOENT, "no error signature matches selector %s", hex);
}
