# models: `obridge model fetch` against tests/models/model_server.py (Range, ETag, 302 with the linked
# headers, throttling, cuts at chosen bytes, bytes counted). --fetch-only: no peers needed.
# shellcheck shell=bash

MIB=1048576

# start_server [ARGS…]: serves $TMP/srv on a kernel-chosen port; sets $base and $srv_pid.
start_server() {
  mkdir -p "$TMP/srv"
  python3 "$OB_SOURCE_DIR/tests/models/model_server.py" "$TMP/srv" "$TMP/port" "$@" >"$TMP/server.log" 2>&1 &
  srv_pid=$!
  trap 'kill "$srv_pid" 2>/dev/null; cleanup_case' EXIT
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s $TMP/port ]] && break
    sleep 0.05
  done
  [[ -s $TMP/port ]] || { fail "the test server did not start: $(cat "$TMP/server.log")"; return 1; }
  base="http://127.0.0.1:$(cat "$TMP/port")"
}

stat_of() { curl -sf "$base/stats" | jq -r ".$1"; }
control() { curl -sf "$base/control?$1" >/dev/null; }
gen() { python3 "$OB_SOURCE_DIR/tests/models/gen_model.py" "$TMP/srv/$1" "$2" --seed "${3:-1}"; }
fetch() { run "$OBRIDGE" model fetch --staging "$TMP/st" --fetch-only "$@"; }

# A Hugging Face style URL: the 302's X-Linked-Etag is the expected sha256 and X-Linked-Size the size;
# the bytes come from the redirect target. The file is a valid safetensors and the sha256 is sha256sum's.
test_hf_redirect_uses_linked_hash_and_size() {
  start_server
  local sha
  sha=$(gen model.safetensors $((3 * MIB)))
  echo '{"a":1}' >"$TMP/srv/config.json"
  fetch "$base/org/m/resolve/main/model.safetensors" "$base/files/config.json" --name m --version 1 --json
  expect_status 0
  expect_eq "$(jq -r '.files[0].sha256' <<<"$out")" "$sha"
  expect_eq "$(jq -r '.files[0].sha256_checked_against' <<<"$out")" "X-Linked-Etag"
  expect_eq "$(jq -r '.files[0].safetensors.tensors' <<<"$out")" "1"
  expect_eq "$(jq -r '.files[1].safetensors' <<<"$out")" "null" "config.json is taken as bytes"
  expect_eq "$(sha256sum <"$TMP/st/m@1/model.safetensors" | cut -d' ' -f1)" "$sha"
  expect_eq "$(jq -c '[.ranges[] | select(.[1] > 100)] | length' <<<"$(curl -sf "$base/stats")")" "1" "one body transfer"
  [[ $err != *$'\r'* ]] || fail "a progress bar was drawn without a terminal"
}

# The server cuts the transfer three times: each retry asks for a Range from the bytes on disk (less
# the 64 KiB tail it re-checks); at most one 1 MiB chunk is sent twice in all. The cuts fall at
# unaligned bytes, so each retry starts O_DIRECT's aligned slot from bytes read back from the file.
three_cuts() {
  start_server --cut $((1 * MIB + 12345)),$((5 * MIB + 7)),$((9 * MIB))
  local sha size
  sha=$(gen m.safetensors $((12 * MIB)))
  size=$(stat -c %s "$TMP/srv/m.safetensors")
  fetch "$base/files/m.safetensors" --name m --version 1 --sha256 "$sha" --json -v "$@"
  expect_status 0
  expect_eq "$(jq -r '.files[0].sha256' <<<"$out")" "$sha"
  expect_eq "$(jq -r '.ranges | length' <<<"$(curl -sf "$base/stats")")" "4" "transfers (3 cuts)"
  local sent
  sent=$(stat_of bytes_sent)
  ((sent >= size && sent <= size + MIB)) || fail "server sent $sent bytes for a file of $size"
  expect_err 'retrying at byte'
  expect_eq "$(sha256sum <"$TMP/st/m@1/m.safetensors" | cut -d' ' -f1)" "$sha" "the file on disk"
}
test_three_cuts_resume_with_one_chunk_at_most_refetched() { three_cuts; }
# The same through the page cache (--buffered-io: no O_DIRECT).
test_three_cuts_buffered_io() { three_cuts --buffered-io; }

