/* libFuzzer harness: the batch-document checker (node_batch_parse). Whatever it accepts must be
 * written canonically and read back to the same canonical bytes. */
#include <stdint.h>
#include <string.h>

#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/node/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct node_batch b, again;
  struct ob_err err;
  if (size > (1 << 20))
    return 0;
  node_batch_init(&b);
  node_batch_init(&again);
  if (node_batch_parse(&b, (const char *)data, size, &err) == 0) {
    struct ob_buf out, out2;
    ob_buf_init(&out, 16 << 20);
    ob_buf_init(&out2, 16 << 20);
    if (node_batch_write(&b, &out, &err) != 0 || node_batch_parse(&again, out.buf, out.len, &err) != 0 ||
        node_batch_write(&again, &out2, &err) != 0 || out.len != out2.len || memcmp(out.buf, out2.buf, out.len) != 0)
      __builtin_trap();
    ob_buf_release(&out);
    ob_buf_release(&out2);
  }
  node_batch_release(&b);
  node_batch_release(&again);
  return 0;
}
