# obridge chain status|call and the chain check of doctor, against anvil.

test_call_ws_and_http() {
  peers_env || return
  run "$OBRIDGE" chain call eth_chainId
  expect_status 0; expect_out '^"0x7a69"$'
  run "$OBRIDGE" chain call --url "$OBRIDGE_RPC_HTTP_URL" eth_getBalance '["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","latest"]'
  expect_status 0; expect_out '^"0x[0-9a-f]+"$'
  run "$OBRIDGE" chain call eth_getBalance '["0xf39F'
  expect_status 2; expect_err 'params'
  run "$OBRIDGE" chain call eth_call '[{"to":"0x0000000000000000000000000000000000000000","data":"0x"},"nope"]'
  expect_status 1; expect_err 'eth_call: .*\(rpc -?[0-9]+\)'
}

test_status_and_doctor() {
  peers_env || return
  run "$OBRIDGE" chain status --json
  expect_status 0; expect_out '"ready":true'; expect_out '"health":"alive","active":true,"head":[0-9]+,"lag":0,"chain_id":31337'
  run "$OBRIDGE" chain status
  expect_status 0; expect_out '^\* alive'
  run "$OBRIDGE" doctor --json
  expect_out '"check":"chain","ok":true,"detail":"'"'$OBRIDGE_RPC_URL'"': chain id 31337, head block [0-9]+'
  OBRIDGE_CHAIN_ID=5 run "$OBRIDGE" doctor --json
  expect_out '"check":"chain","ok":false,"detail":"[^"]*reports chain id 31337, config chain.chain_id is 5'
}

test_wrong_chain_id_exit_2_at_once() {
  peers_env || return
  local t0
  t0=$(date +%s%3N)
  OBRIDGE_CHAIN_ID=5 run "$OBRIDGE" chain status
  expect_status 2
  expect_err "wrong chain: endpoint $OBRIDGE_RPC_URL reports chain id 31337, config says 5"
  (( $(date +%s%3N) - t0 < 5000 )) || fail "chain status took $(( $(date +%s%3N) - t0 )) ms"
}

test_unreachable_endpoint_exit_3() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  OBRIDGE_RPC_URL="ws://127.0.0.1:$port" run "$OBRIDGE" chain status --json
  expect_status 3; expect_out '"health":"unreachable"'
  OBRIDGE_RPC_URL="ws://127.0.0.1:$port" run "$OBRIDGE" chain call eth_chainId
  expect_status 3; expect_err "no usable chain endpoint .*ws://127.0.0.1:$port"
  OBRIDGE_RPC_URL="ws://127.0.0.1:$port" run "$OBRIDGE" doctor --json
  expect_status 3; expect_out '"check":"chain","ok":false'
}

test_two_endpoints_status() {
  peers_env || return
  local port cfg=$TMP/two.json
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf '{"chain":{"endpoints":[{"url":"ws://127.0.0.1:%s"},{"url":"%s"}]}}' "$port" "$OBRIDGE_RPC_HTTP_URL" >"$cfg"
  OBRIDGE_RPC_URL= run "$OBRIDGE" --config "$cfg" chain status --json
  expect_status 0
  expect_out '\{"url":"ws://127.0.0.1:'"$port"'","health":"unreachable","active":false'
  expect_out '\{"url":"'"$OBRIDGE_RPC_HTTP_URL"'","health":"alive","active":true'
}
