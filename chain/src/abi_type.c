/* ABI signatures: parsing type text into trees, canonical text, selectors and topics. */
#include <stdio.h>
#include <string.h>

#include "abi_int.h"

#include "ob/chain/abi.h"
#include "ob/chain/keccak.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"

struct sig_parser {
  const char *text; /* whole signature, for messages */
  const char *p;
  struct ob_err *err;
};

static int sp_fail(struct sig_parser *sp, int code, const char *what) {
  return ob_err_set(sp->err, code, "abi signature '%.200s': at %zu: %s", sp->text,
                    (size_t)(sp->p - sp->text), what);
}

static void skip_ws(struct sig_parser *sp) {
  while (*sp->p == ' ' || *sp->p == '\t' || *sp->p == '\n' || *sp->p == '\r')
    sp->p++;
}

static bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}

static size_t ident_len(const char *p) {
  size_t n = 0;
  if (!is_ident_start(p[0]))
    return 0;
  while (is_ident_char(p[n]))
    n++;
  return n;
}

static void type_free(struct chain_abi_type *t) {
  if (!t)
    return;
  type_free(t->elem);
  for (size_t i = 0; i < t->nfields; i++)
    type_free(t->fields[i]);
  ob_free(t->fields);
  ob_free(t);
}

/* Parse a decimal size with no leading zero from s[0..n); 0 if not one. */
static unsigned size_suffix(const char *s, size_t n) {
  unsigned v = 0;
  if (n == 0 || n > 3 || s[0] == '0')
    return 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return 0;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  return v;
}

/* Map an elementary type name to kind and size. Returns false if unknown. */
static bool elementary(const char *s, size_t n, enum chain_abi_kind *kind, unsigned *size) {
  static const struct { const char *name; enum chain_abi_kind kind; unsigned size; } fixed[] = {
      {"address", CHAIN_ABI_ADDRESS, 0}, {"bool", CHAIN_ABI_BOOL, 0}, {"string", CHAIN_ABI_STRING, 0},
      {"bytes", CHAIN_ABI_BYTES, 0},     {"uint", CHAIN_ABI_UINT, 256}, {"int", CHAIN_ABI_INT, 256},
  };
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
    if (strlen(fixed[i].name) == n && memcmp(s, fixed[i].name, n) == 0) {
      *kind = fixed[i].kind;
      *size = fixed[i].size;
      return true;
    }
  if (n > 4 && memcmp(s, "uint", 4) == 0)
    *kind = CHAIN_ABI_UINT, *size = size_suffix(s + 4, n - 4);
  else if (n > 3 && memcmp(s, "int", 3) == 0)
    *kind = CHAIN_ABI_INT, *size = size_suffix(s + 3, n - 3);
  else if (n > 5 && memcmp(s, "bytes", 5) == 0)
    *kind = CHAIN_ABI_FIXED_BYTES, *size = size_suffix(s + 5, n - 5);
  else
    return false;
  if (*kind == CHAIN_ABI_FIXED_BYTES)
    return *size >= 1 && *size <= 32;
  return *size >= 8 && *size <= 256 && *size % 8 == 0;
}

static int parse_tuple(struct sig_parser *sp, struct chain_abi_type **out, unsigned depth, bool allow_empty);

/* Largest head a static type may take: keeps every size sum far from overflow. */
#define STATIC_MAX ((size_t)1 << 24)

static int new_type(struct sig_parser *sp, struct chain_abi_type **out, enum chain_abi_kind kind) {
  *out = ob_calloc(1, sizeof(**out));
  if (!*out)
    return sp_fail(sp, OB_ENOMEM, "out of memory");
  (*out)->kind = kind;
  return 0;
}

static int parse_base(struct sig_parser *sp, struct chain_abi_type **out, unsigned depth) {
  size_t n = ident_len(sp->p);
  if (n == 5 && memcmp(sp->p, "tuple", 5) == 0 && sp->p[5] == '(') {
    sp->p += 5;
    n = 0;
  }
  if (n == 0 && *sp->p == '(')
    return parse_tuple(sp, out, depth + 1, false);
  if (n == 0)
    return sp_fail(sp, OB_EPARSE, *sp->p ? "expected a type" : "unexpected end: unbalanced parentheses");
  enum chain_abi_kind kind;
  unsigned size = 0;
  if (!elementary(sp->p, n, &kind, &size)) {
    char msg[96];
    snprintf(msg, sizeof msg, "unknown type '%.*s'", (int)(n > 40 ? 40 : n), sp->p);
    return sp_fail(sp, OB_EPARSE, msg);
  }
  int rc = new_type(sp, out, kind);
  if (rc == 0)
    (*out)->size = size;
  sp->p += n;
  return rc;
}

