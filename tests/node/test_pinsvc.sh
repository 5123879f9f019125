# obridge serve: the IPFS Pinning Service API driven by @ipfs-shipyard/pinning-service-client
# (tests/node/pinsvc_client.mjs), every response validated against the spec's OpenAPI document;
# tenants, tokens, quotas, the rate limit, pin by CID from a second IPFS node as origin, TLS, and a
# 10,000-pin load with worker kills (slow). PostgreSQL and the IPFS node of the ctest fixtures, a
# fresh database per case; the two-node case starts its own two nodes with swarm listeners.
CLIENT="$OB_SOURCE_DIR/tests/node/pinsvc_client.mjs"
SPEC_YAML="$OB_SOURCE_DIR/tests/vectors/pinning-service-api/ipfs-pinning-service.yaml"

psqlq() { psql -XAtq "$OBRIDGE_DATABASE_URL" -c "$1"; }

# The spec as JSON (python3-yaml; no YAML parser is among the npm packages).
spec_json() {
  local py=python3
  $py -c 'import yaml' 2>/dev/null || py=/usr/bin/python3
  $py -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"))' "$SPEC_YAML" "$TMP/spec.json"
  export SPEC_JSON=$TMP/spec.json
}

# write_config [EXTRA JSON members]
write_config() {
  printf '{"http":{"listen":"127.0.0.1:0","rate_limit_per_s":1000,"rate_burst":1000%s},"pins":{"workers":2,"retry_base_s":1,"fetch_timeout_s":3}%s}\n' \
    "${HTTP_EXTRA:-}" "${1:-}" >"$TMP/obridge.json"
  export OBRIDGE_CONFIG=$TMP/obridge.json
}

setup() {
  peers_env || return 1
  OBRIDGE_DATABASE_URL=$(fresh_db) || { fail "cannot create a database"; return 1; }
  export OBRIDGE_DATABASE_URL OBRIDGE_LOG_LEVEL=info
  run "$OBRIDGE" db migrate
  expect_status 0
  write_config
  spec_json
}

# The quota figures the triggers keep on each tenant's row (migration 0014) equal what they stand
# for, recounted from the requests and their queue rows; and no two requests of a tenant share a
# created time.
expect_usage_consistent() {
  expect_eq "$(psqlq "SELECT coalesce(string_agg(t.name || ':' || t.live_pins || '/' || c.live || ',' || t.pinned_bytes || '/' || c.bytes, ' '), '')
    FROM pinsvc_tenants t CROSS JOIN LATERAL (SELECT
      (SELECT count(*) FROM pinsvc_requests r WHERE r.tenant_id = t.id AND r.replaced_by IS NULL) AS live,
      (SELECT coalesce(sum(coalesce((p.meta->>'dag_size')::bigint, p.size, 0)), 0) FROM pinsvc_requests r
         JOIN pins p USING (request_id) WHERE r.tenant_id = t.id AND p.status = 'pinned') AS bytes) c
    WHERE t.live_pins <> c.live OR t.pinned_bytes <> c.bytes")" "" "tenants whose quota figures drifted (kept/recounted)"
  expect_eq "$(psqlq "SELECT count(*) FROM (SELECT 1 FROM pinsvc_requests GROUP BY tenant_id, created_at HAVING count(*) > 1) d")" 0 \
    "requests of one tenant sharing a created time"
}

# tenant NAME [add options]: adds it and prints its token (the last line of `tenant token`).
tenant() {
  local name=$1; shift
  "$OBRIDGE" tenant add "$name" "$@" >/dev/null
  "$OBRIDGE" tenant token "$name" | tail -1
}

