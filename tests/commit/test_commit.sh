# obridge commit against a private anvil, IPFS and PostgreSQL: rounds of 1, 2, 3 and 100 feeds with
# a 3-signer threshold-2 registry, the Committed logs, bad input refused with nothing sent, and
# crashes after each step resumed into exactly one Committed per round with no nonce gap.

setup_commit() {
  private_chain 0 1 2 4 || return 1
  obridge_deploy_registry "$ADDR1,$ADDR2,$ADDR3" 2 || return 1
}
nonce0() { "$OBRIDGE" chain call eth_getTransactionCount "[\"$ADDR0\",\"latest\"]" | tr -d '"'; }
committed_count() { # Committed logs of round $1
  local topic; topic=$(cast keccak 'Committed(uint64,bytes32,string,uint64,uint32)')
  cast logs --rpc-url "$OBRIDGE_RPC_URL" --from-block 0 --address "$OBRIDGE_REGISTRY" "$topic" "$(cast to-uint256 "$1")" --json | jq length
}
commit() { "$OBRIDGE" commit --key-file "$TMP/key0" --signer-key-files "$TMP/key1,$TMP/key2" --timeout 120 "$@"; }

# A values file of n feeds: plain values, and every 3rd feed from observations.
values() {
  local n=$1 i
  {
    echo '{"feeds":['
    for ((i = 0; i < n; i++)); do
      ((i)) && echo ','
      if ((i % 3 == 2)); then
        printf '{"name":"F%04d/USD","decimals":8,"observations":[{"source":"a","value":"%d.5","at":1700000000},{"source":"b","value":"%d.25","at":1700000001},{"source":"c","value":"99999","at":1700000002}],"aggregation":{"k":"3","quorum":2}}' "$i" "$i" "$i"
      else
        printf '{"name":"F%04d/USD","decimals":8,"value":"%d.125e1","observedAt":1700000000}' "$i" "$i"
      fi
    done
    echo ']}'
  } >"$TMP/values-$n.json"
  echo "$TMP/values-$n.json"
}

test_rounds_of_1_2_3_100_feeds() {
  setup_commit || return
  local n r=0
  for n in 1 2 3 100; do
    r=$((r + 1))
    run commit --values "$(values $n)" --json
    expect_status 0
    expect_eq "$(jq -c '[.registry, .round]' <<<"$out")" "[\"$OBRIDGE_REGISTRY\",$r]" "round $r"
    expect_out '"root":"0x[0-9a-f]{64}","cid":"b[a-z2-7]+","tx":"0x[0-9a-f]{64}","gasUsed":[0-9]+'
    local root; root=$(jq -r .root <<<"$out")
    expect_eq "$(cast call --rpc-url "$OBRIDGE_RPC_URL" "$OBRIDGE_REGISTRY" 'rootOf(uint64)(bytes32)' $r)" "$root" "rootOf($r)"
    expect_eq "$(committed_count $r)" 1 "one Committed for round $r"
    # the pinned document is the batch: fetch it back and check its round and feed count
    local doc; doc=$(curl -sf -X POST "$OBRIDGE_IPFS_API/api/v0/cat?arg=$(jq -r .cid <<<"$out")") || fail "cat"
    expect_eq "$(jq -c '[.round, (.feeds | length), .root]' <<<"$doc")" "[$r,$n,\"$root\"]" "pinned batch of round $r"
  done
  expect_eq "$(psql_n "SELECT string_agg(step, ',' ORDER BY round) FROM rounds")" "confirmed,confirmed,confirmed,confirmed" "rounds"
  run "$OBRIDGE" registry show --json
  expect_eq "$(jq .latest.round <<<"$out")" 4 "latest round"
  # the aggregate: observations 2.5, 2.25, 99999 with k 3 -> 99999 an outlier, median of the rest
  expect_eq "$(jq -c '.feeds[] | select(.name == "F0002/USD") | [.value, [.observations[].outlier]]' <<<"$doc")" \
    '["237500000",[null,null,true]]' "median-mad with the outlier flagged"
  # cross-check: the verifier written from PROTOCOL.md alone (ethers, @openzeppelin/merkle-tree) passes every round
  run node "$OB_SOURCE_DIR/tests/commit/ref_verify.mjs" --rpc "$OBRIDGE_RPC_HTTP_URL" --ipfs "$OBRIDGE_IPFS_API" \
    --registry "$OBRIDGE_REGISTRY" --all
  expect_status 0
}