/* One "[k]" or "[]" suffix wrapping *t. */
static int parse_suffix(struct sig_parser *sp, struct chain_abi_type **t) {
  const char *start = ++sp->p;
  while (*sp->p >= '0' && *sp->p <= '9')
    sp->p++;
  size_t n = (size_t)(sp->p - start), k = CHAIN_ABI_DYNAMIC;
  if (*sp->p != ']')
    return sp_fail(sp, OB_EPARSE, "expected ']'");
  if (n > 0) {
    if (start[0] == '0' || n > 6)
      return sp_fail(sp, n > 6 ? OB_ELIMIT : OB_EPARSE, "array length must be 1 to 65536");
    k = 0;
    for (size_t i = 0; i < n; i++)
      k = k * 10 + (size_t)(start[i] - '0');
    if (k > CHAIN_ABI_MAX_FIXED)
      return sp_fail(sp, OB_ELIMIT, "array length must be 1 to 65536");
  }
  sp->p++;
  struct chain_abi_type *arr;
  int rc = new_type(sp, &arr, CHAIN_ABI_ARRAY);
  if (rc)
    return rc;
  arr->array_len = k;
  arr->elem = *t;
  *t = arr;
  if (!chain_abi_type_is_dynamic(arr) && chain__abi_head_size(arr) > STATIC_MAX)
    return sp_fail(sp, OB_ELIMIT, "static type larger than 16 MiB");
  return 0;
}

static int parse_type(struct sig_parser *sp, struct chain_abi_type **out, unsigned depth) {
  if (depth > CHAIN_ABI_MAX_DEPTH)
    return sp_fail(sp, OB_ELIMIT, "types nested deeper than 32");
  struct chain_abi_type *t = NULL;
  int rc = parse_base(sp, &t, depth);
  while (rc == 0 && *sp->p == '[') {
    if (++depth > CHAIN_ABI_MAX_DEPTH)
      rc = sp_fail(sp, OB_ELIMIT, "types nested deeper than 32");
    else
      rc = parse_suffix(sp, &t);
  }
  if (rc) {
    type_free(t);
    return rc;
  }
  *out = t;
  return 0;
}

/* After a parameter's type: optional names ("amount", "memory", "indexed"). */
static void skip_param_names(struct sig_parser *sp) {
  for (;;) {
    const char *save = sp->p;
    skip_ws(sp);
    size_t n = ident_len(sp->p);
    if (n == 0 || sp->p == save) {
      sp->p = save;
      skip_ws(sp);
      return;
    }
    sp->p += n;
  }
}

static int add_field(struct sig_parser *sp, struct chain_abi_type *tup, struct chain_abi_type *f) {
  struct chain_abi_type **nf = ob_realloc(tup->fields, (tup->nfields + 1) * sizeof(*nf));
  if (!nf) {
    type_free(f);
    return sp_fail(sp, OB_ENOMEM, "out of memory");
  }
  tup->fields = nf;
  tup->fields[tup->nfields++] = f;
  return 0;
}

static int parse_fields(struct sig_parser *sp, struct chain_abi_type *tup, unsigned depth) {
  skip_ws(sp);
  if (*sp->p == ')')
    return 0;
  for (;;) {
    struct chain_abi_type *f;
    skip_ws(sp);
    int rc = parse_type(sp, &f, depth);
    if (rc == 0)
      rc = add_field(sp, tup, f);
    if (rc)
      return rc;
    skip_param_names(sp);
    if (*sp->p == ')')
      return 0;
    if (*sp->p != ',')
      return sp_fail(sp, OB_EPARSE, *sp->p ? "expected ',' or ')'" : "unexpected end: unbalanced parentheses");
    sp->p++;
  }
}

static int parse_tuple(struct sig_parser *sp, struct chain_abi_type **out, unsigned depth, bool allow_empty) {
  if (depth > CHAIN_ABI_MAX_DEPTH)
    return sp_fail(sp, OB_ELIMIT, "types nested deeper than 32");
  if (*sp->p != '(')
    return sp_fail(sp, OB_EPARSE, "expected '('");
  sp->p++;
  struct chain_abi_type *tup;
  int rc = new_type(sp, &tup, CHAIN_ABI_TUPLE);
  if (rc == 0)
    rc = parse_fields(sp, tup, depth);
  if (rc == 0 && tup->nfields == 0 && !allow_empty)
    rc = sp_fail(sp, OB_EPARSE, "empty tuple type");
  if (rc == 0 && !chain_abi_type_is_dynamic(tup) && chain__abi_head_size(tup) > STATIC_MAX)
    rc = sp_fail(sp, OB_ELIMIT, "static type larger than 16 MiB");
  if (rc) {
    type_free(tup);
    return rc;
  }
  sp->p++; /* ')' */
  *out = tup;
  return 0;
}

