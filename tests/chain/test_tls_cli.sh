# obridge chain call and doctor over wss:// against a local TLS endpoint (tests/chain/tls_ws_rpc.py)
# whose certificate comes from a throwaway CA: chain.ca_file / $OBRIDGE_CA_FILE decides the trust.

# Start the endpoint serving KIND (good|wrong_host); sets $tls_url and $tls_pid, the CA is $TMP/ca.pem.
tls_start() {
  python3 "$OB_SOURCE_DIR/tests/chain/tls_ws_rpc.py" "$TMP" "$1" >"$TMP/tls.$1" &
  local i
  for i in $(seq 100); do [[ -s $TMP/tls.$1 ]] && break; sleep 0.1; done
  read -r port tls_pid <"$TMP/tls.$1"
  tls_url="wss://127.0.0.1:$port"
  trap 'kill "$tls_pid" 2>/dev/null; rm -rf "$TMP"' EXIT # also when a check aborts the case
}

tls_stop() { kill "$tls_pid" 2>/dev/null; wait 2>/dev/null; }

test_wss_trusted_by_ca_file() {
  tls_start good
  OBRIDGE_CA_FILE="$TMP/ca.pem" OBRIDGE_RPC_URL="$tls_url" run "$OBRIDGE" chain call eth_chainId
  expect_status 0; expect_out '^"0x7a69"$'
  OBRIDGE_CA_FILE="$TMP/ca.pem" OBRIDGE_RPC_URL="$tls_url" run "$OBRIDGE" chain call eth_blockNumber
  expect_status 0; expect_out '^"0x1"$'
  printf '{"chain":{"endpoints":[{"url":"%s"}],"ca_file":"%s"}}' "$tls_url" "$TMP/ca.pem" >"$TMP/cfg.json"
  unset OBRIDGE_CA_FILE OBRIDGE_RPC_URL
  OBRIDGE_CHAIN_ID=31337 run "$OBRIDGE" --config "$TMP/cfg.json" chain call eth_chainId
  expect_status 0; expect_out '^"0x7a69"$'
  OBRIDGE_CA_FILE="$TMP/ca.pem" OBRIDGE_RPC_URL="$tls_url" OBRIDGE_CHAIN_ID=31337 run "$OBRIDGE" doctor --json
  expect_out '"check":"chain","ok":true,"detail":"'"'$tls_url'"': chain id 31337, head block 1 '
  tls_stop
}

test_wss_system_store_refuses_test_ca() {
  tls_start good
  unset OBRIDGE_CA_FILE
  OBRIDGE_RPC_URL="$tls_url" run "$OBRIDGE" chain call eth_chainId
  expect_status 3
  expect_err "'$tls_url': cannot connect: the server certificate could not be verified: unable to get local issuer certificate"
  expect_no_out 0x7a69
  tls_stop
}

test_wss_wrong_host_refused() {
  tls_start wrong_host
  OBRIDGE_CA_FILE="$TMP/ca.pem" OBRIDGE_RPC_URL="$tls_url" run "$OBRIDGE" chain call eth_chainId
  expect_status 3
  expect_err "'$tls_url': cannot connect: the server certificate could not be verified: IP address mismatch"
  expect_no_out 0x7a69
  OBRIDGE_CA_FILE="$TMP/ca.pem" OBRIDGE_RPC_URL="$tls_url" run "$OBRIDGE" doctor --json
  expect_out '"check":"chain","ok":false,"detail":"[^"]*could not be verified: IP address mismatch'
  tls_stop
}