test_bad_input_nothing_sent() {
  setup_commit || return
  local before; before=$(nonce0)
  echo '{"feeds":[{"name":"A","decimals":2,"value":"1"},{"name":"A","decimals":2,"value":"2"}]}' >"$TMP/dup.json"
  run commit --values "$TMP/dup.json"
  expect_status 2
  expect_err "feeds\\[1\\] 'A': duplicate feed name"
  # the first feed (by position) that repeats an earlier name, named with that earlier one
  echo '{"feeds":[{"name":"B","decimals":2,"value":"1"},{"name":"A","decimals":2,"value":"1"},{"name":"C","decimals":2,"value":"1"},
    {"name":"A","decimals":2,"value":"1"},{"name":"B","decimals":2,"value":"1"},{"name":"A","decimals":2,"value":"1"}]}' >"$TMP/dup2.json"
  run commit --values "$TMP/dup2.json"
  expect_status 2
  expect_err "feeds\\[3\\] 'A': duplicate feed name \\(also feeds\\[1\\]\\)"
  echo '{"feeds":[{"name":"A","decimals":0,"value":"1e80"}]}' >"$TMP/big.json"
  run commit --values "$TMP/big.json"
  expect_status 2
  expect_err 'does not fit int256'
  echo '{"feeds":[{"name":"A","decimals":2,"value":"7","observations":[{"source":"x","value":"1","at":1},{"source":"y","value":"2","at":1}]}]}' >"$TMP/agg.json"
  run commit --values "$TMP/agg.json"
  expect_status 2
  expect_err 'not the aggregate of its observations'
  echo '{"feeds":[{"name":"A","decimals":2,"value":"1"}]}' >"$TMP/ok.json"
  # a signer outside the set
  run "$OBRIDGE" commit --key-file "$TMP/key0" --signer-key-files "$TMP/key1,$TMP/key4" --values "$TMP/ok.json"
  expect_status 2
  expect_err 'is not in the registry.s signer set'
  # one signature short
  run "$OBRIDGE" commit --key-file "$TMP/key0" --signer-key-files "$TMP/key1" --values "$TMP/ok.json"
  expect_status 2
  expect_err '1 signature, the registry needs 2'
  # a registry with no code
  run commit --values "$TMP/ok.json" --registry "$ADDR3"
  expect_status 2
  expect_err 'no contract code at this address'
  # a stale round, named from the revert
  run commit --values "$TMP/ok.json" --round 1
  expect_status 0
  psql_n "DELETE FROM rounds" >/dev/null
  # Another value, so another root: the same document in the same second would have the same root,
  # and then the commit already on chain is (rightly) found by its key and reported, not re-sent.
  echo '{"feeds":[{"name":"A","decimals":2,"value":"2"}]}' >"$TMP/ok2.json"
  run commit --values "$TMP/ok2.json" --round 1
  expect_status 1
  expect_err 'StaleRound\(1, 1\)'
  expect_eq "$(nonce0)" "$(printf '0x%x' $(( before + 1 )))" "only the good commit was sent"
}

test_crash_after_each_step_then_rerun() {
  setup_commit || return
  local step r=0
  for step in built pinned signed submitted; do
    r=$((r + 1))
    OB_TEST_CRASH_AT=$step run commit --values "$(values 3)"
    expect_status 9
    expect_eq "$(psql_n "SELECT step FROM rounds WHERE round = $r")" "$step" "stopped after $step"
    run commit --values "$(values 3)" --json
    expect_status 0
    expect_eq "$(jq .round <<<"$out")" "$r" "resumed round $r"
    expect_eq "$(committed_count $r)" 1 "one Committed for round $r after a crash at $step"
  done
  expect_eq "$(nonce0)" "$(printf '0x%x' $((r + 1)))" "deploy + one tx per round, no gap"
  expect_eq "$(psql_n "SELECT count(*) FROM chain_txs WHERE state IN ('confirmed','finalized')")" $((r + 1)) "mined rows"
}

