# The registry's commit gas against the protocol's bounds (1 signer <= 80,000 at 1 to 10,000 leaves, each
# extra signature <= 9,000), measured by bench/gas on the shared anvil (it sends from anvil account 8).
test_commit_gas_within_bounds() {
  peers_env || return
  run timeout 400 bash "$OB_SOURCE_DIR/bench/gas/gas.sh" "$OB_BINARY_DIR"
  expect_status 0
  expect_out '^bounds hold'
  expect_out '^\| 1 \| 10,000 \| [0-9,]+ \|'
}
