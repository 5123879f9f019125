# obridge run against the real PostgreSQL, anvil and IPFS node of the ctest fixtures (a fresh
# database per case): /health and /metrics (parsed by prometheus_client), SIGTERM within 10 s,
# SIGHUP reload (and a broken config kept out), two daemons with one leader, kill -9 takeover and
# the fence refusing the old leader's token.

setup() {
  peers_env || return 1
  OBRIDGE_DATABASE_URL=$(fresh_db) || { fail "cannot create a database"; return 1; }
  export OBRIDGE_DATABASE_URL OBRIDGE_LOG_LEVEL=info
  run "$OBRIDGE" db migrate
  expect_status 0
  write_config "${1:-1}" "${2:-3}"
  export OBRIDGE_CONFIG=$TMP/obridge.json
}
# write_config INTERVAL LEASE [EXTRA JSON members]
write_config() {
  printf '{"oracle":{"round_interval_s":%s,"leader_lease_s":%s},"http":{"listen":"127.0.0.1:0"},"pins":{"workers":1,"retry_base_s":1}%s}\n' \
    "$1" "$2" "${3:-}" >"$TMP/obridge.json.new"
  mv "$TMP/obridge.json.new" "$TMP/obridge.json"
}
psqlq() { psql -XAtq "$OBRIDGE_DATABASE_URL" -c "$1"; }

# start_daemon NAME: runs obridge run in the background; sets ${NAME}_pid and ${NAME}_port.
start_daemon() {
  local name=$1 i
  rm -f "$TMP/$name.port"
  "$OBRIDGE" run --port-file "$TMP/$name.port" 2>"$TMP/$name.log" &
  printf -v "${name}_pid" %s "$!"
  for i in $(seq 300); do [[ -s $TMP/$name.port ]] && break; sleep 0.02; done
  [[ -s $TMP/$name.port ]] || { fail "$name did not start: $(tail -5 "$TMP/$name.log")"; return 1; }
  printf -v "${name}_port" %s "$(cat "$TMP/$name.port")"
}
health() { curl -sS "http://127.0.0.1:$1/health"; }
role() { health "$1" | jq -r .role; }
# wait_role PORT ROLE SECONDS: 0 when /health says ROLE within SECONDS
wait_role() {
  local i
  for i in $(seq $(($3 * 20))); do [[ $(role "$1" 2>/dev/null) == "$2" ]] && return 0; sleep 0.05; done
  return 1
}
stop_daemon() {
  local pid=$1 rc=0
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  expect_eq "$rc" 0 "exit status after SIGTERM"
}

test_health_and_metrics_parsed_by_prometheus_client() {
  setup || return
  # Debian's python3-prometheus-client (scripts/install-deps.sh) is for the system python3, which a
  # python3 earlier on PATH (pyenv) may hide.
  local py=python3
  $py -c 'import prometheus_client' 2>/dev/null || py=/usr/bin/python3
  $py -c 'import prometheus_client' || { fail "python3 prometheus_client is missing (scripts/install-deps.sh)"; return; }
  start_daemon a || return
  wait_role "$a_port" leader 5 || fail "the only daemon did not become the leader"
  printf 'hello world\n' >"$TMP/hw.txt"
  run "$OBRIDGE" pin add --no-wait "$TMP/hw.txt"
  expect_status 0
  run curl -sS -i "http://127.0.0.1:$a_port/health"
  expect_out '^HTTP/1.1 200'
  health "$a_port" >"$TMP/h.json"
  expect_eq "$(jq -r '.status, .peers.postgres.ok, .peers.ipfs.ok, .peers.rpc[0].ok, .peers.rpc[0].health, .lease.token' "$TMP/h.json" | tr '\n' ' ')" \
    "ok true true true alive 1 " "health document"
  for _ in $(seq 100); do [[ $(psqlq "SELECT status FROM pins") == pinned ]] && break; sleep 0.05; done
  expect_eq "$(psqlq "SELECT status FROM pins")" pinned "the daemon's pin worker pinned the queued job"
  sleep 1.2 # a second round tick
  curl -sS "http://127.0.0.1:$a_port/metrics" >"$TMP/metrics.txt"
  cat >"$TMP/check.py" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
def val(fam, sample, **labels):
    for s in fams[fam].samples:
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    raise SystemExit(f"no sample {sample} {labels}")
assert fams["obridge_rounds"].type == "counter"
assert val("obridge_rounds", "obridge_rounds_total", outcome="noop") >= 2, "rounds"
assert fams["obridge_round_duration_seconds"].type == "histogram"
assert val("obridge_round_duration_seconds", "obridge_round_duration_seconds_bucket", le="+Inf") >= 2
assert val("obridge_pin_jobs", "obridge_pin_jobs", status="pinned") == 1
assert val("obridge_rpc_endpoint_up", "obridge_rpc_endpoint_up") == 1
assert val("obridge_peer_up", "obridge_peer_up", peer="postgres") == 1
assert val("obridge_peer_up", "obridge_peer_up", peer="ipfs") == 1
assert val("obridge_round_leader", "obridge_round_leader") == 1
assert val("obridge_lease_token", "obridge_lease_token") == 1
for name, typ in [("obridge_feed_age_seconds", "gauge"), ("obridge_source_errors", "counter"),
                  ("obridge_source_latency_seconds", "histogram"), ("obridge_tx_states", "gauge")]:
    assert fams[name].type == typ, name
print("parsed", len(fams), "families")
PY
  run "$py" "$TMP/check.py" "$TMP/metrics.txt"
  expect_status 0; expect_out '^parsed [0-9]+ families'
  expect_eq "$(psqlq "SELECT array_to_string(roles, ',') FROM obridge_nodes")" "pin-worker,round-leader" "registered roles"
  stop_daemon "$a_pid"
}

