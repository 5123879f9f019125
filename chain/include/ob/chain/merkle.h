/* The Merkle tree of a round: OpenZeppelin's StandardMerkleTree for the leaf encoding
 * ["bytes32","int256","uint8","uint64"] = [feedId, value, decimals, observedAt] (docs/PROTOCOL.md
 * "Merkle tree of a round").
 *
 *   leaf = keccak256(bytes.concat(keccak256(abi.encode(feedId, value, decimals, observedAt))))
 *   node = keccak256(min(a, b) ‖ max(a, b))              (pairs hashed in sorted order)
 *
 * Layout exactly as @openzeppelin/merkle-tree 1.0.8 builds it (core.js makeMerkleTree): the leaf
 * hashes sorted ascending (ties keep input order), the tree an array of 2n-1 nodes with the root
 * at 0, the children of i at 2i+1 and 2i+2, and the k-th smallest leaf at index 2n-2-k. A proof is
 * the sibling of each node on the way from the leaf up to the root (getProof), so the root, every
 * proof and their order equal StandardMerkleTree.of(values, types).root / getProof(i), and proofs
 * verify with OpenZeppelin's MerkleProof.verify.
 *
 * Ownership: a built tree owns its arrays (chain_merkle_release frees them). Hashes are caller
 * arrays named by size. err may be NULL. Nothing keeps global state. */
#ifndef OB_CHAIN_MERKLE_H
#define OB_CHAIN_MERKLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/u256.h"
struct ob_err;

#define CHAIN_MERKLE_MAX_LEAVES ((size_t)1 << 24)
#define CHAIN_MERKLE_MAX_PROOF 32 /* siblings in a proof: at most ceil(log2(2n-1)) <= 25 here */
#define CHAIN_MERKLE_LEAF_TYPES "(bytes32,int256,uint8,uint64)"

/* feedId = keccak256(utf8(name)) (name[0..len), borrowed). Never fails. */
void chain_feed_id(uint8_t out32[32], const char *name, size_t len);

struct chain_merkle_leaf {
  uint8_t feed_id[32];
  struct chain_u256 value; /* int256, two's complement */
  uint8_t decimals;
  uint64_t observed_at;
};

/* abi.encode(feedId, value, decimals, observedAt): four static 32-byte words (the encoding
 * chain_abi_encode gives for CHAIN_MERKLE_LEAF_TYPES). Never fails. */
void chain_merkle_leaf_encode(uint8_t out128[128], const struct chain_merkle_leaf *leaf);
/* keccak256(keccak256(abi.encode(...))): the leaf's node hash. Never fails. */
void chain_merkle_leaf_hash(uint8_t out32[32], const struct chain_merkle_leaf *leaf);
/* keccak256 of the pair in ascending byte order. out32 may alias a or b. */
void chain_merkle_node_hash(uint8_t out32[32], const uint8_t a32[32], const uint8_t b32[32]);

struct chain_merkle {
  size_t nleaves;
  size_t nnodes;         /* 2 nleaves - 1 */
  uint8_t (*nodes)[32];  /* the tree array, root at 0 (owned) */
  size_t *tree_index;    /* input leaf i -> its index in nodes (owned) */
};

/* Build the tree over leaf hashes leaves[0..n) (input order; borrowed for the call), 1 <= n <=
 * CHAIN_MERKLE_MAX_LEAVES. Allocates 32(2n-1) + 48n bytes (one block kept, scratch freed).
 * Returns: 0; OB_EINVAL "merkle tree: N leaves (1 to …)"; OB_ENOMEM. Out: *t on success. */
int chain_merkle_build(struct chain_merkle *t, const uint8_t (*leaves)[32], size_t n, struct ob_err *err);
/* Free what a tree owns and zero it (a zeroed tree is a no-op). */
void chain_merkle_release(struct chain_merkle *t);
/* The root (borrowed from t). */
const uint8_t *chain_merkle_root(const struct chain_merkle *t);
/* The proof of input leaf i (< nleaves): siblings from the leaf up, written to out[0..len).
 * Returns len (0 for a one-leaf tree); out needs CHAIN_MERKLE_MAX_PROOF entries. Never fails. */
size_t chain_merkle_proof(const struct chain_merkle *t, size_t i, uint8_t out[][32]);
/* Fold a proof onto a leaf (OpenZeppelin processProof): out32 = the root it implies. */
void chain_merkle_process_proof(uint8_t out32[32], const uint8_t leaf32[32], const uint8_t (*proof)[32],
                                size_t len);
/* Does proof take leaf to root? (MerkleProof.verify) */
bool chain_merkle_verify(const uint8_t root32[32], const uint8_t leaf32[32], const uint8_t (*proof)[32],
                         size_t len);
#endif
