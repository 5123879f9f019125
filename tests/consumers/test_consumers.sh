# Consumers end to end on the local peers: rounds committed with `obridge commit`, served by the proof
# API of `obridge run` with proofs the registry's verify() accepts, pushed to a feed adapter with
# `obridge consumer push` (from the database and from the API), read back with latestRoundData();
# the API under bad input (404, 400, 503 with the reason, 304); the SSE stream resumed with
# Last-Event-ID after a dropped connection, missing no round.

setup() {
  private_chain 0 1 2 || return 1
  export OBRIDGE_LOG_LEVEL=info
  obridge_deploy_registry "$ADDR1,$ADDR2" 2 || return 1
  printf '{"oracle":{"round_interval_s":%s,"leader_lease_s":3},"http":{"listen":"127.0.0.1:0"},"pins":{"workers":1}}\n' \
    "${1:-30}" >"$TMP/obridge.json"
  export OBRIDGE_CONFIG=$TMP/obridge.json
}
psqlq() { psql -XAtq "$OBRIDGE_DATABASE_URL" -c "$1"; }
commit() { "$OBRIDGE" commit --key-file "$TMP/key0" --signer-key-files "$TMP/key1,$TMP/key2" --timeout 120 "$@"; }

# values ROUND: three feeds whose values depend on the round (ETH/USD, BTC/USD, and a negative one).
values() {
  local r=$1 now; now=$(date +%s)
  printf '{"feeds":[{"name":"ETH/USD","decimals":8,"value":"30%02d.345","observedAt":%d},{"name":"BTC/USD","decimals":8,"value":"9100%d","observedAt":%d},{"name":"NEG/USD","decimals":6,"value":"-%d.5","observedAt":%d}]}\n' \
    "$r" "$((now - 1))" "$r" "$((now - 1))" "$r" "$((now - 1))" >"$TMP/values-$r.json"
  echo "$TMP/values-$r.json"
}
commit_round() { commit --values "$(values "$1")" >/dev/null || { fail "commit of round $1 failed"; return 1; }; }

start_daemon() {
  rm -f "$TMP/d.port"
  "$OBRIDGE" run --port-file "$TMP/d.port" 2>>"$TMP/d.log" &
  d_pid=$!
  # a case that ends early still stops its daemon (it would hold ctest's output open)
  trap '[[ -n ${d_pid:-} ]] && kill "$d_pid" 2>/dev/null; cleanup_case' EXIT
  local i
  for i in $(seq 300); do [[ -s $TMP/d.port ]] && break; sleep 0.02; done
  [[ -s $TMP/d.port ]] || { fail "the daemon did not start: $(tail -5 "$TMP/d.log")"; return 1; }
  API=http://127.0.0.1:$(cat "$TMP/d.port")
}
stop_daemon() {
  local rc=0
  kill -TERM "$d_pid"
  wait "$d_pid" || rc=$?
  d_pid=
  expect_eq "$rc" 0 "the daemon's exit status after SIGTERM"
}
# wait_latest FEED_URLENCODED ROUND SECONDS: until /latest serves that round
wait_latest() {
  local i
  for i in $(seq $(($3 * 10))); do
    [[ $(curl -s "$API/v1/feeds/$1/latest" | jq -r .round 2>/dev/null) == "$2" ]] && return 0
    sleep 0.1
  done
  fail "feed $1 not at round $2 within $3 s: $(curl -s "$API/v1/feeds/$1/latest")"
  return 1
}

