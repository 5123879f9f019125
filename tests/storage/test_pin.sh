# obridge pin against the real IPFS node and PostgreSQL of the ctest fixtures (a fresh database per
# case). Fault tests that stop or kill a peer start their own peers: see test_pin_faults.sh.

setup() {
  peers_env || return 1
  OBRIDGE_DATABASE_URL=$(fresh_db) || { fail "cannot create a database"; return 1; }
  export OBRIDGE_DATABASE_URL OBRIDGE_LOG_LEVEL=warn
  run "$OBRIDGE" db migrate
  expect_status 0
  # Small retry figures so failures show quickly.
  printf '{"pins":{"workers":1,"max_attempts":%s,"retry_base_s":1,"url_max_bytes":%s},"ipfs":{"stall_timeout_s":5}}\n' \
    "${MAX_ATTEMPTS:-2}" "${URL_MAX:-10000000}" >"$TMP/obridge.json"
  export OBRIDGE_CONFIG=$TMP/obridge.json
}

psqlq() { psql -XAtq "$OBRIDGE_DATABASE_URL" -c "$1"; }
node_pinned() { curl -s -X POST "$OBRIDGE_IPFS_API/api/v0/pin/ls?arg=$1" | grep -Eq '"Type":"(recursive|direct|indirect)"'; }

# A local HTTP server on a free port serving $TMP/www; sets $HTTP and $http_pid.
start_http() {
  mkdir -p "$TMP/www"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd "$TMP/www" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
  http_pid=$!
  HTTP=http://127.0.0.1:$port
  for _ in $(seq 100); do curl -s -o /dev/null "$HTTP/" && return 0; sleep 0.05; done
  fail "http server did not start"
}
stop_http() { [[ -n ${http_pid:-} ]] && kill "$http_pid" 2>/dev/null; wait "$http_pid" 2>/dev/null || true; }

test_add_both_profiles_known_cids() {
  setup || return
  printf 'hello world\n' >"$TMP/hw.txt"
  run "$OBRIDGE" pin add "$TMP/hw.txt"
  expect_status 0; expect_eq "$out" bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4
  run "$OBRIDGE" pin add "$TMP/hw.txt" --profile unixfs-v0-2015 --name greeting
  expect_status 0; expect_eq "$out" QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o
  node_pinned QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o || fail "the node does not list the v0 pin"
  node_pinned bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4 || fail "the node does not list the v1 pin"
  run "$OBRIDGE" pin ls --status pinned --json
  expect_status 0; expect_out '"name":"greeting"'; expect_out '"size":12'
  expect_eq "$(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned' AND attempts = 1")" 2 "two jobs pinned at the first attempt"
  id=$(psqlq "SELECT request_id FROM pins WHERE name = 'greeting'")
  run "$OBRIDGE" pin status "$id" --json
  expect_status 0; expect_out '"status":"pinned"'; expect_out '"cid":"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"'
  # The same CIDv1 as files/stat prints it on the js node (base58btc) finds the job: CIDs are
  # compared as bytes.
  local b58
  b58=$(curl -s -X POST "$OBRIDGE_IPFS_API/api/v0/files/stat?arg=/ipfs/bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4" |
        sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p')
  [[ -n $b58 ]] || fail "no Hash from files/stat"
  run "$OBRIDGE" pin status "$b58"
  expect_status 0; expect_out 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'
  run "$OBRIDGE" pin verify --json
  expect_status 0; expect_out '"ok":true'; expect_no_out '"ok":false'
}

test_json_output_and_no_progress_bar() {
  setup || return
  head -c 3000000 /dev/urandom >"$TMP/r"
  run "$OBRIDGE" pin add "$TMP/r" --json
  expect_status 0; expect_out '^\{"requestid":"[0-9a-f-]{36}","status":"pinned","cid":"bafy'
  expect_out '"size":3000000'
  grep -q $'\r' "$TMP/err" && fail "progress output with --json"
  local want
  want=$("$OBRIDGE" cid "$TMP/r")
  expect_out "\"cid\":\"$want\""
}

