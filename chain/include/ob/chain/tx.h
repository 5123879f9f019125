/* Ethereum transactions: legacy (EIP-155 replay-protected, or unprotected when chain_id is 0) and
 * EIP-1559 (type 2). Build a struct chain_tx, sign it, encode it raw; or decode a raw signed
 * transaction back into its fields and recover the sender.
 *
 * Ownership: tx->data and tx->access_list are borrowed (by chain_tx_decode: they point into the
 * raw bytes, valid while those are). Nothing is kept between calls. Amounts are uint256. err may
 * be NULL. */
#ifndef OB_CHAIN_TX_H
#define OB_CHAIN_TX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ob/core/u256.h"

struct ob_err;
struct ob_buf;
struct chain_signer;

enum chain_tx_type { CHAIN_TX_LEGACY = 0, CHAIN_TX_EIP1559 = 2 };

struct chain_tx {
  enum chain_tx_type type;
  uint64_t chain_id;                 /* legacy: 0 = no EIP-155 protection (decode only) */
  uint64_t nonce;
  struct chain_u256 gas_price;       /* legacy */
  struct chain_u256 max_priority_fee; /* type 2: maxPriorityFeePerGas */
  struct chain_u256 max_fee;         /* type 2: maxFeePerGas */
  uint64_t gas_limit;
  bool has_to;                       /* false: contract creation */
  uint8_t to[20];
  struct chain_u256 value;
  const uint8_t *data;               /* borrowed; may be NULL when data_len is 0 */
  size_t data_len;
  const uint8_t *access_list;        /* type 2: the RLP list, borrowed; NULL = empty list */
  size_t access_list_len;
  /* Signature (set by chain_tx_sign and chain_tx_decode). */
  bool is_signed;
  uint8_t r[32], s[32];
  int y_parity;                      /* 0 or 1 */
};

/* Zero the struct: a legacy transaction with everything 0. Never fails. */
void chain_tx_init(struct chain_tx *tx, enum chain_tx_type type);

/* The digest that is signed (keccak of the unsigned encoding).
 * Returns: 0; OB_EINVAL for an unknown type; OB_ENOMEM. Allocates a scratch buffer. */
int chain_tx_signing_hash(uint8_t out32[32], const struct chain_tx *tx, struct ob_err *err);
/* Sign: sets r, s, y_parity and is_signed. Returns: 0; the errors of signing_hash and chain_sign. */
int chain_tx_sign(struct chain_tx *tx, const struct chain_signer *s, const uint8_t key32[32],
                  struct ob_err *err);
/* Legacy v: 27/28 without chain id, else 35 + 2 chain_id + y_parity. */
uint64_t chain_tx_legacy_v(const struct chain_tx *tx);
/* Append the raw signed transaction (what eth_sendRawTransaction takes) to out.
 * Returns: 0; OB_ESTATE if not signed; OB_EINVAL; the ob_buf errors. */
int chain_tx_encode(struct ob_buf *out, const struct chain_tx *tx, struct ob_err *err);
/* Transaction hash: keccak256 of the raw signed encoding. */
int chain_tx_hash(uint8_t out32[32], const struct chain_tx *tx, struct ob_err *err);

/* Decode a raw signed transaction (strict RLP, every field checked) and recover its sender.
 * Returns: 0; OB_EPARSE naming the field ("tx: to is 19 bytes, expected 20 or empty");
 *          OB_EUNSUP for other transaction types (EIP-2930, EIP-4844, ...); OB_EINVAL for a bad
 *          signature (high s, bad v); OB_ECRYPTO if no sender recovers.
 * Out: *tx (data and access_list borrowed from raw), from20 the sender (may be NULL). */
int chain_tx_decode(struct chain_tx *tx, uint8_t from20[20], const uint8_t *raw, size_t len,
                    const struct chain_signer *s, struct ob_err *err);
#endif
