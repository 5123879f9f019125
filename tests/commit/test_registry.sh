# obridge registry deploy|show|set-signers|set-max-age|transfer-ownership|accept-ownership against a
# private anvil and PostgreSQL: each command's effect on chain, owner-only refusals named from the
# revert with nothing sent, bad input, and the deploy recorded in the database.

KEY0=ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80   # anvil account 0
ADDR0=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
KEY1=59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d   # anvil account 1
ADDR1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
ADDR2=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
ADDR3=0x90F79bf6EB2c4f870365E785982E1f101E93b906

setup_reg() {
  peers_env || return 1
  OBRIDGE_DATABASE_URL=$(fresh_db) || { fail "cannot create a database"; return 1; }
  export OBRIDGE_DATABASE_URL
  "$OBRIDGE" db migrate >/dev/null || { fail "migrate failed"; return 1; }
  bash "$OB_SOURCE_DIR/scripts/peers.sh" up "$TMP/peers" chain >/dev/null 2>&1 || { fail "anvil did not start"; return 1; }
  # shellcheck disable=SC1091
  source "$TMP/peers/chain/env"
  export OBRIDGE_RPC_URL OBRIDGE_CONFIRMATIONS=1
  echo "$KEY0" >"$TMP/key0"
  echo "$KEY1" >"$TMP/key1"
}
psql_n() { psql -XAtq "$OBRIDGE_DATABASE_URL" -c "$1"; }
nonce_of() { "$OBRIDGE" chain call eth_getTransactionCount "[\"$1\",\"latest\"]" | tr -d '"'; }

deploy3() {
  run "$OBRIDGE" registry deploy --signers "$ADDR1,$ADDR2,$ADDR3" --threshold 2 --key-file "$TMP/key0" --json --timeout 60
  expect_status 0
  OBRIDGE_REGISTRY=$(jq -r .registry <<<"$out")
  export OBRIDGE_REGISTRY
}

test_deploy_show_and_recorded() {
  setup_reg || return
  deploy3
  expect_eq "$(jq -c '[.signers, .threshold]' <<<"$out")" "[[\"$ADDR1\",\"$ADDR2\",\"$ADDR3\"],2]" "deploy --json"
  expect_out '"tx":"0x[0-9a-f]{64}"'
  expect_out '"block":[0-9]+'
  expect_eq "$(psql_n "SELECT address = lower('$OBRIDGE_REGISTRY') AND threshold = 2 AND cardinality(signers) = 3 FROM registries")" t "registries row"
  run "$OBRIDGE" registry show --json
  expect_status 0
  expect_eq "$(jq -c '[.owner, .pendingOwner, .signers, .threshold, .maxAge, .latest.round]' <<<"$out")" \
    "[\"$ADDR0\",null,[\"$ADDR1\",\"$ADDR2\",\"$ADDR3\"],2,3600,0]" "show --json"
  run "$OBRIDGE" registry show
  expect_status 0
  expect_out "owner +$ADDR0"
  expect_out 'threshold +2 of 3'
  expect_out 'max age +3600 s'
  # cast agrees
  expect_eq "$(cast call --rpc-url "$OBRIDGE_RPC_URL" "$OBRIDGE_REGISTRY" 'maxAge()(uint64)')" 3600 "cast maxAge"
}

test_admin_effects_and_owner_only() {
  setup_reg || return
  deploy3
  run "$OBRIDGE" registry set-max-age 7200 --key-file "$TMP/key0" --timeout 60
  expect_status 0
  expect_eq "$("$OBRIDGE" registry show --json | jq .maxAge)" 7200 "max age set"
  run "$OBRIDGE" registry set-signers --signers "$ADDR2,$ADDR3" --threshold 1 --key-file "$TMP/key0" --json --timeout 60
  expect_status 0
  expect_eq "$("$OBRIDGE" registry show --json | jq -c '[.signers, .threshold]')" "[[\"$ADDR2\",\"$ADDR3\"],1]" "signers set"
  # another account: refused before anything is sent, the error named
  local before; before=$(nonce_of "$ADDR1")
  run "$OBRIDGE" registry set-max-age 100 --key-file "$TMP/key1" --timeout 60
  expect_status 1
  expect_err "NotOwner\\($ADDR1\\)"
  run "$OBRIDGE" registry set-signers --signers "$ADDR1" --threshold 1 --key-file "$TMP/key1" --timeout 60
  expect_status 1
  expect_err 'NotOwner'
  run "$OBRIDGE" registry accept-ownership --key-file "$TMP/key1" --timeout 60
  expect_status 1
  expect_err "NotPendingOwner\\($ADDR1\\)"
  expect_eq "$(nonce_of "$ADDR1")" "$before" "nothing sent by the refused calls"
  expect_eq "$(psql_n "SELECT count(*) FROM chain_txs WHERE from_addr = lower('$ADDR1')")" 0 "no rows for refused calls"
  # bounds named from the revert
  run "$OBRIDGE" registry set-max-age 1 --key-file "$TMP/key0" --timeout 60
  expect_status 1
  expect_err 'MaxAgeOutOfRange\(1,'
  run "$OBRIDGE" registry set-signers --signers "$ADDR2,$ADDR2" --threshold 1 --key-file "$TMP/key0" --timeout 60
  expect_status 1
  expect_err 'DuplicateSigner'
  # two-step ownership
  run "$OBRIDGE" registry transfer-ownership "$ADDR1" --key-file "$TMP/key0" --timeout 60
  expect_status 0
  expect_eq "$("$OBRIDGE" registry show --json | jq -r '[.owner, .pendingOwner] | join(",")')" "$ADDR0,$ADDR1" "pending"
  run "$OBRIDGE" registry accept-ownership --key-file "$TMP/key1" --timeout 60
  expect_status 0
  expect_eq "$("$OBRIDGE" registry show --json | jq -r '[.owner, (.pendingOwner // "none")] | join(",")')" "$ADDR1,none" "accepted"
  run "$OBRIDGE" registry set-max-age 3600 --key-file "$TMP/key0" --timeout 60
  expect_status 1
  expect_err "NotOwner\\($ADDR0\\)"
}

test_bad_input_nothing_sent() {
  setup_reg || return
  run "$OBRIDGE" registry deploy --signers "$ADDR1,nope" --threshold 1 --key-file "$TMP/key0"
  expect_status 2
  expect_err "'nope' is not an address"
  run "$OBRIDGE" registry deploy --signers "$ADDR1" --threshold 2 --key-file "$TMP/key0"
  expect_status 2
  expect_err 'threshold 2 is more than the 1 signers'
  run "$OBRIDGE" registry deploy --signers "$ADDR1" --threshold 0 --key-file "$TMP/key0"
  expect_status 2
  expect_err 'threshold'
  # a registry address with no code
  OBRIDGE_REGISTRY=$ADDR3 run "$OBRIDGE" registry show
  expect_status 2
  expect_err 'no contract code at this address'
  OBRIDGE_REGISTRY=$ADDR3 run "$OBRIDGE" registry set-max-age 7200 --key-file "$TMP/key0" --timeout 60
  expect_status 2
  expect_err 'no contract code at this address'
  run env -u OBRIDGE_REGISTRY "$OBRIDGE" registry show
  expect_status 2
  expect_err 'no registry: set chain.registry'
  expect_eq "$(nonce_of "$ADDR0")" 0x0 "nothing sent"
}
