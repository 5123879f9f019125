# chain: the full differential run against @openzeppelin/merkle-tree (label slow: OpenZeppelin
# needs about 0.4 ms of CPU per leaf, so this is tens of minutes of CPU). OB_TEST_SEED replays.
# shellcheck shell=bash

# 1,000 random trees of 1 to 5,000 leaves: every root and every proof equal.
test_differential_openzeppelin_1000_trees() {
  run node "$OB_SOURCE_DIR/tests/chain/merkle_ref.mjs" --tool "$OB_BINARY_DIR/tests/merkle_tool" --trees 1000 --max-leaves 5000
  expect_status 0
  expect_out 'all equal: 1000 roots'
}

# One tree of 100,000 leaves (the most a round is promised to hold).
test_differential_openzeppelin_100000_leaves() {
  run node "$OB_SOURCE_DIR/tests/chain/merkle_ref.mjs" --tool "$OB_BINARY_DIR/tests/merkle_tool" --trees 1 --exact 100000
  expect_status 0
  expect_out 'all equal: 1 roots, 100000 proofs'
}
