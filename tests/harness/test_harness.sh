# The harness itself: run.sh on tiny case files. A case fails when an unchecked command fails (in
# the case, in a helper, in a command substitution or subshell), and passes when every command that
# may fail is checked.
RUN_SH=$OB_SOURCE_DIR/tests/harness/run.sh

# inner CASE: run.sh on $TMP/cases.sh's test_CASE; sets $status, $out, $err.
inner() { run env -u OB_CASE bash "$RUN_SH" "$TMP/cases.sh" "$1"; }

write_cases() {
  # (indented so that CMake does not take these cases for cases of this file)
  cat >"$TMP/cases.sh" <<'EOF'
  helper() { sh -c 'exit 4'; echo "helper went on"; }
  test_unchecked_command() {
    sh -c 'exit 3'
    echo "went on after the failure"
  }
  test_unchecked_in_helper() { helper; }
  test_unchecked_in_substitution() {
    expect_eq "$(sh -c 'exit 5'; echo x)" "" "a check that passes"
    echo "went on"
  }
  test_unchecked_in_assignment() { local v; v=$(sh -c 'exit 6'); echo "went on: $v"; }
  test_unchecked_in_pipeline() { sh -c 'exit 7' | cat; echo "went on"; }
  test_checked_failures_pass() {
    run sh -c 'echo out; echo err >&2; exit 3'
    expect_status 3; expect_out '^out$'; expect_err '^err$'
    run_in 'abc' sh -c 'cat; exit 2'
    expect_status 2; expect_eq "$out" abc
    ! sh -c 'exit 1'
    local rc=0
    sh -c 'exit 9' || rc=$?
    expect_eq "$rc" 9
    sh -c 'exit 1' &
    wait $! || rc=$?
    expect_eq "$rc" 1
    if sh -c 'exit 1'; then fail "if"; fi
    grep -q nothing /dev/null && fail "grep matched"
    [[ -n $(grep -c nothing /dev/null || true) ]]
    expect_no_out 'nomatch'
  }
  test_failed_checks_counted_case_goes_on() {
    run sh -c 'exit 1'
    expect_status 0
    expect_eq a b
    echo "after two failed checks" >&2
  }
  test_returns_nonzero() { return 3; }
EOF
}

test_unchecked_command_fails_the_case() {
  write_cases
  inner unchecked_command
  expect_status 1
  expect_out "^FAILED unchecked_command \(unchecked command failed: exit 3 at cases.sh:3 in test_unchecked_command: sh -c 'exit 3'\)$"
  expect_err "ERROR: unchecked command failed \(exit 3\) at cases.sh:3 in test_unchecked_command: sh -c 'exit 3'"
  expect_no_out 'went on'
  expect_no_out '^ok'
}

test_unchecked_command_in_a_helper_fails_the_case() {
  write_cases
  inner unchecked_in_helper
  expect_status 1
  expect_out "^FAILED unchecked_in_helper \(unchecked command failed: exit 4 at cases.sh:1 in helper: sh -c 'exit 4'\)$"
  expect_no_out 'helper went on'
}

test_unchecked_command_in_a_substitution_fails_the_case() {
  write_cases
  inner unchecked_in_substitution
  expect_status 1
  expect_out "^FAILED unchecked_in_substitution \(unchecked command failed in a subshell: exit 5 at cases.sh:8 in test_unchecked_in_substitution: sh -c 'exit 5'\)$"
  inner unchecked_in_assignment
  expect_status 1; expect_out '^FAILED unchecked_in_assignment'; expect_no_out 'went on'
  inner unchecked_in_pipeline
  expect_status 1; expect_out "^FAILED unchecked_in_pipeline \(unchecked command failed: exit 7 at cases.sh:12 in test_unchecked_in_pipeline"
  expect_no_out 'went on'
}

test_checked_failures_pass() {
  write_cases
  inner checked_failures_pass
  expect_status 0; expect_out '^ok checked_failures_pass$'; expect_no_err 'ERROR|FAIL'
}

test_failed_checks_are_counted_and_the_case_goes_on() {
  write_cases
  inner failed_checks_counted_case_goes_on
  expect_status 1; expect_out '^FAILED failed_checks_counted_case_goes_on \(2 checks\)$'
  expect_err 'after two failed checks'
  inner returns_nonzero
  expect_status 1; expect_out '^FAILED returns_nonzero \(0 checks; the case returned 3\)$'
}
