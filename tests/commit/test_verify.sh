# `obridge verify` against the local anvil + IPFS node, on rounds committed by the Node reference committer
# (its own Merkle and signing code), cross-checked with ref_verify.mjs: every round passes; a copy of a batch
# document with one value, observation or proof changed fails (exit 1) naming the feed; a round never
# committed fails naming it; an unreachable chain or IPFS node exits 3; a signer set changed after a round
# still verifies that round against the set at its block. Needs no database.
# The helpers (deploy_registry, commit_round, write_values) are the reference round-trip test's.
# shellcheck disable=SC1091
source "$OB_SOURCE_DIR/tests/commit/test_ref_roundtrip.sh"

verify() { run "$OBRIDGE" verify --rpc "$OBRIDGE_RPC_URL" --ipfs "$IPFS" --registry "$REG" "$@"; }

test_ref_rounds_pass_and_cross_check() {
  deploy_registry || return 1
  commit_round 1 1 --keys "${SIGNER_KEYS[0]},${SIGNER_KEYS[2]}"
  commit_round 2 3 --keys "${SIGNER_KEYS[0]},${SIGNER_KEYS[1]},${SIGNER_KEYS[2]}" --profile v0
  commit_round 3 100 --keys "${SIGNER_KEYS[1]},${SIGNER_KEYS[2]}"
  verify --all
  expect_status 0
  expect_out '^round 1: ok .* signers 2 \(threshold 2\)  feeds 1 '
  expect_out '^round 2: ok  root 0x[0-9a-f]{64}  cid Qm.* signers 3 \(threshold 2\)  feeds 3 '
  expect_out '^round 3: ok .*cid baf.* feeds 100 .*\(rootOf, signers, cid, document, commitment, root, proofs, values, contract verify\)'
  expect_no_out 'failed'
  verify --round 3 --feed F099/USD --json
  expect_status 0
  expect_eq "$(node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8")); const r = j.rounds[0];
    console.log(j.ok, r.round, r.feeds, r.signers.length, r.failures.length, /^0x[0-9a-f]{64}$/.test(r.tx), r.checks.includes("contract verify"))' <<<"$out")" \
    "true 3 1 2 0 true true" "ok round feeds signers failures tx checks"
  verify --round 2 --all --json
  expect_status 0
  expect_eq "$(node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(j.ok, j.rounds[0].feeds)' <<<"$out")" "true 3"
  # a feed that is not in the round
  verify --round 2 --feed NOPE/USD
  expect_status 1
  expect_out "round 2: feed 'NOPE/USD' is not in the round"
  # the Node verifier agrees on the same rounds
  run node "$REF/ref_verify.mjs" --rpc "$RPC" --ipfs "$IPFS" --registry "$REG" --all
  expect_status 0
}

test_tampered_document_fails_naming_the_feed() {
  deploy_registry || return 1
  commit_round 1 3 --keys "${SIGNER_KEYS[0]},${SIGNER_KEYS[1]}"
  local cid what
  cid=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).cid)' <<<"$out")
  curl -sf -X POST "$IPFS/api/v0/cat?arg=$cid&timeout=30s" -o "$TMP/doc.json" || { fail "cat $cid"; return 1; }
  # the untouched copy passes through --document too
  verify --round 1 --all --document "$TMP/doc.json"
  expect_status 0
  for what in value observation proof; do
    node -e '
      const fs = require("fs"), [what, file] = process.argv.slice(1), d = JSON.parse(fs.readFileSync(file, "utf8"));
      const f = d.feeds[0];                                     // F000/USD, aggregated from observations
      if (what === "value") f.value = (BigInt(f.value) + 1n).toString();
      if (what === "observation") f.observations[2].value = (BigInt(f.observations[2].value) + 7n).toString();
      if (what === "proof") f.proof[0] = "0x" + "ab".repeat(32);
      process.stdout.write(JSON.stringify(d));' "$what" "$TMP/doc.json" >"$TMP/bad-$what.json"
    verify --round 1 --all --document "$TMP/bad-$what.json"
    expect_status 1
    expect_out "^  failed: round 1: the document's CID is .*, not the committed $cid"
    expect_out "^  failed: round 1: .*'F000/USD'"
    expect_err 'round\(s\) failed verification'
    verify --round 1 --all --document "$TMP/bad-$what.json" --json
    expect_status 1
    expect_eq "$(node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8")); const r = j.rounds[0];
      console.log(j.ok, r.ok, r.failures.some((f) => f.includes("F000/USD")))' <<<"$out")" "false false true" "$what"
  done
  expect_out 'proof' # the last one (proof) names what
}

