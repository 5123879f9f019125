# obridge feed run --once and feed show against PostgreSQL, anvil and IPFS: a round committed for the
# feeds with quorum (the others left out with the reason, every error stored and shown), obridge
# verify passing; the triggers (a move below the threshold commits nothing until the heartbeat, one
# above it commits); two runs at once never commit a round twice; kill -9 at every step and at
# random points, then a rerun: no lost round, no duplicate commit, no nonce gap.
# The sources' answers come from OB_TEST_OBSERVATIONS files here; test_round_sources.sh fetches
# them from the local source server.

# shellcheck source=../commit/test_commit.sh
source "$OB_SOURCE_DIR/tests/commit/test_commit.sh"

# feeds FILE: A (3 sources, quorum 2, 1 % deviation, heartbeat HB), B (quorum 2), C (outlier rule).
write_feeds() {
  local hb=${1:-3600}
  mkdir -p "$TMP/feeds"
  jq -n --argjson hb "$hb" '{feeds: [
    {name: "A/USD", decimals: 8, quorum: 2, k: "3", deviation_bps: 100, heartbeat_s: $hb,
     sources: [{name: "s1", url: "http://127.0.0.1:9/a", path: "$.p"}, {name: "s2", url: "http://127.0.0.1:9/b", path: "$.p"},
               {name: "s3", url: "http://127.0.0.1:9/c", path: "$.p"}]},
    {name: "B/USD", decimals: 2, quorum: 2, deviation_bps: 100, heartbeat_s: $hb,
     sources: [{name: "s1", url: "http://127.0.0.1:9/a", path: "$.p"}, {name: "s2", url: "http://127.0.0.1:9/b", path: "$.p"},
               {name: "s3", url: "http://127.0.0.1:9/c", path: "$.p"}]},
    {name: "C/USD", decimals: 0, quorum: 2, deviation_bps: 100, heartbeat_s: $hb,
     sources: [{name: "s1", url: "http://127.0.0.1:9/a", path: "$.p"}, {name: "s2", url: "http://127.0.0.1:9/b", path: "$.p"},
               {name: "s3", url: "http://127.0.0.1:9/c", path: "$.p"}]}]}' >"$TMP/feeds/test.json"
  export OBRIDGE_FEEDS_DIR="$TMP/feeds"
}

# obs A: the sources' answers with A/USD at price $1 (s1 $1, s2 $1 + 0.01, s3 errors).
write_obs() {
  jq -n --arg a "$1" '{
    "A/USD": {s1: $a, s2: (($a | tonumber) + 0.01 | tostring), s3: {error: "HTTP 500 from s3", status: 500}},
    "B/USD": {s1: "12.5", s2: {error: "timed out after 1000 ms"}, s3: {error: "HTTP 429 from s3 (retry after 30 s)", status: 429}},
    "C/USD": {s1: "100", s2: "101", s3: "5000"}}' >"$TMP/obs.json"
  export OB_TEST_OBSERVATIONS="$TMP/obs.json"
}

feed_run() { "$OBRIDGE" feed run --once --key-file "$TMP/key0" --signer-key-files "$TMP/key1,$TMP/key2" --timeout 120 "$@"; }

test_round_committed_for_feeds_with_quorum_errors_shown() {
  setup_commit || return
  write_feeds
  write_obs 3000.5
  run feed_run --json
  expect_status 0
  expect_eq "$(jq -c '[.round, .outcome, .registry]' <<<"$out")" "[1,\"committed\",\"$OBRIDGE_REGISTRY\"]" "round 1 committed"
  expect_eq "$(jq -c '[.feeds[] | [.name, .value, .committed, .due, .errors, .outliers]]' <<<"$out")" \
    '[["A/USD","300050500000",true,"first",1,0],["B/USD",null,false,null,2,0],["C/USD","100",true,"first",0,1]]' "feeds"
  expect_eq "$(jq -r '.feeds[1].leftOut' <<<"$out")" "1 of 3 sources answered, quorum is 2" "B left out with the reason"
  expect_eq "$(cast call --rpc-url "$OBRIDGE_RPC_URL" "$OBRIDGE_REGISTRY" 'rootOf(uint64)(bytes32)' 1)" "$(jq -r .root <<<"$out")" "rootOf(1)"
  expect_eq "$(committed_count 1)" 1 "one Committed"
  # the pinned batch: the due feeds, their observations, C's outlier flagged
  local doc; doc=$(curl -sf -X POST "$OBRIDGE_IPFS_API/api/v0/cat?arg=$(jq -r .cid <<<"$out")") || fail "cat"
  expect_eq "$(jq -c '[.feeds[] | [.name, .value, [.observations[] | [.source, .value, .outlier]]]]' <<<"$doc")" \
    '[["A/USD","300050500000",[["s1","300050000000",null],["s2","300051000000",null]]],["C/USD","100",[["s1","100",null],["s2","101",null],["s3","5000",true]]]]' "batch"
  # every error stored and shown
  run "$OBRIDGE" feed show B/USD --json
  expect_status 0
  expect_eq "$(jq -c '[.observations[] | [.source, .value, .error, .status]]' <<<"$out")" \
    '[["s1","1250",null,200],["s2",null,"timed out after 1000 ms",null],["s3",null,"HTTP 429 from s3 (retry after 30 s)",429]]' "B's observations"
  expect_eq "$(jq -c '[.aggregate.leftOut, .committed]' <<<"$out")" '["1 of 3 sources answered, quorum is 2",null]' "B's aggregate"
  run "$OBRIDGE" feed show A/USD
  expect_status 0
  expect_out 'HTTP 500 from s3'
  expect_out 'committed round 1: 300050500000'
  run "$OBRIDGE" feed show NOPE/USD
  expect_status 2
  # obridge verify and the verifier written from PROTOCOL.md agree
  run "$OBRIDGE" verify --all
  expect_status 0
  run node "$OB_SOURCE_DIR/tests/commit/ref_verify.mjs" --rpc "$OBRIDGE_RPC_HTTP_URL" --ipfs "$OBRIDGE_IPFS_API" \
    --registry "$OBRIDGE_REGISTRY" --all
  expect_status 0
  # --feed picks feeds; an unknown one is bad usage, with nothing done
  run feed_run --feed X/USD
  expect_status 2
  expect_err "no feed 'X/USD'"
}

