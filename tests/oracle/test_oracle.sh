# oracle: property tests against independent Node implementations written from docs/PROTOCOL.md.
# shellcheck shell=bash

# 10,000 random sets (seeded; OB_TEST_SEED replays): every converted value, outlier flag,
# left-out decision and value equal to tests/oracle/aggregate_ref.mjs (BigInt, exact fractions).
test_aggregate_matches_node_reference() {
  run node "$OB_SOURCE_DIR/tests/oracle/aggregate_ref.mjs" --tool "$OB_BINARY_DIR/tests/agg_tool" --sets 10000
  expect_status 0
  expect_out '10000 of 10000 sets agree'
}
