/* Web3 Secret Storage v3: the one glue file that includes OpenSSL's headers. */
#include "ob/chain/keystore.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ob/chain/keccak.h"
#include "ob/chain/signer.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob/core/alloc.h"
#include "keystore_int.h"

enum kdf { KDF_SCRYPT, KDF_PBKDF2 };

/* Everything a file says, decoded and range-checked. */
struct ks {
  enum kdf kdf;
  uint64_t n, c;
  uint32_t r, p, dklen;
  uint8_t salt[128];
  size_t saltlen;
  uint8_t iv[16];
  uint8_t ct[32];
  uint8_t mac[32];
  struct chain_keystore_info info;
};

static const char *nm(const char *name) { return name ? name : "keystore"; }

void chain_keystore_opts_init(struct chain_keystore_opts *o) {
  o->scrypt_n = (uint64_t)1 << 18;
  o->scrypt_r = 8;
  o->scrypt_p = 1;
  o->with_address = true;
}

/* ---- reading ---- */

static const struct ob_json *field(const struct ob_json *obj, const char *key, enum ob_json_type t,
                                   const char *path, const char *name, struct ob_err *err) {
  const struct ob_json *v = ob_json_get(obj, key);
  if (!v) {
    ob_err_set(err, OB_EPARSE, "keystore '%s': %s%s is missing", nm(name), path, key);
    return NULL;
  }
  if (!ob_json_is(v, t)) {
    ob_err_set(err, OB_EPARSE, "keystore '%s': %s%s is a %s, expected a %s", nm(name), path, key,
               ob_json_type_name(v->type), ob_json_type_name(t));
    return NULL;
  }
  return v;
}

/* Hex string field; exact > 0 requires that many bytes, else up to cap. */
static int hex_field(uint8_t *out, size_t cap, size_t *outlen, size_t exact, const struct ob_json *obj,
                     const char *key, const char *path, const char *name, struct ob_err *err) {
  const struct ob_json *v = field(obj, key, OB_JSON_STRING, path, name, err);
  size_t n = 0;
  if (!v) return OB_EPARSE;
  if (ob_hex_decode(out, cap, &n, v->str, v->len, NULL) || (exact && n != exact))
    return exact ? ob_err_set(err, OB_EPARSE, "keystore '%s': %s%s is not %zu bytes of hex", nm(name), path, key, exact)
                 : ob_err_set(err, OB_EPARSE, "keystore '%s': %s%s is not hex of at most %zu bytes", nm(name), path, key, cap);
  if (outlen) *outlen = n;
  return 0;
}

static int u64_field(uint64_t *out, uint64_t lo, uint64_t hi, const struct ob_json *obj, const char *key,
                     const char *name, struct ob_err *err) {
  const struct ob_json *v = field(obj, key, OB_JSON_NUMBER, "crypto.kdfparams.", name, err);
  if (!v) return OB_EPARSE;
  if (ob_json_u64(v, out, NULL) || *out < lo)
    return ob_err_set(err, OB_EPARSE, "keystore '%s': crypto.kdfparams.%s is not an integer >= %llu",
                      nm(name), key, (unsigned long long)lo);
  if (*out > hi)
    return ob_err_set(err, OB_ELIMIT, "keystore '%s': crypto.kdfparams.%s = %llu is past the limit %llu",
                      nm(name), key, (unsigned long long)*out, (unsigned long long)hi);
  return 0;
}

static int parse_scrypt(struct ks *k, const struct ob_json *kp, const char *name, struct ob_err *err) {
  uint64_t r, p;
  int rc;
  if ((rc = u64_field(&k->n, 2, (uint64_t)1 << 40, kp, "n", name, err)) ||
      (rc = u64_field(&r, 1, 1024, kp, "r", name, err)) || (rc = u64_field(&p, 1, 1024, kp, "p", name, err)))
    return rc;
  if (k->n & (k->n - 1))
    return ob_err_set(err, OB_EPARSE, "keystore '%s': crypto.kdfparams.n = %llu is not a power of two",
                      nm(name), (unsigned long long)k->n);
  k->r = (uint32_t)r;
  k->p = (uint32_t)p;
  if (128 * r * (k->n + 2 + p) > CHAIN_KEYSTORE_MAX_SCRYPT_MEM)
    return ob_err_set(err, OB_ELIMIT, "keystore '%s': scrypt parameters need more than %llu MiB",
                      nm(name), (unsigned long long)(CHAIN_KEYSTORE_MAX_SCRYPT_MEM >> 20));
  return 0;
}

