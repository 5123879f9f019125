# obridge run with feeds: the leader commits rounds on its own (node_oracle_round behind the
# daemon's round hook, fenced by its lease token), from the local source server, with keystores;
# a price move is committed by the next round; a cron `feed run --once` beside it never commits a
# round twice; SIGTERM exits 0; obridge verify --all passes.

# shellcheck source=test_round_sources.sh
source "$OB_SOURCE_DIR/tests/oracle/test_round_sources.sh"

wait_confirmed() { # N SECONDS: 0 when at least N rounds are confirmed within SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [[ $(psql_n "SELECT count(*) FROM rounds WHERE step = 'confirmed'") -ge $1 ]] && return 0
    sleep 0.1
  done
  return 1
}

# setup_daemon LEASE_S: chain, registry, source server, keystores, feeds and the daemon's config.
setup_daemon() {
  setup_commit || return
  start_sources || return
  local i
  for i in 0 1 2; do
    printf 'pw-%d' "$i" >"$TMP/pw$i"
    run "$OBRIDGE" key import --key-file "$TMP/key$i" --dir "$TMP/ks" --name "k$i.json" --password-file "$TMP/pw$i" --scrypt-n 1024
    expect_status 0
  done
  mkdir -p "$TMP/feeds"
  jq -n --arg src "$SRC" '{feeds: [{name: "ETH/USD", decimals: 8, quorum: 2, deviation_bps: 50, heartbeat_s: 3600,
    sources: [{name: "binance", url: "\($src)/api/v3/ticker/price?symbol=ETHUSDT", path: "$.price"},
              {name: "coinbase", url: "\($src)/v2/prices/ETH-USD/spot", path: "$.data.amount"},
              {name: "kraken", url: "\($src)/0/public/Ticker?pair=ETHUSD", path: "$.result.XETHZUSD.c[0]"}]}]}' >"$TMP/feeds/eth.json"
  jq -n --arg t "$TMP" --argjson lease "${1:-10}" '{chain: {keystore: "\($t)/ks/k0.json", password_file: "\($t)/pw0"},
    commit: {signer_keystores: ["\($t)/ks/k1.json", "\($t)/ks/k2.json"], signer_password_files: ["\($t)/pw1", "\($t)/pw2"]},
    oracle: {round_interval_s: 1, leader_lease_s: $lease, feeds_dir: "\($t)/feeds"},
    http: {listen: "127.0.0.1:0"}, pins: {workers: 1}}' >"$TMP/obridge.json"
  export OBRIDGE_CONFIG=$TMP/obridge.json
}

test_daemon_leader_commits_rounds() {
  setup_daemon 10 || return
  "$OBRIDGE" run --port-file "$TMP/d.port" 2>"$TMP/d.log" &
  local pid=$!
  wait_confirmed 1 60 || fail "no round confirmed by the daemon: $(tail -5 "$TMP/d.log")"
  # a move of 1 %: the next round commits it
  control '{"prices": {"binance": {"ETHUSDT": "3042.45"}, "coinbase": {"ETH-USD": "3041.9"}, "kraken": {"ETHUSD": "3043.1"}}}'
  wait_confirmed 2 60 || fail "the move was not committed: $(tail -5 "$TMP/d.log")"
  # cron beside the daemon: locked, or nothing due; never a second commit
  run "$OBRIDGE" feed run --once --json --timeout 60
  expect_status 0
  [[ $(jq -r .outcome <<<"$out") =~ ^(locked|nothing-due)$ ]] || fail "feed run beside the daemon: $out"
  sleep 3 # a few more rounds: nothing due
  local m; m=$(curl -sS "http://127.0.0.1:$(cat "$TMP/d.port")/metrics") || fail "/metrics"
  grep -Eq '^obridge_rounds_total\{outcome="committed"\} 2$' <<<"$m" || fail "rounds_total: $(grep rounds_total <<<"$m")"
  grep -Eq '^obridge_rounds_total\{outcome="nothing-due"\} [1-9]' <<<"$m" || fail "no nothing-due round counted"
  grep -Eq '^obridge_source_latency_seconds_count\{source="kraken"\} [1-9]' <<<"$m" || fail "source latencies: $(grep source_latency_seconds_count <<<"$m")"
  local rc=0
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  expect_eq "$rc" 0 "exit status after SIGTERM"
  local n; n=$(psql_n "SELECT max(round) FROM rounds WHERE step = 'confirmed'")
  expect_eq "$n" 2 "two rounds committed"
  for ((i = 1; i <= n; i++)); do expect_eq "$(committed_count "$i")" 1 "one Committed for round $i"; done
  expect_eq "$(psql_n "SELECT string_agg(DISTINCT fence_token::text, ',') FROM oracle_rounds WHERE state = 'confirmed'")" 1 "fenced by lease token 1"
  grep -q 'round [0-9]* (attempt [0-9]*): committed' "$TMP/d.log" || fail "no committed round in the log: $(tail -5 "$TMP/d.log")"
  run "$OBRIDGE" feed show ETH/USD --json
  expect_eq "$(jq -r .committed.value <<<"$out")" 304245000000 "the committed value"
  run "$OBRIDGE" verify --all
  expect_status 0
}

