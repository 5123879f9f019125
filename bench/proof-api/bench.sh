#!/usr/bin/env bash
# bench/proof-api/bench.sh BUILD_DIR [FEEDS] [CLIENTS] [SECONDS]: the proof API of `obridge run` on its own
# peers (PostgreSQL, anvil, IPFS started under a temp dir and stopped after), with a round of FEEDS feeds
# (default 1,000) committed by `obridge commit`:
#   1. GET /v1/feeds/{name}/latest: requests/s, p50 and p99 with CLIENTS keep-alive clients (default 50)
#      for SECONDS (default 10), beside the same JSON served as a static file by `python3 -m http.server`
#      (HTTP/1.0, a connection per request: its way) and measured by the same client in the same run;
#   2. SSE fan-out: 1,000 subscribers of one feed, a new round committed; ms from the first subscriber
#      getting the round to the last, and from the commit's end to the last;
#   3. gas of the adapter's update() per feed (consumer push's receipt), beside one Chainlink-style
#      transmission per feed (bench/proof-api/ChainlinkStyle.sol: a report signed by one oracle, as the
#      registry here has one signer) and the registry's commit gas spread over the round's feeds.
set -euo pipefail
build=$(cd "${1:?usage: bench/proof-api/bench.sh BUILD_DIR [FEEDS] [CLIENTS] [SECONDS]}" && pwd)
feeds=${2:-1000}
clients=${3:-50}
secs=${4:-10}
src=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$src/node_modules/.bin:$PATH"
ob=$build/cli/obridge
tmp=$(mktemp -d "${TMPDIR:-/tmp}/obproofapi.XXXXXX")
chmod 755 "$tmp" # the postgres user must reach the peers under it
d_pid= py_pid=
cleanup() {
  [[ -n $d_pid ]] && kill "$d_pid" 2>/dev/null && wait "$d_pid" 2>/dev/null
  [[ -n $py_pid ]] && kill "$py_pid" 2>/dev/null
  bash "$src/scripts/peers.sh" down "$tmp/peers" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
KEY0=ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
KEY1=59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
ADDR1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
bash "$src/scripts/peers.sh" up "$tmp/peers" >"$tmp/peers.log" 2>&1 || { echo "proof-api: the peers did not start:" >&2; tail -5 "$tmp/peers.log" >&2; exit 1; }
# shellcheck disable=SC1091
source "$tmp/peers/env"
export OBRIDGE_CONFIRMATIONS=1 OBRIDGE_LOG_LEVEL=warn
echo "$KEY0" >"$tmp/key0"
echo "$KEY1" >"$tmp/key1"
"$ob" db migrate >/dev/null 2>&1
OBRIDGE_REGISTRY=$("$ob" registry deploy --signers "$ADDR1" --threshold 1 --key-file "$tmp/key0" --timeout 60)
export OBRIDGE_REGISTRY
printf '{"oracle":{"round_interval_s":60},"http":{"listen":"127.0.0.1:0"},"pins":{"workers":1}}\n' >"$tmp/obridge.json"
export OBRIDGE_CONFIG=$tmp/obridge.json

values() { # values ROUND
  local now i; now=$(date +%s)
  {
    printf '{"feeds":['
    for ((i = 0; i < feeds; i++)); do
      ((i)) && printf ','
      printf '{"name":"F%04d/USD","decimals":8,"value":"%d.%02d","observedAt":%d}' "$i" "$((i + 100))" "$1" "$((now - 1))"
    done
    printf ']}\n'
  } >"$tmp/values-$1.json"
  echo "$tmp/values-$1.json"
}
commit() { "$ob" commit --values "$(values "$1")" --key-file "$tmp/key0" --signer-key-files "$tmp/key1" --timeout 120 >/dev/null; }
commit 1
"$ob" run --port-file "$tmp/port" 2>"$tmp/d.log" &
d_pid=$!
for _ in $(seq 300); do [[ -s $tmp/port ]] && break; sleep 0.05; done
api=http://127.0.0.1:$(cat "$tmp/port")
feed=$(printf 'F%04d%%2FUSD' $((feeds / 2)))
for _ in $(seq 300); do curl -sf "$api/v1/feeds/$feed/latest" >"$tmp/latest.json" && break; sleep 0.1; done
[[ -s $tmp/latest.json ]] || { echo "proof-api: the daemon serves nothing: $(tail -3 "$tmp/d.log")" >&2; exit 1; }
mkdir -p "$tmp/static"
cp "$tmp/latest.json" "$tmp/static/latest.json"
python3 -m http.server 0 --bind 127.0.0.1 --directory "$tmp/static" >"$tmp/py.log" 2>&1 &
py_pid=$!
for _ in $(seq 100); do grep -qo 'port [0-9]*' "$tmp/py.log" && break; sleep 0.05; done
py_port=$(grep -o 'port [0-9]*' "$tmp/py.log" | head -1 | cut -d' ' -f2)

echo "proof API bench: $feeds feeds, latest of one feed ($(wc -c <"$tmp/latest.json") bytes of JSON), keep-alive clients x $secs s, same client (bench/proof-api/load.mjs)"
row() { jq -r --arg n "$1" '"  \($n)  \(.rps) req/s   p50 \(.p50_ms * 100 | round / 100) ms   p99 \(.p99_ms * 100 | round / 100) ms   errors \(.errors)"' <<<"$2"; }
# Few clients (python's http.server keeps up: its listen backlog is 5), then $clients (it drops some).
for c in 4 "$clients"; do
  ours=$(node "$src/bench/proof-api/load.mjs" poll "$api/v1/feeds/$feed/latest" "$c" "$secs")
  theirs=$(node "$src/bench/proof-api/load.mjs" poll "http://127.0.0.1:$py_port/latest.json" "$c" "$secs")
  row "$(printf '%3d clients: obridge run /v1/feeds/{name}/latest' "$c")" "$ours"
  row "$(printf '%3d clients: python3 -m http.server (static file)' "$c")" "$theirs"
  awk -v a="$(jq .rps <<<"$ours")" -v b="$(jq .rps <<<"$theirs")" -v c="$c" 'BEGIN { printf "  %3d clients: ratio (obridge / static) %.2fx throughput (goal >= 0.5x)\n", c, a / b }'
done

# SSE fan-out of round 2 to 1,000 subscribers
node "$src/bench/proof-api/load.mjs" sse "$api/v1/stream?feeds=$(printf 'F%04d/USD' $((feeds / 2)))" 1000 2 120 >"$tmp/sse.json" 2>"$tmp/sse.err" &
sp=$!
for _ in $(seq 600); do grep -qs ready "$tmp/sse.err" && break; sleep 0.1; done
commit 2
t_commit=$(date +%s%3N)
wait "$sp"
jq -r --arg t "$t_commit" '"SSE fan-out of round 2 to \(.connected) subscribers: \(.rounds["2"]) received it, first to last \(.fanout_ms["2"]) ms, commit end to last \(.last_at["2"] - ($t | tonumber)) ms (the API polls the database every 1 s); errors \(.errors)"' "$tmp/sse.json"

# gas: update() per feed vs a Chainlink-style transmission per feed
adapter=$("$ob" registry deploy-adapter "$(printf 'F%04d/USD' $((feeds / 2)))" --decimals 8 --key-file "$tmp/key0" --timeout 60)
g_first=$("$ob" consumer push "$(printf 'F%04d/USD' $((feeds / 2)))" --adapter "$adapter" --api "$api" --key-file "$tmp/key0" --timeout 60 --json | jq .gasUsed)
commit 3
for _ in $(seq 100); do [[ $(curl -s "$api/v1/feeds/$feed/latest" | jq .round) == 3 ]] && break; sleep 0.1; done
g_next=$("$ob" consumer push "$(printf 'F%04d/USD' $((feeds / 2)))" --adapter "$adapter" --api "$api" --key-file "$tmp/key0" --timeout 60 --json | jq .gasUsed)
commit_gas=$(psql -XAtq "$OBRIDGE_DATABASE_URL" -c "SELECT gas_used FROM rounds WHERE round = 3")
solcjs --bin --optimize --optimize-runs 200 -o "$tmp/cls" "$src/bench/proof-api/ChainlinkStyle.sol" >/dev/null 2>&1
bin=$(cat "$tmp"/cls/*ChainlinkStyle.bin)
rpc=$OBRIDGE_RPC_HTTP_URL
cls=$(cast send --rpc-url "$rpc" --private-key "$KEY0" --json --create "0x$bin$(cast abi-encode 'c(address[],uint8)' "[$ADDR1]" 1 | cut -c3-)" | jq -r .contractAddress)
transmit() { # transmit ROUND ANSWER: gasUsed
  local digest sig r s v ts
  ts=$(date +%s)
  digest=$(cast keccak "$(cast abi-encode 'f(address,uint32,int192,uint32)' "$cls" "$1" "$2" "$ts")")
  sig=$(cast wallet sign --no-hash --private-key "$KEY1" "$digest")
  r=0x${sig:2:64} s=0x${sig:66:64} v=$((16#${sig:130:2}))
  cast send --rpc-url "$rpc" --private-key "$KEY0" --json "$cls" 'transmit(uint32,int192,uint32,bytes32[],bytes32[],uint8[])' \
    "$1" "$2" "$ts" "[$r]" "[$s]" "[$v]" | jq -r .gasUsed | xargs printf '%d'
}
c_first=$(transmit 1 10012)
c_next=$(transmit 2 10013)
echo "gas per feed and round (receipt gasUsed, anvil):"
printf '  obridge adapter update()            %7d (first update %d)\n' "$g_next" "$g_first"
printf '  + registry commit / %d feeds        %7d (commit %d, once per round for every feed)\n' "$feeds" $((commit_gas / feeds)) "$commit_gas"
printf '  Chainlink-style transmit (1 sig)    %7d (first %d)\n' "$c_next" "$c_first"
awk -v a="$g_next" -v b="$((commit_gas / feeds))" -v c="$c_next" 'BEGIN { printf "  ratio (obridge update + share of commit) / Chainlink-style: %.2f; a feed nobody pushes costs only its share (%d)\n", (a + b) / c, b }'
