/* The one glue file that includes libsecp256k1's headers. */
#include "ob/chain/signer.h"

#include <ctype.h>
#include <string.h>
#include <sys/random.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "ob/chain/keccak.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"

struct chain_signer {
  secp256k1_context *ctx;
};

/* n/2, big-endian: a signature's s must not exceed it (EIP-2). */
static const uint8_t half_n[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

static int bad_key(struct ob_err *err) {
  return ob_err_set(err, OB_EINVAL, "private key is zero or not below the curve order n");
}

int chain_signer_new(struct chain_signer **out, struct ob_err *err) {
  uint8_t seed[32];
  struct chain_signer *s = ob_calloc(1, sizeof(*s));
  if (!s) return ob_err_set(err, OB_ENOMEM, "cannot create signer: out of memory");
  s->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  if (!s->ctx) {
    ob_free(s);
    return ob_err_set(err, OB_ENOMEM, "cannot create signer: out of memory");
  }
  /* Randomisation blinds the scalar multiplications against side channels. */
  if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed) ||
      !secp256k1_context_randomize(s->ctx, seed)) {
    ob_memclear(seed, sizeof(seed));
    chain_signer_free(s);
    return ob_err_set(err, OB_ECRYPTO, "cannot randomise the signer context");
  }
  ob_memclear(seed, sizeof(seed));
  *out = s;
  return 0;
}

void chain_signer_free(struct chain_signer *s) {
  if (!s) return;
  secp256k1_context_destroy(s->ctx);
  ob_free(s);
}

int chain_key_generate(uint8_t key32[32], struct ob_err *err) {
  for (int i = 0; i < 64; i++) {
    if (getrandom(key32, 32, 0) != 32) break;
    if (chain_key_valid(key32)) return 0;
  }
  ob_memclear(key32, 32);
  return ob_err_set(err, OB_ECRYPTO, "cannot generate a private key: no random bytes");
}

bool chain_key_valid(const uint8_t key32[32]) {
  return secp256k1_ec_seckey_verify(secp256k1_context_static, key32) == 1;
}

/* The uncompressed public key: 64 bytes X||Y, no 0x04 prefix. */
static int key_pubkey(const struct chain_signer *s, uint8_t pub64[64], const uint8_t key32[32],
                     struct ob_err *err) {
  secp256k1_pubkey pk;
  uint8_t ser[65];
  size_t n = sizeof(ser);
  if (!secp256k1_ec_pubkey_create(s->ctx, &pk, key32)) return bad_key(err);
  secp256k1_ec_pubkey_serialize(s->ctx, ser, &n, &pk, SECP256K1_EC_UNCOMPRESSED);
  memcpy(pub64, ser + 1, 64);
  return 0;
}

static void pubkey_address(uint8_t addr20[20], const uint8_t pub64[64]) {
  uint8_t h[32];
  chain_keccak256(h, pub64, 64);
  memcpy(addr20, h + 12, 20);
}

int chain_key_address(const struct chain_signer *s, uint8_t addr20[20], const uint8_t key32[32],
                      struct ob_err *err) {
  uint8_t pub[64];
  int rc = key_pubkey(s, pub, key32, err);
  if (rc) return rc;
  pubkey_address(addr20, pub);
  return 0;
}

int chain_sign_rs(const struct chain_signer *s, uint8_t rs64[64], int *recid,
                  const uint8_t hash32[32], const uint8_t key32[32], struct ob_err *err) {
  secp256k1_ecdsa_recoverable_signature sig;
  /* The default nonce function is RFC 6979; libsecp256k1 normalises s to the lower half and
   * flips the recovery id with it. It refuses an invalid key itself, so the key is checked only
   * to name the failure. */
  if (!secp256k1_ecdsa_sign_recoverable(s->ctx, &sig, hash32, key32, NULL, NULL)) {
    ob_memclear(&sig, sizeof(sig));
    if (!chain_key_valid(key32)) return bad_key(err);
    return ob_err_set(err, OB_ECRYPTO, "cannot sign: libsecp256k1 refused the digest");
  }
  secp256k1_ecdsa_recoverable_signature_serialize_compact(s->ctx, rs64, recid, &sig);
  ob_memclear(&sig, sizeof(sig));
  return 0;
}

