#!/usr/bin/env bash
# bench/gas: gas of `commit` for ObridgeRegistry (as the build embeds it) beside Straightforward.sol, in one
# run on one anvil, for 1/10/1,000/10,000 leaves and 1/3/5 signers; exit 1 if the protocol's gas bounds break.
#   bench/gas/gas.sh BUILD_DIR          starts its own anvil (scripts/peers.sh) and stops it after
#   OBRIDGE_RPC_HTTP_URL=… bench/gas/gas.sh BUILD_DIR   uses that chain instead
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: gas.sh BUILD_DIR}
build=$(cd "$build" && pwd)
registry_bin=$build/contracts/solc/ObridgeRegistry/ObridgeRegistry_sol_ObridgeRegistry.bin
[[ -f $registry_bin ]] || { echo "gas: no $registry_bin: build the ob_contracts target first" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/obgas.XXXXXX")
cleanup() {
  [[ -d $tmp/peers ]] && bash "$root/scripts/peers.sh" down "$tmp/peers" chain >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
if [[ -z ${OBRIDGE_RPC_HTTP_URL:-} ]]; then
  bash "$root/scripts/peers.sh" up "$tmp/peers" chain >/dev/null 2>&1 || { echo "gas: cannot start anvil" >&2; exit 3; }
  # shellcheck disable=SC1091
  source "$tmp/peers/chain/env"
fi
"$root/node_modules/.bin/solcjs" --bin --optimize --optimize-runs 200 --base-path "$root/bench/gas" \
  -o "$tmp/solc" "$root/bench/gas/Straightforward.sol" >/dev/null
node "$root/bench/gas/gas.mjs" "$OBRIDGE_RPC_HTTP_URL" "$registry_bin" "$tmp/solc/Straightforward_sol_Straightforward.bin"
