#include <stdlib.h>

#include "ob/chain/rlp.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/u256.h"
#include "ob/core/util.h"
#include "ob_test.h"

/* Decimal text of any size -> minimal big-endian bytes (the vectors hold 2^256). */
static size_t dec_to_be(uint8_t *be, size_t cap, const char *dec) {
  memset(be, 0, cap);
  for (; *dec; dec++) {
    unsigned carry = (unsigned)(*dec - '0');
    for (size_t i = cap; i-- > 0;) {
      unsigned x = be[i] * 10u + carry;
      be[i] = (uint8_t)x;
      carry = x >> 8;
    }
  }
  size_t skip = 0;
  while (skip < cap && be[skip] == 0)
    skip++;
  memmove(be, be + skip, cap - skip);
  return cap - skip;
}

/* The vectors' "in": strings are bytes, "#123" and JSON numbers are integers, arrays are lists. */
static int encode_json(struct ob_buf *out, const struct ob_json *v) {
  uint8_t be[64];
  if (v->type == OB_JSON_NUMBER)
    return chain_rlp_put_bytes(out, be, dec_to_be(be, sizeof be, v->str));
  if (v->type == OB_JSON_STRING && v->str[0] == '#')
    return chain_rlp_put_bytes(out, be, dec_to_be(be, sizeof be, v->str + 1));
  if (v->type == OB_JSON_STRING)
    return chain_rlp_put_bytes(out, v->str, v->len);
  if (v->type != OB_JSON_ARRAY)
    return OB_EINVAL;
  size_t mark = chain_rlp_list_begin(out);
  for (size_t i = 0; i < v->len; i++) {
    int rc = encode_json(out, v->items[i]);
    if (rc)
      return rc;
  }
  return chain_rlp_list_end(out, mark);
}

/* Does the decoded item equal the JSON value? */
static bool same_as_json(const struct chain_rlp_item *it, const struct ob_json *v) {
  uint8_t be[64];
  if (v->type == OB_JSON_ARRAY) {
    if (!it->is_list)
      return false;
    struct chain_rlp_iter iter;
    struct chain_rlp_item sub;
    chain_rlp_iter_init(&iter, it);
    for (size_t i = 0; i < v->len; i++)
      if (chain_rlp_iter_next(&iter, &sub, NULL) != 1 || !same_as_json(&sub, v->items[i]))
        return false;
    return chain_rlp_iter_next(&iter, &sub, NULL) == 0;
  }
  if (it->is_list)
    return false;
  const char *s = v->str;
  size_t n = v->len;
  if (v->type == OB_JSON_NUMBER || s[0] == '#') {
    n = dec_to_be(be, sizeof be, s + (s[0] == '#'));
    s = (const char *)be;
  }
  return it->len == n && memcmp(it->p, s, n) == 0;
}

static struct ob_json *load_vectors(const char *name) {
  struct ob_buf text;
  struct ob_json *doc = NULL;
  ob_buf_init(&text, 0);
  if (ob_file_read(ob_test_src(name), &text, 1 << 20, NULL) == 0)
    ob_json_parse(&doc, text.buf, text.len, NULL, NULL);
  ob_buf_release(&text);
  return doc;
}

OB_TEST(rlp_ethereum_valid_vectors) {
  struct ob_json *doc = load_vectors("tests/vectors/rlp/rlptest.json");
  OB_REQUIRE(doc && doc->type == OB_JSON_OBJECT);
  OB_CHECK_EQ(doc->len, 28);
  for (size_t i = 0; i < doc->len; i++) {
    const char *name = doc->keys[i];
    const struct ob_json *in = ob_json_get(doc->items[i], "in");
    const char *want = ob_json_string(ob_json_get(doc->items[i], "out"));
    OB_REQUIRE(in && want);
    struct ob_buf enc;
    ob_buf_init(&enc, 0);
    OB_CHECK_EQ(encode_json(&enc, in), 0);
    char *hex = ob_malloc(2 * enc.len + 3);
    ob_hex_encode0x(hex, (const uint8_t *)enc.buf, enc.len);
    OB_CHECK_MSG(strcmp(hex, want) == 0, "%s: encoded %s, want %s", name, hex, want);
    uint8_t *bytes = NULL;
    size_t n = 0;
    struct chain_rlp_item item;
    struct ob_err err;
    OB_CHECK_EQ(ob_hex_decode_alloc(&bytes, &n, want, strlen(want), NULL), 0);
    int rc = chain_rlp_decode(&item, bytes, n, &err);
    OB_CHECK_MSG(rc == 0, "%s: decode failed: %s", name, ob_err_msg(&err, rc));
    OB_CHECK_MSG(rc != 0 || same_as_json(&item, in), "%s: decoded value differs", name);
    ob_free(bytes);
    ob_free(hex);
    ob_buf_release(&enc);
  }
  ob_json_free(doc);
}

