# obridge doctor against the real peers: every check passes on a healthy setup, and each broken peer
# is named with what to do, with the right exit code.

doctor_setup() {
  peers_env || return 1
  OBRIDGE_DATABASE_URL=$(fresh_db) || { fail "cannot create a database"; return 1; }
  export OBRIDGE_DATABASE_URL OBRIDGE_RPC_URL OBRIDGE_IPFS_API
  mkdir -p "$TMP/keys"
  printf 'correct horse battery staple\n' >"$TMP/keys/pw"
  printf '%s' ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 >"$TMP/keys/k.hex"
  run "$OBRIDGE" key import --key-file "$TMP/keys/k.hex" --password-file "$TMP/keys/pw" --dir "$TMP/keys" --name signer.json --scrypt-n 1024
  expect_status 0
  export OBRIDGE_KEYSTORE=$TMP/keys/signer.json OBRIDGE_KEYSTORE_PASSWORD_FILE=$TMP/keys/pw
}

test_doctor_all_pass_after_migrate() {
  doctor_setup || return
  run "$OBRIDGE" doctor
  expect_status 1; expect_out 'FAIL migrations +[0-9]+ of [0-9]+ migrations pending'; expect_out "fix: run 'obridge db migrate'"
  run "$OBRIDGE" db migrate
  expect_status 0
  run "$OBRIDGE" doctor
  expect_status 0
  expect_out '^ok +config'; expect_out '^ok +database +PostgreSQL 15'; expect_out '^ok +migrations'
  expect_out '^ok +chain .*31337'; expect_out '^ok +ipfs'; expect_out '^ok +keystore .*0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
  expect_out 'doctor: all checks passed'
  run "$OBRIDGE" doctor --json
  expect_status 0; expect_out '^\{"ok":true,"checks":\['
  n=$(printf '%s' "$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.checks.filter(c=>c.ok).length)})')
  expect_eq "$n" 6 "six passing checks in the JSON"
}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

test_doctor_names_each_unreachable_peer() {
  doctor_setup || return
  "$OBRIDGE" db migrate >/dev/null 2>&1
  p=$(free_port)
  OBRIDGE_IPFS_API=http://127.0.0.1:$p run "$OBRIDGE" doctor
  expect_status 3; expect_out '^FAIL ipfs'; expect_out '^ok +chain'; expect_out '^ok +database'
  OBRIDGE_RPC_URL=ws://127.0.0.1:$p run "$OBRIDGE" doctor
  expect_status 3; expect_out '^FAIL chain'; expect_out '^ok +ipfs'
  OBRIDGE_DATABASE_URL=postgresql://postgres@127.0.0.1:$p/x run "$OBRIDGE" doctor --json
  expect_status 3; expect_out '"check":"database","ok":false'
}

test_doctor_wrong_chain_id_and_bad_keystore() {
  doctor_setup || return
  "$OBRIDGE" db migrate >/dev/null 2>&1
  OBRIDGE_CHAIN_ID=1 run "$OBRIDGE" doctor
  expect_status 1; expect_out '^FAIL chain.*31337'
  printf 'wrong\n' >"$TMP/keys/bad"
  OBRIDGE_KEYSTORE_PASSWORD_FILE=$TMP/keys/bad run "$OBRIDGE" doctor
  expect_status 1; expect_out '^FAIL keystore.*wrong password'
  expect_no_out 'correct horse'
}

test_doctor_bad_config_is_one_failing_line() {
  printf '{"chain": {"endpoints": [{"url": "ftp://x"}]}}' >"$TMP/bad.json"
  run "$OBRIDGE" --config "$TMP/bad.json" doctor
  expect_status 1; expect_out '^FAIL config .*expected a ws://'; expect_out 'skipped: the config did not load'
}

# --only runs the named checks (names as in the report; db = database and migrations): a pin-only
# node needs no keystore and no chain.
test_doctor_only_runs_the_named_checks() {
  doctor_setup || return
  unset OBRIDGE_KEYSTORE OBRIDGE_KEYSTORE_PASSWORD_FILE
  "$OBRIDGE" db migrate >/dev/null 2>&1 || fail "db migrate failed"
  OBRIDGE_RPC_URL=ws://127.0.0.1:$(free_port) run "$OBRIDGE" doctor --only db,ipfs
  expect_status 0; expect_out '^ok +config'; expect_out '^ok +database'; expect_out '^ok +migrations'; expect_out '^ok +ipfs'
  expect_no_out 'keystore'; expect_no_out 'chain'
  run "$OBRIDGE" doctor --only ipfs --json
  expect_status 0
  expect_eq "$(printf '%s' "$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).checks.map(c=>c.check).join(",")))')" "config,ipfs"
  run "$OBRIDGE" doctor --only keystore
  expect_status 1; expect_out '^FAIL keystore'
  run "$OBRIDGE" doctor --only database,ipfz
  expect_status 2; expect_err "doctor --only: unknown check 'ipfz'\\. Did you mean 'ipfs'\\?"
  run "$OBRIDGE" doctor --only zzzzzz
  expect_status 2; expect_err "unknown check 'zzzzzz' \\(expected config, database, migrations, chain, ipfs, keystore or db\\)"
}

