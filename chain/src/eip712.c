/* EIP-712: encodeType, hashStruct and the v4 JSON document; obridge's protocol types. */
#include "ob/chain/eip712.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/chain/keccak.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"
#include "ob/core/u256.h"

#define MAX_NEST 64

enum kind { K_UNKNOWN, K_BOOL, K_ADDRESS, K_UINT, K_INT, K_BYTESN, K_STRING, K_BYTES, K_STRUCT };

struct ctx {
  const struct ob_json *types;
  const struct ob_json *domain_fields; /* inferred EIP712Domain, or NULL */
  struct ob_err *err;
  char path[512];
  size_t plen;
  unsigned depth;
};

/* keccak256(0x19 0x01 || domain_separator || struct_hash). */
static void chain_eip712_digest(uint8_t out32[32], const uint8_t domain_separator[32], const uint8_t struct_hash[32]);
/* EIP712Domain(string name,string version,uint256 chainId,address verifyingContract), name "obridge",
 * version "1". */
static void chain_eip712_obridge_domain(uint8_t out32[32], uint64_t chain_id, const uint8_t registry20[20]);

/* ---- paths in messages ---- */

/* Append ".name" (name given, dot true), "name" (dot false) or "[i]" (name NULL). */
static size_t path_push(struct ctx *c, const char *name, bool dot, size_t i) {
  size_t old = c->plen;
  int n = name ? snprintf(c->path + old, sizeof(c->path) - old, "%s%s", dot ? "." : "", name)
               : snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", i);
  if (n > 0) c->plen = old + (size_t)n < sizeof(c->path) ? old + (size_t)n : sizeof(c->path) - 1;
  return old;
}
static void path_pop(struct ctx *c, size_t old) { c->path[c->plen = old] = '\0'; }

/* ---- types ---- */

static const struct ob_json *find_type(const struct ctx *c, const char *name, size_t n) {
  if (c->domain_fields && n == 12 && memcmp(name, "EIP712Domain", 12) == 0) return c->domain_fields;
  for (size_t i = 0; c->types && i < c->types->len; i++)
    if (strlen(c->types->keys[i]) == n && memcmp(c->types->keys[i], name, n) == 0) return c->types->items[i];
  return NULL;
}

/* Parse the decimal size after a type prefix: "256" in uint256. 0 for bad text. */
static unsigned type_size(const char *s, size_t n) {
  unsigned v = 0;
  if (n == 0 || n > 3 || s[0] == '0') return 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  return v;
}

/* Classify a non-array type; *size is bits for uint/int, bytes for bytesN. */
static enum kind classify(const struct ctx *c, const char *t, size_t n, unsigned *size) {
  unsigned s;
  *size = 0;
  if (n == 4 && !memcmp(t, "bool", 4)) return K_BOOL;
  if (n == 7 && !memcmp(t, "address", 7)) return K_ADDRESS;
  if (n == 6 && !memcmp(t, "string", 6)) return K_STRING;
  if (n == 5 && !memcmp(t, "bytes", 5)) return K_BYTES;
  if (n >= 4 && !memcmp(t, "uint", 4)) {
    s = n == 4 ? 256 : type_size(t + 4, n - 4);
    if (s && s % 8 == 0 && s <= 256) return *size = s, K_UINT;
  } else if (n >= 3 && !memcmp(t, "int", 3)) {
    s = n == 3 ? 256 : type_size(t + 3, n - 3);
    if (s && s % 8 == 0 && s <= 256) return *size = s, K_INT;
  } else if (n > 5 && !memcmp(t, "bytes", 5)) {
    s = type_size(t + 5, n - 5);
    if (s >= 1 && s <= 32) return *size = s, K_BYTESN;
  }
  return find_type(c, t, n) ? K_STRUCT : K_UNKNOWN;
}

/* If t[0..n) ends in [k] or [], the element type is t[0..*elem) and *k the length (0 = dynamic).
 * Returns 1 for an array, 0 for none, OB_EINVAL for bad brackets. */