# The round fetches on the daemon's own loop: while a source hangs for 4 s, /health still answers
# at once (the fetch used to block the loop until its last source came).
test_daemon_answers_health_while_a_round_fetches() {
  setup_daemon 10 || return
  control '{"faults": {"/api/v3/ticker/price": {"mode": "hang", "seconds": 4}}}'
  "$OBRIDGE" run --port-file "$TMP/d.port" 2>"$TMP/d.log" &
  local pid=$! i t0 t1 code
  for ((i = 0; i < 100; i++)); do
    [[ -s $TMP/d.port && $(curl -sf "$SRC/stats" | jq '.requests["/api/v3/ticker/price"] // 0') -ge 1 ]] && break
    sleep 0.1
  done
  [[ -s $TMP/d.port ]] || fail "the daemon did not start: $(tail -3 "$TMP/d.log")"
  t0=$(date +%s%3N)
  code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$TMP/d.port")/health") || true
  t1=$(date +%s%3N)
  [[ $code == 200 || $code == 503 ]] || fail "/health during the fetch: HTTP '$code' after $((t1 - t0)) ms"
  ((t1 - t0 < 1000)) || fail "/health took $((t1 - t0)) ms during the fetch"
  wait_confirmed 1 30 || fail "the round was not committed after the hang: $(tail -3 "$TMP/d.log")"
  kill -TERM "$pid"
  wait "$pid" || fail "exit $? after SIGTERM"
}

# ipfs_hangs_mid_round LEASE_S STALL_S: a daemon on a private IPFS node (ipfs.stall_timeout_s STALL_S)
# commits round 1; then the node is frozen (SIGSTOP) and a price moves, and this returns once round 2
# is built, its pin waiting on the frozen node. Sets IPFS2 (the node's API), ipid and d_pid (globals:
# the EXIT trap reads them).
ipfs_hangs_mid_round() {
  local i
  setup_daemon "$1" || return 1
  bash "$OB_SOURCE_DIR/scripts/peers.sh" up "$TMP/ipfs2" ipfs >/dev/null 2>&1 || { fail "the private IPFS node did not start"; return 1; }
  IPFS2=$(grep -o 'OBRIDGE_IPFS_API=[^ ]*' "$TMP/ipfs2/env" | head -1 | cut -d= -f2- | tr -d "'\"")
  ipid=$(bash "$OB_SOURCE_DIR/scripts/peers.sh" pid "$TMP/ipfs2" ipfs)
  jq --argjson s "$2" '.ipfs = {stall_timeout_s: $s}' "$TMP/obridge.json" >"$TMP/o2.json" && mv "$TMP/o2.json" "$TMP/obridge.json"
  OBRIDGE_IPFS_API=$IPFS2 "$OBRIDGE" run --port-file "$TMP/d.port" 2>"$TMP/d.log" &
  d_pid=$!
  trap 'kill -CONT $ipid 2>/dev/null; kill -9 $d_pid 2>/dev/null; kill "$(cat "$TMP/src.pid")" 2>/dev/null; bash "$OB_SOURCE_DIR/scripts/peers.sh" down "$TMP/ipfs2" >/dev/null 2>&1; cleanup_case' EXIT
  wait_confirmed 1 60 || { fail "no first round: $(tail -3 "$TMP/d.log")"; return 1; }
  kill -STOP "$ipid"
  control '{"prices": {"binance": {"ETHUSDT": "3042.45"}, "coinbase": {"ETH-USD": "3041.9"}, "kraken": {"ETHUSD": "3043.1"}}}'
  for ((i = 0; i < 300; i++)); do
    [[ $(psql_n "SELECT count(*) FROM rounds") -ge 2 ]] && return 0
    sleep 0.1
  done
  fail "round 2 was never built: $(tail -3 "$TMP/d.log")"
  return 1
}