# A PATH.part longer than the file (a server that shrank it under the same validator) is emptied, not
# written over: the finished file has the server's bytes and nothing after them.
test_part_longer_than_the_file_starts_over() {
  start_server
  local sha size
  sha=$(gen m.safetensors $((2 * MIB)))
  size=$(stat -c %s "$TMP/srv/m.safetensors")
  mkdir -p "$TMP/st/m@1"
  head -c $((3 * MIB)) /dev/urandom >"$TMP/st/m@1/m.safetensors.part"
  printf '{"url":"%s","validator":"\\"v1-%s-0\\"","size":%s}' "$base/files/m.safetensors" "$size" "$size" \
    >"$TMP/st/m@1/m.safetensors.state"
  fetch "$base/files/m.safetensors" --name m --version 1 --json
  expect_status 0
  expect_eq "$(stat -c %s "$TMP/st/m@1/m.safetensors")" "$size" "size on disk"
  expect_eq "$(sha256sum <"$TMP/st/m@1/m.safetensors" | cut -d' ' -f1)" "$sha" "the file on disk"
}

# kill -9 mid-download, rerun: it resumes from the bytes on disk ("resumed at N bytes").
test_kill9_then_rerun_resumes() {
  start_server --throttle $((4 * MIB))
  local sha size pid part=$TMP/st/m@1/m.safetensors.part i
  sha=$(gen m.safetensors $((8 * MIB)))
  size=$(stat -c %s "$TMP/srv/m.safetensors")
  "$OBRIDGE" model fetch --staging "$TMP/st" --fetch-only "$base/files/m.safetensors" --name m --version 1 \
    >/dev/null 2>&1 &
  pid=$!
  for ((i = 0; i < 200; i++)); do
    [[ -f $part ]] && (($(stat -c %s "$part") > 2 * MIB)) && break
    sleep 0.05
  done
  kill -9 "$pid"
  wait "$pid" || true
  local have
  have=$(stat -c %s "$part")
  ((have > 2 * MIB && have < size)) || fail "killed with $have bytes on disk"
  control throttle=0
  fetch "$base/files/m.safetensors" --name m --version 1 --json
  expect_status 0
  expect_err "resumed at [0-9]+ bytes"
  expect_eq "$(jq -r '.files[0].sha256' <<<"$out")" "$sha"
  expect_eq "$(jq -r '.files[0].resumed_from' <<<"$out")" "$have"
  local sent
  sent=$(stat_of bytes_sent)
  ((sent <= size + MIB)) || fail "server sent $sent bytes for a file of $size (killed at $have)"
}

# The ETag changed between the runs: the bytes on disk are thrown away, and it says why.
test_etag_changed_restarts_and_says_why() {
  start_server --cut $((3 * MIB))
  local sha
  sha=$(gen m.safetensors $((6 * MIB)))
  run "$OBRIDGE" model fetch --staging "$TMP/st" --fetch-only "$base/files/m.safetensors" --name m --version 1
  expect_status 0 # the cut is retried in the same run
  rm "$TMP/st/m@1/m.safetensors"
  # leave a partial download, then change the file's ETag
  head -c $((2 * MIB)) "$TMP/srv/m.safetensors" >"$TMP/st/m@1/m.safetensors.part"
  printf '{"url":"%s","validator":"\\"v1-%s-0\\"","size":%s}' "$base/files/m.safetensors" \
    "$(stat -c %s "$TMP/srv/m.safetensors")" "$(stat -c %s "$TMP/srv/m.safetensors")" >"$TMP/st/m@1/m.safetensors.state"
  control etag=2
  fetch "$base/files/m.safetensors" --name m --version 1 --json
  expect_status 0
  expect_err "restarted from 0: the server's ETag changed"
  expect_eq "$(jq -r '.files[0].restarted' <<<"$out")" "true"
  expect_eq "$(jq -r '.files[0].sha256' <<<"$out")" "$sha"
}

# The server swaps the file without changing its validator: the re-checked tail differs, it restarts.
test_changed_tail_restarts() {
  start_server
  local sha
  gen m.safetensors $((3 * MIB)) 1 >/dev/null
  mkdir -p "$TMP/st/m@1"
  head -c $((2 * MIB)) "$TMP/srv/m.safetensors" >"$TMP/st/m@1/m.safetensors.part"
  sha=$(gen m.safetensors $((3 * MIB)) 2)
  printf '{"url":"%s","validator":"\\"v1-%s-0\\"","size":%s}' "$base/files/m.safetensors" \
    "$(stat -c %s "$TMP/srv/m.safetensors")" "$(stat -c %s "$TMP/srv/m.safetensors")" >"$TMP/st/m@1/m.safetensors.state"
  fetch "$base/files/m.safetensors" --name m --version 1 --json
  expect_status 0
  expect_err "restarted from 0: the .* bytes before the resume point differ"
  expect_eq "$(jq -r '.files[0].sha256' <<<"$out")" "$sha"
}

