/* Web3 Secret Storage v3 keystores (the format of geth, cast and ethers).
 *
 * Reads the scrypt and pbkdf2 (hmac-sha256) KDFs, writes scrypt; the cipher is aes-128-ctr and the
 * MAC keccak256(dk[16..32] || ciphertext). Passwords are bytes (pw, pwlen), borrowed for the call and
 * never logged; every derived key is wiped before returning. Errors name the keystore by the `name`
 * argument (a path or label; NULL reads as "keystore"). err may be NULL.
 *
 * A wrong password and a MAC altered to other well-formed hex cannot be told apart (both make the
 * MAC differ): both give OB_EAUTH "wrong password for keystore 'NAME'". A MAC that is not 32 bytes
 * of hex, an unknown KDF or cipher, or KDF parameters past the limits below are OB_EPARSE/OB_EUNSUP/
 * OB_ELIMIT errors naming the field. */
#ifndef OB_CHAIN_KEYSTORE_H
#define OB_CHAIN_KEYSTORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct ob_buf;
struct chain_signer;

/* Limits on what a file may ask for, so a hostile keystore cannot exhaust memory or time. */
#define CHAIN_KEYSTORE_MAX_SCRYPT_MEM ((uint64_t)1 << 30) /* 128 * r * (n + p) bytes */
#define CHAIN_KEYSTORE_MAX_PBKDF2_C 10000000u
#define CHAIN_KEYSTORE_MAX_BYTES (64u << 10)

struct chain_keystore_opts {
  uint64_t scrypt_n; /* power of two >= 2; default 262144 (2^18, geth's "standard") */
  uint32_t scrypt_r; /* default 8 */
  uint32_t scrypt_p; /* default 1 */
  bool with_address; /* write the "address" field (lower-case hex, no 0x); default true */
};
void chain_keystore_opts_init(struct chain_keystore_opts *o);

/* What a keystore says about itself, without the password. */
struct chain_keystore_info {
  bool has_address;
  uint8_t address[20]; /* the "address" field, when present */
  char kdf[8];         /* "scrypt" or "pbkdf2" */
  uint64_t scrypt_n;   /* scrypt parameters (0 for pbkdf2) */
  uint32_t scrypt_r, scrypt_p;
  uint64_t pbkdf2_c;   /* pbkdf2 iterations (0 for scrypt) */
  char id[40];         /* the "id" field ("" if absent) */
};

/* Encrypt key32 into a new v3 JSON document appended to out (random salt, IV and id from
 * OpenSSL's RAND_bytes). addr20 is written as the "address" field when o->with_address.
 * o may be NULL (defaults). Returns: 0; OB_EINVAL (bad options); OB_ECRYPTO; OB_ENOMEM/OB_ELIMIT. */
int chain_keystore_encrypt(struct ob_buf *out, const uint8_t key32[32], const uint8_t addr20[20],
                           const char *pw, size_t pwlen, const struct chain_keystore_opts *o,
                           struct ob_err *err);

/* Check a document's structure and read its public fields.
 * Returns: 0; OB_EPARSE (not a v3 keystore, bad field); OB_EUNSUP (unknown KDF, cipher or PRF);
 *          OB_ELIMIT (KDF parameters past the limits). Allocates only while parsing. */
int chain_keystore_inspect(struct chain_keystore_info *info, const char *json, size_t len,
                           const char *name, struct ob_err *err);

/* Decrypt. On success key32 holds the private key (the caller wipes it with ob_memclear). When
 * signer is not NULL the key must be a valid private key and, if the file has an address, derive
 * to it (else OB_EMISMATCH). Returns: 0; the errors of inspect; OB_EAUTH wrong password;
 * OB_ECRYPTO; OB_ENOMEM. */
int chain_keystore_decrypt(uint8_t key32[32], const char *json, size_t len, const char *pw,
                           size_t pwlen, const struct chain_signer *signer, const char *name,
                           struct ob_err *err);
#endif