# start_serve [options]: obridge serve in the background; sets $serve_pid and exports PINSVC_URL.
start_serve() {
  rm -f "$TMP/serve.port"
  "$OBRIDGE" serve --port-file "$TMP/serve.port" "$@" 2>>"$TMP/serve.log" &
  serve_pid=$!
  for _ in $(seq 300); do [[ -s $TMP/serve.port ]] && break; sleep 0.02; done
  [[ -s $TMP/serve.port ]] || { fail "serve did not start: $(tail -5 "$TMP/serve.log")"; return 1; }
  export PINSVC_URL=http://127.0.0.1:$(cat "$TMP/serve.port")
}
stop_serve() {
  local rc=0
  kill -TERM "$serve_pid"
  wait "$serve_pid" || rc=$?
  expect_eq "$rc" 0 "serve's exit status after SIGTERM"
}

# add_blocks N: N small random files added to the node without a pin; prints their CIDs (v1).
add_blocks() {
  local i
  for i in $(seq "$1"); do
    head -c $((1000 + RANDOM)) /dev/urandom >"$TMP/blk"
    curl -sS -X POST -F "file=@$TMP/blk;type=application/octet-stream" \
      "$OBRIDGE_IPFS_API/api/v0/add?pin=false&cid-version=1&raw-leaves=true&cid-base=base32" | jq -r .Hash
  done
}
# A CID nobody has: the hash of random bytes, computed by the node without keeping them.
missing_cid() {
  head -c 5000 /dev/urandom >"$TMP/miss"
  curl -sS -X POST -F "file=@$TMP/miss;type=application/octet-stream" \
    "$OBRIDGE_IPFS_API/api/v0/add?only-hash=true&cid-version=1&raw-leaves=true&cid-base=base32" | jq -r .Hash
}

client() { run node "$CLIENT" "$1"; expect_status 0; }

test_every_endpoint_and_filter_through_the_client_validated_by_the_spec() {
  setup || return
  TOKEN_A=$(tenant alice) TOKEN_B=$(tenant bob)
  HAVE=$(add_blocks 5 | tr '\n' ' ' | sed 's/ $//') MISSING=$(missing_cid)
  ORIGIN="/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"
  export TOKEN_A TOKEN_B HAVE MISSING ORIGIN IPFS_API=$OBRIDGE_IPFS_API
  start_serve || return
  client api
  expect_err "^ok api: [0-9]+ responses validated"
  stop_serve
  # The access log: logfmt lines, no token anywhere in it.
  grep -q 'sys=http msg=request method=GET path=/pins status=200' "$TMP/serve.log" || fail "no access log line"
  grep -qF "$TOKEN_A" "$TMP/serve.log" && fail "a token reached the log"
  grep -q 'obt_' "$TMP/serve.log" && fail "a token prefix reached the log"
  # What is left in the database: the requests of alice (p3, the replacement, p4) and none of bob's.
  expect_eq "$(psqlq "SELECT count(*) FROM pinsvc_requests r JOIN pinsvc_tenants t ON t.id = r.tenant_id WHERE t.name = 'alice'")" 3
  expect_eq "$(psqlq "SELECT count(*) FROM pinsvc_requests r JOIN pinsvc_tenants t ON t.id = r.tenant_id WHERE t.name = 'bob'")" 0
  expect_usage_consistent
  run "$OBRIDGE" tenant ls --json
  expect_eq "$(jq -c '[.[] | {name, pins, tokens}]' <<<"$out")" \
    '[{"name":"alice","pins":3,"tokens":1},{"name":"bob","pins":0,"tokens":1},{"name":"operator","pins":0,"tokens":0}]'
}

test_bad_input_is_refused_in_the_spec_shape_and_stores_nothing() {
  setup || return
  TOKEN_A=$(tenant alice) TOKEN_B=$(tenant bob)
  HAVE=$(add_blocks 1)
  export TOKEN_A TOKEN_B HAVE IPFS_API=$OBRIDGE_IPFS_API
  start_serve || return
  client errors
  expect_err '^ok errors'
  stop_serve
  expect_eq "$(psqlq "SELECT count(*) FROM pinsvc_requests")" 0 "requests stored"
  expect_eq "$(psqlq "SELECT count(*) FROM pins")" 0 "queue rows stored"
}

