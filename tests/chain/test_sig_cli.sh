# obridge key / tx / util typed-data against cast, through the CLI. No peer needed.
A0_KEY=ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
A0_ADDR=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
VEC="$OB_SOURCE_DIR/tests/vectors"

pwfile() { printf '%s' "$1" >"$TMP/pw"; echo "$TMP/pw"; }

test_key_new_list_address_and_cast_reads_it() {
  local pw; pw=$(pwfile 'pässword 1')
  run "$OBRIDGE" key new --dir "$TMP/keys" --password-file "$pw" --scrypt-n 1024 --json
  expect_status 0; expect_out '"address":"0x[0-9a-fA-F]{40}"'
  local addr file; addr=$(sed 's/.*"address":"\([^"]*\)".*/\1/' <<<"$out"); file=$(sed 's/.*"path":"\([^"]*\)".*/\1/' <<<"$out")
  expect_eq "$(stat -c %a "$file")" 600 "file mode"
  run "$OBRIDGE" key list --dir "$TMP/keys"
  expect_status 0; expect_out "^$addr +UTC--"
  run "$OBRIDGE" key address --keystore "$file" --password-file "$pw"
  expect_status 0; expect_eq "$out" "$addr"
  run cast wallet address --keystore "$file" --password 'pässword 1'
  expect_status 0; expect_eq "$out" "$addr" "cast reads obridge's keystore"
  # Refuses to overwrite.
  run "$OBRIDGE" key new --dir "$TMP/keys" --name "$(basename "$file")" --password-file "$pw"
  expect_status 1; expect_err "already exists"
}

test_key_default_scrypt_both_ways() {
  local pw; pw=$(pwfile 'pw')
  printf '%s\n' "$A0_KEY" >"$TMP/k"
  run "$OBRIDGE" key import --dir "$TMP/keys" --name def --key-file "$TMP/k" --password-file "$pw"
  expect_status 0; expect_eq "$out" "$A0_ADDR"
  grep -q '"n":262144' "$TMP/keys/def" || fail "default scrypt n is not 2^18"
  run cast wallet decrypt-keystore -k "$TMP/keys" def --unsafe-password pw
  expect_status 0; expect_out "0x$A0_KEY"
  run cast wallet import -k "$TMP/keys" fromcast --private-key "0x$A0_KEY" --unsafe-password pw
  expect_status 0
  run "$OBRIDGE" key address --keystore "$TMP/keys/fromcast" --password-file "$pw"
  expect_status 0; expect_eq "$out" "$A0_ADDR"
  run "$OBRIDGE" key list --dir "$TMP/keys" --json
  expect_status 0; expect_out '"file":"fromcast","keystore":true,"address":null,"kdf":"scrypt"'
}

test_key_password_sources_and_errors() {
  local pw; pw=$(pwfile 'right')
  printf '%s' "$A0_KEY" | "$OBRIDGE" key import --dir "$TMP/keys" --name a0 --password-file "$pw" --scrypt-n 1024 >/dev/null 2>&1
  OBRIDGE_KEYSTORE_PASSWORD=right run "$OBRIDGE" key address --keystore "$TMP/keys/a0"
  expect_status 0; expect_eq "$out" "$A0_ADDR"
  # chain.password_file of the config, when neither --password-file nor the environment give one.
  printf '{"chain":{"password_file":"%s"}}' "$pw" >"$TMP/cfg.json"
  run "$OBRIDGE" --config "$TMP/cfg.json" key address --keystore "$TMP/keys/a0"
  expect_status 0; expect_eq "$out" "$A0_ADDR"
  # Never from an argument.
  run "$OBRIDGE" key address --keystore "$TMP/keys/a0" --password right
  expect_status 2; expect_err "unknown option '--password'"
  # No source and no terminal (setsid detaches /dev/tty).
  run setsid "$OBRIDGE" key address --keystore "$TMP/keys/a0"
  expect_status 2; expect_err "no password for keystore '.*/a0': use --password-file"
  OBRIDGE_KEYSTORE_PASSWORD=wrong run "$OBRIDGE" key address --keystore "$TMP/keys/a0"
  # The error says exactly that, on one line (sanitizer builds may add their own lines after it).
  expect_status 2; expect_eq "$(head -1 <<<"$err")" "obridge: error: wrong password for keystore '$TMP/keys/a0'"
  expect_no_err 'right'
  # Tampered MAC (not hex), unknown KDF.
  sed 's/"mac":"[0-9a-f]*"/"mac":"zz"/' "$TMP/keys/a0" >"$TMP/keys/badmac"
  run "$OBRIDGE" key address --keystore "$TMP/keys/badmac" --password-file "$pw"
  expect_status 2; expect_err "crypto.mac is not 32 bytes of hex"
  sed 's/"kdf":"scrypt"/"kdf":"argon2"/' "$TMP/keys/a0" >"$TMP/keys/badkdf"
  run "$OBRIDGE" key address --keystore "$TMP/keys/badkdf" --password-file "$pw"
  expect_status 2; expect_err "unknown kdf 'argon2'"
}

