#!/usr/bin/env bash
# Install every Debian and npm package obridge needs. Idempotent: safe to rerun.
# Usage: scripts/install-deps.sh        (as root on Debian 12)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

debs=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libcurl4-openssl-dev libwebsockets-dev libwebsockets-evlib-uv libuv1-dev
  libyajl-dev libpq-dev libsecp256k1-dev libssl-dev nettle-dev zlib1g-dev
  postgresql-15 postgresql-client-15
  nodejs npm curl ca-certificates python3 procps openssl time bsdutils util-linux patch jq bc
  python3-prometheus-client  # tests parse /metrics with a real Prometheus text parser
  groff-base  # renders the generated man page in tests (scripts/gen-man.sh needs only bash and perl-base)
  chromium  # the dashboard's browser test (driven by playwright-core, headless, offline)
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
# The npm tools the build and tests run: solcjs compiles contracts/ at build time, forge runs its tests.
for b in anvil cast forge solcjs; do
  [[ -x node_modules/.bin/$b ]] || { echo "install-deps: node_modules/.bin/$b missing after npm ci" >&2; exit 1; }
done
# The reference safetensors implementation, for the checker's differential test
# (tests/models/test_safetensors.sh): Debian's python3-safetensors where the release has it, else
# the PyPI package in a venv under .cache/pyref. Not fatal: without it the test compares with the reference verdicts recorded in tests/models/st_ref_verdicts.tsv.
st_ref_version=0.8.0
if ! python3 -c 'import safetensors' 2>/dev/null && ! .cache/pyref/bin/python3 -c 'import safetensors' 2>/dev/null; then
  if apt-cache show python3-safetensors >/dev/null 2>&1; then
    echo "install-deps: apt-get install python3-safetensors" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-safetensors >/dev/null ||
      echo "install-deps: python3-safetensors did not install" >&2
  fi
  if ! python3 -c 'import safetensors' 2>/dev/null && ! /usr/bin/python3 -c 'import safetensors' 2>/dev/null; then
    echo "install-deps: pip install safetensors==$st_ref_version into .cache/pyref" >&2
    { [[ -x .cache/pyref/bin/pip ]] || python3 -m venv .cache/pyref; } &&
      .cache/pyref/bin/pip install -q --disable-pip-version-check --retries 1 --timeout 20 \
        "safetensors==$st_ref_version" >/dev/null 2>&1 ||
      echo "install-deps: the safetensors package could not be installed (no PyPI?): the differential test uses the recorded reference verdicts (tests/models/st_ref_verdicts.tsv)" >&2
  fi
fi
echo "install-deps: ok" >&2
