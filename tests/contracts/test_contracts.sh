# The contracts: what the binary embeds equals a fresh solcjs compile, and their forge tests.
DUMP=${OB_BINARY_DIR:-.}/tests/contract_dump
SOLCJS=$OB_SOURCE_DIR/node_modules/.bin/solcjs

test_embedded_equals_fresh_compile() {
  "$SOLCJS" --bin --abi --optimize --optimize-runs 200 --base-path "$OB_SOURCE_DIR/contracts" \
    -o "$TMP/solc" "$OB_SOURCE_DIR/contracts/ObridgeRegistry.sol" >"$TMP/solc.log" 2>&1 ||
    { fail "solcjs failed: $(cat "$TMP/solc.log")"; return; }
  run "$DUMP" bytecode
  expect_status 0
  expect_eq "$out" "$(cat "$TMP/solc/ObridgeRegistry_sol_ObridgeRegistry.bin")" "embedded bytecode"
  [[ ${#out} -gt 1000 ]] || fail "embedded bytecode is only ${#out} characters"
  run "$DUMP" abi
  expect_status 0
  expect_eq "$out" "$(cat "$TMP/solc/ObridgeRegistry_sol_ObridgeRegistry.abi")" "embedded ABI"
  node -e 'const a = JSON.parse(process.argv[1]);
    for (const n of ["commit", "verify", "latest", "rootOf", "registerModel", "model", "setSigners", "signers",
                     "setMaxAge", "maxAge", "owner", "pendingOwner", "transferOwnership", "acceptOwnership",
                     "Committed", "StaleRound", "HighS"])
      if (!a.some(e => e.name === n)) { console.error("ABI lacks " + n); process.exit(1); }' "$out" ||
    fail "embedded ABI is incomplete"
}

test_embedded_adapter_equals_fresh_compile() {
  "$SOLCJS" --bin --abi --optimize --optimize-runs 200 --base-path "$OB_SOURCE_DIR/contracts" \
    -o "$TMP/solc" "$OB_SOURCE_DIR/contracts/ObridgeFeedAdapter.sol" >"$TMP/solc.log" 2>&1 ||
    { fail "solcjs failed: $(cat "$TMP/solc.log")"; return; }
  run "$DUMP" adapter-bytecode
  expect_status 0
  expect_eq "$out" "$(cat "$TMP/solc/ObridgeFeedAdapter_sol_ObridgeFeedAdapter.bin")" "embedded adapter bytecode"
  [[ ${#out} -gt 1000 ]] || fail "embedded adapter bytecode is only ${#out} characters"
  run "$DUMP" adapter-abi
  expect_status 0
  expect_eq "$out" "$(cat "$TMP/solc/ObridgeFeedAdapter_sol_ObridgeFeedAdapter.abi")" "embedded adapter ABI"
  node -e 'const a = JSON.parse(process.argv[1]);
    for (const n of ["update", "latestRoundData", "getRoundData", "decimals", "description", "version",
                     "latestRound", "feedId", "registry", "StaleUpdate", "InvalidProof", "NoDataPresent", "AnswerUpdated"])
      if (!a.some(e => e.name === n)) { console.error("adapter ABI lacks " + n); process.exit(1); }' "$out" ||
    fail "embedded adapter ABI is incomplete"
}

# The vendored Chainlink interface is the npm package's file (sha256 in its README).
test_vendored_chainlink_interface_unchanged() {
  local f=$OB_SOURCE_DIR/contracts/vendor/chainlink-contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol
  expect_eq "$(sha256sum <"$f" | cut -d' ' -f1)" 87fd1685e015c2001673b442c212f07847a64afa2f3b22bbbcb7f211ed293e88 \
    "AggregatorV3Interface.sol sha256"
}

test_forge() {
  run bash "$OB_SOURCE_DIR/contracts/run-forge.sh" "$OB_BINARY_DIR/contracts/forge" -vv
  expect_status 0
  expect_out 'Suite result: ok'
  expect_out 'ObridgeFeedAdapter.t.sol:ObridgeFeedAdapterTest'
  expect_no_out 'FAIL'
  [[ $status == 0 ]] || printf '%s\n' "$out" | grep -E 'FAIL|Error|revert' >&2 || true
}
