/* EIP-712 typed structured data: the generic eth_signTypedData_v4 JSON format and obridge's two
 * protocol types (Commitment, ModelEntry) as fast paths with the same results.
 *
 * Generic path: a document {types, primaryType, domain, message} as MetaMask's eth_signTypedData_v4
 * and `cast wallet sign --data` take it. Types: bool, address, string, bytes, bytes1..32,
 * uint8..256, int8..256 (bare uint/int = 256), structs, and arrays of any of them (T[], T[k],
 * nested). Values: integers as JSON numbers or decimal/0x-hex strings (negative for intN), bool as
 * true/false, address as 0x + 40 hex (mixed case must be a valid EIP-55 checksum), bytes and
 * bytesN as 0x-hex (bytesN exactly N bytes), string as a JSON string. A missing
 * types.EIP712Domain is inferred from the domain's fields in the standard order (name, version,
 * chainId, verifyingContract, salt), as ethers and cast do. Errors name the JSON path:
 * "message.to.wallet: expected an address, got '0x12'".
 *
 * Fast paths never allocate; the generic path allocates while parsing (a tree and a type-string
 * buffer, freed before it returns). err may be NULL. */
#ifndef OB_CHAIN_EIP712_H
#define OB_CHAIN_EIP712_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_err;
struct ob_buf;
struct ob_json;

struct chain_eip712_hashes {
  uint8_t digest[32];           /* keccak256(0x19 0x01 || domain || message): what is signed */
  uint8_t domain_separator[32]; /* hashStruct(EIP712Domain, domain) */
  uint8_t message_hash[32];     /* hashStruct(primaryType, message); zero if primaryType is the domain */
};

/* Limits on a document. */
#define CHAIN_EIP712_MAX_BYTES (4u << 20)
#define CHAIN_EIP712_MAX_TYPES 256

/* Hash a whole eth_signTypedData_v4 JSON document.
 * Returns: 0; OB_EPARSE (not JSON, a bad field, a value that does not fit its type, naming the
 *          path); OB_EINVAL (a bad type description); OB_ELIMIT; OB_ENOMEM. */
int chain_eip712_hash_json(struct chain_eip712_hashes *out, const char *json, size_t len,
                           struct ob_err *err);

/* The pieces, given a `types` object: encodeType (appended to out) and hashStruct. */
int chain_eip712_encode_type(struct ob_buf *out, const struct ob_json *types, const char *type,
                             struct ob_err *err);
int chain_eip712_hash_struct(uint8_t out32[32], const struct ob_json *types, const char *type,
                             const struct ob_json *value, struct ob_err *err);

/* Turn an encodeType string ("Mail(Person from,string contents)Person(string name,address wallet)")
 * into the equivalent `types` JSON object, appended to out (parse it with ob_json_parse).
 * Returns: 0; OB_EPARSE naming the offset of a malformed part; the ob_buf errors. */
int chain_eip712_types_from_string(struct ob_buf *out, const char *encoded, struct ob_err *err);

/* ---- obridge's protocol types (docs/PROTOCOL.md); all fields borrowed for the call ---- */

struct chain_commitment {
  uint64_t round;
  uint8_t root[32];
  const char *cid; /* NUL-terminated text */
  uint64_t timestamp;
  uint32_t count;
};
/* hashStruct(Commitment(uint64 round,bytes32 root,string cid,uint64 timestamp,uint32 count)). */
void chain_eip712_commitment_hash(uint8_t out32[32], const struct chain_commitment *c);
/* The digest signers sign: keccak256(0x19 0x01 || obridge domain (EIP712Domain(string name,string
 * version,uint256 chainId,address verifyingContract), name "obridge", version "1") || commitment hash). */
void chain_eip712_commitment_digest(uint8_t out32[32], uint64_t chain_id, const uint8_t registry20[20],
                                    const struct chain_commitment *c);

struct chain_model_entry {
  const char *name, *version, *cid; /* NUL-terminated text */
  uint8_t sha256[32];
  uint64_t size;
};
/* hashStruct(ModelEntry(string name,string version,string cid,bytes32 sha256,uint64 size)). */
void chain_eip712_model_entry_hash(uint8_t out32[32], const struct chain_model_entry *m);
void chain_eip712_model_entry_digest(uint8_t out32[32], uint64_t chain_id, const uint8_t registry20[20],
                                     const struct chain_model_entry *m);

/* The eth_signTypedData_v4 document of a commitment / model entry (appended to out), for external
 * signers and `cast wallet sign --data`. Returns 0 or the ob_buf error. */
int chain_eip712_commitment_json(struct ob_buf *out, uint64_t chain_id, const uint8_t registry20[20],
                                 const struct chain_commitment *c);
int chain_eip712_model_entry_json(struct ob_buf *out, uint64_t chain_id, const uint8_t registry20[20],
                                  const struct chain_model_entry *m);
#endif
