/* Legacy (EIP-155) and EIP-1559 transactions: RLP encoding, signing, decoding. */
#include "ob/chain/tx.h"

#include <string.h>

#include "ob/chain/keccak.h"
#include "ob/chain/rlp.h"
#include "ob/chain/signer.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"

#define TX_MAX_BYTES ((size_t)16 << 20)

void chain_tx_init(struct chain_tx *tx, enum chain_tx_type type) {
  memset(tx, 0, sizeof(*tx));
  tx->type = type;
}

uint64_t chain_tx_legacy_v(const struct chain_tx *tx) {
  return tx->chain_id ? 35 + 2 * tx->chain_id + (uint64_t)tx->y_parity : 27 + (uint64_t)tx->y_parity;
}

static int put_fields(struct ob_buf *b, const struct chain_tx *tx) {
  int rc = 0;
  if (tx->type == CHAIN_TX_EIP1559) {
    rc = chain_rlp_put_u64(b, tx->chain_id);
    rc = rc ? rc : chain_rlp_put_u64(b, tx->nonce);
    rc = rc ? rc : chain_rlp_put_u256(b, &tx->max_priority_fee);
    rc = rc ? rc : chain_rlp_put_u256(b, &tx->max_fee);
  } else {
    rc = chain_rlp_put_u64(b, tx->nonce);
    rc = rc ? rc : chain_rlp_put_u256(b, &tx->gas_price);
  }
  rc = rc ? rc : chain_rlp_put_u64(b, tx->gas_limit);
  rc = rc ? rc : chain_rlp_put_bytes(b, tx->to, tx->has_to ? 20 : 0);
  rc = rc ? rc : chain_rlp_put_u256(b, &tx->value);
  rc = rc ? rc : chain_rlp_put_bytes(b, tx->data, tx->data_len);
  if (!rc && tx->type == CHAIN_TX_EIP1559)
    rc = tx->access_list ? chain_rlp_put_raw(b, tx->access_list, tx->access_list_len)
                         : chain_rlp_put_raw(b, "\xc0", 1);
  return rc;
}

static int put_sig(struct ob_buf *b, const struct chain_tx *tx) {
  int rc = tx->type == CHAIN_TX_EIP1559 ? chain_rlp_put_u64(b, (uint64_t)tx->y_parity)
                                        : chain_rlp_put_u64(b, chain_tx_legacy_v(tx));
  rc = rc ? rc : chain_rlp_put_uint_be(b, tx->r, 32);
  return rc ? rc : chain_rlp_put_uint_be(b, tx->s, 32);
}

/* The unsigned (for_signing) or signed encoding, appended to b. */
static int encode(struct ob_buf *b, const struct chain_tx *tx, bool for_signing, struct ob_err *err) {
  size_t mark;
  int rc = 0;
  if (tx->type != CHAIN_TX_LEGACY && tx->type != CHAIN_TX_EIP1559)
    return ob_err_set(err, OB_EINVAL, "tx: unknown type %d", (int)tx->type);
  if (tx->type == CHAIN_TX_EIP1559) rc = ob_buf_addch(b, 0x02);
  mark = chain_rlp_list_begin(b);
  rc = rc ? rc : put_fields(b, tx);
  if (!rc && for_signing && tx->type == CHAIN_TX_LEGACY && tx->chain_id) {
    rc = chain_rlp_put_u64(b, tx->chain_id);
    rc = rc ? rc : chain_rlp_put_u64(b, 0);
    rc = rc ? rc : chain_rlp_put_u64(b, 0);
  }
  if (!rc && !for_signing) rc = put_sig(b, tx);
  rc = rc ? rc : chain_rlp_list_end(b, mark);
  if (rc) return ob_err_set(err, rc, "tx: cannot encode: %s", ob_strerror(rc));
  return 0;
}

int chain_tx_signing_hash(uint8_t out32[32], const struct chain_tx *tx, struct ob_err *err) {
  struct ob_buf b;
  int rc;
  ob_buf_init(&b, TX_MAX_BYTES);
  if (!(rc = encode(&b, tx, true, err))) chain_keccak256(out32, b.buf, b.len);
  ob_buf_release(&b);
  return rc;
}