test_proofs_verify_on_chain_and_push_to_an_adapter() {
  setup || return
  commit_round 1 || return
  start_daemon || return
  wait_latest ETH%2FUSD 1 20 || { stop_daemon; return; }
  # the list
  run curl -sS "$API/v1/feeds"
  expect_eq "$(jq -c '[.feeds[] | [.name, .decimals, .round, .value]]' <<<"$out")" \
    '[["BTC/USD",8,1,"9100100000000"],["ETH/USD",8,1,"300134500000"],["NEG/USD",6,1,"-1500000"]]' "feed list"
  expect_eq "$(jq -c '.feeds[0] | keys_unsorted' <<<"$out")" '["name","id","decimals","round","value","observedAt"]' "list keys"
  # latest: the keys of the issue, the value of the batch document
  run curl -sS "$API/v1/feeds/ETH%2FUSD/latest"
  local j=$out
  expect_eq "$(jq -c keys_unsorted <<<"$j")" \
    '["name","id","value","decimals","observedAt","round","root","cid","proof","tx","block","registry","calldata"]' "proof keys"
  expect_eq "$(jq -c '.calldata | keys_unsorted' <<<"$j")" '["verify","update"]' "calldata keys"
  local doc; doc=$(psqlq "SELECT convert_from(batch, 'UTF8') FROM rounds WHERE round = 1")
  expect_eq "$(jq -r '.value' <<<"$j")" "$(jq -r '.feeds[] | select(.name == "ETH/USD") | .value' <<<"$doc")" "value = document's"
  expect_eq "$(jq -r '.tx' <<<"$j")" "$(psqlq "SELECT tx_hash FROM rounds WHERE round = 1")" "tx"
  expect_eq "$(jq -r '.registry | ascii_downcase' <<<"$j")" "$(tr A-F a-f <<<"$OBRIDGE_REGISTRY")" "registry"
  # verify(...) on chain, with the fields and with the API's ready calldata, for every feed
  local f v
  for f in BTC%2FUSD ETH%2FUSD NEG%2FUSD; do
    v=$(curl -sS "$API/v1/feeds/$f/latest")
    run cast call --rpc-url "$OBRIDGE_RPC_HTTP_URL" "$OBRIDGE_REGISTRY" \
      "verify(uint64,bytes32,int256,uint8,uint64,bytes32[])(bool)" "$(jq -r .round <<<"$v")" "$(jq -r .id <<<"$v")" \
      "$(jq -r .value <<<"$v")" "$(jq -r .decimals <<<"$v")" "$(jq -r .observedAt <<<"$v")" "$(jq -c .proof <<<"$v" | tr -d '"')"
    expect_eq "$out" true "verify($f) with the served fields"
    run cast call --rpc-url "$OBRIDGE_RPC_HTTP_URL" "$OBRIDGE_REGISTRY" "$(jq -r .calldata.verify <<<"$v")"
    expect_eq "$out" 0x0000000000000000000000000000000000000000000000000000000000000001 "verify($f) from calldata.verify"
  done
  # the adapter, pushed from the local database
  run "$OBRIDGE" registry deploy-adapter ETH/USD --decimals 8 --key-file "$TMP/key0" --timeout 60 --json
  expect_status 0
  local adapter; adapter=$(jq -r .adapter <<<"$out")
  expect_eq "$(jq -r .feedId <<<"$out")" "$(cast keccak ETH/USD)" "adapter feedId"
  run "$OBRIDGE" consumer push ETH/USD --adapter "$adapter" --key-file "$TMP/key0" --timeout 60 --json
  expect_status 0
  expect_eq "$(jq -c '[.pushed, .round, .previousRound]' <<<"$out")" '[true,1,0]' "push round 1"
  run cast call --rpc-url "$OBRIDGE_RPC_HTTP_URL" "$adapter" "latestRoundData()(uint80,int256,uint256,uint256,uint80)"
  expect_eq "$(tr '\n' ' ' <<<"$out" | awk '{print $1, $2, $4}')" "1 300134500000 $(jq -r .observedAt <<<"$j")" "latestRoundData after round 1"
  # the same round again: nothing to send
  run "$OBRIDGE" consumer push ETH/USD --adapter "$adapter" --key-file "$TMP/key0" --timeout 60 --json
  expect_status 0
  expect_eq "$(jq .pushed <<<"$out")" false "round 1 again"
  # round 2, pushed from the API
  commit_round 2 || { stop_daemon; return; }
  wait_latest ETH%2FUSD 2 20 || { stop_daemon; return; }
  run "$OBRIDGE" consumer push ETH/USD --adapter "$adapter" --api "$API" --key-file "$TMP/key0" --timeout 60 --json
  expect_status 0
  expect_eq "$(jq -c '[.pushed, .round, .value]' <<<"$out")" '[true,2,"300234500000"]' "push round 2 from the API"
  run cast call --rpc-url "$OBRIDGE_RPC_HTTP_URL" "$adapter" "latestRoundData()(uint80,int256,uint256,uint256,uint80)"
  expect_eq "$(head -2 <<<"$out" | awk '{print $1}' | tr '\n' ' ')" "2 300234500000 " "latestRoundData after round 2"
  # round 1's update again is refused by the contract, named, nothing sent
  v=$(curl -sS "$API/v1/feeds/ETH%2FUSD/rounds/1")
  run cast call --rpc-url "$OBRIDGE_RPC_HTTP_URL" "$adapter" "$(jq -r .calldata.update <<<"$v")"
  expect_status 1
  # an adapter with other decimals: refused before anything is sent
  run "$OBRIDGE" registry deploy-adapter ETH/USD --decimals 6 --key-file "$TMP/key0" --timeout 60
  expect_status 0
  run "$OBRIDGE" consumer push ETH/USD --adapter "$out" --key-file "$TMP/key0" --timeout 60
  expect_status 1
  expect_err "6 decimals, feed 'ETH/USD' 8"
  stop_daemon
}