# kill -9 of `obridge commit` at N random points, each followed by a rerun: one Committed per round,
# no nonce gap. 10 points here; the issue's 30 in test_commit_slow.sh.
kill_9_points() {
  setup_commit || return
  local i r=0 pid delay
  for i in $(seq 1 "$1"); do
    r=$((r + 1))
    values 2 >/dev/null
    commit --values "$TMP/values-2.json" >/dev/null 2>&1 &
    pid=$!
    delay=$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", rand() * 1.5 }')
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    run commit --values "$TMP/values-2.json" --json
    expect_status 0
    r=$(jq .round <<<"$out")
  done
  for ((i = 1; i <= r; i++)); do expect_eq "$(committed_count $i)" 1 "one Committed for round $i"; done
  expect_eq "$(nonce0)" "$(printf '0x%x' $((r + 1)))" "no nonce gap"
}

test_kill_9_at_random_points_then_rerun() { kill_9_points 10; }

test_operator_flow_build_sign_submit() {
  setup_commit || return
  local KEY3=7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6
  echo "$KEY3" >"$TMP/key3"
  run "$OBRIDGE" commit build --values "$(values 5)" --out "$TMP/b1.json"
  expect_status 0
  expect_out '^round 1$'
  run "$OBRIDGE" commit sign --batch "$TMP/b1.json" --out "$TMP/s1.sig" --key-file "$TMP/key3"
  expect_status 0
  expect_eq "$(jq -r '[.signer, .round, .registry] | join(",")' "$TMP/s1.sig")" "$ADDR3,1,$OBRIDGE_REGISTRY" "signature file"
  run "$OBRIDGE" commit sign --batch "$TMP/b1.json" --out "$TMP/s2.sig" --key-file "$TMP/key1"
  expect_status 0
  run "$OBRIDGE" commit sign --batch "$TMP/b1.json" --out "$TMP/s4.sig" --key-file "$TMP/key4"
  expect_status 0
  local before; before=$(nonce0)
  # refused before any gas: a duplicate, a stranger, one short
  run "$OBRIDGE" commit submit --batch "$TMP/b1.json" --sig "$TMP/s1.sig" --sig "$TMP/s1.sig" --key-file "$TMP/key0"
  expect_status 2
  expect_err "signer $ADDR3 signed twice"
  run "$OBRIDGE" commit submit --batch "$TMP/b1.json" --sig "$TMP/s1.sig" --sig "$TMP/s4.sig" --key-file "$TMP/key0"
  expect_status 2
  expect_err 'is not in the registry.s signer set'
  run "$OBRIDGE" commit submit --batch "$TMP/b1.json" --sig "$TMP/s1.sig" --key-file "$TMP/key0"
  expect_status 2
  expect_err '1 signatures, the registry needs 2'
  # a batch whose root does not match its feeds; a batch failing its schema
  jq -c '.feeds[0].value = "1"' "$TMP/b1.json" >"$TMP/bad-root.json"
  run "$OBRIDGE" commit submit --batch "$TMP/bad-root.json" --sig "$TMP/s1.sig" --sig "$TMP/s2.sig" --key-file "$TMP/key0"
  expect_status 2
  expect_err "batch '.*bad-root.json'"
  jq -c 'del(.leafEncoding)' "$TMP/b1.json" >"$TMP/bad-schema.json"
  run "$OBRIDGE" commit submit --batch "$TMP/bad-schema.json" --sig "$TMP/s1.sig" --sig "$TMP/s2.sig" --key-file "$TMP/key0"
  expect_status 2
  expect_err 'leafEncoding'
  # a signature for another round
  run "$OBRIDGE" commit build --values "$(values 5)" --out "$TMP/b2.json" --round 2
  expect_status 0
  run "$OBRIDGE" commit sign --batch "$TMP/b2.json" --out "$TMP/r2.sig" --key-file "$TMP/key2"
  expect_status 0
  run "$OBRIDGE" commit submit --batch "$TMP/b1.json" --sig "$TMP/s1.sig" --sig "$TMP/r2.sig" --key-file "$TMP/key0"
  expect_status 2
  expect_err 'is for another commitment'
  expect_eq "$(nonce0)" "$before" "nothing sent"
  # given in any order: sorted by address and committed
  run "$OBRIDGE" commit submit --batch "$TMP/b1.json" --sig "$TMP/s1.sig" --sig "$TMP/s2.sig" --key-file "$TMP/key0" --json
  expect_status 0
  expect_eq "$(jq .round <<<"$out")" 1 "submitted round"
  expect_eq "$(committed_count 1)" 1 "one Committed"
  # again: the idempotency key finds the same transaction, nothing new is sent
  run "$OBRIDGE" commit submit --batch "$TMP/b1.json" --sig "$TMP/s2.sig" --sig "$TMP/s1.sig" --key-file "$TMP/key0"
  expect_eq "$(committed_count 1)" 1 "still one Committed"
  run node "$OB_SOURCE_DIR/tests/commit/ref_verify.mjs" --rpc "$OBRIDGE_RPC_HTTP_URL" --ipfs "$OBRIDGE_IPFS_API" \
    --registry "$OBRIDGE_REGISTRY" --all
  expect_status 0
}

