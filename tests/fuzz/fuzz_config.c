/* libFuzzer harness: the config loader on arbitrary bytes (environment not applied). */
#include <stdint.h>

#include "config.h"
#include "ob/core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ob_config *c = NULL;
  struct ob_err err;
  if (ob_config_load_text(&c, (const char *)data, size, 0, &err) == 0) ob_config_free(c);
  else if (!err.msg[0]) __builtin_trap(); /* every refusal says why */
  return 0;
}
