#include "ob/core/hex.h"

#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/err.h"

static const char hexdigits[] = "0123456789abcdef";

void ob_hex_encode(char *out, const uint8_t *in, size_t n) {
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hexdigits[in[i] >> 4];
    out[2 * i + 1] = hexdigits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

void ob_hex_encode0x(char *out, const uint8_t *in, size_t n) {
  out[0] = '0';
  out[1] = 'x';
  ob_hex_encode(out + 2, in, n);
}

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}


static size_t skip_prefix(const char *text, size_t len) {
  return (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) ? 2 : 0;
}

int ob_hex_decode(uint8_t *out, size_t outcap, size_t *outlen, const char *text, size_t textlen,
                  struct ob_err *err) {
  size_t off = skip_prefix(text, textlen), n;
  if ((textlen - off) % 2)
    return ob_err_set(err, OB_EPARSE, "odd-length hex (%zu digits)", textlen - off);
  n = (textlen - off) / 2;
  if (n > outcap)
    return ob_err_set(err, OB_ESPACE, "hex too long: %zu bytes, at most %zu", n, outcap);
  for (size_t i = 0; i < n; i++) {
    int hi = nibble(text[off + 2 * i]), lo = nibble(text[off + 2 * i + 1]);
    if (hi < 0 || lo < 0) {
      size_t pos = off + 2 * i + (hi < 0 ? 0 : 1);
      return ob_err_set(err, OB_EPARSE, "invalid hex digit at position %zu", pos);
    }
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  if (outlen) *outlen = n;
  return 0;
}

int ob_hex_decode_fixed(uint8_t *out, size_t n, const char *text, struct ob_err *err) {
  size_t len = strlen(text), off = skip_prefix(text, len), got;
  int rc;
  if (len - off != 2 * n)
    return ob_err_set(err, OB_EPARSE, "expected %zu hex digits, got %zu", 2 * n, len - off);
  rc = ob_hex_decode(out, n, &got, text, len, err);
  return rc;
}

int ob_hex_decode_alloc(uint8_t **out, size_t *outlen, const char *text, size_t textlen,
                        struct ob_err *err) {
  size_t cap = textlen / 2 + 1;
  uint8_t *p = ob_malloc(cap);
  int rc;
  if (!p) return ob_err_set(err, OB_ENOMEM, "out of memory");
  rc = ob_hex_decode(p, cap, outlen, text, textlen, err);
  if (rc) {
    ob_free(p);
    return rc;
  }
  *out = p;
  return 0;
}