# An IPFS node that hangs (SIGSTOP) while the leader pins a round. The pin and the daemon's IPFS
# health check run off the loop, so for longer than the pin's stall timeout /health answers at once
# and the leader keeps its lease (4 s: a loop stalled by the 5 s pin would lose it). The pin then
# times out, the round is resumed from its recorded step, and once the node answers again it is
# committed, by the same leader (fence token 1), once.
test_daemon_live_while_ipfs_hangs_mid_pin() {
  local i t0 t1 code slow=0 lost=0
  ipfs_hangs_mid_round 4 5 || return
  # 8 s of hang from here: past the pin's 5 s stall timeout and two leases
  for ((i = 0; i < 16; i++)); do
    t0=$(date +%s%3N)
    code=$(curl -s -m 4 -o "$TMP/h.json" -w '%{http_code}' "http://127.0.0.1:$(cat "$TMP/d.port")/health") || true
    t1=$(date +%s%3N)
    [[ $code == 200 || $code == 503 ]] || fail "/health during the hang: HTTP '$code' after $((t1 - t0)) ms"
    ((t1 - t0 < 1000)) || slow=$((slow + 1))
    [[ $(jq -r .role "$TMP/h.json" 2>/dev/null) == leader ]] || lost=$((lost + 1))
    sleep 0.5
  done
  expect_eq "$slow" 0 "/health answers slower than 1 s while IPFS hangs"
  expect_eq "$lost" 0 "/health answers without the leader's role while IPFS hangs"
  expect_eq "$(jq -r '.peers.ipfs.ok' "$TMP/h.json")" false "IPFS shown down: $(cat "$TMP/h.json")"
  expect_eq "$(psql_n "SELECT count(*) FROM rounds WHERE round = 2 AND step = 'confirmed'")" 0 "round 2 confirmed without its pin"
  kill -CONT "$ipid"
  wait_confirmed 2 60 || fail "round 2 not committed after IPFS came back: $(tail -5 "$TMP/d.log")"
  grep -q 'round [0-9]* (attempt [0-9]*): committed, resumed from' "$TMP/d.log" ||
    fail "round 2 was not resumed after the pin timed out: $(grep 'round ' "$TMP/d.log" | tail -5)"
  kill -TERM "$d_pid"
  wait "$d_pid" || fail "exit $? after SIGTERM"
  expect_eq "$(committed_count 2)" 1 "one Committed for round 2"
  expect_eq "$(psql_n "SELECT string_agg(DISTINCT fence_token::text, ',') FROM oracle_rounds WHERE state = 'confirmed'")" 1 "the lease was never lost (fence token 1)"
}

# SIGTERM while the round's pin hangs (IPFS SIGSTOPped, a 60 s stall timeout): the daemon cuts the pin
# short and exits 0 within 10 s, the round counted "stopped"; the next daemon, with IPFS back, resumes
# the round from its recorded step and commits it once.
test_daemon_sigterm_while_the_pin_hangs() {
  local t0 t1 rc=0
  ipfs_hangs_mid_round 10 60 || return
  sleep 1 # the pin is waiting on the frozen node
  t0=$(date +%s%3N)
  kill -TERM "$d_pid"
  wait "$d_pid" || rc=$?
  t1=$(date +%s%3N)
  expect_eq "$rc" 0 "exit status after SIGTERM"
  ((t1 - t0 < 10000)) || fail "exited $((t1 - t0)) ms after SIGTERM, while the pin hung (bound: 10 s)"
  grep -q 'msg="round ended" outcome=stopped' "$TMP/d.log" || fail "round 2 not ended 'stopped': $(grep 'round ' "$TMP/d.log" | tail -3)"
  expect_eq "$(psql_n "SELECT step FROM rounds WHERE round = 2")" built "round 2 left at its recorded step"
  kill -CONT "$ipid"
  OBRIDGE_IPFS_API=$IPFS2 "$OBRIDGE" run --port-file "$TMP/d.port" 2>>"$TMP/d.log" &
  d_pid=$!
  wait_confirmed 2 60 || fail "round 2 not committed by the next daemon: $(tail -5 "$TMP/d.log")"
  kill -TERM "$d_pid"
  wait "$d_pid" || fail "exit $? after SIGTERM"
  expect_eq "$(committed_count 2)" 1 "one Committed for round 2"
  grep -q 'round 2 (attempt [0-9]*): committed, resumed from' "$TMP/d.log" || fail "round 2 was not resumed: $(grep 'round ' "$TMP/d.log" | tail -5)"
}

