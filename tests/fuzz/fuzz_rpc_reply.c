/* libFuzzer harness: the JSON-RPC reply reader of the chain client (replies, batches,
 * notifications), error objects, revert data and quantities found in them. */
#include <stdint.h>
#include <string.h>

#include "ob/chain/rpc.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/u256.h"

static void each(void *ud, const struct chain_rpc_msg *m) {
  struct ob_err err;
  uint64_t x;
  struct chain_u256 u;
  char reason[64];
  (void)ud;
  if (m->error) {
    const struct ob_json *data = ob_json_get(m->error, "data");
    chain_rpc_error_from_json(m->error, "fuzz", &err);
    if (ob_json_string(data)) chain_revert_reason(reason, sizeof(reason), ob_json_string(data));
  }
  if (m->result) chain_json_quantity(m->result, &x, "result", &err);
  if (m->result) chain_json_quantity_u256(m->result, &u, "result", &err);
  if (m->sub_result) chain_json_quantity(ob_json_get(m->sub_result, "number"), &x, "number", &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ob_err err;
  chain_rpc_msg_read((const char *)data, size, 1 << 20, each, NULL, &err);
  return 0;
}
