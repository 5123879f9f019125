#!/usr/bin/env bash
# Build obridge and run the whole test suite (unit + peer) against throwaway local peers.
#   scripts/test.sh [BUILD_DIR] [extra cmake args…]
# Env: OB_TEST_LABEL=unit|peer|slow to run one label; OB_TEST_EXCLUDE=slow to leave a label out;
#      OB_SKIP_INSTALL=1 to skip scripts/install-deps.sh;
#      CTEST_PARALLEL_LEVEL (default 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
[[ ${OB_SKIP_INSTALL:-0} == 1 ]] || "$root/scripts/install-deps.sh"
t0=$(date +%s)
cmake -S "$root" -B "$build" -DOB_WERROR=ON "$@" >"$build.cmake.log" 2>&1 || { cat "$build.cmake.log"; exit 1; }
cmake --build "$build" -j"$(nproc)"
echo "test.sh: built in $(( $(date +%s) - t0 )) s" >&2
label=()
[[ -n ${OB_TEST_LABEL:-} ]] && label=(-L "$OB_TEST_LABEL")
[[ -n ${OB_TEST_EXCLUDE:-} ]] && label+=(-LE "$OB_TEST_EXCLUDE")
cd "$build"
# Peers left over from an interrupted run would hold the ports' directory: clear them first.
[[ -d peers ]] && bash "$root/scripts/peers.sh" down "$build/peers" >/dev/null 2>&1 || true
ctest --output-on-failure -j"${CTEST_PARALLEL_LEVEL:-2}" "${label[@]+"${label[@]}"}"
