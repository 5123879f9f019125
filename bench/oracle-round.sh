#!/usr/bin/env bash
# bench/oracle-round.sh BUILD_DIR [FEEDS] [BIG_FEEDS] [DAEMON_ROUNDS]      (default 1000 10000 100)
# The oracle round end to end on throwaway peers (scripts/peers.sh: PostgreSQL, anvil, IPFS) and the
# local source server (tests/oracle/source_server.py), every source's price moving between rounds so
# every feed is due:
#  1. one round of FEEDS feeds x 3 sources, `obridge feed run --once` from fetch through confirmed
#     commit, beside bench_curl_multi (bench/curl_multi.c) fetching the same 3 x FEEDS URLs with the
#     same connection limits, same run: the ratio, and where the round's time went (timingsMs);
#  2. one round of BIG_FEEDS x 3: its time and peak RSS;
#  3. `obridge run` (the daemon) with FEEDS feeds: its RSS after DAEMON_ROUNDS committed rounds.
# DAEMON_ROUNDS 0 skips 3. Nothing is left running.
set -euo pipefail
build=${1:?usage: bench/oracle-round.sh BUILD_DIR [FEEDS] [BIG_FEEDS] [DAEMON_ROUNDS]}
build=$(cd "$build" && pwd)
n=${2:-1000}
big=${3:-10000}
drounds=${4:-100}
src=$(cd "$(dirname "$0")/.." && pwd)
obridge=$build/cli/obridge
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oboround.XXXXXX")
chmod 755 "$tmp" # the postgres user reaches its data directory below
spid="" dpid="" mpid=""
cleanup() {
  for p in $dpid $mpid $spid; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash "$src/scripts/peers.sh" down "$tmp/peers" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
say() { printf '%s\n' "$*"; }

bash "$src/scripts/peers.sh" up "$tmp/peers" pg chain ipfs >/dev/null
# shellcheck disable=SC1091
source "$tmp/peers/env"
export OBRIDGE_DATABASE_URL OBRIDGE_RPC_URL OBRIDGE_RPC_HTTP_URL OBRIDGE_IPFS_API OBRIDGE_CONFIRMATIONS=1
python3 "$src/tests/oracle/source_server.py" --port 0 --port-file "$tmp/src.port" >"$tmp/src.log" 2>&1 &
spid=$!
for ((i = 0; i < 100; i++)); do [[ -s $tmp/src.port ]] && break; sleep 0.1; done
SRC="http://127.0.0.1:$(cat "$tmp/src.port")"
control() { curl -sf -X POST -H 'Content-Type: application/json' --data "$1" "$SRC/control" >/dev/null; }
price=100
move() { price=$((price + 2)); control "{\"default_price\": \"$price.5\"}"; } # +2 %: every feed due

# anvil's accounts: 0 sends, 1-3 sign (threshold 2)
echo ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 >"$tmp/key0"
echo 59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d >"$tmp/key1"
echo 5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a >"$tmp/key2"
"$obridge" db migrate >/dev/null
OBRIDGE_REGISTRY=$("$obridge" registry deploy --key-file "$tmp/key0" --threshold 2 --timeout 60 \
  --signers 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC,0x90F79bf6EB2c4f870365E785982E1f101E93b906)
export OBRIDGE_REGISTRY

# feeds FILE COUNT: F<i>/USD from the three APIs; the URLs too, one a line, in FILE.urls
feeds() {
  mkdir -p "$(dirname "$1")"
  jq -n --arg src "$SRC" --argjson n "$2" '{feeds: [range(0; $n) as $i | "F\($i)" as $s | {
    name: "\($s)/USD", decimals: 8, quorum: 2, deviation_bps: 50, heartbeat_s: 3600,
    sources: [
      {name: "binance", url: "\($src)/api/v3/ticker/price?symbol=\($s)USDT", path: "$.price", timeout_ms: 30000},
      {name: "coinbase", url: "\($src)/v2/prices/\($s)-USD/spot", path: "$.data.amount", timeout_ms: 30000},
      {name: "kraken", url: "\($src)/0/public/Ticker?pair=\($s)USD", path: "$.result[\"\($s)USD\"].c[0]", timeout_ms: 30000}]}]}' >"$1"
  jq -r '.feeds[].sources[].url' "$1" >"$1.urls"
}
feeds "$tmp/feeds/f.json" "$n"
feeds "$tmp/big/f.json" "$big"
move