test_progress_bar_on_a_tty() {
  setup || return
  command -v script >/dev/null || { echo "SKIP: no script(1) to make a terminal" >&2; return 0; }
  head -c 20000000 /dev/urandom >"$TMP/r"
  script -qec "$OBRIDGE pin add $TMP/r 2>$TMP/tty.err >$TMP/tty.out" /dev/null >/dev/null 2>&1 </dev/null
  [[ -s $TMP/tty.out ]] || fail "no CID printed"
  # the bar (stderr was not the tty here since 2> redirected it) must be absent...
  grep -q 'ETA' "$TMP/tty.err" && fail "progress bar although stderr is not a terminal"
  # ...and present when stderr is the terminal.
  script -qec "$OBRIDGE pin add $TMP/r >$TMP/tty2.out" "$TMP/typescript" >/dev/null 2>&1 </dev/null
  grep -q 'ETA' "$TMP/typescript" || fail "no progress bar on a terminal: $(head -c 300 "$TMP/typescript")"
  grep -q 'ETA' "$TMP/tty2.out" && fail "progress bar on stdout"
  # The bar names the file and shows the percent.
  grep -Eq 'r  [0-9.]+ [KMG]?i?B / 19\.1 MiB +[0-9]+%' "$TMP/typescript" || fail "no name and percent in the bar: $(head -c 300 "$TMP/typescript")"
  # A log line never lands on the bar's line: what a terminal shows of each line (after its last
  # carriage return, the erase-line sequence dropped) is a bar or a log line, never both.
  script -qec "OBRIDGE_LOG_LEVEL=info $OBRIDGE pin add $TMP/r --name bar-test >$TMP/tty3.out" "$TMP/typescript3" >/dev/null 2>&1 </dev/null
  grep -q 'msg=pinned' "$TMP/typescript3" || fail "no info log line to check"
  if python3 - "$TMP/typescript3" <<'PY'
import re, sys
# (the terminal ends each line with CR LF: the last CR before the LF is not a bar redraw)
shown = [re.sub(r"\x1b\[K", "", l.rstrip("\r").split("\r")[-1])
         for l in open(sys.argv[1], "rb").read().decode("utf-8", "replace").split("\n")]
bad = [l for l in shown if "ts=" in l and "ETA" in l]
sys.exit(1 if bad else 0)
PY
  then :; else fail "a log line landed on the progress bar's line: $(grep -a 'ETA.*ts=' "$TMP/typescript3" | head -c 300)"; fi
  return 0
}

