# Pins under peer faults: each case starts its own PostgreSQL and IPFS node (scripts/peers.sh) so it
# can kill, stop or restart them without disturbing other tests, and stops them at the end.

PEERS=$OB_SOURCE_DIR/scripts/peers.sh

own_peers() {
  chmod 755 "$TMP" # the postgres user must reach the data directory
  PDIR=$TMP/peers
  trap 'bash "$PEERS" down "$PDIR" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
  bash "$PEERS" up "$PDIR" pg ipfs 2>"$TMP/peers.log" || { fail "peers did not start: $(tail -3 "$TMP/peers.log")"; return 1; }
  # shellcheck disable=SC1091
  source "$PDIR/env"
  export OBRIDGE_DATABASE_URL OBRIDGE_IPFS_API OBRIDGE_LOG_LEVEL=info
  printf '{"pins":{"workers":1,"max_attempts":%s,"retry_base_s":1},"ipfs":{"stall_timeout_s":%s}}\n' \
    "${MAX_ATTEMPTS:-10}" "${STALL:-5}" >"$TMP/obridge.json"
  export OBRIDGE_CONFIG=$TMP/obridge.json
  run "$OBRIDGE" db migrate
  expect_status 0
}

psqlq() { psql -XAtq "$OBRIDGE_DATABASE_URL" -c "$1" 2>/dev/null; }
node_pinned() { curl -s -X POST "$OBRIDGE_IPFS_API/api/v0/pin/ls?arg=$1" | grep -Eq '"Type":"(recursive|direct|indirect)"'; }
now_ms() { date +%s%3N; }
wait_status() { # wait_status STATUS SECONDS
  local end=$(( $(now_ms) + $2 * 1000 ))
  while (( $(now_ms) < end )); do
    [[ $(psqlq "SELECT status FROM pins LIMIT 1") == "$1" ]] && return 0
    sleep 0.05
  done
  return 1
}

test_node_killed_during_200mib_add() {
  own_peers || return
  head -c $((200 << 20)) /dev/urandom >"$TMP/big"
  # v0: both nodes build the same DAG for any size (docs/PEERS.md on max-file-links).
  run "$OBRIDGE" pin add "$TMP/big" --profile unixfs-v0-2015 --no-wait
  expect_status 0
  "$OBRIDGE" pin worker 2>"$TMP/worker.err" &
  local wpid=$! seen_pinned=0
  wait_status pinning 30 || { fail "job never started"; kill "$wpid"; return; }
  sleep 0.7
  kill -KILL "$(bash "$PEERS" pid "$PDIR" ipfs)"
  # While the node is gone the job must never be pinned.
  for _ in $(seq 40); do
    [[ $(psqlq "SELECT status FROM pins") == pinned ]] && seen_pinned=1
    sleep 0.1
  done
  expect_eq "$seen_pinned" 0 "pinned while the node was dead"
  grep -q 'pin attempt failed, will retry' "$TMP/worker.err" || fail "the kill did not interrupt an attempt"
  bash "$PEERS" start "$PDIR" ipfs 2>>"$TMP/peers.log" || { fail "node did not restart"; kill "$wpid"; return; }
  wait_status pinned 180 || fail "not pinned 180 s after the node came back: $(psqlq 'SELECT status, attempts, last_error FROM pins')"
  kill -TERM "$wpid"; wait "$wpid"
  local cid want
  cid=$(psqlq "SELECT cid FROM pins")
  want=$("$OBRIDGE" cid "$TMP/big" --profile unixfs-v0-2015)
  expect_eq "$cid" "$want" "recorded CID equals the local one"
  node_pinned "$cid" || fail "the node does not list $cid"
  (( $(psqlq "SELECT attempts FROM pins") >= 2 )) || fail "attempts: $(psqlq 'SELECT attempts FROM pins')"
  echo "attempts: $(psqlq 'SELECT attempts FROM pins')" >&2
}

test_node_stopped_no_progress_timeout() {
  STALL=3 MAX_ATTEMPTS=1 own_peers || return
  head -c $((150 << 20)) /dev/urandom >"$TMP/big"
  "$OBRIDGE" pin add "$TMP/big" --profile unixfs-v0-2015 >"$TMP/add.out" 2>"$TMP/add.err" &
  local apid=$! ipid t_stop rc elapsed
  ipid=$(bash "$PEERS" pid "$PDIR" ipfs)
  wait_status pinning 30 || { fail "job never started"; kill "$apid"; return; }
  sleep 0.3
  kill -STOP "$ipid"
  t_stop=$(now_ms)
  rc=0
  wait "$apid" || rc=$?
  elapsed=$(( $(now_ms) - t_stop ))
  kill -CONT "$ipid"
  echo "no-progress timeout 3 s: the add ended $elapsed ms after SIGSTOP" >&2
  expect_eq "$rc" 3 "exit status (timed out)"
  grep -q 'no progress for 3 s' "$TMP/add.err" || fail "error: $(tail -2 "$TMP/add.err")"
  # The bound: stall timeout + about 1 s (the check runs once a second) + slack for a loaded machine.
  # No lower bound here: the last byte may have moved before the SIGSTOP.
  (( elapsed <= 3000 + 3000 )) || fail "timeout fired after $elapsed ms, bound 3 s + 3 s"
  expect_eq "$(psqlq 'SELECT status FROM pins')" failed "one attempt allowed"
}

