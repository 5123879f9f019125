# Helpers for shell test cases (sourced by run.sh). A case is a function `test_NAME() { … }`;
# it fails when a check fails or any command fails (set -e is off inside checks on purpose).
#
#   run "$OBRIDGE" db status     # sets $status, $out (stdout), $err (stderr)
#   expect_status 2; expect_err 'config: .chain'; expect_out '^ok'
OBRIDGE=${OBRIDGE:-obridge}
OB_SOURCE_DIR=${OB_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export PATH="$OB_SOURCE_DIR/node_modules/.bin:$PATH"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/obtest.XXXXXX")
# Peers a case started under $TMP (scripts/peers.sh up "$TMP/…") are stopped however the case ends.
cleanup_case() {
  local env
  for env in "$TMP"/*/env "$TMP"/*/*/env; do
    [[ -f $env ]] && bash "$OB_SOURCE_DIR/scripts/peers.sh" down "$(dirname "$env")" >/dev/null 2>&1
  done
  rm -rf "$TMP"
}
trap cleanup_case EXIT
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

run() {
  set +e
  "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
  status=$?
  out=$(cat "$TMP/out")
  err=$(cat "$TMP/err")
}
# Like run, with stdin from a string.
run_in() {
  local input=$1; shift
  set +e
  printf '%s' "$input" | "$@" >"$TMP/out" 2>"$TMP/err"
  status=$?
  out=$(cat "$TMP/out")
  err=$(cat "$TMP/err")
}
show() { echo "--- command: $*" >&2; echo "--- status $status; stdout:" >&2; printf '%s\n' "$out" | head -40 >&2; echo "--- stderr:" >&2; printf '%s\n' "$err" | head -40 >&2; }
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
