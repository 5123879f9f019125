#include "ob/storage/multibase.h"

#include <string.h>

#include "ob/core/err.h"

static const char b32alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char b58alpha[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

#define B58_MAX_BYTES 128
#define B58_MAX_TEXT 256

size_t ipfs_base32_len(size_t n) { return (n * 8 + 4) / 5; }

int ipfs_base32_encode(char *out, size_t outcap, const uint8_t *in, size_t n) {
  size_t need = ipfs_base32_len(n), o = 0;
  unsigned acc = 0, bits = 0;
  if (outcap < need + 1) return OB_ESPACE;
  for (size_t i = 0; i < n; i++) {
    acc = (acc << 8 | in[i]) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[o++] = b32alpha[(acc >> bits) & 31];
    }
  }
  if (bits) out[o++] = b32alpha[(acc << (5 - bits)) & 31];
  out[o] = '\0';
  return 0;
}

static int b32val(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

int ipfs_base32_decode(uint8_t *out, size_t outcap, size_t *outlen, const char *text,
                       size_t textlen, struct ob_err *err) {
  size_t n = textlen * 5 / 8, o = 0;
  unsigned acc = 0, bits = 0;
  size_t rem = textlen % 8;
  /* Lengths 1, 3 and 6 mod 8 cannot come from whole bytes. */
  if (rem == 1 || rem == 3 || rem == 6)
    return ob_err_set(err, OB_EPARSE, "base32 text of impossible length %zu", textlen);
  if (n > outcap) return ob_err_set(err, OB_ESPACE, "base32 text too long: %zu bytes", n);
  for (size_t i = 0; i < textlen; i++) {
    int v = b32val(text[i]);
    if (v < 0) return ob_err_set(err, OB_EPARSE, "invalid base32 character at position %zu", i);
    acc = (acc << 5 | (unsigned)v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  if (acc & ((1u << bits) - 1))
    return ob_err_set(err, OB_EPARSE, "base32 text has non-zero trailing bits");
  if (outlen) *outlen = o;
  return 0;
}

int ipfs_base58btc_encode(char *out, size_t outcap, const uint8_t *in, size_t n) {
  uint8_t digits[B58_MAX_BYTES * 138 / 100 + 1];
  size_t zeros = 0, ndig = 0, o = 0;
  if (n > B58_MAX_BYTES) return OB_EINVAL;
  while (zeros < n && in[zeros] == 0) zeros++;
  for (size_t i = zeros; i < n; i++) {
    unsigned carry = in[i];
    for (size_t j = 0; j < ndig; j++) {
      carry += (unsigned)digits[j] << 8;
      digits[j] = (uint8_t)(carry % 58);
      carry /= 58;
    }
    while (carry) {
      digits[ndig++] = (uint8_t)(carry % 58);
      carry /= 58;
    }
  }
  if (outcap < zeros + ndig + 1) return OB_ESPACE;
  for (size_t i = 0; i < zeros; i++) out[o++] = '1';
  while (ndig) out[o++] = b58alpha[digits[--ndig]];
  out[o] = '\0';
  return 0;
}

static int b58val(char c) {
  const char *p = c ? strchr(b58alpha, c) : NULL;
  return p ? (int)(p - b58alpha) : -1;
}

int ipfs_base58btc_decode(uint8_t *out, size_t outcap, size_t *outlen, const char *text,
                          size_t textlen, struct ob_err *err) {
  uint8_t bytes[B58_MAX_TEXT]; /* little-endian base-256 digits; 58 < 256 so never longer */
  size_t zeros = 0, nb = 0;
  if (textlen > B58_MAX_TEXT)
    return ob_err_set(err, OB_ELIMIT, "base58btc text too long (%zu characters)", textlen);
  while (zeros < textlen && text[zeros] == '1') zeros++;
  for (size_t i = zeros; i < textlen; i++) {
    int v = b58val(text[i]);
    unsigned carry;
    if (v < 0) return ob_err_set(err, OB_EPARSE, "invalid base58btc character at position %zu", i);
    carry = (unsigned)v;
    for (size_t j = 0; j < nb; j++) {
      carry += (unsigned)bytes[j] * 58;
      bytes[j] = (uint8_t)carry;
      carry >>= 8;
    }
    while (carry) {
      bytes[nb++] = (uint8_t)carry;
      carry >>= 8;
    }
  }
  if (zeros + nb > outcap)
    return ob_err_set(err, OB_ESPACE, "base58btc text too long: %zu bytes", zeros + nb);
  memset(out, 0, zeros);
  for (size_t i = 0; i < nb; i++) out[zeros + i] = bytes[nb - 1 - i];
  if (outlen) *outlen = zeros + nb;
  return 0;
}

size_t ipfs_varint_put(uint8_t *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

size_t ipfs_varint_get(const uint8_t *in, size_t n, uint64_t *v) {
  uint64_t acc = 0;
  for (size_t i = 0; i < n && i < 9; i++) {
    acc |= (uint64_t)(in[i] & 0x7f) << (7 * i);
    if (!(in[i] & 0x80)) {
      if (i > 0 && in[i] == 0) return 0; /* not minimal */
      *v = acc;
      return i + 1;
    }
  }
  return 0;
}
