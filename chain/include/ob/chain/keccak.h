/* Keccak-256 as Ethereum uses it (the original Keccak padding 0x01..0x80, not SHA3's 0x06).
 *
 * Built on nettle's Keccak-f[1600] permutation (rate 136 bytes). The streaming context lives on
 * the caller's stack; nothing here allocates. A context is not shared between threads.
 * Pointers may be NULL only when the matching length is 0. */
#ifndef OB_CHAIN_KECCAK_H
#define OB_CHAIN_KECCAK_H
#include <stddef.h>
#include <stdint.h>

#define CHAIN_KECCAK_RATE 136

struct chain_keccak {
  uint64_t a[25];                      /* the sponge state, lanes little-endian */
  uint8_t block[CHAIN_KECCAK_RATE];    /* partial input block */
  size_t fill;                         /* bytes in block */
};

/* Start a hash. Never fails. */
void chain_keccak_init(struct chain_keccak *k);
/* Absorb len bytes of data (borrowed for the call). */
void chain_keccak_update(struct chain_keccak *k, const void *data, size_t len);
/* Pad, squeeze 32 bytes into out32 and wipe the context (init again to reuse it). */
void chain_keccak_final(struct chain_keccak *k, uint8_t out32[32]);

/* One-shot: out32 = keccak256(data[0..len)). */
void chain_keccak256(uint8_t out32[32], const void *data, size_t len);
#endif