test_pg_restarted_while_worker_runs() {
  own_peers || return
  local n=20
  for i in $(seq $n); do head -c 2000000 /dev/urandom >"$TMP/f$i"; done
  run "$OBRIDGE" pin add "$TMP"/f* --no-wait
  expect_status 0
  "$OBRIDGE" pin worker 2>"$TMP/worker.err" &
  local wpid=$! end
  end=$(( $(now_ms) + 60000 ))
  until (( $(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned'") >= 3 )) || (( $(now_ms) > end )); do sleep 0.05; done
  bash "$PEERS" restart "$PDIR" pg 2>>"$TMP/peers.log" || fail "pg did not restart"
  end=$(( $(now_ms) + 120000 ))
  until [[ $(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned'") == "$n" ]] || (( $(now_ms) > end )); do sleep 0.2; done
  kill -0 "$wpid" 2>/dev/null || fail "the worker died"
  kill -TERM "$wpid"; wait "$wpid"
  expect_eq "$(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned'")" "$n" "all pinned after the restart"
  grep -Eq 'reconnecting|unreachable' "$TMP/worker.err" || fail "the worker never saw the restart"
  for i in $(seq $n); do
    node_pinned "$(psqlq "SELECT cid FROM pins WHERE origin = '$TMP/f$i'")" || fail "f$i not pinned on the node"
  done
}

test_worker_stopped_mid_upload_requeues() {
  own_peers || return
  head -c $((200 << 20)) /dev/urandom >"$TMP/big"
  run "$OBRIDGE" pin add "$TMP/big" --no-wait
  expect_status 0
  "$OBRIDGE" pin worker 2>"$TMP/worker.err" &
  local wpid=$! t0 rc
  wait_status pinning 30 || { fail "job never started"; kill "$wpid"; return; }
  sleep 0.2
  t0=$(now_ms)
  rc=0
  kill -TERM "$wpid"; wait "$wpid" || rc=$?
  expect_eq "$rc" 0 "worker exit status"
  (( $(now_ms) - t0 < 3000 )) || fail "the worker took $(( $(now_ms) - t0 )) ms to stop mid-upload"
  expect_eq "$(psqlq "SELECT status || ' ' || attempts || ' ' || (cid IS NULL) FROM pins")" "queued 1 true" "back to the queue at once"
  grep -q 'interrupted' <<<"$(psqlq 'SELECT last_error FROM pins')" || fail "last_error: $(psqlq 'SELECT last_error FROM pins')"
  # Another worker takes it and finishes.
  "$OBRIDGE" pin worker 2>>"$TMP/worker.err" &
  wpid=$!
  wait_status pinned 120 || fail "not pinned by the next worker"
  kill -TERM "$wpid"; wait "$wpid"
  expect_eq "$(psqlq 'SELECT attempts FROM pins')" 2
}

test_worker_killed_job_taken_over() {
  STALL=3 own_peers || return
  head -c $((200 << 20)) /dev/urandom >"$TMP/big"
  run "$OBRIDGE" pin add "$TMP/big" --no-wait
  expect_status 0
  "$OBRIDGE" pin worker 2>"$TMP/w1.err" &
  local w1=$! w2 t0
  wait_status pinning 30 || { fail "job never started"; kill "$w1"; return; }
  sleep 0.2
  kill -KILL "$w1"; wait "$w1" 2>/dev/null || true # ended by SIGKILL
  t0=$(now_ms)
  expect_eq "$(psqlq 'SELECT status FROM pins')" pinning "a killed worker leaves its job pinning"
  "$OBRIDGE" pin worker 2>"$TMP/w2.err" &
  w2=$!
  wait_status pinned 120 || fail "the second worker never took the job over: $(psqlq 'SELECT status, last_error FROM pins')"
  kill -TERM "$w2"; wait "$w2"
  echo "taken over and pinned $(( $(now_ms) - t0 )) ms after the kill (stale after 2 x 3 + 10 s)" >&2
  # At least the killed attempt and the one that pinned (a loaded machine may add a stalled one).
  (( $(psqlq 'SELECT attempts FROM pins') >= 2 )) || fail "attempts: $(psqlq 'SELECT attempts FROM pins')"
  psqlq "SELECT claimed_by FROM pins" | grep -q ":$w2\$" || fail "pinned by $(psqlq 'SELECT claimed_by FROM pins'), not worker 2 ($w2)"
}