# SIGHUP while a round is in flight: the reload waits until the round ends (the round holds
# pointers into the running config and its fetcher, and a reload frees them: before, the round's fetch
# lost its fetcher and never ended). Both SIGHUPs come while a source hangs for 3 s; they make one
# reload, after the round.
test_daemon_sighup_mid_round_reloads_after_it() {
  setup_daemon 10 || return
  control '{"faults": {"/api/v3/ticker/price": {"mode": "hang", "seconds": 3}}}'
  jq '.oracle.round_interval_s = 3600' "$TMP/obridge.json" >"$TMP/o2.json" && mv "$TMP/o2.json" "$TMP/obridge.json"
  "$OBRIDGE" run --port-file "$TMP/d.port" 2>"$TMP/d.log" &
  local pid=$! i ended reloaded
  d_pid=$pid # (global: the EXIT trap reads it; a daemon whose round hangs never outlives the case)
  trap 'kill -9 $d_pid 2>/dev/null; kill "$(cat "$TMP/src.pid")" 2>/dev/null; cleanup_case' EXIT
  for ((i = 0; i < 100; i++)); do
    [[ $(curl -sf "$SRC/stats" | jq '.requests["/api/v3/ticker/price"] // 0') -ge 1 ]] && break
    sleep 0.1
  done
  kill -HUP "$pid" # mid-round: deferred
  sleep 0.5
  kill -HUP "$pid" # (a second one while the first waits: one reload)
  wait_confirmed 1 30 || { fail "no round after the hang: $(tail -3 "$TMP/d.log")"; return; }
  for ((i = 0; i < 50; i++)); do grep -q 'config reloaded' "$TMP/d.log" && break; sleep 0.1; done
  ended=$(grep -n 'round 1 ended' "$TMP/d.log" | head -1 | cut -d: -f1 || true)
  reloaded=$(grep -n 'config reloaded' "$TMP/d.log" | head -1 | cut -d: -f1 || true)
  [[ -n $ended && -n $reloaded ]] || fail "no round end ($ended) or no reload ($reloaded): $(tail -5 "$TMP/d.log")"
  ((reloaded > ended)) || fail "reloaded (line $reloaded) before the round in flight ended (line $ended)"
  kill -0 "$pid" 2>/dev/null || fail "the daemon died: $(tail -5 "$TMP/d.log")"
  kill -TERM "$pid"
  wait "$pid" || fail "exit $? after SIGTERM"
}

role() { curl -sS "http://127.0.0.1:$(cat "$TMP/$1.port")/health" 2>/dev/null | jq -r .role 2>/dev/null; }

