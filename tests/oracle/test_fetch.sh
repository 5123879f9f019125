# Fetching sources (oracle/src/fetch.c) against tests/oracle/source_server.py and, for HTTP/2,
# tests/oracle/h2_server.mjs: every fault is an observation with the right error while the other
# sources stay valid; 429 backoff lasts across fetches; connections are reused; TLS is verified;
# HTTP/2 multiplexes; headers come from the environment, reach only the source's origin and are
# never printed. No peers needed.
# shellcheck shell=bash

FETCH_TOOL=$OB_BINARY_DIR/tests/fetch_tool
EP=/api/v3/ticker/price

clean_env() { local v; for v in $(compgen -e OBRIDGE_ || true); do unset "$v"; done; }

# start_source NAME [ARGS…]: a source server in the background; sets ${NAME}_base (its URL).
start_source() {
  local name=$1 i scheme=http; shift
  [[ " $* " == *" --tls "* ]] && scheme=https
  python3 "$OB_SOURCE_DIR/tests/oracle/source_server.py" --port-file "$TMP/$name.port" "$@" >"$TMP/$name.log" 2>&1 &
  echo $! >>"$TMP/pids"
  trap 'kill $(cat "$TMP/pids" 2>/dev/null) 2>/dev/null; cleanup_case' EXIT
  for ((i = 0; i < 200; i++)); do
    [[ -s $TMP/$name.port ]] && break
    sleep 0.05
  done
  [[ -s $TMP/$name.port ]] || { fail "source server $name did not start: $(cat "$TMP/$name.log")"; return 1; }
  printf -v "${name}_base" '%s://127.0.0.1:%s' "$scheme" "$(cat "$TMP/$name.port")"
}

# control BASE JSON: POST /control (the servers use a self-signed certificate over TLS).
control() { curl -sf --cacert "$TMP/cert.pem" -X POST -d "$2" "$1/control" >/dev/null; }
stats() { curl -sf --cacert "$TMP/cert.pem" "$1/stats"; }

make_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
    -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" -days 2 2>/dev/null
}

# source_json NAME URL PATH [EXTRA]: one source object.
source_json() { printf '{"name":"%s","url":"%s","path":"%s"%s}' "$1" "$2" "$3" "${4:-}"; }

# config FILE FEED_JSON…: a config whose oracle.feeds holds the feeds given.
write_config() {
  local f=$1; shift
  local IFS=,
  printf '{"oracle":{"feeds":[%s]}}\n' "$*" >"$f"
}

# The error (or value) of source NAME in the last --json output.
src() { jq -r --arg n "$1" ".sources[] | select(.name == \$n) | .${2:-error}" <<<"$out"; }

