/* Internals of keystore_openssl.c shared with its tests. */
#ifndef OB_CHAIN_KEYSTORE_INT_H
#define OB_CHAIN_KEYSTORE_INT_H
#include <stddef.h>
#include <stdint.h>

enum chain__scrypt_impl { CHAIN__SCRYPT_AUTO, CHAIN__SCRYPT_OPENSSL, CHAIN__SCRYPT_OWN };
/* scrypt(pw, salt, n, r, p) -> dk[dklen]. AUTO uses OpenSSL unless it refuses the parameters
 * (RFC 7914's N < 2^(16 r)), then the own ROMix. Returns 0, OB_ENOMEM or OB_ECRYPTO. */
int chain__scrypt(uint8_t *dk, size_t dklen, const char *pw, size_t pwlen, const uint8_t *salt,
                  size_t saltlen, uint64_t n, uint32_t r, uint32_t p, enum chain__scrypt_impl impl);
#endif
