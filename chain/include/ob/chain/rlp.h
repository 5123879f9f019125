/* RLP (Ethereum's Recursive Length Prefix): an encoder appending to an ob_buf and a strict decoder.
 *
 * Encoder: every chain_rlp_put_* appends one item to out and returns 0, or OB_ELIMIT / OB_ENOMEM
 * from the buffer (which, as ob_buf does, is then emptied). Lists are built in place:
 *   size_t mark = chain_rlp_list_begin(out);  ...put the items...;  chain_rlp_list_end(out, mark);
 * the list header is inserted in front of the items when the list ends.
 *
 * Decoder: strict, as go-ethereum's rlp package is: canonical sizes only (a single byte below 0x80
 * is never wrapped, short forms are used when they fit, long lengths have no leading zero bytes),
 * every length is checked against the bytes that remain, no trailing bytes, nesting at most
 * CHAIN_RLP_MAX_DEPTH. Items point into the caller's buffer (borrowed until it is freed); the
 * decoder never allocates. Errors name the byte offset: "rlp: at byte 3: ...". err may be NULL. */
#ifndef OB_CHAIN_RLP_H
#define OB_CHAIN_RLP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
struct ob_buf;
struct ob_err;
struct chain_u256;

#define CHAIN_RLP_MAX_DEPTH 64

/* ---- encoder ---- */
/* A byte string (a single byte below 0x80 is written as itself). */
int chain_rlp_put_bytes(struct ob_buf *out, const void *data, size_t len);
/* An unsigned integer: minimal big-endian bytes, zero is the empty string 0x80. */
int chain_rlp_put_u64(struct ob_buf *out, uint64_t v);
int chain_rlp_put_u256(struct ob_buf *out, const struct chain_u256 *v);
/* An unsigned integer given as big-endian bytes of any length (leading zero bytes are dropped). */
int chain_rlp_put_uint_be(struct ob_buf *out, const uint8_t *be, size_t len);
/* Already-encoded RLP (e.g. a sub-list built elsewhere), appended verbatim. */
int chain_rlp_put_raw(struct ob_buf *out, const void *rlp, size_t len);
/* Open a list: returns the mark to give to chain_rlp_list_end. Never fails. */
size_t chain_rlp_list_begin(const struct ob_buf *out);
/* Close the list opened at mark: inserts its header. Returns 0; OB_ELIMIT / OB_ENOMEM. */
int chain_rlp_list_end(struct ob_buf *out, size_t mark);

/* ---- decoder ---- */
struct chain_rlp_item {
  const uint8_t *p; /* payload: string bytes, or the encoded items of a list */
  size_t len;       /* payload length */
  bool is_list;
  size_t enc_len;   /* whole encoding, header included (the encoding starts at p - (enc_len - len)) */
};

/* Decode data[0..len) as exactly one item, checking the whole tree (canonical form, lengths,
 * depth, no trailing bytes). Returns: 0; OB_EPARSE naming the offset and the fault;
 * OB_ELIMIT for nesting deeper than CHAIN_RLP_MAX_DEPTH. Out: *item on success. */
int chain_rlp_decode(struct chain_rlp_item *item, const uint8_t *data, size_t len, struct ob_err *err);

/* Walk a list's items. chain_rlp_iter_next returns 1 with *item set, 0 at the end, or a negative
 * OB_EPARSE (never after chain_rlp_decode accepted the enclosing tree). */
struct chain_rlp_iter {
  const uint8_t *p;
  size_t left;
  const uint8_t *base; /* for offsets in messages */
};
void chain_rlp_iter_init(struct chain_rlp_iter *it, const struct chain_rlp_item *list);
int chain_rlp_iter_next(struct chain_rlp_iter *it, struct chain_rlp_item *item, struct ob_err *err);

/* Read a string item as an unsigned integer: canonical (no leading zero byte; zero is the empty
 * string). Returns: 0; OB_EPARSE for a list or a leading zero; OB_ELIMIT if it does not fit. */
int chain_rlp_get_u64(const struct chain_rlp_item *item, uint64_t *out, struct ob_err *err);
int chain_rlp_get_u256(const struct chain_rlp_item *item, struct chain_u256 *out, struct ob_err *err);
#endif
