/* RLP encoder and strict decoder. */
#include "ob/chain/rlp.h"

#include <string.h>

#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/u256.h"

/* ---- encoder ---- */

static size_t be_len(uint64_t v) {
  size_t n = 0;
  for (; v; v >>= 8)
    n++;
  return n;
}

/* The header of a string (is_list false) or list of payload_len bytes; returns its size (1..9). */
static size_t rlp_header(uint8_t hdr[9], bool is_list, size_t payload_len) {
  uint8_t base = is_list ? 0xc0 : 0x80;
  if (payload_len < 56) {
    hdr[0] = (uint8_t)(base + payload_len);
    return 1;
  }
  size_t ll = be_len(payload_len);
  hdr[0] = (uint8_t)(base + 55 + ll);
  for (size_t i = 0; i < ll; i++)
    hdr[ll - i] = (uint8_t)(payload_len >> (8 * i));
  return 1 + ll;
}

int chain_rlp_put_bytes(struct ob_buf *out, const void *data, size_t len) {
  uint8_t hdr[9];
  if (len == 1 && *(const uint8_t *)data < 0x80)
    return ob_buf_add(out, data, 1);
  int rc = ob_buf_add(out, hdr, rlp_header(hdr, false, len));
  return rc ? rc : ob_buf_add(out, data, len);
}

int chain_rlp_put_uint_be(struct ob_buf *out, const uint8_t *be, size_t len) {
  while (len > 0 && be[0] == 0) {
    be++;
    len--;
  }
  return chain_rlp_put_bytes(out, be, len);
}

int chain_rlp_put_u64(struct ob_buf *out, uint64_t v) {
  uint8_t be[8];
  for (int i = 0; i < 8; i++)
    be[7 - i] = (uint8_t)(v >> (8 * i));
  return chain_rlp_put_uint_be(out, be, 8);
}

int chain_rlp_put_u256(struct ob_buf *out, const struct chain_u256 *v) {
  uint8_t be[32];
  chain_u256_to_be(be, v);
  return chain_rlp_put_uint_be(out, be, 32);
}

int chain_rlp_put_raw(struct ob_buf *out, const void *rlp, size_t len) {
  return ob_buf_add(out, rlp, len);
}

size_t chain_rlp_list_begin(const struct ob_buf *out) {
  return out->len;
}

int chain_rlp_list_end(struct ob_buf *out, size_t mark) {
  uint8_t hdr[9];
  OB_ARG_CHECK(mark <= out->len);
  size_t payload = out->len - mark;
  size_t hl = rlp_header(hdr, true, payload);
  int rc = ob_buf_grow(out, hl);
  if (rc)
    return rc;
  memmove(out->buf + mark + hl, out->buf + mark, payload);
  memcpy(out->buf + mark, hdr, hl);
  out->len += hl;
  out->buf[out->len] = '\0';
  return 0;
}

/* ---- decoder ---- */

static int fail(struct ob_err *err, size_t off, const char *why) {
  return ob_err_set(err, OB_EPARSE, "rlp: at byte %zu: %s", off, why);
}

/* Read a long-form length of ll bytes at p (ll <= 8, p has them). */
static int long_length(uint64_t *n, const uint8_t *p, size_t ll, size_t off, struct ob_err *err) {
  if (p[0] == 0)
    return fail(err, off, "length has a leading zero byte");
  uint64_t v = 0;
  for (size_t i = 0; i < ll; i++)
    v = (v << 8) | p[i];
  if (v < 56)
    return fail(err, off, "long form used for a length below 56");
  *n = v;
  return 0;
}