test_tenants_are_isolated_and_a_revoked_token_gets_401() {
  setup || return
  TOKEN_A=$(tenant alice) TOKEN_B=$(tenant bob)
  HAVE=$(add_blocks 1)
  export TOKEN_A TOKEN_B HAVE IPFS_API=$OBRIDGE_IPFS_API
  start_serve || return
  # B owns a request, then B's token is revoked.
  local ta=$TOKEN_A tb=$TOKEN_B
  REQUEST=$(TOKEN_A=$tb TOKEN_B=$ta node "$CLIENT" isolation) || fail "bob's isolation from alice"
  export REQUEST
  client isolation
  run "$OBRIDGE" tenant revoke bob
  expect_status 0
  expect_out '1 token revoked'
  client revoked
  expect_eq "$(psqlq "SELECT count(*) FROM pinsvc_requests WHERE request_id = '$REQUEST'")" 1 "bob's request is still there"
  # A new token for bob works again.
  TOKEN_B=$("$OBRIDGE" tenant token bob | tail -1)
  run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN_B" "$PINSVC_URL/pins/$REQUEST"
  expect_eq "$out" 200
  run "$OBRIDGE" tenant revoke nobody
  expect_status 2
  expect_err "no tenant named 'nobody'"
  stop_serve
}

test_quotas_refuse_the_request_that_crosses_them_and_nothing_else() {
  setup || return
  TOKEN_A=$(tenant alice) TOKEN_B=$(tenant bob)
  TOKEN_Q=$(tenant limited --quota-pins 2)
  HAVE=$(add_blocks 3 | tr '\n' ' ' | sed 's/ $//')
  export TOKEN_A TOKEN_B TOKEN_Q HAVE IPFS_API=$OBRIDGE_IPFS_API
  start_serve || return
  client quota_pins
  TOKEN_Q=$(tenant tiny --quota-bytes 1)
  client quota_bytes
  stop_serve
  run "$OBRIDGE" tenant ls --json
  expect_eq "$(jq -c '[.[] | select(.name == "limited" or .name == "tiny") | [.name, .quota_pins, .quota_bytes, .pins]]' <<<"$out")" \
    '[["limited",2,null,2],["tiny",null,1,1]]'
  expect_usage_consistent
  run "$OBRIDGE" tenant add limited
  expect_status 1
  expect_err "exists already"
  run "$OBRIDGE" tenant add 'bad name'
  expect_status 2
  run "$OBRIDGE" tenant add q --quota-pins -3
  expect_status 2
}

test_per_token_rate_limit_answers_429() {
  setup || return
  TOKEN_A=$(tenant alice) TOKEN_B=$(tenant bob)
  export TOKEN_A TOKEN_B IPFS_API=$OBRIDGE_IPFS_API
  printf '{"http":{"listen":"127.0.0.1:0","rate_limit_per_s":1,"rate_burst":3},"pins":{"workers":1}}\n' >"$TMP/obridge.json"
  start_serve || return
  client rate
  stop_serve
}

test_a_cid_nobody_serves_fails_after_the_no_progress_timeout() {
  setup || return
  local token id t0 st
  token=$(tenant alice)
  write_config ',"ipfs":{"stall_timeout_s":30}'
  start_serve || return
  id=$(curl -sS -H "Authorization: Bearer $token" -d "{\"cid\":\"$(missing_cid)\"}" "$PINSVC_URL/pins" | jq -r .requestid)
  t0=$(date +%s)
  for _ in $(seq 200); do
    st=$(curl -sS -H "Authorization: Bearer $token" "$PINSVC_URL/pins/$id" | jq -r .status)
    [[ $st == failed ]] && break
    sleep 0.1
  done
  expect_eq "$st" failed "status after the no-progress timeout (3 s)"
  (($(date +%s) - t0 <= 10)) || fail "took $(($(date +%s) - t0)) s to fail"
  run curl -sS -H "Authorization: Bearer $token" "$PINSVC_URL/pins/$id"
  expect_out '"status_details":"no progress for 3 s fetching'
  expect_eq "$(psqlq "SELECT attempts FROM pins WHERE request_id = '$id'")" 1 "attempts (failed at once, not retried)"
  stop_serve
}

