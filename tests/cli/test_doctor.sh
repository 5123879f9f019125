# obridge doctor against the real peers: every check passes on a healthy setup, and each broken peer
# is named with what to do, with the right exit code.

doctor_setup() {
  peers_env || return 1
  OBRIDGE_DATABASE_URL=$(fresh_db) || { fail "cannot create a database"; return 1; }
  export OBRIDGE_DATABASE_URL OBRIDGE_RPC_URL OBRIDGE_IPFS_API
  mkdir -p "$TMP/keys"
  printf 'correct horse battery staple\n' >"$TMP/keys/pw"
  printf '%s' ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 >"$TMP/keys/k.hex"
  run "$OBRIDGE" key import --key-file "$TMP/keys/k.hex" --password-file "$TMP/keys/pw" --dir "$TMP/keys" --name signer.json --scrypt-n 1024
  expect_status 0
  export OBRIDGE_KEYSTORE=$TMP/keys/signer.json OBRIDGE_KEYSTORE_PASSWORD_FILE=$TMP/keys/pw
}

test_doctor_all_pass_after_migrate() {
  doctor_setup || return
  run "$OBRIDGE" doctor
  expect_status 1; expect_out 'FAIL migrations +[0-9]+ of [0-9]+ migrations pending'; expect_out "fix: run 'obridge db migrate'"
  run "$OBRIDGE" db migrate
  expect_status 0
  run "$OBRIDGE" doctor
  expect_status 0
  expect_out '^ok +config'; expect_out '^ok +database +PostgreSQL 15'; expect_out '^ok +migrations'
  expect_out '^ok +chain .*31337'; expect_out '^ok +ipfs'; expect_out '^ok +keystore .*0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
  expect_out 'doctor: all checks passed'
  run "$OBRIDGE" doctor --json
  expect_status 0; expect_out '^\{"ok":true,"checks":\['
  n=$(printf '%s' "$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.checks.filter(c=>c.ok).length)})')
  expect_eq "$n" 6 "six passing checks in the JSON"
}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

test_doctor_names_each_unreachable_peer() {
  doctor_setup || return
  "$OBRIDGE" db migrate >/dev/null 2>&1
  p=$(free_port)
  OBRIDGE_IPFS_API=http://127.0.0.1:$p run "$OBRIDGE" doctor
  expect_status 3; expect_out '^FAIL ipfs'; expect_out '^ok +chain'; expect_out '^ok +database'
  OBRIDGE_RPC_URL=ws://127.0.0.1:$p run "$OBRIDGE" doctor
  expect_status 3; expect_out '^FAIL chain'; expect_out '^ok +ipfs'
  OBRIDGE_DATABASE_URL=postgresql://postgres@127.0.0.1:$p/x run "$OBRIDGE" doctor --json
  expect_status 3; expect_out '"check":"database","ok":false'
}

test_doctor_wrong_chain_id_and_bad_keystore() {
  doctor_setup || return
  "$OBRIDGE" db migrate >/dev/null 2>&1
  OBRIDGE_CHAIN_ID=1 run "$OBRIDGE" doctor
  expect_status 1; expect_out '^FAIL chain.*31337'
  printf 'wrong\n' >"$TMP/keys/bad"
  OBRIDGE_KEYSTORE_PASSWORD_FILE=$TMP/keys/bad run "$OBRIDGE" doctor
  expect_status 1; expect_out '^FAIL keystore.*wrong password'
  expect_no_out 'correct horse'
}

test_doctor_bad_config_is_one_failing_line() {
  printf '{"chain": {"endpoints": [{"url": "ftp://x"}]}}' >"$TMP/bad.json"
  run "$OBRIDGE" --config "$TMP/bad.json" doctor
  expect_status 1; expect_out '^FAIL config .*expected a ws://'; expect_out 'skipped: the config did not load'
}
