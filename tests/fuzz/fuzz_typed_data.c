/* libFuzzer harness: the EIP-712 typed-data reader (eth_signTypedData_v4 JSON). */
#include <stdint.h>
#include <string.h>

#include "ob/chain/eip712.h"
#include "ob/core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct chain_eip712_hashes a, b;
  struct ob_err err;
  int rc;
  if (size > (256u << 10)) return 0;
  ob_err_clear(&err);
  rc = chain_eip712_hash_json(&a, (const char *)data, size, &err);
  /* Every failure carries a message; a success is deterministic. */
  if (rc && err.msg[0] == '\0') __builtin_trap();
  if (!rc && (chain_eip712_hash_json(&b, (const char *)data, size, NULL) != 0 || memcmp(&a, &b, sizeof(a)) != 0))
    __builtin_trap();
  return 0;
}
