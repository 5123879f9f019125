#!/usr/bin/env bash
# bench/pinsvc: the pinning service's GET /pins?limit=1000 and POST /pins with 100,000 pins in the
# table, beside the same statements issued straight to PostgreSQL with psql (\timing, the client's
# round trip) in the same run. Targets (issue 17): the API adds at most 2x the database time; p99 of
# POST /pins <= 20 ms.
#
#   bench/pinsvc.sh OBRIDGE [--pins N] [--gets N] [--posts N] [--rounds N]
#
# Throwaway PostgreSQL and IPFS node; `obridge serve --workers 0` (the POSTs queue, nobody pins: the
# API's cost, not the node's); rate limit off. One tenant with quotas (as docs/PINNING-SERVICE.md
# adds them, so every POST checks both) holding every pin, all pinned.
#   GET: the newest 1000 with the total count: the token lookup, the page, the count.
#   POST: the token lookup, then the one statement that checks the quotas and inserts (their texts
#   are read from node/src/pinsvc.c, token_sql and add_sql, so psql runs exactly what the server
#   sends; prepared on both sides, as the server does).
# Both sides are C clients on one kept-alive connection: psql (libpq) and curl (libcurl, each
# transfer's time_total); they alternate in --rounds slices so a machine shared with other work
# loads both alike. The Node driver (bench/pinsvc/load.mjs, fetch) gives the rows with 8 requests in
# flight, and its 1-in-flight row shows what a JavaScript client adds on its side.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
OBRIDGE=${1:?usage: pinsvc.sh OBRIDGE [--pins N] [--gets N] [--posts N] [--rounds N]}
shift
pins=100000 gets=100 posts=2000 rounds=4
while (($#)); do
  case $1 in
    --pins) pins=$2; shift 2 ;;
    --gets) gets=$2; shift 2 ;;
    --posts) posts=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
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
"$OBRIDGE" tenant add bench --quota-pins 10000000 --quota-bytes 1000000000000000 >/dev/null
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
  RETURNING request_id, cid, name, created_at, size)
INSERT INTO pinsvc_requests (request_id, tenant_id, cid, name, origins, meta, status, bytes, created_at)
SELECT request_id, $tid, cid, name, '[]', '{"app":"bench"}', 'pinned', size, created_at FROM j;
VACUUM ANALYZE;
SQL

"$OBRIDGE" serve --workers 0 --port-file "$dir/port" 2>"$dir/serve.log" &
serve_pid=$!
for _ in $(seq 300); do [[ -s $dir/port ]] && break; sleep 0.02; done
url=http://127.0.0.1:$(cat "$dir/port")

