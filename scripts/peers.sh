#!/usr/bin/env bash
# Start and stop obridge's local peers on free 127.0.0.1 ports, each under DIR:
#   PostgreSQL 15 (pg), anvil (chain), an IPFS node serving the Kubo RPC API (ipfs).
#
#   scripts/peers.sh up DIR [pg] [chain] [ipfs]   start (all three by default); waits until each answers
#   scripts/peers.sh down DIR [peer…]             stop exactly the processes `up` started, by pid
#   scripts/peers.sh env DIR                      print the export lines (also kept in DIR/env)
#   scripts/peers.sh stop|start|restart DIR peer  fault injection for tests (keeps data)
#   scripts/peers.sh pid DIR peer                 print a peer's pid
#
# OB_IPFS_SWARM=1 gives the IPFS node a loopback swarm listener (two nodes in two DIRs can then
# connect with swarm/connect and fetch each other's content; the default node dials nobody).
# Two `up`s in different DIRs never collide: every port is chosen by the kernel or retried.
# The IPFS node is Kubo when OBRIDGE_KUBO_BIN names a Kubo `ipfs` binary, else js-ipfs from npm.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/node_modules/.bin
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

die() { echo "peers: $*" >&2; exit 1; }
log() { echo "peers: $*" >&2; }
now_ms() { date +%s%3N; }

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # wait_for SECONDS DESC CMD…
  local limit=$1 desc=$2; shift 2
  local end=$(( $(now_ms) + limit * 1000 ))
  until "$@" >/dev/null 2>&1; do
    (( $(now_ms) < end )) || return 1
    sleep 0.05
  done
}