OB_TEST(rlp_ethereum_invalid_vectors) {
  struct ob_json *doc = load_vectors("tests/vectors/rlp/invalidRLPTest.json");
  OB_REQUIRE(doc && doc->type == OB_JSON_OBJECT);
  OB_CHECK_EQ(doc->len, 26);
  for (size_t i = 0; i < doc->len; i++) {
    const char *want = ob_json_string(ob_json_get(doc->items[i], "out"));
    OB_REQUIRE(want);
    uint8_t *bytes = NULL;
    size_t n = 0;
    struct chain_rlp_item item;
    struct ob_err err;
    ob_err_clear(&err);
    OB_CHECK_EQ(ob_hex_decode_alloc(&bytes, &n, want, strlen(want), NULL), 0);
    int rc = chain_rlp_decode(&item, bytes, n, &err);
    OB_CHECK_MSG(rc == OB_EPARSE, "%s: accepted invalid rlp %s", doc->keys[i], want);
    OB_CHECK_CONTAINS(err.msg, "rlp: at byte ");
    ob_free(bytes);
  }
  ob_json_free(doc);
}

static int decode_hex(const char *hex, struct ob_err *err) {
  uint8_t buf[256];
  size_t n = 0;
  struct chain_rlp_item item;
  if (ob_hex_decode(buf, sizeof buf, &n, hex, strlen(hex), NULL))
    return -100;
  return chain_rlp_decode(&item, buf, n, err);
}

