/* OpenZeppelin StandardMerkleTree over [feedId, value, decimals, observedAt] (see merkle.h). */
#include "ob/chain/merkle.h"

#include <stdlib.h>
#include <string.h>

#include "ob/chain/keccak.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"

void chain_feed_id(uint8_t out32[32], const char *name, size_t len) {
  chain_keccak256(out32, name, len);
}

void chain_merkle_leaf_encode(uint8_t out128[128], const struct chain_merkle_leaf *leaf) {
  struct chain_u256 w;
  memcpy(out128, leaf->feed_id, 32);
  chain_u256_to_be(out128 + 32, &leaf->value);
  chain_u256_from_u64(&w, leaf->decimals);
  chain_u256_to_be(out128 + 64, &w);
  chain_u256_from_u64(&w, leaf->observed_at);
  chain_u256_to_be(out128 + 96, &w);
}

void chain_merkle_leaf_hash(uint8_t out32[32], const struct chain_merkle_leaf *leaf) {
  uint8_t enc[128], inner[32];
  chain_merkle_leaf_encode(enc, leaf);
  chain_keccak256(inner, enc, sizeof(enc));
  chain_keccak256(out32, inner, sizeof(inner));
}

void chain_merkle_node_hash(uint8_t out32[32], const uint8_t a32[32], const uint8_t b32[32]) {
  uint8_t pair[64];
  bool swap = memcmp(a32, b32, 32) > 0;
  memcpy(pair, swap ? b32 : a32, 32);
  memcpy(pair + 32, swap ? a32 : b32, 32);
  chain_keccak256(out32, pair, sizeof(pair));
}

struct sorted_leaf {
  uint8_t hash[32];
  size_t index; /* input position: the tie-break that makes the sort stable, as JS's sort is */
};

static int leaf_cmp(const void *a, const void *b) {
  const struct sorted_leaf *x = a, *y = b;
  int c = memcmp(x->hash, y->hash, 32);
  if (c)
    return c;
  return x->index < y->index ? -1 : x->index > y->index;
}

int chain_merkle_build(struct chain_merkle *t, const uint8_t (*leaves)[32], size_t n, struct ob_err *err) {
  memset(t, 0, sizeof(*t));
  if (n == 0 || n > CHAIN_MERKLE_MAX_LEAVES || !leaves)
    return ob_err_set(err, OB_EINVAL, "merkle tree: %zu leaves (1 to %zu)", n, CHAIN_MERKLE_MAX_LEAVES);
  size_t nn = 2 * n - 1;
  struct sorted_leaf *s = ob_malloc(n * sizeof(*s));
  t->nodes = ob_malloc(nn * sizeof(*t->nodes));
  t->tree_index = ob_malloc(n * sizeof(*t->tree_index));
  if (!s || !t->nodes || !t->tree_index) {
    ob_free(s);
    chain_merkle_release(t);
    return ob_err_set(err, OB_ENOMEM, "merkle tree: out of memory for %zu leaves", n);
  }
  for (size_t i = 0; i < n; i++) {
    memcpy(s[i].hash, leaves[i], 32);
    s[i].index = i;
  }
  qsort(s, n, sizeof(*s), leaf_cmp);
  for (size_t k = 0; k < n; k++) {
    memcpy(t->nodes[nn - 1 - k], s[k].hash, 32);
    t->tree_index[s[k].index] = nn - 1 - k;
  }
  ob_free(s);
  for (size_t i = nn - n; i-- > 0;)
    chain_merkle_node_hash(t->nodes[i], t->nodes[2 * i + 1], t->nodes[2 * i + 2]);
  t->nleaves = n;
  t->nnodes = nn;
  return 0;
}

void chain_merkle_release(struct chain_merkle *t) {
  ob_free(t->nodes);
  ob_free(t->tree_index);
  memset(t, 0, sizeof(*t));
}

const uint8_t *chain_merkle_root(const struct chain_merkle *t) {
  return t->nodes[0];
}

size_t chain_merkle_proof(const struct chain_merkle *t, size_t i, uint8_t out[][32]) {
  size_t len = 0;
  for (size_t j = t->tree_index[i]; j > 0; j = (j - 1) / 2)
    memcpy(out[len++], t->nodes[j % 2 ? j + 1 : j - 1], 32); /* odd j is a left child */
  return len;
}

void chain_merkle_process_proof(uint8_t out32[32], const uint8_t leaf32[32], const uint8_t (*proof)[32],
                                size_t len) {
  uint8_t h[32];
  memcpy(h, leaf32, 32);
  for (size_t i = 0; i < len; i++)
    chain_merkle_node_hash(h, h, proof[i]);
  memcpy(out32, h, 32);
}

bool chain_merkle_verify(const uint8_t root32[32], const uint8_t leaf32[32], const uint8_t (*proof)[32],
                         size_t len) {
  uint8_t got[32];
  chain_merkle_process_proof(got, leaf32, proof, len);
  return memcmp(got, root32, 32) == 0;
}