test_every_fault_is_an_observation_error_and_the_rest_stay_valid() {
  clean_env
  start_source s
  local q="$EP?symbol=" b=$s_base
  control "$b" '{"default_price": "3012.45", "faults": {
    "'$q'HANG": {"mode": "hang", "seconds": 5}, "'$q'E500": {"mode": "500"},
    "'$q'E429": {"mode": "429", "retry_after": 2}, "'$q'NOTJSON": {"mode": "not_json"},
    "'$q'HUGE": {"mode": "huge"}, "'$q'ERRBODY": {"mode": "error_body"}, "'$q'MISSING": {"mode": "missing_path"},
    "'$q'NAN": {"mode": "not_number"}, "'$q'LOOP": {"mode": "redirect_loop"}, "'$q'GZ": {"mode": "gzip"},
    "'$q'CHUNK": {"mode": "chunked"}, "'$q'LABEL": {"mode": "mislabeled"},
    "'$q'MOVED": {"mode": "redirect", "location": "'$q'ETHUSDT"}}}'
  local srcs=() s
  for s in HANG E500 E429 NOTJSON HUGE ERRBODY MISSING NAN LOOP GZ CHUNK LABEL MOVED; do
    srcs+=("$(source_json "${s,,}" "$b$q$s" '$.price' ',"timeout_ms":800')")
  done
  srcs+=("$(source_json cb "$b/v2/prices/ETH-USD/spot" '$.data.amount')")
  srcs+=("$(source_json kr "$b/0/public/Ticker?pair=ETHUSD" '$.result.XETHZUSD.c[0]')")
  local IFS=,
  write_config "$TMP/c.json" '{"name":"ETH/USD","decimals":8,"quorum":3,"k":"1000","sources":['"${srcs[*]}"']}'
  unset IFS
  local t0=$SECONDS
  run "$OBRIDGE" --config "$TMP/c.json" feed test ETH/USD --json
  expect_status 0
  ((SECONDS - t0 < 5)) || fail "feed test took $((SECONDS - t0)) s: the hung source was not cut at its 800 ms timeout"
  expect_eq "$(src hang)" "timed out after 800 ms"
  expect_eq "$(src e500)" "HTTP 500: 'internal error'"
  expect_eq "$(src e500 http_status)" 500
  expect_eq "$(src e429)" "HTTP 429 (rate limited): backed off for 2 s (Retry-After)"
  [[ $(src e429 backed_off_until_ms) -gt $(($(date +%s) * 1000)) ]] || fail "429: backed_off_until_ms is not in the future"
  [[ $(src notjson) == "reply is not JSON (57 bytes: '<html><body>Service temporarily unavailable</bo…'): json: "* ]] ||
    fail "not_json: $(src notjson)"
  expect_eq "$(src huge)" "reply larger than the cap of 1048576 bytes"
  (($(src huge latency_ms) < 3000)) || fail "the 50 MB body was not cut early: $(src huge latency_ms) ms"
  expect_eq "$(src errbody)" "the reply is an error: 'code -1121: Invalid symbol.' (path \$.price absent)"
  expect_eq "$(src missing)" "path \$.price absent: no key 'price' in the object at \$"
  expect_eq "$(src nan)" "value at \$.price is not a number: 'n/a'"
  expect_eq "$(src nan raw)" "null"
  expect_eq "$(src loop)" "more than 3 redirects (the last to '$b${q}LOOP')"
  for s in gz chunk label moved; do
    expect_eq "$(src $s error)" "null" "$s has no error"
    expect_eq "$(src $s value)" "301245000000" "$s value"
  done
  expect_eq "$(src cb value)" "301190000000"
  expect_eq "$(src kr raw)" "3013.1"
  expect_eq "$(jq -r '.aggregate.value_decimal' <<<"$out")" "3012.45000000"
  expect_eq "$(jq -r '.aggregate.counted' <<<"$out")" 6
  # gzip was offered and decoded by curl
  stats "$b" >"$TMP/stats.json"
  grep -q '"Accept-Encoding":"[^"]*gzip' "$TMP/stats.json" || fail "no Accept-Encoding: gzip sent: $(cat "$TMP/stats.json")"
  # the text output says the same, one line per source
  run "$OBRIDGE" --config "$TMP/c.json" feed test ETH/USD
  expect_status 0
  expect_out "^  e500 +HTTP 500 +[0-9]+ ms  error: HTTP 500: 'internal error'$"
  expect_out "^  gz +HTTP 200 +[0-9]+ ms  raw '3012.45'  value 3012.45000000$"
  expect_out '^aggregate: 3012.45000000 \(4 of 6 values; outliers: cb kr\)$' # MAD 0: only the median's equals remain
}

test_below_quorum_exits_1_unknown_feed_exits_2() {
  clean_env
  start_source s
  control "$s_base" '{"faults": {"'$EP'": {"mode": "500"}, "/v2/prices/ETH-USD/spot": {"mode": "not_number"}}}'
  write_config "$TMP/c.json" '{"name":"ETH/USD","decimals":8,"quorum":2,"sources":['"$(source_json bn "$s_base$EP?symbol=ETHUSDT" '$.price'),$(source_json cb "$s_base/v2/prices/ETH-USD/spot" '$.data.amount'),$(source_json kr "$s_base/0/public/Ticker?pair=ETHUSD" '$.result.XETHZUSD.c[0]')"']}'
  run "$OBRIDGE" --config "$TMP/c.json" feed test ETH/USD
  expect_status 1
  expect_out '^aggregate: below quorum \(1 of 2\): 1 source values counted, quorum is 2$'
  run "$OBRIDGE" --config "$TMP/c.json" feed test ETH/USD --json
  expect_status 1; expect_eq "$(jq -r .aggregate.ok <<<"$out")" false
  run "$OBRIDGE" --config "$TMP/c.json" feed test ETH/USDT
  expect_status 2; expect_err "feed 'ETH/USDT' is not declared. Did you mean 'ETH/USD'\?"
  run "$OBRIDGE" --config "$TMP/c.json" feed test
  expect_status 2; expect_err 'expected one feed name'
}

