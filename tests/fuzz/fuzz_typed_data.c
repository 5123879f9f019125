/* libFuzzer harness: the EIP-712 typed-data reader (eth_signTypedData_v4 JSON), and the same bytes
 * as an encodeType string (whose JSON output must parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ob/chain/eip712.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"

static void type_string(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  struct ob_buf out;
  struct ob_json *j = NULL;
  if (!s) return;
  memcpy(s, data, size);
  s[size] = '\0';
  ob_buf_init(&out, 1 << 20);
  if (chain_eip712_types_from_string(&out, s, NULL) == 0) {
    /* Duplicate struct names are the one thing the JSON reader may still refuse. */
    if (ob_json_parse(&j, out.buf, out.len, NULL, NULL) == 0) ob_json_free(j);
  }
  ob_buf_release(&out);
  free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct chain_eip712_hashes a, b;
  struct ob_err err;
  int rc;
  if (size > (256u << 10)) return 0;
  type_string(data, size);
  ob_err_clear(&err);
  rc = chain_eip712_hash_json(&a, (const char *)data, size, &err);
  /* Every failure carries a message; a success is deterministic. */
  if (rc && err.msg[0] == '\0') __builtin_trap();
  if (!rc && (chain_eip712_hash_json(&b, (const char *)data, size, NULL) != 0 || memcmp(&a, &b, sizeof(a)) != 0))
    __builtin_trap();
  return 0;
}