static int parse_pbkdf2(struct ks *k, const struct ob_json *kp, const char *name, struct ob_err *err) {
  const struct ob_json *prf = field(kp, "prf", OB_JSON_STRING, "crypto.kdfparams.", name, err);
  if (!prf) return OB_EPARSE;
  if (strcmp(prf->str, "hmac-sha256") != 0)
    return ob_err_set(err, OB_EUNSUP, "keystore '%s': unknown pbkdf2 prf '%.32s' (expected hmac-sha256)",
                      nm(name), prf->str);
  return u64_field(&k->c, 1, CHAIN_KEYSTORE_MAX_PBKDF2_C, kp, "c", name, err);
}

static int parse_kdf(struct ks *k, const struct ob_json *crypto, const char *name, struct ob_err *err) {
  const struct ob_json *kdf = field(crypto, "kdf", OB_JSON_STRING, "crypto.", name, err);
  const struct ob_json *kp = kdf ? field(crypto, "kdfparams", OB_JSON_OBJECT, "crypto.", name, err) : NULL;
  uint64_t dklen;
  int rc;
  if (!kp) return OB_EPARSE;
  if (strcmp(kdf->str, "scrypt") == 0) {
    k->kdf = KDF_SCRYPT;
    rc = parse_scrypt(k, kp, name, err);
  } else if (strcmp(kdf->str, "pbkdf2") == 0) {
    k->kdf = KDF_PBKDF2;
    rc = parse_pbkdf2(k, kp, name, err);
  } else {
    return ob_err_set(err, OB_EUNSUP, "keystore '%s': unknown kdf '%.32s' (expected scrypt or pbkdf2)",
                      nm(name), kdf->str);
  }
  if (rc) return rc;
  snprintf(k->info.kdf, sizeof(k->info.kdf), "%s", k->kdf == KDF_SCRYPT ? "scrypt" : "pbkdf2");
  if ((rc = u64_field(&dklen, 32, 64, kp, "dklen", name, err))) return rc;
  k->dklen = (uint32_t)dklen;
  return hex_field(k->salt, sizeof(k->salt), &k->saltlen, 0, kp, "salt", "crypto.kdfparams.", name, err);
}

static int parse_crypto(struct ks *k, const struct ob_json *crypto, const char *name, struct ob_err *err) {
  const struct ob_json *cipher = field(crypto, "cipher", OB_JSON_STRING, "crypto.", name, err);
  const struct ob_json *cp;
  int rc;
  if (!cipher) return OB_EPARSE;
  if (strcmp(cipher->str, "aes-128-ctr") != 0)
    return ob_err_set(err, OB_EUNSUP, "keystore '%s': unknown cipher '%.32s' (expected aes-128-ctr)",
                      nm(name), cipher->str);
  if (!(cp = field(crypto, "cipherparams", OB_JSON_OBJECT, "crypto.", name, err))) return OB_EPARSE;
  if ((rc = hex_field(k->iv, 16, NULL, 16, cp, "iv", "crypto.cipherparams.", name, err)) ||
      (rc = hex_field(k->ct, 32, NULL, 32, crypto, "ciphertext", "crypto.", name, err)) ||
      (rc = hex_field(k->mac, 32, NULL, 32, crypto, "mac", "crypto.", name, err)))
    return rc;
  return parse_kdf(k, crypto, name, err);
}

