# obridge tx send|run|ls|show against a private anvil and PostgreSQL: what the manager trusts
# (confirmed is rechecked), idempotency keys, amounts and units, final rejections, timeouts, output.

TO=0x0000000000000000000000000000000000000042

# A fresh database and a private anvil (OB_ANVIL_STATE may name a state file).
setup_tx() {
  private_chain 2 3 || return 1
}

chain_nonce() { "$OBRIDGE" chain call eth_getTransactionCount "[\"$ADDR2\",\"latest\"]" | tr -d '"'; }
anvil_ctl() { OB_ANVIL_STATE=${OB_ANVIL_STATE:-} bash "$OB_SOURCE_DIR/scripts/peers.sh" "$1" "$TMP/peers" chain >/dev/null 2>&1; }

send() { "$OBRIDGE" tx send --to "$TO" --key-file "$TMP/key2" "$@"; }

# Every transaction mined once: n mined rows with nonces 0..n-1, nothing pending, the chain's nonce n.
expect_exactly_once() {
  local n=$1
  expect_eq "$(psql_n "SELECT count(*) || '/' || count(DISTINCT nonce) || '/' || coalesce(max(nonce), -1) FROM chain_txs WHERE state IN ('confirmed','finalized')")" \
    "$n/$n/$((n - 1))" "mined rows / distinct nonces / max nonce"
  expect_eq "$(psql_n "SELECT count(*) FROM chain_txs WHERE state IN ('queued','signed','broadcast')")" 0 "pending rows"
  expect_eq "$(chain_nonce)" "$(printf '0x%x' "$n")" "chain nonce"
}

test_reorg_after_confirmation_then_tx_run_alone() {
  setup_tx || return
  run send --value 9 --wait --timeout 60
  expect_status 0
  expect_eq "$(chain_nonce)" 0x1 "mined"
  # The block holding it goes away; nothing but `tx run` is started afterwards.
  run "$OBRIDGE" chain call anvil_rollback '[1]'
  expect_status 0
  expect_eq "$(chain_nonce)" 0x0 "rolled back"
  run "$OBRIDGE" tx run --key-file "$TMP/key2" --timeout 60
  expect_status 0
  expect_exactly_once 1
}

test_anvil_restored_older_state_then_tx_run_alone() {
  export OB_ANVIL_STATE="$TMP/state.json"
  setup_tx || return
  local i
  for i in 1 2 3; do send --value 1 --wait --timeout 60 >/dev/null || fail "send $i"; done
  anvil_ctl stop # dumps the state of 3 transactions
  cp "$OB_ANVIL_STATE" "$TMP/older.json"
  anvil_ctl start
  for i in 4 5 6 7 8; do send --value 1 --wait --timeout 60 >/dev/null || fail "send $i"; done
  expect_eq "$(psql_n "SELECT count(*) FROM chain_txs WHERE state = 'confirmed'")" 8 "confirmed before the restart"
  # A hard restart from the older state: the last 5 confirmed transactions are gone from the chain.
  anvil_ctl stop
  cp "$TMP/older.json" "$OB_ANVIL_STATE"
  anvil_ctl start
  expect_eq "$(chain_nonce)" 0x3 "chain restored to the older state"
  run "$OBRIDGE" tx run --key-file "$TMP/key2" --timeout 60
  expect_status 0
  expect_err 'dropped by a reorg'
  expect_exactly_once 8
  unset OB_ANVIL_STATE
}

