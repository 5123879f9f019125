# Helpers for shell test cases (sourced by run.sh). A case is a function `test_NAME() { … }`.
# It fails when a check fails (the checks count failures and the case goes on) and when any command
# whose status nobody checks fails: the case runs under `set -Eeuo pipefail` with inherit_errexit,
# and the ERR trap (harness_err) prints the command, its exit status, file and line, then ends it.
#
#   run "$OBRIDGE" db status     # sets $status, $out (stdout), $err (stderr); never ends the case
#   expect_status 2; expect_err 'config: .chain'; expect_out '^ok'
#
# A command expected to fail is written so: `run CMD; expect_status N`, `! CMD`, `CMD || rc=$?`,
# `wait "$pid" || rc=$?`. Bash ignores -e inside a function called in a condition (`setup || return`,
# `if f`, `f && …`): such helpers check each of their commands themselves.
OBRIDGE=${OBRIDGE:-obridge}
OB_SOURCE_DIR=${OB_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export PATH="$OB_SOURCE_DIR/node_modules/.bin:$PATH"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/obtest.XXXXXX")
# Peers a case started under $TMP (scripts/peers.sh up "$TMP/…") are stopped however the case ends.
cleanup_case() {
  local env
  for env in "$TMP"/*/env "$TMP"/*/*/env; do
    [[ -f $env ]] || continue
    bash "$OB_SOURCE_DIR/scripts/peers.sh" down "$(dirname "$env")" >/dev/null 2>&1 ||
      echo "warning: could not stop the peers of $(dirname "$env")" >&2
  done
  rm -rf "$TMP"
}
trap cleanup_case EXIT
failures=0

# The ERR trap: an unchecked command failed. In the case itself it ends the case. In a subshell or a
# command substitution (`expect_eq "$(psql …)" 3`) it ends that subshell and leaves a note in
# $TMP/unchecked, which fails the case when it ends (run.sh).
harness_err() {
  local rc=$1 line=$2 cmd=$3 where
  trap - ERR
  if ((BASH_SUBSHELL == 0)) && [[ ${FUNCNAME[1]:-main} == main ]]; then # the case returned non-zero
    echo "FAILED ${OB_CASE:-?} (${failures} checks; the case returned $rc)"
    set +e # the EXIT traps' cleanup is not part of the case
    exit 1
  fi
  where="${BASH_SOURCE[1]##*/}:$line in ${FUNCNAME[1]:-main}"
  echo "ERROR: unchecked command failed (exit $rc) at $where: $cmd" >&2
  if ((BASH_SUBSHELL)); then
    echo "exit $rc at $where: $cmd" >>"$TMP/unchecked"
    exit "$rc"
  fi
  echo "FAILED ${OB_CASE:-?} (unchecked command failed: exit $rc at $where: $cmd)"
  set +e
  exit 1
}
set -Eeuo pipefail
shopt -s inherit_errexit
trap 'harness_err $? $LINENO "$BASH_COMMAND"' ERR

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

_run_done() {
  status=$1
  out=$(cat "$TMP/out")
  err=$(cat "$TMP/err")
}
run() {
  local rc=0
  "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
  _run_done "$rc"
}
# Like run, with stdin from a string.
run_in() {
  local input=$1 rc=0; shift
  "$@" >"$TMP/out" 2>"$TMP/err" < <(printf '%s' "$input") || rc=$?
  _run_done "$rc"
}
show() {
  { echo "--- status $status; stdout:"; head -40 <<<"$out"; echo "--- stderr:"; head -40 <<<"$err"; } >&2
}
expect_status() { [[ $status == "$1" ]] || { fail "expected exit $1, got $status"; show; }; }
expect_out() { grep -Eq -- "$1" <<<"$out" || { fail "stdout does not match /$1/"; show; }; }
expect_err() { grep -Eq -- "$1" <<<"$err" || { fail "stderr does not match /$1/"; show; }; }
expect_no_out() { grep -Eq -- "$1" <<<"$out" && { fail "stdout matches /$1/ but should not"; show; }; return 0; }
expect_no_err() { grep -Eq -- "$1" <<<"$err" && { fail "stderr matches /$1/ but should not"; show; }; return 0; }
expect_eq() { [[ "$1" == "$2" ]] || fail "expected '$2', got '$1'${3:+ ($3)}"; }

# Load the peers' export lines ($OB_PEERS_DIR/env) unless already set.
peers_env() {
  [[ -n ${OB_PEERS_DIR:-} && -f $OB_PEERS_DIR/env ]] || { fail "no peers: \$OB_PEERS_DIR/env missing"; return 1; }
  # shellcheck disable=SC1091
  source "$OB_PEERS_DIR/env"
}
# A fresh empty database; prints its URL.
fresh_db() {
  local name="t_${OB_CASE:-x}_$$_$RANDOM"
  psql -X -q -v ON_ERROR_STOP=1 "$OBRIDGE_DATABASE_URL" -c "CREATE DATABASE \"$name\"" >/dev/null || return 1
  echo "${OBRIDGE_DATABASE_URL%/*}/$name"
}

# anvil's well-known development accounts 0..4 (mnemonic "test test … junk"): account 0 sends and owns,
# accounts 1..3 sign commitments in the tests, account 4 is a stranger.
KEY0=ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
ADDR0=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
KEY1=59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
ADDR1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
KEY2=5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
ADDR2=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
KEY3=7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6
ADDR3=0x90F79bf6EB2c4f870365E785982E1f101E93b906
KEY4=47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a

# A fresh migrated database and a private anvil under $TMP/peers (OB_ANVIL_STATE may name a state
# file), exported as OBRIDGE_DATABASE_URL, OBRIDGE_RPC_URL, OBRIDGE_RPC_HTTP_URL, with one
# confirmation; then $TMP/keyN holds KEYN for each account number N given.
private_chain() {
  local n
  peers_env || return 1
  OBRIDGE_DATABASE_URL=$(fresh_db) || { fail "cannot create a database"; return 1; }
  export OBRIDGE_DATABASE_URL
  "$OBRIDGE" db migrate >/dev/null || { fail "migrate failed"; return 1; }
  bash "$OB_SOURCE_DIR/scripts/peers.sh" up "$TMP/peers" chain >/dev/null 2>&1 || { fail "anvil did not start"; return 1; }
  # shellcheck disable=SC1091
  source "$TMP/peers/chain/env"
  export OBRIDGE_RPC_URL OBRIDGE_RPC_HTTP_URL OBRIDGE_CONFIRMATIONS=1
  for n in "$@"; do
    local v="KEY$n"
    echo "${!v}" >"$TMP/key$n"
  done
}
# Deploy a registry with the given signers (comma-separated) and threshold from account 0 ($TMP/key0);
# exports OBRIDGE_REGISTRY.
obridge_deploy_registry() {
  OBRIDGE_REGISTRY=$("$OBRIDGE" registry deploy --signers "$1" --threshold "$2" --key-file "$TMP/key0" --timeout 60) ||
    { fail "deploy failed"; return 1; }
  export OBRIDGE_REGISTRY
}
psql_n() { psql -XAtq "$OBRIDGE_DATABASE_URL" -c "$1"; }