# A round whose commit cannot be mined before newer values are ready is superseded at the same nonce:
# mining paused, round 1 is sent and not mined; `commit` with new values builds round 2, whose commit
# replaces round 1's at its nonce. Mined: one Committed, for round 2; round 1 shown superseded.
test_pending_round_superseded_at_the_same_nonce() {
  setup_commit || return
  local before pid rc=0 i
  before=$(nonce0)
  cast rpc --rpc-url "$OBRIDGE_RPC_URL" evm_setAutomine false >/dev/null
  run commit --values "$(values 2)" --timeout 3
  expect_status 3
  expect_err 'round 1: tx [0-9]+ not confirmed within --timeout'
  expect_eq "$(psql_n "SELECT step FROM rounds WHERE round = 1")" submitted "round 1 sent, not mined"
  # the superseding run crashes once after signing: the rerun carries on with round 2
  OB_TEST_CRASH_AT=signed run commit --values "$(values 3)"
  expect_status 9
  expect_eq "$(psql_n "SELECT string_agg(step, ',' ORDER BY round) FROM rounds")" submitted,signed "crashed after signing round 2"
  commit --values "$(values 3)" --json >"$TMP/sup.out" 2>"$TMP/sup.err" &
  pid=$!
  for ((i = 0; i < 300; i++)); do
    [[ $(psql_n "SELECT string_agg(step, ',' ORDER BY round) FROM rounds") == superseded,submitted ]] && break
    sleep 0.1
  done
  expect_eq "$(psql_n "SELECT string_agg(step, ',' ORDER BY round) FROM rounds")" superseded,submitted "round 2 replaces round 1"
  expect_eq "$(psql_n "SELECT count(DISTINCT nonce) || ',' || count(*) FILTER (WHERE replaces IS NOT NULL) FROM chain_txs t
                       JOIN rounds r ON r.tx_id = t.id")" "1,1" "both at one nonce, the second replacing the first"
  cast rpc --rpc-url "$OBRIDGE_RPC_URL" evm_mine >/dev/null
  wait "$pid" || rc=$?
  expect_eq "$rc" 0 "the superseding commit ends (stderr: $(cat "$TMP/sup.err"))"
  expect_eq "$(jq -c '[.round, .superseded]' "$TMP/sup.out")" "[2,1]" "commit --json names the superseded round"
  expect_eq "$(committed_count 1)" 0 "round 1 never mined"
  expect_eq "$(committed_count 2)" 1 "one Committed, for round 2"
  expect_eq "$(cast call --rpc-url "$OBRIDGE_RPC_URL" "$OBRIDGE_REGISTRY" 'rootOf(uint64)(bytes32)' 2)" \
    "$(jq -r .root "$TMP/sup.out")" "rootOf(2)"
  expect_eq "$(nonce0)" "$(printf '0x%x' $((before + 1)))" "one nonce used, no gap"
  run "$OBRIDGE" commit status --json
  expect_status 0
  expect_eq "$(jq -c '[.rounds[] | [.round, .step]]' <<<"$out")" '[[2,"confirmed"],[1,"superseded"]]' "commit status"
  run "$OBRIDGE" commit status
  expect_out 'round 1 +superseded'
  # the next round is an ordinary one at the next nonce
  cast rpc --rpc-url "$OBRIDGE_RPC_URL" evm_setAutomine true >/dev/null
  run commit --values "$(values 1)" --json
  expect_status 0
  expect_eq "$(jq -c '[.round, .superseded]' <<<"$out")" "[3,null]" "round 3"
  expect_eq "$(nonce0)" "$(printf '0x%x' $((before + 2)))" "no gap"
}

