#!/usr/bin/env bash
# bench/dashboard.sh BUILD_DIR [PAGES] [SECONDS]: the daemon's memory while dashboard pages poll it.
# `obridge run` on its own peers (PostgreSQL, anvil, IPFS under a temp dir, stopped after) over a
# database holding 1,000 feeds with 20 rounds of values (tests/node/dashboard_1000.sql); PAGES
# (default 20) pages in headless chromium (bench/dashboard/pages.mjs) poll it for SECONDS (default 60).
# Prints the daemon's RSS before the pages, after they first rendered, every 10 s, at the end, and the
# growth from the first render to the end (the issue's bound: 4 MiB).
set -euo pipefail
build=$(cd "${1:?usage: bench/dashboard.sh BUILD_DIR [PAGES] [SECONDS]}" && pwd)
pages=${2:-20}
secs=${3:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
ob=$build/cli/obridge
tmp=$(mktemp -d "${TMPDIR:-/tmp}/obdash.XXXXXX")
chmod 755 "$tmp" # the postgres user must reach the peers under it
d_pid= b_pid=
cleanup() {
  [[ -n $b_pid ]] && kill "$b_pid" 2>/dev/null
  [[ -n $d_pid ]] && kill "$d_pid" 2>/dev/null && wait "$d_pid" 2>/dev/null
  bash "$src/scripts/peers.sh" down "$tmp/peers" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
bash "$src/scripts/peers.sh" up "$tmp/peers" >"$tmp/peers.log" 2>&1 || { echo "dashboard: the peers did not start:" >&2; tail -5 "$tmp/peers.log" >&2; exit 1; }
# shellcheck disable=SC1091
source "$tmp/peers/env"
export OBRIDGE_LOG_LEVEL=warn OBRIDGE_REGISTRY=0x00000000000000000000000000000000000000aa
"$ob" db migrate >/dev/null 2>&1
psql -XAtq "$OBRIDGE_DATABASE_URL" -v ON_ERROR_STOP=1 -f "$src/tests/node/dashboard_1000.sql" >/dev/null
printf '{"oracle":{"round_interval_s":60},"http":{"listen":"127.0.0.1:0"},"pins":{"workers":1}}\n' >"$tmp/obridge.json"
export OBRIDGE_CONFIG=$tmp/obridge.json
"$ob" run --port-file "$tmp/port" 2>"$tmp/d.log" &
d_pid=$!
for _ in $(seq 300); do [[ -s $tmp/port ]] && break; sleep 0.05; done
url=http://127.0.0.1:$(cat "$tmp/port")/
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$d_pid/status"; } # KiB
kib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
sleep 2
before=$(rss)
echo "dashboard bench: $pages pages polling obridge run (1,000 feeds) for $secs s; the daemon's RSS"
echo "  before the pages:      $(kib "$before")"
node "$src/bench/dashboard/pages.mjs" "$url" "$pages" "$secs" >"$tmp/pages.json" 2>"$tmp/pages.log" &
b_pid=$!
for _ in $(seq 600); do grep -q rendered "$tmp/pages.log" 2>/dev/null && break; sleep 0.1; done
grep -q rendered "$tmp/pages.log" || { echo "dashboard: the pages did not render: $(tail -3 "$tmp/pages.log")" >&2; exit 1; }
start=$(rss) peak=$start
echo "  pages rendered:        $(kib "$start")   ($(cat "$tmp/pages.log"))"
for ((t = 10; t <= secs; t += 10)); do
  sleep 10
  r=$(rss)
  ((r > peak)) && peak=$r
  printf '  %-22s %s\n' "after $t s:" "$(kib "$r")"
done
wait "$b_pid" || true
b_pid=
end=$(rss)
echo "  pages closed:          $(kib "$end")   $(cat "$tmp/pages.json")"
growth=$((peak - start))
echo "  growth while polling:  $(kib "$growth") (peak minus first render; bound 4 MiB: $( ((growth <= 4096)) && echo within || echo OVER))"
echo "  growth with the pages: $(kib $((peak - before))) (peak minus before the pages: the documents cached included)"
