/* Test bytes "gen N" (docs/PEERS.md): SHA-256("ipfspeer" ‖ uint64 big-endian k) for k = 0, 1, …,
 * concatenated and cut to N bytes; and "sparse N" (below). Both stream: fill any buffer at any
 * offset. */
#ifndef OB_TEST_CID_GEN_H
#define OB_TEST_CID_GEN_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ob/core/sha256.h"

/* Write the n bytes of the stream that start at offset off. */
static inline void cid_gen_fill(uint8_t *out, uint64_t off, size_t n) {
  uint8_t msg[16] = {'i', 'p', 'f', 's', 'p', 'e', 'e', 'r'}, h[32];
  while (n) {
    uint64_t k = off / 32;
    size_t skip = (size_t)(off % 32), take = 32 - skip < n ? 32 - skip : n;
    for (int i = 0; i < 8; i++) msg[8 + i] = (uint8_t)(k >> (56 - 8 * i));
    ob_sha256(h, msg, sizeof msg);
    for (size_t i = 0; i < take; i++) out[i] = h[skip + i];
    out += take;
    off += take;
    n -= take;
  }
}

/* "sparse N": zero bytes except that every 64 KiB boundary carries its offset as a uint64
 * big-endian, so every chunk differs and gigabytes cost nothing to generate. */
static inline void cid_sparse_fill(uint8_t *out, uint64_t off, size_t n) {
  uint64_t first = ((off > 7 ? off - 7 : 0) + 65535) / 65536 * 65536;
  for (size_t i = 0; i < n; i++) out[i] = 0;
  for (uint64_t m = first; m < off + n; m += 65536) {
    for (int i = 0; i < 8; i++) {
      uint64_t pos = m + (uint64_t)i;
      if (pos >= off && pos < off + n) out[pos - off] = (uint8_t)(m >> (56 - 8 * i));
    }
  }
}
#endif