int chain_tx_sign(struct chain_tx *tx, const struct chain_signer *s, const uint8_t key32[32],
                  struct ob_err *err) {
  uint8_t h[32], rs[64];
  int recid = 0, rc = chain_tx_signing_hash(h, tx, err);
  if (rc) return rc;
  if ((rc = chain_sign_rs(s, rs, &recid, h, key32, err))) return rc;
  memcpy(tx->r, rs, 32);
  memcpy(tx->s, rs + 32, 32);
  tx->y_parity = recid;
  tx->is_signed = true;
  return 0;
}

int chain_tx_encode(struct ob_buf *out, const struct chain_tx *tx, struct ob_err *err) {
  if (!tx->is_signed) return ob_err_set(err, OB_ESTATE, "tx: not signed");
  return encode(out, tx, false, err);
}

int chain_tx_hash(uint8_t out32[32], const struct chain_tx *tx, struct ob_err *err) {
  struct ob_buf b;
  int rc;
  ob_buf_init(&b, TX_MAX_BYTES);
  if (!(rc = chain_tx_encode(&b, tx, err))) chain_keccak256(out32, b.buf, b.len);
  ob_buf_release(&b);
  return rc;
}

/* ---- decoding ---- */

static int get_u64(uint64_t *out, const struct chain_rlp_item *it, const char *name, struct ob_err *err) {
  struct ob_err e;
  int rc;
  ob_err_clear(&e);
  if ((rc = chain_rlp_get_u64(it, out, &e))) return ob_err_set(err, rc, "tx: %s: %s", name, ob_err_msg(&e, rc));
  return 0;
}

static int get_u256(struct chain_u256 *out, const struct chain_rlp_item *it, const char *name, struct ob_err *err) {
  struct ob_err e;
  int rc;
  ob_err_clear(&e);
  if ((rc = chain_rlp_get_u256(it, out, &e))) return ob_err_set(err, rc, "tx: %s: %s", name, ob_err_msg(&e, rc));
  return 0;
}

static int get_word(uint8_t out32[32], const struct chain_rlp_item *it, const char *name, struct ob_err *err) {
  struct chain_u256 v;
  int rc = get_u256(&v, it, name, err);
  if (rc) return rc;
  if (chain_u256_is_zero(&v)) return ob_err_set(err, OB_EINVAL, "tx: signature %s is zero", name);
  chain_u256_to_be(out32, &v);
  return 0;
}

static int get_to(struct chain_tx *tx, const struct chain_rlp_item *it, struct ob_err *err) {
  if (it->is_list || (it->len != 0 && it->len != 20))
    return ob_err_set(err, OB_EPARSE, "tx: to is %s%zu bytes, expected 20 or empty", it->is_list ? "a list of " : "", it->len);
  tx->has_to = it->len == 20;
  if (tx->has_to) memcpy(tx->to, it->p, 20);
  return 0;
}

/* An access list is [[address, [storageKey, ...]], ...]. */
static int check_access_list(const struct chain_rlp_item *al, struct ob_err *err) {
  struct chain_rlp_iter it, in, keys;
  struct chain_rlp_item e, a, k, key;
  int r;
  if (!al->is_list) return ob_err_set(err, OB_EPARSE, "tx: accessList is not a list");
  chain_rlp_iter_init(&it, al);
  while ((r = chain_rlp_iter_next(&it, &e, err)) == 1) {
    chain_rlp_iter_init(&in, &e);
    if (!e.is_list || chain_rlp_iter_next(&in, &a, NULL) != 1 || chain_rlp_iter_next(&in, &k, NULL) != 1 ||
        chain_rlp_iter_next(&in, &key, NULL) != 0 || a.is_list || a.len != 20 || !k.is_list)
      return ob_err_set(err, OB_EPARSE, "tx: accessList entry is not [address, [storageKey, ...]]");
    chain_rlp_iter_init(&keys, &k);
    while ((r = chain_rlp_iter_next(&keys, &key, err)) == 1)
      if (key.is_list || key.len != 32) return ob_err_set(err, OB_EPARSE, "tx: accessList storage key is not 32 bytes");
    if (r < 0) return r;
  }
  return r;
}