static int parse_public(struct ks *k, const struct ob_json *doc, const char *name, struct ob_err *err) {
  const struct ob_json *ver = field(doc, "version", OB_JSON_NUMBER, "", name, err);
  const struct ob_json *addr = ob_json_get(doc, "address"), *id = ob_json_get(doc, "id");
  if (!ver) return OB_EPARSE;
  if (strcmp(ver->str, "3") != 0)
    return ob_err_set(err, OB_EUNSUP, "keystore '%s': version %.16s is not supported (expected 3)", nm(name), ver->str);
  if (addr) {
    if (!ob_json_is(addr, OB_JSON_STRING) || ob_hex_decode_fixed(k->info.address, 20, addr->str, NULL))
      return ob_err_set(err, OB_EPARSE, "keystore '%s': address is not 20 bytes of hex", nm(name));
    k->info.has_address = true;
  }
  if (ob_json_is(id, OB_JSON_STRING)) snprintf(k->info.id, sizeof(k->info.id), "%s", id->str);
  return 0;
}

static int parse_ks(struct ks *k, const char *json, size_t len, const char *name, struct ob_err *err) {
  struct ob_json *doc = NULL;
  struct ob_json_limits lim;
  const struct ob_json *crypto;
  struct ob_err perr;
  int rc;
  memset(k, 0, sizeof(*k));
  ob_json_limits_init(&lim);
  lim.max_bytes = CHAIN_KEYSTORE_MAX_BYTES;
  lim.max_depth = 8;
  ob_err_clear(&perr);
  if ((rc = ob_json_parse(&doc, json, len, &lim, &perr)))
    return ob_err_set(err, rc, "keystore '%s' is not JSON: %s", nm(name), ob_err_msg(&perr, rc));
  if (!ob_json_is(doc, OB_JSON_OBJECT)) {
    rc = ob_err_set(err, OB_EPARSE, "keystore '%s': expected a JSON object", nm(name));
    goto out;
  }
  if ((rc = parse_public(k, doc, name, err))) goto out;
  /* Some older wallets (MyEtherWallet) spell it "Crypto". */
  crypto = ob_json_get(doc, "crypto") ? ob_json_get(doc, "crypto") : ob_json_get(doc, "Crypto");
  if (!ob_json_is(crypto, OB_JSON_OBJECT)) {
    rc = ob_err_set(err, OB_EPARSE, "keystore '%s': crypto is missing or not an object", nm(name));
    goto out;
  }
  rc = parse_crypto(k, crypto, name, err);
out:
  ob_json_free(doc);
  return rc;
}

int chain_keystore_inspect(struct chain_keystore_info *info, const char *json, size_t len,
                           const char *name, struct ob_err *err) {
  struct ks k;
  int rc = parse_ks(&k, json, len, name, err);
  if (rc) return rc;
  *info = k.info;
  info->scrypt_n = k.kdf == KDF_SCRYPT ? k.n : 0;
  info->scrypt_r = k.kdf == KDF_SCRYPT ? k.r : 0;
  info->scrypt_p = k.kdf == KDF_SCRYPT ? k.p : 0;
  info->pbkdf2_c = k.kdf == KDF_PBKDF2 ? k.c : 0;
  return 0;
}

/* ---- scrypt for small r ----
 * OpenSSL enforces RFC 7914's N < 2^(16 r), which refuses files geth and the spec's own test vector
 * write (n = 2^18 with r = 1). For those parameters scrypt's ROMix is computed here, on OpenSSL's
 * PBKDF2; the result is checked equal to EVP_PBE_scrypt where both apply (test_keystore.c). */

#define ROTL(a, b) (((a) << (b)) | ((a) >> (32 - (b))))
#define QR(a, b, c, d)                                                     \
  x[b] ^= ROTL(x[a] + x[d], 7), x[c] ^= ROTL(x[b] + x[a], 9),              \
  x[d] ^= ROTL(x[c] + x[b], 13), x[a] ^= ROTL(x[d] + x[c], 18)

static void salsa20_8(uint32_t b[16]) {
  uint32_t x[16];
  memcpy(x, b, sizeof(x));
  for (int i = 0; i < 8; i += 2) {
    QR(0, 4, 8, 12), QR(5, 9, 13, 1), QR(10, 14, 2, 6), QR(15, 3, 7, 11);
    QR(0, 1, 2, 3), QR(5, 6, 7, 4), QR(10, 11, 8, 9), QR(15, 12, 13, 14);
  }
  for (int i = 0; i < 16; i++) b[i] += x[i];
}