int chain_sign(const struct chain_signer *s, uint8_t sig65[65], const uint8_t hash32[32],
               const uint8_t key32[32], struct ob_err *err) {
  int recid = 0;
  int rc = chain_sign_rs(s, sig65, &recid, hash32, key32, err);
  if (rc) return rc;
  sig65[64] = (uint8_t)(27 + recid);
  return 0;
}

int chain_recover_rs(const struct chain_signer *s, uint8_t addr20[20], const uint8_t hash32[32],
                     const uint8_t rs64[64], int recid, struct ob_err *err) {
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_pubkey pk;
  uint8_t ser[65];
  size_t n = sizeof(ser);
  if (recid != 0 && recid != 1)
    return ob_err_set(err, OB_EINVAL, "bad signature: recovery id %d is not 0 or 1", recid);
  if (memcmp(rs64 + 32, half_n, 32) > 0)
    return ob_err_set(err, OB_EINVAL, "bad signature: s is in the upper half of the curve order (malleable)");
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(s->ctx, &sig, rs64, recid))
    return ob_err_set(err, OB_EINVAL, "bad signature: r or s is not below the curve order");
  if (!secp256k1_ecdsa_recover(s->ctx, &pk, &sig, hash32))
    return ob_err_set(err, OB_ECRYPTO, "bad signature: no public key recovers from it");
  secp256k1_ec_pubkey_serialize(s->ctx, ser, &n, &pk, SECP256K1_EC_UNCOMPRESSED);
  pubkey_address(addr20, ser + 1);
  return 0;
}

int chain_recover(const struct chain_signer *s, uint8_t addr20[20], const uint8_t hash32[32],
                  const uint8_t sig65[65], struct ob_err *err) {
  int v = sig65[64];
  if (v >= 27) v -= 27;
  if (v != 0 && v != 1)
    return ob_err_set(err, OB_EINVAL, "bad signature: v is %d, expected 27 or 28", sig65[64]);
  return chain_recover_rs(s, addr20, hash32, sig65, v, err);
}

bool chain_verify(const struct chain_signer *s, const uint8_t hash32[32], const uint8_t sig65[65],
                  const uint8_t addr20[20]) {
  uint8_t got[20];
  if (chain_recover(s, got, hash32, sig65, NULL)) return false;
  return memcmp(got, addr20, 20) == 0;
}

void chain_addr_checksum(char out[43], const uint8_t addr20[20]) {
  uint8_t h[32];
  ob_hex_encode0x(out, addr20, 20);
  chain_keccak256(h, (const uint8_t *)out + 2, 40);
  for (int i = 0; i < 40; i++) {
    int nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 0xf;
    if (nib >= 8 && out[2 + i] >= 'a') out[2 + i] = (char)(out[2 + i] - 'a' + 'A');
  }
}

int chain_addr_parse(uint8_t addr20[20], const char *text, struct ob_err *err) {
  uint8_t a[20];
  char want[43];
  bool lower = false, upper = false;
  if (strlen(text) != 42 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X') ||
      ob_hex_decode_fixed(a, 20, text, NULL))
    return ob_err_set(err, OB_EPARSE, "bad address '%.64s': expected 0x and 40 hex digits", text);
  for (int i = 2; i < 42; i++) {
    lower |= islower((unsigned char)text[i]) != 0;
    upper |= isupper((unsigned char)text[i]) != 0;
  }
  if (lower && upper) {
    chain_addr_checksum(want, a);
    if (strcmp(want + 2, text + 2) != 0)
      return ob_err_set(err, OB_EPARSE, "bad address '%s': EIP-55 checksum mismatch (expected %s)", text, want);
  }
  memcpy(addr20, a, 20);
  return 0;
}
