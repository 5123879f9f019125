#!/usr/bin/env bash
# Install every Debian and npm package obridge needs. Idempotent: safe to rerun.
# Usage: scripts/install-deps.sh        (as root on Debian 12)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

debs=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libcurl4-openssl-dev libwebsockets-dev libwebsockets-evlib-uv libuv1-dev
  libyajl-dev libpq-dev libsecp256k1-dev libssl-dev nettle-dev
  postgresql-15 postgresql-client-15
  nodejs npm curl ca-certificates python3 procps openssl time bsdutils util-linux patch
)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node/npm may come from outside Debian (the image ships its own): only require the commands.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if ((${#missing[@]})); then
  echo "install-deps: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cd "$here"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "install-deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

# Local fixes to npm packages (scripts/patches/PKG+VERSION.patch, paths relative to the package).
# Idempotent: a patch that already reverses cleanly is in place and is skipped.
for p in scripts/patches/*.patch; do
  [[ -e $p ]] || continue
  base=$(basename "$p" .patch)
  pkg=${base%+*}
  [[ $pkg == @* ]] && pkg=${pkg/+//} # @scope+name+1.2.3, as patch-package names them
  dir=node_modules/$pkg
  want=${base##*+}
  have=$(node -p "require('./$dir/package.json').version" 2>/dev/null || echo none)
  if [[ $have != "$want" ]]; then
    echo "install-deps: $p is for $pkg $want, found $have: not applied" >&2
    exit 1
  fi
  if patch -d "$dir" -p1 -R -s -f --dry-run <"$p" >/dev/null 2>&1; then
    continue
  fi
  echo "install-deps: patching $pkg with $p" >&2
  patch -d "$dir" -p1 -N -s --no-backup-if-mismatch <"$p"
done
echo "install-deps: ok" >&2