/* b (32 r words) = BlockMix(b), using y as scratch of the same size. */
static void block_mix(uint32_t *b, uint32_t *y, uint32_t r) {
  uint32_t x[16];
  memcpy(x, b + (2 * r - 1) * 16, sizeof(x));
  for (uint32_t i = 0; i < 2 * r; i++) {
    for (int j = 0; j < 16; j++) x[j] ^= b[i * 16 + j];
    salsa20_8(x);
    memcpy(y + ((i % 2) * r + i / 2) * 16, x, sizeof(x));
  }
  memcpy(b, y, 128 * (size_t)r);
}

static void ro_mix(uint8_t *blk, uint32_t *v, uint32_t *xw, uint32_t *y, uint64_t n, uint32_t r) {
  size_t words = 32 * (size_t)r;
  for (size_t i = 0; i < words; i++)
    xw[i] = (uint32_t)blk[4 * i] | (uint32_t)blk[4 * i + 1] << 8 | (uint32_t)blk[4 * i + 2] << 16 |
            (uint32_t)blk[4 * i + 3] << 24;
  for (uint64_t i = 0; i < n; i++) {
    memcpy(v + i * words, xw, words * 4);
    block_mix(xw, y, r);
  }
  for (uint64_t i = 0; i < n; i++) {
    uint64_t j = xw[(2 * r - 1) * 16] & (n - 1);
    for (size_t k = 0; k < words; k++) xw[k] ^= v[j * words + k];
    block_mix(xw, y, r);
  }
  for (size_t i = 0; i < words; i++)
    for (int k = 0; k < 4; k++) blk[4 * i + (size_t)k] = (uint8_t)(xw[i] >> (8 * k));
}

static int scrypt_own(uint8_t *dk, size_t dklen, const char *pw, size_t pwlen, const uint8_t *salt,
                      size_t saltlen, uint64_t n, uint32_t r, uint32_t p) {
  size_t blen = 128 * (size_t)r * p, vlen = 128 * (size_t)r * n;
  uint8_t *b = ob_malloc(blen);
  uint32_t *v = ob_malloc(vlen), *xw = ob_malloc(128 * (size_t)r), *y = ob_malloc(128 * (size_t)r);
  int rc = OB_ENOMEM;
  if (!b || !v || !xw || !y) goto out;
  rc = OB_ECRYPTO;
  if (PKCS5_PBKDF2_HMAC(pw, (int)pwlen, salt, (int)saltlen, 1, EVP_sha256(), (int)blen, b) != 1) goto out;
  for (uint32_t i = 0; i < p; i++) ro_mix(b + 128 * (size_t)r * i, v, xw, y, n, r);
  if (PKCS5_PBKDF2_HMAC(pw, (int)pwlen, b, (int)blen, 1, EVP_sha256(), (int)dklen, dk) != 1) goto out;
  rc = 0;
out:
  if (b) ob_memclear(b, blen);
  if (v) ob_memclear(v, vlen);
  if (xw) ob_memclear(xw, 128 * (size_t)r);
  ob_free(b), ob_free(v), ob_free(xw), ob_free(y);
  return rc;
}

int chain__scrypt(uint8_t *dk, size_t dklen, const char *pw, size_t pwlen, const uint8_t *salt,
                  size_t saltlen, uint64_t n, uint32_t r, uint32_t p, enum chain__scrypt_impl impl) {
  uint64_t maxmem = 128 * (uint64_t)r * (n + 2 + p) + 4096;
  /* RFC 7914's N < 2^(16 r), which OpenSSL enforces. */
  bool refused = r < 4 && n >= ((uint64_t)1 << (16 * r));
  if (impl == CHAIN__SCRYPT_OWN || (impl == CHAIN__SCRYPT_AUTO && refused))
    return scrypt_own(dk, dklen, pw, pwlen, salt, saltlen, n, r, p);
  return EVP_PBE_scrypt(pw, pwlen, salt, saltlen, n, r, p, maxmem, dk, dklen) == 1 ? 0 : OB_ECRYPTO;
}

