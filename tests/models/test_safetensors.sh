# models: the safetensors checker on a generated corpus (tests/models/st_corpus.py), against the
# verdicts the reference implementation's rules give and, where it is installed, the reference
# `safetensors` Python package itself.
# shellcheck shell=bash

st_tool=$OB_BINARY_DIR/tests/st_tool

# The Python that has the reference package: the venv scripts/install-deps.sh makes, else python3.
ref_python() {
  local p
  for p in "$OB_SOURCE_DIR/.cache/pyref/bin/python3" python3 /usr/bin/python3; do
    if "$p" -c 'import safetensors' 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# Every hand-made case gets its labelled verdict, and each refusal names what was wrong.
test_corpus_verdicts_and_reasons() {
  python3 "$OB_SOURCE_DIR/tests/models/st_corpus.py" "$TMP/c"
  "$st_tool" "$TMP/c" >"$TMP/got.tsv"
  local name want reason n=0 got why
  while IFS=$'\t' read -r name want reason; do
    n=$((n + 1))
    got=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$TMP/got.tsv")
    why=$(awk -F'\t' -v n="$name" '$1 == n { print $3 }' "$TMP/got.tsv")
    expect_eq "$got" "$want" "$name: $why"
    if [[ $want == refuse ]] && ! grep -qF -- "$reason" <<<"$why"; then
      fail "$name: reason '$why' does not say '$reason'"
    fi
  done <"$TMP/c/expected.tsv"
  expect_eq "$n" "$(grep -c . "$TMP/got.tsv")" "files checked"
  ((n > 50)) || fail "only $n cases"
}

# The same corpus plus 3,000 seeded mutants: obridge's accept/refuse equals the reference package's
# on every file (the labelled verdicts are checked against the package too).
test_reference_package_agrees() {
  local py
  if ! py=$(ref_python); then
    echo "SKIP: the reference 'safetensors' Python package is not installed (scripts/install-deps.sh puts it in .cache/pyref when PyPI is reachable)"
    return 0
  fi
  python3 "$OB_SOURCE_DIR/tests/models/st_corpus.py" "$TMP/c" --mutants 3000 --seed "${OB_TEST_SEED:-1}"
  "$st_tool" "$TMP/c" >"$TMP/ours.tsv"
  "$py" "$OB_SOURCE_DIR/tests/models/st_ref.py" "$TMP/c" >"$TMP/ref.tsv"
  local diff
  diff=$(join -t $'\t' -j 1 <(cut -f1,2 "$TMP/ours.tsv" | sort) <(cut -f1,2 "$TMP/ref.tsv" | sort) |
         awk -F'\t' '$2 != $3' | head -20)
  expect_eq "$diff" "" "files where obridge and the reference package disagree (name, ours, theirs)"
  expect_eq "$(wc -l <"$TMP/ours.tsv")" "$(wc -l <"$TMP/ref.tsv")" "files compared"
  awk -F'\t' '$2 != "?" { print $1 "\t" $2 }' "$TMP/c/expected.tsv" | sort >"$TMP/labels.tsv"
  diff=$(join -t $'\t' "$TMP/labels.tsv" <(cut -f1,2 "$TMP/ref.tsv" | sort) | awk -F'\t' '$2 != $3')
  expect_eq "$diff" "" "labels the reference package disagrees with"
  echo "$(wc -l <"$TMP/ours.tsv") files, $(grep -c $'\tok\t' "$TMP/ours.tsv") accepted, same verdicts"
}

# The mutants alone never crash the checker, and every refusal has a reason.
test_mutants_refused_with_reasons() {
  python3 "$OB_SOURCE_DIR/tests/models/st_corpus.py" "$TMP/c" --mutants 1000 --seed 7
  "$st_tool" "$TMP/c" >"$TMP/ours.tsv"
  expect_eq "$(awk -F'\t' '$2 == "refuse" && $3 == ""' "$TMP/ours.tsv")" "" "refusals without a reason"
  expect_eq "$(wc -l <"$TMP/ours.tsv")" "$(grep -c . "$TMP/c/expected.tsv")" "files checked"
}
