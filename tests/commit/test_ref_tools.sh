# The Node reference modules alone (no peer): exact decimal conversion and median-mad, UnixFS CIDs against
# the published vectors, and the own StandardMerkleTree construction against OpenZeppelin's.
REF=$OB_SOURCE_DIR/tests/commit

test_aggregate_vectors() { run node "$REF/ref_selftest.mjs" aggregate; expect_status 0; expect_out '^ok aggregate$'; }
test_cid_vectors() { run node "$REF/ref_selftest.mjs" cid; expect_status 0; expect_out '^ok cid$'; }
test_merkle_equals_openzeppelin() { run node "$REF/ref_selftest.mjs" merkle; expect_status 0; expect_out '^ok merkle$'; }
test_document_text_checks() { run node "$REF/ref_selftest.mjs" document; expect_status 0; expect_out '^ok document$'; }
# Two implementations agree: the Commitment digest and signature (ethers vs obridge util typed-data-hash /
# sign-typed-data) and CIDs at chunk and link boundaries (ref_cid.mjs vs obridge cid --check).
test_digest_signature_cid_equal_obridge_util() {
  run env OBRIDGE="$OBRIDGE" node "$REF/ref_selftest.mjs" obridge; expect_status 0; expect_out '^ok obridge$'
}