/* Parse the header of the item at data[0..len); off is data's offset for messages. */
static int parse_header(struct chain_rlp_item *item, const uint8_t *data, size_t len, size_t off,
                        struct ob_err *err) {
  if (len == 0)
    return fail(err, off, "input ends where an item should start");
  uint8_t b = data[0];
  if (b < 0x80) {
    *item = (struct chain_rlp_item){data, 1, false, 1};
    return 0;
  }
  bool is_list = b >= 0xc0;
  uint8_t rel = (uint8_t)(b - (is_list ? 0xc0 : 0x80));
  size_t hl = 1;
  uint64_t n = rel;
  if (rel >= 56) {
    size_t ll = (size_t)rel - 55;
    if (len - 1 < ll)
      return fail(err, off, "input ends inside a length");
    int rc = long_length(&n, data + 1, ll, off, err);
    if (rc)
      return rc;
    hl += ll;
  }
  if (n > len - hl)
    return fail(err, off, is_list ? "list length exceeds the input" : "string length exceeds the input");
  if (!is_list && n == 1 && data[hl] < 0x80)
    return fail(err, off, "single byte below 0x80 must not be wrapped as a string");
  *item = (struct chain_rlp_item){data + hl, (size_t)n, is_list, hl + (size_t)n};
  return 0;
}

static int check_list(const struct chain_rlp_item *list, const uint8_t *base, unsigned depth,
                      struct ob_err *err) {
  if (depth > CHAIN_RLP_MAX_DEPTH)
    return ob_err_set(err, OB_ELIMIT, "rlp: at byte %zu: lists nested deeper than %d",
                      (size_t)(list->p - base), CHAIN_RLP_MAX_DEPTH);
  const uint8_t *p = list->p;
  size_t left = list->len;
  while (left > 0) {
    struct chain_rlp_item it = {0}; /* parse_header fills it when rc is 0 (gcc -O3 cannot see it) */
    int rc = parse_header(&it, p, left, (size_t)(p - base), err);
    if (rc == 0 && it.is_list)
      rc = check_list(&it, base, depth + 1, err);
    if (rc)
      return rc;
    p += it.enc_len;
    left -= it.enc_len;
  }
  return 0;
}

/* Decode the first item of data[0..len) (its header and, for lists, its items); trailing bytes are
 * allowed and *item->enc_len says where it ends. */
static int decode_prefix(struct chain_rlp_item *item, const uint8_t *data, size_t len,
                            struct ob_err *err) {
  struct chain_rlp_item it;
  int rc = parse_header(&it, data, len, 0, err);
  if (rc == 0 && it.is_list)
    rc = check_list(&it, data, 1, err);
  if (rc)
    return rc;
  *item = it;
  return 0;
}

int chain_rlp_decode(struct chain_rlp_item *item, const uint8_t *data, size_t len, struct ob_err *err) {
  struct chain_rlp_item it;
  int rc = decode_prefix(&it, data, len, err);
  if (rc)
    return rc;
  if (it.enc_len != len)
    return fail(err, it.enc_len, "trailing bytes after the item");
  *item = it;
  return 0;
}

void chain_rlp_iter_init(struct chain_rlp_iter *it, const struct chain_rlp_item *list) {
  it->p = list->p;
  it->left = list->is_list ? list->len : 0;
  it->base = list->p;
}

int chain_rlp_iter_next(struct chain_rlp_iter *it, struct chain_rlp_item *item, struct ob_err *err) {
  if (it->left == 0)
    return 0;
  int rc = parse_header(item, it->p, it->left, (size_t)(it->p - it->base), err);
  if (rc)
    return rc;
  it->p += item->enc_len;
  it->left -= item->enc_len;
  return 1;
}

static int check_uint(const struct chain_rlp_item *item, size_t max, struct ob_err *err) {
  if (item->is_list)
    return ob_err_set(err, OB_EPARSE, "rlp: expected an integer, got a list");
  if (item->len > 0 && item->p[0] == 0)
    return ob_err_set(err, OB_EPARSE, "rlp: integer has a leading zero byte");
  if (item->len > max)
    return ob_err_set(err, OB_ELIMIT, "rlp: integer of %zu bytes does not fit %zu bytes", item->len, max);
  return 0;
}

int chain_rlp_get_u64(const struct chain_rlp_item *item, uint64_t *out, struct ob_err *err) {
  int rc = check_uint(item, 8, err);
  if (rc)
    return rc;
  uint64_t v = 0;
  for (size_t i = 0; i < item->len; i++)
    v = (v << 8) | item->p[i];
  *out = v;
  return 0;
}

int chain_rlp_get_u256(const struct chain_rlp_item *item, struct chain_u256 *out, struct ob_err *err) {
  int rc = check_uint(item, 32, err);
  return rc ? rc : chain_u256_from_be_n(out, item->p, item->len, err);
}
