/* libFuzzer harness: the safetensors header checker (models/). The input is a whole file.
 * What is accepted must add up: 8 + header + data = the file's size. A second call with the header
 * alone (the head a fetcher reads) must agree. */
#include <stdint.h>

#include "ob/core/err.h"
#include "ob/models/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct model_st_summary s, s2;
  struct ob_err err;
  int rc = model_st_check(&s, data, size, size, &err);
  if (rc != 0 && rc != OB_EPARSE && rc != OB_ENOMEM)
    __builtin_trap();
  if (rc == 0) {
    if (8 + s.header_len + s.data_len != size)
      __builtin_trap();
    if (model_st_check(&s2, data, (size_t)(8 + s.header_len), size, &err) != 0 ||
        s2.data_len != s.data_len || s2.tensors != s.tensors)
      __builtin_trap();
  }
  return 0;
}
