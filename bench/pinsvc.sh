#!/usr/bin/env bash
# bench/pinsvc: the pinning service's GET /pins?limit=1000 and POST /pins with 100,000 pins in the
# table, beside the same statements issued straight to PostgreSQL with psql (\timing, the client's
# round trip) in the same run. Targets (issue 17): the API adds at most 2x the database time; p99 of
# POST /pins <= 20 ms.
#
#   bench/pinsvc.sh OBRIDGE [--pins N] [--gets N] [--posts N]
#
# Throwaway PostgreSQL and IPFS node; `obridge serve --workers 0` (the POSTs queue, nobody pins: the
# API's cost, not the node's); rate limit off. GET: one tenant holding every pin, all pinned, newest
# 1000 with the total count. POST: the statements of one request (token lookup; BEGIN, tenant row FOR
# UPDATE, the insert of the queue row and the request, COMMIT).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
OBRIDGE=${1:?usage: pinsvc.sh OBRIDGE [--pins N] [--gets N] [--posts N]}
shift
pins=100000 gets=100 posts=2000
while (($#)); do
  case $1 in
    --pins) pins=$2; shift 2 ;;
    --gets) gets=$2; shift 2 ;;
    --posts) posts=$2; shift 2 ;;
    *) echo "pinsvc: unknown option $1" >&2; exit 2 ;;
  esac
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-pinsvc.XXXXXX")
chmod 755 "$dir"
serve_pid=""
peers() { bash "$root/scripts/peers.sh" "$@" 2>>"$dir/peers.log"; }
cleanup() {
  [[ -n $serve_pid ]] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  peers down "$dir/p" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
export PATH="$root/node_modules/.bin:$PATH"

peers up "$dir/p" pg ipfs
# shellcheck disable=SC1091
source "$dir/p/env"
export OBRIDGE_DATABASE_URL OBRIDGE_IPFS_API OBRIDGE_LOG_LEVEL=warn
printf '{"http":{"listen":"127.0.0.1:0","rate_limit_per_s":0}}\n' >"$dir/obridge.json"
export OBRIDGE_CONFIG=$dir/obridge.json
"$OBRIDGE" db migrate >/dev/null
"$OBRIDGE" tenant add bench >/dev/null
token=$("$OBRIDGE" tenant token bench | tail -1)
psqlq() { psql -XAtq "$OBRIDGE_DATABASE_URL" "$@"; }
tid=$(psqlq -c "SELECT id FROM pinsvc_tenants WHERE name = 'bench'")
hash=$(printf '%s' "$token" | sha256sum | cut -c1-64)

echo "pinsvc: $pins pinned requests" >&2
psqlq <<SQL
WITH j AS (
  INSERT INTO pins (status, cid, name, origin_kind, origin, profile, size, created_at, pinned_at, tenant_id, meta)
  SELECT 'pinned', c, 'file-' || i, 'cid', c, 'unixfs-v1-2025', 1000 + i % 5000, t, t, $tid,
         jsonb_build_object('origins', '[]'::jsonb, 'dag_size', 1000 + i % 5000)
  FROM (SELECT i, 'bafkrei' || substr(md5(i::text) || md5((i + 7)::text), 1, 52) AS c,
               now() - (($pins - i) * interval '1 millisecond') AS t FROM generate_series(1, $pins) i) g
  RETURNING request_id, cid, name, created_at)
INSERT INTO pinsvc_requests (request_id, tenant_id, cid, name, origins, meta, status, created_at)
SELECT request_id, $tid, cid, name, '[]', '{"app":"bench"}', 'pinned', created_at FROM j;
VACUUM ANALYZE;
SQL
# CIDs for the POSTs (real ones: the API parses them)
python3 - "$dir/cids" "$posts" <<'PY'
import hashlib, sys
alpha = "abcdefghijklmnopqrstuvwxyz234567"
def b32(b):
    bits = int.from_bytes(b, "big"); n = len(b) * 8; out = []
    pad = (5 - n % 5) % 5; bits <<= pad; n += pad
    for i in range(n // 5): out.append(alpha[(bits >> (n - 5 * (i + 1))) & 31])
    return "".join(out)
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write("b" + b32(bytes([1, 0x55, 0x12, 0x20]) + hashlib.sha256(b"bench %d" % i).digest()) + "\n")
PY

"$OBRIDGE" serve --workers 0 --port-file "$dir/port" 2>"$dir/serve.log" &
serve_pid=$!
for _ in $(seq 300); do [[ -s $dir/port ]] && break; sleep 0.02; done
url=http://127.0.0.1:$(cat "$dir/port")

# psql: each statement's round trip (\timing), N times; prints p50 p90 p99 of the per-iteration sum.
psql_times() { # FILE_OF_ONE_ITERATION N STATEMENTS_PER_ITERATION
  local f=$1 n=$2 k=$3
  { echo '\timing on'; for _ in $(seq "$n"); do cat "$f"; done; } >"$dir/psql.sql"
  psql -XAtq "$OBRIDGE_DATABASE_URL" -o /dev/null -f "$dir/psql.sql" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' |
    python3 -c '
import sys
k = int(sys.argv[1]); t = [float(x) for x in sys.stdin]
it = sorted(sum(t[i:i + k]) for i in range(0, len(t) - len(t) % k, k))
q = lambda p: it[min(len(it) - 1, int(p * len(it)))]
print(f"{q(0.5):.2f} {q(0.9):.2f} {q(0.99):.2f} {len(it)}")' "$k"
}

# The GET: the token lookup, the page, the count (the text node/src/pinsvc.c sends, parameters inlined).
where="WHERE r.tenant_id = $tid AND r.status = ANY(string_to_array('pinned', ','))"
cat >"$dir/get.sql" <<SQL
SELECT id, tenant_id FROM pinsvc_tokens WHERE hash = '$hash' AND revoked_at IS NULL;
SELECT r.request_id::text, r.status, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), r.cid, r.name, r.origins::text, r.meta::text, coalesce(p.last_error, ''), coalesce(p.meta->>'dag_size', ''), coalesce(p.size::text, ''), coalesce(r.replaced_by::text, '') FROM (SELECT * FROM pinsvc_requests r $where ORDER BY r.created_at DESC, r.request_id DESC LIMIT 1000) r JOIN pins p USING (request_id) ORDER BY r.created_at DESC, r.request_id DESC;
SELECT count(*) FROM pinsvc_requests r $where;
SQL
cat >"$dir/post.sql" <<SQL
SELECT id, tenant_id FROM pinsvc_tokens WHERE hash = '$hash' AND revoked_at IS NULL;
BEGIN;
SELECT coalesce(quota_pins, -1), coalesce(quota_bytes, -1) FROM pinsvc_tenants WHERE id = $tid FOR UPDATE;
WITH j AS (INSERT INTO pins (origin_kind, origin, name, profile, meta, tenant_id) VALUES ('cid', 'bafkreibench', 'x', 'unixfs-v1-2025', jsonb_build_object('origins', '[]'::jsonb), $tid) RETURNING request_id), r AS (INSERT INTO pinsvc_requests (request_id, tenant_id, cid, name, origins, meta, replaces, created_at) SELECT request_id, $tid, 'bafkreibench', 'x', '[]'::jsonb, '{}'::jsonb, NULL, greatest(date_trunc('milliseconds', clock_timestamp()), (SELECT max(created_at) + interval '1 millisecond' FROM pinsvc_requests WHERE tenant_id = $tid)) FROM j RETURNING *) SELECT r.request_id::text FROM r;
COMMIT;
SQL

echo "pinsvc: GET /pins?limit=1000 x $gets (1 in flight) with $pins pins" >&2
read -r g50 g90 g99 _ < <(psql_times "$dir/get.sql" "$gets" 3)
get=$(node "$root/bench/pinsvc/load.mjs" "$url" "$token" get "$gets" 1)
echo "pinsvc: POST /pins x $posts (1 in flight, then 8)" >&2
read -r p50 p90 p99 _ < <(psql_times "$dir/post.sql" "$posts" 5)
post1=$(node "$root/bench/pinsvc/load.mjs" "$url" "$token" post "$posts" 1 "$dir/cids")
post8=$(node "$root/bench/pinsvc/load.mjs" "$url" "$token" post "$posts" 8 "$dir/cids")

python3 - "$get" "$post1" "$post8" "$g50" "$g90" "$g99" "$p50" "$p90" "$p99" "$pins" <<'PY'
import json, sys
get, post1, post8 = (json.loads(x) for x in sys.argv[1:4])
g50, g90, g99, p50, p90, p99 = (float(x) for x in sys.argv[4:10])
print(f"pinsvc bench, {sys.argv[10]} pins in the table (latency ms; psql = the same statements straight to PostgreSQL, same run)")
print(f"{'':28}{'p50':>9}{'p90':>9}{'p99':>9}{'req/s':>9}")
print(f"{'GET /pins?limit=1000  API':28}{get['p50']:9.2f}{get['p90']:9.2f}{get['p99']:9.2f}{get['rps']:9.1f}")
print(f"{'                      psql':28}{g50:9.2f}{g90:9.2f}{g99:9.2f}")
print(f"{'POST /pins (1 in flight) API':28}{post1['p50']:9.2f}{post1['p90']:9.2f}{post1['p99']:9.2f}{post1['rps']:9.1f}")
print(f"{'                      psql':28}{p50:9.2f}{p90:9.2f}{p99:9.2f}")
print(f"{'POST /pins (8 in flight) API':28}{post8['p50']:9.2f}{post8['p90']:9.2f}{post8['p99']:9.2f}{post8['rps']:9.1f}")
rg, rp = get['p50'] / g50, post1['p50'] / p50
print(f"API / psql at p50: GET {rg:.2f}x, POST {rp:.2f}x (target <= 2x); POST p99 {post1['p99']:.2f} ms (target <= 20 ms)")
PY