test_429_backoff_is_respected_on_the_next_fetch() {
  clean_env
  start_source s
  control "$s_base" '{"faults": {"/0/public/Ticker": {"mode": "429", "retry_after": 30}}}'
  printf '{"feeds":[{"name":"ETH/USD","decimals":8,"sources":[%s,%s]}]}' \
    "$(source_json bn "$s_base$EP?symbol=ETHUSDT" '$.price')" \
    "$(source_json kr "$s_base/0/public/Ticker?pair=ETHUSD" '$.result.XETHZUSD.c[0]')" >"$TMP/f.json"
  run "$FETCH_TOOL" --repeat 3 "$TMP/f.json"
  expect_status 0
  expect_eq "$(jq -r 'select(.round == 0 and .source == "kr") | .error' <<<"$out")" "HTTP 429 (rate limited): backed off for 30 s (Retry-After)"
  expect_eq "$(jq -r 'select(.round == 2 and .source == "kr") | .rc' <<<"$out")" ESTATE
  expect_out '"round":2,"feed":"ETH/USD","source":"kr","rc":"ESTATE","status":0.*"error":"backed off until 20[0-9-]+T[0-9:]+Z \(HTTP 429 before\)"'
  expect_eq "$(jq -r 'select(.round == 2 and .source == "bn") | .value' <<<"$out")" 301245000000
  stats "$s_base" >"$TMP/st.json"
  expect_eq "$(jq -r '.requests["/0/public/Ticker"]' "$TMP/st.json")" 1 "the backed-off source was asked once"
  expect_eq "$(jq -r ".requests[\"$EP\"]" "$TMP/st.json")" 3
  # A short Retry-After: asked again once it has passed (the fault applies once).
  control "$s_base" '{"reset": true, "faults": {"/0/public/Ticker": {"mode": "429", "retry_after": 1, "times": 1}}}'
  run "$FETCH_TOOL" --repeat 2 --sleep-ms 1300 "$TMP/f.json"
  expect_status 0
  expect_eq "$(jq -r 'select(.round == 1 and .source == "kr") | .value' <<<"$out")" 301310000000
  expect_eq "$(stats "$s_base" | jq -r '.requests["/0/public/Ticker"]')" 2
}

test_connections_are_reused_between_fetches() {
  clean_env
  start_source s
  printf '{"feeds":[{"name":"ETH/USD","decimals":8,"sources":[%s,%s,%s]}]}' \
    "$(source_json bn "$s_base$EP?symbol=ETHUSDT" '$.price')" \
    "$(source_json cb "$s_base/v2/prices/ETH-USD/spot" '$.data.amount')" \
    "$(source_json kr "$s_base/0/public/Ticker?pair=ETHUSD" '$.result.XETHZUSD.c[0]')" >"$TMP/f.json"
  run "$FETCH_TOOL" --repeat 4 "$TMP/f.json"
  expect_status 0
  expect_eq "$(jq -r 'select(.round > 0) | .reused' <<<"$out" | sort -u)" true "rounds 1-3 on kept connections"
  expect_eq "$(jq -r '.version' <<<"$out" | sort -u)" 11
  stats "$s_base" >"$TMP/st.json"
  expect_eq "$(jq -r .requests_total "$TMP/st.json")" 12
  (($(jq -r .connections "$TMP/st.json") - 1 <= 3)) || fail "12 requests took $(($(jq -r .connections "$TMP/st.json") - 1)) connections (one more was /stats)"
  # --max-per-host 1: one connection for everything
  control "$s_base" '{"reset": true}'
  run "$FETCH_TOOL" --repeat 2 --max-per-host 1 "$TMP/f.json"
  expect_status 0
  expect_eq "$(jq -r .connections <<<"$(stats "$s_base")")" 2 "one connection for the fetches (and one for /stats)"
}

