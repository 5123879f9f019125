/* libFuzzer harness: the JSON reader (and the writer, on whatever it accepts). */
#include <stdint.h>
#include <string.h>

#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ob_json *v = NULL, *again = NULL;
  struct ob_json_limits lim;
  struct ob_err err;
  ob_json_limits_init(&lim);
  lim.max_bytes = 1 << 20;
  if (ob_json_parse(&v, (const char *)data, size, &lim, &err) == 0) {
    struct ob_buf b;
    ob_buf_init(&b, 4 << 20);
    /* What we accept, we must write back, and read again to the same text. */
    if (ob_json_dump(&b, v) == 0) {
      struct ob_buf b2;
      if (ob_json_parse(&again, b.buf, b.len, NULL, &err) != 0) __builtin_trap();
      ob_buf_init(&b2, 4 << 20);
      if (ob_json_dump(&b2, again) != 0 || b2.len != b.len || memcmp(b2.buf, b.buf, b.len) != 0)
        __builtin_trap();
      ob_buf_release(&b2);
      ob_json_free(again);
    }
    ob_buf_release(&b);
    ob_json_free(v);
  }
  return 0;
}
