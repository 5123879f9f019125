/* ABI values: from cast-style text, freeing, and printing as cast does (text and JSON). */
#include <stdio.h>
#include <string.h>

#include "ob/chain/abi.h"
#include "ob/chain/signer.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/hex.h"
#include "ob/core/json.h"

void chain_abi_value_free(struct chain_abi_value *v) {
  if (!v)
    return;
  for (size_t i = 0; i < v->n; i++)
    chain_abi_value_free(&v->items[i]);
  ob_free(v->items);
  ob_free(v->data);
  memset(v, 0, sizeof(*v));
}

/* ---- scalars from one token ---- */

static int type_name(char out[48], const struct chain_abi_type *t) {
  struct ob_buf b;
  ob_buf_init(&b, 47);
  int rc = chain_abi_type_canonical(&b, t);
  snprintf(out, 48, "%s", rc == 0 ? b.buf : "type");
  ob_buf_release(&b);
  return 0;
}

static int parse_int(struct chain_abi_value *v, const char *tok, struct ob_err *err) {
  const struct chain_abi_type *t = v->type;
  bool sig = t->kind == CHAIN_ABI_INT;
  int rc = sig ? chain_i256_parse(&v->num, tok, NULL, err) : chain_u256_parse(&v->num, tok, NULL, err);
  if (rc == OB_EPARSE)
    return rc;
  if (rc == 0 && (sig ? chain_i256_fits_bits(&v->num, t->size) : chain_u256_fits_bits(&v->num, t->size)))
    return 0;
  return ob_err_set(err, OB_ELIMIT, "value '%.100s' does not fit %s%u", tok, sig ? "int" : "uint", t->size);
}

static int parse_fixed_bytes(struct chain_abi_value *v, const char *tok, struct ob_err *err) {
  uint8_t buf[32];
  size_t n = 0;
  int rc = ob_hex_decode(buf, sizeof buf, &n, tok, strlen(tok), err);
  if (rc == OB_EPARSE)
    return rc;
  if (rc || n != v->type->size)
    return ob_err_set(err, OB_EPARSE, "bytes%u value '%.100s' must be %u bytes", v->type->size, tok,
                      v->type->size);
  v->data = ob_malloc(n);
  if (!v->data)
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  memcpy(v->data, buf, n);
  v->len = n;
  return 0;
}

static int parse_address(struct chain_abi_value *v, const char *tok, struct ob_err *err) {
  uint8_t a[20];
  int rc = chain_addr_parse(a, tok, err);
  if (rc)
    return rc;
  v->data = ob_malloc(20);
  if (!v->data)
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  memcpy(v->data, a, 20);
  v->len = 20;
  return 0;
}

static int set_data(struct chain_abi_value *v, const char *s, size_t n, struct ob_err *err) {
  v->data = ob_malloc(n ? n : 1);
  if (!v->data)
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  if (n)
    memcpy(v->data, s, n);
  v->len = n;
  return 0;
}

/* A scalar (not string) from the NUL-terminated token tok. */
static int parse_scalar(struct chain_abi_value *v, const char *tok, struct ob_err *err) {
  switch (v->type->kind) {
  case CHAIN_ABI_UINT:
  case CHAIN_ABI_INT:
    return parse_int(v, tok, err);
  case CHAIN_ABI_ADDRESS:
    return parse_address(v, tok, err);
  case CHAIN_ABI_BOOL:
    if (strcmp(tok, "true") == 0 || strcmp(tok, "false") == 0) {
      chain_u256_from_u64(&v->num, tok[0] == 't');
      return 0;
    }
    return ob_err_set(err, OB_EPARSE, "expected true or false, got '%.100s'", tok);
  case CHAIN_ABI_FIXED_BYTES:
    return parse_fixed_bytes(v, tok, err);
  case CHAIN_ABI_BYTES:
    return ob_hex_decode_alloc(&v->data, &v->len, tok, strlen(tok), err);
  default:
    return ob_err_set(err, OB_EINVAL, "not a scalar type");
  }
}

/* ---- nested text: [a,b], (x,y), quoted or bare strings ---- */

struct vparser {
  const char *p;
  const char *end;
  struct ob_err *err;
};

static void vp_ws(struct vparser *vp) {
  while (vp->p < vp->end && (*vp->p == ' ' || *vp->p == '\t' || *vp->p == '\n' || *vp->p == '\r'))
    vp->p++;
}

static bool is_delim(char c) {
  return c == ',' || c == ']' || c == ')';
}

static int vp_value(struct vparser *vp, struct chain_abi_value *v, unsigned depth);

static int vp_string(struct vparser *vp, struct chain_abi_value *v) {
  const char *s = vp->p;
  if (vp->p < vp->end && *vp->p == '"') {
    const char *q = memchr(vp->p + 1, '"', (size_t)(vp->end - vp->p - 1));
    if (!q)
      return ob_err_set(vp->err, OB_EPARSE, "unterminated string '%.100s'", s);
    vp->p = q + 1;
    return set_data(v, s + 1, (size_t)(q - s - 1), vp->err);
  }
  while (vp->p < vp->end && !is_delim(*vp->p))
    vp->p++;
  const char *e = vp->p;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
    e--;
  return set_data(v, s, (size_t)(e - s), vp->err);
}