bare() { "$build/bench/bench_curl_multi" "$1" 8 64 256; }
# round FEEDS_DIR: one `feed run --once`, its wall time and peak RSS (/usr/bin/time), the JSON kept
round() {
  move
  OBRIDGE_FEEDS_DIR=$1 /usr/bin/time -f '%e %M' -o "$tmp/time" "$obridge" feed run --once --json --timeout 600 \
    --key-file "$tmp/key0" --signer-key-files "$tmp/key1,$tmp/key2" >"$tmp/round.json"
  [[ $(jq -r .outcome "$tmp/round.json") == committed ]] || { say "round not committed: $(head -c 300 "$tmp/round.json")"; exit 1; }
  read -r wall rss <"$tmp/time"
  timings=$(jq -r '(.timingsMs // {}) | to_entries | map("\(.key) \(.value)") | join(", ")' "$tmp/round.json")
  nfeeds=$(jq '[.feeds[] | select(.committed)] | length' "$tmp/round.json")
}

say "oracle round: $n feeds x 3 sources from the local source server ($(nproc) cores, peers on this machine)"
read -r b1 ok bad bytes < <(bare "$tmp/feeds/f.json.urls")
[[ $bad == 0 ]] || say "  (bare fetch: $bad of $((ok + bad)) failed)"
round "$tmp/feeds" # the first round: every feed new
r1=$wall t1=$timings
read -r b2 _ < <(bare "$tmp/feeds/f.json.urls")
round "$tmp/feeds" # a move: every feed due by deviation
r2=$wall t2=$timings rss2=$rss
read -r b3 _ < <(bare "$tmp/feeds/f.json.urls")
bmin=$(printf '%s\n' "$b1" "$b2" "$b3" | sort -n | head -1)
printf '  bare curl multi (%d URLs, 8/host, 64 total)   %8.0f %8.0f %8.0f ms\n' "$((3 * n))" "$b1" "$b2" "$b3"
printf '  obridge feed run --once, first round          %8.0f ms  (%s)\n' "$(awk -v w="$r1" 'BEGIN{print w*1000}')" "$t1"
printf '  obridge feed run --once, %d feeds moved     %8.0f ms  (%s), peak RSS %d MiB\n' "$nfeeds" \
  "$(awk -v w="$r2" 'BEGIN{print w*1000}')" "$t2" "$((rss2 / 1024))"
awk -v a="$r1" -v b="$r2" -v c="$bmin" 'BEGIN { printf "  ratio round / bare fetch: %.2fx (first round), %.2fx (moved)   target <= 1.5x\n", a * 1000 / c, b * 1000 / c }'

if ((big > 0)); then
  round "$tmp/big" # first round of the big set
  printf '  %d feeds x 3: one round %.1f s, peak RSS %d MiB (%s)\n' "$big" "$wall" "$((rss / 1024))" "$timings"
  read -r bb _ < <(bare "$tmp/big/f.json.urls")
  printf '  %d feeds x 3: bare curl multi %.1f s\n' "$big" "$(awk -v b="$bb" 'BEGIN{print b/1000}')"
fi