# Another wallet used the nonce of a transaction obridge had broadcast (it left the pool, and the
# same key sent something else at that nonce): `tx run` marks it failed with that reason (not
# confirmed, not sent again) once the chain has shown it for the grace period, and the next
# transaction takes the next nonce.
test_nonce_consumed_elsewhere_fails_the_tx() {
  setup_tx || return
  local hash t0 t1
  run "$OBRIDGE" chain call evm_setAutomine '[false]'
  expect_status 0
  run send --value 1 --timeout 30
  expect_status 0
  hash=$(head -1 <<<"$out")
  [[ $hash =~ ^0x[0-9a-f]{64}$ ]] || { fail "no hash from tx send: $out"; return; }
  run "$OBRIDGE" chain call anvil_dropTransaction "[\"$hash\"]"
  expect_status 0
  run "$OBRIDGE" chain call evm_setAutomine '[true]'
  expect_status 0
  cast send --rpc-url "$OBRIDGE_RPC_HTTP_URL" --private-key "$(cat "$TMP/key2")" --nonce 0 "$TO" --value 5 >/dev/null ||
    { fail "cast send at nonce 0"; return; }
  expect_eq "$(chain_nonce)" 0x1 "the other transaction mined at nonce 0"
  t0=$(date +%s%3N)
  run "$OBRIDGE" tx run --key-file "$TMP/key2" --timeout 60
  t1=$(date +%s%3N)
  expect_err 'nonce 0 consumed elsewhere'
  expect_eq "$(psql_n "SELECT state || ' ' || nonce || ' ' || error FROM chain_txs")" \
    "failed 0 nonce consumed by a transaction obridge did not send" "the transaction's row"
  echo "tx run: exit $status after $((t1 - t0)) ms" >&2
  ((t1 - t0 >= 2000)) || fail "declared after $((t1 - t0)) ms: before the 2 s grace"
  run send --value 1 --wait --timeout 60
  expect_status 0
  expect_eq "$(psql_n "SELECT nonce FROM chain_txs WHERE state IN ('confirmed', 'finalized')")" 1 "the next transaction's nonce"
  expect_eq "$(chain_nonce)" 0x2 "chain nonce"
}

test_idempotency_key_per_sender_and_compared() {
  setup_tx || return
  local first other
  run send --value 1 --idempotency-key k1 --wait --timeout 60
  expect_status 0
  first=$(head -1 <<<"$out")
  run send --value 1 --key k1 --timeout 60 # the alias; the same request: the same transaction
  expect_status 0
  expect_eq "$(head -1 <<<"$out")" "$first" "same key, same request"
  run send --value 2 --idempotency-key k1 --timeout 60
  expect_status 2
  expect_err "idempotency key 'k1' was used by tx [0-9]+ for a different request: value 1 \(now 2\)"
  run send --value 1 --idempotency-key k1 --data 0x1234 --gas-limit 30000 --timeout 60
  expect_status 2
  expect_err "data of 0 bytes \(now 2 other bytes\), gas limit 100000 \(now 30000\)"
  # Another sender's k1 is another transaction.
  run "$OBRIDGE" tx send --to "$TO" --value 1 --idempotency-key k1 --key-file "$TMP/key3" --wait --timeout 60
  expect_status 0
  other=$(head -1 <<<"$out")
  [[ $other =~ ^0x[0-9a-f]{64}$ && $other != "$first" ]] || fail "another sender's key gave '$other' (first '$first')"
  expect_eq "$(psql_n "SELECT count(*) FROM chain_txs WHERE idem_key = 'k1'")" 2 "one row per sender"
}