as_pg() { # run a command as the postgres user when we are root (initdb refuses root)
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ---------------------------------------------------------------- PostgreSQL
pg_init() {
  local d=$DIR/pg
  mkdir -p "$d"
  if [[ $(id -u) == 0 ]]; then
    chown postgres: "$d"
    runuser -u postgres -- test -w "$d" ||
      die "pg: the postgres user cannot reach $d (a parent directory is private): use a DIR under a world-readable path"
  fi
  [[ -f $d/data/PG_VERSION ]] || as_pg "$PGBIN/initdb" -D "$d/data" -A trust -U postgres --no-sync >"$d/initdb.log" 2>&1 ||
    die "pg: initdb failed, see $d/initdb.log"
}
pg_start() {
  local d=$DIR/pg port try
  port=$(cat "$d/port" 2>/dev/null || true)
  for try in 1 2 3 4 5; do
    [[ -n $port ]] || port=$(free_port)
    if as_pg "$PGBIN/pg_ctl" -D "$d/data" -l "$d/log" -w -t 30 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=200" start >/dev/null 2>&1; then
      echo "$port" >"$d/port"
      head -1 "$d/data/postmaster.pid" >"$d/pid"
      echo "export OBRIDGE_DATABASE_URL='postgresql://postgres@127.0.0.1:$port/postgres'" >"$d/env"
      return 0
    fi
    port=""
  done
  die "pg: cannot start, see $d/log"
}
pg_stop() {
  local d=$DIR/pg
  [[ -f $d/data/postmaster.pid ]] || return 0
  as_pg "$PGBIN/pg_ctl" -D "$d/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
}
pg_down() { pg_stop; rm -rf "$DIR/pg"; }

# ---------------------------------------------------------------- anvil
chain_start() {
  local d=$DIR/chain port pid try state_args=()
  mkdir -p "$d"
  [[ -x $bin/anvil ]] || die "chain: anvil missing: run scripts/install-deps.sh"
  [[ -n ${OB_ANVIL_STATE:-} ]] && state_args=(--state "$OB_ANVIL_STATE")
  port=$(cat "$d/port" 2>/dev/null || echo 0)
  for try in 1 2 3; do
    : >"$d/log"
    # shellcheck disable=SC2086
    "$bin/anvil" --host 127.0.0.1 --port "$port" --chain-id "${OB_ANVIL_CHAIN_ID:-31337}" --accounts 10 --balance 10000 \
      --mnemonic "test test test test test test test test test test test junk" \
      "${state_args[@]+"${state_args[@]}"}" ${OB_ANVIL_ARGS:-} </dev/null >"$d/log" 2>&1 &
    pid=$!
    echo "$pid" >"$d/pid"
    if wait_for 20 "anvil" grep -q 'Listening on 127.0.0.1:' "$d/log"; then
      port=$(grep -o 'Listening on 127.0.0.1:[0-9]*' "$d/log" | head -1 | sed 's/.*://')
      if wait_for 20 anvil curl -sf -X POST -H 'Content-Type: application/json' \
          --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "http://127.0.0.1:$port"; then
        echo "$port" >"$d/port"
        echo "export OBRIDGE_RPC_URL='ws://127.0.0.1:$port'" >"$d/env"
        echo "export OBRIDGE_RPC_HTTP_URL='http://127.0.0.1:$port'" >>"$d/env"
        return 0
      fi
    fi
    kill "$pid" 2>/dev/null || true
    port=0
  done
  die "chain: anvil did not start, see $d/log"
}
chain_stop() {
  local d=$DIR/chain pid
  alive "$d/pid" || return 0
  pid=$(cat "$d/pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
}
chain_down() { chain_stop; rm -rf "$DIR/chain"; }

# ---------------------------------------------------------------- IPFS
ipfs_config() { # write the isolated config (API on port 0, no swarm unless OB_IPFS_SWARM=1, no dialing out)
  node - "$1" <<'JS'
const fs = require('fs'); const p = process.argv[2] + '/config';
const c = JSON.parse(fs.readFileSync(p, 'utf8'));
c.Addresses = Object.assign(c.Addresses || {}, { API: '/ip4/127.0.0.1/tcp/' + (process.env.OB_IPFS_PORT || '0'),
  Gateway: [], RPC: '', Announce: [], NoAnnounce: [], Delegates: [],
  // A loopback swarm listener, for tests where one node fetches from another (swarm/connect).
  Swarm: process.env.OB_IPFS_SWARM === '1' ? ['/ip4/127.0.0.1/tcp/0'] : [] });
c.Bootstrap = [];
c.Discovery = { MDNS: { Enabled: false }, webRTCStar: { Enabled: false } };
c.Routing = { Type: 'none' };
c.Swarm = Object.assign(c.Swarm || {}, { DisableNatPortMap: true });
fs.writeFileSync(p, JSON.stringify(c, null, 2));
JS
}
ipfs_start() {
  local d=$DIR/ipfs repo pid api port
  repo=$d/repo
  mkdir -p "$d"
  if [[ -n ${OBRIDGE_KUBO_BIN:-} ]]; then
    [[ -d $repo ]] || IPFS_PATH=$repo "$OBRIDGE_KUBO_BIN" init --empty-repo --profile test >"$d/init.log" 2>&1
    IPFS_PATH=$repo "$OBRIDGE_KUBO_BIN" config Addresses.API "/ip4/127.0.0.1/tcp/$(cat "$d/port" 2>/dev/null || echo 0)"
    IPFS_PATH=$repo "$OBRIDGE_KUBO_BIN" config --json Addresses.Gateway '[]'
    IPFS_PATH=$repo "$OBRIDGE_KUBO_BIN" config --json Addresses.Swarm '[]'
    IPFS_PATH=$repo "$OBRIDGE_KUBO_BIN" config --json Bootstrap '[]'
    IPFS_PATH=$repo "$OBRIDGE_KUBO_BIN" daemon --offline </dev/null >"$d/log" 2>&1 &
  else
    [[ -x $bin/jsipfs ]] || die "ipfs: jsipfs missing: run scripts/install-deps.sh"
    [[ -f $repo/config ]] || IPFS_PATH=$repo NO_UPDATE_NOTIFIER=1 "$bin/jsipfs" init --emptyRepo >"$d/init.log" 2>&1 ||
      die "ipfs: init failed, see $d/init.log"
    OB_IPFS_PORT=$(cat "$d/port" 2>/dev/null || echo 0) ipfs_config "$repo"
    # A SIGKILLed daemon leaves its lock and api file behind; no live daemon uses them here.
    rm -rf "$repo/repo.lock" "$repo/api"
    IPFS_PATH=$repo NO_UPDATE_NOTIFIER=1 "$bin/jsipfs" daemon --enable-preload=false </dev/null >"$d/log" 2>&1 &
  fi
  pid=$!
  echo "$pid" >"$d/pid"
  wait_for 60 "ipfs api file" test -s "$repo/api" || { kill "$pid" 2>/dev/null; die "ipfs: no API address after 60 s, see $d/log"; }
  api=$(cat "$repo/api")
  port=${api##*/tcp/}; port=${port%%/*}
  wait_for 60 "ipfs id" sh -c "curl -sf -X POST 'http://127.0.0.1:$port/api/v0/id' | grep -q '\"ID\"'" ||
    { kill "$pid" 2>/dev/null; die "ipfs: API on port $port does not answer, see $d/log"; }
  echo "$port" >"$d/port"
  echo "export OBRIDGE_IPFS_API='http://127.0.0.1:$port'" >"$d/env"
}
ipfs_stop() {
  local d=$DIR/ipfs pid
  alive "$d/pid" || return 0
  pid=$(cat "$d/pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
}
ipfs_down() { ipfs_stop; rm -rf "$DIR/ipfs"; }

# ---------------------------------------------------------------- commands
# Peers of one DIR may be started or stopped by parallel calls (ctest fixtures): each call writes
# its own temp file, under a lock, and tolerates a peer directory removed meanwhile.
write_env() {
  local tmp
  tmp=$(mktemp "$DIR/env.XXXXXX")
  {
    flock 9
    for p in pg chain ipfs; do cat "$DIR/$p/env" >>"$tmp" 2>/dev/null || true; done
    mv "$tmp" "$DIR/env"
  } 9>"$DIR/.lock"
}
peer_list() { if (($#)); then echo "$@"; else echo pg chain ipfs; fi; }
check_peer() { case $1 in pg|chain|ipfs) ;; *) die "unknown peer '$1' (expected pg, chain or ipfs)";; esac; }

cmd=${1:-}; DIR=${2:-}
[[ -n $cmd && -n $DIR ]] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
shift 2
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
chmod 755 "$DIR"
case $cmd in
  up)
    for p in $(peer_list "$@"); do
      check_peer "$p"
      t0=$(now_ms)
      case $p in
        pg) alive "$DIR/pg/pid" || { pg_init; pg_start; } ;;
        chain) alive "$DIR/chain/pid" || chain_start ;;
        ipfs) alive "$DIR/ipfs/pid" || ipfs_start ;;
      esac
      log "$p up in $(( $(now_ms) - t0 )) ms"
    done
    write_env ;;
  down)
    for p in $(peer_list "$@"); do check_peer "$p"; "${p}_down"; done
    write_env
    [[ -n $(ls -A "$DIR" | grep -v -e '^env$' -e '^\.lock$' || true) ]] || rm -rf "$DIR" ;;
  stop) check_peer "$1"; "${1}_stop" ;;
  start) check_peer "$1"; "${1}_start"; write_env ;;
  restart) check_peer "$1"; "${1}_stop"; "${1}_start"; write_env ;;
  pid) check_peer "$1"; cat "$DIR/$1/pid" ;;
  env) [[ -f $DIR/env ]] || die "no peers under $DIR"; cat "$DIR/env" ;;
  *) die "unknown command '$cmd' (expected up, down, env, stop, start, restart, pid)" ;;
esac