test_no_wait_then_worker() {
  setup || return
  for i in 1 2 3; do printf 'file %s\n' "$i" >"$TMP/f$i"; done
  run "$OBRIDGE" pin add "$TMP/f1" "$TMP/f2" "$TMP/f3" --no-wait
  expect_status 0
  expect_eq "$(wc -l <<<"$out")" 3 "one request id a line"
  expect_eq "$(psqlq "SELECT count(*) FROM pins WHERE status = 'queued'")" 3
  "$OBRIDGE" pin worker 2>"$TMP/worker.err" &
  local wpid=$! t0
  for _ in $(seq 200); do
    [[ $(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned'") == 3 ]] && break
    sleep 0.1
  done
  expect_eq "$(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned'")" 3 "worker pinned all"
  t0=$(date +%s%N)
  local rc=0
  kill -TERM "$wpid"; wait "$wpid" || rc=$?
  expect_eq "$rc" 0 "worker exit status after SIGTERM"
  (( ($(date +%s%N) - t0) / 1000000 < 3000 )) || fail "worker took more than 3 s to stop"
  for i in 1 2 3; do
    cid=$("$OBRIDGE" cid "$TMP/f$i")
    node_pinned "$cid" || fail "node does not list $cid"
    expect_eq "$(psqlq "SELECT cid FROM pins WHERE origin = '$TMP/f$i'")" "$cid"
  done
}

test_bad_input_missing_path() {
  setup || return
  run "$OBRIDGE" pin add "$TMP/nope"
  expect_status 2; expect_err "cannot pin '$TMP/nope': No such file or directory"
  expect_eq "$(psqlq 'SELECT count(*) FROM pins')" 0 "nothing queued"
}

test_bad_input_directory() {
  setup || return
  mkdir "$TMP/d"
  run "$OBRIDGE" pin add "$TMP/d"
  expect_status 2; expect_err "cannot pin '$TMP/d': is a directory"
  # With --recursive an empty directory is pinned (a root name of one character is refused by the
  # js node: "Unexpected input: object", hence not "d").
  mkdir "$TMP/emptydir"
  run "$OBRIDGE" pin add "$TMP/emptydir" --recursive --profile unixfs-v0-2015
  expect_status 0; expect_eq "$out" QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn "the empty directory"
}

test_bad_input_unreadable_file() {
  setup || return
  printf 'secret\n' >"$TMP/locked"
  chmod 000 "$TMP/locked"
  if [[ $(id -u) == 0 ]]; then
    # root reads anything: drop to nobody for the one command (the build tree must be reachable).
    chmod 755 "$TMP"
    if ! setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null ||
       ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$OBRIDGE"; then
      echo "SKIP: cannot run obridge as nobody here (setpriv missing or build tree not reachable)" >&2
      return 0
    fi
    run setpriv --reuid=nobody --regid=nogroup --clear-groups "$OBRIDGE" pin add "$TMP/locked"
  else
    run "$OBRIDGE" pin add "$TMP/locked"
  fi
  expect_status 2; expect_err "cannot pin '$TMP/locked': cannot read it: Permission denied"
  # A FIFO is not a regular file: refused before anything would block on it.
  mkfifo "$TMP/fifo"
  run "$OBRIDGE" pin add "$TMP/fifo"
  expect_status 2; expect_err "cannot pin '$TMP/fifo': not a regular file"
}

test_bad_input_unknown_profile() {
  setup || return
  printf 'x' >"$TMP/x"
  run "$OBRIDGE" pin add "$TMP/x" --profile unixfs-v2
  expect_status 2; expect_err "unknown profile 'unixfs-v2': expected unixfs-v0-2015 or unixfs-v1-2025"
}

test_bad_input_cid_does_not_parse() {
  setup || return
  for cmd in status rm verify; do
    run "$OBRIDGE" pin "$cmd" bafkreiNOTACID
    expect_status 2; expect_err "'bafkreiNOTACID' is not a CID"
  done
}

test_rm_not_pinned_and_rm_pinned() {
  setup || return
  run "$OBRIDGE" pin rm bafkreidlsxyclnvghdbmugufaotcjv4resw7a4lw3no5wi4uklxuiuw53q
  expect_status 1; expect_err 'bafkreidlsxyclnvghdbmugufaotcjv4resw7a4lw3no5wi4uklxuiuw53q: not pinned'
  expect_no_err 'HTTP 500'
  printf 'to be removed %s\n' "$RANDOM$$" >"$TMP/rm"
  printf 'also removed %s\n' "$RANDOM$$" >"$TMP/rm2"
  run "$OBRIDGE" pin add -q "$TMP/rm" "$TMP/rm2"
  expect_status 0
  local cid cid2
  cid=$(sed -n 1p <<<"$out"); cid2=$(sed -n 2p <<<"$out")
  # Several CIDs at once; one not pinned among them is exit 1, the others are still removed.
  run "$OBRIDGE" pin rm "$cid" bafkreidlsxyclnvghdbmugufaotcjv4resw7a4lw3no5wi4uklxuiuw53q "$cid2" --json
  expect_status 1; expect_out "\"cid\":\"$cid\",\"unpinned\":true,\"removed\":1"
  expect_out "\"cid\":\"$cid2\",\"unpinned\":true,\"removed\":1"
  expect_err 'bafkreidlsxyclnvghdbmugufaotcjv4resw7a4lw3no5wi4uklxuiuw53q: not pinned'
  if node_pinned "$cid"; then fail "still pinned on the node"; fi
  if node_pinned "$cid2"; then fail "$cid2 still pinned on the node"; fi
  expect_eq "$(psqlq 'SELECT count(*) FROM pins')" 0 "jobs removed"
}

test_unreachable_node_exit_3() {
  setup || return
  printf 'x' >"$TMP/x"
  OBRIDGE_IPFS_API=http://127.0.0.1:1 run "$OBRIDGE" pin add "$TMP/x"
  expect_status 3; expect_err 'cannot reach the IPFS API'
  expect_eq "$(psqlq 'SELECT count(*) FROM pins')" 0 "nothing queued for an unreachable node"
  OBRIDGE_IPFS_API=http://127.0.0.1:1 run "$OBRIDGE" doctor --json
  expect_status 3; expect_out '"check":"ipfs","ok":false'
}

test_url_pin_streams_and_matches_local_cid() {
  setup || return
  start_http || return
  head -c 5000000 /dev/urandom >"$TMP/www/data.bin"
  run "$OBRIDGE" pin add "$HTTP/data.bin" --json
  expect_status 0; expect_out '"origin_kind":"url"'; expect_out '"size":5000000'
  expect_out "\"cid\":\"$("$OBRIDGE" cid "$TMP/www/data.bin")\""
  stop_http
}

test_url_404_exit_2() {
  setup || return
  start_http || return
  printf 'here\n' >"$TMP/www/here.txt"
  # Refused before any job is written, with or without --no-wait, and the other arguments too.
  run "$OBRIDGE" pin add "$HTTP/here.txt" "$HTTP/missing.bin"
  expect_status 2; expect_err "cannot download '$HTTP/missing.bin': HTTP 404"
  run "$OBRIDGE" pin add "$HTTP/missing.bin" --no-wait
  expect_status 2; expect_err "cannot download '$HTTP/missing.bin': HTTP 404"
  expect_eq "$(psqlq "SELECT count(*) FROM pins")" 0 "nothing queued for a 404"
  stop_http
}

test_url_larger_than_cap_exit_2() {
  URL_MAX=1000000 setup || return
  start_http || return
  head -c 1000001 /dev/zero >"$TMP/www/big.bin"
  run "$OBRIDGE" pin add "$HTTP/big.bin"
  expect_status 2; expect_err 'larger than the limit of 1000000 bytes'
  expect_no_err 'pinned'
  head -c 1000000 /dev/zero >"$TMP/www/ok.bin"
  run "$OBRIDGE" pin add "$HTTP/ok.bin"
  expect_status 0
  stop_http
}

# A server that promises 4 MB and hangs up after 1 MB: the job must stay retryable, not pinned.
test_url_cut_midway_stays_retryable() {
  MAX_ATTEMPTS=5 setup || return
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 - "$port" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept()
    c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4000000\r\n\r\n" + b"x" * 1000000)
    c.close()
PY
  local spid=$!
  sleep 0.5
  run "$OBRIDGE" pin add "http://127.0.0.1:$port/cut" --no-wait
  expect_status 0
  "$OBRIDGE" pin worker 2>"$TMP/worker.err" &
  local wpid=$!
  for _ in $(seq 100); do
    [[ $(psqlq "SELECT attempts FROM pins") -ge 1 && $(psqlq "SELECT status FROM pins") == queued ]] && break
    sleep 0.1
  done
  kill -TERM "$wpid"; wait "$wpid"
  kill "$spid"; wait "$spid" 2>/dev/null || true # ended by the signal
  expect_eq "$(psqlq "SELECT status FROM pins")" queued "retryable after a cut download"
  expect_eq "$(psqlq "SELECT cid IS NULL FROM pins")" t "no CID recorded"
  grep -q 'cannot download' <<<"$(psqlq 'SELECT last_error FROM pins')" || fail "last_error: $(psqlq 'SELECT last_error FROM pins')"
}

test_verify_updates_state_honestly() {
  setup || return
  printf 'verify me %s\n' "$RANDOM$$" >"$TMP/v"
  run "$OBRIDGE" pin add "$TMP/v"
  expect_status 0
  local cid=$out
  run "$OBRIDGE" pin verify "$cid"
  expect_status 0; expect_out "^ok +$cid"
  # Someone unpins it behind obridge's back: verify says so and queues it again.
  curl -s -X POST "$OBRIDGE_IPFS_API/api/v0/pin/rm?arg=$cid" >/dev/null
  run "$OBRIDGE" pin verify
  expect_status 1; expect_out "BAD +$cid +verify: not pinned on the node"
  expect_eq "$(psqlq "SELECT status FROM pins")" queued
  # A recorded size that differs from the node's: failed.
  run "$OBRIDGE" pin add "$TMP/v"
  psqlq "UPDATE pins SET size = 999 WHERE status = 'pinned'" >/dev/null
  run "$OBRIDGE" pin verify --json
  expect_status 1; expect_out 'the node has [0-9]+ bytes, the queue recorded 999'
  expect_eq "$(psqlq "SELECT count(*) FROM pins WHERE status = 'failed'")" 1
}

test_recover_requeues_failed() {
  setup || return
  printf 'recover me %s\n' "$RANDOM$$" >"$TMP/rec"
  run "$OBRIDGE" pin add "$TMP/rec" --no-wait
  expect_status 0
  psqlq "UPDATE pins SET status = 'failed', last_error = 'made to fail', attempts = 2" >/dev/null
  expect_eq "$(psqlq "SELECT status FROM pins")" failed
  run "$OBRIDGE" pin recover --json
  expect_status 0; expect_out '"requeued":1'
  expect_eq "$(psqlq "SELECT status || ' ' || attempts FROM pins")" "queued 0"
}

# Three workers on one queue: a single process and one running two worker processes (--workers 2).
test_two_workers_each_job_once() {
  setup || return
  local n=30
  for i in $(seq $n); do printf 'job %s %s\n' "$i" "$RANDOM" >"$TMP/j$i"; done
  run "$OBRIDGE" pin add "$TMP"/j* --no-wait
  expect_status 0
  OBRIDGE_LOG_LEVEL=info "$OBRIDGE" pin worker 2>"$TMP/w1.err" &
  local w1=$!
  OBRIDGE_LOG_LEVEL=info "$OBRIDGE" pin worker --workers 2 2>"$TMP/w2.err" &
  local w2=$! rc1 rc2
  for _ in $(seq 300); do
    [[ $(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned'") == "$n" ]] && break
    sleep 0.1
  done
  rc1=0 rc2=0
  kill -TERM "$w1" "$w2"; wait "$w1" || rc1=$?; wait "$w2" || rc2=$?
  expect_eq "$rc1 $rc2" "0 0" "workers' exit status after SIGTERM (the second passes it on to its two processes)"
  expect_eq "$(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned' AND attempts = 1")" "$n" "every job pinned at its first attempt"
  local kids
  kids=$(grep -o 'msg="pin worker started" worker=[^ ]*' "$TMP/w2.err" | sed 's/.*://')
  expect_eq "$(wc -w <<<"$kids")" 2 "--workers 2 started two processes"
  for k in $kids; do kill -0 "$k" 2>/dev/null && fail "worker process $k left behind"; done
  echo "distinct workers that pinned: $(psqlq "SELECT count(DISTINCT claimed_by) FROM pins")" >&2
  local started
  started=$(cat "$TMP/w1.err" "$TMP/w2.err" | grep -c 'msg="pin started"')
  expect_eq "$started" "$n" "jobs started across both workers"
  expect_eq "$(cat "$TMP/w1.err" "$TMP/w2.err" | grep -o 'msg="pin started" request=[0-9a-f-]*' | sort | uniq -d | wc -l)" 0 "no job started twice"
  echo "single worker ran $(grep -c 'msg="pin started"' "$TMP/w1.err"), the --workers 2 pair ran $(grep -c 'msg="pin started"' "$TMP/w2.err")" >&2
}

test_url_tls_verification_is_on() {
  setup || return
  command -v openssl >/dev/null || { echo "SKIP: no openssl to make a certificate" >&2; return 0; }
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 \
    -subj /CN=127.0.0.1 >/dev/null 2>&1 || { fail "openssl req failed"; return; }
  mkdir -p "$TMP/www" && printf 'tls\n' >"$TMP/www/t.txt"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd "$TMP/www" && exec python3 -c '
import http.server, ssl, sys
srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[2], sys.argv[3])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True); srv.serve_forever()' "$port" "$TMP/cert.pem" "$TMP/key.pem" >/dev/null 2>&1) &
  local spid=$!
  for _ in $(seq 100); do curl -sk -o /dev/null "https://127.0.0.1:$port/t.txt" && break; sleep 0.05; done
  run "$OBRIDGE" pin add "https://127.0.0.1:$port/t.txt"
  expect_status 1; expect_err "cannot download 'https://127.0.0.1:$port/t.txt': TLS verification failed"
  expect_eq "$(psqlq "SELECT status FROM pins")" failed "a certificate nobody vouches for is not retried"
  kill "$spid"; wait "$spid" 2>/dev/null || true # ended by the signal
  return 0
}

# A node that answers add with another file's CID: the local CID check must refuse the pin, record
# no CID, and take the node's pin away again.
test_cid_mismatch_is_not_pinned() {
  setup || return
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 - "$port" "$TMP/fake.log" <<'PY' &
import http.server, json, sys
log = open(sys.argv[2], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        path = self.path.split("?")[0]
        log.write(self.path + "\n"); log.flush()
        if path == "/api/v0/version": body = {"Version": "0.0.0-fake"}
        elif path == "/api/v0/add": body = {"Name": "f", "Hash": "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", "Size": 20}
        elif path == "/api/v0/pin/rm": body = {"Pins": ["QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"]}
        else:
            self.send_response(404); self.end_headers(); return
        data = (json.dumps(body) + "\n").encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
  local fpid=$!
  for _ in $(seq 100); do curl -s -X POST "http://127.0.0.1:$port/api/v0/version" >/dev/null && break; sleep 0.05; done
  printf 'not hello world\n' >"$TMP/other"
  OBRIDGE_IPFS_API=http://127.0.0.1:$port run "$OBRIDGE" pin add "$TMP/other" --profile unixfs-v0-2015
  expect_status 1
  expect_err "cid mismatch: the node answered QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o, the local CID is $("$OBRIDGE" cid "$TMP/other" --profile unixfs-v0-2015)"
  expect_eq "$(psqlq "SELECT status || ' ' || attempts || ' ' || (cid IS NULL)::text FROM pins")" "failed 1 true" "not pinned, not retried"
  grep -q '^/api/v0/pin/rm?arg=QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o' "$TMP/fake.log" || fail "the node's pin was not removed: $(cat "$TMP/fake.log")"
  grep -q '^/api/v0/pin/ls' "$TMP/fake.log" && fail "asked pin/ls after a mismatch"
  kill "$fpid"; wait "$fpid" 2>/dev/null || true # ended by the signal
  return 0
}

# ---- directories (pin add --recursive) ----
# A tree with names that need byte-order sorting, an empty subdirectory, files of 0, 1, 300 KiB
# and 1.5 MiB (deterministic bytes: a SHA-256 chain).
make_tree() {
  local t=$1
  mkdir -p "$t/sub/empty" "$t/a"
  python3 - "$t" <<'PY'
import hashlib, sys
def gen(n, seed):
    out, k = bytearray(), 0
    while len(out) < n:
        out += hashlib.sha256(seed + k.to_bytes(8, 'big')).digest(); k += 1
    return bytes(out[:n])
t = sys.argv[1]
for name, n in [("zero", 0), ("B", 1), ("a b", 300 * 1024), ("a.txt", 2), ("sub/big", 1536 * 1024),
                ("a/inner", 5)]:
    open(f"{t}/{name}", "wb").write(gen(n, name.encode()))
PY
}

# The node's own `add -r` of DIR (curl -F, one part per entry, each directory before its entries);
# prints the last line's Hash (the root).
node_add_r() {
  local dir=$1 query=$2 parent base rel enc args=()
  parent=$(dirname "$dir"); base=$(basename "$dir")
  while IFS= read -r rel; do
    enc=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$rel")
    if [[ -d $parent/$rel ]]; then
      args+=(-F "file=@/dev/null;filename=$enc;type=application/x-directory")
    else
      args+=(-F "file=@$parent/$rel;filename=$enc;type=application/octet-stream")
    fi
  done < <(cd "$parent" && find "$base" | LC_ALL=C sort)
  curl -s -X POST "${args[@]}" "$OBRIDGE_IPFS_API/api/v0/add?pin=false&$query" | tail -1 |
    sed -n 's/.*"Hash":"\([^"]*\)".*/\1/p'
}

test_recursive_tree_both_profiles() {
  setup || return
  make_tree "$TMP/tree"
  local prof q node local pinned
  for prof in unixfs-v0-2015 unixfs-v1-2025; do
    q=""
    [[ $prof == unixfs-v1-2025 ]] && q="cid-version=1&raw-leaves=true&chunker=size-1048576&max-file-links=1024&cid-base=base32"
    node=$(node_add_r "$TMP/tree" "$q")
    [[ -n $node ]] || { fail "$prof: the node's add -r gave no root"; continue; }
    run "$OBRIDGE" cid "$TMP/tree" --recursive --profile "$prof"
    expect_status 0; local_cid=$out
    expect_eq "$local_cid" "$node" "$prof: obridge cid --recursive vs the node's add -r"
    run "$OBRIDGE" pin add "$TMP/tree" --recursive --profile "$prof" --json
    expect_status 0; expect_out "\"cid\":\"$node\""; expect_out '"status":"pinned"'
    expect_out "\"size\":$((300 * 1024 + 1536 * 1024 + 1 + 2 + 5))"
    node_pinned "$node" || fail "$prof: the node does not list the tree $node as pinned"
    echo "tree $prof: node add -r = cid --recursive = pin add --recursive = $node" >&2
  done
  expect_eq "$(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned' AND meta->>'recursive' = 'true'")" 2
  # The v0 root is a CIDv0 directory; the empty directory is in it.
  curl -s -X POST "$OBRIDGE_IPFS_API/api/v0/files/stat?arg=/ipfs/$(psqlq "SELECT cid FROM pins WHERE profile = 'unixfs-v0-2015'")/sub/empty" |
    grep -q '"Type":"directory"' || fail "the empty subdirectory is missing from the pinned tree"
}

test_recursive_refuses_symlink_and_plain_dir() {
  setup || return
  make_tree "$TMP/tree"
  run "$OBRIDGE" pin add "$TMP/tree"
  expect_status 2; expect_err "is a directory \(use --recursive"
  ln -s ../B "$TMP/tree/sub/link"
  run "$OBRIDGE" pin add "$TMP/tree" --recursive
  expect_status 2; expect_err "cannot add '.*tree/sub/link': is a symbolic link"
  run "$OBRIDGE" cid "$TMP/tree" --recursive
  expect_status 2; expect_err "is a symbolic link"
  expect_eq "$(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned'")" 0 "nothing pinned"
}

# ---- verify of a directory pin; the pin set; the CLI as IPFS users expect it ----
test_verify_directory_pin() {
  setup || return
  make_tree "$TMP/tree"
  local prof cid node_cum
  for prof in unixfs-v0-2015 unixfs-v1-2025; do
    run "$OBRIDGE" pin add "$TMP/tree" --recursive --profile "$prof"
    expect_status 0
  done
  # A good recursive pin of a directory is good (it was compared with a file size of 0 and failed).
  run "$OBRIDGE" pin verify
  expect_status 0; expect_out '^ok +Qm'; expect_out '^ok +bafy'; expect_no_out '^BAD'
  run "$OBRIDGE" pin verify
  expect_status 0
  expect_eq "$(psqlq "SELECT count(*) FROM pins WHERE status = 'pinned' AND verified_at IS NOT NULL")" 2 "both trees verified and still pinned"
  # What was recorded is the DAG's cumulative size, as the node reports it.
  cid=$(psqlq "SELECT cid FROM pins WHERE profile = 'unixfs-v0-2015'")
  node_cum=$(curl -s -X POST "$OBRIDGE_IPFS_API/api/v0/files/stat?arg=/ipfs/$cid" | sed -n 's/.*"CumulativeSize":\([0-9]*\).*/\1/p')
  [[ -n $node_cum ]] || fail "no CumulativeSize from files/stat"
  expect_eq "$(psqlq "SELECT meta->>'dag_size' FROM pins WHERE cid = '$cid'")" "$node_cum" "recorded DAG size"
  # Another DAG size than the node's: failed.
  psqlq "UPDATE pins SET meta = meta || '{\"dag_size\": 7}' WHERE cid = '$cid'" >/dev/null
  run "$OBRIDGE" pin verify "$cid"
  expect_status 1; expect_out "BAD +$cid +verify: the node's DAG has $node_cum bytes, the queue recorded 7"
  expect_eq "$(psqlq "SELECT status FROM pins WHERE cid = '$cid'")" failed
  # Only the root block pinned (directly): not the tree that was pinned -> queued to pin it again.
  cid=$(psqlq "SELECT cid FROM pins WHERE profile = 'unixfs-v1-2025'")
  curl -sf -X POST "$OBRIDGE_IPFS_API/api/v0/pin/rm?arg=$cid" >/dev/null || fail "pin/rm"
  curl -sf -X POST "$OBRIDGE_IPFS_API/api/v0/pin/add?arg=$cid&recursive=false" >/dev/null || fail "pin/add direct"
  run "$OBRIDGE" pin verify "$cid"
  expect_status 1; expect_out "BAD +$cid +verify: not pinned recursively"
  expect_eq "$(psqlq "SELECT status FROM pins WHERE cid = '$cid'")" queued "queued to be pinned again"
}

test_ls_pin_set_filters_and_quiet() {
  setup || return
  printf 'one\n' >"$TMP/one.txt"
  printf 'two\n' >"$TMP/two.txt"
  local c1 c2
  run "$OBRIDGE" pin add "$TMP/one.txt"
  expect_status 0; c1=$out
  run "$OBRIDGE" pin add "$TMP/one.txt"
  expect_status 0; expect_eq "$out" "$c1" "the same file twice"
  run "$OBRIDGE" pin add "$TMP/two.txt" --name second
  expect_status 0; c2=$out
  # The pin set: one row per CID, with its name (the file name when --name is not given).
  run "$OBRIDGE" pin ls
  expect_status 0
  expect_eq "$(wc -l <<<"$out")" 2 "one row per CID"
  expect_out "^$c1 +pinned +one.txt +4 +20"
  expect_out "^$c2 +pinned +second +4 +20"
  expect_no_out '^CID'
  run "$OBRIDGE" pin ls --jobs
  expect_status 0; expect_eq "$(wc -l <<<"$out")" 3 "--jobs: every request"
  run "$OBRIDGE" pin ls -q
  expect_status 0; expect_eq "$out" "$c1"$'\n'"$c2"
  run "$OBRIDGE" pin ls "$c2" -q
  expect_status 0; expect_eq "$out" "$c2"
  run "$OBRIDGE" pin ls --name one.txt --quiet
  expect_status 0; expect_eq "$out" "$c1"
  run "$OBRIDGE" pin ls --limit 1 -q
  expect_status 0; expect_eq "$out" "$c1"
  run "$OBRIDGE" pin ls --status failed
  expect_status 0; expect_eq "$out" ""
  run "$OBRIDGE" pin ls --status queued,pinned -q
  expect_status 0; expect_eq "$(wc -l <<<"$out")" 2
  run "$OBRIDGE" pin ls --json
  expect_status 0; expect_out '"name":"one.txt"'; expect_out '"name":"second"'
  run "$OBRIDGE" pin ls --status done
  expect_status 2; expect_err "unknown pin status 'done'"
  run "$OBRIDGE" pin ls bafkreidlsxyclnvghdbmugufaotcjv4resw7a4lw3no5wi4uklxuiuw53q
  expect_status 1; expect_err 'bafkreidlsxyclnvghdbmugufaotcjv4resw7a4lw3no5wi4uklxuiuw53q: not pinned'
  # A header on a terminal.
  if command -v script >/dev/null; then
    script -qec "$OBRIDGE pin ls" "$TMP/ls.tty" >/dev/null 2>&1 </dev/null || fail "pin ls on a terminal failed"
    grep -Eq '^CID +STATUS +NAME +SIZE +CREATED' "$TMP/ls.tty" || fail "no header on a terminal: $(head -c 300 "$TMP/ls.tty")"
  fi
}

test_add_short_flags_and_default_name() {
  setup || return
  make_tree "$TMP/tree"
  run "$OBRIDGE" pin add -rq "$TMP/tree" --profile unixfs-v0-2015
  expect_status 0; expect_out '^Qm'
  expect_eq "$(wc -l <<<"$out")" 1 "-q: the CID only"
  run "$OBRIDGE" pin add -r "$TMP/tree" --json
  expect_status 0; expect_out '"name":"tree"'; expect_out '"recursive":true'
  expect_eq "$(psqlq "SELECT string_agg(DISTINCT name, ',') FROM pins")" tree "--name defaults to the directory's name"
  run "$OBRIDGE" pin add -x "$TMP/tree"
  expect_status 2; expect_err "unknown option '-x'"
}

test_bad_input_refused_before_queue() {
  setup || return
  make_tree "$TMP/tree"
  ln -s ../B "$TMP/tree/sub/link"
  run "$OBRIDGE" pin add "$TMP/tree" --recursive --no-wait
  expect_status 2; expect_err "cannot add '.*tree/sub/link': is a symbolic link"
  mkfifo "$TMP/tree/sub/fifo"
  rm "$TMP/tree/sub/link"
  run "$OBRIDGE" pin add "$TMP/tree" -r
  expect_status 2; expect_err "sub/fifo': not a regular file"
  expect_eq "$(psqlq 'SELECT count(*) FROM pins')" 0 "nothing queued"
}

test_status_by_request_id_prefix() {
  setup || return
  printf 'a\n' >"$TMP/a"
  printf 'b\n' >"$TMP/b"
  run "$OBRIDGE" pin add "$TMP/a" "$TMP/b" --no-wait
  expect_status 0
  local id
  id=$(sed -n 1p <<<"$out")
  run "$OBRIDGE" pin status "${id:0:8}"
  expect_status 0; expect_out "^$id +queued"
  run "$OBRIDGE" pin status "${id:0:8}" --json
  expect_status 0; expect_out "\"requestid\":\"$id\""
  psqlq "UPDATE pins SET request_id = ('abcd' || substr(request_id::text, 5))::uuid" >/dev/null
  run "$OBRIDGE" pin status abcd
  expect_status 2; expect_err "request id prefix 'abcd' is ambiguous: 2 jobs match"
  run "$OBRIDGE" pin status 0000
  expect_status 2; expect_err "no pin job has a request id starting with '0000'"
  run "$OBRIDGE" pin status abc
  expect_status 2; expect_err "'abc' is not a request id or a prefix of one"
}

# A URL that answers 503: the foreground add tries --retries + 1 times, one log line per retry,
# then fails the job and says --no-wait queues it; a URL that never answers ends at --timeout.
test_add_url_foreground_fails_fast() {
  MAX_ATTEMPTS=5 setup || return
  local port t0 ms
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 - "$port" <<'PY' &
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/hang":
            time.sleep(60); return
        self.send_response(503); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
  local spid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/x" && break; sleep 0.05; done
  t0=$(date +%s%N)
  run "$OBRIDGE" pin add "http://127.0.0.1:$port/busy" --retries 1
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  expect_status 3; expect_err "HTTP 503.*use --no-wait to queue it"
  expect_eq "$(grep -c 'will retry' <<<"$err")" 1 "one line for the one retry"
  expect_eq "$(psqlq "SELECT status || ' ' || attempts FROM pins")" "failed 2" "--retries 1: two attempts, then failed"
  (( ms < 10000 )) || fail "took $ms ms"
  t0=$(date +%s%N)
  run "$OBRIDGE" pin add "http://127.0.0.1:$port/hang" --timeout 2
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  expect_status 3; expect_err "timed out after 2 s"
  (( ms < 4000 )) || fail "--timeout 2 took $ms ms"
  echo "503 with --retries 1: failed after 2 attempts; --timeout 2 on a silent URL: $ms ms" >&2
  kill "$spid" || fail "kill the server"
  wait "$spid" 2>/dev/null || true
}
