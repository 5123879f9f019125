/* Keccak-256: the sponge (rate 136, padding 0x01..0x80) over nettle's Keccak-f[1600] permutation,
 * nettle_sha3_permute. The one file that includes nettle's sha3.h. Full blocks are absorbed straight
 * from the caller's buffer (no copy); only a partial block is staged in the context. */
#include "ob/chain/keccak.h"

#include <nettle/sha3.h>
#include <string.h>

#include "keccak_int.h"

_Static_assert(sizeof(struct sha3_state) == 25 * sizeof(uint64_t), "nettle sha3_state layout");

static uint64_t load64_le(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static void store64_le(uint8_t *p, uint64_t v) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  memcpy(p, &v, 8);
}

static void absorb_block(struct chain_keccak *k, const uint8_t *blk) {
  for (size_t i = 0; i < CHAIN_KECCAK_RATE / 8; i++)
    k->a[i] ^= load64_le(blk + 8 * i);
  nettle_sha3_permute((struct sha3_state *)(void *)k->a);
}

void chain_keccak_init(struct chain_keccak *k) {
  memset(k, 0, sizeof(*k));
}

void chain_keccak_update(struct chain_keccak *k, const void *data, size_t len) {
  const uint8_t *p = data;
  if (k->fill > 0) {
    size_t take = CHAIN_KECCAK_RATE - k->fill;
    if (take > len)
      take = len;
    memcpy(k->block + k->fill, p, take);
    k->fill += take;
    p += take;
    len -= take;
    if (k->fill < CHAIN_KECCAK_RATE)
      return;
    absorb_block(k, k->block);
    k->fill = 0;
  }
  for (; len >= CHAIN_KECCAK_RATE; p += CHAIN_KECCAK_RATE, len -= CHAIN_KECCAK_RATE)
    absorb_block(k, p);
  if (len > 0) {
    memcpy(k->block, p, len);
    k->fill = len;
  }
}

void chain_keccak_final(struct chain_keccak *k, uint8_t out32[32]) {
  memset(k->block + k->fill, 0, CHAIN_KECCAK_RATE - k->fill);
  k->block[k->fill] ^= 0x01;
  k->block[CHAIN_KECCAK_RATE - 1] ^= 0x80;
  absorb_block(k, k->block);
  for (int i = 0; i < 4; i++)
    store64_le(out32 + 8 * i, k->a[i]);
  memset(k, 0, sizeof(*k));
}

void chain_keccak256(uint8_t out32[32], const void *data, size_t len) {
  struct chain_keccak k;
  chain_keccak_init(&k);
  chain_keccak_update(&k, data, len);
  chain_keccak_final(&k, out32);
}

void chain__keccak_permute(uint64_t s[25]) {
  nettle_sha3_permute((struct sha3_state *)(void *)s);
}
