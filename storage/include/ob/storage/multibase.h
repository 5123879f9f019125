/* Multibase text encodings used by CIDs: base32 (RFC 4648 alphabet, lower case, no padding;
 * multibase prefix 'b') and base58btc (Bitcoin alphabet; prefix 'z', and bare for CIDv0).
 *
 * Rules: the encoders write NUL-terminated text and never allocate; the decoders never allocate and
 * reject any character outside the alphabet. Lengths follow their pointers. */
#ifndef OB_STORAGE_MULTIBASE_H
#define OB_STORAGE_MULTIBASE_H
#include <stddef.h>
#include <stdint.h>
struct ob_err;

/* Text length (without NUL) of n bytes in base32, no padding. */
size_t ipfs_base32_len(size_t n);

/* Encode n bytes as lower-case base32 without padding.
 * Returns: 0; OB_ESPACE if outcap < ipfs_base32_len(n) + 1.
 * Out:     out  NUL-terminated text. */
int ipfs_base32_encode(char *out, size_t outcap, const uint8_t *in, size_t n);

/* Decode base32 text (lower or upper case, no padding) of textlen characters.
 * Returns: 0; OB_EPARSE for a character outside the alphabet or an impossible length or
 *          non-zero trailing bits (message names the position); OB_ESPACE if it does not fit.
 * Out:     out, *outlen = bytes written. */
int ipfs_base32_decode(uint8_t *out, size_t outcap, size_t *outlen, const char *text,
                       size_t textlen, struct ob_err *err);

/* Encode n bytes (n <= 128) in base58btc (leading zero bytes become '1').
 * Returns: 0; OB_ESPACE if out is too small (about n * 138 / 100 + 2 bytes are enough);
 *          OB_EINVAL if n > 128. */
int ipfs_base58btc_encode(char *out, size_t outcap, const uint8_t *in, size_t n);

/* Decode base58btc text of textlen characters (textlen <= 256).
 * Returns: 0; OB_EPARSE for a character outside the alphabet (message names the position);
 *          OB_ESPACE if it does not fit in outcap; OB_ELIMIT if textlen > 256. */
int ipfs_base58btc_decode(uint8_t *out, size_t outcap, size_t *outlen, const char *text,
                          size_t textlen, struct ob_err *err);

/* Unsigned LEB128 varints as multiformats uses them (at most 9 bytes, minimal encoding).
 * ipfs_varint_put writes at most 10 bytes and returns the count.
 * ipfs_varint_get returns the count read, or 0 if truncated, over 9 bytes or not minimal. */
size_t ipfs_varint_put(uint8_t *out, uint64_t v);
size_t ipfs_varint_get(const uint8_t *in, size_t n, uint64_t *v);
#endif
