/* ABI encoding (head/tail layout) and checked decoding. */
#include <stdio.h>
#include <string.h>

#include "ob/chain/abi.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"

#include "abi_int.h"

/* ---- encoding ---- */

static int put_word_u256(struct ob_buf *out, const struct chain_u256 *v) {
  uint8_t w[32];
  chain_u256_to_be(w, v);
  return ob_buf_add(out, w, 32);
}

static int put_word_u64(struct ob_buf *out, uint64_t x) {
  struct chain_u256 v;
  chain_u256_from_u64(&v, x);
  return put_word_u256(out, &v);
}

/* data, then zeros to a multiple of 32; left-padded instead when left is set (addresses). */
static int put_padded(struct ob_buf *out, const uint8_t *p, size_t n, bool left) {
  static const uint8_t zeros[32];
  size_t pad = (32 - n % 32) % 32;
  int rc = left ? ob_buf_add(out, zeros, pad) : 0;
  if (rc == 0)
    rc = ob_buf_add(out, p, n);
  if (rc == 0 && !left)
    rc = ob_buf_add(out, zeros, pad);
  return rc;
}

static int encode_seq(struct ob_buf *out, const struct chain_abi_value *items, size_t n);

static int encode_value(struct ob_buf *out, const struct chain_abi_value *v) {
  const struct chain_abi_type *t = v->type;
  int rc;
  switch (t->kind) {
  case CHAIN_ABI_UINT:
  case CHAIN_ABI_INT:
  case CHAIN_ABI_BOOL:
    return put_word_u256(out, &v->num);
  case CHAIN_ABI_ADDRESS:
    return put_padded(out, v->data, 20, true);
  case CHAIN_ABI_FIXED_BYTES:
    return put_padded(out, v->data, v->len, false);
  case CHAIN_ABI_BYTES:
  case CHAIN_ABI_STRING:
    rc = put_word_u64(out, v->len);
    return rc ? rc : put_padded(out, v->data, v->len, false);
  case CHAIN_ABI_ARRAY:
    rc = t->array_len == CHAIN_ABI_DYNAMIC ? put_word_u64(out, v->n) : 0;
    return rc ? rc : encode_seq(out, v->items, v->n);
  case CHAIN_ABI_TUPLE:
    return encode_seq(out, v->items, v->n);
  }
  return OB_EINVAL;
}

#define head_size chain__abi_head_size

static int encode_seq(struct ob_buf *out, const struct chain_abi_value *items, size_t n) {
  struct ob_buf tail;
  size_t heads = 0;
  int rc = 0;
  for (size_t i = 0; i < n; i++)
    heads += head_size(items[i].type);
  ob_buf_init(&tail, out->max);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if (!chain_abi_type_is_dynamic(items[i].type)) {
      rc = encode_value(out, &items[i]);
      continue;
    }
    rc = put_word_u64(out, heads + tail.len);
    if (rc == 0)
      rc = encode_value(&tail, &items[i]);
  }
  if (rc == 0)
    rc = ob_buf_add(out, tail.buf, tail.len);
  ob_buf_release(&tail);
  return rc;
}

int chain_abi_encode(struct ob_buf *out, const struct chain_abi_value *v) {
  return encode_value(out, v);
}

int chain_abi_encode_call(struct ob_buf *out, const struct chain_abi_sig *sig,
                          const struct chain_abi_value *args) {
  uint8_t sel[4];
  int rc = chain_abi_selector(sel, sig);
  if (rc == 0)
    rc = ob_buf_add(out, sel, 4);
  return rc ? rc : encode_value(out, args);
}

/* ---- decoding ---- */

struct dec {
  const uint8_t *data;
  size_t len;
  size_t budget; /* values still allowed: bounds aliased offsets */
  struct ob_err *err;
};

static int dfail(struct dec *d, size_t at, const char *what) {
  return ob_err_set(d->err, OB_EPARSE, "abi: at byte %zu: %s", at, what);
}