static int decode_1559(struct chain_tx *tx, struct chain_rlp_item *f, struct ob_err *err) {
  uint64_t yp;
  int rc;
  if ((rc = get_u64(&tx->chain_id, &f[0], "chainId", err)) || (rc = get_u64(&tx->nonce, &f[1], "nonce", err)) ||
      (rc = get_u256(&tx->max_priority_fee, &f[2], "maxPriorityFeePerGas", err)) ||
      (rc = get_u256(&tx->max_fee, &f[3], "maxFeePerGas", err)) ||
      (rc = get_u64(&tx->gas_limit, &f[4], "gas", err)) || (rc = get_to(tx, &f[5], err)) ||
      (rc = get_u256(&tx->value, &f[6], "value", err)) || (rc = check_access_list(&f[8], err)) ||
      (rc = get_u64(&yp, &f[9], "yParity", err)))
    return rc;
  if (f[7].is_list) return ob_err_set(err, OB_EPARSE, "tx: data is a list");
  if (yp > 1) return ob_err_set(err, OB_EINVAL, "tx: yParity is %llu, expected 0 or 1", (unsigned long long)yp);
  tx->data = f[7].p, tx->data_len = f[7].len;
  tx->access_list = f[8].p - (f[8].enc_len - f[8].len), tx->access_list_len = f[8].enc_len;
  tx->y_parity = (int)yp;
  return 0;
}

static int decode_legacy(struct chain_tx *tx, struct chain_rlp_item *f, struct ob_err *err) {
  uint64_t v;
  int rc;
  if ((rc = get_u64(&tx->nonce, &f[0], "nonce", err)) || (rc = get_u256(&tx->gas_price, &f[1], "gasPrice", err)) ||
      (rc = get_u64(&tx->gas_limit, &f[2], "gas", err)) || (rc = get_to(tx, &f[3], err)) ||
      (rc = get_u256(&tx->value, &f[4], "value", err)) || (rc = get_u64(&v, &f[6], "v", err)))
    return rc;
  if (f[5].is_list) return ob_err_set(err, OB_EPARSE, "tx: data is a list");
  tx->data = f[5].p, tx->data_len = f[5].len;
  if (v == 27 || v == 28) {
    tx->chain_id = 0, tx->y_parity = (int)(v - 27);
  } else if (v >= 37) {
    tx->chain_id = (v - 35) / 2, tx->y_parity = (int)((v - 35) % 2);
  } else {
    return ob_err_set(err, OB_EINVAL, "tx: v is %llu, expected 27, 28 or 35 + 2 chainId + {0,1}", (unsigned long long)v);
  }
  return 0;
}

static int split_fields(struct chain_rlp_item *f, size_t want, const struct chain_rlp_item *list, struct ob_err *err) {
  struct chain_rlp_iter it;
  size_t n = 0;
  int r;
  if (!list->is_list) return ob_err_set(err, OB_EPARSE, "tx: expected an RLP list");
  chain_rlp_iter_init(&it, list);
  while ((r = chain_rlp_iter_next(&it, &f[n < want ? n : want], err)) == 1) n++;
  if (r < 0) return r;
  if (n != want) return ob_err_set(err, OB_EPARSE, "tx: %zu fields, expected %zu", n, want);
  return 0;
}

int chain_tx_decode(struct chain_tx *tx, uint8_t from20[20], const uint8_t *raw, size_t len,
                    const struct chain_signer *s, struct ob_err *err) {
  struct chain_rlp_item list, f[13];
  struct chain_tx t;
  uint8_t h[32], rs[64];
  bool typed = len > 0 && raw[0] < 0x80;
  size_t nf;
  int rc;
  if (len == 0) return ob_err_set(err, OB_EPARSE, "tx: empty");
  if (typed && raw[0] != 0x02)
    return ob_err_set(err, OB_EUNSUP, "tx: type %d is not supported (only legacy and EIP-1559)", raw[0]);
  if ((rc = chain_rlp_decode(&list, raw + typed, len - typed, err))) return ob_err_prefix(err, rc, "tx");
  chain_tx_init(&t, typed ? CHAIN_TX_EIP1559 : CHAIN_TX_LEGACY);
  nf = typed ? 12 : 9;
  if ((rc = split_fields(f, nf, &list, err))) return rc;
  if ((rc = typed ? decode_1559(&t, f, err) : decode_legacy(&t, f, err))) return rc;
  if ((rc = get_word(t.r, &f[nf - 2], "r", err)) || (rc = get_word(t.s, &f[nf - 1], "s", err))) return rc;
  t.is_signed = true;
  if ((rc = chain_tx_signing_hash(h, &t, err))) return rc;
  memcpy(rs, t.r, 32), memcpy(rs + 32, t.s, 32);
  if (from20 && (rc = chain_recover_rs(s, from20, h, rs, t.y_parity, err))) return ob_err_prefix(err, rc, "tx");
  *tx = t;
  return 0;
}