# Signing from a configured list of keystores (commit.signer_keystores, one password file each): three
# keystores of a 3-signer threshold-2 registry sign; the commit carries their three signatures.
test_signing_from_configured_keystores() {
  setup_commit || return
  local KEY3=7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6 i pws ks
  echo "$KEY3" >"$TMP/key3"
  for i in 1 2 3; do
    printf 'secret-pw-%d' "$i" >"$TMP/pw$i"
    run "$OBRIDGE" key import --key-file "$TMP/key$i" --dir "$TMP/ks" --name "s$i.json" --password-file "$TMP/pw$i" --scrypt-n 1024
    expect_status 0
  done
  ks="$TMP/ks/s1.json,$TMP/ks/s2.json,$TMP/ks/s3.json"
  pws="$TMP/pw1,$TMP/pw2,$TMP/pw3"
  # environment: OBRIDGE_SIGNER_KEYSTORES and OBRIDGE_SIGNER_PASSWORD_FILES
  OBRIDGE_SIGNER_KEYSTORES=$ks OBRIDGE_SIGNER_PASSWORD_FILES=$pws \
    run "$OBRIDGE" commit --key-file "$TMP/key0" --values "$(values 3)" --json --timeout 120
  expect_status 0
  expect_eq "$(jq .round <<<"$out")" 1 "round 1"
  expect_eq "$(committed_count 1)" 1 "one Committed"
  run "$OBRIDGE" verify --round 1 --all --json
  expect_status 0
  expect_eq "$(jq -c '.rounds[0].signers | sort' <<<"$out")" "$(jq -nc --arg a "$ADDR1" --arg b "$ADDR2" --arg c "$ADDR3" '[$a,$b,$c] | sort')" \
    "the three keystores signed"
  # the config file: two of the three keystores, one password for both from the environment
  printf 'same-pw' >"$TMP/pwsame"
  run "$OBRIDGE" key import --key-file "$TMP/key1" --dir "$TMP/ks" --name "t1.json" --password-file "$TMP/pwsame" --scrypt-n 1024
  expect_status 0
  run "$OBRIDGE" key import --key-file "$TMP/key3" --dir "$TMP/ks" --name "t3.json" --password-file "$TMP/pwsame" --scrypt-n 1024
  expect_status 0
  jq -n --arg a "$TMP/ks/t1.json" --arg b "$TMP/ks/t3.json" '{commit: {signer_keystores: [$a, $b]}}' >"$TMP/obridge.json"
  OBRIDGE_KEYSTORE_PASSWORD=same-pw run "$OBRIDGE" --config "$TMP/obridge.json" commit --key-file "$TMP/key0" --values "$(values 2)" --json
  expect_status 0
  expect_eq "$(jq .round <<<"$out")" 2 "round 2"
  run "$OBRIDGE" verify --round 2 --all --json
  expect_eq "$(jq -c '.rounds[0].signers | sort' <<<"$out")" "$(jq -nc --arg a "$ADDR1" --arg c "$ADDR3" '[$a,$c] | sort')" "t1 and t3 signed"
  # refused before anything is sent: a wrong password (named keystore, never the password), a count mismatch
  local before; before=$(nonce0)
  printf 'wrong-pw' >"$TMP/pwbad"
  OBRIDGE_SIGNER_KEYSTORES=$ks OBRIDGE_SIGNER_PASSWORD_FILES="$TMP/pw1,$TMP/pwbad,$TMP/pw3" \
    run "$OBRIDGE" commit --key-file "$TMP/key0" --values "$(values 1)"
  expect_status 2
  expect_err "wrong password for keystore '.*s2.json'"
  expect_no_err 'wrong-pw|secret-pw'
  expect_no_out 'wrong-pw|secret-pw'
  OBRIDGE_SIGNER_KEYSTORES=$ks OBRIDGE_SIGNER_PASSWORD_FILES="$TMP/pw1,$TMP/pw2" \
    run "$OBRIDGE" commit --key-file "$TMP/key0" --values "$(values 1)"
  expect_status 2
  expect_err 'commit.signer_password_files has 2 entries, commit.signer_keystores 3'
  expect_eq "$(nonce0)" "$before" "nothing sent"
  run "$OBRIDGE" --config "$TMP/obridge.json" config show
  expect_out '"signer_keystores": \[ *$'
  expect_out "t3.json\"$"
}