test_bad_input_and_caching() {
  setup || return
  commit_round 1 || return
  start_daemon || return
  wait_latest ETH%2FUSD 1 20 || { stop_daemon; return; }
  # the commands' bad input: exit 2 naming it, nothing sent
  run "$OBRIDGE" registry deploy-adapter 'ETH USD' --key-file "$TMP/key0"
  expect_status 2
  expect_err "ETH USD"
  run "$OBRIDGE" registry deploy-adapter ETH/USD --decimals 37 --key-file "$TMP/key0"
  expect_status 2
  expect_err "--decimals: expected 0 to 36, got '37'"
  run "$OBRIDGE" consumer push ETH/USD --key-file "$TMP/key0"
  expect_status 2
  expect_err "--adapter is required"
  run "$OBRIDGE" consumer push ETH/USD --adapter 0x12 --key-file "$TMP/key0"
  expect_status 2
  expect_err "'0x12' is not an address"
  run "$OBRIDGE" consumer push XRP/USD --adapter "$OBRIDGE_REGISTRY" --key-file "$TMP/key0"
  expect_status 2
  expect_err "feed 'XRP/USD': no confirmed round"
  run "$OBRIDGE" consumer push ETH/USD --adapter "$OBRIDGE_REGISTRY" --key-file "$TMP/key0"
  expect_status 2
  expect_err "registry\(\) reverted \(not an obridge feed adapter\?\)"
  run "$OBRIDGE" consumer push ETH/USD --adapter "$OBRIDGE_REGISTRY" --api "$API/nothing-here" --key-file "$TMP/key0"
  expect_status 2
  run curl -sS -w '\n%{http_code}' "$API/v1/feeds/XRP%2FUSD/latest"
  expect_eq "$(tail -1 <<<"$out")" 404 "unknown feed"
  expect_eq "$(head -1 <<<"$out" | jq -r .error.reason)" NOT_FOUND "error shape"
  run curl -sS -w '\n%{http_code}' "$API/v1/feeds/ETH%2FUSD/rounds/99"
  expect_eq "$(tail -1 <<<"$out")" 404 "a round never committed"
  expect_out "round 99 of registry .* is not confirmed"
  run curl -sS -w '\n%{http_code}' "$API/v1/feeds/XRP%2FUSD/rounds/1"
  expect_eq "$(tail -1 <<<"$out")" 404 "a feed not in the round"
  run curl -sS -w '\n%{http_code}' "$API/v1/feeds/ETH%2FUSD/rounds/x1"
  expect_eq "$(tail -1 <<<"$out")" 400 "a round that is not a number"
  run curl -sS -w '\n%{http_code}' "$API/v1/stream?feeds=ETH/USD,NOPE"
  expect_eq "$(tail -1 <<<"$out")" 404 "a stream of an unknown feed"
  # ETag, If-None-Match, Cache-Control, CORS
  run curl -sS -D "$TMP/h" -o /dev/null -H 'Origin: https://app.example' "$API/v1/feeds/ETH%2FUSD/latest"
  local etag; etag=$(grep -i '^etag:' "$TMP/h" | cut -d' ' -f2- | tr -d '\r')
  [[ $etag == '"1-'* ]] || fail "ETag of latest is '$etag'"
  grep -qi '^cache-control: public, max-age=30' "$TMP/h" || fail "Cache-Control of latest: $(grep -i cache-control "$TMP/h")"
  grep -qi '^access-control-allow-origin: \*' "$TMP/h" || fail "no CORS header: $(cat "$TMP/h")"
  run curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$API/v1/feeds/ETH%2FUSD/latest"
  expect_eq "$out" 304 "If-None-Match"
  run curl -sS -D "$TMP/h" -o /dev/null "$API/v1/feeds/ETH%2FUSD/rounds/1"
  grep -qi '^cache-control: .*immutable' "$TMP/h" || fail "a round is not immutable: $(cat "$TMP/h")"
  stop_daemon
  # a round whose document the database lacks and IPFS cannot give: 503 with the reason
  psqlq "UPDATE rounds SET batch = ''::bytea WHERE round = 1" >/dev/null
  OBRIDGE_IPFS_API=http://127.0.0.1:9 start_daemon || return
  local i
  for i in $(seq 50); do
    run curl -sS -w '\n%{http_code}' "$API/v1/feeds/ETH%2FUSD/rounds/1"
    [[ $(tail -1 <<<"$out") == 503 ]] && break
    sleep 0.1
  done
  expect_eq "$(tail -1 <<<"$out")" 503 "document not reachable"
  expect_eq "$(head -1 <<<"$out" | jq -r .error.reason)" UNAVAILABLE "503 reason"
  expect_out "batch document .* not reachable"
  stop_daemon
  # and with IPFS back, the document comes by CID
  start_daemon || return
  wait_latest ETH%2FUSD 1 20
  stop_daemon
}