# Two daemons on one database: the leader is killed (kill -9) at a random point of a round that has
# something to commit; the standby takes over within the lease and an interval, resumes that round,
# and commits it once. Three times.
test_two_daemons_leader_killed_standby_commits_each_round_once() {
  setup_daemon 2 || return
  local i k leader price # pid_a, pid_b global: the EXIT trap reads them
  "$OBRIDGE" run --port-file "$TMP/a.port" 2>"$TMP/a.log" &
  pid_a=$!
  "$OBRIDGE" run --port-file "$TMP/b.port" 2>"$TMP/b.log" &
  pid_b=$!
  # however the case ends, no daemon outlives it
  trap 'kill -9 $pid_a $pid_b 2>/dev/null; kill "$(cat "$TMP/src.pid")" 2>/dev/null; cleanup_case' EXIT
  wait_confirmed 1 60 || fail "no first round: $(tail -3 "$TMP/a.log")"
  for k in 1 2 3; do
    leader=""
    for ((i = 0; i < 100; i++)); do
      if [[ $(role a) == leader ]]; then leader=a; elif [[ $(role b) == leader ]]; then leader=b; fi
      [[ -n $leader ]] && break
      sleep 0.1
    done
    [[ -n $leader ]] || { fail "no leader"; break; }
    price=$((3100 + k * 100))
    control "{\"prices\": {\"binance\": {\"ETHUSDT\": \"$price\"}, \"coinbase\": {\"ETH-USD\": \"$price\"}, \"kraken\": {\"ETHUSD\": \"$price\"}}}"
    sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", rand() * 1.5 }')"
    if [[ $leader == a ]]; then
      kill -9 "$pid_a"; wait "$pid_a" 2>/dev/null || true
      "$OBRIDGE" run --port-file "$TMP/a.port" 2>>"$TMP/a.log" &
      pid_a=$!
    else
      kill -9 "$pid_b"; wait "$pid_b" 2>/dev/null || true
      "$OBRIDGE" run --port-file "$TMP/b.port" 2>>"$TMP/b.log" &
      pid_b=$!
    fi
    wait_confirmed $((k + 1)) 60 || fail "round $((k + 1)) not committed after the leader was killed: $(tail -3 "$TMP/a.log" "$TMP/b.log")"
    expect_eq "$(psql_n "SELECT value FROM oracle_feed_last")" "$((price * 100000000))" "the committed value after kill $k"
  done
  kill -TERM "$pid_a" "$pid_b"
  wait "$pid_a" || true
  wait "$pid_b" || true
  local n; n=$(psql_n "SELECT max(round) FROM rounds WHERE step = 'confirmed'")
  expect_eq "$n" 4 "four rounds"
  for ((i = 1; i <= n; i++)); do expect_eq "$(committed_count "$i")" 1 "one Committed for round $i"; done
  expect_eq "$(nonce0)" "$(printf '0x%x' $((n + 1)))" "no nonce gap"
  [[ $(psql_n "SELECT count(DISTINCT fence_token) FROM oracle_rounds WHERE state = 'confirmed'") -ge 2 ]] ||
    fail "every round by one leader: $(psql_n "SELECT string_agg(round || ':' || fence_token, ',') FROM oracle_rounds")"
  run "$OBRIDGE" verify --all
  expect_status 0
}

