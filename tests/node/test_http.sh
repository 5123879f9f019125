# node/http.c, the node's HTTP server (libwebsockets on the node's loop), driven by curl through
# tests/node/http_tool.c's test routes.
TOOL="$OB_BINARY_DIR/tests/http_tool"

# Start the tool (args: listen, max body); sets $BASE and $tool_pid.
start_tool() {
  rm -f "$TMP/port"
  "$TOOL" "$TMP/port" "${1:-127.0.0.1:0}" "${2:-1048576}" 2>"$TMP/tool.log" &
  tool_pid=$!
  for _ in $(seq 200); do [[ -s $TMP/port ]] && break; sleep 0.02; done
  [[ -s $TMP/port ]] || { fail "the server did not start: $(cat "$TMP/tool.log")"; return 1; }
  BASE=http://127.0.0.1:$(cat "$TMP/port")
}
stop_tool() {
  kill -TERM "$tool_pid"
  local rc=0
  wait "$tool_pid" || rc=$?
  expect_eq "$rc" 0 "the server's exit status after SIGTERM"
}

test_routes_params_query_and_headers() {
  start_tool || return
  run curl -sS -i "$BASE/hello"
  expect_out '^HTTP/1.1 200'; expect_out 'content-type: text/plain'; expect_out '^hello'
  run curl -sS -H 'Authorization: Bearer t0k' -H 'Last-Event-ID: 41' "$BASE/pins/abc-123?status=queued&status=pinned&limit=10"
  expect_eq "$out" '{"id":"abc-123","status":["queued","pinned"],"limit":"10","auth":"Bearer t0k","lei":"41"}'
  run curl -sS -X DELETE "$BASE/pins/x"
  expect_out '"id":"x"'
  # A query value that needs decoding.
  run curl -sS "$BASE/pins/q?limit=a%20b%26c"
  expect_out '"limit":"a b&c"'
  # {name...}: a feed name with '/' (percent-encoded by the client, decoded by the server)
  run curl -sS "$BASE/v1/feeds/ETH%2FUSD/latest"
  expect_eq "$out" ETH/USD
  run curl -sS "$BASE/v1/feeds/BTC/latest"
  expect_eq "$out" BTC
  run curl -sS -o /dev/null -w '%{http_code}' "$BASE/v1/feeds/latest"
  expect_eq "$out" 404
  stop_tool
  grep -q 'Bearer' "$TMP/tool.log" && fail "the Authorization header reached the log"
  grep -q 'status=queued' "$TMP/tool.log" && fail "the query string reached the log"
  grep -Eq 'sys=http msg=request method=GET path=/pins/abc-123 status=200 bytes=[0-9]+ ms=[0-9]+ remote=' "$TMP/tool.log" ||
    fail "no logfmt access line: $(head -5 "$TMP/tool.log")"
}

test_errors_have_the_pinning_service_shape() {
  start_tool || return
  run curl -sS -i "$BASE/nope"
  expect_out '^HTTP/1.1 404'; expect_out '"error":\{"reason":"NOT_FOUND","details":"no route for GET /nope"\}'
  run curl -sS -i -X POST "$BASE/hello"
  expect_out '^HTTP/1.1 405'; expect_out '^allow: GET'; expect_out '"reason":"METHOD_NOT_ALLOWED"'
  run curl -sS -i -X PUT "$BASE/pins/1"
  expect_out '^HTTP/1.1 405'; expect_out '^allow: GET, DELETE'
  # CORS: every answer carries the origin; OPTIONS is the preflight.
  run curl -sS -i -X OPTIONS "$BASE/pins/1"
  expect_out '^HTTP/1.1 204'; expect_out 'access-control-allow-methods: GET, DELETE'; expect_out 'access-control-allow-origin: \*'
  stop_tool
}