test_key_import_rejects_bad_keys() {
  local pw; pw=$(pwfile 'pw')
  run_in "0000000000000000000000000000000000000000000000000000000000000000" "$OBRIDGE" key import --dir "$TMP/keys" --password-file "$pw"
  expect_status 2; expect_err "private key is zero or not below the curve order n"
  run_in "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141" "$OBRIDGE" key import --dir "$TMP/keys" --password-file "$pw"
  expect_status 2; expect_err "private key is zero or not below the curve order n"
  run_in "abc" "$OBRIDGE" key import --dir "$TMP/keys" --password-file "$pw"
  expect_status 2; expect_err "expected 64 hex digits"
  [[ ! -d $TMP/keys ]] || [[ -z $(ls "$TMP/keys") ]] || fail "a keystore was written for a bad key"
}

# A keystore for anvil's account 0 with light scrypt; prints its path.
a0_keystore() {
  printf '%s' "$A0_KEY" | "$OBRIDGE" key import --dir "$TMP/keys" --name a0 --password-file "$(pwfile pw)" --scrypt-n 1024 >/dev/null 2>&1
  echo "$TMP/keys/a0"
}

test_tx_sign_equals_cast_mktx() {
  local ks; ks=$(a0_keystore)
  export OBRIDGE_KEYSTORE_PASSWORD=pw
  run "$OBRIDGE" tx sign --keystore "$ks" --chain-id 31337 --nonce 5 --gas-limit 50000 --max-fee 3 \
    --priority-fee 1gwei --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --value 1ether --data 0xdeadbeef
  expect_status 0
  local want; want=$(cast mktx --private-key "0x$A0_KEY" --chain 31337 --nonce 5 --gas-limit 50000 --gas-price 3000000000 \
    --priority-gas-price 1000000000 --value 1000000000000000000 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 0xdeadbeef)
  expect_eq "$out" "$want" "EIP-1559"
  run "$OBRIDGE" tx sign --keystore "$ks" --chain-id 1 --nonce 9 --gas 21000 --gas-price 20000000000wei \
    --to 0x3535353535353535353535353535353535353535 --value 1000000000000000000
  want=$(cast mktx --private-key "0x$A0_KEY" --legacy --chain 1 --nonce 9 --gas-limit 21000 --gas-price 20000000000 \
    --value 1000000000000000000 0x3535353535353535353535353535353535353535)
  expect_status 0; expect_eq "$out" "$want" "legacy"
  run "$OBRIDGE" tx decode "$want"
  expect_status 0; expect_out "\"from\":\"$A0_ADDR\""; expect_out '"v":38|"v":37'; expect_out '"chainId":1,'
  run "$OBRIDGE" tx sign --keystore "$ks" --chain-id 1 --nonce 0 --gas-limit 100000 --max-fee 2wei --priority-fee 1wei --data 0x6000 --json
  expect_status 0; expect_out '"to":null'; expect_out '"type":2'
  # The keystore from the config (chain.keystore) when --keystore is not given.
  printf '{"chain":{"keystore":"%s"}}' "$ks" >"$TMP/cfg.json"
  run "$OBRIDGE" --config "$TMP/cfg.json" tx sign --chain-id 1 --nonce 9 --gas-limit 21000 --gas-price 20 \
    --to 0x3535353535353535353535353535353535353535 --value 1000000000000000000
  expect_status 0; expect_eq "$out" "$want" "keystore from chain.keystore"
  unset OBRIDGE_KEYSTORE_PASSWORD
  run "$OBRIDGE" tx sign --chain-id 1 --nonce 0 --gas-limit 1 --gas-price 1 --to 0x3535353535353535353535353535353535353535
  expect_status 2; expect_err "no keystore: give --keystore FILE or set chain.keystore"
}