static int vp_scalar(struct vparser *vp, struct chain_abi_value *v) {
  const char *s = vp->p;
  while (vp->p < vp->end && !is_delim(*vp->p) && *vp->p != ' ' && *vp->p != '\t' && *vp->p != '[' &&
         *vp->p != '(')
    vp->p++;
  if (vp->p == s)
    return ob_err_set(vp->err, OB_EPARSE, "expected a value at '%.40s'", s);
  char *tok = ob_strndup(s, (size_t)(vp->p - s));
  if (!tok)
    return ob_err_set(vp->err, OB_ENOMEM, "out of memory");
  int rc = parse_scalar(v, tok, vp->err);
  ob_free(tok);
  return rc;
}

/* Items of an array or tuple up to the closing character. */
static int vp_items(struct vparser *vp, struct chain_abi_value *v, char close, unsigned depth) {
  const struct chain_abi_type *t = v->type;
  size_t cap = 0;
  vp->p++;
  vp_ws(vp);
  if (vp->p < vp->end && *vp->p == close) {
    vp->p++;
    return 0;
  }
  for (;;) {
    if (v->n == cap) {
      size_t ncap = cap ? 2 * cap : 4;
      struct chain_abi_value *ni = ob_realloc(v->items, ncap * sizeof(*ni));
      if (!ni)
        return ob_err_set(vp->err, OB_ENOMEM, "out of memory");
      memset(ni + cap, 0, (ncap - cap) * sizeof(*ni));
      v->items = ni;
      cap = ncap;
    }
    if (t->kind == CHAIN_ABI_TUPLE && v->n == t->nfields)
      return ob_err_set(vp->err, OB_EPARSE, "tuple has more than %zu values", t->nfields);
    struct chain_abi_value *it = &v->items[v->n++];
    it->type = t->kind == CHAIN_ABI_TUPLE ? t->fields[v->n - 1] : t->elem;
    int rc = vp_value(vp, it, depth + 1);
    if (rc)
      return rc;
    vp_ws(vp);
    if (vp->p < vp->end && *vp->p == close) {
      vp->p++;
      return 0;
    }
    if (vp->p >= vp->end || *vp->p != ',')
      return ob_err_set(vp->err, OB_EPARSE, "expected ',' or '%c' at '%.40s'", close, vp->p);
    vp->p++;
  }
}

static int check_count(struct vparser *vp, const struct chain_abi_value *v) {
  const struct chain_abi_type *t = v->type;
  size_t want = t->kind == CHAIN_ABI_TUPLE ? t->nfields : t->array_len;
  if (want == CHAIN_ABI_DYNAMIC || v->n == want)
    return 0;
  char name[48];
  type_name(name, t);
  return ob_err_set(vp->err, OB_EPARSE, "%s needs %zu values, got %zu", name, want, v->n);
}

static int vp_value(struct vparser *vp, struct chain_abi_value *v, unsigned depth) {
  const struct chain_abi_type *t = v->type;
  vp_ws(vp);
  if (depth > CHAIN_ABI_MAX_DEPTH + 1)
    return ob_err_set(vp->err, OB_ELIMIT, "values nested too deep");
  if (t->kind == CHAIN_ABI_STRING)
    return vp_string(vp, v);
  if (t->kind != CHAIN_ABI_ARRAY && t->kind != CHAIN_ABI_TUPLE)
    return vp_scalar(vp, v);
  char open = t->kind == CHAIN_ABI_ARRAY ? '[' : '(';
  if (vp->p >= vp->end || *vp->p != open)
    return ob_err_set(vp->err, OB_EPARSE, "expected '%c' at '%.40s'", open, vp->p);
  int rc = vp_items(vp, v, t->kind == CHAIN_ABI_ARRAY ? ']' : ')', depth);
  return rc ? rc : check_count(vp, v);
}

static int parse_top(struct chain_abi_value *out, const struct chain_abi_type *t, const char *text,
                     struct ob_err *err) {
  size_t n = strlen(text);
  out->type = t;
  if (t->kind == CHAIN_ABI_STRING) {
    if (n >= 2 && text[0] == '"' && text[n - 1] == '"')
      return set_data(out, text + 1, n - 2, err);
    return set_data(out, text, n, err);
  }
  struct vparser vp = {text, text + n, err};
  int rc = vp_value(&vp, out, 0);
  vp_ws(&vp);
  if (rc == 0 && vp.p != vp.end)
    rc = ob_err_set(err, OB_EPARSE, "unexpected text '%.40s' after the value", vp.p);
  return rc;
}

int chain_abi_parse_args(struct chain_abi_value *out, const struct chain_abi_type *tuple,
                         const char *const *argv, size_t argc, struct ob_err *err) {
  OB_ARG_CHECK(tuple->kind == CHAIN_ABI_TUPLE);
  if (argc != tuple->nfields)
    return ob_err_set(err, OB_EINVAL, "expected %zu arguments, got %zu", tuple->nfields, argc);
  struct chain_abi_value v;
  memset(&v, 0, sizeof v);
  v.type = tuple;
  v.items = ob_calloc(argc ? argc : 1, sizeof(*v.items));
  if (!v.items)
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (; v.n < argc; v.n++) {
    int rc = parse_top(&v.items[v.n], tuple->fields[v.n], argv[v.n], err);
    if (rc) {
      char name[48];
      size_t which = v.n + 1;
      type_name(name, tuple->fields[v.n]);
      v.n++;
      chain_abi_value_free(&v);
      return ob_err_prefix(err, rc, "argument %zu (%s)", which, name);
    }
  }
  *out = v;
  return 0;
}
