# CLI behaviour that needs no peer: help, version, usage errors, config errors (exit 2, clear message).

test_version() {
  run "$OBRIDGE" --version
  expect_status 0; expect_out '^obridge [0-9]+\.[0-9]+\.[0-9]+$'
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
  expect_status 2; expect_err "unknown command 'obridge frobnicate'"
  run "$OBRIDGE" db frobnicate
  expect_status 2; expect_err "unknown command 'db frobnicate'"
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
  expect_status 2; expect_err "unknown level 'loud'"
}
