#!/usr/bin/env bash
# The main job, end to end on this machine: install everything, build, start the local peers
# (PostgreSQL, anvil, an IPFS node) under ./.demo, write a config for them, migrate the database,
# check everything with `obridge doctor`, pin a file, send a transaction, then run the oracle: a local
# source server with three price APIs, a registry deployed, a round of two feeds committed and
# verified. Leaves the peers running and prints where things are.
#   scripts/demo.sh            stop them with: scripts/peers.sh down .demo/peers
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo=${OB_DEMO_DIR:-$root/.demo}
t0=$(date +%s)
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DOB_WERROR=ON >/dev/null
cmake --build "$root/build" -j"$(nproc)" >/dev/null
ob=$root/build/cli/obridge
echo "demo: built $ob ($(( $(date +%s) - t0 )) s)"

mkdir -p "$demo"
t1=$(date +%s)
bash "$root/scripts/peers.sh" up "$demo/peers"
# shellcheck disable=SC1091
source "$demo/peers/env"
echo "demo: peers up in $(( $(date +%s) - t1 )) s"

# The config: everything the peers need; the env lines above could override it too.
mkdir -p "$demo/keys"
cat >"$demo/obridge.json" <<JSON
{
  "database": { "url": "$OBRIDGE_DATABASE_URL" },
  "chain": { "chain_id": 31337, "endpoints": [ { "url": "$OBRIDGE_RPC_URL", "name": "anvil" } ],
             "keystore": "$demo/keys/signer.json", "password_file": "$demo/keys/signer.password" },
  "ipfs": { "api": "$OBRIDGE_IPFS_API" }
}
JSON
unset OBRIDGE_DATABASE_URL OBRIDGE_RPC_URL OBRIDGE_RPC_HTTP_URL OBRIDGE_IPFS_API
export OBRIDGE_CONFIG=$demo/obridge.json

# The signer's keystore (anvil's account 0, so it has funds), encrypted with a generated password.
if [[ ! -f $demo/keys/signer.json ]]; then
  head -c 24 /dev/urandom | base64 >"$demo/keys/signer.password"
  chmod 600 "$demo/keys/signer.password"
  printf '%s' ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 >"$demo/keys/anvil0.hex"
  "$ob" key import --key-file "$demo/keys/anvil0.hex" --password-file "$demo/keys/signer.password" \
    --dir "$demo/keys" --name signer.json >/dev/null
  rm -f "$demo/keys/anvil0.hex"
fi

"$ob" db migrate
"$ob" doctor

# Storage: pin a file through the queue; its CID is computed locally on the same bytes and must equal
# the node's; then ask the node to prove it holds it.
head -c 3000000 /dev/urandom >"$demo/sample.bin"
cid=$("$ob" pin add "$demo/sample.bin" --name demo-sample)
echo "demo: pinned $demo/sample.bin as $cid (local: $("$ob" cid "$demo/sample.bin"))"
"$ob" pin verify "$cid"

# Chain: the endpoint's health, then one transaction through the manager (stored before broadcast,
# confirmed), listed from the database.
"$ob" chain status
txhash=$("$ob" tx send --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --value 0.001ether --purpose demo --wait | head -1)
"$ob" tx show "$txhash"
# The oracle: a local source server answering three differently shaped price APIs (Binance-,
# Coinbase- and Kraken-like), two feeds with three sources each, a registry with a 2-of-3 signer set
# (anvil's accounts 1..3, as encrypted keystores), one round fetched, aggregated, pinned, signed,
# committed; then the round verified from the chain and IPFS alone.
srcport=$demo/source.port
if [[ -f $demo/source.pid ]] && kill -0 "$(cat "$demo/source.pid")" 2>/dev/null; then :; else
  rm -f "$srcport"
  nohup python3 "$root/tests/oracle/source_server.py" --port-file "$srcport" >"$demo/source.log" 2>&1 &
  echo $! >"$demo/source.pid"
  for _ in $(seq 100); do [[ -s $srcport ]] && break; sleep 0.05; done
fi
src=http://127.0.0.1:$(cat "$srcport")
signer_keys=(59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
             5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
             7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6)
signers=() keystores=() passwords=()
for i in 0 1 2; do
  ks=$demo/keys/commit$i.json
  if [[ ! -f $ks ]]; then
    head -c 24 /dev/urandom | base64 >"$demo/keys/commit$i.password"
    chmod 600 "$demo/keys/commit$i.password"
    printf '%s' "${signer_keys[$i]}" >"$demo/keys/commit$i.hex"
    "$ob" key import --key-file "$demo/keys/commit$i.hex" --password-file "$demo/keys/commit$i.password" \
      --dir "$demo/keys" --name "commit$i.json" >/dev/null
    rm -f "$demo/keys/commit$i.hex"
  fi
  signers+=("0x$(jq -r .address "$ks")") keystores+=("\"$ks\"") passwords+=("\"$demo/keys/commit$i.password\"")