test_sha256_mismatch_refused() {
  start_server
  gen m.safetensors $MIB >/dev/null
  fetch "$base/files/m.safetensors" --name m --version 1 --sha256 "$(printf '0%.0s' {1..64})"
  expect_status 1
  expect_err "sha256 mismatch: expected 0{64} \(--sha256\)"
  [[ ! -e $TMP/st/m@1/m.safetensors ]] || fail "the mismatching file was kept as finished"
  control wrong_hash=1
  fetch "$base/o/r/resolve/main/m.safetensors" --name m --version 2
  expect_status 1
  expect_err "sha256 mismatch: .*\(X-Linked-Etag\)"
}

test_bad_safetensors_refused_naming_the_tensor() {
  start_server
  python3 "$OB_SOURCE_DIR/tests/models/st_corpus.py" "$TMP/c" >/dev/null
  cp "$TMP/c/bad_shape_range.safetensors" "$TMP/srv/a.safetensors"
  cp "$TMP/c/bad_truncated.safetensors" "$TMP/srv/b.safetensors"
  fetch "$base/files/a.safetensors" --name a --version 1
  expect_status 2
  expect_err "a.safetensors' is not a valid safetensors file: tensor 'w': data_offsets \[0, 64\] hold 64 bytes"
  fetch "$base/files/b.safetensors" --name b --version 1
  expect_status 2
  expect_err "truncated"
}

# Six files, --parallel 2: never more than two transfers at once on the server.
test_parallel_files_are_bounded() {
  start_server --throttle $((8 * MIB))
  local urls=() i
  for i in 1 2 3 4 5 6; do
    gen "f$i.safetensors" $MIB "$i" >/dev/null
    urls+=("$base/files/f$i.safetensors")
  done
  fetch "${urls[@]}" --name p --version 1 --parallel 2 --json
  expect_status 0
  expect_eq "$(jq -r '.files | length' <<<"$out")" "6"
  expect_eq "$(stat_of max_active)" "2" "transfers at once"
}

# On a terminal (script(1) gives it one) the bar shows bytes, rate and ETA; with --json, none.
test_progress_bar_only_on_a_tty() {
  start_server --throttle $((6 * MIB))
  gen m.safetensors $((3 * MIB)) >/dev/null
  script -qec "'$OBRIDGE' model fetch --staging '$TMP/st' --fetch-only '$base/files/m.safetensors' --name m --version 1" \
    "$TMP/tty.log" >/dev/null
  grep -q 'm@1 .*MiB/s  ETA' "$TMP/tty.log" || fail "no progress bar on a terminal: $(tr '\r' '\n' <"$TMP/tty.log" | head -5)"
  rm -rf "$TMP/st"
  script -qec "'$OBRIDGE' model fetch --staging '$TMP/st' --fetch-only '$base/files/m.safetensors' --name m --version 1 --json" \
    "$TMP/tty2.log" >/dev/null
  if grep -q 'ETA' "$TMP/tty2.log"; then fail "a progress bar with --json"; fi
}

test_bad_usage_and_unreachable() {
  fetch "http://127.0.0.1:9/x.safetensors" --version 1
  expect_status 2
  expect_err "--name and --version are required"
  fetch "http://127.0.0.1:9/x.safetensors" --name 'a b' --version 1
  expect_status 2
  expect_err "--name 'a b'"
  fetch "ftp://127.0.0.1/x" --name a --version 1
  expect_status 2
  fetch "http://127.0.0.1:9/" --name a --version 1
  expect_status 2
  expect_err "does not end in a file name"
  fetch "http://127.0.0.1:9/x.safetensors" "http://127.0.0.1:9/y/x.safetensors" --name a --version 1
  expect_status 2
  expect_err "two URLs give the file name 'x.safetensors'"
  fetch "http://127.0.0.1:1/x.safetensors" --name a --version 1 --sha256 abc
  expect_status 2
  # port 1 on loopback: nothing listens; the attempts give up with exit 3
  run timeout 60 "$OBRIDGE" model fetch --staging "$TMP/st" --fetch-only "http://127.0.0.1:1/x.safetensors" --name a --version 1
  expect_status 3
  expect_err "cannot reach"
}
