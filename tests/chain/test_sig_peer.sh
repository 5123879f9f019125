# obridge-signed transactions accepted and mined by anvil (the `chain` fixture). Uses anvil's
# account 9 so it does not race tests that send from account 0.
A9_KEY=2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6
A9_ADDR=0xa0Ee7A142d267C1f36714E4a8F75612F20a79720

test_anvil_mines_obridge_signed_transactions() {
  peers_env || return 1
  local rpc=$OBRIDGE_RPC_HTTP_URL chain nonce to raw hash
  printf pw >"$TMP/pw"
  printf '%s' "$A9_KEY" | "$OBRIDGE" key import --dir "$TMP/keys" --name a9 --password-file "$TMP/pw" --scrypt-n 1024 >/dev/null 2>&1
  export OBRIDGE_KEYSTORE_PASSWORD=pw
  chain=$(cast chain-id --rpc-url "$rpc") || { fail "no chain id"; return 1; }
  nonce=$(cast nonce "$A9_ADDR" --rpc-url "$rpc")
  to=$(cast wallet new --json 2>/dev/null | sed -n 's/.*"address": *"\(0x[0-9a-fA-F]*\)".*/\1/p' | head -1)
  [[ -n $to ]] || to=0x000000000000000000000000000000000000dEaD
  # EIP-1559 transfer.
  run "$OBRIDGE" tx sign --keystore "$TMP/keys/a9" --chain-id "$chain" --nonce "$nonce" --gas-limit 21000 \
    --max-fee 100 --priority-fee 1 --to "$to" --value 12345 --json
  expect_status 0
  raw=$(sed 's/.*"raw":"\([^"]*\)".*/\1/' <<<"$out"); hash=$(sed 's/.*"hash":"\([^"]*\)".*/\1/' <<<"$out")
  run cast publish --rpc-url "$rpc" "$raw"
  expect_status 0; expect_out "$hash"
  run cast receipt --rpc-url "$rpc" "$hash" status
  expect_status 0; expect_out '^(1|true|success)$'
  # Legacy (EIP-155) transfer, next nonce.
  run "$OBRIDGE" tx sign --keystore "$TMP/keys/a9" --chain-id "$chain" --nonce $((nonce + 1)) --gas-limit 21000 \
    --gas-price 100gwei --to "$to" --value 55 --json
  expect_status 0
  raw=$(sed 's/.*"raw":"\([^"]*\)".*/\1/' <<<"$out"); hash=$(sed 's/.*"hash":"\([^"]*\)".*/\1/' <<<"$out")
  run cast publish --rpc-url "$rpc" "$raw"
  expect_status 0; expect_out "$hash"
  run cast receipt --rpc-url "$rpc" "$hash" status
  expect_status 0; expect_out '^(1|true|success)$'
  run cast balance --rpc-url "$rpc" "$to"
  expect_eq "$out" 12400 "recipient balance"
  # Contract creation (init code 0x60016000f3: returns one zero byte of runtime code).
  run "$OBRIDGE" tx sign --keystore "$TMP/keys/a9" --chain-id "$chain" --nonce $((nonce + 2)) --gas-limit 100000 \
    --max-fee 100 --priority-fee 1 --data 0x60016000f3 --json
  expect_status 0; expect_out '"to":null'
  raw=$(sed 's/.*"raw":"\([^"]*\)".*/\1/' <<<"$out"); hash=$(sed 's/.*"hash":"\([^"]*\)".*/\1/' <<<"$out")
  run cast publish --rpc-url "$rpc" "$raw"
  expect_status 0
  run cast receipt --rpc-url "$rpc" "$hash" contractAddress
  expect_status 0; expect_out "$(cast compute-address "$A9_ADDR" --nonce $((nonce + 2)) | sed 's/.*: *//')"
}