test_https_verified_and_http2_multiplexed() {
  clean_env
  make_cert
  node "$OB_SOURCE_DIR/tests/oracle/h2_server.mjs" "$TMP/cert.pem" "$TMP/key.pem" "$TMP/h2.port" >"$TMP/h2.log" 2>&1 &
  echo $! >>"$TMP/pids"
  trap 'kill $(cat "$TMP/pids" 2>/dev/null) 2>/dev/null; cleanup_case' EXIT
  local i srcs=() s
  for ((i = 0; i < 100; i++)); do [[ -s $TMP/h2.port ]] && break; sleep 0.05; done
  local h2="https://127.0.0.1:$(cat "$TMP/h2.port")"
  for s in A B C D E F; do srcs+=("$(source_json "s$s" "$h2$EP?symbol=$s" '$.price')"); done
  local IFS=,
  printf '{"feeds":[{"name":"ETH/USD","decimals":8,"sources":[%s]}]}' "${srcs[*]}" >"$TMP/f.json"
  unset IFS
  run "$FETCH_TOOL" --ca "$TMP/cert.pem" --repeat 2 "$TMP/f.json"
  expect_status 0
  expect_eq "$(jq -r '.version' <<<"$out" | sort -u)" 20 "every response over HTTP/2"
  expect_eq "$(jq -r '.value' <<<"$out" | sort -u)" 301245000000
  curl -sf --cacert "$TMP/cert.pem" "$h2/stats" >"$TMP/st.json"
  expect_eq "$(jq -r .sessions "$TMP/st.json")" 2 "one TLS connection for 12 requests (and one for /stats)"
  expect_eq "$(jq -r '.versions["2.0"]' "$TMP/st.json")" 12
  (($(jq -r .max_streams_at_once "$TMP/st.json") >= 2)) || fail "requests were not multiplexed: $(cat "$TMP/st.json")"
  # Without the test CA the system store refuses the certificate: every source says why.
  run "$FETCH_TOOL" "$TMP/f.json"
  expect_status 0
  expect_eq "$(jq -r '.rc' <<<"$out" | sort -u)" EPEER
  expect_out '"error":"TLS: [^"]*(certificate|verify)'
  # obridge uses oracle.ca_file ($OBRIDGE_ORACLE_CA_FILE) the same way
  write_config "$TMP/c.json" "$(jq -c '.feeds[0]' "$TMP/f.json")"
  OBRIDGE_ORACLE_CA_FILE=$TMP/cert.pem run "$OBRIDGE" --config "$TMP/c.json" feed test ETH/USD --json
  expect_status 0; expect_eq "$(jq -r '.sources[].http_version' <<<"$out" | sort -u)" 2
  run "$OBRIDGE" --config "$TMP/c.json" feed test ETH/USD
  expect_status 1; expect_out 'error: TLS: '
}

test_redirect_from_https_to_http_is_refused() {
  clean_env
  make_cert
  start_source t --tls "$TMP/cert.pem" "$TMP/key.pem"
  start_source p
  control "$t_base" '{"faults": {"'$EP'?symbol=ETHUSDT": {"mode": "redirect_http", "location": "'$p_base$EP'?symbol=ETHUSDT"},
                                  "/v2/prices/ETH-USD/spot": {"mode": "redirect", "location": "'$t_base$EP'?symbol=BTCUSDT"}}}'
  printf '{"feeds":[{"name":"ETH/USD","decimals":8,"sources":[%s,%s]}]}' \
    "$(source_json down "$t_base$EP?symbol=ETHUSDT" '$.price')" \
    "$(source_json up "$t_base/v2/prices/ETH-USD/spot" '$.price')" >"$TMP/f.json"
  run "$FETCH_TOOL" --ca "$TMP/cert.pem" "$TMP/f.json"
  expect_status 0
  expect_eq "$(jq -r 'select(.source == "down") | .error' <<<"$out")" \
    "redirect from https to http refused ('$p_base$EP?symbol=ETHUSDT')"
  expect_eq "$(jq -r 'select(.source == "up") | .value' <<<"$out")" 9700050000000 "https to https is followed"
  expect_eq "$(stats "$p_base" | jq -r .requests_total)" 0 "the http server was never asked"
}

