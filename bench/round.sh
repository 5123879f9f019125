#!/usr/bin/env bash
# bench/round.sh BUILD_DIR [LEAVES]: a round before the chain in C (bench_round: build the batch from a
# values file, pin it to a local IPFS node with the CID checked, sign it with 3 keys), beside building
# the same tree (every proof too, as a batch needs) with @openzeppelin/merkle-tree in Node
# (bench/baseline/merkle.mjs), same leaves, same run; the roots must be equal. Pins to
# $OBRIDGE_IPFS_API when set, else to an IPFS node it starts (scripts/peers.sh) and stops; when none
# starts, the CID is computed locally instead and the output says so. Also prints the CID-only figure.
set -euo pipefail
build=${1:?usage: bench/round.sh BUILD_DIR [LEAVES]}
n=${2:-10000}
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/obround.XXXXXX")
cleanup() {
  [[ -d $tmp/peers ]] && bash "$src/scripts/peers.sh" down "$tmp/peers" ipfs >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
api=${OBRIDGE_IPFS_API:-}
if [[ -z $api ]] && bash "$src/scripts/peers.sh" up "$tmp/peers" ipfs >/dev/null 2>&1; then
  # shellcheck disable=SC1091
  source "$tmp/peers/ipfs/env"
  api=$OBRIDGE_IPFS_API
fi
[[ -n $api ]] || { echo "round: no IPFS node: the pin step is the local CID computation" >&2; api=-; }
read -r c_root build_ms pin_ms sign_ms total_ms total_cpu bytes mode < <("$build/bench/bench_round" "$n" 5 "$api" 3)
read -r _ cid_build_ms cid_ms _ cid_total_ms cid_cpu _ _ < <("$build/bench/bench_round" "$n" 5 - 3)
read -r js_root js_ms js_cpu < <(node "$src/bench/baseline/merkle.mjs" "$n" 3)
[[ $c_root == "$js_root" ]] || { echo "roots differ: obridge $c_root, OpenZeppelin $js_root" >&2; exit 1; }
echo "round of $n feeds before the chain (root $c_root, batch document $bytes bytes), mean of 5"
printf '  obridge (C) build              %9.2f ms\n' "$build_ms"
if [[ $mode == pinned ]]; then
  printf '  obridge (C) pin (local node)   %9.2f ms  (upload, CID check, pin confirmed)\n' "$pin_ms"
else
  printf '  obridge (C) CID only           %9.2f ms  (no IPFS node)\n' "$pin_ms"
fi
printf '  obridge (C) sign (3 keys)      %9.2f ms\n' "$sign_ms"
printf '  obridge (C) total              %9.2f ms wall %9.2f ms CPU (client)\n' "$total_ms" "$total_cpu"
printf '  obridge (C) total, CID only    %9.2f ms wall %9.2f ms CPU (build %.2f, CID %.2f)\n' "$cid_total_ms" "$cid_cpu" "$cid_build_ms" "$cid_ms"
printf '  @openzeppelin/merkle-tree tree + every proof %9.2f ms wall %9.2f ms CPU\n' "$js_ms" "$js_cpu"
awk -v a="$js_ms" -v b="$total_ms" -v c="$cid_total_ms" -v d="$js_cpu" -v e="$total_cpu" -v m="$mode" \
  'BEGIN { printf "  ratio (OpenZeppelin tree / obridge whole round): %.1fx wall (%s), %.1fx wall (CID only), %.0fx CPU\n", a / b, m, a / c, d / e }'
