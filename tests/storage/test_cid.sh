# obridge cid: the command line (no peer). Known answers are the IPFS node's (docs/PEERS.md).
HW_V0=QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o
HW_V1=bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4
CID_GEN=${OB_BINARY_DIR:-.}/tests/cid_gen

test_cid_both_profiles_file_and_stdin() {
  printf 'hello world\n' >"$TMP/hw.txt"
  run "$OBRIDGE" cid "$TMP/hw.txt" --profile unixfs-v0-2015
  expect_status 0; expect_eq "$out" "$HW_V0"
  run "$OBRIDGE" cid "$TMP/hw.txt" --profile unixfs-v1-2025
  expect_status 0; expect_eq "$out" "$HW_V1"
  run_in 'hello world
' "$OBRIDGE" cid - --profile unixfs-v0-2015
  expect_status 0; expect_eq "$out" "$HW_V0"
  run "$OBRIDGE" cid "$TMP/hw.txt" --profile unixfs-v1-2025 --json
  expect_status 0
  expect_out "^\{\"cid\":\"$HW_V1\",\"profile\":\"unixfs-v1-2025\",\"path\":\"[^\"]*hw.txt\",\"size\":12,\"dag_size\":12,\"blocks\":1,\"depth\":0\}$"
}

test_cid_two_levels_json() {
  # 175 chunks of 256 KiB: Kubo's v0 DAG grows a second level (docs/PEERS.md).
  "$CID_GEN" 45613057 >"$TMP/g" || { fail "cid_gen"; return; }
  run "$OBRIDGE" cid "$TMP/g" --profile unixfs-v0-2015 --json
  expect_status 0
  expect_out '"cid":"QmdJBiAArmoYy6XoyxALegjRCa8Qw4c7dcyh98zzsKEzSS"'
  expect_out '"size":45613057,'; expect_out '"blocks":178,'; expect_out '"depth":2'
}

test_cid_default_profile_from_config() {
  printf 'hello world\n' >"$TMP/hw.txt"
  printf '{"ipfs": {"profile": "unixfs-v0-2015"}}\n' >"$TMP/c.json"
  run "$OBRIDGE" --config "$TMP/c.json" cid "$TMP/hw.txt"
  expect_status 0; expect_eq "$out" "$HW_V0"
  printf '{"ipfs": {"profile": "unixfs-v1-2025"}}\n' >"$TMP/c.json"
  run "$OBRIDGE" --config "$TMP/c.json" cid "$TMP/hw.txt"
  expect_status 0; expect_eq "$out" "$HW_V1"
  printf '{"ipfs": {"profile": "unixfs-v3"}}\n' >"$TMP/c.json"
  run "$OBRIDGE" --config "$TMP/c.json" cid "$TMP/hw.txt"
  expect_status 2; expect_err 'profile'
}

test_cid_check() {
  printf 'hello world\n' >"$TMP/hw.txt"
  # The CID's version picks the profile; base58btc CIDv1 (files/stat's form) compares as bytes.
  run "$OBRIDGE" cid "$TMP/hw.txt" --check "$HW_V0"
  expect_status 0; expect_eq "$out" "$HW_V0"
  run "$OBRIDGE" cid "$TMP/hw.txt" --check zb2rhi36Gc9GJWijLEL6zW45MBux5FcFv5gJmjXA7VAMozEXY --json
  expect_status 0; expect_out '"check":"match"'
  run "$OBRIDGE" cid "$TMP/hw.txt" --check QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH
  expect_status 1; expect_err "has CID $HW_V0, not QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
  run "$OBRIDGE" cid "$TMP/hw.txt" --check "$HW_V0" --profile unixfs-v1-2025
  expect_status 2; expect_err 'cannot give the CIDv0'
}

