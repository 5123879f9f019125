# The Node reference tools against the local anvil + IPFS node: rounds committed by ref_commit.mjs (its own
# Merkle and signing code) pass ref_verify.mjs (OpenZeppelin tree, ethers, its own CID and median-mad), and a
# tampered copy of a batch document fails naming the feed. Needs contracts/ObridgeRegistry.sol.
REF=$OB_SOURCE_DIR/tests/commit
SOL=$OB_SOURCE_DIR/contracts/ObridgeRegistry.sol

# Deploy a fresh registry with 3 random signers, threshold 2, from a random funded sender (no shared
# anvil account, so parallel cases never race on a nonce; the sender owns the registry). Sets REG,
# SIGNER_KEYS (array), SENDER, and SPARE_KEY / SPARE_ADDR (a wallet outside the signer set).
deploy_registry() {
  peers_env || return 1
  RPC=$OBRIDGE_RPC_HTTP_URL IPFS=$OBRIDGE_IPFS_API
  (cd "$(dirname "$SOL")" && solcjs --bin --optimize --optimize-runs 200 --base-path . -o "$TMP/sol" "$(basename "$SOL")" >"$TMP/solc.log" 2>&1) ||
    { fail "solcjs failed: $(cat "$TMP/solc.log")"; return 1; }
  local bin
  bin=$(ls "$TMP"/sol/*ObridgeRegistry_sol_ObridgeRegistry.bin) || { fail "no ObridgeRegistry bytecode"; return 1; }
  node --input-type=module -e '
    import { ethers } from "ethers";
    const w = Array.from({ length: 5 }, () => ethers.Wallet.createRandom());
    console.log(w.map((x) => x.privateKey + " " + x.address).join("\n"));' >"$TMP/wallets" || return 1
  mapfile -t SIGNER_KEYS < <(head -3 "$TMP/wallets" | cut -d' ' -f1)
  local addrs sender_addr args
  addrs=$(head -3 "$TMP/wallets" | cut -d' ' -f2 | paste -sd,)
  SENDER=$(sed -n 4p "$TMP/wallets" | cut -d' ' -f1); sender_addr=$(sed -n 4p "$TMP/wallets" | cut -d' ' -f2)
  SPARE_KEY=$(sed -n 5p "$TMP/wallets" | cut -d' ' -f1); SPARE_ADDR=$(sed -n 5p "$TMP/wallets" | cut -d' ' -f2)
  cast rpc --rpc-url "$RPC" anvil_setBalance "$sender_addr" 0x56BC75E2D63100000 >/dev/null || { fail "anvil_setBalance"; return 1; }
  args=$(cast abi-encode 'constructor(address[],uint8)' "[$addrs]" 2) || return 1
  run cast send --json --rpc-url "$RPC" --private-key "$SENDER" --create "0x$(cat "$bin")${args#0x}"
  expect_status 0
  REG=$(node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8")); if (j.status !== "0x1") process.exit(1); console.log(j.contractAddress)' <<<"$out") ||
    { fail "deploy failed: $out"; return 1; }
}

skip_without_contract() {
  [[ -f $SOL ]] && return 1
  echo "SKIP: contracts/ObridgeRegistry.sol is not in the tree yet (the registry contract lands with the contract work)"
}

# values N FILE: N feeds; every third one aggregated from 5 observations (one an outlier), the rest a
# decimal text value (exponents, more places than decimals: rounded half-even).
write_values() {
  node -e '
    const n = +process.argv[1], feeds = [];
    for (let i = 0; i < n; i++) {
      const name = "F" + String(i).padStart(3, "0") + "/USD";
      if (i % 3 === 0) feeds.push({ name, decimals: 8, aggregation: { k: "3", quorum: 3 }, observations: [
        { source: "src-c", value: (3000 + i) + ".125", at: 1700000000 }, { source: "src-a", value: (3000 + i) + ".12", at: 1700000001 },
        { source: "src-b", value: (3000 + i) + ".13", at: 1700000002 }, { source: "src-e", value: "9.9e9", at: 1700000003 },
        { source: "src-d", value: String(3000 + i) + ".1251e0", at: 1700000004 }] });
      else feeds.push({ name, decimals: i % 37, value: i % 2 ? "-" + i + ".5e-1" : i + ".123456789012345678901234567890123456785" });
    }
    process.stdout.write(JSON.stringify({ feeds }));' "$1" >"$2"
}

commit_round() { # commit_round ROUND NFEEDS [extra args…]: sets $out (the JSON line)
  local round=$1 n=$2; shift 2
  write_values "$n" "$TMP/values$round.json"
  run node "$REF/ref_commit.mjs" --rpc "$RPC" --ipfs "$IPFS" --registry "$REG" --sender "$SENDER" \
    --round "$round" --values "$TMP/values$round.json" "$@"
  expect_status 0
}

test_rounds_of_1_2_3_100_feeds_verify() {
  skip_without_contract && return 0
  deploy_registry || return 1
  local round=0 n
  for n in 1 2 3 100; do
    round=$((round + 1))
    # round 2 signed by all three signers under the v0 profile; the others by two, v1
    if ((n == 2)); then
      commit_round $round $n --keys "${SIGNER_KEYS[2]},${SIGNER_KEYS[0]},${SIGNER_KEYS[1]}" --profile v0
      expect_out '"cid":"Qm'
    else
      commit_round $round $n --keys "${SIGNER_KEYS[1]},${SIGNER_KEYS[2]}"
      expect_out '"cid":"bafk'
    fi
    expect_out "\"round\":$round,"
    run node "$REF/ref_verify.mjs" --rpc "$RPC" --ipfs "$IPFS" --registry "$REG" --round $round
    expect_status 0
    expect_out "^ok round $round: $n feeds"
  done
  run node "$REF/ref_verify.mjs" --rpc "$RPC" --ipfs "$IPFS" --registry "$REG" --all --json
  expect_status 0
  expect_eq "$(node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
    console.log(j.ok, j.rounds.map((r) => r.round + ":" + r.feeds + ":" + r.signers.length + ":" + r.failures.length).join(","))' <<<"$out")" \
    "true 1:1:2:0,2:2:3:0,3:3:2:0,4:100:2:0" "rounds, feeds, signers, failures"
  # the aggregated feeds were recomputed from their observations (34 of the 100)
  expect_out '34 values recomputed from observations'
  # A new signer set (the spare alone, threshold 1): old rounds are still checked against the set of their
  # own block, and a round signed by the new set passes too.
  run cast send --json --rpc-url "$RPC" --private-key "$SENDER" "$REG" 'setSigners(address[],uint8)' "[$SPARE_ADDR]" 1
  expect_status 0
  commit_round 5 2 --keys "$SPARE_KEY"
  run node "$REF/ref_verify.mjs" --rpc "$RPC" --ipfs "$IPFS" --registry "$REG" --all
  expect_status 0
  expect_out "^ok round 1: 1 feeds"
  expect_out "^ok round 5: 2 feeds, .*signers $SPARE_ADDR\$"
}

# One round of 3 feeds, then copies of its document with one thing changed, each pinned on its own and
# checked against the round: every one fails (exit 1) naming the feed.
test_tampered_document_fails_naming_the_feed() {
  skip_without_contract && return 0
  deploy_registry || return 1
  commit_round 1 3 --keys "${SIGNER_KEYS[0]},${SIGNER_KEYS[1]}"
  local cid
  cid=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).cid)' <<<"$out")
  curl -sf -X POST "$IPFS/api/v0/cat?arg=$cid&timeout=30s" -o "$TMP/doc.json" || { fail "cat $cid"; return 1; }
  local what feed tcid
  for what in value observation proof; do
    node -e '
      const fs = require("fs"), [what, file] = process.argv.slice(1), d = JSON.parse(fs.readFileSync(file, "utf8"));
      const f = d.feeds[0];                                     // F000/USD, aggregated from observations
      if (what === "value") f.value = (BigInt(f.value) + 1n).toString();
      if (what === "observation") f.observations[2].value = (BigInt(f.observations[2].value) + 7n).toString();
      if (what === "proof") f.proof[0] = "0x" + "ab".repeat(32);
      process.stdout.write(JSON.stringify(d));' "$what" "$TMP/doc.json" >"$TMP/bad-$what.json"
    tcid=$(curl -sf -X POST -F "file=@$TMP/bad-$what.json;type=application/octet-stream" \
      "$IPFS/api/v0/add?pin=true&cid-version=1&raw-leaves=true&cid-base=base32" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).Hash)')
    [[ $tcid == baf* && $tcid != "$cid" ]] || { fail "pinning the $what copy gave '$tcid'"; continue; }
    run node "$REF/ref_verify.mjs" --rpc "$RPC" --ipfs "$IPFS" --registry "$REG" --round 1 --cid "$tcid"
    expect_status 1
    expect_out "^FAIL round 1: document $tcid is not the one the round committed"
    case $what in
      value) expect_out '^FAIL round 1 feed F000/USD: proof does not verify'
             expect_out '^FAIL round 1 feed F000/USD: contract verify\(\.\.\.\) returned false'
             expect_out '^FAIL round 1 feed F000/USD: value [0-9]+ differs from the median-mad' ;;
      observation) expect_out '^FAIL round 1 feed F000/USD: value [0-9]+ differs from the median-mad' ;;
      proof) expect_out '^FAIL round 1 feed F000/USD: proof does not verify'
             expect_out '^FAIL round 1 feed F000/USD: contract verify\(\.\.\.\) returned false' ;;
    esac
    expect_no_out 'feed F00[12]/USD'        # the untouched feeds still pass
  done
  # and the original still passes
  run node "$REF/ref_verify.mjs" --rpc "$RPC" --ipfs "$IPFS" --registry "$REG" --round 1 --cid "$cid"
  expect_status 0
}

# The cross-check the other way: rounds committed by the Node reference pass `obridge verify` (needs no
# database: --rpc, --ipfs, --registry only). Skipped while this build has no `verify` command.
test_ref_rounds_pass_obridge_verify() {
  skip_without_contract && return 0
  run "$OBRIDGE" verify --help
  if [[ $err == *"unknown command"* ]]; then
    echo "SKIP: obridge verify is not in this build yet"; return 0
  fi
  deploy_registry || return 1
  commit_round 1 1 --keys "${SIGNER_KEYS[0]},${SIGNER_KEYS[2]}"
  commit_round 2 3 --keys "${SIGNER_KEYS[0]},${SIGNER_KEYS[1]},${SIGNER_KEYS[2]}" --profile v0
  commit_round 3 100 --keys "${SIGNER_KEYS[1]},${SIGNER_KEYS[2]}"
  run "$OBRIDGE" verify --all --rpc "$OBRIDGE_RPC_URL" --ipfs "$IPFS" --registry "$REG"
  expect_status 0
  run "$OBRIDGE" verify --round 3 --feed F099/USD --rpc "$OBRIDGE_RPC_URL" --ipfs "$IPFS" --registry "$REG" --json
  expect_status 0
  run "$OBRIDGE" verify --round 2 --all --rpc "$OBRIDGE_RPC_URL" --ipfs "$IPFS" --registry "$REG" --json
  expect_status 0
}

test_unreachable_peers_exit_3() {
  peers_env || return 1
  local dead
  dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  run node "$REF/ref_verify.mjs" --rpc "http://127.0.0.1:$dead" --ipfs "$OBRIDGE_IPFS_API" \
    --registry 0x5FbDB2315678afecb367f032d93F642f64180aa3 --all
  expect_status 3; expect_err "chain: http://127.0.0.1:$dead unreachable"
  run node "$REF/ref_verify.mjs" --rpc "$OBRIDGE_RPC_HTTP_URL" --ipfs "http://127.0.0.1:$dead" \
    --registry 0x5FbDB2315678afecb367f032d93F642f64180aa3 --all
  expect_status 3; expect_err "ipfs: http://127.0.0.1:$dead unreachable"
  echo '{"feeds":[{"name":"A","decimals":0,"value":"1"}]}' >"$TMP/v.json"
  run node "$REF/ref_commit.mjs" --rpc "http://127.0.0.1:$dead" --ipfs "$OBRIDGE_IPFS_API" \
    --registry 0x5FbDB2315678afecb367f032d93F642f64180aa3 --keys 0x"$(printf '11%.0s' {1..32})" --round 1 --values "$TMP/v.json"
  expect_status 3; expect_err 'unreachable'
}

# Bad values files are refused before anything is pinned or sent (exit 2, naming what is wrong).
test_bad_values_exit_2() {
  peers_env || return 1
  local key=0x"$(printf '11%.0s' {1..32})" v
  for v in '{"feeds":[{"name":"A","decimals":0,"value":"1"},{"name":"A","decimals":0,"value":"2"}]}|duplicate feed name .A.' \
           '{"feeds":[{"name":"A","decimals":0,"value":"6e76"}]}|does not fit int256' \
           '{"feeds":[{"name":"A","decimals":0,"value":1}]}|decimal text' \
           '{"feeds":[{"name":"-A","decimals":0,"value":"1"}]}|does not start with a letter or digit' \
           '{"feeds":[{"name":"A","decimals":2,"value":"3","observations":[{"source":"x","value":"3.5","at":1}]}]}|differs from the aggregate'; do
    printf '%s' "${v%%|*}" >"$TMP/v.json"
    run node "$REF/ref_commit.mjs" --rpc "$OBRIDGE_RPC_HTTP_URL" --ipfs "$OBRIDGE_IPFS_API" \
      --registry 0x5FbDB2315678afecb367f032d93F642f64180aa3 --keys "$key" --round 1 --values "$TMP/v.json"
    expect_status 2; expect_err "${v##*|}"; expect_no_out .
  done
}
