/* The Merkle tree of a round: known answers from @openzeppelin/merkle-tree 1.0.8, the leaf against
 * the generic ABI encoder, proofs for every leaf up to 100,000 leaves. (The differential test over
 * random trees is tests/chain/test_merkle.sh.) */
#include <stdlib.h>
#include <time.h>

#include "ob/chain/abi.h"
#include "ob/chain/keccak.h"
#include "ob/chain/merkle.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob_test.h"

static void leaf_of(struct chain_merkle_leaf *l, const char *name, const char *value, uint8_t dec, uint64_t at) {
  memset(l, 0, sizeof(*l));
  chain_feed_id(l->feed_id, name, strlen(name));
  if (chain_i256_parse(&l->value, value, NULL, NULL) != 0)
    abort();
  l->decimals = dec;
  l->observed_at = at;
}

static const char *hex32(const uint8_t *h) {
  static char out[4][67];
  static int k;
  k = (k + 1) % 4;
  ob_hex_encode0x(out[k], h, 32);
  return out[k];
}

/* Values, root and proofs printed by StandardMerkleTree.of(values, ["bytes32","int256","uint8","uint64"])
 * of @openzeppelin/merkle-tree 1.0.8 (ids by ethers' keccak256(toUtf8Bytes(name))). */
OB_TEST(merkle_known_answer_openzeppelin) {
  struct chain_merkle_leaf l[3];
  uint8_t h[3][32], proof[CHAIN_MERKLE_MAX_PROOF][32];
  leaf_of(&l[0], "ETH/USD", "301234500000", 8, 1763999998);
  leaf_of(&l[1], "BTC/USD", "9500000000000", 8, 1763999998);
  leaf_of(&l[2], "NEG", "-5", 0, 1);
  OB_CHECK_STR(hex32(l[0].feed_id), "0x0b43555ace6b39aae1b894097d0a9fc17f504c62fea598fa206cc6f5088e6e45");
  for (int i = 0; i < 3; i++)
    chain_merkle_leaf_hash(h[i], &l[i]);
  OB_CHECK_STR(hex32(h[0]), "0xf12efdbf0862938347bd49b9df0d62d7724f385de975ad5aefdfa9f86d7bbfb0");
  OB_CHECK_STR(hex32(h[1]), "0x8c44537bcb5b06e0d0de7c343cd5aaeead86817b75778833f0f75524f8bb1c4b");
  OB_CHECK_STR(hex32(h[2]), "0x49d10529c7ab7371ad90474dba53c9652c6ace8b76fdf8a76a135fa1d3f6088e");
  struct chain_merkle t;
  OB_REQUIRE(chain_merkle_build(&t, (const uint8_t(*)[32])h, 3, NULL) == 0);
  OB_CHECK_STR(hex32(chain_merkle_root(&t)), "0x0f5852cb3626e58c0fed5655e2a47eb8a1e3bad4a02ee91dab860abcd4c44617");
  OB_CHECK_EQ(chain_merkle_proof(&t, 0, proof), 1);
  OB_CHECK_STR(hex32(proof[0]), "0xa2511a428eca1cb74da4ec937f1ed1581396d38f2096cd757a7f1d59ac258d41");
  OB_CHECK_EQ(chain_merkle_proof(&t, 1, proof), 2);
  OB_CHECK_STR(hex32(proof[0]), "0x49d10529c7ab7371ad90474dba53c9652c6ace8b76fdf8a76a135fa1d3f6088e");
  OB_CHECK_STR(hex32(proof[1]), "0xf12efdbf0862938347bd49b9df0d62d7724f385de975ad5aefdfa9f86d7bbfb0");
  OB_CHECK_EQ(chain_merkle_proof(&t, 2, proof), 2);
  OB_CHECK_STR(hex32(proof[0]), "0x8c44537bcb5b06e0d0de7c343cd5aaeead86817b75778833f0f75524f8bb1c4b");
  OB_CHECK_STR(hex32(proof[1]), "0xf12efdbf0862938347bd49b9df0d62d7724f385de975ad5aefdfa9f86d7bbfb0");
  chain_merkle_release(&t);
  /* one leaf: the root is the leaf, the proof empty */
  OB_REQUIRE(chain_merkle_build(&t, (const uint8_t(*)[32])h, 1, NULL) == 0);
  OB_CHECK_STR(hex32(chain_merkle_root(&t)), "0xf12efdbf0862938347bd49b9df0d62d7724f385de975ad5aefdfa9f86d7bbfb0");
  OB_CHECK_EQ(chain_merkle_proof(&t, 0, proof), 0);
  OB_CHECK(chain_merkle_verify(chain_merkle_root(&t), h[0], (const uint8_t(*)[32])proof, 0));
  chain_merkle_release(&t);
  chain_merkle_release(&t); /* a released tree releases again as a no-op */
}

