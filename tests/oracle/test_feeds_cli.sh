# Feeds in the config and in feed files: the schema (ajv) and obridge agree on the examples and on a
# catalogue of bad files, errors name the JSON path, `config check` names every one, `feed ls` lists.
FEED_SCHEMA=$OB_SOURCE_DIR/schemas/feed.schema.json
CONFIG_SCHEMA=$OB_SOURCE_DIR/schemas/config.schema.json
V=$OB_SOURCE_DIR/tests/vectors/feeds-bad
validate() { node "$OB_SOURCE_DIR/scripts/lib/validate-json.mjs" "$@"; }
clean_env() { local v; for v in $(compgen -e OBRIDGE_ || true); do unset "$v"; done; }

test_example_feed_files_validate_with_obridge_and_ajv() {
  clean_env
  run validate "$FEED_SCHEMA" "$OB_SOURCE_DIR"/examples/feeds/*.json
  expect_status 0; expect_no_out '^invalid'
  OBRIDGE_FEEDS_DIR=$OB_SOURCE_DIR/examples/feeds run "$OBRIDGE" config check
  expect_status 0; expect_out '^config ok: .* \(3 feeds\)$'
  OBRIDGE_FEEDS_DIR=$OB_SOURCE_DIR/examples/feeds run "$OBRIDGE" feed ls
  expect_status 0
  expect_out '^BTC/USD +8 +2 +3 +25 +3600 +3  .*/examples/feeds/majors.json$'
  expect_out '^USD/EUR +18 +1 +2.5 +10 +86400 +2  .*/examples/feeds/keyed.json$'
  # keyed.json sorts before majors.json
  expect_eq "$(cut -d' ' -f1 <<<"$out" | tr '\n' ' ')" "USD/EUR ETH/USD BTC/USD "
}

test_config_with_feeds_validates_with_both() {
  clean_env
  cat >"$TMP/c.json" <<'JSON'
{"oracle": {"feeds": [{"name": "ETH/USD", "decimals": 8, "quorum": 1, "k": "3", "sources": [
  {"name": "bn", "url": "https://a.example/p", "path": "$.price", "headers": {"X-Api-Key": {"env": "BN_KEY"}}}]}],
 "max_per_host": 4}}
JSON
  run validate "$CONFIG_SCHEMA" "$TMP/c.json"
  expect_status 0
  run "$OBRIDGE" --config "$TMP/c.json" config check
  expect_status 0; expect_out "config ok: $TMP/c.json \(1 feed\)"
  run "$OBRIDGE" --config "$TMP/c.json" feed ls --json
  expect_status 0
  expect_eq "$out" '{"feeds":[{"name":"ETH/USD","decimals":8,"quorum":1,"k":"3","deviation_bps":0,"heartbeat_s":3600,"sources":1,"origin":"config"}]}'
  # config show prints the feeds as written
  run "$OBRIDGE" --config "$TMP/c.json" config show
  expect_status 0; expect_out '"env": "BN_KEY"'
  # a bad feed in the config: refused by both, the path named
  sed 's/"quorum": 1/"quorum": 2/' "$TMP/c.json" >"$TMP/q.json"
  run "$OBRIDGE" --config "$TMP/q.json" feed ls
  expect_status 2; expect_err "^obridge: error: config '$TMP/q.json': \.oracle\.feeds\[0\]\.quorum: quorum 2 is more than the 1 sources$"
  sed 's/"k": "3"/"kk": "3"/' "$TMP/c.json" >"$TMP/k.json"
  run validate "$CONFIG_SCHEMA" "$TMP/k.json"
  expect_status 1; expect_out 'must NOT have additional properties'
  run "$OBRIDGE" --config "$TMP/k.json" config check
  expect_status 2; expect_err "unknown key \.oracle\.feeds\[0\]\.kk: did you mean \.oracle\.feeds\[0\]\.k\?"
}

# expect_refused FILE 'message regex': obridge (through a feeds directory) exits 2 naming it, ajv refuses.
expect_refused() {
  local f=$1 msg=$2 d
  d="$TMP/dir_$(basename "$f" .json)"
  mkdir -p "$d"; cp "$f" "$d/"
  OBRIDGE_FEEDS_DIR=$d run "$OBRIDGE" config check
  expect_status 2; expect_err "$msg"; expect_eq "$out" "" "nothing on stdout for $f"
  run validate "$FEED_SCHEMA" "$f"
  expect_status 1; expect_out "^invalid $f"
}

