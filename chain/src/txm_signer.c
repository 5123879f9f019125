/* The transaction manager's signer on the chain primitives. */
#include <string.h>

#include "ob/chain/signer.h"
#include "ob/chain/tx.h"
#include "ob/chain/txm.h"
#include "ob/chain/txm_signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"

struct chain_key_signer {
  struct chain_signer *secp;
  uint8_t key[32];
};

static int sign(void *ud, const struct chain_txm_sign_req *r, struct ob_buf *raw, uint8_t hash32[32],
                struct ob_err *err) {
  struct chain_key_signer *s = ud;
  struct chain_tx tx;
  int rc;
  chain_tx_init(&tx, r->legacy ? CHAIN_TX_LEGACY : CHAIN_TX_EIP1559);
  tx.chain_id = r->chain_id;
  tx.nonce = r->nonce;
  tx.gas_limit = r->gas_limit;
  tx.value = r->value;
  if (r->legacy) {
    tx.gas_price = r->gas_price;
  } else {
    tx.max_fee = r->max_fee;
    tx.max_priority_fee = r->max_priority_fee;
  }
  tx.has_to = r->has_to;
  memcpy(tx.to, r->to, 20);
  tx.data = r->data;
  tx.data_len = r->data_len;
  rc = chain_tx_sign(&tx, s->secp, s->key, err);
  if (!rc) rc = chain_tx_encode(raw, &tx, err);
  if (!rc) rc = chain_tx_hash(hash32, &tx, err);
  return rc;
}

int chain_key_signer_new(struct chain_key_signer **out, struct chain_txm_signer *as, const uint8_t key32[32],
                         struct ob_err *err) {
  struct chain_key_signer *s = ob_calloc(1, sizeof(*s));
  int rc;
  if (!s) return ob_err_set(err, OB_ENOMEM, "out of memory");
  rc = chain_signer_new(&s->secp, err);
  if (!rc) rc = chain_key_address(s->secp, as->from, key32, err);
  if (rc) {
    chain_key_signer_free(s);
    return rc;
  }
  memcpy(s->key, key32, 32);
  as->ud = s;
  as->sign = sign;
  *out = s;
  return 0;
}

void chain_key_signer_free(struct chain_key_signer *s) {
  if (!s) return;
  ob_memclear(s->key, sizeof(s->key));
  chain_signer_free(s->secp);
  ob_free(s);
}
