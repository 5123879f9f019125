/* Transactions: the EIP-155 example, a cast-made EIP-1559 transaction, decode, bad input. */
#include <stdlib.h>
#include <string.h>

#include "ob/chain/signer.h"
#include "ob/chain/tx.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob_test.h"

static const char eip155_raw[] =
    "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef6134"
    "0bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3"
    "dc64214b297fb1966a3b6d83";
/* cast mktx --private-key 0x4646…46 --chain 5 --nonce 1 --gas-price 30 --priority-gas-price 2
 *   --gas-limit 21000 --value 7 0x3535…35 0x1234 */
static const char cast_1559_raw[] =
    "02f8640501021e82520894353535353535353535353535353535353535353507821234c001a0b59cba554eb13b4356a607"
    "3d104554af5b0f9050300a96a34ee63368e350ce65a055aa5e6c7886cf34c669d309631ab3e4f15a6e4280a3393b236ac1"
    "7064cc89af";

static struct chain_signer *signer(void) {
  struct chain_signer *s = NULL;
  if (chain_signer_new(&s, NULL)) abort();
  return s;
}

static void to_hex(char *out, const struct ob_buf *b) { ob_hex_encode(out, (const uint8_t *)b->buf, b->len); }

OB_TEST(tx_eip155_example) {
  struct chain_signer *s = signer();
  struct chain_tx tx;
  struct ob_buf raw;
  uint8_t key[32], h[32], want[32], from[20], k20[20];
  char hex[512];
  memset(key, 0x46, 32);
  chain_tx_init(&tx, CHAIN_TX_LEGACY);
  tx.chain_id = 1, tx.nonce = 9, tx.gas_limit = 21000, tx.has_to = true;
  memset(tx.to, 0x35, 20);
  OB_REQUIRE(chain_u256_parse(&tx.gas_price, "20000000000", NULL, NULL) == 0);
  OB_REQUIRE(chain_u256_parse(&tx.value, "1000000000000000000", NULL, NULL) == 0);
  OB_CHECK_EQ(chain_tx_signing_hash(h, &tx, NULL), 0);
  ob_hex_decode_fixed(want, 32, "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53", NULL);
  OB_CHECK_MEM(h, want, 32);
  OB_CHECK_EQ(chain_tx_sign(&tx, s, key, NULL), 0);
  OB_CHECK_EQ(chain_tx_legacy_v(&tx), 37);
  ob_buf_init(&raw, 1 << 16);
  OB_CHECK_EQ(chain_tx_encode(&raw, &tx, NULL), 0);
  to_hex(hex, &raw);
  OB_CHECK_STR(hex, eip155_raw);
  /* Decode it back. */
  chain_tx_init(&tx, CHAIN_TX_EIP1559);
  OB_CHECK_EQ(chain_tx_decode(&tx, from, (const uint8_t *)raw.buf, raw.len, s, NULL), 0);
  chain_key_address(s, k20, key, NULL);
  OB_CHECK_MEM(from, k20, 20);
  OB_CHECK_EQ(tx.type, CHAIN_TX_LEGACY);
  OB_CHECK_EQ(tx.chain_id, 1);
  OB_CHECK_EQ(tx.nonce, 9);
  OB_CHECK_EQ(tx.gas_limit, 21000);
  OB_CHECK_EQ(tx.data_len, 0);
  ob_buf_release(&raw);
  chain_signer_free(s);
}

