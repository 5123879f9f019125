#!/usr/bin/env bash
# bench/merkle.sh BUILD_DIR [LEAVES]: a round's tree (leaf hashes, StandardMerkleTree, every proof)
# in C (bench_merkle) and with @openzeppelin/merkle-tree 1.0.8 in Node (bench/baseline/merkle.mjs),
# same leaves, same run. Prints both (wall and CPU ms per tree), the ratios, and checks the roots
# are equal. CPU time is the fairer figure on a shared machine.
set -euo pipefail
build=${1:?usage: bench/merkle.sh BUILD_DIR [LEAVES]}
n=${2:-10000}
src=$(cd "$(dirname "$0")/.." && pwd)
read -r c_root c_ms c_cpu < <("$build/bench/bench_merkle" "$n" 10)
read -r js_root js_ms js_cpu < <(node "$src/bench/baseline/merkle.mjs" "$n" 3)
[[ $c_root == "$js_root" ]] || { echo "roots differ: obridge $c_root, OpenZeppelin $js_root" >&2; exit 1; }
echo "merkle tree of $n leaves + every proof (root $c_root)"
printf '  obridge (C)             %10.2f ms wall %10.2f ms CPU per tree\n' "$c_ms" "$c_cpu"
printf '  @openzeppelin/merkle-tree %8.2f ms wall %10.2f ms CPU per tree\n' "$js_ms" "$js_cpu"
awk -v a="$js_ms" -v b="$c_ms" -v c="$js_cpu" -v d="$c_cpu" \
  'BEGIN { printf "  ratio (OpenZeppelin / obridge): %.0fx wall, %.0fx CPU\n", a / b, c / (d > 0 ? d : 0.01) }'