test_value_is_uint256_with_units() {
  setup_tx || return
  run send --value 20000000000000000000 --wait --timeout 60
  expect_status 0
  expect_out '^0x[0-9a-f]{64}$'; expect_out '^block [0-9]+$'; expect_out '^status success$'; expect_out '^gas used 21000$'
  run "$OBRIDGE" chain call eth_getBalance "[\"$TO\",\"latest\"]"
  expect_out '^"0x1158e460913d00000"$' # 20 ether
  run send --value 1.5ether --wait --timeout 60
  expect_status 0
  run send --value 0x10 --max-fee 100 --priority-fee 1.5gwei --wait --timeout 60
  expect_status 0
  run "$OBRIDGE" tx ls --status confirmed --json
  expect_status 0
  expect_out '"value_wei":"20000000000000000000","value_eth":"20"'
  expect_out '"value_wei":"1500000000000000000","value_eth":"1.5"'
  expect_out '"value_wei":"16","value_eth":"0.000000000000000016"'
  expect_out "\"from_addr\":\"$ADDR2\""
  expect_out '"created_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"'
  run "$OBRIDGE" tx ls
  expect_status 0
  expect_out '^ID +NONCE +STATE +FROM +TO +VALUE \(ETH\) +CREATED +HASH'
  expect_out "^1 +0 +confirmed +$ADDR2 +$TO +20 +[0-9-]+T[0-9:]+Z +0x[0-9a-f]{64}$"
  run send --value 1.5wei
  expect_status 2; expect_err "--value: '1.5wei' is a fraction of a wei"
  run send --value 2furlongs
  expect_status 2; expect_err "--value: unknown unit 'furlongs'"
  run send --value 200000000000000000000000000000000000000000000000000000000000000000000000000000
  expect_status 2; expect_err 'does not fit uint256'
}

# Fees are uint256 wei end to end: a ceiling above 2^64-1 wei (18.4 ether) per gas is taken, the
# manager's fee (twice the base fee plus the tip, past 2^64) is exact, the signed bytes carry the
# exact value, and the transaction is mined. anvil's base fee starts at 18 ether per gas (its limit
# is 64 bits); the sender is funded far above what that costs.
test_fees_above_64_bits_signed_exactly_and_mined() {
  export OB_ANVIL_ARGS="--block-base-fee-per-gas 18000000000000000000"
  setup_tx || return
  unset OB_ANVIL_ARGS
  local raw
  run "$OBRIDGE" chain call anvil_setBalance "[\"$ADDR2\",\"0xffffffffffffffffffffffffffffffffff\"]"
  expect_status 0
  # 30 ether per gas: above 2^64-1 wei, below twice the base fee, so the ceiling is the fee; the
  # tip is the floor (1 gwei: anvil's blocks hold no tips).
  run send --value 1 --max-fee 30ether --gas-limit 21000 --wait --timeout 60
  expect_status 0
  expect_out '^status success$'
  raw=$(psql_n "SELECT encode(raw, 'hex') FROM chain_tx_versions WHERE tx_id = 1 AND version = 0")
  # cast prints its JSON as a JSON string
  expect_eq "$(cast decode-tx "0x$raw" | jq -r . | jq -r '.maxFeePerGas + " " + .maxPriorityFeePerGas')" \
    "0x1a055690d9db80000 0x3b9aca00" "cast's reading of the signed fees (30 ether, 1 gwei)"
  run "$OBRIDGE" tx decode "0x$raw"
  expect_status 0
  expect_out '"maxFeePerGas":"30000000000000000000"'
  expect_eq "$(psql_n "SELECT max_fee_wei::text || ' ' || max_priority_fee_wei::text FROM chain_tx_versions WHERE tx_id = 1")" \
    "30000000000000000000 1000000000" "stored fees"
  run "$OBRIDGE" tx show 1
  expect_status 0
  expect_out '^max fee +30000000000000000000 wei \(30000000000 gwei\)$'
  expect_out '^priority fee +1000000000 wei \(1 gwei\)$'
  run "$OBRIDGE" tx show 1 --json
  expect_out '"max_fee_wei":"30000000000000000000","max_priority_fee_wei":"1000000000","gas_price_wei":null'
  # Under a higher ceiling the fee is the manager's own: 2 * the next base fee + the tip, exactly.
  local base want
  base=$("$OBRIDGE" chain call eth_feeHistory '["0x1","latest",[50]]' | jq -r '.baseFeePerGas[-1]')
  want=$(python3 -c "print(2 * int('$base', 16) + 10**9)")
  python3 -c "assert $want > 2**64" || fail "twice the base fee $base is not past 2^64"
  run send --value 2 --max-fee 100ether --gas-limit 21000 --wait --timeout 60
  expect_status 0
  expect_out '^status success$'
  expect_eq "$(psql_n "SELECT max_fee_wei::text FROM chain_tx_versions WHERE tx_id = 2")" "$want" "2 * base fee + tip"
  run send --value 3 --max-fee 115792089237316195423570985008687907853269984665640564039457584007913129639936wei
  expect_status 2; expect_err 'does not fit uint256'
}

