# The transaction manager survives kill -9: a stream of transactions, each sent by a fresh
# `obridge tx send` that is killed at random points, then driven to the end.

setup_crash() {
  private_chain 2 || return 1
}

test_kill9_at_50_points_no_gap_no_duplicate_no_loss() {
  setup_crash || return
  local n=73 kills=0 attempts=0 i pid rc seed=${OB_TEST_SEED:-$$}
  RANDOM=$seed
  echo "seed $seed" >&2
  # How long one send takes here: kills land at random points inside that window.
  local t0 t1 window
  t0=$(date +%s%3N)
  "$OBRIDGE" tx send --to 0x0000000000000000000000000000000000000042 --value 1 --key "probe" \
    --key-file "$TMP/key2" >/dev/null 2>>"$TMP/send.log" || { fail "probe send failed: $(cat "$TMP/send.log")"; return; }
  t1=$(date +%s%3N)
  window=$(( (t1 - t0) * 9 / 10 ))
  ((window > 5)) || window=5
  echo "one send takes $((t1 - t0)) ms; kills land within the first $window ms" >&2
  for i in $(seq 2 $n); do
    if ((i <= 4)); then # two more sends unkilled: the window is the fastest (a cold first start is slow)
      t0=$(date +%s%3N)
      "$OBRIDGE" tx send --to 0x0000000000000000000000000000000000000042 --value 1 --key "stream-$i" \
        --key-file "$TMP/key2" >/dev/null 2>>"$TMP/send.log" || { fail "send $i failed: $(tail -3 "$TMP/send.log")"; return; }
      t1=$(date +%s%3N)
      (((t1 - t0) * 9 / 10 < window)) && window=$(( (t1 - t0) * 9 / 10 ))
      ((window > 5)) || window=5
      ((i == 4)) && echo "fastest send $window ms (x 10/9): kills land within it" >&2
      continue
    fi
    while :; do
      attempts=$((attempts + 1))
      "$OBRIDGE" tx send --to 0x0000000000000000000000000000000000000042 --value 1 --key "stream-$i" \
        --key-file "$TMP/key2" >/dev/null 2>>"$TMP/send.log" &
      pid=$!
      # Three sends in four are killed at a random moment; near the end of the stream every send is,
      # until 50 kills have landed (a loaded machine makes some sends finish before their kill).
      if ((kills < 50 && (RANDOM % 4 != 0 || i > n - 20))); then
        sleep "$(awk -v ms=$((RANDOM % window)) 'BEGIN { printf "%.3f", ms / 1000 }')"
        kill -9 "$pid" 2>/dev/null || true # it may have ended already
      fi
      rc=0
      wait "$pid" || rc=$?
      ((rc == 137)) && kills=$((kills + 1)) # counted only when SIGKILL really ended it
      ((rc == 0)) && break
      ((attempts < 400)) || { fail "too many attempts"; break 2; }
    done
  done
  echo "kills $kills, attempts $attempts" >&2
  ((kills >= 50)) || fail "only $kills kills"
  run "$OBRIDGE" tx run --key-file "$TMP/key2" --timeout 60
  expect_status 0
  expect_eq "$(psql_n "SELECT count(*) FROM chain_txs WHERE state IN ('confirmed','finalized')")" "$n" "confirmed"
  expect_eq "$(psql_n "SELECT count(DISTINCT nonce) FROM chain_txs WHERE state IN ('confirmed','finalized')")" "$n" "distinct nonces"
  expect_eq "$(psql_n "SELECT min(nonce) || '-' || max(nonce) FROM chain_txs WHERE state IN ('confirmed','finalized')")" "0-$((n - 1))" "contiguous"
  expect_eq "$(psql_n "SELECT count(DISTINCT idem_key) FROM chain_txs WHERE state IN ('confirmed','finalized')")" "$n" "one per key (probe + stream-2..$n)"
  expect_eq "$(psql_n "SELECT count(*) FROM chain_txs WHERE state NOT IN ('confirmed','finalized')")" 0 "nothing else" ||
    psql_n "SELECT id, nonce, state, idem_key, error FROM chain_txs WHERE state NOT IN ('confirmed','finalized') ORDER BY id" >&2
  run "$OBRIDGE" chain call eth_getTransactionCount "[\"$ADDR2\",\"latest\"]"
  expect_out "^\"$(printf '0x%x' $n)\"$"
  run "$OBRIDGE" tx ls --state confirmed --json
  expect_status 0; expect_out '"state":"confirmed"'
  run "$OBRIDGE" tx show "$(psql_n "SELECT mined_hash FROM chain_txs WHERE nonce = 0")" --json
  expect_status 0; expect_out '"nonce":0,'
  run "$OBRIDGE" tx show 0x12
  expect_status 2
  bash "$OB_SOURCE_DIR/scripts/peers.sh" down "$TMP/peers" chain >/dev/null 2>&1
}