test_never_committed_and_unreachable_peers() {
  deploy_registry || return 1
  commit_round 1 2 --keys "${SIGNER_KEYS[0]},${SIGNER_KEYS[1]}"
  verify --round 9 --all
  expect_status 1
  expect_out '^  failed: round 9: never committed'
  verify --round 9 --all --json
  expect_status 1
  expect_eq "$(node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(j.ok, j.rounds[0].committed)' <<<"$out")" "false false"
  local dead
  dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  run "$OBRIDGE" verify --all --rpc "http://127.0.0.1:$dead" --ipfs "$IPFS" --registry "$REG"
  expect_status 3
  run "$OBRIDGE" verify --all --rpc "$OBRIDGE_RPC_URL" --ipfs "http://127.0.0.1:$dead" --registry "$REG"
  expect_status 3
  # bad usage
  verify --round 1
  expect_status 2
  verify --round 1 --feed A --all
  expect_status 2
  run "$OBRIDGE" verify --all --rpc "$OBRIDGE_RPC_URL" --ipfs "$IPFS" --registry 0x1234
  expect_status 2
}

test_signer_set_changed_after_round() {
  deploy_registry || return 1
  commit_round 1 1 --keys "${SIGNER_KEYS[0]},${SIGNER_KEYS[1]}"
  run cast send --json --rpc-url "$RPC" --private-key "$SENDER" "$REG" 'setSigners(address[],uint8)' "[$SPARE_ADDR]" 1
  expect_status 0
  commit_round 2 2 --keys "$SPARE_KEY"
  verify --all --json
  expect_status 0
  expect_eq "$(node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
    console.log(j.ok, j.rounds.map((r) => r.round + ":" + r.signers.length + ":" + r.threshold).join(","), j.rounds[1].signers[0])' <<<"$out")" \
    "true 1:2:2,2:1:1 $SPARE_ADDR" "rounds, signers, threshold at their blocks"
}

# Rounds committed by `obridge commit` (C tree, signing and pinning) pass `obridge verify` and the Node
# verifier. The setup (its own anvil, a registry deployed by `obridge registry deploy`) is test_commit.sh's.
test_obridge_commit_rounds_pass() {
  # shellcheck disable=SC1091
  source "$OB_SOURCE_DIR/tests/commit/test_commit.sh"
  setup_commit || return 1
  local n
  for n in 1 2 3 100; do
    run commit --values "$(values $n)" --json
    expect_status 0
  done
  run "$OBRIDGE" verify --all --ipfs "$OBRIDGE_IPFS_API"
  expect_status 0
  expect_out '^round 1: ok .*feeds 1 '
  expect_out '^round 4: ok .*signers 2 \(threshold 2\)  feeds 100 .*contract verify\)$'
  run "$OBRIDGE" verify --round 4 --feed F0002/USD --json
  expect_status 0
  expect_eq "$(jq -c '[.ok, .rounds[0].feeds, .rounds[0].signers]' <<<"$out")" "[true,1,[\"$ADDR2\",\"$ADDR1\"]]" "round 4 F0002/USD"
  run node "$OB_SOURCE_DIR/tests/commit/ref_verify.mjs" --rpc "$OBRIDGE_RPC_HTTP_URL" --ipfs "$OBRIDGE_IPFS_API" \
    --registry "$OBRIDGE_REGISTRY" --all
  expect_status 0
}

# A 10,000-feed round committed by obridge: `verify --round 1 --all` checks every proof on the contract in
# JSON-RPC batches (label slow); prints the time it took.
test_ten_thousand_feeds_slow() {
  # shellcheck disable=SC1091
  source "$OB_SOURCE_DIR/tests/commit/test_commit.sh"
  setup_commit || return 1
  run commit --values "$(values 10000)" --json
  expect_status 0
  local t0 t1
  t0=$(date +%s.%N)
  run "$OBRIDGE" verify --round 1 --all --ipfs "$OBRIDGE_IPFS_API"
  t1=$(date +%s.%N)
  expect_status 0
  expect_out '^round 1: ok .*feeds 10000 .*contract verify\)$'
  echo "verify of 10,000 feeds: $(echo "$t1 - $t0" | bc) s"
}
