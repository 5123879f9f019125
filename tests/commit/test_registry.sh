# obridge registry deploy|show|set-signers|set-max-age|transfer-ownership|accept-ownership against a
# private anvil and PostgreSQL: each command's effect on chain, owner-only refusals named from the
# revert with nothing sent, bad input, and the deploy recorded in the database.

setup_reg() {
  private_chain 0 1 || return 1
}
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
