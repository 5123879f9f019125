#!/usr/bin/env bash
# Check (or, with --update, refresh) contracts/vendor/chainlink-contracts against npm's
# @chainlink/contracts tarball. `npm install` of the package fails offline (a git dependency); `npm pack`
# of the tarball alone works.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=1.5.0
file=src/v0.8/shared/interfaces/AggregatorV3Interface.sol
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@chainlink/contracts@$version" >/dev/null)
tar -xzf "$tmp"/chainlink-contracts-$version.tgz -C "$tmp" "package/$file"
dst=$here/contracts/vendor/chainlink-contracts/$file
if [[ ${1-} == --update ]]; then
  cp "$tmp/package/$file" "$dst"
  echo "vendor-chainlink: $dst updated from @chainlink/contracts@$version"
elif cmp -s "$tmp/package/$file" "$dst"; then
  echo "vendor-chainlink: $file matches @chainlink/contracts@$version"
else
  echo "vendor-chainlink: $file differs from @chainlink/contracts@$version (rerun with --update)" >&2
  exit 1
fi