/* The 32-byte word at pos. */
static int word_at(struct dec *d, size_t pos, const uint8_t **w) {
  if (pos > d->len || d->len - pos < 32) {
    char what[96];
    snprintf(what, sizeof what, "data too short for a 32-byte word (data is %zu bytes)", d->len);
    return dfail(d, pos, what);
  }
  *w = d->data + pos;
  return 0;
}

/* A word read as a size (offset or length) that must be at most limit. */
static int size_at(struct dec *d, size_t pos, size_t limit, const char *what, size_t *out) {
  const uint8_t *w = NULL; /* set when rc is 0 (gcc -O3 cannot see it through dfail) */
  int rc = word_at(d, pos, &w);
  if (rc)
    return rc;
  struct chain_u256 v;
  uint64_t x = 0;
  chain_u256_from_be(&v, w);
  if (!chain_u256_to_u64(&v, &x) || x > limit) {
    char dec[CHAIN_U256_DEC_MAX], detail[200];
    snprintf(detail, sizeof detail, "%s %s %s (%zu bytes)", what, chain_u256_to_dec(dec, &v),
             what[0] == 'o' ? "points outside the data" : "runs past the end of the data", d->len);
    return dfail(d, pos, detail);
  }
  *out = (size_t)x;
  return 0;
}

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

static int decode_at(struct dec *d, struct chain_abi_value *v, size_t pos);

static int take_budget(struct dec *d, size_t n, size_t pos) {
  if (n > d->budget)
    return dfail(d, pos, "more values than the data can hold (aliased offsets)");
  d->budget -= n;
  return 0;
}

/* Decode n items of the sequence whose head starts at base. */
static int decode_seq(struct dec *d, struct chain_abi_value *v, size_t base, size_t n) {
  const struct chain_abi_type *t = v->type;
  int rc = take_budget(d, n, base);
  if (rc)
    return rc;
  v->items = ob_calloc(n ? n : 1, sizeof(*v->items));
  if (!v->items)
    return ob_err_set(d->err, OB_ENOMEM, "out of memory");
  size_t head = base;
  for (; v->n < n; v->n++) {
    struct chain_abi_value *it = &v->items[v->n];
    it->type = t->kind == CHAIN_ABI_TUPLE ? t->fields[v->n] : t->elem;
    size_t at = head, off = 0;
    if (chain_abi_type_is_dynamic(it->type)) {
      rc = size_at(d, head, d->len - base, "offset", &off);
      at = base + off;
    }
    if (rc == 0)
      rc = decode_at(d, it, at);
    if (rc) {
      v->n++; /* the failed item may hold allocations: the caller's free must reach it */
      return rc;
    }
    head += head_size(it->type);
  }
  return 0;
}

static int decode_bytes(struct dec *d, struct chain_abi_value *v, size_t pos) {
  size_t n;
  int rc = size_at(d, pos, d->len - (pos + 32 <= d->len ? pos + 32 : d->len), "length", &n);
  if (rc)
    return rc;
  v->data = ob_malloc(n ? n : 1);
  if (!v->data)
    return ob_err_set(d->err, OB_ENOMEM, "out of memory");
  memcpy(v->data, d->data + pos + 32, n);
  v->len = n;
  return 0;
}

static int decode_array(struct dec *d, struct chain_abi_value *v, size_t pos) {
  const struct chain_abi_type *t = v->type;
  size_t n = t->array_len;
  if (n == CHAIN_ABI_DYNAMIC) {
    int rc = size_at(d, pos, d->len / 32, "array length", &n);
    if (rc)
      return rc;
    pos += 32;
  }
  size_t hs = head_size(t->elem);
  hs = hs ? hs : 32;
  if (pos > d->len || n > (d->len - pos) / hs) {
    char detail[120];
    snprintf(detail, sizeof detail, "array of %zu elements of %zu bytes runs past the end of the data", n, hs);
    return dfail(d, pos, detail);
  }
  return decode_seq(d, v, pos, n);
}