# sse_ids FILE: the event ids in a captured stream, one line
sse_ids() { grep '^id: ' "$1" | cut -d' ' -f2 | tr '\n' ' '; }

test_stream_resumes_with_last_event_id() {
  setup || return
  commit_round 1 || return
  start_daemon || return
  wait_latest ETH%2FUSD 1 20 || { stop_daemon; return; }
  curl -sSN "$API/v1/stream?feeds=ETH/USD" >"$TMP/s1" 2>/dev/null &
  local c1=$!
  sleep 0.5
  commit_round 2 || return
  wait_latest ETH%2FUSD 2 20
  sleep 0.3
  kill "$c1"
  wait "$c1" 2>/dev/null || true # killed: 143
  expect_eq "$(sse_ids "$TMP/s1")" "1 2 " "first connection: latest, then round 2"
  grep '^data: ' "$TMP/s1" | tail -1 | cut -c7- | jq -e '.round == 2 and .name == "ETH/USD" and (.calldata.update | startswith("0x"))' >/dev/null ||
    fail "event data is not round 2's proof object"
  # rounds 3 and 4 while disconnected
  commit_round 3 || { stop_daemon; return; }
  commit_round 4 || { stop_daemon; return; }
  wait_latest ETH%2FUSD 4 20
  timeout 2 curl -sSN -H 'Last-Event-ID: 2' "$API/v1/stream?feeds=ETH/USD,BTC/USD" >"$TMP/s2" 2>/dev/null || true # cut by timeout: 124
  expect_eq "$(sse_ids "$TMP/s2")" "3 3 4 4 " "resumed after 2: rounds 3 and 4 of both feeds"
  expect_eq "$(grep '^data: ' "$TMP/s2" | cut -c7- | jq -r .name | tr '\n' ' ')" "BTC/USD ETH/USD BTC/USD ETH/USD " "feeds in order"
  stop_daemon
}