# kill -9 of the daemon at 30 random points across rounds, restarted each time, while the sources'
# prices move (every round has something to commit): no lost round (the round numbers contiguous,
# each committed on chain exactly once), no duplicate commit, no nonce gap, obridge verify --all
# passes. Three feeds, lease 1 s, a round a second. Label slow (~60-90 s).
test_daemon_kill_9_at_30_random_points_slow() {
  setup_daemon 1 || return
  jq -n --arg src "$SRC" '{feeds: [{name: "BTC/USD", decimals: 8, quorum: 2, deviation_bps: 50, heartbeat_s: 3600,
    sources: [{name: "binance", url: "\($src)/api/v3/ticker/price?symbol=BTCUSDT", path: "$.price"},
              {name: "coinbase", url: "\($src)/v2/prices/BTC-USD/spot", path: "$.data.amount"},
              {name: "kraken", url: "\($src)/0/public/Ticker?pair=BTCUSD", path: "$.result.XXBTZUSD.c[0]"}]},
    {name: "SOL/USD", decimals: 6, quorum: 3, deviation_bps: 50, heartbeat_s: 3600,
     sources: [{name: "binance", url: "\($src)/api/v3/ticker/price?symbol=SOLUSDT", path: "$.price"},
               {name: "coinbase", url: "\($src)/v2/prices/SOL-USD/spot", path: "$.data.amount"},
               {name: "kraken", url: "\($src)/0/public/Ticker?pair=SOLUSD", path: "$.result.SOLUSD.c[0]"}]}]}' >"$TMP/feeds/more.json"
  local i p kills=0 t0=$SECONDS # pid_d global: the EXIT trap reads it
  move() { # every price up 1 % (above the 50 bps deviation): the next round commits all three feeds
    local e=$((3000 + $1 * 31)) b=$((90000 + $1 * 937)) s=$((150 + $1 * 2))
    control "{\"prices\": {\"binance\": {\"ETHUSDT\": \"$e\", \"BTCUSDT\": \"$b\", \"SOLUSDT\": \"$s\"},
      \"coinbase\": {\"ETH-USD\": \"$e\", \"BTC-USD\": \"$b\", \"SOL-USD\": \"$s\"},
      \"kraken\": {\"ETHUSD\": \"$e\", \"BTCUSD\": \"$b\", \"SOLUSD\": \"$s\"}}}"
  }
  trap 'kill -9 $pid_d 2>/dev/null; kill "$(cat "$TMP/src.pid")" 2>/dev/null; cleanup_case' EXIT
  # one source answers after 0.4 s: a round lasts about half a second of its second, so random kills
  # land inside rounds (a round of three feeds is otherwise a few tens of ms)
  control '{"faults": {"/v2/prices/ETH-USD/spot": {"mode": "slow", "seconds": 0.4}}}'
  move 0
  for ((i = 1; i <= 30; i++)); do
    "$OBRIDGE" run --port-file "$TMP/d.port" 2>>"$TMP/d.log" &
    pid_d=$!
    # the lease of the killed daemon expires after 1 s; rounds then run every second: a random
    # point in the next 0.5-3 s lands before, inside or between rounds, at any step
    sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.5 + rand() * 2.5 }')"
    move "$i"
    sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", rand() * 0.6 }')"
    kill -9 "$pid_d" 2>/dev/null && kills=$((kills + 1))
    wait "$pid_d" 2>/dev/null || true
    echo "--- kill -9 $i" >>"$TMP/d.log"
  done
  expect_eq "$kills" 30 "daemons killed"
  # the last daemon: the last prices committed, then SIGTERM
  "$OBRIDGE" run --port-file "$TMP/d.port" 2>>"$TMP/d.log" &
  pid_d=$!
  p=$(((3000 + 30 * 31) * 100000000))
  for ((i = 0; i < 300; i++)); do
    [[ $(psql_n "SELECT value FROM oracle_feed_last WHERE feed = 'ETH/USD'") == "$p" &&
      $(psql_n "SELECT count(*) FROM oracle_rounds WHERE state NOT IN ('confirmed', 'nothing-due')") == 0 ]] && break
    sleep 0.1
  done
  kill -TERM "$pid_d"
  wait "$pid_d" || fail "the last daemon exited $? after SIGTERM"
  expect_eq "$(psql_n "SELECT value FROM oracle_feed_last WHERE feed = 'ETH/USD'")" "$p" "the last price committed"
  expect_eq "$(psql_n "SELECT count(*) FROM oracle_rounds WHERE state NOT IN ('confirmed', 'nothing-due')")" 0 "no round left open"
  local n; n=$(psql_n "SELECT max(round) FROM rounds")
  [[ $n -ge 10 ]] || fail "only $n rounds in 30 restarts"
  # contiguous: rounds 1..n, each confirmed once in the database and committed once on chain
  expect_eq "$(psql_n "SELECT count(*) || ',' || count(DISTINCT round) || ',' || min(round) FROM rounds WHERE step = 'confirmed'")" "$n,$n,1" "rounds 1..$n confirmed"
  expect_eq "$(psql_n "SELECT count(*) FROM rounds WHERE step <> 'confirmed'")" 0 "no round superseded or left"
  local topic logs; topic=$(cast keccak 'Committed(uint64,bytes32,string,uint64,uint32)')
  logs=$(cast logs --rpc-url "$OBRIDGE_RPC_URL" --from-block 0 --address "$OBRIDGE_REGISTRY" "$topic" --json) || fail "cast logs"
  expect_eq "$(jq -c '[.[] | .topics[1]] | length' <<<"$logs")" "$n" "one Committed log per round"
  expect_eq "$(jq -c '[.[] | .topics[1]] | unique | length' <<<"$logs")" "$n" "no round committed twice"
  expect_eq "$(cast call --rpc-url "$OBRIDGE_RPC_URL" "$OBRIDGE_REGISTRY" 'latest()(uint64,bytes32,uint64)' | head -1)" "$n" "latest round on chain"
  expect_eq "$(nonce0)" "$(printf '0x%x' $((n + 1)))" "no nonce gap (deploy + one commit per round)"
  expect_eq "$(psql_n "SELECT count(*) || ',' || count(DISTINCT nonce) || ',' || coalesce(max(nonce) - min(nonce) + 1, 0) FROM chain_txs WHERE purpose LIKE 'commit round %' AND state IN ('confirmed', 'finalized')")" "$n,$n,$n" "the manager's nonces contiguous"
  # the kills interrupted rounds: some were resumed by the next daemon
  local resumed; resumed=$(grep -c 'resumed from' "$TMP/d.log" || true)
  echo "# $n rounds, $resumed resumed after a kill, $((SECONDS - t0)) s" >&2
  [[ $resumed -ge 1 ]] || fail "no kill landed inside a round: $(grep -c 'committed' "$TMP/d.log") rounds logged"
  run "$OBRIDGE" verify --all
  expect_status 0
  expect_out "^round $n: ok"
}
