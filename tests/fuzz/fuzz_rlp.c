/* libFuzzer harness: the strict RLP decoder. Whatever it accepts must re-encode to the same bytes. */
#include <stdint.h>
#include <string.h>

#include "ob/chain/rlp.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/u256.h"

static int reencode(struct ob_buf *b, const struct chain_rlp_item *it) {
  if (!it->is_list) {
    struct chain_u256 v;
    (void)chain_rlp_get_u256(it, &v, NULL); /* exercise the integer reader too */
    return chain_rlp_put_bytes(b, it->p, it->len);
  }
  struct chain_rlp_iter iter;
  struct chain_rlp_item sub;
  size_t mark = chain_rlp_list_begin(b);
  int rc;
  chain_rlp_iter_init(&iter, it);
  while ((rc = chain_rlp_iter_next(&iter, &sub, NULL)) == 1)
    if (reencode(b, &sub) != 0)
      return -1;
  if (rc != 0)
    __builtin_trap(); /* the tree was checked: walking it cannot fail */
  return chain_rlp_list_end(b, mark);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct chain_rlp_item item;
  struct ob_err err;
  if (chain_rlp_decode(&item, data, size, &err) != 0)
    return 0;
  struct ob_buf b;
  ob_buf_init(&b, 4 << 20);
  if (reencode(&b, &item) != 0 || b.len != size || memcmp(b.buf, data, size) != 0)
    __builtin_trap(); /* strict decoding means exactly one encoding per value */
  ob_buf_release(&b);
  return 0;
}