# A check that needs an unreachable peer says so instead of claiming the config did not load.
test_doctor_skips_what_depends_on_an_unreachable_peer() {
  doctor_setup || return
  OBRIDGE_DATABASE_URL=postgresql://postgres@127.0.0.1:$(free_port)/x run "$OBRIDGE" doctor
  expect_status 3; expect_out '^FAIL database'; expect_out '^FAIL migrations +skipped: database unreachable'
  expect_no_out 'config did not load'
  OBRIDGE_DATABASE_URL=postgresql://postgres@127.0.0.1:$(free_port)/x run "$OBRIDGE" doctor --only migrations
  expect_status 3; expect_out '^FAIL database'; expect_out 'skipped: database unreachable'
}

# Each check reports the time it really took: a chain endpoint that accepts and never answers takes
# the request timeout (1 s here), the other checks far less. No log line reaches the report.
test_doctor_reports_real_elapsed_times_and_no_log_lines() {
  doctor_setup || return
  "$OBRIDGE" db migrate >/dev/null 2>&1 || fail "db migrate failed"
  python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' "$TMP/port" &
  local pid=$! port="" i
  for i in $(seq 50); do [[ -s $TMP/port ]] && break; sleep 0.1; done
  port=$(cat "$TMP/port")
  printf '{"chain": {"request_timeout_s": 1}}' >"$TMP/c.json"
  local t0 t1
  t0=$(date +%s%3N)
  OBRIDGE_RPC_URL=ws://127.0.0.1:$port run "$OBRIDGE" --config "$TMP/c.json" doctor --json
  t1=$(date +%s%3N)
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true  # killed on purpose: 143
  expect_status 3
  printf '%s' "$out" >"$TMP/d.json"
  node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const t = Object.fromEntries(j.checks.map(c => [c.check, c.elapsed_ms]));
    for (const [k, v] of Object.entries(t)) if (!Number.isInteger(v)) { console.error(k, "has no elapsed_ms"); process.exit(1); }
    if (t.chain < 500 || t.chain > 5000) { console.error("chain took", t.chain, "ms, expected about 1000"); process.exit(1); }
    if (t.database >= t.chain) { console.error("database took", t.database, "chain", t.chain); process.exit(1); }
    const sum = Object.values(t).reduce((a, b) => a + b, 0), wall = Number(process.argv[2]);
    if (sum > wall) { console.error("the checks took", sum, "ms, more than the", wall, "ms the command ran"); process.exit(1); }
  ' "$TMP/d.json" "$((t1 - t0))" || fail "elapsed times: $out"
  expect_no_err 'level='; expect_no_out 'level='
  OBRIDGE_RPC_URL=ws://127.0.0.1:$(free_port) run "$OBRIDGE" doctor
  expect_out '^ok +database .*\([0-9]+ ms\)$'; expect_out '^FAIL chain .*\([0-9]+ ms\)$'
  expect_no_err 'level='; expect_no_out 'level='
  expect_eq "$err" "" "nothing on stderr"
}

# A wrong chain id is a configuration problem: reported at once (exit 1, not a 3 after a timeout),
# naming the endpoint, the id it reports and where the configured id came from.
test_doctor_wrong_chain_id_is_prompt_and_named() {
  doctor_setup || return
  local t0=$SECONDS
  OBRIDGE_CHAIN_ID=1 run "$OBRIDGE" doctor --only chain
  expect_status 1
  expect_out "^FAIL chain +'ws://127\.0\.0\.1:[0-9]+': reports chain id 31337, config chain\.chain_id is 1 \(from \\\$OBRIDGE_CHAIN_ID\)"
  expect_out 'fix: point chain.endpoints at the chain of chain.chain_id'
  ((SECONDS - t0 <= 5)) || fail "took $((SECONDS - t0)) s"
}