test_bad_feed_files_catalogue() {
  clean_env
  expect_refused "$V/unknown-feed-key.json" '/unknown-feed-key\.json: unknown key feeds\[0\]\.quorom: did you mean feeds\[0\]\.quorum\?'
  expect_refused "$V/unknown-source-key.json" 'unknown key feeds\[0\]\.sources\[0\]\.timeout: did you mean feeds\[0\]\.sources\[0\]\.timeout_ms\?'
  expect_refused "$V/header-literal.json" 'feeds\[0\]\.sources\[0\]\.headers\["X-Api-Key"\]: a header value is only \{"env": "VAR"\}'
  expect_refused "$V/bad-name.json" "feeds\[0\]\.name: feed name 'ETH USD': byte 0x20 at 3"
  expect_refused "$V/decimals.json" 'feeds\[0\]\.decimals: expected an integer from 0 to 36, got 40'
  expect_refused "$V/url-scheme.json" "feeds\[0\]\.sources\[0\]\.url: expected an http:// or https:// URL, got 'ftp://x/'"
  expect_refused "$V/path.json" "feeds\[0\]\.sources\[0\]\.path: path 'price': at byte 0: a path starts with '\\$'"
  expect_refused "$V/method.json" 'feeds\[0\]\.sources\[0\]\.method: only "GET" is supported'
  expect_refused "$V/divide.json" "feeds\[0\]\.sources\[0\]\.divide: must be positive, got '-1'"
  expect_refused "$V/no-sources.json" 'feeds\[0\]\.sources: expected an array of 1 to 64 sources'
  expect_refused "$V/top-level.json" 'top-level\.json: unknown key feed \(expected feeds\)'
}

# config check names every error, in the config and in each file; feed ls stops at the first.
test_config_check_names_every_feed_error() {
  clean_env
  mkdir -p "$TMP/fd"
  cp "$V/decimals.json" "$V/method.json" "$TMP/fd/"
  printf '{"feeds": [\n {"name": "X",, }]}\n' >"$TMP/fd/syntax.json"
  printf '{"feeds": [{"name": "OK/1", "decimals": 2, "sources": [{"name": "a", "url": "http://127.0.0.1/", "path": "$"}]}]}\n' >"$TMP/fd/ok.json"
  cat >"$TMP/c.json" <<'JSON'
{"oracle": {"feeds": [
  {"name": "OK/1", "decimals": 8, "sources": [{"name": "a", "url": "https://a/", "path": "$.p"}]},
  {"name": "E", "decimals": 8, "sources": [{"name": "a", "url": "https://a/", "path": "$.p", "max_bytes": 0}]}]}}
JSON
  OBRIDGE_FEEDS_DIR=$TMP/fd run "$OBRIDGE" --config "$TMP/c.json" config check
  expect_status 2
  expect_err "config '$TMP/c.json': \.oracle\.feeds\[1\]\.sources\[0\]\.max_bytes: expected an integer from 1 to 67108864, got 0"
  expect_err "$TMP/fd/decimals\.json: feeds\[0\]\.decimals"
  expect_err "$TMP/fd/method\.json: feeds\[0\]\.sources\[0\]\.method"
  expect_err "$TMP/fd/ok\.json: feeds\[0\]\.name: feed 'OK/1' is declared twice \(also in config: \.oracle\.feeds\[0\]\)"
  expect_err "$TMP/fd/syntax\.json: line 2, column [0-9]+: json: "
  expect_err '^obridge: error: 5 errors in the feeds$'
  OBRIDGE_FEEDS_DIR=$TMP/fd run "$OBRIDGE" --config "$TMP/c.json" feed ls
  expect_status 2; expect_err "config '$TMP/c.json': \.oracle\.feeds\[1\]"
  expect_eq "$(grep -c 'error' <<<"$err")" 1 "feed ls names the first error only"
  OBRIDGE_FEEDS_DIR=$TMP/nope run "$OBRIDGE" feed ls
  expect_status 2; expect_err "cannot read the feeds directory '$TMP/nope': No such file or directory \(from \\\$OBRIDGE_FEEDS_DIR\)"
}

test_feed_ls_empty_and_help() {
  clean_env
  run "$OBRIDGE" feed ls
  expect_status 0; expect_eq "$out" ""
  run "$OBRIDGE" feed ls --json
  expect_status 0; expect_eq "$out" '{"feeds":[]}'
  run "$OBRIDGE" feed --help
  expect_status 0; expect_out 'ls'
  run "$OBRIDGE" feed lss
  expect_status 2; expect_err "Did you mean .ls."
}
