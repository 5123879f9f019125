#!/usr/bin/env bash
# bench/model-fetch: `obridge model fetch` of a generated safetensors model from the local test
# server (tests/models/model_server.py, a Hugging Face style 302 URL) against `curl -o` of the same
# URL, in one run; with --publish also the whole fetch + check + pin + register on throwaway peers and
# `model verify` against `sha256sum` of the same bytes.
#
#   bench/model-fetch.sh OBRIDGE [--size BYTES] [--rounds N] [--publish]
#
# Prints seconds and MB/s (10^6 B/s) of each, the ratios (targets: download >= 0.9x curl, verify >= 0.8x
# sha256sum), obridge against `curl -o` + fsync (the durable limit), and obridge's peak RSS (target <= 64 MiB, /usr/bin/time's maximum resident set). The model
# is written streamed (1 MiB at a time) and deleted at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
OBRIDGE=${1:?usage: model-fetch.sh OBRIDGE [--size BYTES] [--rounds N] [--publish]}
shift
size=$((2048 << 20)) rounds=2 publish=0
while (($#)); do
  case $1 in
    --size) size=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --publish) publish=1; shift ;;
    *) echo "model-fetch: unknown option $1" >&2; exit 2 ;;
  esac
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-model.XXXXXX")
chmod 755 "$dir"
srv_pid=""
cleanup() {
  [[ -n $srv_pid ]] && kill "$srv_pid" 2>/dev/null
  [[ -n ${srv:-} && $srv != "$dir/srv" ]] && rm -rf "$srv"
  bash "$root/scripts/peers.sh" down "$dir/p" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
# The server's copy lives in RAM (/dev/shm) where there is room: the page cache of this kind of
# machine is reclaimed within seconds, and a source read back from disk in one round but not the next
# made every timing vary by 3x. The bench is about the client's side of the download.
srv=$dir/srv
if (($(df --output=avail -B1 /dev/shm 2>/dev/null | tail -1 || echo 0) > 2 * size + (256 << 20))); then
  srv=$(mktemp -d /dev/shm/bench-model-srv.XXXXXX)
fi
mkdir -p "$srv"
echo "model-fetch: writing a model of $size bytes" >&2
python3 "$root/tests/models/gen_model.py" "$srv/model.safetensors" "$size" >"$dir/sha"
size=$(stat -c %s "$srv/model.safetensors")
python3 "$root/tests/models/model_server.py" "$srv" "$dir/port" >/dev/null 2>&1 &
srv_pid=$!
for _ in $(seq 100); do [[ -s $dir/port ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$dir/port")/org/m/resolve/main/model.safetensors"
sync
secs() { python3 -c "import sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1])) / 1e9:.3f}')" "$1" "$2"; }
mbs() { python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]) / 1e6:.1f}')" "$size" "$1"; }
best_curl=999999 best_curl_sync=999999 best_ob=999999 rss_max=0 all_curl="" all_ob=""
run_curl() {
  rm -f "$dir/curl.out"
  local t0 t1 t
  sync # each timed command starts with no writeback of an earlier one pending
  t0=$(date +%s%N)
  curl -sSfL -o "$dir/curl.out" "$url"
  t1=$(date +%s%N)
  t=$(secs "$t0" "$t1")
  echo "round $r: curl -o  $t s  $(mbs "$t") MB/s" >&2
  best_curl=$(python3 -c "print(min($best_curl, $t))")
  all_curl+=" $t"
  rm -f "$dir/curl.out"
  sync
  # The same download made durable: obridge fsyncs the file before it calls it fetched (a crash
  # must not leave a "fetched" model whose bytes were still in the page cache); `sync FILE` fsyncs.
  t0=$(date +%s%N)
  curl -sSfL -o "$dir/curl.out" "$url"
  sync "$dir/curl.out"
  t1=$(date +%s%N)
  t=$(secs "$t0" "$t1")
  echo "round $r: curl -o + fsync  $t s  $(mbs "$t") MB/s" >&2
  best_curl_sync=$(python3 -c "print(min($best_curl_sync, $t))")
  rm -f "$dir/curl.out"
}
run_obridge() {
  rm -rf "$dir/st"
  local t0 t1 t rss
  sync
  t0=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$dir/rss" "$OBRIDGE" model fetch "$url" --name m --version 1 --staging "$dir/st" --fetch-only --json >"$dir/out.json"
  t1=$(date +%s%N)
  t=$(secs "$t0" "$t1")
  rss=$(tail -1 "$dir/rss")
  [[ $(jq -r '.files[0].sha256' "$dir/out.json") == "$(cat "$dir/sha")" ]] || { echo "model-fetch: wrong sha256" >&2; exit 1; }
  echo "round $r: obridge  $t s  $(mbs "$t") MB/s  (fetch + sha256 + safetensors check)  peak RSS $((rss / 1024)) MiB" >&2
  best_ob=$(python3 -c "print(min($best_ob, $t))")
  all_ob+=" $t"
  ((rss > rss_max)) && rss_max=$rss
  rm -rf "$dir/st"
  return 0
}
for r in $(seq "$rounds"); do
  if ((r % 2)); then run_curl; run_obridge; else run_obridge; run_curl; fi
done
ratio=$(python3 -c "print(f'{$best_curl / $best_ob:.2f}')")
ratio_sync=$(python3 -c "print(f'{$best_curl_sync / $best_ob:.2f}')")
echo "download: obridge $(mbs "$best_ob") MB/s, curl -o $(mbs "$best_curl") MB/s: ${ratio}x (target >= 0.9); peak RSS $((rss_max / 1024)) MiB (target <= 64)"
med() { python3 -c "import statistics, sys; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }
# shellcheck disable=SC2086 # the lists are words
med_curl=$(med $all_curl) med_ob=$(med $all_ob)
echo "download, medians of $rounds rounds: obridge $(mbs "$med_ob") MB/s, curl -o $(mbs "$med_curl") MB/s: $(python3 -c "print(f'{$med_curl / $med_ob:.2f}')")x (curl -o's time depends on how the page cache's writeback stands: see the rounds)"
echo "download made durable: curl -o + fsync $(mbs "$best_curl_sync") MB/s: obridge ${ratio_sync}x of it (the raw limit of a download that survives a crash)"

if ((publish)); then
  KEY0=ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
  ADDR0=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
  bash "$root/scripts/peers.sh" up "$dir/p" pg chain ipfs >/dev/null 2>>"$dir/peers.log"
  # shellcheck disable=SC1091
  source "$dir/p/env"
  export OBRIDGE_DATABASE_URL OBRIDGE_RPC_URL OBRIDGE_IPFS_API OBRIDGE_CONFIRMATIONS=1 OBRIDGE_LOG_LEVEL=warn
  echo "$KEY0" >"$dir/key0"
  "$OBRIDGE" db migrate >/dev/null
  OBRIDGE_REGISTRY=$("$OBRIDGE" registry deploy --signers "$ADDR0" --threshold 1 --key-file "$dir/key0" --timeout 60)
  export OBRIDGE_REGISTRY
  t0=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$dir/rss" "$OBRIDGE" model fetch "$url" --name m --version 1 --staging "$dir/st" \
    --key-file "$dir/key0" --timeout 3600 --json >"$dir/out.json"
  t1=$(date +%s%N)
  t=$(secs "$t0" "$t1")
  echo "fetch + check + pin + register: $t s, peak RSS $(($(tail -1 "$dir/rss") / 1024)) MiB (target <= 64), cid $(jq -r .cid "$dir/out.json")"
  rm -rf "$dir/st"
  sync
  t0=$(date +%s%N)
  sha256sum "$srv/model.safetensors" >/dev/null
  t1=$(date +%s%N)
  ts=$(secs "$t0" "$t1")
  t0=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$dir/rss" "$OBRIDGE" model verify m@1 --work "$dir" >/dev/null
  t1=$(date +%s%N)
  tv=$(secs "$t0" "$t1")
  t0=$(date +%s%N)
  curl -sf -X POST -o /dev/null "$OBRIDGE_IPFS_API/api/v0/cat?arg=$(jq -r .cid "$dir/out.json")"
  t1=$(date +%s%N)
  tc=$(secs "$t0" "$t1")
  echo "the IPFS node's cat alone (curl to /dev/null): $tc s ($(mbs "$tc") MB/s), the bound on any verify that reads from it"
  echo "verify: obridge model verify $tv s ($(mbs "$tv") MB/s, peak RSS $(($(tail -1 "$dir/rss") / 1024)) MiB), sha256sum $ts s ($(mbs "$ts") MB/s): $(python3 -c "print(f'{$ts / $tv:.2f}')")x (target >= 0.8)"
fi