test_health_503_when_a_peer_is_down_and_listen_errors() {
  setup || return
  local dead
  dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export OBRIDGE_IPFS_API=http://127.0.0.1:$dead # the environment wins over the file
  start_daemon a || return
  for _ in $(seq 60); do [[ $(health "$a_port" | jq -r .peers.ipfs.ok) == false ]] && break; sleep 0.05; done
  run curl -sS -i "http://127.0.0.1:$a_port/health"
  expect_out '^HTTP/1.1 503'; expect_out '"ipfs":\{"ok":false,"error":"[^"]+'; expect_out '"status":"unhealthy"'
  expect_out '"postgres":\{"ok":true\}'
  run curl -sS "http://127.0.0.1:$a_port/metrics"
  expect_out '^obridge_peer_up\{peer="ipfs"\} 0$'
  # The same port twice: the second daemon says which address it cannot take.
  run env OBRIDGE_HTTP_LISTEN="127.0.0.1:$a_port" "$OBRIDGE" run
  expect_status 1; expect_err "http.listen: cannot listen on 127.0.0.1:$a_port"
  run env OBRIDGE_HTTP_LISTEN=localhost:80 "$OBRIDGE" run
  expect_status 2; expect_err "http.listen: listen address 'localhost:80': HOST must be an IP address"
  stop_daemon "$a_pid"
}

test_sigterm_checkpoints_and_exits_within_10_s() {
  setup || return
  start_daemon a || return
  wait_role "$a_port" leader 5 || fail "not the leader"
  local kids t0 t1 rc=0
  kids=$(pgrep -P "$a_pid" | tr '\n' ' ')
  [[ -n $kids ]] || fail "no pin worker process"
  # A worker busy with a large upload when the stop comes.
  head -c 150000000 /dev/urandom >"$TMP/big.bin"
  run "$OBRIDGE" pin add --no-wait "$TMP/big.bin"
  expect_status 0
  for _ in $(seq 100); do [[ $(psqlq "SELECT status FROM pins") == pinning ]] && break; sleep 0.02; done
  expect_eq "$(psqlq "SELECT status FROM pins")" pinning "a worker is busy when the stop comes"
  t0=$(date +%s%N)
  kill -TERM "$a_pid"
  wait "$a_pid" || rc=$?
  t1=$(date +%s%N)
  expect_eq "$rc" 0 "exit status after SIGTERM"
  local ms=$(( (t1 - t0) / 1000000 ))
  echo "SIGTERM to exit: $ms ms" >&2
  ((ms <= 10000)) || fail "exit took $ms ms after SIGTERM (limit 10000)"
  for k in $kids; do kill -0 "$k" 2>/dev/null && fail "pin worker $k still runs"; done
  expect_eq "$(psqlq "SELECT count(*) FROM obridge_nodes")" 0 "the node unregistered"
  expect_eq "$(psqlq "SELECT expires_at <= now() FROM obridge_leases WHERE name = 'round-leader'")" t "the lease given up"
  grep -q 'gave up the round leader' "$TMP/a.log" || fail "no log line about the lease"
  # the interrupted job is not lost: it is queued or pinning (taken back as stale later), or pinned
  expect_eq "$(psqlq "SELECT count(*) FROM pins WHERE status IN ('queued','pinning','pinned')")" 1 "the job is still there"
}