# The content lives on a second IPFS node only; the request names it as origin. Both nodes have a
# loopback swarm listener (OB_IPFS_SWARM=1) and nothing else: no DHT, no bootstrap.
test_pin_by_cid_from_a_second_node_given_as_origin() {
  setup || return
  local b_api b_addr
  OB_IPFS_SWARM=1 bash "$OB_SOURCE_DIR/scripts/peers.sh" up "$TMP/a" ipfs 2>/dev/null &
  local pa=$!
  OB_IPFS_SWARM=1 bash "$OB_SOURCE_DIR/scripts/peers.sh" up "$TMP/b" ipfs 2>/dev/null
  wait "$pa"
  OBRIDGE_IPFS_API=$(sed -n "s/^export OBRIDGE_IPFS_API='\(.*\)'/\1/p" "$TMP/a/env")
  b_api=$(sed -n "s/^export OBRIDGE_IPFS_API='\(.*\)'/\1/p" "$TMP/b/env")
  export OBRIDGE_IPFS_API IPFS_API=$OBRIDGE_IPFS_API
  b_addr=$(curl -sS -X POST "$b_api/api/v0/id" | jq -r '.Addresses[0]')
  [[ $b_addr == /ip4/127.0.0.1/tcp/*/p2p/* ]] || { fail "node B has no swarm address: $b_addr"; return; }
  head -c 3000000 /dev/urandom >"$TMP/content"
  ORIGIN_CID=$(curl -sS -X POST -F "file=@$TMP/content;type=application/octet-stream" \
    "$b_api/api/v0/add?cid-version=1&raw-leaves=true&cid-base=base32" | jq -r .Hash)
  export ORIGIN_CID ORIGIN=$b_addr ORIGIN_BYTES=3000000 ORIGIN_SHA256=$(sha256sum <"$TMP/content" | cut -c1-64)
  TOKEN_A=$(tenant alice)
  export TOKEN_A
  write_config ',"ipfs":{"api":"'"$OBRIDGE_IPFS_API"'"}'
  sed -i 's/"fetch_timeout_s":3/"fetch_timeout_s":30/' "$TMP/obridge.json"
  start_serve || return
  client origin
  # delegates are node A's own multiaddrs
  run curl -sS -H "Authorization: Bearer $TOKEN_A" "$PINSVC_URL/pins"
  expect_eq "$(jq -r '.results[0].delegates[0]' <<<"$out")" "$(curl -sS -X POST "$OBRIDGE_IPFS_API/api/v0/id" | jq -r '.Addresses[0]')"
  stop_serve
  expect_eq "$(psqlq "SELECT pinned_bytes > 3000000 FROM pinsvc_tenants WHERE name = 'alice'")" t "alice's pinned bytes count the pin"
  expect_usage_consistent
}

test_tls_and_the_plain_http_rule() {
  setup || return
  local token
  token=$(tenant alice)
  # Plain HTTP on a non-loopback address is refused unless allowed.
  run "$OBRIDGE" serve --listen 0.0.0.0:0 --workers 0
  expect_status 2
  expect_err 'not a loopback address: configure http.tls_cert and http.tls_key'
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 2>/dev/null
  HTTP_EXTRA=',"tls_cert":"'"$TMP/cert.pem"'","tls_key":"'"$TMP/key.pem"'"' write_config
  start_serve --workers 0 || return
  PINSVC_URL=${PINSVC_URL/http:/https:}
  run curl -sS --cacert "$TMP/cert.pem" -H "Authorization: Bearer $token" "$PINSVC_URL/pins"
  expect_eq "$out" '{"count":0,"results":[]}'
  run curl -sS -o /dev/null "http://127.0.0.1:$(cat "$TMP/serve.port")/pins"
  ((status != 0)) || fail "plain HTTP answered on the TLS port"
  stop_serve
  HTTP_EXTRA=',"tls_cert":"'"$TMP/cert.pem"'"' write_config
  run "$OBRIDGE" serve --workers 0
  expect_status 2
  expect_err 'both a certificate and a private key'
  HTTP_EXTRA=',"allow_plain_remote":true' write_config
  start_serve --listen 0.0.0.0:0 --workers 0 || return
  run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$PINSVC_URL/pins"
  expect_eq "$out" 200
  stop_serve
}

# `obridge run` serves the same routes beside /health and /metrics.
test_run_serves_the_same_routes() {
  setup || return
  local token
  token=$(tenant alice)
  "$OBRIDGE" run --port-file "$TMP/run.port" 2>"$TMP/run.log" &
  local pid=$!
  for _ in $(seq 300); do [[ -s $TMP/run.port ]] && break; sleep 0.02; done
  run curl -sS -H "Authorization: Bearer $token" "http://127.0.0.1:$(cat "$TMP/run.port")/pins"
  expect_eq "$out" '{"count":0,"results":[]}'
  run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$TMP/run.port")/pins"
  expect_eq "$out" 401
  kill -TERM "$pid"
  wait "$pid" || fail "run did not exit 0"
}

# The operator's `pin rm` drops the operator's jobs only: a CID a tenant holds stays on the node,
# and leaves it when the tenant deletes its request.
test_operator_pin_rm_keeps_a_cid_a_tenant_holds() {
  setup || return
  local token cid id
  token=$(tenant alice)
  head -c 5000 /dev/urandom >"$TMP/f"
  run "$OBRIDGE" pin add "$TMP/f" -q
  expect_status 0
  cid=$out
  start_serve || return
  id=$(curl -sS -H "Authorization: Bearer $token" -d "{\"cid\":\"$cid\"}" "$PINSVC_URL/pins" | jq -r .requestid)
  for _ in $(seq 100); do [[ $(psqlq "SELECT status FROM pins WHERE request_id = '$id'") == pinned ]] && break; sleep 0.1; done
  expect_eq "$(psqlq "SELECT status FROM pins WHERE request_id = '$id'")" pinned
  run "$OBRIDGE" pin rm "$cid" --json
  expect_status 0
  expect_eq "$(jq -c '[.unpinned, .removed, .held_by_tenants]' <<<"$out")" '[false,1,true]'
  run curl -sS -X POST "$OBRIDGE_IPFS_API/api/v0/pin/ls?arg=$cid&cid-base=base32"
  expect_out "$cid"
  run curl -sS -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $token" "$PINSVC_URL/pins/$id"
  expect_eq "$out" 202
  run curl -sS -X POST "$OBRIDGE_IPFS_API/api/v0/pin/ls?arg=$cid&cid-base=base32"
  expect_out 'not pinned'
  stop_serve
}

# 10,000 pins requested by 4 tenants at once through the API while a pin worker is killed twice:
# each ends pinned once, the counts per tenant are exact, no request is lost. Its own IPFS node
# (10,000 blocks would weigh on the shared one).
test_ten_thousand_pins_four_tenants_workers_killed_slow() {
  setup || return
  local tokens="" i n k pid kills=0 victim
  bash "$OB_SOURCE_DIR/scripts/peers.sh" up "$TMP/n" ipfs 2>/dev/null
  OBRIDGE_IPFS_API=$(sed -n "s/^export OBRIDGE_IPFS_API='\(.*\)'/\1/p" "$TMP/n/env")
  export OBRIDGE_IPFS_API
  # 10,000 distinct blocks in one add (unpinned): every pin then finds its content on the node.
  python3 - "$TMP/body" <<'PY'
import os, sys
with open(sys.argv[1], "wb") as f:
    for i in range(10000):
        f.write(b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f%d\"\r\nContent-Type: application/octet-stream\r\n\r\n" % i)
        f.write(b"block %d " % i + os.urandom(64) + b"\r\n")
    f.write(b"--XyZ--\r\n")
PY
  curl -sS -X POST -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary "@$TMP/body" \
    "$OBRIDGE_IPFS_API/api/v0/add?pin=false&cid-version=1&raw-leaves=true&cid-base=base32" | jq -r .Hash >"$TMP/cids"
  expect_eq "$(sort -u "$TMP/cids" | wc -l)" 10000 "distinct blocks added"
  for i in 1 2 3 4; do tokens+="${tokens:+ }$(tenant "t$i")"; done
  write_config ',"ipfs":{"api":"'"$OBRIDGE_IPFS_API"'","stall_timeout_s":5}'
  sed -i 's/"workers":2/"workers":4/' "$TMP/obridge.json"
  start_serve || return
  TOKENS=$tokens CIDS_FILE=$TMP/cids node "$CLIENT" load >"$TMP/ids" 2>"$TMP/load.err" &
  local load=$!
  # Kill one pin worker (a child of serve; serve starts another) at about 1,500 and 5,000 pinned.
  for k in 1500 5000; do
    for _ in $(seq 3000); do
      n=$(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned'")
      ((n >= k)) && break
      sleep 0.1
    done
    victim=$(pgrep -P "$serve_pid" | head -1)
    [[ -n $victim ]] && kill -KILL "$victim" && kills=$((kills + 1))
  done
  expect_eq "$kills" 2 "pin workers killed"
  wait "$load" || fail "the load: $(tail -5 "$TMP/load.err")"
  cat "$TMP/load.err" >&2
  stop_serve
  expect_eq "$(sort -u "$TMP/ids" | wc -l)" 10000 "request ids answered"
  expect_eq "$(psqlq "SELECT count(*) FROM pinsvc_requests")" 10000 "requests stored"
  expect_eq "$(psqlq "SELECT count(*) FROM pins p JOIN pinsvc_requests r USING (request_id) WHERE p.status = 'pinned' AND p.cid = r.cid")" 10000 "pinned"
  expect_eq "$(psqlq "SELECT string_agg(n::text, ',' ORDER BY t) FROM (SELECT tenant_id t, count(*) n FROM pinsvc_requests GROUP BY 1) x")" \
    "2500,2500,2500,2500" "requests per tenant"
  expect_usage_consistent
  # Each pinned once: one "pinned" line per request in the workers' log.
  expect_eq "$(grep -c 'sys=ipfs msg=pinned ' "$TMP/serve.log")" 10000 "pinned log lines"
  expect_eq "$(grep 'sys=ipfs msg=pinned ' "$TMP/serve.log" | grep -o 'request=[0-9a-f-]*' | sort -u | wc -l)" 10000 "requests pinned"
  (($(psqlq "SELECT count(*) FROM pins WHERE attempts > 1") >= 1)) || fail "no job was taken over from a killed worker"
  grep -q 'a pin worker exited; starting another' "$TMP/serve.log" || fail "serve did not restart a killed worker"
}

# Replicas (issue 17 point 5): node A replicates every pinned CID to a second obridge serving the
# API (node B: its own database, the same IPFS node). B is down at first: the replica row is retried
# with backoff and says why; once B is up it ends pinned there, and `pin verify` reports it.
test_replicas_on_a_second_obridge_with_backoff() {
  setup || return
  local port b_db b_token a_db w_pid b_pid cid st
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  a_db=$OBRIDGE_DATABASE_URL
  b_db=$(fresh_db)
  OBRIDGE_DATABASE_URL=$b_db "$OBRIDGE" db migrate >/dev/null
  b_token=$(OBRIDGE_DATABASE_URL=$b_db tenant replicas-of-a)
  printf '%s\n' "$b_token" >"$TMP/b.token"
  chmod 600 "$TMP/b.token"
  run "$OBRIDGE" pin remote service add b "http://127.0.0.1:$port" --token-file "$TMP/b.token"
  expect_status 0
  run "$OBRIDGE" pin remote service add b "http://127.0.0.1:$port" --token-file "$TMP/b.token"
  expect_status 1
  expect_err 'exists already'
  run "$OBRIDGE" pin remote service add c "ftp://x" --token-file "$TMP/b.token"
  expect_status 2
  write_config ',"ipfs":{"stall_timeout_s":5}'
  sed -i 's/"retry_base_s":1/"retry_base_s":1,"replicate_to":["b"]/' "$TMP/obridge.json"
  head -c 20000 /dev/urandom >"$TMP/f"
  run "$OBRIDGE" pin add "$TMP/f" -q
  expect_status 0
  cid=$out
  "$OBRIDGE" pin worker --workers 1 2>"$TMP/worker.log" &
  w_pid=$!
  for _ in $(seq 100); do
    st=$(psqlq "SELECT attempts FROM pin_replicas WHERE cid = '$cid'")
    [[ -n $st && $st -ge 2 ]] && break
    sleep 0.1
  done
  expect_eq "$(psqlq "SELECT status FROM pin_replicas WHERE cid = '$cid'")" queued "replica while B is down"
  psqlq "SELECT last_error FROM pin_replicas WHERE cid = '$cid'" | grep -qi 'reach\|connect' ||
    fail "last_error does not say B is unreachable: $(psqlq "SELECT last_error FROM pin_replicas")"
  (($(psqlq "SELECT extract(epoch FROM not_before - updated_at)::int FROM pin_replicas WHERE cid = '$cid'") >= 1)) ||
    fail "no backoff before the next attempt"
  # B comes up on the port the service was added with.
  printf '{"http":{"listen":"127.0.0.1:%s","rate_limit_per_s":0},"pins":{"workers":1,"fetch_timeout_s":10}}\n' "$port" >"$TMP/b.json"
  OBRIDGE_DATABASE_URL=$b_db OBRIDGE_CONFIG=$TMP/b.json "$OBRIDGE" serve 2>"$TMP/b.log" &
  b_pid=$!
  for _ in $(seq 600); do
    [[ $(psqlq "SELECT status FROM pin_replicas WHERE cid = '$cid'") == pinned ]] && break
    sleep 0.1
  done
  expect_eq "$(psqlq "SELECT status FROM pin_replicas WHERE cid = '$cid'")" pinned "replica once B is up"
  run curl -sS -H "Authorization: Bearer $b_token" "http://127.0.0.1:$port/pins?cid=$cid"
  expect_eq "$(jq -c '[.count, .results[0].status, .results[0].requestid]' <<<"$out")" \
    "[1,\"pinned\",\"$(psqlq "SELECT remote_id FROM pin_replicas WHERE cid = '$cid'")\"]" "the pin on B"
  run "$OBRIDGE" pin verify "$cid" --json
  expect_status 0
  expect_eq "$(jq -c '[.ok, .replicas[0].service, .replicas[0].status]' <<<"$out")" '[true,"b","pinned"]'
  run "$OBRIDGE" pin remote service ls --json
  expect_eq "$(jq -c '.[0] | [.name, .pinned, .pending, .failed]' <<<"$out")" '["b",1,0,0]'
  kill -TERM "$w_pid" "$b_pid"
  wait "$w_pid" || fail "the worker did not exit 0"
  wait "$b_pid" || fail "B did not exit 0"
  grep -qF "$b_token" "$TMP/worker.log" "$TMP/b.log" && fail "B's token reached a log"
  return 0
}
