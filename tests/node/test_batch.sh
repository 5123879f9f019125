# node: batch documents against schemas/batch.schema.json with ajv (JSON Schema 2020-12), and the
# catalogue of bad documents against both ajv and obridge's checker.
# shellcheck shell=bash
TOOL="$OB_BINARY_DIR/tests/batch_tool"
SCHEMA="$OB_SOURCE_DIR/schemas/batch.schema.json"
validate() { node "$OB_SOURCE_DIR/scripts/lib/validate-json.mjs" "$SCHEMA" "$@"; }

# 60 random documents obridge builds (seeded; OB_TEST_SEED replays): ajv finds each valid, and
# obridge's own checker reads each back.
test_built_documents_are_schema_valid() {
  mkdir -p "$TMP/docs"
  run "$TOOL" gen "${OB_TEST_SEED:-11}" 60 "$TMP/docs"
  expect_status 0
  run validate "$TMP"/docs/*.json
  expect_status 0
  [[ $(grep -c '^valid ' <<<"$out") == 60 ]] || fail "expected 60 valid documents"
  run "$TOOL" check "$TMP"/docs/*.json
  expect_status 0
  [[ $(grep -c '^ok ' <<<"$out") == 60 ]] || fail "expected 60 documents checked ok"
}

# Each bad document: the schema refuses the shape-bad ones and obridge refuses them too; the
# schema accepts the semantically bad ones (it cannot see them) and obridge refuses each, naming
# the feed.
test_bad_catalogue() {
  local f doc name expect n
  mkdir -p "$TMP/docs"
  run "$TOOL" gen 5 40 "$TMP/docs"
  expect_status 0
  doc=$(node -e 'const fs=require("fs");for(const f of process.argv.slice(1)){const d=JSON.parse(fs.readFileSync(f));if(d.feeds.length>=2&&d.feeds.some(x=>x.observations&&x.observations.length>=2)){console.log(f);break}}' "$TMP"/docs/*.json)
  [[ -n $doc ]] || { fail "no generated document with 2 feeds and 2 observations"; return; }
  run node "$OB_SOURCE_DIR/tests/node/batch_bad.mjs" "$doc" "$TMP/bad"
  expect_status 0
  n=$(ls "$TMP"/bad/schema/*.json | wc -l)
  [[ $n -ge 30 ]] || fail "only $n schema-bad documents"
  run validate "$TMP"/bad/schema/*.json
  [[ $(grep -c '^invalid ' <<<"$out") == "$n" ]] || { fail "the schema accepted a bad document"; show; }
  run "$TOOL" check "$TMP"/bad/schema/*.json
  [[ $(grep -c '^bad ' <<<"$out") == "$n" ]] || { fail "obridge accepted a bad document"; show; }
  n=$(ls "$TMP"/bad/semantic/*.json | wc -l)
  run validate "$TMP"/bad/semantic/*.json
  [[ $(grep -c '^valid ' <<<"$out") == "$n" ]] || { fail "the schema refused a document only the checker can tell apart"; show; }
  run "$TOOL" check "$TMP"/bad/semantic/*.json
  expect_status 1
  for f in "$TMP"/bad/semantic/*.json; do
    name=$(basename "$f" .json)
    expect=$(cat "${f%.json}.expect")
    grep -F -- "bad $f: " <<<"$out" | grep -qF -- "$expect" || { fail "$name: no error containing '$expect'"; show; }
  done
}
