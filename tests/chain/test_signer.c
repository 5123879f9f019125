/* Signer: addresses, EIP-55, signatures, recovery, key range. */
#include <stdlib.h>
#include <string.h>

#include "ob/chain/eip712.h"
#include "ob/chain/keccak.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob_test.h"

static struct chain_signer *signer(void) {
  struct chain_signer *s = NULL;
  if (chain_signer_new(&s, NULL)) abort();
  return s;
}

static void hexkey(uint8_t k[32], const char *hex) {
  if (ob_hex_decode_fixed(k, 32, hex, NULL)) abort();
}

OB_TEST(signer_anvil_account_address) {
  struct chain_signer *s = signer();
  uint8_t k[32], a[20];
  char txt[43];
  hexkey(k, "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  OB_CHECK_EQ(chain_key_address(s, a, k, NULL), 0);
  chain_addr_checksum(txt, a);
  OB_CHECK_STR(txt, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  chain_signer_free(s);
}

OB_TEST(signer_eip55_examples) {
  static const char *const ex[] = {
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
      "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
      "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
      "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26"};
  for (size_t i = 0; i < 8; i++) {
    uint8_t a[20];
    char txt[43];
    OB_CHECK_EQ(chain_addr_parse(a, ex[i], NULL), 0);
    chain_addr_checksum(txt, a);
    OB_CHECK_STR(txt, ex[i]);
  }
}

OB_TEST(signer_addr_parse_rejects) {
  uint8_t a[20];
  struct ob_err e;
  ob_err_clear(&e);
  OB_CHECK_EQ(chain_addr_parse(a, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", &e), OB_EPARSE);
  OB_CHECK_CONTAINS(e.msg, "checksum mismatch");
  OB_CHECK_EQ(chain_addr_parse(a, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA", NULL), OB_EPARSE);
  OB_CHECK_EQ(chain_addr_parse(a, "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedaa", NULL), OB_EPARSE);
  OB_CHECK_EQ(chain_addr_parse(a, "0xzaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", NULL), OB_EPARSE);
}

OB_TEST(signer_key_range) {
  struct chain_signer *s = signer();
  uint8_t k[32], a[20], sig[65], h[32] = {1};
  struct ob_err e;
  static const char *const bad[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
      "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142",
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"};
  for (size_t i = 0; i < 4; i++) {
    hexkey(k, bad[i]);
    ob_err_clear(&e);
    OB_CHECK(!chain_key_valid(k));
    OB_CHECK_EQ(chain_key_address(s, a, k, &e), OB_EINVAL);
    OB_CHECK_CONTAINS(e.msg, "private key is zero or not below the curve order");
    OB_CHECK_EQ(chain_sign(s, sig, h, k, &e), OB_EINVAL);
  }
  hexkey(k, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"); /* n - 1 */
  OB_CHECK(chain_key_valid(k));
  OB_CHECK_EQ(chain_sign(s, sig, h, k, NULL), 0);
  chain_signer_free(s);
}

OB_TEST(signer_sign_recover_roundtrip) {
  struct chain_signer *s = signer();
  uint8_t k[32], a[20], got[20], sig[65], h[32];
  ob_test_rng_seed(1);
  for (int i = 0; i < 200; i++) {
    ob_test_rand_bytes(k, 32);
    ob_test_rand_bytes(h, 32);
    OB_REQUIRE(chain_key_address(s, a, k, NULL) == 0);
    OB_REQUIRE(chain_sign(s, sig, h, k, NULL) == 0);
    OB_CHECK(sig[64] == 27 || sig[64] == 28);
    OB_CHECK(sig[32] < 0x80); /* low s */
    OB_CHECK_EQ(chain_recover(s, got, h, sig, NULL), 0);
    OB_CHECK_MEM(got, a, 20);
    OB_CHECK(chain_verify(s, h, sig, a));
    h[0] ^= 1;
    OB_CHECK(!chain_verify(s, h, sig, a));
  }
  chain_signer_free(s);
}

OB_TEST(signer_rejects_high_s_and_bad_v) {
  struct chain_signer *s = signer();
  uint8_t k[32], a[20], sig[65], h[32] = {7};
  struct ob_err e;
  hexkey(k, "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  OB_REQUIRE(chain_sign(s, sig, h, k, NULL) == 0);
  sig[64] = 29;
  ob_err_clear(&e);
  OB_CHECK_EQ(chain_recover(s, a, h, sig, &e), OB_EINVAL);
  OB_CHECK_CONTAINS(e.msg, "v is 29");
  sig[64] = 27;
  memset(sig + 32, 0xff, 32); /* s >= n/2 */
  OB_CHECK_EQ(chain_recover(s, a, h, sig, &e), OB_EINVAL);
  OB_CHECK_CONTAINS(e.msg, "upper half");
  chain_signer_free(s);
}

/* Signature by a fixed key over a fixed digest is deterministic (RFC 6979) and equal to the one
 * cast gives: `cast wallet sign --no-hash --private-key 0xac09…ff80 0x<keccak256("obridge")>`. */
OB_TEST(signer_rfc6979_deterministic) {
  struct chain_signer *s1 = signer(), *s2 = signer();
  uint8_t k[32], h[32], a[65], b[65];
  hexkey(k, "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  chain_keccak256(h, "obridge", 7);
  OB_CHECK_EQ(chain_sign(s1, a, h, k, NULL), 0);
  OB_CHECK_EQ(chain_sign(s2, b, h, k, NULL), 0);
  OB_CHECK_MEM(a, b, 65);
  hexkey(h, "534085d8278e6a6d59193d3ed58011243a64b5cf1c00187f474208ff406eba6e");
  OB_CHECK_MEM(a, h, 32);
  hexkey(h, "3fdc795b8c1e8191abb9485bae12805e2d4bc96f8035dce3a5b7f9700a1ec87e");
  OB_CHECK_MEM(a + 32, h, 32);
  OB_CHECK_EQ(a[64], 0x1b);
  chain_signer_free(s1);
  chain_signer_free(s2);
}

OB_TEST(signer_key_generate) {
  uint8_t a[32], b[32];
  OB_CHECK_EQ(chain_key_generate(a, NULL), 0);
  OB_CHECK_EQ(chain_key_generate(b, NULL), 0);
  OB_CHECK(chain_key_valid(a) && chain_key_valid(b));
  OB_CHECK(memcmp(a, b, 32) != 0);
}

/* Signing and the protocol fast paths never allocate (counted through the ob_alloc hooks). */
static size_t n_allocs;
static void *count_malloc(size_t n) { n_allocs++; return malloc(n); }
static void *count_realloc(void *p, size_t n) { n_allocs++; return realloc(p, n); }

OB_TEST(signer_sign_does_not_allocate) {
  static const struct ob_allocator counting = {count_malloc, count_realloc, free};
  struct chain_signer *s = signer();
  struct chain_commitment c = {.round = 1, .cid = "bafkreiexample", .timestamp = 2, .count = 3};
  uint8_t k[32], d[32], sig[65], a[20], reg[20] = {0};
  hexkey(k, "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  ob_set_allocator(&counting);
  n_allocs = 0;
  chain_eip712_commitment_digest(d, 31337, reg, &c);
  OB_CHECK_EQ(chain_sign(s, sig, d, k, NULL), 0);
  OB_CHECK_EQ(chain_recover(s, a, d, sig, NULL), 0);
  ob_set_allocator(NULL);
  OB_CHECK_EQ(n_allocs, 0);
  chain_signer_free(s);
}
