/* Internals of Keccak-256. */
#ifndef OB_CHAIN_KECCAK_INT_H
#define OB_CHAIN_KECCAK_INT_H
#include <stdint.h>

/* Keccak-f[1600] on 25 lanes (lane x + 5y, little-endian words). Never allocates. */
void chain__keccak_f1600(uint64_t s[25]);
/* nettle's permutation on the same lanes: the reference the tests check ours against. */
void chain__keccak_f1600_nettle(uint64_t s[25]);
#endif