static int split_array(const char *t, size_t n, size_t *elem, uint64_t *k) {
  size_t i;
  if (n == 0 || t[n - 1] != ']') return 0;
  for (i = n - 1; i > 0 && t[i - 1] != '['; i--)
    if (t[i - 1] < '0' || t[i - 1] > '9') return OB_EINVAL;
  if (i == 0 || i == 1) return OB_EINVAL;
  *elem = i - 1;
  *k = 0;
  if (i < n - 1) {
    if (t[i] == '0' || n - 1 - i > 9) return OB_EINVAL;
    for (size_t j = i; j < n - 1; j++) *k = *k * 10 + (uint64_t)(t[j] - '0');
  }
  return 1;
}

/* The base of a possibly-array type: "Person" for "Person[2][]". */
static int base_type(const char *t, size_t *n) {
  size_t elem;
  uint64_t k;
  int r;
  while ((r = split_array(t, *n, &elem, &k)) == 1) *n = elem;
  return r < 0 ? r : 0;
}

/* A type's field list entry: name and type strings. */
static int field_at(struct ctx *c, const struct ob_json *fields, const char *tname, size_t i,
                    const char **fname, const char **ftype) {
  const struct ob_json *f = fields->items[i];
  *fname = ob_json_string(ob_json_get(f, "name"));
  *ftype = ob_json_string(ob_json_get(f, "type"));
  if (!*fname || !*ftype)
    return ob_err_set(c->err, OB_EINVAL, "types.%s[%zu]: expected an object with string name and type", tname, i);
  return 0;
}

static int check_fields(struct ctx *c, const struct ob_json *fields, const char *tname) {
  if (!ob_json_is(fields, OB_JSON_ARRAY))
    return ob_err_set(c->err, OB_EINVAL, "types.%s: expected an array of fields", tname);
  return 0;
}