test_tx_show_by_id_hash_and_prefix() {
  setup_tx || return
  local h
  h=$(send --value 3 --wait --timeout 60 | head -1)
  run "$OBRIDGE" tx show "${h:0:8}"
  expect_status 0
  expect_out "^hash +$h$"; expect_out "^from +$ADDR2$"; expect_out '^value +3 wei \(0.000000000000000003 ETH\)$'
  expect_out '^status +success$'
  run "$OBRIDGE" tx show "$h" --json
  expect_status 0; expect_out '"id":1,"nonce":0,"state":"confirmed"'
  run "$OBRIDGE" tx show 1
  expect_status 0; expect_out "^hash +$h$"
  run "$OBRIDGE" tx show 0x
  expect_status 2; expect_err 'hash prefix'
  run "$OBRIDGE" tx show 0xzzzz
  expect_status 2
  run "$OBRIDGE" tx show 0x00000000
  expect_status 2; expect_err "no transaction '0x00000000'"
}

test_permanent_rejection_is_final() {
  setup_tx || return
  local t0
  # A key that holds nothing.
  echo 00000000000000000000000000000000000000000000000000000000000000a1 >"$TMP/poor"
  t0=$(date +%s)
  run "$OBRIDGE" tx send --to "$TO" --value 1 --key-file "$TMP/poor" --wait --timeout 60
  expect_status 1
  expect_err '^obridge: error: tx 1: insufficient funds: 0x[0-9a-fA-F]{40} has 0 wei$'
  (($(date +%s) - t0 < 20)) || fail "a rejection took $(($(date +%s) - t0)) s"
  expect_eq "$(grep -c 'insufficient funds' <<<"$err")" 1 "lines about it"
  expect_eq "$(psql_n "SELECT state FROM chain_txs WHERE id = 1")" failed "state"
  run "$OBRIDGE" tx run --key-file "$TMP/poor" --timeout 10
  expect_status 0
  run send --value 1 --gas-limit 20000 --wait --timeout 60
  expect_status 1
  expect_err 'tx 2: intrinsic gas too low: gas limit 20000'
}

test_timeout_bounds_the_whole_command() {
  setup_tx || return
  local port t0
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  t0=$(date +%s%3N)
  OBRIDGE_RPC_URL="ws://127.0.0.1:$port" run "$OBRIDGE" tx run --key-file "$TMP/key2" --timeout 3
  expect_status 3
  (($(date +%s%3N) - t0 < 10000)) || fail "tx run --timeout 3 took $(($(date +%s%3N) - t0)) ms"
  t0=$(date +%s%3N)
  OBRIDGE_RPC_URL="ws://127.0.0.1:$port" run send --value 1 --wait --timeout 2
  expect_status 3
  (($(date +%s%3N) - t0 < 9000)) || fail "tx send --timeout 2 took $(($(date +%s%3N) - t0)) ms"
}

test_bad_input_named() {
  run "$OBRIDGE" tx send --to "$TO" --data hello
  expect_status 2; expect_err "--data: 'hello' is not 0x-hex \(missing 0x / not hex\)"
  run "$OBRIDGE" tx sign --chain-id 1 --nonce 0 --gas 21000 --gas-price 1 --to "$TO" --data hello
  expect_status 2; expect_err 'missing 0x / not hex'
  run "$OBRIDGE" tx send --to "$TO" --gas 1 --gas-limit 2
  expect_status 2; expect_err 'not both'
  run "$OBRIDGE" tx ls --status nosuch
  expect_status 2; expect_err "unknown state 'nosuch'"
}
