# obridge cid against the IPFS node: for each line of tests/vectors/cid/unixfs.txt, the node's
# add?only-hash=true answer (CID and Size) must equal the line and `obridge cid --json`. The unit
# test tests/storage/test_cid.c checks the local side against the same file.
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
  # --check parses the node's text and compares as bytes (exit 1 if they differ)
  run "$OBRIDGE" cid "$file" --profile "$profile" --check "$node_cid" --json
  expect_status 0
  expect_out "^\\{\"cid\":\"$node_cid\",\"profile\":\"$profile\","
  expect_out "\"dag_size\":$node_size,"
  expect_out '"check":"match"'
  echo "$profile $desc: $node_cid size $node_size"
}

gen() { # gen [--sparse] N: the test bytes into $TMP/f
  "$CID_GEN" "$@" >"$TMP/f" || fail "cid_gen $*"
}
# gen_prefix N: gen N into $TMP/f, cut from one stream made once (gen N is a prefix of gen M > N).
gen_prefix() {
  if [[ ! -f $TMP/gen.all ]]; then
    "$CID_GEN" "$(awk '$1 == "gen" && $2 > m { m = $2 } END { print m }' "$VECTORS")" >"$TMP/gen.all" ||
      fail "cid_gen"
  fi
  head -c "$1" "$TMP/gen.all" >"$TMP/f"
}

VECTORS=$OB_SOURCE_DIR/tests/vectors/cid/unixfs.txt

# file_vectors PROFILE MIN MAX: every line of unixfs.txt for PROFILE with MIN <= SIZE < MAX: the
# node's answer equals the line (so the unit test's known answers are the node's), and the local
# CID and DAG size equal the node's.
file_vectors() {
  local profile=$1 min=$2 max=$3 opts n=0 pat size prof cid dag
  [[ $profile == unixfs-v0-2015 ]] && opts=$V0_OPTS || opts=$V1_OPTS
  while read -r pat size prof cid dag; do
    [[ $pat == \#* || -z $pat || $prof != "$profile" ]] && continue
    ((size >= min && size < max)) || continue
    if [[ $pat == sparse ]]; then gen --sparse "$size"; else gen_prefix "$size"; fi
    same "$profile" "$opts" "$TMP/f" "$pat $size" || continue
    expect_eq "$node_cid" "$cid" "node's CID of $pat $size, unixfs.txt"
    expect_eq "$node_size" "$dag" "node's Size of $pat $size, unixfs.txt"
    n=$((n + 1))
  done <"$VECTORS"
  rm -f "$TMP/f" "$TMP/gen.all"
  ((n > 0)) || fail "no vectors for $profile in [$min, $max)"
}

GIB=1073741824

# Empty, 1 byte, one chunk, one chunk + 1, 174 chunks (a full root) and 175 (a second level),
# 100 MiB, 174 MiB and 174 MiB + 1.
test_node_vectors_v0() {
  peers_env || return
  file_vectors unixfs-v0-2015 0 $GIB
}

# The same sizes; at 174 chunks + 1 stock js-ipfs and Kubo part (max-file-links).
test_node_vectors_v1() {
  peers_env || return
  gen_prefix 182452225
  node_add "$TMP/f" "$V1_OPTS" || return
  if [[ $node_cid == bafybeibpvtdpw5jo7mbb5dcblmzmyrann4x5dl6phfbzm4rfkeyylk2ofy ]]; then
    fail "the node ignores max-file-links (stock js-ipfs): run scripts/install-deps.sh to apply scripts/patches/"
    return
  fi
  expect_eq "$node_cid" bafybeicmkrwadta7y6uz54e6tdnxvwynyhhxulndgwn7nreadaoflcw3fu "Kubo's CID of gen 182452225 (docs/PEERS.md)"
  file_vectors unixfs-v1-2025 0 $GIB
}

# 1024 chunks of 1 MiB fill a v1 root; one byte more grows a level (1 GiB + 1). Sparse bytes (cheap
# to make); the node takes a few seconds for each.
test_node_v1_level_change_1gib() {
  peers_env || return
  file_vectors unixfs-v1-2025 $GIB $((2 * GIB))
  file_vectors unixfs-v0-2015 $GIB $((2 * GIB)) # v0 at 4096 chunks: two levels, a partial second
  gen --sparse $GIB
  run "$OBRIDGE" cid "$TMP/f" --profile unixfs-v1-2025 --json
  expect_out '"blocks":1025,"depth":1}' # 1024 leaves under the root
  gen --sparse $((GIB + 1))
  run "$OBRIDGE" cid "$TMP/f" --profile unixfs-v1-2025 --json
  expect_out '"blocks":1028,"depth":2}' # 1025 leaves, 2 interior nodes, the root
  rm -f "$TMP/f"
}

# wrap-with-directory: the directory around one file (named after it), both profiles, a one-block
# file and a two-level one. The node's answer's last line is the directory.
test_node_wrap_with_directory() {
  peers_env || return
  local profile opts reply dir size
  printf 'hello world\n' >"$TMP/hw.txt"
  "$CID_GEN" 45613057 >"$TMP/big.bin" || { fail "cid_gen"; return; }
  for f in "$TMP/hw.txt" "$TMP/big.bin"; do
    for profile in unixfs-v0-2015 unixfs-v1-2025; do
      [[ $profile == unixfs-v0-2015 ]] && opts=$V0_OPTS || opts=$V1_OPTS
      reply=$(curl -sS --max-time 300 -X POST -F "file=@$f;type=application/octet-stream" \
        "$OBRIDGE_IPFS_API/api/v0/add?only-hash=true&pin=false&wrap-with-directory=true${opts:+&$opts}" | tail -1)
      dir=$(sed -n 's/.*"Name":"","Hash":"\([^"]*\)".*/\1/p' <<<"$reply")
      size=$(sed -n 's/.*"Size":"\{0,1\}\([0-9]*\).*/\1/p' <<<"$reply")
      [[ -n $dir && -n $size ]] || { fail "unexpected add reply: $reply"; continue; }
      run "$OBRIDGE" cid "$f" --profile "$profile" --wrap --check "$dir" --json
      expect_status 0; expect_out "\"dag_size\":$size,"; expect_out '"check":"match"'
      echo "$profile wrap $(basename "$f"): $dir size $size"
    done
  done
}
