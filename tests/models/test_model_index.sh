# models: `obridge model fetch` (fetch, check, pin, register) and `model ls|show|verify|get` against a
# private anvil, IPFS and PostgreSQL, with files from tests/models/model_server.py.
# shellcheck shell=bash
source "$OB_SOURCE_DIR/tests/models/test_fetch.sh"

setup_index() {
  private_chain 0 1 2 || return 1
  obridge_deploy_registry "$ADDR1,$ADDR2,$ADDR3" 2 || return 1
  start_server || return 1
}
mfetch() { "$OBRIDGE" model fetch --staging "$TMP/st" --key-file "$TMP/key0" --signer-key-files "$TMP/key1,$TMP/key2" --timeout 120 "$@"; }
registered_count() {
  local topic; topic=$(cast keccak 'ModelRegistered(bytes32,string,string,string,bytes32,uint64)')
  cast logs --rpc-url "$OBRIDGE_RPC_URL" --from-block 0 --address "$OBRIDGE_REGISTRY" "$topic" --json | jq length
}

# One file and a three-file model: pinned (the file; the directory with MANIFEST.sha256), signed by 2 of 3,
# registered; ls/show from the chain, verify --all passes, get writes the same bytes; steps in PostgreSQL.
test_fetch_pin_register_ls_show_verify_get() {
  setup_index || return
  local sha1 shaA shaB
  sha1=$(gen one.safetensors $((2 * MIB)) 1)
  shaA=$(gen a.safetensors $MIB 2)
  shaB=$(gen b.safetensors $MIB 3)
  echo '{"architectures":["x"]}' >"$TMP/srv/config.json"
  run mfetch "$base/org/one/resolve/main/one.safetensors" --name one --version 1 --json
  expect_status 0
  expect_eq "$(jq -r .sha256 <<<"$out")" "0x$sha1" "a one-file model's sha256 is the file's"
  local cid1; cid1=$(jq -r .cid <<<"$out")
  expect_eq "$("$OBRIDGE" cid --profile unixfs-v1-2025 "$TMP/srv/one.safetensors")" "$cid1" "the file's CID"
  expect_out '"tx":"0x[0-9a-f]{64}"'
  run mfetch "$base/files/a.safetensors" "$base/files/b.safetensors" "$base/files/config.json" --name three --version 2.0 --json
  expect_status 0
  local cid3 manifest; cid3=$(jq -r .cid <<<"$out")
  manifest=$(curl -sf -X POST "$OBRIDGE_IPFS_API/api/v0/cat?arg=$cid3/MANIFEST.sha256")
  expect_eq "$manifest" "$(printf '%s  a.safetensors\n%s  b.safetensors\n%s  config.json' "$shaA" "$shaB" "$(sha256sum <"$TMP/srv/config.json" | cut -d' ' -f1)")"
  expect_eq "$(jq -r .sha256 <<<"$out")" "0x$(printf '%s\n' "$manifest" | sha256sum | cut -d' ' -f1)" "sha256 of the manifest"
  expect_eq "$(jq -r .size <<<"$out")" "$((2 * MIB + 2 * 256 - 256 - 256 + $(stat -c %s "$TMP/srv/a.safetensors") - MIB + $(stat -c %s "$TMP/srv/b.safetensors") - MIB + $(stat -c %s "$TMP/srv/config.json")))" "size"
  expect_eq "$(cast call --rpc-url "$OBRIDGE_RPC_URL" "$OBRIDGE_REGISTRY" 'model(string,string)(string,bytes32,uint64,uint64)' three 2.0 | head -1)" "\"$cid3\"" "model() on chain"
  expect_eq "$(psql_n "SELECT string_agg(name || '@' || version || ':' || step, ',' ORDER BY name) FROM models")" "one@1:registered,three@2.0:registered"
  run "$OBRIDGE" model ls --json
  expect_status 0
  expect_eq "$(jq -c '[.[] | [.name, .version, .cid]]' <<<"$out")" "[[\"one\",\"1\",\"$cid1\"],[\"three\",\"2.0\",\"$cid3\"]]"
  run "$OBRIDGE" model show three@2.0 --json
  expect_status 0
  expect_eq "$(jq -r .cid <<<"$out")" "$cid3"
  expect_out '"tx":"0x[0-9a-f]{64}"'
  run "$OBRIDGE" model verify --all --json
  expect_status 0
  expect_eq "$(jq -c '[.[] | .ok]' <<<"$out")" "[true,true]"
  run "$OBRIDGE" model get three@2.0 --out "$TMP/got"
  expect_status 0
  cmp "$TMP/got/a.safetensors" "$TMP/srv/a.safetensors" || fail "a.safetensors differs"
  cmp "$TMP/got/config.json" "$TMP/srv/config.json" || fail "config.json differs"
  (cd "$TMP/got" && sha256sum -c --quiet MANIFEST.sha256) || fail "sha256sum -c MANIFEST.sha256"
  run "$OBRIDGE" model get one@1 --out "$TMP/got1"
  expect_status 0
  cmp "$TMP/got1/one" "$TMP/srv/one.safetensors" || fail "one differs"
  run "$OBRIDGE" model show nope@1
  expect_status 2
  expect_err "nope@1 is not registered"
}

