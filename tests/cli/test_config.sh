# The config loader: every example validates (obridge and ajv), every bad config is refused by both
# with a clear message naming the JSON path, and the environment overrides the file.
V=$OB_SOURCE_DIR/tests/vectors/config-bad
SCHEMA=$OB_SOURCE_DIR/schemas/config.schema.json
validate() { node "$OB_SOURCE_DIR/scripts/lib/validate-json.mjs" "$SCHEMA" "$@"; }

# A clean environment: no OBRIDGE_* variables from the caller.
clean_env() { local v; for v in $(compgen -e OBRIDGE_ || true); do unset "$v"; done; }

test_examples_validate_with_obridge_and_ajv() {
  clean_env
  for f in "$OB_SOURCE_DIR"/examples/*.json; do
    run "$OBRIDGE" --config "$f" config check
    expect_status 0; expect_out "config ok: $f"
  done
  run validate "$OB_SOURCE_DIR"/examples/*.json
  expect_status 0; expect_no_out '^invalid'
}

# expect_refused FILE 'message regex': obridge exits 2 with that message, ajv refuses, nothing printed on stdout.
expect_refused() {
  local f=$1 msg=$2
  run "$OBRIDGE" --config "$f" config check
  expect_status 2; expect_err "$msg"; expect_eq "$out" "" "nothing on stdout for $f"
  run validate "$f"
  expect_status 1; expect_out "^invalid $f"
}

test_bad_config_catalogue() {
  clean_env
  expect_refused "$V/not-json.json" "config '$V/not-json.json': line [0-9]+, column [0-9]+: json: lexical error"
  expect_refused "$V/trailing-garbage.json" "line [0-9]+, column [0-9]+: json: parse error: trailing garbage"
  expect_refused "$V/too-deep.json" 'nesting deeper than the limit of 16'
  expect_refused "$V/unknown-top-level-key.json" "config '.*': unknown key \.logs: did you mean \.log\?"
  expect_refused "$V/wrong-type.json" '\.chain\.chain_id: expected an integer, got string'
  expect_refused "$V/port-out-of-range.json" '\.chain\.endpoints\[0\]\.url: port 70000 out of range \(1-65535\)'
  expect_refused "$V/url-scheme.json" "\.chain\.endpoints\[1\]\.url: expected a ws://, wss://, http:// or https:// URL, got 'ftp://rpc.example:21'"
  expect_refused "$V/db-url-scheme.json" '\.database\.url: expected a postgresql:// URL'
  expect_refused "$V/unknown-profile.json" "\.ipfs\.profile: unknown value 'unixfs-v2-2030' \(expected one of unixfs-v0-2015, unixfs-v1-2025\)"
  expect_refused "$V/out-of-range-int.json" '\.chain\.confirmations: expected an integer from 0 to 1000, got 5000'
  expect_refused "$V/bad-address.json" '\.chain\.registry: expected a 0x-prefixed 20-byte address'
  expect_refused "$V/no-endpoints.json" '\.chain\.endpoints: expected 1 to 16 endpoints, got 0'
  expect_refused "$V/fraction.json" '\.chain\.confirmations: expected an integer from 0 to 1000, got 1.5'
  expect_refused "$V/unknown-section-key.json" 'unknown key \.pins\.worker: did you mean \.pins\.workers\?'
  expect_refused "$V/not-an-object.json" 'expected an object at the top level, got array'
}

# An unknown key is answered with the nearest known one; one far from every key lists them.
test_unknown_key_suggests_the_nearest() {
  clean_env
  printf '{"chain": {"endpont": [{"url": "ws://127.0.0.1:8545"}]}}' >"$TMP/k1.json"
  expect_refused "$TMP/k1.json" "^obridge: error: config '$TMP/k1.json': unknown key \.chain\.endpont: did you mean \.chain\.endpoints\?$"
  printf '{"chian": {}}' >"$TMP/k2.json"
  expect_refused "$TMP/k2.json" "unknown key \.chian: did you mean \.chain\?"
  printf '{"chain": {"endpoints": [{"ulr": "ws://127.0.0.1:8545"}]}}' >"$TMP/k3.json"
  expect_refused "$TMP/k3.json" "unknown key \.chain\.endpoints\[0\]\.ulr: did you mean \.chain\.endpoints\[0\]\.url\?"
  printf '{"ipfs": {"zzzzzzzz": 1}}' >"$TMP/k4.json"
  expect_refused "$TMP/k4.json" "unknown key \.ipfs\.zzzzzzzz \(expected one of api, connect_timeout_s, stall_timeout_s, profile\)"
  printf '{"zzzzzz": 1}' >"$TMP/k5.json"
  expect_refused "$TMP/k5.json" "unknown key \.zzzzzz \(expected one of log, database, chain, commit, ipfs, pins, http, oracle\)"
}

# JSON syntax errors say where: line and column (1-based), counted in bytes from the line start.
test_json_syntax_error_gives_line_and_column() {
  clean_env
  printf '{\n  "chain": {\n    "confirmations": 2,\n  }\n}\n' >"$TMP/s1.json"
  expect_refused "$TMP/s1.json" "config '$TMP/s1.json': line 4, column [0-9]+: json: parse error"
  printf '{\n  "ipfs": {\n    "api": "http://x" x\n  }\n}\n' >"$TMP/s2.json"
  expect_refused "$TMP/s2.json" "line 3, column 2[0-9]: json: "
  printf '{"log": {"level": "info"}' >"$TMP/s3.json"
  expect_refused "$TMP/s3.json" "line 1, column [0-9]+: json: "
}

# A bad value from the environment names the variable; so does a bad $OBRIDGE_CONFIG.
test_env_errors_name_the_variable() {
  clean_env
  OBRIDGE_CHAIN_ID=abc run "$OBRIDGE" config check
  expect_status 2; expect_err '\$OBRIDGE_CHAIN_ID \(chain\.chain_id\): expected an integer'
  OBRIDGE_DATABASE_URL=mysql://x run "$OBRIDGE" config check
  expect_status 2; expect_err '\$OBRIDGE_DATABASE_URL \(database\.url\): expected a postgresql://'
  OBRIDGE_CONFIG="$TMP/nope3.json" run "$OBRIDGE" config check
  expect_status 2; expect_err "nope3\.json.*\(from \\\$OBRIDGE_CONFIG\)"
  printf '{"chian": {}}' >"$TMP/e.json"
  OBRIDGE_CONFIG="$TMP/e.json" run "$OBRIDGE" config check
  expect_status 2; expect_err "config '$TMP/e.json' \(from \\\$OBRIDGE_CONFIG\): unknown key \.chian"
}

test_huge_string_refused() {
  clean_env
  python3 -c 'import sys; sys.stdout.write("{\"database\": {\"url\": \"postgresql://h/" + "x" * (100 * 1024 * 1024) + "\"}}")' >"$TMP/huge.json"
  expect_refused "$TMP/huge.json" "is larger than the limit of 1048576 bytes"
}

test_missing_config_file() {
  clean_env
  run "$OBRIDGE" --config "$TMP/nope.json" config check
  expect_status 2; expect_err "config: cannot read '$TMP/nope.json': No such file or directory"
  OBRIDGE_CONFIG="$TMP/nope2.json" run "$OBRIDGE" config check
  expect_status 2; expect_err "nope2.json"
  run "$OBRIDGE" --config "$TMP" config check
  expect_status 2; expect_err "is a directory"
}

test_default_config_path_and_env_override() {
  clean_env
  mkdir -p "$TMP/wd"
  printf '{"ipfs": {"api": "http://127.0.0.1:5999"}, "chain": {"chain_id": 5}}\n' >"$TMP/wd/obridge.json"
  (cd "$TMP/wd" && run "$OBRIDGE" config show; echo "$out" >"$TMP/show.json"; exit "$status")
  grep -q '"api": "http://127.0.0.1:5999"' "$TMP/show.json" || fail "./obridge.json not loaded: $(cat "$TMP/show.json")"
  (cd "$TMP/wd" && OBRIDGE_IPFS_API=http://127.0.0.1:6001 OBRIDGE_CHAIN_ID=7 "$OBRIDGE" config show >"$TMP/show2.json")
  grep -q '"api": "http://127.0.0.1:6001"' "$TMP/show2.json" || fail "env did not override ipfs.api"
  grep -q '"chain_id": 7' "$TMP/show2.json" || fail "env did not override chain.chain_id"
  OBRIDGE_RPC_URL=gopher://x run "$OBRIDGE" config check
  expect_status 2; expect_err '\$OBRIDGE_RPC_URL \(chain.endpoints\): expected a ws://'
}

test_show_masks_database_password() {
  clean_env
  OBRIDGE_DATABASE_URL='postgresql://u:hunter2@127.0.0.1:5432/x' run "$OBRIDGE" config show
  expect_status 0; expect_out 'postgresql://u:\*\*\*@127.0.0.1:5432/x'; expect_no_out hunter2
}

# The schema and the loader's table describe the same keys.
test_schema_matches_loader_table() {
  clean_env
  run "$OBRIDGE" config show
  expect_status 0
  printf '%s' "$out" >"$TMP/show.json"
  node -e '
    const fs = require("fs");
    const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const shown = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    const a = [], b = [];
    for (const [sec, v] of Object.entries(s.properties)) if (v.properties) for (const k of Object.keys(v.properties)) a.push(sec + "." + k);
    for (const [sec, v] of Object.entries(shown)) for (const k of Object.keys(v)) b.push(sec + "." + k);
    const miss = a.filter(x => !b.includes(x)), extra = b.filter(x => !a.includes(x));
    if (miss.length || extra.length) { console.error("schema only:", miss, "loader only:", extra); process.exit(1); }
  ' "$SCHEMA" "$TMP/show.json" || fail "schema and cli/config.c disagree"
  # Defaults agree too.
  node -e '
    const fs = require("fs");
    const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const shown = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    let bad = 0;
    for (const [sec, v] of Object.entries(s.properties)) if (v.properties) for (const [k, d] of Object.entries(v.properties))
      if ("default" in d && JSON.stringify(d.default) !== JSON.stringify(shown[sec][k])) { console.error(sec + "." + k, d.default, shown[sec][k]); bad = 1; }
    process.exit(bad);
  ' "$SCHEMA" "$TMP/show.json" || fail "schema defaults and cli/config.c defaults disagree"
}
