#!/usr/bin/env bash
# bench/tx-throughput: 2,000 pre-funded, pre-signed EIP-1559 transfers sent pipelined over one
# websocket and confirmed (a receipt for each), by obridge's chain client and by ethers 6, against
# the same fresh anvil in one run (each from its own account). Prints both figures and the ratios.
#   bench/tx-throughput.sh BUILD_DIR [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: tx-throughput.sh BUILD_DIR [N]}
n=${2:-2000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/obbench.XXXXXX")
trap 'bash "$root/scripts/peers.sh" down "$tmp/peers" chain >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
bash "$root/scripts/peers.sh" up "$tmp/peers" chain >/dev/null 2>&1
# shellcheck disable=SC1091
source "$tmp/peers/chain/env"
cd "$root/bench/baseline"
node presign.mjs 0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6 "$n" 31337 "$tmp/obridge.txt"
node presign.mjs 0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a "$n" 31337 "$tmp/ethers.txt"
out=$("$build/bench/tx_throughput" "$OBRIDGE_RPC_URL" "$tmp/obridge.txt") || { echo "tx-throughput: the obridge side failed" >&2; exit 1; }
read -r ob_ms ob_cpu <<<"$out"
# ethers now and then stalls on anvil (a receipt that never comes back to it): it gives up after 60 s
# and the run says so instead of printing a ratio.
if ! out=$(node send.mjs "$OBRIDGE_RPC_URL" "$tmp/ethers.txt"); then
  echo "tx-throughput: the ethers baseline did not finish; no ratio this run" >&2
  echo "  obridge $ob_ms ms, cpu $ob_cpu ms for $n transactions" >&2
  exit 1
fi
read -r et_ms et_cpu <<<"$out"
awk -v n="$n" -v om="$ob_ms" -v oc="$ob_cpu" -v em="$et_ms" -v ec="$et_cpu" 'BEGIN {
  otp = n / (om / 1000); etp = n / (em / 1000)
  printf "tx-throughput: %d pre-signed transfers, pipelined over one websocket, until every receipt is in\n", n
  printf "  obridge  %8.0f tx/s  %8.1f ms  cpu %7.1f ms (%.3f ms/tx)\n", otp, om, oc, oc / n
  printf "  ethers 6 %8.0f tx/s  %8.1f ms  cpu %7.1f ms (%.3f ms/tx)\n", etp, em, ec, ec / n
  printf "  throughput ratio obridge/ethers %.2fx (target >= 0.95x)\n", otp / etp
  printf "  cpu per tx ratio obridge/ethers %.3f (target <= 0.200)\n", (oc / n) / (ec / n)
}'
