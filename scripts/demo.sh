#!/usr/bin/env bash
# The main job, end to end on this machine: install everything, build, start the local peers
# (PostgreSQL, anvil, an IPFS node) under ./.demo, write a config for them, migrate the database,
# and check everything with `obridge doctor`. Leaves the peers running and prints where things are.
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
txid=$("$ob" tx send --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --value 1000000000000000 --purpose demo --wait)
"$ob" tx show "$txid"
cat <<EOT

demo: done in $(( $(date +%s) - t0 )) s.
  binary     $ob
  config     $demo/obridge.json   (export OBRIDGE_CONFIG=$demo/obridge.json)
  peers      $demo/peers          (logs: $demo/peers/*/log; stop: scripts/peers.sh down $demo/peers)
EOT