test_cid_wrap() {
  # docs/PEERS.md: wrap-with-directory of "hello world\n" as hw.txt.
  printf 'hello world\n' >"$TMP/hw.txt"
  run "$OBRIDGE" cid "$TMP/hw.txt" --profile unixfs-v0-2015 --wrap
  expect_status 0; expect_eq "$out" QmSMX7jxntUC2SUczppWxKVRrYhqeVon3UdUkD6ons8ACv
  run "$OBRIDGE" cid "$TMP/hw.txt" --profile unixfs-v1-2025 --wrap --json
  expect_status 0
  expect_out '"cid":"bafybeigvrxr75nbduvic2f7lqm2pqr6rxif4wuvdibejzafmuodr2ztwzi"'
  expect_out '"dag_size":66,'; expect_out "\"file_cid\":\"$HW_V1\",\"file_dag_size\":12"
  run_in 'x' "$OBRIDGE" cid - --wrap
  expect_status 2; expect_err '--wrap needs a FILE'
}

test_cid_bad_input() {
  printf 'x' >"$TMP/x"
  run "$OBRIDGE" cid "$TMP/missing"
  expect_status 2; expect_err "^obridge: error: cannot open '.*missing': No such file or directory$"
  run "$OBRIDGE" cid "$TMP/x" --profile unixfs-v9
  expect_status 2; expect_err "unknown profile 'unixfs-v9': expected unixfs-v0-2015 or unixfs-v1-2025"
  run "$OBRIDGE" cid "$TMP/x" --check xyz
  expect_status 2; expect_err "'xyz' is not a CID: unsupported multibase prefix"
  run "$OBRIDGE" cid "$TMP/x" --check bafybeicmkrwadta7y6uz54e6tdnxvwynyhhxulndgwn7nreadaoflcw1fu
  expect_status 2; expect_err "is not a CID: invalid base32 character '1' at position 56"
  run "$OBRIDGE" cid "$TMP"
  expect_status 2; expect_err 'is a directory'
  run "$OBRIDGE" cid
  expect_status 2; expect_err 'expected one FILE'
  run "$OBRIDGE" cid "$TMP/x" "$TMP/x"
  expect_status 2; expect_err 'expected one FILE'
  run "$OBRIDGE" cid "$TMP/x" --bogus
  expect_status 2; expect_err "unknown option '--bogus'"
  run "$OBRIDGE" cid --help
  expect_status 0; expect_out 'usage: obridge cid FILE'
}

test_cid_unreadable_file() {
  printf 'x' >"$TMP/secret"
  chmod 000 "$TMP/secret"
  if [[ $(id -u) == 0 ]]; then
    # root reads anything: use a setuid-less drop to nobody when available, else a FIFO error.
    command -v runuser >/dev/null || { echo "skip: root without runuser"; return 0; }
    chmod 755 "$TMP"
    run runuser -u nobody -- "$OBRIDGE" cid "$TMP/secret"
  else
    run "$OBRIDGE" cid "$TMP/secret"
  fi
  expect_status 2; expect_err "cannot open '.*secret': Permission denied"
}

test_cid_recursive_known_tree() {
  # tests/vectors/cid/dir.txt, measured on the node
  mkdir -p "$TMP/vv/a"; printf hi >"$TMP/vv/B"; printf x >"$TMP/vv/a b"; : >"$TMP/vv/a.txt"
  run "$OBRIDGE" cid "$TMP/vv" --recursive --profile unixfs-v0-2015
  expect_status 0; expect_eq "$out" QmacX37GoscMm8FuQFotU7bPnUghTL2bjXKWAyaosyMt7x
  run "$OBRIDGE" cid "$TMP/vv" --recursive --profile unixfs-v1-2025 --json
  expect_status 0; expect_out '"cid":"bafybeidpst4zijxolkwehrq2zgign7dhpwkdqdhyxkkqd3dvri5ujjkvcu"'
  expect_out '"dag_size":197'; expect_out '"files":3'; expect_out '"dirs":2'
  run "$OBRIDGE" cid "$TMP/vv" --recursive --check QmacX37GoscMm8FuQFotU7bPnUghTL2bjXKWAyaosyMt7x
  expect_status 0
  run "$OBRIDGE" cid "$TMP/vv" --profile unixfs-v0-2015
  expect_status 2; expect_err "is a directory"
  run "$OBRIDGE" cid - --recursive --profile unixfs-v0-2015
  expect_status 2; expect_err "--recursive takes a DIR"
  ln -s B "$TMP/vv/a/l"
  run "$OBRIDGE" cid "$TMP/vv" --recursive --profile unixfs-v0-2015
  expect_status 2; expect_err "vv/a/l': is a symbolic link"
}