# name@version already registered (other content): refused, nothing registered; a rerun with the same
# content says so and registers nothing either.
test_already_registered_refused() {
  setup_index || return
  gen m.safetensors $MIB 1 >/dev/null
  run mfetch "$base/files/m.safetensors" --name m --version 1
  expect_status 0
  run mfetch "$base/files/m.safetensors" --name m --version 1
  expect_status 0
  expect_err "already registered with this content"
  gen n.safetensors $MIB 2 >/dev/null
  run mfetch "$base/files/n.safetensors" --name m --version 1
  expect_status 2
  expect_err "m@1 is already registered .*entries are immutable"
  expect_eq "$(registered_count)" 1 "ModelRegistered logs"
}

# A crash right after each step (OB_TEST_CRASH_AT), then a rerun: one ModelRegistered per model.
test_crash_after_each_step_resumes() {
  setup_index || return
  local step v=0
  for step in fetched checked pinned submitted; do
    v=$((v + 1))
    gen "c$v.safetensors" $MIB "$v" >/dev/null
    OB_TEST_CRASH_AT=$step run mfetch "$base/files/c$v.safetensors" --name c --version "$v"
    expect_status 9
    expect_eq "$(psql_n "SELECT step FROM models WHERE version = '$v'")" "$([[ $step == submitted ]] && echo pinned || echo "$step")" "after $step"
    run mfetch "$base/files/c$v.safetensors" --name c --version "$v"
    expect_status 0
    expect_eq "$(psql_n "SELECT step FROM models WHERE version = '$v'")" registered "rerun after $step"
  done
  expect_eq "$(registered_count)" 4 "one ModelRegistered per version"
  run "$OBRIDGE" model verify --all
  expect_status 0
}

# Bad input: nothing registered (sha256 mismatch, truncated safetensors, bad header).
test_bad_input_nothing_registered() {
  setup_index || return
  python3 "$OB_SOURCE_DIR/tests/models/st_corpus.py" "$TMP/c" >/dev/null
  local f
  for f in bad_truncated bad_header_past_end bad_not_json bad_unknown_dtype bad_shape_range bad_overlap bad_gap bad_trailing bad_metadata_number; do
    cp "$TMP/c/$f.safetensors" "$TMP/srv/$f.safetensors"
    run mfetch "$base/files/$f.safetensors" --name "$f" --version 1
    expect_status 2
    expect_err "not a valid safetensors file"
  done
  gen m.safetensors $MIB >/dev/null
  run mfetch "$base/files/m.safetensors" --name m --version 1 --sha256 "$(printf 'ab%.0s' {1..32})"
  expect_status 1
  expect_err "sha256 mismatch"
  expect_eq "$(registered_count)" 0 "ModelRegistered logs"
  expect_eq "$(psql_n "SELECT count(*) FROM models")" 0 "rows"
}

