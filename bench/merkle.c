/* bench_merkle: a 10,000-leaf round tree in C: leaf hashes of [feedId, value, decimals, observedAt]
 * (feedId = keccak256 of the name), the StandardMerkleTree, and the proof of every leaf, repeated;
 * prints wall and CPU milliseconds per tree and the root (bench/merkle.sh compares it with
 * @openzeppelin/merkle-tree on the same leaves, bench/baseline/merkle.mjs).
 *
 *   bench_merkle [LEAVES] [REPEATS]      (default 10000 10) -> "root ms_per_tree cpu_ms_per_tree" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ob/chain/merkle.h"
#include "ob/core/alloc.h"
#include "ob/core/hex.h"
#include "ob/core/util.h"

/* Leaf i: name "feed-i", value (i * 1000003 + 7) × (-1 if i % 3 == 0), 8 decimals, 1764000000 + i. */
static void leaf_i(struct chain_merkle_leaf *l, size_t i) {
  char name[32];
  snprintf(name, sizeof name, "feed-%zu", i);
  chain_feed_id(l->feed_id, name, strlen(name));
  chain_u256_from_u64(&l->value, (uint64_t)i * 1000003 + 7);
  if (i % 3 == 0)
    chain_u256_neg(&l->value);
  l->decimals = 8;
  l->observed_at = 1764000000 + i;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000, reps = argc > 2 ? strtoull(argv[2], NULL, 10) : 10;
  uint8_t (*h)[32] = ob_malloc(n * 32), proof[CHAIN_MERKLE_MAX_PROOF][32], root[32];
  size_t sink = 0;
  if (!h || n == 0 || reps == 0)
    return 2;
  uint64_t t0 = ob_mono_ns();
  clock_t c0 = clock();
  for (size_t r = 0; r < reps; r++) {
    struct chain_merkle t;
    for (size_t i = 0; i < n; i++) {
      struct chain_merkle_leaf l;
      leaf_i(&l, i);
      chain_merkle_leaf_hash(h[i], &l);
    }
    if (chain_merkle_build(&t, (const uint8_t(*)[32])h, n, NULL) != 0)
      return 1;
    for (size_t i = 0; i < n; i++)
      sink += chain_merkle_proof(&t, i, proof);
    memcpy(root, chain_merkle_root(&t), 32);
    chain_merkle_release(&t);
  }
  double ms = (double)(ob_mono_ns() - t0) / 1e6 / (double)reps;
  double cpu = (double)(clock() - c0) * 1000.0 / CLOCKS_PER_SEC / (double)reps;
  char hex[67];
  ob_hex_encode0x(hex, root, 32);
  printf("%s %.2f %.2f\n", hex, ms, cpu);
  ob_free(h);
  return sink ? 0 : 1;
}