OB_TEST(rlp_strict_decoder_messages) {
  struct ob_err err;
  ob_err_clear(&err);
  OB_CHECK_EQ(decode_hex("8100", &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "rlp: at byte 0: single byte below 0x80 must not be wrapped as a string");
  OB_CHECK_EQ(decode_hex("b800", &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "rlp: at byte 0: length has a leading zero byte");
  OB_CHECK_EQ(decode_hex("c3010203", &err), 0);
  OB_CHECK_EQ(decode_hex("c301020304", &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "rlp: at byte 4: trailing bytes after the item");
  OB_CHECK_EQ(decode_hex("c3c28100", &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "rlp: at byte 2: single byte below 0x80 must not be wrapped as a string");
  OB_CHECK_EQ(decode_hex("c2c201", &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "rlp: at byte 1: list length exceeds the input");
  OB_CHECK_EQ(decode_hex("bb01", &err), OB_EPARSE);
  OB_CHECK_STR(err.msg, "rlp: at byte 0: input ends inside a length");
  OB_CHECK_EQ(decode_hex("8180", &err), 0);
}

OB_TEST(rlp_depth_limit) {
  struct chain_rlp_item item;
  struct ob_err err;
  for (size_t depth = CHAIN_RLP_MAX_DEPTH; depth <= CHAIN_RLP_MAX_DEPTH + 1; depth++) {
    struct ob_buf b;
    size_t marks[CHAIN_RLP_MAX_DEPTH + 1];
    ob_buf_init(&b, 0);
    for (size_t i = 0; i < depth; i++)
      marks[i] = chain_rlp_list_begin(&b);
    for (size_t i = depth; i-- > 0;)
      OB_CHECK_EQ(chain_rlp_list_end(&b, marks[i]), 0);
    int rc = chain_rlp_decode(&item, (const uint8_t *)b.buf, b.len, &err);
    if (depth == CHAIN_RLP_MAX_DEPTH) {
      OB_CHECK_EQ(rc, 0);
    } else {
      OB_CHECK_EQ(rc, OB_ELIMIT);
      OB_CHECK_CONTAINS(err.msg, "nested deeper than 64");
    }
    ob_buf_release(&b);
  }
}

OB_TEST(rlp_integers_and_long_lists) {
  struct ob_buf b;
  ob_buf_init(&b, 0);
  OB_CHECK_EQ(chain_rlp_put_u64(&b, 0), 0);
  OB_CHECK_EQ(chain_rlp_put_u64(&b, 127), 0);
  OB_CHECK_EQ(chain_rlp_put_u64(&b, 128), 0);
  OB_CHECK_EQ(chain_rlp_put_u64(&b, 0x0102030405060708ull), 0);
  struct chain_u256 big;
  OB_CHECK_EQ(chain_u256_parse(&big, "0x0100000000000000000000000000000000", NULL, NULL), 0);
  OB_CHECK_EQ(chain_rlp_put_u256(&b, &big), 0);
  char hex[128];
  ob_hex_encode(hex, (const uint8_t *)b.buf, b.len);
  OB_CHECK_STR(hex, "807f818088010203040506070891" "0100000000000000000000000000000000");
  /* A list whose payload needs the long form: 60 bytes of items. */
  ob_buf_reset(&b);
  size_t mark = chain_rlp_list_begin(&b);
  for (int i = 0; i < 20; i++)
    OB_CHECK_EQ(chain_rlp_put_bytes(&b, "ab", 2), 0);
  OB_CHECK_EQ(chain_rlp_list_end(&b, mark), 0);
  OB_CHECK_EQ(b.len, 62);
  OB_CHECK_EQ((uint8_t)b.buf[0], 0xf8);
  OB_CHECK_EQ((uint8_t)b.buf[1], 60);
  struct chain_rlp_item item, sub;
  OB_REQUIRE(chain_rlp_decode(&item, (const uint8_t *)b.buf, b.len, NULL) == 0);
  struct chain_rlp_iter it;
  chain_rlp_iter_init(&it, &item);
  int count = 0;
  while (chain_rlp_iter_next(&it, &sub, NULL) == 1)
    count += sub.len == 2 && memcmp(sub.p, "ab", 2) == 0;
  OB_CHECK_EQ(count, 20);
  /* Integer readers refuse leading zeros and lists. */
  uint64_t v = 0;
  const uint8_t lead0[] = {0x82, 0x00, 0x01};
  OB_REQUIRE(chain_rlp_decode(&item, lead0, sizeof lead0, NULL) == 0);
  OB_CHECK_EQ(chain_rlp_get_u64(&item, &v, NULL), OB_EPARSE);
  const uint8_t nine[] = {0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  OB_REQUIRE(chain_rlp_decode(&item, nine, sizeof nine, NULL) == 0);
  OB_CHECK_EQ(chain_rlp_get_u64(&item, &v, NULL), OB_ELIMIT);
  OB_CHECK_EQ(chain_rlp_get_u256(&item, &big, NULL), 0);
  char dec[CHAIN_U256_DEC_MAX];
  OB_CHECK_STR(chain_u256_to_dec(dec, &big), "18591708106338011145");
  ob_buf_release(&b);
}

/* Random trees: encode, decode, walk back to the same bytes; every strict prefix is refused. */
static void rand_tree(struct ob_buf *b, int depth) {
  uint8_t data[80];
  unsigned kind = (unsigned)(ob_test_rand() % (depth > 3 ? 2 : 3));
  if (kind < 2) {
    size_t n = kind == 0 ? ob_test_rand() % 2 : ob_test_rand() % sizeof data;
    ob_test_rand_bytes(data, n);
    chain_rlp_put_bytes(b, data, n);
    return;
  }
  size_t mark = chain_rlp_list_begin(b), n = ob_test_rand() % 6;
  for (size_t i = 0; i < n; i++)
    rand_tree(b, depth + 1);
  chain_rlp_list_end(b, mark);
}

static void reencode(struct ob_buf *b, const struct chain_rlp_item *it) {
  if (!it->is_list) {
    chain_rlp_put_bytes(b, it->p, it->len);
    return;
  }
  struct chain_rlp_iter iter;
  struct chain_rlp_item sub;
  size_t mark = chain_rlp_list_begin(b);
  chain_rlp_iter_init(&iter, it);
  while (chain_rlp_iter_next(&iter, &sub, NULL) == 1)
    reencode(b, &sub);
  chain_rlp_list_end(b, mark);
}

OB_TEST(rlp_random_roundtrip) {
  ob_test_rng_seed(1559);
  for (int round = 0; round < 500; round++) {
    struct ob_buf a, c;
    struct chain_rlp_item item;
    ob_buf_init(&a, 0);
    ob_buf_init(&c, 0);
    rand_tree(&a, 0);
    OB_REQUIRE(chain_rlp_decode(&item, (const uint8_t *)a.buf, a.len, NULL) == 0);
    reencode(&c, &item);
    OB_CHECK(a.len == c.len && memcmp(a.buf, c.buf, a.len) == 0);
    for (size_t cut = 0; cut < a.len; cut++)
      OB_CHECK(chain_rlp_decode(&item, (const uint8_t *)a.buf, cut, NULL) == OB_EPARSE);
    ob_buf_release(&a);
    ob_buf_release(&c);
  }
}