OB_TEST(tx_eip1559_equals_cast) {
  struct chain_signer *s = signer();
  struct chain_tx tx, back;
  struct ob_buf raw;
  uint8_t key[32], from[20], k20[20], *bytes = NULL;
  static const uint8_t data[2] = {0x12, 0x34};
  size_t n = 0;
  char hex[512];
  memset(key, 0x46, 32);
  chain_tx_init(&tx, CHAIN_TX_EIP1559);
  tx.chain_id = 5, tx.nonce = 1, tx.gas_limit = 21000, tx.has_to = true, tx.data = data, tx.data_len = 2;
  memset(tx.to, 0x35, 20);
  chain_u256_from_u64(&tx.max_fee, 30);
  chain_u256_from_u64(&tx.max_priority_fee, 2);
  chain_u256_from_u64(&tx.value, 7);
  OB_CHECK_EQ(chain_tx_sign(&tx, s, key, NULL), 0);
  ob_buf_init(&raw, 1 << 16);
  OB_CHECK_EQ(chain_tx_encode(&raw, &tx, NULL), 0);
  to_hex(hex, &raw);
  OB_CHECK_STR(hex, cast_1559_raw);
  OB_REQUIRE(ob_hex_decode_alloc(&bytes, &n, cast_1559_raw, strlen(cast_1559_raw), NULL) == 0);
  OB_CHECK_EQ(chain_tx_decode(&back, from, bytes, n, s, NULL), 0);
  chain_key_address(s, k20, key, NULL);
  OB_CHECK_MEM(from, k20, 20);
  OB_CHECK_EQ(back.type, CHAIN_TX_EIP1559);
  OB_CHECK_EQ(back.chain_id, 5);
  OB_CHECK_EQ(back.data_len, 2);
  OB_CHECK_MEM(back.data, data, 2);
  OB_CHECK_EQ(chain_u256_cmp(&back.max_fee, &tx.max_fee), 0);
  OB_CHECK_MEM(back.r, tx.r, 32);
  OB_CHECK_MEM(back.s, tx.s, 32);
  ob_free(bytes);
  ob_buf_release(&raw);
  chain_signer_free(s);
}

static int decode_hex(const char *hex, struct ob_err *e) {
  struct chain_signer *s = signer();
  struct chain_tx tx;
  uint8_t *b = NULL, from[20];
  size_t n = 0;
  int rc;
  if (ob_hex_decode_alloc(&b, &n, hex, strlen(hex), NULL)) abort();
  ob_err_clear(e);
  rc = chain_tx_decode(&tx, from, b, n, s, e);
  ob_free(b);
  chain_signer_free(s);
  return rc;
}

OB_TEST(tx_decode_bad_inputs) {
  struct ob_err e;
  char buf[sizeof(eip155_raw)];
  OB_CHECK_EQ(decode_hex("01c0", &e), OB_EUNSUP);
  OB_CHECK_STR(e.msg, "tx: type 1 is not supported (only legacy and EIP-1559)");
  OB_CHECK_EQ(decode_hex("", &e), OB_EPARSE);
  OB_CHECK_EQ(decode_hex("c0", &e), OB_EPARSE);
  OB_CHECK_STR(e.msg, "tx: 0 fields, expected 9");
  /* Truncated. */
  memcpy(buf, eip155_raw, sizeof(buf));
  buf[sizeof(buf) - 3] = '\0';
  OB_CHECK_EQ(decode_hex(buf, &e), OB_EPARSE);
  OB_CHECK_CONTAINS(e.msg, "tx");
  /* v = 0x24 (36): no valid chain id. */
  memcpy(buf, eip155_raw, sizeof(buf));
  memcpy(strstr(buf, "8025a0") + 2, "24", 2);
  OB_CHECK_EQ(decode_hex(buf, &e), OB_EINVAL);
  OB_CHECK_CONTAINS(e.msg, "tx: v is 36");
  /* High s: n - s of the example. */
  OB_CHECK_EQ(decode_hex("f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef6134"
                         "0bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a098341627668089e51348fccfb4c7ff31c559"
                         "12f2d2e47ef09652acf665fad3be", &e), OB_EINVAL);
  OB_CHECK_CONTAINS(e.msg, "upper half");
  /* Trailing byte after the list. */
  OB_CHECK_EQ(decode_hex("f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef6134"
                         "0bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3"
                         "dc64214b297fb1966a3b6d8300", &e), OB_EPARSE);
}

OB_TEST(tx_unsigned_encode_refused) {
  struct chain_tx tx;
  struct ob_buf b;
  struct ob_err e;
  chain_tx_init(&tx, CHAIN_TX_EIP1559);
  ob_buf_init(&b, 1024);
  ob_err_clear(&e);
  OB_CHECK_EQ(chain_tx_encode(&b, &tx, &e), OB_ESTATE);
  OB_CHECK_STR(e.msg, "tx: not signed");
}
