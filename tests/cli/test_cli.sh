# CLI behaviour that needs no peer: help, version, usage errors, config errors (exit 2, clear message).

# The version and the commit it was built from (git describe at configure time, else "unknown").
test_version() {
  run "$OBRIDGE" --version
  expect_status 0; expect_out '^obridge [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{7,}(-dirty)?|unknown)\)$'
  local v=$out
  run "$OBRIDGE" version
  expect_status 0; expect_eq "$out" "$v" "'obridge version' says what --version says"
  if git -C "$OB_SOURCE_DIR" rev-parse --short=7 HEAD >/dev/null 2>&1; then
    local head; head=$(git -C "$OB_SOURCE_DIR" rev-parse --short=7 HEAD)
    [[ $v == *"$head"* ]] || fail "version '$v' does not name the commit $head"
  fi
  run "$OBRIDGE" version --json
  expect_status 0; expect_out '^\{"version":"[0-9]+\.[0-9]+\.[0-9]+","commit":"[^"]+"\}$'
}

test_help_lists_commands_and_exit_codes() {
  run "$OBRIDGE" --help
  expect_status 0; expect_out '^usage: obridge'; expect_out '  db '; expect_out '  doctor '
  expect_out 'Exit codes: 0 done; 1 .*; 2 bad usage'
  run "$OBRIDGE" help db
  expect_status 0; expect_out 'usage: obridge db <migrate\|status>'; expect_out 'migrate'
  run "$OBRIDGE" db migrate --help
  expect_status 0; expect_out 'usage: obridge db migrate'; expect_out '--dir DIR'; expect_out 'Example:'
  run "$OBRIDGE" help doctor
  expect_status 0; expect_out 'usage: obridge doctor'
}

test_unknown_command() {
  run "$OBRIDGE" frobnicate
  expect_status 2; expect_err "'frobnicate' is not an obridge command\. See 'obridge --help'\."
  expect_no_err 'obridge obridge'
  run "$OBRIDGE" db frobnicate
  expect_status 2; expect_err "'frobnicate' is not an obridge db command\. See 'obridge db --help'\."
}

# A near miss is answered with the command meant, as git does.
test_unknown_command_suggests_the_nearest() {
  run "$OBRIDGE" pni
  expect_status 2; expect_err "^obridge: 'pni' is not an obridge command\. Did you mean 'pin'\?$"
  expect_eq "$out" "" "nothing on stdout"
  run "$OBRIDGE" doctr
  expect_status 2; expect_err "Did you mean 'doctor'\?"
  run "$OBRIDGE" pin ad
  expect_status 2; expect_err "'ad' is not an obridge pin command\. Did you mean 'add'\?"
  run "$OBRIDGE" db migrat
  expect_status 2; expect_err "Did you mean 'migrate'\?"
  run "$OBRIDGE" db migrate --jsn
  expect_status 2; expect_err "unknown option '--jsn'\. Did you mean '--json'\?"
}

# 'obridge help CMD SUB' shows that subcommand's help; an unknown one is exit 2 on every level.
test_help_walks_subcommands() {
  run "$OBRIDGE" help pin add
  expect_status 0; expect_out '^usage: obridge pin add '; expect_no_out '^Commands:'
  run "$OBRIDGE" help db migrate
  expect_status 0; expect_out '^usage: obridge db migrate'; expect_out '--dir DIR'
  run "$OBRIDGE" help nosuch
  expect_status 2; expect_err "'nosuch' is not an obridge command"; expect_eq "$out" "" "no help on stdout"
  run "$OBRIDGE" help pni
  expect_status 2; expect_err "Did you mean 'pin'\?"
  run "$OBRIDGE" help pin nosuch
  expect_status 2; expect_err "'nosuch' is not an obridge pin command"
  run "$OBRIDGE" help
  expect_status 0; expect_out '^usage: obridge'
  run "$OBRIDGE" help version
  expect_status 0; expect_out '^usage: obridge version'
}

# The hint after a usage error names the command the user typed.
test_usage_hint_names_the_command() {
  run "$OBRIDGE" --frob doctor
  expect_status 2; expect_err "see 'obridge --help'"; expect_no_err 'obridge obridge'
  run "$OBRIDGE" db migrate --frob
  expect_status 2; expect_err "see 'obridge db migrate --help'"
  run "$OBRIDGE" frob
  expect_status 2; expect_no_err 'obridge obridge'
}

test_unknown_option() {
  run "$OBRIDGE" db migrate --frob
  expect_status 2; expect_err "unknown option '--frob'"; expect_err 'usage: obridge db migrate'
  run "$OBRIDGE" --frob doctor
  expect_status 2; expect_err "unknown option '--frob'"
}

test_missing_option_value() {
  run "$OBRIDGE" db migrate --dir
  expect_status 2; expect_err "option '--dir' needs a value"
  run "$OBRIDGE" --config
  expect_status 2; expect_err "option '--config' needs a value"
}

test_no_command_prints_usage() {
  run "$OBRIDGE"
  expect_status 2; expect_err '^usage: obridge'
}

test_bad_log_level() {
  run "$OBRIDGE" --log-level loud config check
  expect_status 2; expect_err "--log-level: unknown level 'loud'"
  # A bad value from the environment names the variable it came from.
  OBRIDGE_LOG_LEVEL=loud run "$OBRIDGE" config check
  expect_status 2; expect_err "\\\$OBRIDGE_LOG_LEVEL: unknown level 'loud'"
}

# -v / -vv before or after the command; unknown single-dash options are still refused.
test_verbose_flags_parse() {
  local f
  for f in "-v config check" "-vv config check" "--verbose config check" "config check -v" "config check -vv"; do
    # shellcheck disable=SC2086
    run "$OBRIDGE" $f
    expect_status 0
  done
  run "$OBRIDGE" -vx config check
  expect_status 2; expect_err "unknown option '-vx'"
  run "$OBRIDGE" --help
  expect_out '-v, --verbose'
}

# A keystore path from the environment that does not exist: doctor names the variable. --only keystore
# needs no peer at all.
test_doctor_keystore_names_its_variable() {
  OBRIDGE_KEYSTORE=$TMP/none.json run "$OBRIDGE" doctor --only keystore
  expect_status 1; expect_out "^FAIL keystore +cannot read keystore '$TMP/none.json' \(from \\\$OBRIDGE_KEYSTORE\)"
  expect_no_out '^(ok|FAIL) +(database|chain|ipfs)'
}
