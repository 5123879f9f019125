/* merkle_tool: obridge's StandardMerkleTree over seeded random leaves, for the differential test
 * against @openzeppelin/merkle-tree (tests/chain/merkle_ref.mjs).
 *
 *   merkle_tool SEED TREES MAX_LEAVES|exact:N [DUMP_TREE]
 *
 * Leaves come from one splitmix64 stream seeded with SEED, drawn exactly as merkle_ref.mjs draws
 * them (see next_tree). One line per tree: "N ROOT DIGEST", DIGEST = keccak256 over every proof in
 * input-leaf order, each as one length byte then its 32-byte siblings. With DUMP_TREE, that tree's
 * proofs are printed too, one "i: sib,sib,…" line per leaf (to show where a difference is). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/chain/keccak.h"
#include "ob/chain/merkle.h"
#include "ob/core/alloc.h"
#include "ob/core/hex.h"

static uint64_t state;
static uint64_t next(void) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* 32 bytes from four draws, the first draw the most significant (big-endian) 8 bytes. */
static void word(uint8_t out[32]) {
  for (int i = 0; i < 4; i++) {
    uint64_t v = next();
    for (int b = 0; b < 8; b++)
      out[i * 8 + b] = (uint8_t)(v >> (56 - 8 * b));
  }
}

static size_t next_tree(struct chain_merkle_leaf *leaves, size_t max_leaves, size_t exact) {
  /* A quarter tiny (1..8); the rest uniform below a random cap of 1..max, so every size up to max
   * occurs while small and middle trees, where layouts change most, are drawn more often. */
  size_t n = exact;
  if (!n && next() % 4 == 0) n = 1 + next() % 8;
  if (!n) {
    size_t cap = 1 + next() % max_leaves;
    n = 1 + next() % cap;
  }
  for (size_t i = 0; i < n; i++) {
    if (next() % 64 == 0 && i > 0) {
      leaves[i] = leaves[next() % i]; /* a duplicate leaf: ties keep input order */
      continue;
    }
    uint8_t v[32];
    word(leaves[i].feed_id);
    word(v);
    chain_u256_from_be(&leaves[i].value, v);
    leaves[i].decimals = (uint8_t)(next() & 0xff);
    leaves[i].observed_at = next();
  }
  return n;
}

int main(int argc, char **argv) {
  if (argc < 4)
    return fprintf(stderr, "usage: merkle_tool SEED TREES MAX_LEAVES|exact:N [DUMP_TREE]\n"), 2;
  state = strtoull(argv[1], NULL, 0);
  size_t trees = strtoull(argv[2], NULL, 0), exact = 0, max;
  if (strncmp(argv[3], "exact:", 6) == 0)
    max = exact = strtoull(argv[3] + 6, NULL, 0);
  else
    max = strtoull(argv[3], NULL, 0);
  long long dump = argc > 4 ? strtoll(argv[4], NULL, 0) : -1;
  if (max < 8)
    max = 8;
  struct chain_merkle_leaf *leaves = ob_calloc(max, sizeof(*leaves));
  uint8_t (*hashes)[32] = ob_calloc(max, 32);
  uint8_t proof[CHAIN_MERKLE_MAX_PROOF][32];
  for (size_t t = 0; t < trees; t++) {
    size_t n = next_tree(leaves, max, exact);
    struct chain_merkle tree;
    struct chain_keccak k;
    char hex[67];
    uint8_t digest[32];
    for (size_t i = 0; i < n; i++)
      chain_merkle_leaf_hash(hashes[i], &leaves[i]);
    if (chain_merkle_build(&tree, (const uint8_t(*)[32])hashes, n, NULL) != 0)
      return fprintf(stderr, "merkle_tool: build failed\n"), 1;
    chain_keccak_init(&k);
    for (size_t i = 0; i < n; i++) {
      size_t len = chain_merkle_proof(&tree, i, proof);
      uint8_t l = (uint8_t)len;
      chain_keccak_update(&k, &l, 1);
      chain_keccak_update(&k, proof, 32 * len);
      if ((long long)t == dump) {
        printf("%zu:", i);
        for (size_t j = 0; j < len; j++) {
          ob_hex_encode0x(hex, proof[j], 32);
          printf("%s%s", j ? "," : " ", hex);
        }
        printf("\n");
      }
    }
    chain_keccak_final(&k, digest);
    ob_hex_encode0x(hex, chain_merkle_root(&tree), 32);
    printf("%zu %s ", n, hex);
    ob_hex_encode0x(hex, digest, 32);
    printf("%s\n", hex);
    chain_merkle_release(&tree);
  }
  ob_free(leaves);
  ob_free(hashes);
  return 0;
}
