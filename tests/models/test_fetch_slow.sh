# models: the 2 GiB case (label slow). The file is generated streamed into the case's temporary
# directory and deleted with it.
# shellcheck shell=bash
source "$OB_SOURCE_DIR/tests/models/test_fetch.sh"

# A Hugging Face style URL; the server cuts the transfer three times at seeded random bytes. Finished
# with at most one 1 MiB chunk sent twice (the server counts), the sha256 right (X-Linked-Etag),
# safetensors checked, obridge's peak RSS at most 64 MiB.
test_two_gib_three_cuts() {
  local size=$((2048 * MIB + 4096)) sha cuts seed=${OB_TEST_SEED:-$RANDOM}
  echo "seed $seed (OB_TEST_SEED replays)"
  cuts=$(python3 -c "import random; r=random.Random($seed); print(','.join(str(x) for x in sorted(r.sample(range(1, $size), 3))))")
  echo "cuts at $cuts"
  mkdir -p "$TMP/srv"
  sha=$(gen model.safetensors "$size")
  size=$(stat -c %s "$TMP/srv/model.safetensors")
  start_server --cut "$cuts"
  run /usr/bin/time -f 'maxrss_kib %M' "$OBRIDGE" model fetch --staging "$TMP/st" --fetch-only \
    "$base/org/m/resolve/main/model.safetensors" --name big --version 1 --json
  expect_status 0
  expect_eq "$(jq -r '.files[0].sha256' <<<"$out")" "$sha"
  expect_eq "$(jq -r '.files[0].sha256_checked_against' <<<"$out")" "X-Linked-Etag"
  expect_eq "$(jq -r '.files[0].safetensors.tensors' <<<"$out")" "2"
  local sent rss
  sent=$(stat_of bytes_sent)
  echo "file $size bytes, server sent $sent ($((sent - size)) again)"
  ((sent >= size && sent <= size + MIB)) || fail "server sent $sent bytes for a file of $size"
  expect_eq "$(curl -sf "$base/stats" | jq -r '.ranges | length')" "4" "transfers (3 cuts)"
  rss=$(grep -o 'maxrss_kib [0-9]*' <<<"$err" | cut -d' ' -f2)
  echo "peak RSS $rss KiB"
  ((rss <= 64 * 1024)) || fail "peak RSS $rss KiB is over 64 MiB"
  rm -f "$TMP/srv/model.safetensors" "$TMP/st/big@1/model.safetensors"
}