/* The fast leaf encoder equals chain_abi_encode of (bytes32,int256,uint8,uint64) on random values. */
OB_TEST(merkle_leaf_equals_generic_abi_encoding) {
  struct chain_abi_sig *sig = NULL;
  OB_REQUIRE(chain_abi_sig_parse(&sig, CHAIN_MERKLE_LEAF_TYPES, NULL) == 0);
  ob_test_rng_seed(42);
  for (int it = 0; it < 500; it++) {
    struct chain_merkle_leaf l;
    char id[67], val[CHAIN_U256_DEC_MAX], dec[8], at[24];
    ob_test_rand_bytes(l.feed_id, 32);
    for (int i = 0; i < 4; i++)
      l.value.w[i] = ob_test_rand();
    if (it % 5 == 0) /* small magnitudes of both signs too */
      chain_i256_parse(&l.value, it % 10 ? "-1" : "0", NULL, NULL);
    l.decimals = (uint8_t)ob_test_rand();
    l.observed_at = it == 1 ? UINT64_MAX : ob_test_rand();
    ob_hex_encode0x(id, l.feed_id, 32);
    chain_i256_to_dec(val, &l.value);
    snprintf(dec, sizeof dec, "%u", l.decimals);
    snprintf(at, sizeof at, "%" PRIu64, l.observed_at);
    const char *argv[] = {id, val, dec, at};
    struct chain_abi_value v;
    struct ob_buf b;
    uint8_t enc[128], want[32], got[32];
    ob_buf_init(&b, 1024);
    OB_REQUIRE(chain_abi_parse_args(&v, sig->inputs, argv, 4, NULL) == 0);
    OB_REQUIRE(chain_abi_encode(&b, &v) == 0);
    chain_merkle_leaf_encode(enc, &l);
    OB_CHECK_EQ(b.len, 128);
    OB_CHECK_MEM(b.buf, enc, 128);
    chain_keccak256(want, b.buf, b.len);
    chain_keccak256(want, want, 32);
    chain_merkle_leaf_hash(got, &l);
    OB_CHECK_MEM(got, want, 32);
    ob_buf_release(&b);
    chain_abi_value_free(&v);
  }
  chain_abi_sig_free(sig);
}

/* Build trees of n random leaves; every proof verifies, a changed proof or leaf does not. */
static void check_all_proofs(size_t n) {
  uint8_t (*h)[32] = ob_malloc(n * 32), proof[CHAIN_MERKLE_MAX_PROOF][32];
  struct chain_merkle t;
  ob_test_rand_bytes(h, n * 32);
  if (n > 3)
    memcpy(h[n - 1], h[0], 32); /* a duplicate leaf */
  OB_REQUIRE(chain_merkle_build(&t, (const uint8_t(*)[32])h, n, NULL) == 0);
  OB_CHECK_EQ(t.nnodes, 2 * n - 1);
  size_t bad = 0, maxlen = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len = chain_merkle_proof(&t, i, proof);
    maxlen = len > maxlen ? len : maxlen;
    bad += !chain_merkle_verify(chain_merkle_root(&t), h[i], (const uint8_t(*)[32])proof, len);
    if (len && i % 97 == 0) {
      proof[len / 2][7] ^= 1;
      bad += chain_merkle_verify(chain_merkle_root(&t), h[i], (const uint8_t(*)[32])proof, len);
      proof[len / 2][7] ^= 1;
      h[i][0] ^= 0x80;
      bad += chain_merkle_verify(chain_merkle_root(&t), h[i], (const uint8_t(*)[32])proof, len);
      h[i][0] ^= 0x80;
    }
  }
  OB_CHECK_MSG(bad == 0, "%zu of %zu leaves: proof check wrong", bad, n);
  OB_CHECK(maxlen <= CHAIN_MERKLE_MAX_PROOF);
  chain_merkle_release(&t);
  ob_free(h);
}

OB_TEST(merkle_every_proof_verifies_1_to_300_leaves) {
  ob_test_rng_seed(7);
  for (size_t n = 1; n <= 300; n++)
    check_all_proofs(n);
}

OB_TEST(merkle_100000_leaves) {
  ob_test_rng_seed(8);
  uint64_t t0 = (uint64_t)clock();
  check_all_proofs(100000);
  fprintf(stderr, "100,000 leaves: built and every proof checked in %.2f s CPU\n",
          (double)((uint64_t)clock() - t0) / CLOCKS_PER_SEC);
}

OB_TEST(merkle_bad_sizes) {
  struct chain_merkle t;
  struct ob_err err;
  uint8_t h[1][32] = {{0}};
  OB_CHECK_EQ(chain_merkle_build(&t, (const uint8_t(*)[32])h, 0, &err), OB_EINVAL);
  OB_CHECK_CONTAINS(err.msg, "merkle tree: 0 leaves (1 to 16777216)");
  OB_CHECK_EQ(chain_merkle_build(&t, (const uint8_t(*)[32])h, CHAIN_MERKLE_MAX_LEAVES + 1, &err), OB_EINVAL);
  OB_CHECK(t.nodes == NULL);
}