/* Depth-first search of the struct types name refers to (name included). */
static int collect(struct ctx *c, const char *name, size_t nlen, const char **seen, size_t *nseen) {
  const struct ob_json *fields = find_type(c, name, nlen);
  const char *tname = NULL;
  int rc;
  for (size_t i = 0; i < *nseen; i++)
    if (strlen(seen[i]) == nlen && !memcmp(seen[i], name, nlen)) return 0;
  if (*nseen >= CHAIN_EIP712_MAX_TYPES) return ob_err_set(c->err, OB_ELIMIT, "types: more than %d struct types", CHAIN_EIP712_MAX_TYPES);
  for (size_t i = 0; c->types && i < c->types->len; i++)
    if (c->types->items[i] == fields) tname = c->types->keys[i];
  if (!tname) tname = "EIP712Domain";
  seen[(*nseen)++] = tname;
  if ((rc = check_fields(c, fields, tname))) return rc;
  for (size_t i = 0; i < fields->len; i++) {
    const char *fn, *ft;
    size_t blen;
    unsigned sz;
    enum kind k;
    if ((rc = field_at(c, fields, tname, i, &fn, &ft))) return rc;
    blen = strlen(ft);
    if (base_type(ft, &blen)) return ob_err_set(c->err, OB_EINVAL, "types.%s.%s: bad array type '%s'", tname, fn, ft);
    k = classify(c, ft, blen, &sz);
    if (k == K_UNKNOWN) return ob_err_set(c->err, OB_EINVAL, "types.%s.%s: unknown type '%s'", tname, fn, ft);
    if (k == K_STRUCT && (rc = collect(c, ft, blen, seen, nseen))) return rc;
  }
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int append_type(struct ctx *c, struct ob_buf *out, const char *tname) {
  const struct ob_json *fields = find_type(c, tname, strlen(tname));
  int rc = ob_buf_addf(out, "%s(", tname);
  for (size_t i = 0; !rc && i < fields->len; i++) {
    const char *fn, *ft;
    if ((rc = field_at(c, fields, tname, i, &fn, &ft))) return rc;
    rc = ob_buf_addf(out, "%s%s %s", i ? "," : "", ft, fn);
  }
  return rc ? rc : ob_buf_addch(out, ')');
}

static int encode_type(struct ctx *c, struct ob_buf *out, const char *type, size_t tlen) {
  const char *seen[CHAIN_EIP712_MAX_TYPES];
  size_t nseen = 0;
  int rc;
  if (!find_type(c, type, tlen)) return ob_err_set(c->err, OB_EINVAL, "types: no struct type '%.*s'", (int)tlen, type);
  if ((rc = collect(c, type, tlen, seen, &nseen))) return rc;
  qsort(seen + 1, nseen - 1, sizeof(seen[0]), cmp_str);
  for (size_t i = 0; i < nseen; i++)
    if ((rc = append_type(c, out, seen[i]))) return ob_err_set(c->err, rc, "types: %s", ob_strerror(rc));
  return 0;
}

static int type_hash(struct ctx *c, uint8_t out32[32], const char *type, size_t tlen) {
  struct ob_buf b;
  int rc;
  ob_buf_init(&b, 1 << 20);
  if (!(rc = encode_type(c, &b, type, tlen))) chain_keccak256(out32, b.buf, b.len);
  ob_buf_release(&b);
  return rc;
}

/* ---- values ---- */

static int bad_value(struct ctx *c, const char *want, const struct ob_json *v) {
  if (ob_json_is(v, OB_JSON_STRING) || ob_json_is(v, OB_JSON_NUMBER))
    return ob_err_set(c->err, OB_EPARSE, "%s: expected %s, got '%.80s'", c->path, want, v->str);
  return ob_err_set(c->err, OB_EPARSE, "%s: expected %s, got a %s", c->path, want,
                    v ? ob_json_type_name(v->type) : "missing value");
}

static int enc_int(struct ctx *c, uint8_t out32[32], const struct ob_json *v, bool sign, unsigned bits) {
  struct chain_u256 x;
  char want[40];
  snprintf(want, sizeof(want), "a %s%u", sign ? "int" : "uint", bits);
  if (!ob_json_is(v, OB_JSON_STRING) && !ob_json_is(v, OB_JSON_NUMBER)) return bad_value(c, want, v);
  if ((sign ? chain_i256_parse(&x, v->str, NULL, NULL) : chain_u256_parse(&x, v->str, NULL, NULL)) ||
      !(sign ? chain_i256_fits_bits(&x, bits) : chain_u256_fits_bits(&x, bits)))
    return bad_value(c, want, v);
  chain_u256_to_be(out32, &x);
  return 0;
}

static int enc_bytesn(struct ctx *c, uint8_t out32[32], const struct ob_json *v, unsigned n) {
  char want[32];
  size_t got = 0;
  snprintf(want, sizeof(want), "bytes%u as 0x-hex", n);
  memset(out32, 0, 32);
  if (!ob_json_is(v, OB_JSON_STRING) || ob_hex_decode(out32, 32, &got, v->str, v->len, NULL) || got != n)
    return memset(out32, 0, 32), bad_value(c, want, v);
  return 0;
}

static int enc_bytes(struct ctx *c, uint8_t out32[32], const struct ob_json *v) {
  uint8_t *p = NULL;
  size_t n = 0;
  if (!ob_json_is(v, OB_JSON_STRING) || ob_hex_decode_alloc(&p, &n, v->str, v->len, NULL))
    return bad_value(c, "bytes as 0x-hex", v);
  chain_keccak256(out32, p, n);
  ob_free(p);
  return 0;
}

static int enc_atomic(struct ctx *c, uint8_t out32[32], enum kind k, unsigned size, const struct ob_json *v) {
  uint8_t a[20];
  memset(out32, 0, 32);
  switch (k) {
  case K_BOOL:
    if (!ob_json_is(v, OB_JSON_BOOL)) return bad_value(c, "true or false", v);
    out32[31] = v->b;
    return 0;
  case K_ADDRESS:
    if (!ob_json_is(v, OB_JSON_STRING) || chain_addr_parse(a, v->str, NULL)) return bad_value(c, "an address", v);
    memcpy(out32 + 12, a, 20);
    return 0;
  case K_UINT: return enc_int(c, out32, v, false, size);
  case K_INT: return enc_int(c, out32, v, true, size);
  case K_BYTESN: return enc_bytesn(c, out32, v, size);
  case K_STRING:
    if (!ob_json_is(v, OB_JSON_STRING)) return bad_value(c, "a string", v);
    chain_keccak256(out32, v->str, v->len);
    return 0;
  case K_BYTES: return enc_bytes(c, out32, v);
  default: return ob_err_set(c->err, OB_EINVAL, "%s: unknown type", c->path);
  }
}

static int hash_struct(struct ctx *c, uint8_t out32[32], const char *type, size_t tlen, const struct ob_json *v);

static int enc_value(struct ctx *c, uint8_t out32[32], const char *t, size_t n, const struct ob_json *v);

static int enc_array(struct ctx *c, uint8_t out32[32], const char *t, size_t elem, uint64_t k,
                     const struct ob_json *v) {
  struct chain_keccak h;
  uint8_t e[32];
  int rc = 0;
  if (!ob_json_is(v, OB_JSON_ARRAY)) return bad_value(c, "an array", v);
  if (k && v->len != k)
    return ob_err_set(c->err, OB_EPARSE, "%s: expected %llu elements, got %zu", c->path, (unsigned long long)k, v->len);
  chain_keccak_init(&h);
  for (size_t i = 0; !rc && i < v->len; i++) {
    size_t old = path_push(c, NULL, false, i);
    if (!(rc = enc_value(c, e, t, elem, v->items[i]))) chain_keccak_update(&h, e, 32);
    path_pop(c, old);
  }
  chain_keccak_final(&h, out32);
  return rc;
}

static int enc_value(struct ctx *c, uint8_t out32[32], const char *t, size_t n, const struct ob_json *v) {
  size_t elem;
  uint64_t k;
  unsigned size;
  enum kind kind;
  int arr = split_array(t, n, &elem, &k), rc;
  if (arr < 0) return ob_err_set(c->err, OB_EINVAL, "%s: bad array type '%.*s'", c->path, (int)n, t);
  if (++c->depth > MAX_NEST) return ob_err_set(c->err, OB_ELIMIT, "%s: nested deeper than %d", c->path, MAX_NEST);
  if (arr) {
    rc = enc_array(c, out32, t, elem, k, v);
  } else {
    kind = classify(c, t, n, &size);
    rc = kind == K_STRUCT ? hash_struct(c, out32, t, n, v) : enc_atomic(c, out32, kind, size, v);
  }
  c->depth--;
  return rc;
}

static int hash_struct(struct ctx *c, uint8_t out32[32], const char *type, size_t tlen, const struct ob_json *v) {
  const struct ob_json *fields = find_type(c, type, tlen);
  struct chain_keccak h;
  uint8_t e[32];
  int rc;
  if (!ob_json_is(v, OB_JSON_OBJECT)) return bad_value(c, "an object", v);
  if ((rc = type_hash(c, e, type, tlen))) return rc;
  chain_keccak_init(&h);
  chain_keccak_update(&h, e, 32);
  for (size_t i = 0; i < fields->len; i++) {
    const char *fn = ob_json_string(ob_json_get(fields->items[i], "name"));
    const char *ft = ob_json_string(ob_json_get(fields->items[i], "type"));
    size_t old = path_push(c, fn ? fn : "?", true, 0);
    const struct ob_json *fv = ob_json_get(v, fn);
    rc = fv ? enc_value(c, e, ft, strlen(ft), fv) : ob_err_set(c->err, OB_EPARSE, "%s is missing", c->path);
    path_pop(c, old);
    if (rc) return rc;
    chain_keccak_update(&h, e, 32);
  }
  chain_keccak_final(&h, out32);
  return 0;
}

/* ---- the domain, inferred when types.EIP712Domain is absent ---- */

struct inferred {
  struct ob_json arr, objs[5], strs[5][2];
  struct ob_json *items[5], *obj_items[5][2];
  char *obj_keys[5][2];
};

static void infer_domain(struct inferred *d, const struct ob_json *domain) {
  static const char *const names[5] = {"name", "version", "chainId", "verifyingContract", "salt"};
  static const char *const types[5] = {"string", "string", "uint256", "address", "bytes32"};
  size_t n = 0;
  memset(d, 0, sizeof(*d));
  for (size_t i = 0; i < 5; i++) {
    if (!ob_json_get(domain, names[i])) continue;
    d->strs[n][0] = (struct ob_json){.type = OB_JSON_STRING, .str = (char *)names[i], .len = strlen(names[i])};
    d->strs[n][1] = (struct ob_json){.type = OB_JSON_STRING, .str = (char *)types[i], .len = strlen(types[i])};
    d->obj_items[n][0] = &d->strs[n][0], d->obj_items[n][1] = &d->strs[n][1];
    d->obj_keys[n][0] = (char *)"name", d->obj_keys[n][1] = (char *)"type";
    d->objs[n] = (struct ob_json){.type = OB_JSON_OBJECT, .len = 2, .items = d->obj_items[n], .keys = d->obj_keys[n]};
    d->items[n] = &d->objs[n];
    n++;
  }
  d->arr = (struct ob_json){.type = OB_JSON_ARRAY, .len = n, .items = d->items};
}

static void ctx_init(struct ctx *c, const struct ob_json *types, struct ob_err *err) {
  memset(c, 0, sizeof(*c));
  c->types = types;
  c->err = err;
}

int chain_eip712_encode_type(struct ob_buf *out, const struct ob_json *types, const char *type,
                             struct ob_err *err) {
  struct ctx c;
  ctx_init(&c, types, err);
  return encode_type(&c, out, type, strlen(type));
}

int chain_eip712_hash_struct(uint8_t out32[32], const struct ob_json *types, const char *type,
                             const struct ob_json *value, struct ob_err *err) {
  struct ctx c;
  ctx_init(&c, types, err);
  if (!find_type(&c, type, strlen(type))) return ob_err_set(err, OB_EINVAL, "types: no struct type '%s'", type);
  path_push(&c, "message", false, 0);
  return hash_struct(&c, out32, type, strlen(type), value);
}

static int doc_parts(const struct ob_json *doc, const struct ob_json **types, const char **primary,
                     const struct ob_json **domain, const struct ob_json **message, struct ob_err *err) {
  if (!ob_json_is(doc, OB_JSON_OBJECT)) return ob_err_set(err, OB_EPARSE, "typed data: expected a JSON object");
  *types = ob_json_get(doc, "types");
  *primary = ob_json_string(ob_json_get(doc, "primaryType"));
  *domain = ob_json_get(doc, "domain");
  *message = ob_json_get(doc, "message");
  if (!ob_json_is(*types, OB_JSON_OBJECT)) return ob_err_set(err, OB_EPARSE, "typed data: types is missing or not an object");
  if (!*primary) return ob_err_set(err, OB_EPARSE, "typed data: primaryType is missing or not a string");
  if (!ob_json_is(*domain, OB_JSON_OBJECT)) return ob_err_set(err, OB_EPARSE, "typed data: domain is missing or not an object");
  if ((*types)->len > CHAIN_EIP712_MAX_TYPES) return ob_err_set(err, OB_ELIMIT, "typed data: more than %d types", CHAIN_EIP712_MAX_TYPES);
  return 0;
}

static int chain_eip712_hash_doc(struct chain_eip712_hashes *out, const struct ob_json *doc, struct ob_err *err) {
  const struct ob_json *types = NULL, *domain = NULL, *message = NULL;
  const char *primary = NULL;
  struct inferred inf;
  struct ctx c;
  struct chain_eip712_hashes h;
  int rc = doc_parts(doc, &types, &primary, &domain, &message, err);
  if (rc) return rc;
  ctx_init(&c, types, err);
  if (!ob_json_get(types, "EIP712Domain")) infer_domain(&inf, domain), c.domain_fields = &inf.arr;
  memset(&h, 0, sizeof(h));
  path_push(&c, "domain", false, 0);
  if ((rc = hash_struct(&c, h.domain_separator, "EIP712Domain", 12, domain))) return rc;
  if (strcmp(primary, "EIP712Domain") != 0) {
    if (!find_type(&c, primary, strlen(primary)))
      return ob_err_set(err, OB_EINVAL, "typed data: primaryType '%s' is not in types", primary);
    if (!message) return ob_err_set(err, OB_EPARSE, "typed data: message is missing");
    path_pop(&c, 0);
    path_push(&c, "message", false, 0);
    if ((rc = hash_struct(&c, h.message_hash, primary, strlen(primary), message))) return rc;
    chain_eip712_digest(h.digest, h.domain_separator, h.message_hash);
  } else {
    /* Signing the domain alone: the digest has no message part (eth-sig-util, alloy). */
    uint8_t pre[34] = {0x19, 0x01};
    memcpy(pre + 2, h.domain_separator, 32);
    chain_keccak256(h.digest, pre, sizeof(pre));
  }
  *out = h;
  return 0;
}

int chain_eip712_hash_json(struct chain_eip712_hashes *out, const char *json, size_t len, struct ob_err *err) {
  struct ob_json *doc = NULL;
  struct ob_json_limits lim;
  struct ob_err perr;
  int rc;
  ob_json_limits_init(&lim);
  lim.max_bytes = CHAIN_EIP712_MAX_BYTES;
  lim.max_depth = MAX_NEST;
  ob_err_clear(&perr);
  if ((rc = ob_json_parse(&doc, json, len, &lim, &perr)))
    return ob_err_set(err, rc, "typed data is not JSON: %s", ob_err_msg(&perr, rc));
  rc = chain_eip712_hash_doc(out, doc, err);
  ob_json_free(doc);
  return rc;
}

/* Length of a name (letters, digits, _ and $, not starting with a digit) at s; with brackets
 * allowed too for a field type ("uint8[2][]"). 0 if none. */
static size_t name_len(const char *s, bool brackets) {
  size_t n = 0;
  for (;; n++) {
    char ch = s[n];
    bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '$';
    bool digit = ch >= '0' && ch <= '9';
    if (!(alpha || (n && digit) || (n && brackets && (ch == '[' || ch == ']')))) return n;
  }
}

static int bad_at(struct ob_err *err, const char *start, const char *p, const char *want) {
  return ob_err_set(err, OB_EPARSE, "type string: at byte %zu: expected %s", (size_t)(p - start), want);
}

/* One "Name(type a,type b)" at *p, written as "Name":[{name,type},…]; advances *p. */
static int one_struct(struct ob_jw *w, const char *start, const char **p, struct ob_err *err) {
  const char *s = *p;
  size_t n = name_len(s, false);
  if (!n || s[n] != '(') return bad_at(err, start, s + n, "Name(");
  {
    char key[256];
    if (n >= sizeof(key)) return bad_at(err, start, s, "a shorter type name");
    memcpy(key, s, n), key[n] = '\0';
    ob_jw_key(w, key);
  }
  ob_jw_arr_begin(w);
  for (s += n + 1; *s != ')';) {
    size_t tn = name_len(s, true), fn;
    if (!tn || s[tn] != ' ') return bad_at(err, start, s + tn, "'type name'");
    fn = name_len(s + tn + 1, false);
    if (!fn) return bad_at(err, start, s + tn + 1, "a field name");
    ob_jw_obj_begin(w);
    ob_jw_key(w, "name"), ob_jw_strn(w, s + tn + 1, fn);
    ob_jw_key(w, "type"), ob_jw_strn(w, s, tn);
    ob_jw_obj_end(w);
    s += tn + 1 + fn;
    if (*s == ',' && s[1] != ')') s++;
    else if (*s != ')') return bad_at(err, start, s, "',' or ')'");
  }
  ob_jw_arr_end(w);
  *p = s + 1;
  return 0;
}

int chain_eip712_types_from_string(struct ob_buf *out, const char *encoded, struct ob_err *err) {
  struct ob_jw w;
  const char *p = encoded;
  int rc = ob_jw_init(&w, out, false);
  if (rc) return rc;
  ob_jw_obj_begin(&w);
  do rc = one_struct(&w, encoded, &p, err);
  while (!rc && *p);
  ob_jw_obj_end(&w);
  if (rc) {
    ob_jw_finish(&w);
    return rc;
  }
  if ((rc = ob_jw_finish(&w))) return ob_err_set(err, rc, "type string: %s", ob_strerror(rc));
  return 0;
}

static void chain_eip712_digest(uint8_t out32[32], const uint8_t domain_separator[32], const uint8_t struct_hash[32]) {
  uint8_t pre[66] = {0x19, 0x01};
  memcpy(pre + 2, domain_separator, 32);
  memcpy(pre + 34, struct_hash, 32);
  chain_keccak256(out32, pre, sizeof(pre));
}

/* ---- fast paths ---- */

static const char domain_type[] = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
static const char commitment_type[] = "Commitment(uint64 round,bytes32 root,string cid,uint64 timestamp,uint32 count)";
static const char model_type[] = "ModelEntry(string name,string version,string cid,bytes32 sha256,uint64 size)";

static void put_u64(uint8_t *w, uint64_t v) {
  memset(w, 0, 24);
  for (int i = 0; i < 8; i++) w[24 + i] = (uint8_t)(v >> (56 - 8 * i));
}
static void put_str(uint8_t *w, const char *s) { chain_keccak256(w, s, strlen(s)); }

static void chain_eip712_obridge_domain(uint8_t out32[32], uint64_t chain_id, const uint8_t registry20[20]) {
  uint8_t w[5 * 32];
  chain_keccak256(w, domain_type, sizeof(domain_type) - 1);
  put_str(w + 32, "obridge");
  put_str(w + 64, "1");
  put_u64(w + 96, chain_id);
  memset(w + 128, 0, 12);
  memcpy(w + 140, registry20, 20);
  chain_keccak256(out32, w, sizeof(w));
}

void chain_eip712_commitment_hash(uint8_t out32[32], const struct chain_commitment *c) {
  uint8_t w[6 * 32];
  chain_keccak256(w, commitment_type, sizeof(commitment_type) - 1);
  put_u64(w + 32, c->round);
  memcpy(w + 64, c->root, 32);
  put_str(w + 96, c->cid);
  put_u64(w + 128, c->timestamp);
  put_u64(w + 160, c->count);
  chain_keccak256(out32, w, sizeof(w));
}

void chain_eip712_commitment_digest(uint8_t out32[32], uint64_t chain_id, const uint8_t registry20[20],
                                    const struct chain_commitment *c) {
  uint8_t d[32], h[32];
  chain_eip712_obridge_domain(d, chain_id, registry20);
  chain_eip712_commitment_hash(h, c);
  chain_eip712_digest(out32, d, h);
}

void chain_eip712_model_entry_hash(uint8_t out32[32], const struct chain_model_entry *m) {
  uint8_t w[6 * 32];
  chain_keccak256(w, model_type, sizeof(model_type) - 1);
  put_str(w + 32, m->name);
  put_str(w + 64, m->version);
  put_str(w + 96, m->cid);
  memcpy(w + 128, m->sha256, 32);
  put_u64(w + 160, m->size);
  chain_keccak256(out32, w, sizeof(w));
}

void chain_eip712_model_entry_digest(uint8_t out32[32], uint64_t chain_id, const uint8_t registry20[20],
                                     const struct chain_model_entry *m) {
  uint8_t d[32], h[32];
  chain_eip712_obridge_domain(d, chain_id, registry20);
  chain_eip712_model_entry_hash(h, m);
  chain_eip712_digest(out32, d, h);
}

/* ---- documents for external signers ---- */

static void jw_field(struct ob_jw *w, const char *name, const char *type) {
  ob_jw_obj_begin(w);
  ob_jw_key(w, "name"), ob_jw_str(w, name);
  ob_jw_key(w, "type"), ob_jw_str(w, type);
  ob_jw_obj_end(w);
}

/* types (domain + one struct from a "Name(type a,type b)" string) and the domain. */
static void jw_head(struct ob_jw *w, const char *type_str, uint64_t chain_id, const uint8_t registry20[20]) {
  char addr[43], name[32], buf[256];
  const char *p = strchr(type_str, '(');
  char *tok, *end;
  snprintf(name, sizeof(name), "%.*s", (int)(p - type_str), type_str);
  ob_jw_key(w, "types");
  ob_jw_obj_begin(w);
  ob_jw_key(w, "EIP712Domain");
  ob_jw_arr_begin(w);
  jw_field(w, "name", "string"), jw_field(w, "version", "string");
  jw_field(w, "chainId", "uint256"), jw_field(w, "verifyingContract", "address");
  ob_jw_arr_end(w);
  ob_jw_key(w, name);
  ob_jw_arr_begin(w);
  snprintf(buf, sizeof(buf), "%.*s", (int)(strlen(p + 1) - 1), p + 1);
  for (tok = buf; tok; tok = end) {
    char *sp = strchr(tok, ' ');
    if ((end = strchr(tok, ','))) *end++ = '\0';
    *sp = '\0';
    jw_field(w, sp + 1, tok);
  }
  ob_jw_arr_end(w);
  ob_jw_obj_end(w);
  ob_jw_key(w, "primaryType"), ob_jw_str(w, name);
  ob_jw_key(w, "domain");
  ob_jw_obj_begin(w);
  ob_jw_key(w, "name"), ob_jw_str(w, "obridge");
  ob_jw_key(w, "version"), ob_jw_str(w, "1");
  ob_jw_key(w, "chainId"), ob_jw_u64(w, chain_id);
  chain_addr_checksum(addr, registry20);
  ob_jw_key(w, "verifyingContract"), ob_jw_str(w, addr);
  ob_jw_obj_end(w);
}

static void jw_hex(struct ob_jw *w, const uint8_t *p, size_t n) {
  char h[2 * 32 + 3];
  ob_hex_encode0x(h, p, n);
  ob_jw_str(w, h);
}

int chain_eip712_commitment_json(struct ob_buf *out, uint64_t chain_id, const uint8_t registry20[20],
                                 const struct chain_commitment *c) {
  struct ob_jw w;
  int rc = ob_jw_init(&w, out, false);
  if (rc) return rc;
  ob_jw_obj_begin(&w);
  jw_head(&w, commitment_type, chain_id, registry20);
  ob_jw_key(&w, "message");
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "round"), ob_jw_u64(&w, c->round);
  ob_jw_key(&w, "root"), jw_hex(&w, c->root, 32);
  ob_jw_key(&w, "cid"), ob_jw_str(&w, c->cid);
  ob_jw_key(&w, "timestamp"), ob_jw_u64(&w, c->timestamp);
  ob_jw_key(&w, "count"), ob_jw_u64(&w, c->count);
  ob_jw_obj_end(&w);
  ob_jw_obj_end(&w);
  return ob_jw_finish(&w);
}

int chain_eip712_model_entry_json(struct ob_buf *out, uint64_t chain_id, const uint8_t registry20[20],
                                  const struct chain_model_entry *m) {
  struct ob_jw w;
  int rc = ob_jw_init(&w, out, false);
  if (rc) return rc;
  ob_jw_obj_begin(&w);
  jw_head(&w, model_type, chain_id, registry20);
  ob_jw_key(&w, "message");
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "name"), ob_jw_str(&w, m->name);
  ob_jw_key(&w, "version"), ob_jw_str(&w, m->version);
  ob_jw_key(&w, "cid"), ob_jw_str(&w, m->cid);
  ob_jw_key(&w, "sha256"), jw_hex(&w, m->sha256, 32);
  ob_jw_key(&w, "size"), ob_jw_u64(&w, m->size);
  ob_jw_obj_end(&w);
  ob_jw_obj_end(&w);
  return ob_jw_finish(&w);
}