static int decode_word(struct dec *d, struct chain_abi_value *v, size_t pos) {
  const struct chain_abi_type *t = v->type;
  const uint8_t *w = NULL; /* set when rc is 0 (gcc -O3 cannot see it through dfail) */
  int rc = word_at(d, pos, &w);
  if (rc)
    return rc;
  chain_u256_from_be(&v->num, w);
  if (t->kind == CHAIN_ABI_UINT && !chain_u256_fits_bits(&v->num, t->size))
    return dfail(d, pos, "uint value has bits above its size");
  if (t->kind == CHAIN_ABI_INT && !chain_i256_fits_bits(&v->num, t->size))
    return dfail(d, pos, "int value is not sign-extended to 32 bytes");
  if (t->kind == CHAIN_ABI_BOOL && chain_u256_cmp(&v->num, &(struct chain_u256){{1, 0, 0, 0}}) > 0)
    return dfail(d, pos, "bool value is not 0 or 1");
  if (t->kind == CHAIN_ABI_ADDRESS && !all_zero(w, 12))
    return dfail(d, pos, "address has non-zero bytes above its 20");
  if (t->kind == CHAIN_ABI_FIXED_BYTES && !all_zero(w + t->size, 32 - t->size))
    return dfail(d, pos, "bytesN value has non-zero padding");
  if (t->kind == CHAIN_ABI_ADDRESS || t->kind == CHAIN_ABI_FIXED_BYTES) {
    size_t n = t->kind == CHAIN_ABI_ADDRESS ? 20 : t->size;
    v->data = ob_malloc(n);
    if (!v->data)
      return ob_err_set(d->err, OB_ENOMEM, "out of memory");
    memcpy(v->data, t->kind == CHAIN_ABI_ADDRESS ? w + 12 : w, n);
    v->len = n;
  }
  return 0;
}

static int decode_at(struct dec *d, struct chain_abi_value *v, size_t pos) {
  switch (v->type->kind) {
  case CHAIN_ABI_BYTES:
  case CHAIN_ABI_STRING:
    return decode_bytes(d, v, pos);
  case CHAIN_ABI_ARRAY:
    return decode_array(d, v, pos);
  case CHAIN_ABI_TUPLE:
    return decode_seq(d, v, pos, v->type->nfields);
  default:
    return decode_word(d, v, pos);
  }
}

int chain_abi_decode(struct chain_abi_value *out, const struct chain_abi_type *t,
                     const uint8_t *data, size_t len, struct ob_err *err) {
  /* A clean encoding holds at most len/32 leaves, each under at most CHAIN_ABI_MAX_DEPTH containers. */
  struct dec d = {data, len, (len / 32 + 2) * (CHAIN_ABI_MAX_DEPTH + 1), err};
  struct chain_abi_value v;
  memset(&v, 0, sizeof v);
  v.type = t;
  int rc = decode_at(&d, &v, 0);
  if (rc) {
    chain_abi_value_free(&v);
    return rc;
  }
  *out = v;
  return 0;
}

int chain_abi_decode_call(struct chain_abi_value *out, const struct chain_abi_sig *sig,
                          const uint8_t *data, size_t len, struct ob_err *err) {
  uint8_t sel[4];
  int rc = chain_abi_selector(sel, sig);
  if (rc)
    return ob_err_set(err, rc, "out of memory");
  if (len < 4)
    return ob_err_set(err, OB_EPARSE, "calldata of %zu bytes has no 4-byte selector", len);
  if (memcmp(sel, data, 4) != 0) {
    char got[11], want[11];
    ob_hex_encode0x(got, data, 4);
    ob_hex_encode0x(want, sel, 4);
    return ob_err_set(err, OB_EMISMATCH, "calldata selector %s is not %s of '%s'", got, want, sig->name);
  }
  return chain_abi_decode(out, sig->inputs, data + 4, len - 4, err);
}