/* ---- crypto ---- */

static int derive(uint8_t *dk, const struct ks *k, const char *pw, size_t pwlen, const char *name,
                  struct ob_err *err) {
  int ok;
  if (k->kdf == KDF_SCRYPT) {
    int rc = chain__scrypt(dk, k->dklen, pw, pwlen, k->salt, k->saltlen, k->n, k->r, k->p, CHAIN__SCRYPT_AUTO);
    if (rc) return ob_err_set(err, rc, "keystore '%s': key derivation failed: %s", nm(name), ob_strerror(rc));
    return 0;
  } else {
    ok = PKCS5_PBKDF2_HMAC(pw, (int)pwlen, k->salt, (int)k->saltlen, (int)k->c, EVP_sha256(), (int)k->dklen, dk);
  }
  if (ok != 1) return ob_err_set(err, OB_ECRYPTO, "keystore '%s': key derivation failed", nm(name));
  return 0;
}

static int aes_ctr(uint8_t out[32], const uint8_t in[32], const uint8_t key16[16], const uint8_t iv[16]) {
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int n1 = 0, n2 = 0, ok;
  if (!c) return OB_ENOMEM;
  ok = EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key16, iv) == 1 &&
       EVP_EncryptUpdate(c, out, &n1, in, 32) == 1 && EVP_EncryptFinal_ex(c, out + n1, &n2) == 1 &&
       n1 + n2 == 32;
  EVP_CIPHER_CTX_free(c);
  return ok ? 0 : OB_ECRYPTO;
}

static void mac_of(uint8_t mac[32], const uint8_t dk[64], const uint8_t ct[32]) {
  struct chain_keccak h;
  chain_keccak_init(&h);
  chain_keccak_update(&h, dk + 16, 16);
  chain_keccak_update(&h, ct, 32);
  chain_keccak_final(&h, mac);
}

static int check_address(const uint8_t key32[32], const struct ks *k, const struct chain_signer *signer,
                         const char *name, struct ob_err *err) {
  uint8_t a[20];
  char want[43], got[43];
  struct ob_err kerr;
  ob_err_clear(&kerr);
  if (chain_key_address(signer, a, key32, &kerr))
    return ob_err_set(err, OB_EINVAL, "keystore '%s': %s", nm(name), kerr.msg);
  if (k->info.has_address && memcmp(a, k->info.address, 20) != 0) {
    chain_addr_checksum(want, k->info.address);
    chain_addr_checksum(got, a);
    return ob_err_set(err, OB_EMISMATCH, "keystore '%s': the key is for %s but the file says %s", nm(name), got, want);
  }
  return 0;
}

int chain_keystore_decrypt(uint8_t key32[32], const char *json, size_t len, const char *pw,
                           size_t pwlen, const struct chain_signer *signer, const char *name,
                           struct ob_err *err) {
  struct ks k;
  uint8_t dk[64], mac[32], key[32];
  int rc = parse_ks(&k, json, len, name, err);
  if (rc) return rc;
  if ((rc = derive(dk, &k, pw, pwlen, name, err))) goto out;
  mac_of(mac, dk, k.ct);
  if (!ob_ct_equal(mac, k.mac, 32)) {
    rc = ob_err_set(err, OB_EAUTH, "wrong password for keystore '%s'", nm(name));
    goto out;
  }
  if ((rc = aes_ctr(key, k.ct, dk, k.iv))) {
    rc = ob_err_set(err, rc, "keystore '%s': aes-128-ctr failed", nm(name));
    goto out;
  }
  if (signer && (rc = check_address(key, &k, signer, name, err))) goto out;
  memcpy(key32, key, 32);
out:
  ob_memclear(dk, sizeof(dk));
  ob_memclear(key, sizeof(key));
  return rc;
}

/* ---- writing ---- */

static void hex_str(struct ob_jw *w, const uint8_t *p, size_t n) {
  char h[2 * 64 + 1];
  ob_hex_encode(h, p, n);
  ob_jw_str(w, h);
}