static int parse_sig(struct sig_parser *sp, struct chain_abi_sig *sig) {
  skip_ws(sp);
  size_t n = ident_len(sp->p);
  sig->name = ob_strndup(sp->p, n);
  if (!sig->name)
    return sp_fail(sp, OB_ENOMEM, "out of memory");
  sp->p += n;
  skip_ws(sp);
  int rc = parse_tuple(sp, &sig->inputs, 1, true);
  skip_ws(sp);
  if (rc == 0 && *sp->p == '(')
    rc = parse_tuple(sp, &sig->outputs, 1, true);
  skip_ws(sp);
  if (rc == 0 && *sp->p == ')')
    return sp_fail(sp, OB_EPARSE, "unbalanced parentheses: unexpected ')'");
  if (rc == 0 && *sp->p)
    return sp_fail(sp, OB_EPARSE, "unexpected text after the signature");
  return rc;
}

int chain_abi_sig_parse(struct chain_abi_sig **out, const char *text, struct ob_err *err) {
  struct sig_parser sp = {text, text, err};
  struct chain_abi_sig *sig = ob_calloc(1, sizeof(*sig));
  if (!sig)
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  int rc = parse_sig(&sp, sig);
  if (rc) {
    chain_abi_sig_free(sig);
    return rc;
  }
  *out = sig;
  return 0;
}

void chain_abi_sig_free(struct chain_abi_sig *sig) {
  if (!sig)
    return;
  ob_free(sig->name);
  type_free(sig->inputs);
  type_free(sig->outputs);
  ob_free(sig);
}

static const char *kind_name(enum chain_abi_kind k) {
  switch (k) {
  case CHAIN_ABI_UINT: return "uint";
  case CHAIN_ABI_INT: return "int";
  case CHAIN_ABI_ADDRESS: return "address";
  case CHAIN_ABI_BOOL: return "bool";
  case CHAIN_ABI_FIXED_BYTES: return "bytes";
  case CHAIN_ABI_BYTES: return "bytes";
  case CHAIN_ABI_STRING: return "string";
  default: return "";
  }
}

int chain_abi_type_canonical(struct ob_buf *out, const struct chain_abi_type *t) {
  int rc = 0;
  if (t->kind == CHAIN_ABI_ARRAY) {
    rc = chain_abi_type_canonical(out, t->elem);
    if (rc == 0 && t->array_len == CHAIN_ABI_DYNAMIC)
      rc = ob_buf_addstr(out, "[]");
    else if (rc == 0)
      rc = ob_buf_addf(out, "[%zu]", t->array_len);
    return rc;
  }
  if (t->kind == CHAIN_ABI_TUPLE) {
    rc = ob_buf_addch(out, '(');
    for (size_t i = 0; rc == 0 && i < t->nfields; i++) {
      if (i > 0)
        rc = ob_buf_addch(out, ',');
      if (rc == 0)
        rc = chain_abi_type_canonical(out, t->fields[i]);
    }
    return rc ? rc : ob_buf_addch(out, ')');
  }
  rc = ob_buf_addstr(out, kind_name(t->kind));
  if (rc == 0 && (t->kind == CHAIN_ABI_UINT || t->kind == CHAIN_ABI_INT || t->kind == CHAIN_ABI_FIXED_BYTES))
    rc = ob_buf_addf(out, "%u", t->size);
  return rc;
}

int chain_abi_sig_canonical(struct ob_buf *out, const struct chain_abi_sig *sig) {
  int rc = ob_buf_addstr(out, sig->name);
  return rc ? rc : chain_abi_type_canonical(out, sig->inputs);
}

int chain_abi_topic(uint8_t out32[32], const struct chain_abi_sig *sig) {
  struct ob_buf b;
  ob_buf_init(&b, 0);
  int rc = chain_abi_sig_canonical(&b, sig);
  if (rc == 0)
    chain_keccak256(out32, b.buf, b.len);
  ob_buf_release(&b);
  return rc;
}

int chain_abi_selector(uint8_t out4[4], const struct chain_abi_sig *sig) {
  uint8_t h[32];
  int rc = chain_abi_topic(h, sig);
  if (rc == 0)
    memcpy(out4, h, 4);
  return rc;
}

size_t chain__abi_head_size(const struct chain_abi_type *t) {
  if (chain_abi_type_is_dynamic(t))
    return 32;
  if (t->kind == CHAIN_ABI_ARRAY)
    return t->array_len * chain__abi_head_size(t->elem);
  if (t->kind == CHAIN_ABI_TUPLE) {
    size_t s = 0;
    for (size_t i = 0; i < t->nfields; i++)
      s += chain__abi_head_size(t->fields[i]);
    return s;
  }
  return 32;
}

bool chain_abi_type_is_dynamic(const struct chain_abi_type *t) {
  switch (t->kind) {
  case CHAIN_ABI_BYTES:
  case CHAIN_ABI_STRING:
    return true;
  case CHAIN_ABI_ARRAY:
    return t->array_len == CHAIN_ABI_DYNAMIC || chain_abi_type_is_dynamic(t->elem);
  case CHAIN_ABI_TUPLE:
    for (size_t i = 0; i < t->nfields; i++)
      if (chain_abi_type_is_dynamic(t->fields[i]))
        return true;
    return false;
  default:
    return false;
  }
}