test_triggers_deviation_and_heartbeat() {
  setup_commit || return
  write_feeds 6
  write_obs 100
  run feed_run --json --feed A/USD
  expect_eq "$(jq -c '[.round, .outcome, .feeds[0].due]' <<<"$out")" '[1,"committed","first"]' "first value"
  # 0.9 % (below 1 %): nothing due, the same number is kept for the next round
  write_obs 100.9
  run feed_run --json --feed A/USD
  expect_status 0
  expect_eq "$(jq -c '[.round, .outcome, .feeds[0].due, .feeds[0].committed]' <<<"$out")" '[2,"nothing-due",null,false]' "below the threshold"
  expect_eq "$(committed_count 2)" 0 "no commit"
  # 1.5 % above the committed value: a round
  write_obs 101.5
  run feed_run --json --feed A/USD
  expect_eq "$(jq -c '[.round, .outcome, .attempt, .feeds[0].due]' <<<"$out")" '[2,"committed",2,"deviation"]' "above the threshold"
  # unchanged: nothing, until the heartbeat (6 s) is due
  run feed_run --json --feed A/USD
  expect_eq "$(jq -r .outcome <<<"$out")" nothing-due "unchanged"
  sleep 6
  run feed_run --json --feed A/USD
  expect_eq "$(jq -c '[.round, .outcome, .feeds[0].due]' <<<"$out")" '[3,"committed","heartbeat"]' "heartbeat"
  expect_eq "$(psql_n "SELECT string_agg(round || ':' || value, ',' ORDER BY feed) FROM oracle_feed_last")" "3:10150500000" "last committed"
}

test_two_runs_at_once_never_commit_twice() {
  setup_commit || return
  write_feeds
  local i a b committed=0 locked=0
  for i in $(seq 1 20); do
    write_obs $((1000 + i * 50))
    feed_run --json >"$TMP/a.out" 2>"$TMP/a.err" &
    a=$!
    feed_run --json >"$TMP/b.out" 2>"$TMP/b.err" &
    b=$!
    wait $a || fail "run a of $i exited $?: $(cat "$TMP/a.err")"
    wait $b || fail "run b of $i exited $?: $(cat "$TMP/b.err")"
    committed=$((committed + $(cat "$TMP/a.out" "$TMP/b.out" | jq -s '[.[] | select(.outcome == "committed")] | length')))
    locked=$((locked + $(cat "$TMP/a.out" "$TMP/b.out" | jq -s '[.[] | select(.outcome == "locked")] | length')))
    grep -q '"outcome":"locked"' "$TMP/a.out" "$TMP/b.out" &&
      { grep -hq 'is held by obridge feed run .*:[0-9]' "$TMP/a.err" "$TMP/b.err" || fail "the locked run does not name the holder"; }
  done
  expect_eq "$committed" 20 "one commit per iteration"
  [[ $locked -ge 1 ]] || fail "the runs never overlapped (locked $locked times)"
  for i in $(seq 1 20); do expect_eq "$(committed_count "$i")" 1 "one Committed for round $i"; done
  expect_eq "$(nonce0)" "$(printf '0x%x' 21)" "no nonce gap"
}

