# What a packager gets: `cmake --install` into a prefix puts the binary in bin, the man page in
# share/man/man1, the docs, examples and licence in share/doc/obridge, the schemas and migrations in
# share/obridge; the man page is generated from the --help texts.

test_cmake_install_into_a_prefix() {
  local p=$TMP/prefix f
  run cmake --install "$OB_BINARY_DIR" --prefix "$p"
  expect_status 0
  for f in bin/obridge share/man/man1/obridge.1 share/doc/obridge/README.md share/doc/obridge/LICENSE \
           share/doc/obridge/CHANGELOG.md share/doc/obridge/OPERATIONS.md share/doc/obridge/examples/obridge.local.json \
           share/doc/obridge/examples/obridge.production.json share/obridge/schemas/config.schema.json \
           share/obridge/migrations; do
    [[ -e $p/$f ]] || fail "missing after install: $f"
  done
  run "$p/bin/obridge" --version
  expect_status 0; expect_out '^obridge [0-9]+\.[0-9]+\.[0-9]+ \(commit '
  # The installed example still validates with the installed binary.
  run "$p/bin/obridge" --config "$p/share/doc/obridge/examples/obridge.local.json" config check
  expect_status 0
}

# The man page comes from the --help texts: every command and subcommand, their options and the
# exit codes; it renders without a groff warning.
test_man_page_is_generated_from_help() {
  local m=$OB_BINARY_DIR/obridge.1 c
  [[ -f $m ]] || { fail "no $m after the build"; return; }
  grep -q '^\.TH OBRIDGE 1' "$m" || fail "no .TH line"
  for c in 'db migrate' 'pin add' 'tx send' 'key new' 'doctor' 'version'; do
    grep -q "^\\.SS \"*obridge $c\"*\$" "$m" || fail "man page has no section for '$c'"
  done
  grep -q -- '\\-\\-dir DIR' "$m" || fail "db migrate's --dir is not in the man page"
  grep -q 'Exit codes' "$m" || fail "no exit codes"
  run bash -c "groff -man -Tutf8 -ww -z '$m' 2>&1"
  expect_status 0; expect_eq "$out" "" "groff warnings"
  run groff -man -Tascii -P-cbou "$m"
  expect_status 0; expect_out '^   obridge pin add$'; expect_out 'usage: obridge pin add .*--recursive'
  # The version in the page is the binary's.
  local v; v=$("$OBRIDGE" --version | awk '{print $2}')
  grep -q "obridge $v" "$m" || fail "man page does not carry version $v"
}

# The licence is stated in the README, and the changelog keeps an Unreleased section.
test_licence_and_changelog() {
  [[ -f $OB_SOURCE_DIR/LICENSE ]] || fail "no LICENSE"
  grep -q '^MIT License' "$OB_SOURCE_DIR/LICENSE" || fail "LICENSE is not the MIT licence"
  grep -qi 'MIT licen[cs]e' "$OB_SOURCE_DIR/README.md" || fail "README does not state the licence"
  grep -q '^## \[Unreleased\]' "$OB_SOURCE_DIR/CHANGELOG.md" || fail "CHANGELOG.md has no Unreleased section"
  grep -q 'keepachangelog.com' "$OB_SOURCE_DIR/CHANGELOG.md" || fail "CHANGELOG.md does not follow Keep a Changelog"
}
