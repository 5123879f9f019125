/* secp256k1 signing for Ethereum: private key -> address, recoverable signatures (r||s||v, low s,
 * v = 27/28), recovery and verification; EIP-55 addresses.
 *
 * Rules: a struct chain_signer holds a randomised libsecp256k1 context (created with
 * SECP256K1_CONTEXT_NONE); it may be shared by threads for signing, recovery and verification,
 * which never modify it. Private keys are caller arrays `key32[32]`; every function that derives
 * anything from one wipes its own copies (ob_memclear) before returning. A private key must be in
 * [1, n-1]; zero or >= n is refused with OB_EINVAL and "private key is zero or not below the
 * curve order n". Outputs are written only on success. err may be NULL everywhere. */
#ifndef OB_CHAIN_SIGNER_H
#define OB_CHAIN_SIGNER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct chain_signer;

/* Create a signer context, randomised from getrandom().
 * Returns: 0; OB_ENOMEM; OB_ECRYPTO if randomisation fails. Allocates once.
 * Out: *out owned, free with chain_signer_free. */
int chain_signer_new(struct chain_signer **out, struct ob_err *err);
void chain_signer_free(struct chain_signer *s); /* NULL is a no-op */

/* A new random private key from getrandom() (retried until valid).
 * Returns: 0; OB_ECRYPTO if the system has no randomness. Never allocates. */
int chain_key_generate(uint8_t key32[32], struct ob_err *err);

/* Is key32 a valid private key (1 <= k < n)? Constant time. */
bool chain_key_valid(const uint8_t key32[32]);

/* Derive the address (last 20 bytes of keccak256 of the uncompressed public key).
 * Returns: 0; OB_EINVAL for an invalid key. Never allocates. */
int chain_key_address(const struct chain_signer *s, uint8_t addr20[20], const uint8_t key32[32],
                      struct ob_err *err);

/* Sign a 32-byte digest (RFC 6979 nonce, so equal to cast/ethers byte for byte).
 * Returns: 0; OB_EINVAL for an invalid key; OB_ECRYPTO if libsecp256k1 fails.
 * Out: sig65 = r(32) || s(32) || v(1), s <= n/2, v = 27 + recovery id. Never allocates. */
int chain_sign(const struct chain_signer *s, uint8_t sig65[65], const uint8_t hash32[32],
               const uint8_t key32[32], struct ob_err *err);
/* Same, giving r||s and the recovery id (0 or 1) separately, for transactions. */
int chain_sign_rs(const struct chain_signer *s, uint8_t rs64[64], int *recid,
                  const uint8_t hash32[32], const uint8_t key32[32], struct ob_err *err);

/* Recover the signer's address from a digest and r||s||v (v = 27/28; 0/1 accepted too).
 * Returns: 0; OB_EINVAL for a bad v, r or s out of range, or high s (malleable);
 *          OB_ECRYPTO if no key recovers. Never allocates. */
int chain_recover(const struct chain_signer *s, uint8_t addr20[20], const uint8_t hash32[32],
                  const uint8_t sig65[65], struct ob_err *err);
/* Same, from r||s and a recovery id 0/1. */
int chain_recover_rs(const struct chain_signer *s, uint8_t addr20[20], const uint8_t hash32[32],
                     const uint8_t rs64[64], int recid, struct ob_err *err);
/* True if sig65 is a valid low-s signature of hash32 by addr20. */
bool chain_verify(const struct chain_signer *s, const uint8_t hash32[32], const uint8_t sig65[65],
                  const uint8_t addr20[20]);

/* EIP-55: out = "0x" + 40 mixed-case hex digits + NUL. */
void chain_addr_checksum(char out[43], const uint8_t addr20[20]);
/* Parse "0x" + 40 hex digits. All-lower or all-upper is accepted as is; mixed case must be a valid
 * EIP-55 checksum. Returns: 0; OB_EPARSE naming the text. */
int chain_addr_parse(uint8_t addr20[20], const char *text, struct ob_err *err);
#endif