test_body_cap_and_echo() {
  start_tool 127.0.0.1:0 1000 || return
  head -c 1000 /dev/urandom >"$TMP/ok.bin"
  curl -sS -D "$TMP/h" -o "$TMP/back.bin" --data-binary @"$TMP/ok.bin" -H 'Content-Type: application/octet-stream' "$BASE/echo"
  cmp -s "$TMP/ok.bin" "$TMP/back.bin" || fail "the echoed body differs"
  grep -qi '^x-length: 1000' "$TMP/h" || fail "no X-Length: 1000"
  head -c 1001 /dev/urandom >"$TMP/big.bin"
  run curl -sS -i --data-binary @"$TMP/big.bin" "$BASE/echo"
  expect_out '^HTTP/1.1 413'; expect_out '"reason":"PAYLOAD_TOO_LARGE"'; expect_out 'over the limit of 1000 bytes'
  # Chunked (no Content-Length): refused once the bytes pass the cap.
  run curl -sS -i -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big.bin" "$BASE/echo"
  expect_out '^HTTP/1.1 413'
  # The server still answers afterwards.
  run curl -sS "$BASE/hello"
  expect_eq "$out" hello
  stop_tool
}

test_large_deferred_streamed_and_conditional_replies() {
  start_tool || return
  run curl -sS -o "$TMP/big" -w '%{http_code} %{size_download}' "$BASE/big"
  expect_eq "$out" "200 2097152"
  # keep-alive: two requests on one connection
  run curl -sS -v "$BASE/hello" "$BASE/hello"
  expect_err 'Re-using existing connection'
  local t0 t1
  t0=$(date +%s%N)
  run curl -sS "$BASE/deferred"
  t1=$(date +%s%N)
  expect_eq "$out" later
  (( (t1 - t0) / 1000000 >= 180 )) || fail "the deferred reply came after $(( (t1 - t0) / 1000000 )) ms, before its timer"
  run curl -sS -N -i "$BASE/stream"
  expect_out 'content-type: text/event-stream'
  expect_eq "$(grep -c '^data: ' <<<"$out")" 3 "SSE events"
  expect_out '^id: 2'
  run curl -sS -o /dev/null -w '%{http_code}' -H 'If-None-Match: "v1"' "$BASE/etag"
  expect_eq "$out" 304
  run curl -sS -I "$BASE/hello"
  expect_out '^HTTP/1.1 200'; expect_out 'content-length: 6'
  # A client that leaves before the deferred answer: the server drops the request (on_close) and
  # serves on.
  curl -sS -m 0.05 "$BASE/deferred" >/dev/null 2>&1 || true
  sleep 0.3
  run curl -sS "$BASE/deferred"
  expect_eq "$out" later
  stop_tool
  grep -q 'status=499' "$TMP/tool.log" || fail "the abandoned request was not logged as 499"
}

test_listen_errors_and_port_zero() {
  start_tool || return
  local port
  port=$(cat "$TMP/port")
  ((port > 0)) || fail "port 0 did not give a real port"
  run "$TOOL" "$TMP/port2" "127.0.0.1:$port"
  expect_status 1; expect_err "cannot listen on 127.0.0.1:$port"
  run "$TOOL" "$TMP/port2" "localhost"
  expect_status 1; expect_err "expected HOST:PORT"
  run "$TOOL" "$TMP/port2" "localhost:0"
  expect_status 1; expect_err "HOST must be an IP address"
  run "$TOOL" "$TMP/port2" "192.0.2.1:0"
  expect_status 1; expect_err "cannot listen on 192.0.2.1:0: Cannot assign requested address"
  # IPv6 loopback, when this machine has it
  if "$TOOL" "$TMP/port6" "[::1]:0" 2>/dev/null & p6=$!; sleep 0.3; [[ -s $TMP/port6 ]]; then
    run curl -sS "http://[::1]:$(cat "$TMP/port6")/hello"
    expect_eq "$out" hello
  fi
  kill "$p6" 2>/dev/null || true; wait "$p6" 2>/dev/null || true
  stop_tool
}