static void uuid4(char out[37], const uint8_t r[16]) {
  uint8_t u[16];
  char h[33];
  memcpy(u, r, 16);
  u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
  u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
  ob_hex_encode(h, u, 16);
  snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

static int write_doc(struct ob_buf *out, const struct ks *k, const uint8_t addr20[20], bool with_addr,
                     const char *uuid) {
  struct ob_jw w;
  int rc = ob_jw_init(&w, out, false);
  if (rc) return rc;
  ob_jw_obj_begin(&w);
  if (with_addr) ob_jw_key(&w, "address"), hex_str(&w, addr20, 20);
  ob_jw_key(&w, "crypto");
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "cipher"), ob_jw_str(&w, "aes-128-ctr");
  ob_jw_key(&w, "cipherparams"), ob_jw_obj_begin(&w), ob_jw_key(&w, "iv"), hex_str(&w, k->iv, 16), ob_jw_obj_end(&w);
  ob_jw_key(&w, "ciphertext"), hex_str(&w, k->ct, 32);
  ob_jw_key(&w, "kdf"), ob_jw_str(&w, "scrypt");
  ob_jw_key(&w, "kdfparams");
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "dklen"), ob_jw_u64(&w, 32);
  ob_jw_key(&w, "n"), ob_jw_u64(&w, k->n);
  ob_jw_key(&w, "p"), ob_jw_u64(&w, k->p);
  ob_jw_key(&w, "r"), ob_jw_u64(&w, k->r);
  ob_jw_key(&w, "salt"), hex_str(&w, k->salt, k->saltlen);
  ob_jw_obj_end(&w);
  ob_jw_key(&w, "mac"), hex_str(&w, k->mac, 32);
  ob_jw_obj_end(&w);
  ob_jw_key(&w, "id"), ob_jw_str(&w, uuid);
  ob_jw_key(&w, "version"), ob_jw_u64(&w, 3);
  ob_jw_obj_end(&w);
  return ob_jw_finish(&w);
}

int chain_keystore_encrypt(struct ob_buf *out, const uint8_t key32[32], const uint8_t addr20[20],
                           const char *pw, size_t pwlen, const struct chain_keystore_opts *o,
                           struct ob_err *err) {
  struct chain_keystore_opts def;
  struct ks k;
  uint8_t dk[64], rnd[16];
  char uuid[37];
  int rc;
  if (!o) chain_keystore_opts_init(&def), o = &def;
  memset(&k, 0, sizeof(k));
  k.kdf = KDF_SCRYPT, k.n = o->scrypt_n, k.r = o->scrypt_r, k.p = o->scrypt_p, k.dklen = 32, k.saltlen = 32;
  if (k.n < 2 || (k.n & (k.n - 1)) || !k.r || !k.p || 128 * (uint64_t)k.r * (k.n + 2 + k.p) > CHAIN_KEYSTORE_MAX_SCRYPT_MEM)
    return ob_err_set(err, OB_EINVAL, "cannot write keystore: bad scrypt parameters n=%llu r=%u p=%u",
                      (unsigned long long)k.n, k.r, k.p);
  if (RAND_bytes(k.salt, 32) != 1 || RAND_bytes(k.iv, 16) != 1 || RAND_bytes(rnd, 16) != 1)
    return ob_err_set(err, OB_ECRYPTO, "cannot write keystore: no random bytes");
  uuid4(uuid, rnd);
  if ((rc = derive(dk, &k, pw, pwlen, "new", err))) goto out;
  if ((rc = aes_ctr(k.ct, key32, dk, k.iv))) {
    rc = ob_err_set(err, rc, "cannot write keystore: aes-128-ctr failed");
    goto out;
  }
  mac_of(k.mac, dk, k.ct);
  if ((rc = write_doc(out, &k, addr20, o->with_address, uuid)))
    rc = ob_err_set(err, rc, "cannot write keystore: %s", ob_strerror(rc));
out:
  ob_memclear(dk, sizeof(dk));
  return rc;
}
