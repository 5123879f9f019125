#!/usr/bin/env bash
# Run `forge test` on the registry contract, offline, over the pinned solcjs.
# Usage: contracts/run-forge.sh OUTDIR [forge test args…]   (OUTDIR: where forge keeps out/ and cache/)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=${1:?usage: run-forge.sh OUTDIR [args…]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
forge=${OB_FORGE:-$top/node_modules/.bin/forge}
[[ -x $forge ]] || { echo "run-forge: no forge at $forge (run scripts/install-deps.sh)" >&2; exit 2; }
export FOUNDRY_OFFLINE=true FOUNDRY_SOLC=$here/solc-forge.sh FOUNDRY_OUT=$out/out FOUNDRY_CACHE_PATH=$out/cache
export FOUNDRY_DISABLE_NIGHTLY_WARNING=1
exec "$forge" test --root "$here" "$@"
