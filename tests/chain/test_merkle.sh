# chain: obridge's Merkle tree against @openzeppelin/merkle-tree 1.0.8 (StandardMerkleTree,
# ["bytes32","int256","uint8","uint64"]), every root and every proof. The full run (1,000 trees
# of 1 to 5,000 leaves) is in test_merkle_slow.sh. OB_TEST_SEED replays.
# shellcheck shell=bash

# 100 random trees of 1 to 300 leaves (a quarter of 1 to 8), duplicate leaves among them.
test_differential_openzeppelin_small_trees() {
  run node "$OB_SOURCE_DIR/tests/chain/merkle_ref.mjs" --tool "$OB_BINARY_DIR/tests/merkle_tool" --trees 100 --max-leaves 300
  expect_status 0
  expect_out 'all equal: 100 roots'
}

# Sizes around powers of two, where the array layout's last level is just full or just begun.
test_differential_openzeppelin_power_of_two_edges() {
  local sizes=2,3,4,5,7,8,9,15,16,17,31,32,33,63,64,65,127,128,129,255,256,257,1023,1024,1025
  run node "$OB_SOURCE_DIR/tests/chain/merkle_ref.mjs" --tool "$OB_BINARY_DIR/tests/merkle_tool" --sizes "$sizes"
  expect_status 0
  expect_out "all equal: 25 roots, 4598 proofs"
}