done
mkdir -p "$demo/feeds"
cat >"$demo/feeds/prices.json" <<JSON
{"feeds": [
  {"name": "ETH/USD", "decimals": 8, "quorum": 2, "k": "3", "deviation_bps": 50, "heartbeat_s": 3600, "sources": [
    {"name": "binance", "url": "$src/api/v3/ticker/price?symbol=ETHUSDT", "path": "\$.price", "timeout_ms": 2000},
    {"name": "coinbase", "url": "$src/v2/prices/ETH-USD/spot", "path": "\$.data.amount", "timeout_ms": 2000},
    {"name": "kraken", "url": "$src/0/public/Ticker?pair=ETHUSD", "path": "\$.result.XETHZUSD.c[0]", "timeout_ms": 2000}]},
  {"name": "BTC/USD", "decimals": 8, "quorum": 2, "k": "3", "deviation_bps": 50, "heartbeat_s": 3600, "sources": [
    {"name": "binance", "url": "$src/api/v3/ticker/price?symbol=BTCUSDT", "path": "\$.price", "timeout_ms": 2000},
    {"name": "coinbase", "url": "$src/v2/prices/BTC-USD/spot", "path": "\$.data.amount", "timeout_ms": 2000},
    {"name": "kraken", "url": "$src/0/public/Ticker?pair=BTCUSD", "path": "\$.result.XXBTZUSD.c[0]", "timeout_ms": 2000}]}
]}
JSON
# The registry is deployed once per demo directory (anvil keeps its state while the peers run).
registry=$(cat "$demo/registry" 2>/dev/null || true)
if [[ -z $registry || $("$ob" registry show --registry "$registry" --json 2>/dev/null | jq -r '.threshold // empty') != 2 ]]; then
  registry=$("$ob" registry deploy --signers "$(IFS=,; echo "${signers[*]}")" --threshold 2 --json | jq -r .registry)
  echo "$registry" >"$demo/registry"
else
  # A rerun: the last round's values are already committed, so move ETH by 1 % (past its 0.5 %
  # deviation threshold) to make a new round due.
  eth=$(curl -fsS "$src/api/v3/ticker/price?symbol=ETHUSDT" | jq -r .price)
  eth=$(echo "scale=2; $eth * 1.01 / 1" | bc)
  curl -fsS -X POST "$src/control" -d "{\"prices\": {\"binance\": {\"ETHUSDT\": \"$eth\"},
    \"coinbase\": {\"ETH-USD\": \"$eth\"}, \"kraken\": {\"ETHUSD\": \"$eth\"}}}" >/dev/null
  echo "demo: registry $registry already deployed; moved ETH/USD to $eth so a new round is due"
fi
jq --arg reg "$registry" --arg feeds "$demo/feeds" \
   --argjson ks "[$(IFS=,; echo "${keystores[*]}")]" --argjson pw "[$(IFS=,; echo "${passwords[*]}")]" \
   '.chain.registry = $reg | .oracle.feeds_dir = $feeds | .commit.signer_keystores = $ks
    | .commit.signer_password_files = $pw' "$demo/obridge.json" >"$demo/obridge.json.new"
mv "$demo/obridge.json.new" "$demo/obridge.json"
"$ob" feed ls
round_json=$("$ob" feed run --once --json)
echo "$round_json" | jq -c '{round, outcome, cid, tx, feeds: [.feeds[] | {name, value}]}'
round=$(echo "$round_json" | jq -r .round)
"$ob" feed show ETH/USD
verify_out=$("$ob" verify --all)
echo "$verify_out"

cat <<EOT

demo: done in $(( $(date +%s) - t0 )) s.
  registry   $registry (2 of 3 signers)
  round      $round: $(echo "$round_json" | jq -r '[.feeds[] | "\(.name) \(.value)"] | join(", ")')
  batch      $(echo "$round_json" | jq -r .cid) (pinned)
  verify     round $round passed ($(echo "$verify_out" | tail -1))
  sources    $src (tests/oracle/source_server.py; POST /control to move prices, then: $ob feed run --once)
  binary     $ob
  config     $demo/obridge.json   (export OBRIDGE_CONFIG=$demo/obridge.json)
  peers      $demo/peers          (logs: $demo/peers/*/log; stop: scripts/peers.sh down $demo/peers)
EOT
