# obridge feed run --once fetching from the local source server (tests/oracle/source_server.py)
# with PostgreSQL, anvil and IPFS: sources that time out, answer 500, 429, non-JSON, a 50 MB body,
# a 200 with an error body, a missing path, a string that is not a number, a redirect loop → the
# round is still committed for the feeds with quorum, every error is stored and shown by feed show,
# and obridge verify --all passes.

# shellcheck source=test_round.sh
source "$OB_SOURCE_DIR/tests/oracle/test_round.sh"

start_sources() {
  python3 "$OB_SOURCE_DIR/tests/oracle/source_server.py" --port 0 --port-file "$TMP/src.port" >"$TMP/src.log" 2>&1 &
  echo $! >"$TMP/src.pid"
  local i
  for ((i = 0; i < 100; i++)); do [[ -s $TMP/src.port ]] && break; sleep 0.1; done
  [[ -s $TMP/src.port ]] || { fail "the source server did not start: $(cat "$TMP/src.log")"; return 1; }
  SRC="http://127.0.0.1:$(cat "$TMP/src.port")"
  trap 'kill "$(cat "$TMP/src.pid")" 2>/dev/null; cleanup_case' EXIT
}
control() { curl -sf -X POST -H 'Content-Type: application/json' --data "$1" "$SRC/control" >/dev/null; }

# feed F<n>/USD from the three APIs (symbols F<n>USDT, F<n>-USD, F<n>USD), quorum 2, timeouts 1 s.
source_feeds() {
  mkdir -p "$TMP/feeds"
  jq -n --arg src "$SRC" '{feeds: [range(1; 12) as $i | "F\($i)" as $s | {
    name: "\($s)/USD", decimals: 8, quorum: 2, deviation_bps: 50, heartbeat_s: 3600,
    sources: [
      {name: "binance", url: "\($src)/api/v3/ticker/price?symbol=\($s)USDT", path: "$.price", timeout_ms: 1000},
      {name: "coinbase", url: "\($src)/v2/prices/\($s)-USD/spot", path: "$.data.amount", timeout_ms: 1000},
      {name: "kraken", url: "\($src)/0/public/Ticker?pair=\($s)USD", path: "$.result[\"\($s)USD\"].c[0]", timeout_ms: 1000}]}]}' \
    >"$TMP/feeds/sources.json"
  export OBRIDGE_FEEDS_DIR="$TMP/feeds"
}

test_faulty_sources_round_committed_for_feeds_with_quorum() {
  setup_commit || return
  start_sources || return
  source_feeds
  control '{"default_price": "100.5"}'
  # one fault per feed F1..F9 (one of three sources: quorum 2 still met); F10 loses two sources; F11 is clean
  control '{"faults": {
    "/api/v3/ticker/price?symbol=F1USDT": {"mode": "timeout", "seconds": 5},
    "/api/v3/ticker/price?symbol=F2USDT": {"mode": "500"},
    "/api/v3/ticker/price?symbol=F3USDT": {"mode": "429", "retry_after": 30},
    "/v2/prices/F4-USD/spot": {"mode": "not_json"},
    "/api/v3/ticker/price?symbol=F5USDT": {"mode": "huge", "bytes": 50000000},
    "/0/public/Ticker?pair=F6USD": {"mode": "error_body"},
    "/v2/prices/F7-USD/spot": {"mode": "missing_path"},
    "/api/v3/ticker/price?symbol=F8USDT": {"mode": "not_number"},
    "/v2/prices/F9-USD/spot": {"mode": "redirect_loop"},
    "/api/v3/ticker/price?symbol=F10USDT": {"mode": "500"},
    "/v2/prices/F10-USD/spot": {"mode": "timeout", "seconds": 5}}}' || { fail "control"; return; }
  run feed_run --json
  expect_status 0
  expect_eq "$(jq -c '[.round, .outcome]' <<<"$out")" '[1,"committed"]' "round 1 committed"
  expect_eq "$(jq -c '[.feeds[] | select(.committed) | .name] | length' <<<"$out")" 10 "the feeds with quorum"
  expect_eq "$(jq -c '[.feeds[] | select(.committed | not) | [.name, .leftOut]]' <<<"$out")" \
    '[["F10/USD","1 of 3 sources answered, quorum is 2"]]' "F10 left out"
  expect_eq "$(jq -c '[.feeds[] | select(.committed) | .value] | unique' <<<"$out")" '["10050000000"]' "values"
  expect_eq "$(jq -c '[.feeds[] | [.name, .errors]] | map(select(.[1] > 0)) | length' <<<"$out")" 10 "errors counted"
  expect_eq "$(committed_count 1)" 1 "one Committed"
  # every error stored, and shown by feed show
  local f src
  for f in F1:binance F2:binance F3:binance F4:coinbase F5:binance F6:kraken F7:coinbase F8:binance F9:coinbase; do
    src=${f#*:}
    run "$OBRIDGE" feed show "${f%%:*}/USD" --json
    expect_status 0
    expect_eq "$(jq -c --arg s "$src" '[.observations[] | select(.source == $s) | (.value == null and (.error | length) > 0)]' <<<"$out")" \
      '[true]' "${f%%:*} $src has its error stored"
    expect_eq "$(jq -c '[.observations[] | select(.error == null)] | length' <<<"$out")" 2 "${f%%:*}: two values"
    printf '%s: %s\n' "$f" "$(jq -r --arg s "$src" '.observations[] | select(.source == $s) | .error' <<<"$out")" >>"$TMP/errors.txt"
  done
  grep -qi 'time' <(grep '^F1:' "$TMP/errors.txt") || fail "F1: a timeout: $(grep '^F1:' "$TMP/errors.txt")"
  grep -q '500' <(grep '^F2:' "$TMP/errors.txt") || fail "F2: HTTP 500: $(grep '^F2:' "$TMP/errors.txt")"
  grep -q '429' <(grep '^F3:' "$TMP/errors.txt") || fail "F3: HTTP 429: $(grep '^F3:' "$TMP/errors.txt")"
  grep -q 'EQuery:Unknown asset pair' <(grep '^F6:' "$TMP/errors.txt") || fail "F6: the error body quoted: $(grep '^F6:' "$TMP/errors.txt")"
  run "$OBRIDGE" feed show F3/USD
  expect_status 0
  expect_out 'binance +429'
  run "$OBRIDGE" feed show F10/USD --json
  expect_eq "$(jq -c '[.aggregate.leftOut, .committed]' <<<"$out")" '["1 of 3 sources answered, quorum is 2",null]' "F10's aggregate"
  run "$OBRIDGE" verify --all
  expect_status 0
  expect_out '^round 1: ok .* feeds 10 '
  # the batch carries each committed feed's counted observations only
  local doc; doc=$(curl -sf -X POST "$OBRIDGE_IPFS_API/api/v0/cat?arg=$(psql_n "SELECT cid FROM rounds WHERE round = 1")") || fail "cat"
  expect_eq "$(jq -c '[.feeds[] | .observations | length] | unique' <<<"$doc")" '[2,3]' "observations in the batch"
}
