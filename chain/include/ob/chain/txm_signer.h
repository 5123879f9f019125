/* A transaction manager signer (struct chain_txm_signer) from a private key, with the chain
 * primitives (chain_tx_sign, chain_tx_encode, chain_tx_hash). The key is copied into the owned
 * object and wiped by chain_key_signer_free; it is never logged. */
#ifndef OB_CHAIN_TXM_SIGNER_H
#define OB_CHAIN_TXM_SIGNER_H
#include <stdint.h>

struct ob_err;
struct chain_txm_signer;
struct chain_key_signer;

/* Allocates once. Fills *as (borrowing *out until it is freed). Returns 0; OB_EINVAL for an
 * invalid key; OB_ENOMEM; OB_ECRYPTO. */
int chain_key_signer_new(struct chain_key_signer **out, struct chain_txm_signer *as, const uint8_t key32[32],
                         struct ob_err *err);
void chain_key_signer_free(struct chain_key_signer *s); /* wipes the key; NULL is a no-op */
#endif
