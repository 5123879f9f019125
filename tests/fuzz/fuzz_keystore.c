/* libFuzzer harness: the v3 keystore reader. Inspect every input; decrypt the cheap ones (light
 * KDF parameters) with a fixed password, so the MAC, cipher and address paths run too. */
#include <stdint.h>
#include <string.h>

#include "ob/chain/keystore.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct chain_signer *s;
  struct chain_keystore_info info;
  struct ob_err err;
  uint8_t key[32];
  int rc;
  if (!s && chain_signer_new(&s, NULL)) __builtin_trap();
  ob_err_clear(&err);
  rc = chain_keystore_inspect(&info, (const char *)data, size, "fuzz", &err);
  if (rc && err.msg[0] == '\0') __builtin_trap();
  if (rc) return 0;
  if ((info.scrypt_n && info.scrypt_n * info.scrypt_r * info.scrypt_p <= 4096) ||
      (info.pbkdf2_c && info.pbkdf2_c <= 64)) {
    ob_err_clear(&err);
    rc = chain_keystore_decrypt(key, (const char *)data, size, "pw", 2, s, "fuzz", &err);
    if (rc && err.msg[0] == '\0') __builtin_trap();
    ob_memclear(key, sizeof(key));
  }
  return 0;
}