# Contract reverts that the CLI's own checks cannot see coming, named from the dry run: each exits 1,
# nothing is sent and nothing is recorded as confirmed. (Signature-set faults, one short, a stranger,
# a duplicate, high s, a bad length, a signature for another round, are refused by obridge before the
# contract: test_operator_flow_build_sign_submit; forge checks the contract's own errors for them.)
test_contract_reverts_named_nothing_confirmed() {
  setup_commit || return
  local before confirmed now ts1 E=' \[[0-9.e]+\]' # the decoder's magnitude note: "1796411551 [1.796e9]"
  run "$OBRIDGE" commit build --values "$(values 2)" --out "$TMP/b1.json"
  expect_status 0
  # sign and submit a batch ($1) as is; $2: the error the registry names
  submit_named() {
    local i
    for i in 1 2; do
      run "$OBRIDGE" commit sign --batch "$1" --out "$TMP/x$i.sig" --key-file "$TMP/key$i"
      expect_status 0
    done
    run "$OBRIDGE" commit submit --batch "$1" --sig "$TMP/x1.sig" --sig "$TMP/x2.sig" --key-file "$TMP/key0" --timeout 60
    expect_status 1
    expect_err "$2"
  }
  before=$(nonce0)
  confirmed=$(psql_n "SELECT count(*) FROM chain_txs WHERE state IN ('confirmed','finalized')")
  now=$(date +%s)
  # older than the registry's max age (default one hour), more than MAX_FUTURE (300 s) ahead
  jq -c ".timestamp = $((now - 7200))" "$TMP/b1.json" >"$TMP/old.json"
  submit_named "$TMP/old.json" "TimestampTooOld\\($((now - 7200))$E, [0-9]+$E\\)"
  jq -c ".timestamp = $((now + 3600))" "$TMP/b1.json" >"$TMP/new.json"
  submit_named "$TMP/new.json" "TimestampTooNew\\($((now + 3600))$E, [0-9]+$E\\)"
  expect_eq "$(nonce0)" "$before" "nothing sent"
  expect_eq "$(psql_n "SELECT count(*) FROM chain_txs WHERE state IN ('confirmed','finalized')")" "$confirmed" "nothing confirmed"
  # round 1 committed; then a round 2 stamped before it, and round 1 again
  submit_named_ok() {
    run "$OBRIDGE" commit sign --batch "$1" --out "$TMP/y1.sig" --key-file "$TMP/key1"
    run "$OBRIDGE" commit sign --batch "$1" --out "$TMP/y2.sig" --key-file "$TMP/key2"
    run "$OBRIDGE" commit submit --batch "$1" --sig "$TMP/y1.sig" --sig "$TMP/y2.sig" --key-file "$TMP/key0" --timeout 60
    expect_status 0
  }
  submit_named_ok "$TMP/b1.json"
  ts1=$(jq .timestamp "$TMP/b1.json")
  before=$(nonce0)
  confirmed=$(psql_n "SELECT count(*) FROM chain_txs WHERE state IN ('confirmed','finalized')")
  run "$OBRIDGE" commit build --values "$(values 2)" --out "$TMP/b2.json" --round 2
  expect_status 0
  jq -c ".timestamp = $((ts1 - 10))" "$TMP/b2.json" >"$TMP/before.json"
  submit_named "$TMP/before.json" "TimestampBeforeLatest\\($((ts1 - 10))$E, $ts1$E\\)"
  run "$OBRIDGE" commit build --values "$(values 3)" --out "$TMP/stale.json" --round 1
  expect_status 0
  submit_named "$TMP/stale.json" 'StaleRound\(1, 1\)'
  expect_eq "$(nonce0)" "$before" "nothing sent"
  expect_eq "$(psql_n "SELECT count(*) FROM chain_txs WHERE state IN ('confirmed','finalized')")" "$confirmed" "nothing more confirmed"
  expect_eq "$(committed_count 1)" 1 "round 1 once"
  expect_eq "$(committed_count 2)" 0 "no round 2"
}