# verify exits 1 when the chain entry disagrees with the content (an entry registered by hand with a
# wrong sha256 for a real CID), and when a pinned block is missing (a CID the node does not have).
test_verify_fails_on_wrong_entry_and_missing_block() {
  setup_index || return
  gen m.safetensors $MIB >/dev/null
  run mfetch "$base/files/m.safetensors" --name good --version 1 --json
  expect_status 0
  local cid; cid=$(jq -r .cid <<<"$out")
  register_by_hand() { # name cid digest size
    local chain_id=31337 typed s1 s2
    typed=$(jq -nc --arg n "$1" --arg c "$2" --arg d "$3" --argjson s "$4" --arg r "$OBRIDGE_REGISTRY" --argjson id $chain_id \
      '{types:{EIP712Domain:[{name:"name",type:"string"},{name:"version",type:"string"},{name:"chainId",type:"uint256"},{name:"verifyingContract",type:"address"}],
        ModelEntry:[{name:"name",type:"string"},{name:"version",type:"string"},{name:"cid",type:"string"},{name:"sha256",type:"bytes32"},{name:"size",type:"uint64"}]},
        primaryType:"ModelEntry",domain:{name:"obridge",version:"1",chainId:$id,verifyingContract:$r},
        message:{name:$n,version:"1",cid:$c,sha256:$d,size:$s}}')
    echo "$typed" >"$TMP/typed.json"
    s2=$(cast wallet sign --data --from-file "$TMP/typed.json" --private-key "0x$KEY2")
    s1=$(cast wallet sign --data --from-file "$TMP/typed.json" --private-key "0x$KEY1")
    cast send --rpc-url "$OBRIDGE_RPC_URL" --private-key "0x$KEY0" "$OBRIDGE_REGISTRY" \
      'registerModel(string,string,string,bytes32,uint64,bytes[])' "$1" 1 "$2" "$3" "$4" "[$s2,$s1]" >/dev/null
  }
  register_by_hand wrongsha "$cid" "0x$(printf '11%.0s' {1..32})" "$(stat -c %s "$TMP/srv/m.safetensors")"
  register_by_hand missing bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy 0x"$(printf '22%.0s' {1..32})" 5
  # a bad safetensors file pinned and registered by hand with its true sha256 and size
  python3 "$OB_SOURCE_DIR/tests/models/st_corpus.py" "$TMP/c" >/dev/null
  local badcid
  badcid=$("$OBRIDGE" pin add "$TMP/c/bad_shape_range.safetensors" --profile unixfs-v1-2025)
  register_by_hand badst "$badcid" "0x$(sha256sum <"$TMP/c/bad_shape_range.safetensors" | cut -d' ' -f1)" \
    "$(stat -c %s "$TMP/c/bad_shape_range.safetensors")"
  echo '{"ipfs":{"stall_timeout_s":3}}' >"$TMP/cfg.json"
  run "$OBRIDGE" --config "$TMP/cfg.json" model verify badst@1
  expect_status 1
  expect_err "tensor 'w': data_offsets \[0, 64\] hold 64 bytes"
  run "$OBRIDGE" --config "$TMP/cfg.json" model get badst@1 --out "$TMP/getbad"
  expect_status 1
  expect_err "tensor 'w'"
  run "$OBRIDGE" --config "$TMP/cfg.json" model verify good@1
  expect_status 0
  run "$OBRIDGE" --config "$TMP/cfg.json" model verify wrongsha@1
  expect_status 1
  expect_err "sha256 differs from the entry's"
  run timeout 120 "$OBRIDGE" --config "$TMP/cfg.json" model verify missing@1
  expect_status 1
  expect_err "cannot read from IPFS"
  run "$OBRIDGE" --config "$TMP/cfg.json" model get wrongsha@1 --out "$TMP/getout"
  expect_status 1
  expect_eq "$(ls "$TMP/getout")" "" "nothing moved into --out"
  run timeout 300 "$OBRIDGE" --config "$TMP/cfg.json" model verify --all --json
  expect_status 1
  expect_eq "$(jq -c '[.[] | .ok]' <<<"$out")" "[true,false,false,false]"
}
