/* SHA-256 (OpenSSL libcrypto underneath; the only file of core that includes it). */
#ifndef OB_CORE_SHA256_H
#define OB_CORE_SHA256_H
#include <stddef.h>
#include <stdint.h>

struct ob_sha256 {
  void *md; /* EVP_MD_CTX */
};
/* Returns 0 or OB_ENOMEM. */
int ob_sha256_init(struct ob_sha256 *h);
void ob_sha256_update(struct ob_sha256 *h, const void *data, size_t len);
/* Writes the digest and frees the context. */
void ob_sha256_final(struct ob_sha256 *h, uint8_t hash32[32]);
/* One shot. */
void ob_sha256(uint8_t hash32[32], const void *data, size_t len);
#endif
