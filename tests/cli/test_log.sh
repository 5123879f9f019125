# Logging: one-shot commands are quiet (warnings only), -v shows info, -vv debug, --log-level and
# $OBRIDGE_LOG_LEVEL still choose; the pin worker keeps info.

log_setup() {
  peers_env || return 1
  OBRIDGE_DATABASE_URL=$(fresh_db) || { fail "cannot create a database"; return 1; }
  export OBRIDGE_DATABASE_URL OBRIDGE_RPC_URL OBRIDGE_IPFS_API
  unset OBRIDGE_LOG_LEVEL
}

test_one_shot_commands_are_quiet_by_default() {
  log_setup || return
  run "$OBRIDGE" db migrate
  expect_status 0; expect_no_err 'level=info'; expect_no_err 'migration applied'
}

test_verbose_shows_info_and_debug() {
  log_setup || return
  run "$OBRIDGE" -v db migrate
  expect_status 0; expect_err 'level=info sys=db msg="migration applied"'; expect_no_err 'level=debug'
  run "$OBRIDGE" -vv chain status
  expect_status 0; expect_err 'level=debug sys=chain'
  run "$OBRIDGE" chain status -vv
  expect_status 0; expect_err 'level=debug sys=chain'
  run "$OBRIDGE" chain status
  expect_status 0; expect_eq "$err" "" "chain status: nothing on stderr by default"
}

test_log_level_and_env_still_choose() {
  log_setup || return
  run "$OBRIDGE" --log-level info db migrate
  expect_status 0; expect_err 'msg="migration applied"'
  OBRIDGE_DATABASE_URL=$(fresh_db) OBRIDGE_LOG_LEVEL=info run "$OBRIDGE" db migrate
  expect_status 0; expect_err 'msg="migration applied"'
  # The config file's log.level counts too; the command line wins over it.
  printf '{"log": {"level": "info"}}' >"$TMP/c.json"
  OBRIDGE_DATABASE_URL=$(fresh_db) run "$OBRIDGE" --config "$TMP/c.json" db migrate
  expect_status 0; expect_err 'msg="migration applied"'
  OBRIDGE_DATABASE_URL=$(fresh_db) run "$OBRIDGE" --config "$TMP/c.json" --log-level warn db migrate
  expect_status 0; expect_no_err 'migration applied'
}

# The worker is long-running: it logs at info unless told otherwise.
test_pin_worker_keeps_info() {
  log_setup || return
  "$OBRIDGE" db migrate >/dev/null 2>&1 || fail "db migrate failed"
  "$OBRIDGE" pin worker >"$TMP/w.out" 2>"$TMP/w.err" &
  local pid=$! i
  for i in $(seq 100); do grep -q 'pin worker started' "$TMP/w.err" && break; sleep 0.1; done
  kill -TERM "$pid"; wait "$pid"
  grep -q 'level=info sys=ipfs msg="pin worker started"' "$TMP/w.err" || fail "no info line from the worker: $(cat "$TMP/w.err")"
  "$OBRIDGE" --log-level warn pin worker >"$TMP/w.out" 2>"$TMP/w2.err" &
  pid=$!
  sleep 1; kill -TERM "$pid"; wait "$pid"
  if grep -q 'level=info' "$TMP/w2.err"; then fail "--log-level warn did not quiet the worker"; fi
  return 0
}
