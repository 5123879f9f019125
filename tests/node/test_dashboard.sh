# The operator dashboard (docs/DASHBOARD.md) of `obridge run` on the local peers: rounds committed
# by the daemon from the local source server, then its JSON endpoints (/v1/status, /v1/status/feeds,
# /v1/rounds, /v1/txs, /v1/pins/summary) and the page: contents checked against the database, bad
# input (404 in the API's error shape, limit out of range 400, unknown state or argument 400),
# ETag/304, gzip, bearer tokens and the login cookie. The browser test (dashboard_browser.mjs,
# label slow) drives the same page in headless chromium.

# shellcheck source=../oracle/test_round_daemon.sh
source "$OB_SOURCE_DIR/tests/oracle/test_round_daemon.sh"

# start_dash [IPFS_API]: a daemon with round interval 1 s; API set.
start_dash() {
  rm -f "$TMP/d.port"
  OBRIDGE_IPFS_API=${1:-$OBRIDGE_IPFS_API} "$OBRIDGE" run --port-file "$TMP/d.port" 2>>"$TMP/d.log" &
  d_pid=$!
  trap '[[ -n ${d_pid:-} ]] && kill "$d_pid" 2>/dev/null; kill "$(cat "$TMP/src.pid")" 2>/dev/null; cleanup_case' EXIT
  local i
  for i in $(seq 300); do [[ -s $TMP/d.port ]] && break; sleep 0.02; done
  [[ -s $TMP/d.port ]] || { fail "the daemon did not start: $(tail -5 "$TMP/d.log")"; return 1; }
  API=http://127.0.0.1:$(cat "$TMP/d.port")
}
stop_dash() {
  local rc=0
  kill -TERM "$d_pid"
  wait "$d_pid" || rc=$?
  d_pid=
  expect_eq "$rc" 0 "the daemon's exit status after SIGTERM"
  ((rc == 0)) || grep -v 'sys=http msg=request' "$TMP/d.log" | tail -40 >&2
}
# get PATH [curl args]: body in $out, status in $code
get() {
  local p=$1
  shift
  code=$(curl -sS -o "$TMP/body" -w '%{http_code}' "$@" "$API$p") || { fail "curl $p"; return 1; }
  out=$(cat "$TMP/body")
}
expect_error() { # STATUS REASON DETAILS_REGEX (after get)
  expect_eq "$code" "$1" "status of the last request"
  expect_eq "$(jq -r '.error.reason' <<<"$out" 2>/dev/null)" "$2" "error reason: $out"
  grep -Eq -- "$3" <<<"$(jq -r '.error.details' <<<"$out" 2>/dev/null)" || fail "details do not match /$3/: $out"
}