# Every input file of the run: CIDs (real ones: the API parses them), the psql scripts (the
# statements the server prepares are prepared, the others have their parameters inlined: parsed and
# planned at each run, as the server's unnamed statements are) and the curl configurations, in
# --rounds slices.
python3 - "$dir" "$root/node/src/pinsvc.c" "$url" "$token" "$hash" "$tid" "$gets" "$posts" "$rounds" <<'PY'
import hashlib, re, sys
d, src, url, token, hash_, tid = sys.argv[1:7]
gets, posts, rounds = (int(x) for x in sys.argv[7:10])
alpha = "abcdefghijklmnopqrstuvwxyz234567"
def b32(b):
    bits = int.from_bytes(b, "big"); n = len(b) * 8; out = []
    pad = (5 - n % 5) % 5; bits <<= pad; n += pad
    for i in range(n // 5): out.append(alpha[(bits >> (n - 5 * (i + 1))) & 31])
    return "".join(out)
cid = lambda i: "b" + b32(bytes([1, 0x55, 0x12, 0x20]) + hashlib.sha256(b"bench %d" % i).digest())
with open(f"{d}/cids", "w") as f:  # the Node driver's
    for i in range(posts): f.write(cid(i) + "\n")
# add_sql as the server sends it: the C string literals of its definition, joined.
m = re.search(r'static const char add_sql\[\] =(.*?);\n', open(src).read(), re.S)
body = re.sub(r'/\*.*?\*/', '', m.group(1), flags=re.S)
sql = "".join(bytes(s, "ascii").decode("unicode_escape") for s in re.findall(r'"((?:[^"\\]|\\.)*)"', body))
lit = lambda v: "NULL" if v is None else "'" + v.replace("'", "''") + "'"
tok_text = re.search(r'static const char token_sql\[\] = "(.*?)";', open(src).read()).group(1)
# The server prepares both (DB_PREPARE): so does psql, once per script, then EXECUTEs them.
prepare = (f"PREPARE tok AS {tok_text};\n"
           f"PREPARE add AS {sql};\n")
token_sql = f"EXECUTE tok({lit(hash_)});\n"
def post_sql(c, name):
    return "EXECUTE add(%s);\n" % ", ".join(lit(v) for v in [c, name, "unixfs-v1-2025", "[]", tid, "{}", None])
where = f"WHERE r.tenant_id = {tid} AND r.status = ANY(string_to_array('pinned', ','))"
get_sql = token_sql + (  # the page and the count: unnamed, inlined parameters, as the server sends them

    "SELECT r.request_id::text, r.status, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), r.cid, r.name, "
    "r.origins::text, r.meta::text, coalesce(p.last_error, ''), coalesce(p.meta->>'dag_size', ''), coalesce(p.size::text, ''), "
    f"coalesce(r.replaced_by::text, '') FROM (SELECT * FROM pinsvc_requests r {where} ORDER BY r.created_at DESC, r.request_id DESC "
    "LIMIT 1000) r JOIN pins p USING (request_id) ORDER BY r.created_at DESC, r.request_id DESC;\n"
    f"SELECT count(*) FROM pinsvc_requests r {where};\n")
def curl_cfg(f, method, path, body, auth=True):
    f.write(f'url = "{url}{path}"\nrequest = "{method}"\noutput = "/dev/null"\nwrite-out = "%{{time_total}}\\n"\n')
    if auth: f.write(f'header = "Authorization: Bearer {token}"\n')
    if body: f.write(f'header = "Content-Type: application/json"\ndata = "{body}"\n')
for r in range(rounds):
    ng, np_ = gets // rounds, posts // rounds
    with open(f"{d}/get.{r}.sql", "w") as f:
        f.write(prepare + "\\timing on\n" + get_sql * ng)
    with open(f"{d}/post.{r}.sql", "w") as f:
        f.write(prepare + "\\timing on\n")
        for i in range(np_): f.write(token_sql + post_sql(cid(10**6 + r * np_ + i), f"psql-{r}-{i}"))
    for kind, n in (("get", ng), ("post", np_)):
        with open(f"{d}/{kind}.{r}.curl", "w") as f:
            for i in range(n):
                if i: f.write("next\n")
                if kind == "get": curl_cfg(f, "GET", "/pins?limit=1000", None)
                else: curl_cfg(f, "POST", "/pins", '{\\"cid\\":\\"%s\\",\\"name\\":\\"curl-%d-%d\\"}' % (cid(2 * 10**6 + r * np_ + i), r, i))
with open(f"{d}/floor.curl", "w") as f:  # no token: the HTTP path alone, no database
    for i in range(posts // rounds):
        if i: f.write("next\n")
        curl_cfg(f, "POST", "/pins", '{\\"cid\\":\\"%s\\"}' % cid(0), auth=False)
PY

# psql: each statement's round trip (\timing); one sample = the sum over one request's K statements.
psql_run() { # SCRIPT K >> samples
  psql -XAtq "$OBRIDGE_DATABASE_URL" -o /dev/null -f "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' |
    python3 -c 'import sys
k = int(sys.argv[1]); t = [float(x) for x in sys.stdin]
for i in range(0, len(t) - len(t) % k, k): print(f"{sum(t[i:i + k]):.3f}")' "$2"
}
curl_run() { curl -sS -K "$1" | python3 -c 'import sys
for x in sys.stdin: print(f"{float(x) * 1000:.3f}")'; }
stats() { python3 -c 'import json, sys
t = sorted(float(x) for x in open(sys.argv[1]))
q = lambda p: t[min(len(t) - 1, int(p * len(t)))]
print(json.dumps({"n": len(t), "p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "rps": len(t) / sum(t) * 1000}))' "$1"; }

echo "pinsvc: GET /pins?limit=1000 x $gets, POST /pins x $posts, psql and curl alternating in $rounds slices" >&2
: >"$dir/get.psql" >"$dir/get.api" >"$dir/post.psql" >"$dir/post.api"
for ((r = 0; r < rounds; r++)); do
  psql_run "$dir/get.$r.sql" 3 >>"$dir/get.psql"
  curl_run "$dir/get.$r.curl" >>"$dir/get.api"
  psql_run "$dir/post.$r.sql" 2 >>"$dir/post.psql"
  curl_run "$dir/post.$r.curl" >>"$dir/post.api"
done
curl_run "$dir/floor.curl" >"$dir/floor"
echo "pinsvc: the Node driver: GET x $gets, POST x $posts (1 in flight, then 8)" >&2
getn=$(node "$root/bench/pinsvc/load.mjs" "$url" "$token" get "$gets" 1)
post1=$(node "$root/bench/pinsvc/load.mjs" "$url" "$token" post "$posts" 1 "$dir/cids")
post8=$(node "$root/bench/pinsvc/load.mjs" "$url" "$token" post "$posts" 8 "$dir/cids")
grep -q 'level=error' "$dir/serve.log" && { echo "pinsvc: the server logged errors:" >&2; grep 'level=error' "$dir/serve.log" >&2; exit 1; }

python3 - "$(stats "$dir/get.api")" "$(stats "$dir/get.psql")" "$(stats "$dir/post.api")" "$(stats "$dir/post.psql")" \
  "$(stats "$dir/floor")" "$getn" "$post1" "$post8" "$pins" <<'PY'
import json, sys
ga, gp, pa, pp, fl, gn, p1, p8 = (json.loads(x) for x in sys.argv[1:9])
print(f"pinsvc bench, {sys.argv[9]} pins in the table (latency ms; psql = the same statements straight to PostgreSQL, same run)")
print(f"{'':44}{'p50':>8}{'p90':>8}{'p99':>8}{'req/s':>8}")
row = lambda name, r, rps=True: print(f"{name:44}{r['p50']:8.2f}{r['p90']:8.2f}{r['p99']:8.2f}" + (f"{r['rps']:8.1f}" if rps else ""))
row("GET /pins?limit=1000  API, curl", ga)
row("                      psql (3 statements)", gp, False)
row("                      API, Node fetch", gn)
row("POST /pins            API, curl", pa)
row("                      psql (2 statements)", pp, False)
row("                      API, Node fetch", p1)
row("                      API, Node, 8 in flight", p8)
row("HTTP alone (401, no database), curl", fl)
print(f"API / psql at p50 (curl beside psql): GET {ga['p50'] / gp['p50']:.2f}x, POST {pa['p50'] / pp['p50']:.2f}x (target <= 2x);"
      f" POST p99 {pa['p99']:.2f} ms, Node client {p1['p99']:.2f} ms (target <= 20 ms)")
PY