test_header_from_env_is_sent_to_its_origin_only_and_never_printed() {
  clean_env
  start_source s
  start_source other
  local key=s3cr3t-api-key-7f1e
  control "$s_base" '{"require_header": {"/v2/prices/ETH-USD/spot": {"name": "X-Api-Key", "value": "'$key'"}},
                      "faults": {"/0/public/Ticker": {"mode": "redirect", "location": "'$other_base'/0/public/Ticker?pair=ETHUSD"}}}'
  local hdr=',"headers":{"X-Api-Key":{"env":"OB_TEST_API_KEY"}}'
  write_config "$TMP/c.json" '{"name":"ETH/USD","decimals":8,"quorum":2,"sources":['"$(source_json cb "$s_base/v2/prices/ETH-USD/spot" '$.data.amount' "$hdr"),$(source_json kr "$s_base/0/public/Ticker?pair=ETHUSD" '$.result.XETHZUSD.c[0]' "$hdr")"']}'
  OB_TEST_API_KEY=$key run "$OBRIDGE" -vvv --config "$TMP/c.json" feed test ETH/USD --json
  expect_status 0
  expect_eq "$(src cb value)" 301190000000
  expect_eq "$(src kr value)" 301310000000 "followed to the other origin"
  expect_eq "$(stats "$s_base" | jq -r '.last_headers["/v2/prices/ETH-USD/spot"]["X-Api-Key"]')" "$key"
  expect_eq "$(stats "$other_base" | jq -r '.last_headers["/0/public/Ticker"]["X-Api-Key"]')" null \
    "the key did not follow the redirect to another origin"
  [[ "$out$err" != *"$key"* ]] || fail "the header's value was printed"
  grep -q "$key" "$TMP"/*.log && fail "the header's value reached a server log"
  # not set: the source is an error, nothing is sent
  local before
  before=$(stats "$s_base" | jq -r '.requests["/v2/prices/ETH-USD/spot"]')
  run "$OBRIDGE" -vvv --config "$TMP/c.json" feed test ETH/USD --json
  expect_status 1
  expect_eq "$(src cb)" "header 'X-Api-Key': \$OB_TEST_API_KEY is not set"
  expect_eq "$(stats "$s_base" | jq -r '.requests["/v2/prices/ETH-USD/spot"]')" "$before"
  # a wrong value: the server's 401 is the error
  OB_TEST_API_KEY=wrong run "$OBRIDGE" --config "$TMP/c.json" feed test ETH/USD --json
  expect_eq "$(src cb)" "HTTP 401: 'missing or wrong X-Api-Key'"
}

# A source's timeout runs from when its request goes out, not while it waits for a connection: three
# 0.5 s answers on one connection (max_per_host 1) all arrive within their 800 ms timeouts.
test_timeout_does_not_count_the_wait_for_a_connection() {
  clean_env
  start_source s
  control "$s_base" '{"default_price": "1.5", "faults": {"'$EP'": {"mode": "slow", "seconds": 0.5}}}'
  printf '{"feeds":[{"name":"X/USD","decimals":2,"sources":[%s,%s,%s]}]}' \
    "$(source_json a "$s_base$EP?symbol=A" '$.price' ',"timeout_ms":800')" \
    "$(source_json b "$s_base$EP?symbol=B" '$.price' ',"timeout_ms":800')" \
    "$(source_json c "$s_base$EP?symbol=C" '$.price' ',"timeout_ms":800')" >"$TMP/f.json"
  local t0=$SECONDS
  run "$FETCH_TOOL" --max-per-host 1 "$TMP/f.json"
  expect_status 0
  expect_eq "$(jq -r '.value' <<<"$out" | sort -u)" 150
  ((SECONDS - t0 >= 1)) || fail "the three requests did not wait for one another (max_per_host 1)"
  # each latency is its own answer's, not the queue's
  expect_eq "$(jq -r 'select(.latency_ms > 790) | .source' <<<"$out")" ""
  # and a source slower than its timeout still times out
  control "$s_base" '{"faults": {"'$EP'": {"mode": "slow", "seconds": 2}}}'
  run "$FETCH_TOOL" --max-per-host 1 "$TMP/f.json"
  expect_eq "$(jq -r '.error' <<<"$out" | sort -u)" "timed out after 800 ms"
}
