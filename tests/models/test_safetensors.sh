# models: the safetensors checker on a generated corpus (tests/models/st_corpus.py), against the
# verdicts the reference implementation's rules give and the reference's own verdicts: the
# `safetensors` Python package itself where it is installed, else the recorded st_ref_verdicts.tsv.
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

# The sha256 that names a corpus directory's files (how st_ref_verdicts.tsv records its corpus).
corpus_sha256() {
  (cd "$1" && printf '%s\0' *.safetensors | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

# The same corpus plus 3,000 seeded mutants: obridge's accept/refuse equals the reference
# implementation's on every file (the labelled verdicts are checked against the reference too). The
# reference is the `safetensors` Python package when it is importable; otherwise the verdicts its Rust
# core gave on this very corpus, recorded in st_ref_verdicts.tsv (docs/MODELS.md says how).
test_reference_package_agrees() {
  local py recorded=$OB_SOURCE_DIR/tests/models/st_ref_verdicts.tsv seed=${OB_TEST_SEED:-1} want got
  python3 "$OB_SOURCE_DIR/tests/models/st_corpus.py" "$TMP/c" --mutants 3000 --seed "$seed"
  "$st_tool" "$TMP/c" >"$TMP/ours.tsv"
  if py=$(ref_python); then
    "$py" "$OB_SOURCE_DIR/tests/models/st_ref.py" "$TMP/c" >"$TMP/ref.tsv"
    echo "reference: the safetensors Python package ($py)"
  else
    [[ $seed == 1 ]] || { fail "st_ref_verdicts.tsv is for --seed 1 and the package is not installed: OB_TEST_SEED=$seed cannot be checked"; return 0; }
    want=$(sed -n 's/^# corpus-sha256: //p' "$recorded")
    got=$(corpus_sha256 "$TMP/c")
    if [[ -z $want || $got != "$want" ]]; then
      fail "the corpus changed: re-record st_ref_verdicts.tsv, see docs/MODELS.md (corpus sha256 $got, recorded ${want:-none})"
      return 0
    fi
    grep -v '^#' "$recorded" >"$TMP/ref.tsv"
    echo "reference: the recorded verdicts $(sed -n 's/.*\(huggingface\/safetensors commit [0-9a-f]*\).*/\1/p' "$recorded")"
  fi
  local diff
  diff=$(join -t $'\t' -j 1 <(cut -f1,2 "$TMP/ours.tsv" | sort) <(cut -f1,2 "$TMP/ref.tsv" | sort) |
         awk -F'\t' '$2 != $3' | head -20)
  expect_eq "$diff" "" "files where obridge and the reference disagree (name, ours, theirs)"
  expect_eq "$(join -t $'\t' -j 1 <(cut -f1 "$TMP/ours.tsv" | sort) <(cut -f1 "$TMP/ref.tsv" | sort) | wc -l)" \
            "$(wc -l <"$TMP/ours.tsv")" "files that have a reference verdict"
  expect_eq "$(wc -l <"$TMP/ours.tsv")" "$(wc -l <"$TMP/ref.tsv")" "files compared"
  awk -F'\t' '$2 != "?" { print $1 "\t" $2 }' "$TMP/c/expected.tsv" | sort >"$TMP/labels.tsv"
  diff=$(join -t $'\t' -a 1 -e missing -o 0,1.2,2.2 "$TMP/labels.tsv" <(cut -f1,2 "$TMP/ref.tsv" | sort) |
         awk -F'\t' '$2 != $3')
  expect_eq "$diff" "" "labels the reference disagrees with"
  echo "$(wc -l <"$TMP/ours.tsv") files, $(grep -c $'\tok\t' "$TMP/ours.tsv") accepted, same verdicts"
}

# The mutants alone never crash the checker, and every refusal has a reason.
test_mutants_refused_with_reasons() {
  python3 "$OB_SOURCE_DIR/tests/models/st_corpus.py" "$TMP/c" --mutants 1000 --seed 7
  "$st_tool" "$TMP/c" >"$TMP/ours.tsv"
  expect_eq "$(awk -F'\t' '$2 == "refuse" && $3 == ""' "$TMP/ours.tsv")" "" "refusals without a reason"
  expect_eq "$(wc -l <"$TMP/ours.tsv")" "$(grep -c . "$TMP/c/expected.tsv")" "files checked"
}