test_endpoints_contents_and_bad_input() {
  setup_daemon 10 || return
  start_dash || return
  wait_confirmed 1 60 || { fail "no round confirmed: $(tail -5 "$TMP/d.log")"; return; }
  sleep 1.2 # past the reply cache
  get /v1/status
  expect_eq "$code" 200 "/v1/status"
  expect_eq "$(jq -c '[.role, .status, .peers.postgres.ok, .peers.ipfs.ok, (.peers.rpc | length), .peers.rpc[0].ok]' <<<"$out")" \
    '["leader","ok",true,true,1,true]' "status: role and peers"
  expect_eq "$(jq -r .registry <<<"$out")" "$(tr 'A-F' 'a-f' <<<"$OBRIDGE_REGISTRY")" "status: registry"
  expect_eq "$(jq -c '[.feeds.count, .feeds.stale, .feeds.sources_down]' <<<"$out")" '[1,0,0]' "status: feed counts"
  expect_eq "$(jq -c '.latest_round | [.round, .step, .feeds, (.gas_used > 0), (.fetch_to_confirm_ms >= 0)]' <<<"$out")" \
    '[1,"confirmed",1,true,true]' "status: the latest round"
  expect_eq "$(jq -r .txs.confirmed+.txs.finalized <<<"$out" | sed 's/null//')" "$(psql_n "SELECT count(*) FROM chain_txs WHERE state IN ('confirmed','finalized')")" "status: transactions"
  # the proof API checked round 1 against rootOf on chain
  local i
  for ((i = 0; i < 50; i++)); do
    get '/v1/rounds?limit=1'
    [[ $(jq -r '.rounds[0].verify' <<<"$out") == passed ]] && break
    sleep 0.2
  done
  expect_eq "$(jq -c '.rounds[0] | [.round, .verify, .gas_used]' <<<"$out")" \
    "[1,\"passed\",$(psql_n "SELECT gas_used FROM rounds WHERE round = 1")]" "rounds: round 1 verified, its gas"
  get /v1/status/feeds
  expect_eq "$code" 200 "/v1/status/feeds"
  expect_eq "$(jq -c '.feeds[0] | [.name, .decimals, .value, .committed, .committed_round, .heartbeat_s, .deviation_bps, (.spark | length >= 1), [.sources[] | .[0:2]]]' <<<"$out")" \
    '["ETH/USD",8,"3012.45","3012.45",1,3600,50,true,[["binance",true],["coinbase",true],["kraken",true]]]' "feeds: ETH/USD"
  expect_eq "$(jq -r '.feeds[0].observed_at' <<<"$out")" "$(psql_n "SELECT observed_at FROM oracle_feed_last")" "feeds: observedAt"
  # a source failing shows with its error at the next round
  control '{"faults": {"/0/public/Ticker?pair=ETHUSD": {"mode": "500"}}}' || fail "control"
  local r0; r0=$(psql_n "SELECT max(round) FROM oracle_observations")
  for ((i = 0; i < 100; i++)); do
    [[ $(psql_n "SELECT count(*) FROM oracle_observations WHERE source = 'kraken' AND error IS NOT NULL") -ge 1 ]] && break
    sleep 0.1
  done
  sleep 1.2
  get /v1/status/feeds
  expect_eq "$(jq -c '[.feeds[0].sources[] | select(.[1] == false) | .[0]]' <<<"$out")" '["kraken"]' "feeds: kraken down"
  grep -q 500 <<<"$(jq -r '.feeds[0].sources[] | select(.[0] == "kraken") | .[2]' <<<"$out")" || fail "kraken's error names the 500: $out"
  get /v1/status
  expect_eq "$(jq -r .feeds.sources_down <<<"$out")" 1 "status: one feed with a source down"
  : "$r0"
  get '/v1/txs?state=confirmed&limit=5'
  expect_eq "$code" 200 "/v1/txs"
  expect_eq "$(jq -c '[.state, (.txs | length > 0), (.txs[0].versions | length > 0), (.txs[0].versions[0].hash | test("^0x[0-9a-f]{64}$"))]' <<<"$out")" \
    '["confirmed",true,true,true]' "txs: confirmed with versions"
  get /v1/txs
  expect_eq "$(jq -r .state <<<"$out")" pending "txs: pending by default"
  get /v1/pins/summary
  expect_eq "$code" 200 "/v1/pins/summary"
  expect_eq "$(jq -c '[(.by_status.pinned // 0), .models.registered, (.failures | type), (.throughput.pinned_1h >= 0)]' <<<"$out")" \
    "[$(psql_n "SELECT count(*) FROM pins WHERE status = 'pinned'"),0,\"array\",true]" "pins: as the queue holds them, no model"
  # bad input
  get /v1/nope
  expect_error 404 NOT_FOUND 'no route for GET /v1/nope'
  get /v1/status/nope
  expect_error 404 NOT_FOUND 'no route'
  get '/v1/rounds?limit=0'
  expect_error 400 BAD_REQUEST "limit: expected an integer from 1 to 1000, got '0'"
  get '/v1/rounds?limit=1001'
  expect_error 400 BAD_REQUEST "got '1001'"
  get '/v1/rounds?limit=ten'
  expect_error 400 BAD_REQUEST "got 'ten'"
  get '/v1/txs?limit=-1'
  expect_error 400 BAD_REQUEST "limit"
  get '/v1/txs?state=lost'
  expect_error 400 BAD_REQUEST "state: expected pending, bumped, failed, confirmed, superseded or all, got 'lost'"
  get '/v1/status?x=1'
  expect_error 400 BAD_REQUEST "unknown query argument 'x'"
  get /dash/nope.js
  expect_error 404 NOT_FOUND "no dashboard file 'nope.js'"
  get /v1/status -X POST
  expect_error 405 METHOD_NOT_ALLOWED "POST is not allowed"
  # the page: the summary rendered by the server (no JavaScript needed)
  get /
  expect_eq "$code" 200 "GET /"
  grep -q '<p class="overall up" id="overall">' <<<"$out" || fail "page: no overall status: $out"
  grep -q 'data-peer="postgres"><span class="badge">up' <<<"$out" || fail "page: postgres not shown up"
  grep -Eq 'id="latest-ssr">[0-9]+ \(confirmed, 1 feeds, verify (passed|checking)\)' <<<"$out" || fail "page: latest round: $(grep -o 'latest-ssr.\{0,80\}' <<<"$out")"
  # ETag and 304, gzip
  local etag; etag=$(curl -sS -D - -o /dev/null "$API/dash/app.js" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" {print $2}')
  [[ -n $etag ]] || fail "app.js has no ETag"
  get /dash/app.js -H "If-None-Match: $etag"
  expect_eq "$code" 304 "app.js revalidated"
  expect_eq "$(curl -sS -H 'Accept-Encoding: gzip' -D - -o "$TMP/gz" "$API/dash/app.js" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-encoding" {print $2}')" gzip "app.js gzip"
  cmp <(gunzip -c "$TMP/gz") <(curl -sS "$API/dash/app.js") || fail "gzip body differs"
  # tokens: once the pinning service has one, every route needs one (header or the login cookie)
  # (an outside tenant's token only closes it: the dashboard takes the operator's tokens alone)
  run "$OBRIDGE" tenant add ops
  expect_status 0
  run "$OBRIDGE" tenant token ops
  expect_status 0
  local tenant_tok; tenant_tok=$(tail -1 <<<"$out")
  sleep 2.1 # the dashboard looks for tokens every 2 s
  get /v1/status
  expect_error 401 UNAUTHORIZED 'access token is missing'
  get /v1/status -H "Authorization: Bearer $tenant_tok"
  expect_error 403 FORBIDDEN "obridge tenant token operator"
  get / -H "Authorization: Bearer $tenant_tok"
  expect_eq "$code" 403 "the page with a tenant's token"
  grep -q 'action="/dash/login"' <<<"$out" || fail "the login form (403): $out"
  get /dash/login -X POST --data-urlencode "token=$tenant_tok"
  expect_error 403 FORBIDDEN "takes only the operator's tokens"
  run "$OBRIDGE" tenant token operator
  expect_status 0
  local tok; tok=$(tail -1 <<<"$out")
  get /v1/rounds -H 'Authorization: Bearer notavalidtokenatall_000'
  expect_error 401 UNAUTHORIZED 'invalid or revoked'
  get /v1/rounds -H "Authorization: Bearer $tok"
  expect_eq "$code" 200 "with the bearer token"
  get /
  expect_eq "$code" 401 "the page without a token"
  grep -q 'action="/dash/login"' <<<"$out" || fail "the login form: $out"
  get /dash/login -X POST --data 'token=wrongwrongwrongwrong'
  expect_error 401 UNAUTHORIZED 'invalid or revoked'
  code=$(curl -sS -o /dev/null -c "$TMP/jar" -w '%{http_code}' -X POST --data-urlencode "token=$tok" "$API/dash/login")
  expect_eq "$code" 303 "login redirects"
  grep -q obridge_token "$TMP/jar" || fail "no cookie set"
  get / -b "$TMP/jar"
  expect_eq "$code" 200 "the page with the cookie"
  get /v1/status -b "$TMP/jar"
  expect_eq "$code" 200 "the JSON with the cookie"
  grep -q "$tok" "$TMP/d.log" && fail "the token was logged"
  stop_dash
  # `obridge serve` serves the same page and JSON without a daemon (no role, its own peer checks)
  "$OBRIDGE" serve --listen 127.0.0.1:0 --port-file "$TMP/s.port" --workers 0 2>"$TMP/s.log" &
  local s_pid=$! api0=$API
  for i in $(seq 300); do [[ -s $TMP/s.port ]] && break; sleep 0.02; done
  API=http://127.0.0.1:$(cat "$TMP/s.port")
  get /v1/status -H "Authorization: Bearer $tok"
  expect_eq "$(jq -c '[.role, .status, .peers.postgres.ok, .peers.ipfs.ok, .feeds.count, .latest_round.verify]' <<<"$out")" \
    '["serve","ok",true,true,1,"unknown"]' "serve: status (no proof API: verify unknown)"
  get /v1/status/feeds -b "$TMP/jar"
  expect_eq "$(jq -r '.feeds[0].name' <<<"$out")" ETH/USD "serve: the feeds"
  get /
  expect_eq "$code" 401 "serve: the page needs the token too"
  kill "$s_pid"
  wait "$s_pid" || true
  API=$api0
}

# `obridge serve`'s status while its IPFS node hangs (SIGSTOP): the check runs on a thread of its own,
# so /v1/status answers at once throughout and shows IPFS down once the check timed out, then up again
# after SIGCONT.
test_serve_status_answers_while_ipfs_hangs() {
  peers_env || return
  OBRIDGE_DATABASE_URL=$(fresh_db) || { fail "cannot create a database"; return; }
  export OBRIDGE_DATABASE_URL
  "$OBRIDGE" db migrate >/dev/null || { fail "migrate"; return; }
  bash "$OB_SOURCE_DIR/scripts/peers.sh" up "$TMP/ipfs2" ipfs >/dev/null 2>&1 || { fail "the private IPFS node did not start"; return; }
  local ipfs2 i t0 t1 slow=0 seen_down=0 # ipid, s_pid global: the EXIT trap reads them
  ipfs2=$(grep -o 'OBRIDGE_IPFS_API=[^ ]*' "$TMP/ipfs2/env" | head -1 | cut -d= -f2- | tr -d "'\"")
  ipid=$(bash "$OB_SOURCE_DIR/scripts/peers.sh" pid "$TMP/ipfs2" ipfs)
  OBRIDGE_IPFS_API=$ipfs2 OBRIDGE_FEEDS_DIR='' "$OBRIDGE" serve --listen 127.0.0.1:0 --port-file "$TMP/s.port" --workers 0 2>"$TMP/s.log" &
  s_pid=$!
  trap 'kill -CONT $ipid 2>/dev/null; kill -9 $s_pid 2>/dev/null; bash "$OB_SOURCE_DIR/scripts/peers.sh" down "$TMP/ipfs2" >/dev/null 2>&1; cleanup_case' EXIT
  for i in $(seq 300); do [[ -s $TMP/s.port ]] && break; sleep 0.02; done
  API=http://127.0.0.1:$(cat "$TMP/s.port")
  get /v1/status
  expect_eq "$(jq -r .peers.ipfs.ok <<<"$out")" true "IPFS up before the hang: $out"
  kill -STOP "$ipid"
  for ((i = 0; i < 20; i++)); do
    t0=$(date +%s%3N)
    get /v1/status -m 5
    t1=$(date +%s%3N)
    ((t1 - t0 < 1000)) || slow=$((slow + 1))
    [[ $(jq -r .peers.ipfs.ok <<<"$out") == false ]] && seen_down=1
    sleep 0.5
  done
  expect_eq "$slow" 0 "/v1/status answers slower than 1 s while IPFS hangs"
  expect_eq "$seen_down" 1 "IPFS never shown down while it hung: $out"
  kill -CONT "$ipid"
  for ((i = 0; i < 40; i++)); do
    get /v1/status
    [[ $(jq -r .peers.ipfs.ok <<<"$out") == true ]] && break
    sleep 0.25
  done
  expect_eq "$(jq -r .peers.ipfs.ok <<<"$out")" true "IPFS up again after SIGCONT: $out"
  kill -TERM "$s_pid"
  wait "$s_pid" || fail "serve exited $? after SIGTERM"
}

# Headless chromium (playwright-core) on the page of a live daemon, then on `obridge serve` over a
# database of 1,000 feeds: see dashboard_browser.mjs.
test_browser_live_updates_offline_and_1000_feeds_slow() {
  setup_daemon 10 || return
  bash "$OB_SOURCE_DIR/scripts/peers.sh" up "$TMP/ipfs2" ipfs >/dev/null 2>&1 || { fail "the private IPFS node did not start"; return; }
  local ipfs2; ipfs2=$(grep -o 'OBRIDGE_IPFS_API=[^ ]*' "$TMP/ipfs2/env" | head -1 | cut -d= -f2- | tr -d "'\"")
  start_dash "$ipfs2" || return
  trap '[[ -n ${d_pid:-} ]] && kill "$d_pid" 2>/dev/null; [[ -n ${s_pid:-} ]] && kill "$s_pid" 2>/dev/null; kill "$(cat "$TMP/src.pid")" 2>/dev/null; bash "$OB_SOURCE_DIR/scripts/peers.sh" down "$TMP/ipfs2" >/dev/null 2>&1; cleanup_case' EXIT
  wait_confirmed 1 60 || { fail "no round confirmed: $(tail -5 "$TMP/d.log")"; return; }
  # the 1,000-feed database, served by `obridge serve` (no chain needed: the page reads the database)
  local db2; db2=$(fresh_db) || { fail "cannot create a database"; return; }
  OBRIDGE_DATABASE_URL=$db2 "$OBRIDGE" db migrate >/dev/null || { fail "migrate"; return; }
  psql -XAtq "$db2" -v ON_ERROR_STOP=1 -f "$OB_SOURCE_DIR/tests/node/dashboard_1000.sql" >/dev/null || { fail "1000 feeds"; return; }
  OBRIDGE_DATABASE_URL=$db2 OBRIDGE_REGISTRY=0x00000000000000000000000000000000000000aa OBRIDGE_FEEDS_DIR='' \
    "$OBRIDGE" serve --listen 127.0.0.1:0 --port-file "$TMP/s.port" --workers 0 2>"$TMP/s.log" &
  s_pid=$!
  for i in $(seq 300); do [[ -s $TMP/s.port ]] && break; sleep 0.02; done
  mkdir -p "$OB_BINARY_DIR/dashboard-screenshots"
  run node "$OB_SOURCE_DIR/tests/node/dashboard_browser.mjs" --url "$API" --url1000 "http://127.0.0.1:$(cat "$TMP/s.port")" \
    --src "$SRC" --ipfs-dir "$TMP/ipfs2" --shots "$OB_BINARY_DIR/dashboard-screenshots"
  echo "$out"
  expect_status 0
  [[ $status == 0 ]] || { echo "$err"; echo "--- the daemon's log:"; tail -20 "$TMP/d.log"; } >&2
  kill -0 "$d_pid" 2>/dev/null || { fail "the daemon died: $(tail -5 "$TMP/d.log")"; d_pid=; return; }
  kill "$s_pid" 2>/dev/null; wait "$s_pid" 2>/dev/null || true
  s_pid=
  stop_dash
}