# The killed run's database session ends a moment after the process (PostgreSQL notices the closed
# socket): its advisory lock is held until then, and a rerun at once would find it "locked".
wait_unlocked() {
  local i
  for ((i = 0; i < 50; i++)); do
    [[ $(psql_n "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == 0 ]] && return 0
    sleep 0.1
  done
}

kill_points() {
  setup_commit || return
  write_feeds
  local i r=0 pid delay step
  for step in collected aggregated built pinned signed submitted; do
    r=$((r + 1))
    write_obs $((2000 + r * 100))
    OB_TEST_CRASH_AT=$step feed_run >/dev/null 2>&1 && fail "no crash at $step"
    wait_unlocked
    run feed_run --json
    expect_status 0
    expect_eq "$(jq -c '[.round, .outcome]' <<<"$out")" "[$r,\"committed\"]" "round $r after a crash at $step"
  done
  for i in $(seq 1 "$1"); do
    r=$((r + 1))
    write_obs $((2000 + r * 100))
    feed_run >/dev/null 2>&1 &
    pid=$!
    delay=$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", rand() * 1.5 }')
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    wait_unlocked
    run feed_run --json
    expect_status 0
    # the killed run may have finished its round (then this one finds nothing due)
    r=$(psql_n "SELECT max(round) FROM rounds WHERE step = 'confirmed'")
  done
  for ((i = 1; i <= r; i++)); do expect_eq "$(committed_count $i)" 1 "one Committed for round $i"; done
  expect_eq "$(psql_n "SELECT count(*) FROM oracle_rounds WHERE state NOT IN ('confirmed', 'nothing-due')")" 0 "no round left open"
  expect_eq "$(nonce0)" "$(printf '0x%x' $((r + 1)))" "no nonce gap"
  run "$OBRIDGE" verify --all
  expect_status 0
}

test_kill_9_at_every_step_and_random_points_then_rerun() { kill_points 8; }

# obridge commit resumes any unfinished round of the registry, an oracle round too; the next feed run
# takes that outcome instead of committing it again.
test_round_finished_by_obridge_commit_is_not_committed_again() {
  setup_commit || return
  write_feeds
  write_obs 500
  OB_TEST_CRASH_AT=pinned feed_run >/dev/null 2>&1 && fail "no crash at pinned"
  run commit --json
  expect_status 0
  expect_eq "$(jq .round <<<"$out")" 1 "obridge commit finished round 1"
  run feed_run --json
  expect_status 0
  expect_eq "$(jq -c '[.round, .outcome, .resumedFrom, .cid != null]' <<<"$out")" '[1,"committed","sign",true]' "taken over"
  expect_eq "$(committed_count 1)" 1 "one Committed"
  expect_eq "$(psql_n "SELECT state FROM oracle_rounds WHERE round = 1")" confirmed "oracle round confirmed"
  expect_eq "$(psql_n "SELECT count(*) FROM oracle_feed_last")" 2 "A and C committed"
  run feed_run --json
  expect_eq "$(jq -c '[.round, .outcome]' <<<"$out")" '[2,"nothing-due"]' "then nothing due"
}

# A peer down is exit 3 with the round kept at its step; the next run resumes it.
test_peer_unreachable_exit_3_then_resumed() {
  setup_commit || return
  write_feeds
  write_obs 700
  OBRIDGE_IPFS_API=http://127.0.0.1:9 run feed_run --json
  expect_status 3
  expect_eq "$(psql_n "SELECT state || ',' || coalesce(error, '') <> 'pin,' FROM oracle_rounds WHERE round = 1")" t "the error kept on the round"
  expect_eq "$(psql_n "SELECT state FROM oracle_rounds WHERE round = 1")" pin "round 1 waits at pin"
  run feed_run --json
  expect_status 0
  expect_eq "$(jq -c '[.round, .outcome, .resumedFrom]' <<<"$out")" '[1,"committed","pin"]' "resumed at pin"
  expect_eq "$(committed_count 1)" 1 "one Committed"
  # no database: exit 3 before anything
  OBRIDGE_DATABASE_URL=postgresql://127.0.0.1:9/x run feed_run
  expect_status 3
}

# A round left before submit for longer than the registry's maxAge would revert forever: the next
# run supersedes it and commits a new round.
test_stale_unsent_round_superseded_by_a_new_one() {
  setup_commit || return
  write_feeds
  write_obs 900
  OB_TEST_CRASH_AT=signed feed_run >/dev/null 2>&1 && fail "no crash at signed"
  psql_n "UPDATE oracle_rounds SET started_at = now() - interval '2 hours'" >/dev/null
  run feed_run --json
  expect_status 0
  expect_err 'stale: left at submit|stale: left at sign'
  expect_eq "$(jq -c '[.round, .outcome, .resumedFrom]' <<<"$out")" '[2,"committed",null]' "a new round"
  expect_eq "$(psql_n "SELECT string_agg(round || ':' || step, ',' ORDER BY round) FROM rounds")" "1:superseded,2:confirmed" "rounds"
  expect_eq "$(committed_count 1)" 0 "round 1 never committed"
  expect_eq "$(committed_count 2)" 1 "round 2 committed"
  # a round already sent is never given up
  write_obs 1000
  OB_TEST_CRASH_AT=submitted feed_run >/dev/null 2>&1 && fail "no crash at submitted"
  psql_n "UPDATE oracle_rounds SET started_at = now() - interval '2 hours' WHERE round = 3" >/dev/null
  run feed_run --json
  expect_status 0
  expect_eq "$(jq -c '[.round, .outcome, .resumedFrom]' <<<"$out")" '[3,"committed","submit"]' "the sent round resumed"
}
