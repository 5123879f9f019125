#!/usr/bin/env bash
# A `solc` for forge made of the pinned solcjs, so `forge test` runs offline (there is no native solc in
# Debian or npm). forge calls `solc --version` and `solc --standard-json [--allow-paths …] …` with the
# input on stdin. solcjs rejects --allow-paths, prints a ">>> Cannot retry compilation with SMT…" line
# before the JSON, and exits before a pipe drains (cutting output at 64 KiB), so its output goes through
# a temporary file. Its input does too: solcjs reads stdin with readFileSync, which fails with EAGAIN
# when forge's pipe is non-blocking and not yet full (seen once the sources pass 64 KiB).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
solcjs=${OB_SOLCJS:-$here/node_modules/.bin/solcjs}
if [[ ${1-} == --version ]]; then
  v=$("$solcjs" --version) # e.g. 0.8.28+commit.7893614a.Emscripten.clang
  printf 'solc, the solidity compiler commandline interface\nVersion: %s\n' "${v%%.Emscripten*}"
  exit 0
fi
args=()
while (($#)); do
  case $1 in
  --allow-paths) shift 2 ;;
  --allow-paths=*) shift ;;
  *) args+=("$1"); shift ;;
  esac
done
tmp=$(mktemp)
in=$(mktemp)
trap 'rm -f "$tmp" "$in"' EXIT
cat >"$in"
"$solcjs" "${args[@]}" <"$in" >"$tmp"
grep -v '^>>> Cannot retry compilation with SMT' "$tmp"
