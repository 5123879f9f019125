#include "ob/core/sha256.h"

#include <openssl/evp.h>
#include <string.h>

#include "ob/core/err.h"

int ob_sha256_init(struct ob_sha256 *h) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx) return OB_ENOMEM;
  if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(ctx);
    return OB_ECRYPTO;
  }
  h->md = ctx;
  return 0;
}

void ob_sha256_update(struct ob_sha256 *h, const void *data, size_t len) {
  if (len) EVP_DigestUpdate(h->md, data, len);
}

static void release(struct ob_sha256 *h) {
  EVP_MD_CTX_free(h->md);
  h->md = NULL;
}

void ob_sha256_final(struct ob_sha256 *h, uint8_t hash32[32]) {
  unsigned int n = 32;
  EVP_DigestFinal_ex(h->md, hash32, &n);
  release(h);
}

void ob_sha256(uint8_t hash32[32], const void *data, size_t len) {
  unsigned int n = 32;
  EVP_Digest(data, len, hash32, &n, EVP_sha256(), NULL);
}
