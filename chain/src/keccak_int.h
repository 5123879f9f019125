/* Internals of Keccak-256. */
#ifndef OB_CHAIN_KECCAK_INT_H
#define OB_CHAIN_KECCAK_INT_H
#include <stdint.h>

/* nettle's Keccak-f[1600] on 25 lanes (lane x + 5y): for bench/keccak's permutation-only ceiling,
 * which may not include nettle's header itself. Never allocates. */
void chain__keccak_permute(uint64_t s[25]);
#endif
