#!/usr/bin/env bash
# bench/pin-add: `obridge pin add` of a file of random bytes against `curl -F file=@…` to the same
# node's /api/v0/add with the same options (the profile's), in one run.
#
#   bench/pin-add.sh OBRIDGE [--size BYTES] [--rounds N] [--profile P]
#
# Each measurement gets a fresh IPFS repo (a node that already holds the blocks, or a big repo,
# changes its speed; docs/PEERS.md), alternating curl and obridge. obridge's time is
# the whole `pin add`: queue row, upload with the local CID computed on the same bytes, pin/ls
# confirmation, queue update. Prints MB/s (10^6 B/s) of each, the ratio (target >= 0.9) and
# obridge's peak RSS (target <= 64 MiB, from wait4's ru_maxrss via /usr/bin/time).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
OBRIDGE=${1:?usage: pin-add.sh OBRIDGE [--size BYTES] [--rounds N] [--profile P]}
shift
size=$((1 << 30)) rounds=2 profile=unixfs-v1-2025
while (($#)); do
  case $1 in
    --size) size=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    *) echo "pin-add: unknown option $1" >&2; exit 2 ;;
  esac
done
case $profile in
  unixfs-v0-2015) opts="pin=true" ;;
  unixfs-v1-2025) opts="cid-version=1&raw-leaves=true&chunker=size-1048576&max-file-links=1024&pin=true&cid-base=base32" ;;
  *) echo "pin-add: unknown profile $profile" >&2; exit 2 ;;
esac

dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-pin.XXXXXX")
chmod 755 "$dir"
peers() { bash "$root/scripts/peers.sh" "$@" 2>>"$dir/peers.log"; }
cleanup() { peers down "$dir/p" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

echo "pin-add: writing $size random bytes" >&2
head -c "$size" /dev/urandom >"$dir/file"
sync # dirty pages flushed now would slow whichever run comes first
peers up "$dir/p" pg
# shellcheck disable=SC1091
source "$dir/p/env"
export OBRIDGE_DATABASE_URL OBRIDGE_LOG_LEVEL=warn
"$OBRIDGE" db migrate >/dev/null 2>&1

fresh_node() {
  peers down "$dir/p" ipfs >/dev/null 2>&1 || true
  peers up "$dir/p" ipfs
  # shellcheck disable=SC1091
  source "$dir/p/env"
  export OBRIDGE_IPFS_API
}
secs() { python3 -c "import sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1])) / 1e9:.3f}')" "$1" "$2"; }
mbs() { python3 -c "import sys; print(f'{int(sys.argv[1]) / float(sys.argv[2]) / 1e6:.1f}')" "$size" "$1"; }

best_curl=999999 best_ob=999999 rss_max=0 curl_cid="" ob_cid=""
run_curl() {
  fresh_node
  t0=$(date +%s%N)
  reply=$(curl -sS -X POST -F "file=@$dir/file;type=application/octet-stream" "$OBRIDGE_IPFS_API/api/v0/add?$opts")
  t1=$(date +%s%N)
  curl_cid=$(sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p' <<<"$reply" | tail -1)
  t=$(secs "$t0" "$t1")
  echo "round $r: curl    $t s  $(mbs "$t") MB/s  $curl_cid" >&2
  best_curl=$(python3 -c "print(min($best_curl, $t))")
}
run_obridge() {
  fresh_node
  t0=$(date +%s%N)
  ob_cid=$(/usr/bin/time -f '%M' -o "$dir/rss" "$OBRIDGE" pin add "$dir/file" --profile "$profile")
  t1=$(date +%s%N)
  t=$(secs "$t0" "$t1")
  rss=$(tail -1 "$dir/rss")
  echo "round $r: obridge $t s  $(mbs "$t") MB/s  $ob_cid  peak RSS $((rss / 1024)) MiB" >&2
  best_ob=$(python3 -c "print(min($best_ob, $t))")
  ((rss > rss_max)) && rss_max=$rss
  return 0
}
# Alternate which goes first, so neither always gets the quieter machine.
for r in $(seq "$rounds"); do
  if ((r % 2)); then run_curl; run_obridge; else run_obridge; run_curl; fi
done
peers down "$dir/p" ipfs >/dev/null 2>&1 || true

ratio=$(python3 -c "print(f'{$best_curl / $best_ob:.2f}')")
echo "pin-add: $size bytes, profile $profile, best of $rounds, fresh repo per run"
echo "  curl -F    $(mbs "$best_curl") MB/s"
echo "  obridge    $(mbs "$best_ob") MB/s"
echo "  ratio      $ratio (target >= 0.9)"
echo "  peak RSS   $((rss_max / 1024)) MiB (target <= 64 MiB)"
[[ $curl_cid == "$ob_cid" ]] && echo "  CIDs equal: $ob_cid" || echo "  CIDs differ: curl $curl_cid, obridge $ob_cid"
