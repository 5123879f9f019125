# scripts/peers.sh: two sets started at once in different directories do not collide, each answers,
# `env` prints the export lines, and `down` stops exactly the processes `up` started.
P=$OB_SOURCE_DIR/scripts/peers.sh

test_two_ups_at_once_then_down_by_pid() {
  local a=$TMP/a b=$TMP/b pids=() port
  chmod 755 "$TMP"
  bash "$P" up "$a" >"$TMP/a.log" 2>&1 &
  local ja=$!
  bash "$P" up "$b" >"$TMP/b.log" 2>&1 &
  local jb=$!
  wait $ja || fail "up A failed: $(cat "$TMP/a.log")"
  wait $jb || fail "up B failed: $(cat "$TMP/b.log")"
  run bash "$P" env "$a"
  expect_status 0; expect_out "^export OBRIDGE_DATABASE_URL='postgresql://"; expect_out "^export OBRIDGE_RPC_URL='ws://127.0.0.1:"
  expect_out "^export OBRIDGE_IPFS_API='http://127.0.0.1:"
  # Every port differs between the two sets, and every peer answers.
  for peer in pg chain ipfs; do
    [[ $(cat "$a/$peer/port") != "$(cat "$b/$peer/port")" ]] || fail "$peer: both sets on port $(cat "$a/$peer/port")"
    pids+=("$(bash "$P" pid "$a" "$peer")" "$(bash "$P" pid "$b" "$peer")")
  done
  for d in "$a" "$b"; do
    (source "$d/env"
     psql -XAtq "$OBRIDGE_DATABASE_URL" -c 'SELECT 1' >/dev/null || exit 1
     curl -sf -X POST -H 'Content-Type: application/json' --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$OBRIDGE_RPC_HTTP_URL" | grep -q 0x7a69 || exit 2
     curl -sf -X POST "$OBRIDGE_IPFS_API/api/v0/version" | grep -q Version || exit 3) || fail "a peer of $d does not answer (step $?)"
  done
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "pid $pid is not running"; done
  bash "$P" down "$a" >/dev/null 2>&1 || fail "down A failed"
  # A's processes are gone, B's still run.
  for i in 0 2 4; do kill -0 "${pids[$i]}" 2>/dev/null && fail "pid ${pids[$i]} of A still runs after down"; done
  for i in 1 3 5; do kill -0 "${pids[$i]}" 2>/dev/null || fail "pid ${pids[$i]} of B died with A's down"; done
  bash "$P" down "$b" >/dev/null 2>&1 || fail "down B failed"
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && fail "pid $pid still runs after down"; done
  [[ ! -e $a && ! -e $b ]] || fail "down left its directory behind"
  return 0
}

test_unknown_peer_and_command() {
  run bash "$P" up "$TMP/x" postgres
  expect_status 1; expect_err "unknown peer 'postgres' \(expected pg, chain or ipfs\)"
  run bash "$P" frob "$TMP/x"
  expect_status 1; expect_err "unknown command 'frob'"
}
