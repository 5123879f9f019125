/* libFuzzer harness: the ABI signature parser and the checked ABI decoder.
 * Input: "SIGNATURE\nDATA" (the signature text, a newline, then raw bytes to decode with its
 * inputs); without a newline in the first 256 bytes, a fixed signature with every kind of type is
 * used. Whatever decodes must re-encode, decode again, and print the same. */
#include <stdint.h>
#include <string.h>

#include "ob/chain/abi.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"

static const char default_sig[] =
    "f(uint8,int256,address,bool,bytes4,bytes,string,uint16[2],(bool,string[])[],int64[][1])";

static void print_both(struct ob_buf *b, const struct chain_abi_value *v) {
  struct ob_jw w;
  chain_abi_format(b, v);
  ob_jw_init(&w, b, false);
  chain_abi_json(&w, v);
  ob_jw_finish(&w);
}

static void roundtrip(const struct chain_abi_sig *sig, const struct chain_abi_value *v) {
  struct ob_buf enc, p1, p2;
  struct chain_abi_value again;
  ob_buf_init(&enc, 64 << 20);
  ob_buf_init(&p1, 64 << 20);
  ob_buf_init(&p2, 64 << 20);
  if (chain_abi_encode(&enc, v) != 0)
    goto out;
  if (chain_abi_decode(&again, sig->inputs, (const uint8_t *)enc.buf, enc.len, NULL) != 0)
    __builtin_trap(); /* our own encoding must decode */
  print_both(&p1, v);
  print_both(&p2, &again);
  if (p1.len != p2.len || memcmp(p1.buf, p2.buf, p1.len) != 0)
    __builtin_trap();
  chain_abi_value_free(&again);
out:
  ob_buf_release(&enc);
  ob_buf_release(&p1);
  ob_buf_release(&p2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
  char *text = nl ? ob_strndup((const char *)data, (size_t)(nl - data)) : ob_strdup(default_sig);
  const uint8_t *body = nl ? nl + 1 : data;
  size_t blen = nl ? size - (size_t)(nl + 1 - data) : size;
  struct chain_abi_sig *sig = NULL;
  struct chain_abi_value v;
  struct ob_err err;
  if (text && chain_abi_sig_parse(&sig, text, &err) == 0) {
    if (chain_abi_decode(&v, sig->inputs, body, blen, &err) == 0) {
      roundtrip(sig, &v);
      chain_abi_value_free(&v);
    }
    struct ob_buf out;
    ob_buf_init(&out, 1 << 20);
    chain_abi_decode_revert(&out, body, blen, &sig, 1, NULL);
    ob_buf_release(&out);
    chain_abi_sig_free(sig);
  }
  ob_free(text);
  return 0;
}
