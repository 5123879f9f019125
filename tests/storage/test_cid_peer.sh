# obridge cid against the IPFS node: for each size, the node's add?only-hash=true answer (CID and
# Size) must equal `obridge cid --json`. The same answers are kept as known answers in
# tests/storage/test_cid.c, so a failure here with a pass there means the node changed.
CID_GEN=${OB_BINARY_DIR:-.}/tests/cid_gen
V0_OPTS=""
# cid-base=base32 only with v1: js-ipfs answers a v0 add that asks for it with a 500 ("Cannot string
# encode V0 in base32 encoding").
V1_OPTS="cid-version=1&raw-leaves=true&chunker=size-1048576&max-file-links=1024&cid-base=base32"

# node_add FILE OPTS: sets node_cid and node_size from the node's only-hash answer.
node_add() {
  local reply
  reply=$(curl -sS --max-time 300 -X POST -F "file=@$1;type=application/octet-stream" \
    "$OBRIDGE_IPFS_API/api/v0/add?only-hash=true&pin=false${2:+&$2}") || { fail "add to the node failed"; return 1; }
  node_cid=$(sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p' <<<"$reply")
  node_size=$(sed -n 's/.*"Size":"\{0,1\}\([0-9]*\).*/\1/p' <<<"$reply") # a number (js) or a string (Kubo)
  [[ -n $node_cid && -n $node_size ]] || { fail "unexpected add reply: $reply"; return 1; }
}

# same PROFILE OPTS FILE DESC: the local CID and DAG size equal the node's.
same() {
  local profile=$1 opts=$2 file=$3 desc=$4
  node_add "$file" "$opts" || return
  run "$OBRIDGE" cid "$file" --profile "$profile" --json
  expect_status 0
  expect_out "\"cid\":\"$node_cid\""
  expect_out "\"dag_size\":$node_size,"
  # and as bytes: --check parses the node's text
  run "$OBRIDGE" cid "$file" --check "$node_cid"
  expect_status 0
  echo "$profile $desc: $node_cid size $node_size"
}

gen() { # gen [--sparse] N: the test bytes into $TMP/f
  "$CID_GEN" "$@" >"$TMP/f" || fail "cid_gen $*"
}

vectors() { # vectors PROFILE OPTS SIZE…
  local profile=$1 opts=$2; shift 2
  for n in "$@"; do
    gen "$n"
    same "$profile" "$opts" "$TMP/f" "gen $n"
  done
}

# Empty, 1 byte, one chunk, one chunk + 1, 174 chunks (a full root) and 175 (a second level),
# 100 MiB of deterministic bytes.
test_node_vectors_v0() {
  peers_env || return
  vectors unixfs-v0-2015 "$V0_OPTS" 0 1 262144 262145 1048577 45613056 45613057 104857600
}

# Empty, 1 byte, one chunk, one chunk + 1, 174 chunks + 1 (where stock js-ipfs and Kubo part),
# 100 MiB.
test_node_vectors_v1() {
  peers_env || return
  vectors unixfs-v1-2025 "$V1_OPTS" 0 1 1048576 1048577 104857600
  gen 182452225
  node_add "$TMP/f" "$V1_OPTS" || return
  if [[ $node_cid == bafybeibpvtdpw5jo7mbb5dcblmzmyrann4x5dl6phfbzm4rfkeyylk2ofy ]]; then
    fail "the node ignores max-file-links (stock js-ipfs): run scripts/install-deps.sh to apply scripts/patches/"
    return
  fi
  same unixfs-v1-2025 "$V1_OPTS" "$TMP/f" "gen 182452225"
  expect_eq "$node_cid" bafybeicmkrwadta7y6uz54e6tdnxvwynyhhxulndgwn7nreadaoflcw3fu "Kubo's CID (IPFS.md)"
}

# 1024 chunks of 1 MiB fill a v1 root; one byte more grows a level (1 GiB + 1). Sparse bytes (cheap
# to make); the node takes a few seconds for each.
test_node_v1_level_change_1gib() {
  peers_env || return
  gen --sparse 1073741824
  same unixfs-v1-2025 "$V1_OPTS" "$TMP/f" "sparse 1073741824 (1024 chunks)"
  run "$OBRIDGE" cid "$TMP/f" --profile unixfs-v1-2025 --json
  expect_out '"depth":1'
  gen --sparse 1073741825
  same unixfs-v1-2025 "$V1_OPTS" "$TMP/f" "sparse 1073741825 (1025 chunks)"
  run "$OBRIDGE" cid "$TMP/f" --profile unixfs-v1-2025 --json
  expect_out '"depth":2'
  rm -f "$TMP/f"
}
