/* libFuzzer harness: the CID parser (text and binary) and the multibase decoders under it. */
#include <stdint.h>
#include <string.h>

#include "ob/core/err.h"
#include "ob/storage/cid.h"
#include "ob/storage/multibase.h"

/* What we accept we must format, and the text must parse back to the same bytes. */
static void roundtrip(const struct ipfs_cid *c, const uint8_t *data, size_t size) {
  struct ipfs_cid again;
  char text[IPFS_CID_TEXT_MAX];
  struct ob_err err;
  if (ipfs_cid_format(text, sizeof text, c) != 0) __builtin_trap();
  if (ipfs_cid_parse(&again, text, &err) != 0 || !ipfs_cid_equal(c, &again)) __builtin_trap();
  /* The canonical forms (Qm…, lower-case b…) come back exactly as given. */
  if (data && size && (data[0] == 'Q' || data[0] == 'b') &&
      (strlen(text) != size || memcmp(text, data, size) != 0))
    __builtin_trap();
  if (ipfs_cid_format_base58(text, sizeof text, c) != 0) __builtin_trap();
  if (ipfs_cid_parse(&again, text, &err) != 0 || !ipfs_cid_equal(c, &again)) __builtin_trap();
  if (ipfs_cid_from_bytes(&again, c->bytes, c->len, &err) != 0 || !ipfs_cid_equal(c, &again))
    __builtin_trap();
  if (c->digest_off + c->digest_len != c->len || c->version > 1) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ipfs_cid c;
  struct ob_err err;
  uint8_t out[512];
  size_t n;
  if (ipfs_cid_parse_n(&c, (const char *)data, size, &err) == 0) {
    roundtrip(&c, data, size);
  } else if (!strstr(err.msg, "is not a CID: ")) {
    __builtin_trap(); /* every refusal says what and why */
  }
  if (ipfs_cid_from_bytes(&c, data, size, &err) == 0) roundtrip(&c, NULL, 0);
  (void)ipfs_base32_decode(out, sizeof out, &n, (const char *)data, size, &err);
  (void)ipfs_base58btc_decode(out, sizeof out, &n, (const char *)data, size, &err);
  return 0;
}