test_tx_sign_bad_usage() {
  local ks; ks=$(a0_keystore)
  export OBRIDGE_KEYSTORE_PASSWORD=pw
  run "$OBRIDGE" tx sign --keystore "$ks" --chain-id 1 --nonce 0 --gas-limit 1 --gas-price 1 --max-fee 2 --priority-fee 1 --to 0x3535353535353535353535353535353535353535
  expect_status 2; expect_err "either --gas-price"
  run "$OBRIDGE" tx sign --keystore "$ks" --chain-id 1 --nonce x --gas-limit 1 --gas-price 1 --to 0x3535353535353535353535353535353535353535
  expect_status 2; expect_err "\-\-nonce"
  run "$OBRIDGE" tx sign --keystore "$ks" --chain-id 1 --nonce 0 --gas-limit 1 --gas-price 1 --to 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD
  expect_status 2; expect_err "checksum mismatch"
  run "$OBRIDGE" tx sign --keystore "$ks" --chain-id 1 --nonce 0 --gas-limit 1 --gas-price 1 --to 0x3535353535353535353535353535353535353535 --data 0x123
  expect_status 2; expect_err "\-\-data"
  run "$OBRIDGE" tx sign --keystore "$ks" --chain-id 1 --nonce 0 --gas-limit 1 --gas-price 0.0000000001 --to 0x3535353535353535353535353535353535353535
  expect_status 2; expect_err "\-\-gas-price: '0.0000000001' is a fraction of a wei"
  run "$OBRIDGE" tx decode 0x01c0
  expect_status 2; expect_err "type 1 is not supported"
}

test_typed_data_hash_and_sign_equal_cast() {
  local ks; ks=$(a0_keystore)
  run "$OBRIDGE" util typed-data-hash "$VEC/eip712/mail.json"
  expect_status 0; expect_eq "$out" 0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2
  run "$OBRIDGE" util typed-data-hash --json - <"$VEC/eip712/mail.json"
  run "$OBRIDGE" util typed-data-hash --json "$VEC/eip712/mail.json"
  expect_status 0; expect_out '"domainSeparator":"0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f"'
  OBRIDGE_KEYSTORE_PASSWORD=pw run "$OBRIDGE" util sign-typed-data --keystore "$ks" "$VEC/eip712/mail.json"
  expect_status 0
  expect_eq "$out" "$(cast wallet sign --data --from-file --private-key "0x$A0_KEY" "$VEC/eip712/mail.json")"
  OBRIDGE_KEYSTORE_PASSWORD=pw run "$OBRIDGE" util sign-typed-data --keystore "$ks" --json "$VEC/eip712/mail.json"
  expect_status 0; expect_out "\"signer\":\"$A0_ADDR\""
}

test_typed_data_bad_input() {
  printf '{"types":{"A":[{"name":"v","type":"uint8"}]},"primaryType":"A","domain":{"name":"x"},"message":{"v":256}}' >"$TMP/bad.json"
  run "$OBRIDGE" util typed-data-hash "$TMP/bad.json"
  expect_status 2; expect_err "message.v: expected a uint8, got '256'"
  run "$OBRIDGE" util typed-data-hash "$TMP/missing.json"
  expect_status 2; expect_err "missing.json"
  run "$OBRIDGE" util sign-typed-data --keystore /nonexistent "$TMP/bad.json"
  expect_status 2; expect_err "message.v"
}

test_doctor_keystore_check() {
  local ks; ks=$(a0_keystore)
  printf '{"chain":{"keystore":"%s","password_file":"%s"}}' "$ks" "$TMP/pw" >"$TMP/cfg.json"
  run "$OBRIDGE" --config "$TMP/cfg.json" doctor
  expect_out "ok +keystore +keystore '.*/a0' decrypts: signer $A0_ADDR"
  printf 'nope' >"$TMP/pw"
  run "$OBRIDGE" --config "$TMP/cfg.json" doctor
  expect_out "FAIL +keystore +wrong password for keystore"
  printf '{"chain":{"keystore":"%s"}}' "$ks" >"$TMP/cfg2.json"
  run env -u OBRIDGE_KEYSTORE_PASSWORD "$OBRIDGE" --config "$TMP/cfg2.json" doctor
  expect_out "ok +keystore +keystore '.*/a0' parses \(scrypt, address $A0_ADDR\); not decrypted"
}