if ((drounds > 0)); then
  for i in 0 1 2; do
    printf 'pw-%d' "$i" >"$tmp/pw$i"
    "$obridge" key import --key-file "$tmp/key$i" --dir "$tmp/ks" --name "k$i.json" --password-file "$tmp/pw$i" --scrypt-n 1024 >/dev/null
  done
  jq -n --arg t "$tmp" '{chain: {keystore: "\($t)/ks/k0.json", password_file: "\($t)/pw0"},
    commit: {signer_keystores: ["\($t)/ks/k1.json", "\($t)/ks/k2.json"], signer_password_files: ["\($t)/pw1", "\($t)/pw2"]},
    oracle: {round_interval_s: 1, leader_lease_s: 5, feeds_dir: "\($t)/feeds"},
    http: {listen: "127.0.0.1:0"}, pins: {workers: 1}}' >"$tmp/obridge.json"
  export OBRIDGE_CONFIG=$tmp/obridge.json
  # a registry of its own: the proof API of the daemon serves this registry's feeds (the 10,000 of the
  # round above would be 10,000 more feed entries held)
  OBRIDGE_REGISTRY=$("$obridge" registry deploy --key-file "$tmp/key0" --threshold 2 --timeout 60 \
    --signers 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC,0x90F79bf6EB2c4f870365E785982E1f101E93b906)
  base=$(psql -XAtq "$OBRIDGE_DATABASE_URL" -c "SELECT count(*) FROM rounds WHERE step = 'confirmed'")
  "$obridge" run --port-file "$tmp/d.port" 2>"$tmp/d.log" &
  dpid=$!
  ( while sleep 1; do move; done ) &
  mpid=$!
  t0=$SECONDS
  trail="" next=10
  while :; do
    done_n=$(psql -XAtq "$OBRIDGE_DATABASE_URL" -c "SELECT count(*) FROM rounds WHERE step = 'confirmed'")
    if ((done_n - base >= next)); then # the RSS every 10 rounds: a steady state, or a growth
      trail+=" $next:$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$dpid/status")"
      next=$((next + 10))
    fi
    ((done_n - base >= drounds)) && break
    kill -0 "$dpid" 2>/dev/null || { say "the daemon died: $(grep -v 'level=info' "$tmp/d.log" | tail -60)"; exit 1; }
    ((SECONDS - t0 < 3600)) || { say "the daemon committed $((done_n - base)) rounds in an hour"; exit 1; }
    sleep 1
  done
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$dpid/status") hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$dpid/status")
  printf '  obridge run, %d feeds: RSS %.1f MiB after %d committed rounds (peak %.1f MiB; %d s; pin workers and peers not counted)   target <= 32 MiB\n' \
    "$n" "$(awk -v r="$rss" 'BEGIN{print r/1024}')" "$drounds" "$(awk -v r="$hwm" 'BEGIN{print r/1024}')" "$((SECONDS - t0))"
  say "  RSS (MiB) after N rounds:$trail"
  grep -o 'ms: fetch.*' "$tmp/d.log" | tail -1 | sed 's/^/  last daemon round /'
  kill -TERM "$dpid"
  wait "$dpid" || say "the daemon exited $? after SIGTERM"
  dpid=""
  kill "$mpid" 2>/dev/null || true
  wait "$mpid" 2>/dev/null || true
  mpid=""
  # the daemon's rounds (its own measure: from the round's start, lock and transaction manager
  # included, to the confirmed commit) beside the bare fetch measured now, same server
  med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
  dround=$(grep -o 'ended: committed ([0-9.]*' "$tmp/d.log" | grep -o '[0-9.]*$' | awk '{ print $1 * 1000 }' | med)
  dfetch=$(grep -o 'ms: fetch [0-9]*' "$tmp/d.log" | awk '{ print $3 }' | med)
  dfetch=${dfetch:-0} # (0: a build that does not log its steps)
  bd=$(for i in 1 2 3; do bare "$tmp/feeds/f.json.urls" | cut -d' ' -f1; done | med)
  printf '  obridge run, %d feeds: a committed round %.0f ms (median of %d; its fetch %.0f ms, connections kept), bare curl multi %.0f ms: %.2fx   target <= 1.5x\n' \
    "$n" "$dround" "$(grep -c 'ended: committed' "$tmp/d.log")" "$dfetch" "$bd" "$(awk -v a="$dround" -v b="$bd" 'BEGIN { print a / b }')"
fi