test_sighup_reloads_and_keeps_the_running_config_on_error() {
  setup || return
  start_daemon a || return
  expect_eq "$(health "$a_port" | jq .round_interval_s)" 1
  write_config 5 15
  kill -HUP "$a_pid"
  for _ in $(seq 60); do [[ $(health "$a_port" | jq .round_interval_s) == 5 ]] && break; sleep 0.05; done
  expect_eq "$(health "$a_port" | jq .round_interval_s)" 5 "the new interval took effect"
  run curl -sS "http://127.0.0.1:$a_port/metrics"
  expect_out '^obridge_round_interval_seconds 5$'
  grep -q 'config reloaded: round interval 5 s, leader lease 15 s' "$TMP/a.log" || fail "no reload log line"
  # A broken file: logged with the file and the place, the running config stays.
  printf '{"oracle":{"round_interval_s":7,}\n' >"$TMP/obridge.json"
  kill -HUP "$a_pid"
  for _ in $(seq 60); do grep -q 'config reload failed' "$TMP/a.log" && break; sleep 0.05; done
  grep -E "level=error sys=daemon msg=\"config reload failed; the running config stays\" error=\"config '$TMP/obridge.json' \\(from \\\$OBRIDGE_CONFIG\\): line 1" "$TMP/a.log" >/dev/null ||
    fail "no error line naming the file: $(grep reload "$TMP/a.log")"
  kill -0 "$a_pid" || fail "the daemon died on a broken config"
  expect_eq "$(health "$a_port" | jq .round_interval_s)" 5 "the running config stays"
  # A value out of range is refused the same way.
  write_config 0 15
  kill -HUP "$a_pid"
  sleep 0.3
  expect_eq "$(grep -c 'config reload failed' "$TMP/a.log")" 2
  grep -q 'oracle.round_interval_s: expected an integer from 1 to 86400' "$TMP/a.log" || fail "the range error does not name the key"
  expect_eq "$(health "$a_port" | jq .round_interval_s)" 5
  write_config 2 6
  kill -HUP "$a_pid"
  for _ in $(seq 60); do [[ $(health "$a_port" | jq .round_interval_s) == 2 ]] && break; sleep 0.05; done
  expect_eq "$(health "$a_port" | jq .round_interval_s)" 2 "a good config after a bad one"
  stop_daemon "$a_pid"
}

test_two_daemons_one_leader_kill_9_takeover_and_stale_token_refused() {
  setup 1 3 || return
  start_daemon a || return
  wait_role "$a_port" leader 5 || fail "a did not lead"
  start_daemon b || return
  wait_role "$b_port" standby 5 || fail "b is not standing by"
  expect_eq "$(role "$a_port")" leader "still one leader"
  expect_eq "$(health "$b_port" | jq -r .lease.holder)" "$(health "$a_port" | jq -r .node)" "b names a as the holder"
  curl -sS "http://127.0.0.1:$b_port/metrics" | grep -q '^obridge_round_leader 0$' || fail "b's metrics say it leads"
  expect_eq "$(psqlq "SELECT count(*) FROM obridge_nodes")" 2 "two nodes registered"
  expect_eq "$(psqlq "SELECT count(*) FROM obridge_nodes WHERE 'round-leader' = ANY(roles)")" 1 "one leader registered"
  local kids b_rounds t0 t1 ms
  kids=$(pgrep -P "$a_pid" | tr '\n' ' ')
  b_rounds=$(health "$b_port" | jq .rounds)
  expect_eq "$b_rounds" 0 "the standby ran no round"
  t0=$(date +%s%N)
  kill -9 "$a_pid"
  wait "$a_pid" 2>/dev/null || true
  wait_role "$b_port" leader 10 || fail "b did not take over"
  t1=$(date +%s%N)
  ms=$(( (t1 - t0) / 1000000 ))
  echo "kill -9 of the leader to the standby leading: $ms ms (lease 3 s, interval 1 s)" >&2
  ((ms <= 4000 + 500)) || fail "takeover took $ms ms, more than lease + one interval (4000 ms) + 500 ms"
  expect_eq "$(health "$b_port" | jq .lease.token)" 2 "the takeover incremented the token"
  for _ in $(seq 40); do (( $(health "$b_port" | jq .rounds) >= 1 )) && break; sleep 0.05; done
  (( $(health "$b_port" | jq .rounds) >= 1 )) || fail "the new leader ran no round"
  sleep 0.5
  for k in $kids; do kill -0 "$k" 2>/dev/null && fail "a's pin worker $k outlived it"; done
  # The dead leader's token is refused by the fence; the new one passes.
  run psql -XAtq -v ON_ERROR_STOP=1 "$OBRIDGE_DATABASE_URL" -c "BEGIN; SELECT obridge_lease_check('round-leader', 1); INSERT INTO obridge_meta VALUES ('stale-write', 'x'); COMMIT;"
  expect_status 1; expect_err 'lease round-leader lost: token 1 is stale \(current token 2'
  expect_eq "$(psqlq "SELECT count(*) FROM obridge_meta WHERE key = 'stale-write'")" 0 "the stale write did not commit"
  run psqlq "SELECT obridge_lease_check('round-leader', 2)"
  expect_status 0; expect_eq "$out" 2
  stop_daemon "$b_pid"
}