# The daemon's leader pushes the feeds of oracle.push_adapters to their adapters after each round, with the
# configured keystore (chain.keystore).
test_daemon_pushes_configured_adapters_after_each_round() {
  setup || return
  printf 'pw\n' >"$TMP/pw"
  run "$OBRIDGE" key import --key-file "$TMP/key0" --dir "$TMP/ks" --name k0.json --password-file "$TMP/pw" --scrypt-n 1024
  expect_status 0
  run "$OBRIDGE" registry deploy-adapter ETH/USD --key-file "$TMP/key0" --timeout 60
  expect_status 0
  local eth=$out
  run "$OBRIDGE" registry deploy-adapter NEG/USD --decimals 6 --key-file "$TMP/key0" --timeout 60
  expect_status 0
  local neg=$out i r
  export OBRIDGE_KEYSTORE=$TMP/ks/k0.json OBRIDGE_KEYSTORE_PASSWORD_FILE=$TMP/pw OBRIDGE_PUSH_ADAPTERS="ETH/USD=$eth,NEG/USD=$neg"
  start_daemon || return
  for r in 1 2; do
    commit_round $r || break
    for i in $(seq 200); do
      [[ $(cast call --rpc-url "$OBRIDGE_RPC_HTTP_URL" "$neg" 'latestRound()(uint256)' 2>/dev/null) == "$r" &&
        $(cast call --rpc-url "$OBRIDGE_RPC_HTTP_URL" "$eth" 'latestRound()(uint256)' 2>/dev/null) == "$r" ]] && break
      sleep 0.1
    done
    expect_eq "$(cast call --rpc-url "$OBRIDGE_RPC_HTTP_URL" "$eth" 'latestRound()(uint256)')" "$r" "ETH/USD adapter after round $r"
    expect_eq "$(cast call --rpc-url "$OBRIDGE_RPC_HTTP_URL" "$neg" 'latestRound()(uint256)')" "$r" "NEG/USD adapter after round $r"
  done
  run cast call --rpc-url "$OBRIDGE_RPC_HTTP_URL" "$neg" "latestRoundData()(uint80,int256,uint256,uint256,uint80)"
  expect_eq "$(sed -n 2p <<<"$out" | awk '{print $1}')" -2500000 "NEG/USD answer after round 2"
  stop_daemon
}

# Load (label slow): 1,000 SSE subscribers and 200 clients polling `latest` while rounds 2..6 commit:
# no error, every subscriber sees every round.
test_load_1000_subscribers_200_pollers_slow() {
  setup || return
  commit_round 1 || return
  start_daemon || return
  wait_latest ETH%2FUSD 1 20 || { stop_daemon; return; }
  node "$OB_SOURCE_DIR/bench/proof-api/load.mjs" sse "$API/v1/stream?feeds=ETH/USD,BTC/USD" 1000 6 240 \
    "$API/v1/feeds/ETH%2FUSD/latest" 200 >"$TMP/load.json" 2>"$TMP/load.err" &
  local lp=$! i r rc=0
  for i in $(seq 600); do grep -q ready "$TMP/load.err" && break; sleep 0.1; done
  grep -q ready "$TMP/load.err" || fail "the 1,000 subscribers did not all connect: $(cat "$TMP/load.err")"
  for r in 2 3 4 5 6; do commit_round $r || break; done
  wait "$lp" || rc=$?
  expect_eq "$rc" 0 "load.mjs exit status"
  jq -c '{connected, complete, errors, missing, rounds, fanout_ms, poll: (.poll | {requests, errors, rps, p50_ms, p99_ms})}' "$TMP/load.json" >&2 || true
  expect_eq "$(jq -c '[.connected, .complete, .errors, .missing]' "$TMP/load.json")" '[1000,1000,0,0]' "subscribers: connected, complete, errors, missing"
  expect_eq "$(jq -c '[.rounds["2"], .rounds["3"], .rounds["4"], .rounds["5"], .rounds["6"]]' "$TMP/load.json")" \
    '[1000,1000,1000,1000,1000]' "every subscriber got rounds 2..6"
  expect_eq "$(jq '.poll.errors' "$TMP/load.json")" 0 "polling errors"
  [[ $(jq '.poll.requests' "$TMP/load.json") -gt 1000 ]] || fail "the pollers made few requests: $(jq -c .poll "$TMP/load.json")"
  stop_daemon
}
