/* The one file that includes yajl. The reader drives yajl's callback parser and builds our own
 * tree, so numbers keep their source text and every limit is checked while parsing. */
#include "ob/core/json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"

void ob_json_limits_init(struct ob_json_limits *lim) {
  lim->max_bytes = (size_t)64 << 20;
  lim->max_depth = 64;
  lim->max_string = (size_t)16 << 20;
  lim->max_nodes = (size_t)4 << 20;
}

struct frame {
  struct ob_json *node;
  size_t cap;
  char *pending_key; /* OBJECT: key waiting for its value */
};

struct builder {
  struct ob_json_limits lim;
  struct frame *stack;
  size_t depth, stack_cap, nodes;
  struct ob_json *root;
  struct ob_err *err;
  int rc;
  yajl_handle h;   /* to read the offset where the root value ends */
  bool root_done;  /* the root value ended inside yajl_parse (not in yajl_complete_parse) */
  size_t root_end; /* bytes of text up to the end of the root value */
};

/* yajl's lexer keeps a token it has not finished for the next chunk, and yajl_complete_parse
 * feeds it a single space: after a complete root, an unterminated string ('{} "ab') is still
 * "in progress" at the end and yajl accepts it (its trailing-garbage check sees no token).
 * So the reader notes where the root value ended and checks the rest itself. */
static void root_ended(struct builder *b) {
  if (b->depth == 0 && b->h && !b->root_done) {
    b->root_done = true;
    b->root_end = yajl_get_bytes_consumed(b->h);
  }
}

void ob_json_free(struct ob_json *v) {
  if (!v) return;
  if (v->type == OB_JSON_ARRAY || v->type == OB_JSON_OBJECT) {
    for (size_t i = 0; i < v->len; i++) {
      ob_json_free(v->items[i]);
      if (v->keys) ob_free(v->keys[i]);
    }
    ob_free(v->items);
    ob_free(v->keys);
  } else {
    ob_free(v->str);
  }
  ob_free(v);
}

static int fail(struct builder *b, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct builder *b, int code, const char *fmt, ...) {
  va_list ap;
  if (!b->rc) {
    b->rc = code;
    va_start(ap, fmt);
    ob_err_setv(b->err, code, fmt, ap);
    va_end(ap);
  }
  return 0; /* tells yajl to stop */
}

static int append(struct builder *b, struct ob_json *v) {
  struct frame *f;
  if (++b->nodes > b->lim.max_nodes) {
    ob_json_free(v);
    return fail(b, OB_ELIMIT, "json: more than %zu values", b->lim.max_nodes);
  }
  if (b->depth == 0) {
    b->root = v;
    if (v->type != OB_JSON_ARRAY && v->type != OB_JSON_OBJECT) root_ended(b);
    return 1;
  }
  f = &b->stack[b->depth - 1];
  if (f->node->len == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 4;
    struct ob_json **items = ob_realloc(f->node->items, cap * sizeof(*items));
    if (!items) goto oom;
    f->node->items = items;
    if (f->node->type == OB_JSON_OBJECT) {
      char **keys = ob_realloc(f->node->keys, cap * sizeof(*keys));
      if (!keys) goto oom;
      f->node->keys = keys;
    }
    f->cap = cap;
  }
  if (f->node->type == OB_JSON_OBJECT) {
    f->node->keys[f->node->len] = f->pending_key;
    f->pending_key = NULL;
  }
  f->node->items[f->node->len++] = v;
  return 1;
oom:
  ob_json_free(v);
  return fail(b, OB_ENOMEM, "json: out of memory");
}

static struct ob_json *new_node(struct builder *b, enum ob_json_type t) {
  struct ob_json *v = ob_calloc(1, sizeof(*v));
  if (!v) fail(b, OB_ENOMEM, "json: out of memory");
  else v->type = t;
  return v;
}

static int scalar_text(struct builder *b, enum ob_json_type t, const char *s, size_t n) {
  struct ob_json *v;
  if (n > b->lim.max_string)
    return fail(b, OB_ELIMIT, "json: %s longer than the limit of %zu bytes",
                t == OB_JSON_STRING ? "string" : "number", b->lim.max_string);
  v = new_node(b, t);
  if (!v) return 0;
  v->str = ob_strndup(s, n);
  v->len = n;
  if (!v->str) {
    ob_free(v);
    return fail(b, OB_ENOMEM, "json: out of memory");
  }
  return append(b, v);
}

static int cb_null(void *ctx) {
  struct builder *b = ctx;
  struct ob_json *v = new_node(b, OB_JSON_NULL);
  return v ? append(b, v) : 0;
}

static int cb_bool(void *ctx, int val) {
  struct builder *b = ctx;
  struct ob_json *v = new_node(b, OB_JSON_BOOL);
  if (!v) return 0;
  v->b = val != 0;
  return append(b, v);
}

static int cb_number(void *ctx, const char *s, size_t n) {
  return scalar_text(ctx, OB_JSON_NUMBER, s, n);
}

static int cb_string(void *ctx, const unsigned char *s, size_t n) {
  return scalar_text(ctx, OB_JSON_STRING, (const char *)s, n);
}

static int open_container(struct builder *b, enum ob_json_type t) {
  struct ob_json *v;
  if (b->depth >= b->lim.max_depth)
    return fail(b, OB_ELIMIT, "json: nesting deeper than the limit of %zu", b->lim.max_depth);
  v = new_node(b, t);
  if (!v || !append(b, v)) return 0;
  if (b->depth == b->stack_cap) {
    size_t cap = b->stack_cap ? b->stack_cap * 2 : 8;
    struct frame *s = ob_realloc(b->stack, cap * sizeof(*s));
    if (!s) return fail(b, OB_ENOMEM, "json: out of memory");
    b->stack = s;
    b->stack_cap = cap;
  }
  b->stack[b->depth++] = (struct frame){v, 0, NULL};
  return 1;
}

static int cb_start_map(void *ctx) { return open_container(ctx, OB_JSON_OBJECT); }
static int cb_start_array(void *ctx) { return open_container(ctx, OB_JSON_ARRAY); }

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Duplicate keys make a document ambiguous (which one wins differs between readers): refuse. */
static const char *find_duplicate(const struct ob_json *obj) {
  const char *dup = NULL;
  char **sorted;
  if (obj->len < 2) return NULL;
  if (obj->len <= 8) {
    for (size_t i = 0; i < obj->len; i++)
      for (size_t j = i + 1; j < obj->len; j++)
        if (strcmp(obj->keys[i], obj->keys[j]) == 0) return obj->keys[i];
    return NULL;
  }
  sorted = ob_malloc(obj->len * sizeof(*sorted));
  if (!sorted) return NULL;
  memcpy(sorted, obj->keys, obj->len * sizeof(*sorted));
  qsort(sorted, obj->len, sizeof(*sorted), cmp_str);
  for (size_t i = 1; i < obj->len && !dup; i++)
    if (strcmp(sorted[i - 1], sorted[i]) == 0) dup = sorted[i];
  ob_free(sorted);
  return dup;
}

static int cb_end_map(void *ctx) {
  struct builder *b = ctx;
  const char *dup = find_duplicate(b->stack[b->depth - 1].node);
  if (dup) return fail(b, OB_EPARSE, "json: duplicate object key '%.100s'", dup);
  b->depth--;
  root_ended(b);
  return 1;
}

static int cb_end_array(void *ctx) {
  struct builder *b = ctx;
  b->depth--;
  root_ended(b);
  return 1;
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t n) {
  struct builder *b = ctx;
  struct frame *f = &b->stack[b->depth - 1];
  if (n > b->lim.max_string)
    return fail(b, OB_ELIMIT, "json: %s longer than the limit of %zu bytes", "key", b->lim.max_string);
  if (memchr(s, '\0', n))
    return fail(b, OB_EPARSE, "json: object key contains a NUL character");
  ob_free(f->pending_key);
  f->pending_key = ob_strndup((const char *)s, n);
  if (!f->pending_key) return fail(b, OB_ENOMEM, "json: out of memory");
  return 1;
}

static const yajl_callbacks callbacks = {
    cb_null, cb_bool, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end_map, cb_start_array, cb_end_array,
};

static void *yalloc(void *ctx, size_t n) { return ob_malloc(n); }
static void *yrealloc(void *ctx, void *p, size_t n) { return ob_realloc(p, n); }
static void yfree(void *ctx, void *p) { ob_free(p); }
static yajl_alloc_funcs yajl_allocs = {yalloc, yrealloc, yfree, NULL};

static void syntax_error(struct builder *b, yajl_handle h, const char *text, size_t len) {
  size_t at = yajl_get_bytes_consumed(h);
  unsigned char *m = yajl_get_error(h, 0, (const unsigned char *)text, len);
  const char *msg = m ? (const char *)m : "syntax error";
  /* yajl's messages: "parse error: trailing garbage", "lexical error: invalid char in json text." */
  ob_err_set(b->err, OB_EPARSE, "json: at byte %zu: %.*s", at,
             (int)strcspn(msg, "\n"), msg);
  if (m) yajl_free_error(h, m);
  b->rc = OB_EPARSE;
}

int ob_json_parse(struct ob_json **out, const char *text, size_t len,
                  const struct ob_json_limits *lim, struct ob_err *err) {
  struct builder b;
  yajl_handle h;
  yajl_status st;
  memset(&b, 0, sizeof(b));
  if (lim) b.lim = *lim;
  else ob_json_limits_init(&b.lim);
  b.err = err;
  *out = NULL;
  if (len > b.lim.max_bytes)
    return ob_err_set(err, OB_ELIMIT, "json: document of %zu bytes is larger than the limit of %zu",
                      len, b.lim.max_bytes);
  /* yajl also takes \v and \f as whitespace; RFC 8259 does not. Raw, they are refused inside
   * strings too, so any one is an error. */
  for (size_t i = 0; i < len; i++)
    if (text[i] == '\v' || text[i] == '\f')
      return ob_err_set(err, OB_EPARSE, "json: at byte %zu: %s is not JSON whitespace", i,
                        text[i] == '\v' ? "\\v" : "\\f");
  h = yajl_alloc(&callbacks, &yajl_allocs, &b);
  if (!h) return ob_err_set(err, OB_ENOMEM, "json: out of memory");
  b.h = h;
  st = yajl_parse(h, (const unsigned char *)text, len);
  b.h = NULL; /* in yajl_complete_parse the offsets count its own one-space chunk */
  if (st == yajl_status_ok && b.root_done) {
    size_t i = b.root_end;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) i++;
    if (i < len) {
      yajl_free(h);
      ob_json_free(b.root);
      for (size_t k = 0; k < b.depth; k++) ob_free(b.stack[k].pending_key);
      ob_free(b.stack);
      return ob_err_set(err, OB_EPARSE, "json: at byte %zu: parse error: trailing garbage", i);
    }
  }
  if (st == yajl_status_ok) st = yajl_complete_parse(h);
  if (st == yajl_status_error && !b.rc) syntax_error(&b, h, text, len);
  yajl_free(h);
  if (!b.rc && !b.root) b.rc = ob_err_set(err, OB_EPARSE, "json: empty document");
  for (size_t i = 0; i < b.depth; i++) ob_free(b.stack[i].pending_key);
  ob_free(b.stack);
  if (b.rc) {
    ob_json_free(b.root);
    return b.rc;
  }
  *out = b.root;
  return 0;
}

const struct ob_json *ob_json_get(const struct ob_json *obj, const char *key) {
  if (!obj || obj->type != OB_JSON_OBJECT) return NULL;
  for (size_t i = 0; i < obj->len; i++)
    if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
  return NULL;
}

const struct ob_json *ob_json_at(const struct ob_json *arr, size_t i) {
  if (!arr || arr->type != OB_JSON_ARRAY || i >= arr->len) return NULL;
  return arr->items[i];
}

const char *ob_json_type_name(enum ob_json_type t) {
  static const char *const names[] = {"null", "boolean", "number", "string", "array", "object"};
  return (unsigned)t < 6 ? names[t] : "?";
}

bool ob_json_is(const struct ob_json *v, enum ob_json_type t) { return v && v->type == t; }

const char *ob_json_string(const struct ob_json *v) {
  return ob_json_is(v, OB_JSON_STRING) ? v->str : NULL;
}

bool ob_json_number_valid(const char *s, size_t n) {
  size_t i = 0;
  if (i < n && s[i] == '-') i++;
  if (i >= n) return false;
  if (s[i] == '0') i++;
  else if (s[i] >= '1' && s[i] <= '9') while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  else return false;
  if (i < n && s[i] == '.') {
    size_t start = ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == start) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    size_t start;
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == start) return false;
  }
  return i == n;
}

int ob_json_u64(const struct ob_json *v, uint64_t *out, struct ob_err *err) {
  uint64_t r = 0;
  if (!ob_json_is(v, OB_JSON_NUMBER))
    return ob_err_set(err, OB_EPARSE, "expected an integer, got %s",
                      v ? ob_json_type_name(v->type) : "nothing");
  for (size_t i = 0; i < v->len; i++) {
    char c = v->str[i];
    if (c < '0' || c > '9')
      return ob_err_set(err, OB_EPARSE, "expected a non-negative integer, got %.64s", v->str);
    if (r > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
      return ob_err_set(err, OB_ELIMIT, "integer %.64s is out of range", v->str);
    r = r * 10 + (uint64_t)(c - '0');
  }
  *out = r;
  return 0;
}

int ob_json_i64(const struct ob_json *v, int64_t *out, struct ob_err *err) {
  uint64_t mag = 0; /* set when rc is 0; gcc -O3 cannot see it through ob_json_u64 */
  struct ob_json tmp;
  bool neg;
  int rc;
  if (!ob_json_is(v, OB_JSON_NUMBER))
    return ob_err_set(err, OB_EPARSE, "expected an integer, got %s",
                      v ? ob_json_type_name(v->type) : "nothing");
  neg = v->len > 0 && v->str[0] == '-';
  tmp = *v;
  tmp.str += neg;
  tmp.len -= neg;
  rc = ob_json_u64(&tmp, &mag, err);
  if (rc) return rc;
  if (mag > (uint64_t)INT64_MAX + neg)
    return ob_err_set(err, OB_ELIMIT, "integer %.64s is out of range", v->str);
  *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
  return 0;
}

/* ---- writer ---- */

static void print_cb(void *ctx, const char *s, size_t n) {
  struct ob_jw *w = ctx;
  if (!w->status && ob_buf_add(w->out, s, n)) w->status = OB_ELIMIT;
}

int ob_jw_init(struct ob_jw *w, struct ob_buf *out, bool pretty) {
  yajl_gen g = yajl_gen_alloc(&yajl_allocs);
  w->out = out;
  w->status = 0;
  w->gen = g;
  if (!g) return w->status = OB_ENOMEM;
  yajl_gen_config(g, yajl_gen_print_callback, print_cb, w);
  yajl_gen_config(g, yajl_gen_validate_utf8, 1);
  if (pretty) {
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_config(g, yajl_gen_indent_string, "  ");
  }
  return 0;
}

int ob_jw_finish(struct ob_jw *w) {
  if (w->gen) yajl_gen_free(w->gen);
  w->gen = NULL;
  return w->status;
}

static void check(struct ob_jw *w, yajl_gen_status st) {
  if (st != yajl_gen_status_ok && !w->status) w->status = OB_EINVAL;
}

#define GEN(w, call) do { if ((w)->gen && !(w)->status) check((w), call); } while (0)

void ob_jw_obj_begin(struct ob_jw *w) { GEN(w, yajl_gen_map_open(w->gen)); }
void ob_jw_obj_end(struct ob_jw *w) { GEN(w, yajl_gen_map_close(w->gen)); }
void ob_jw_arr_begin(struct ob_jw *w) { GEN(w, yajl_gen_array_open(w->gen)); }
void ob_jw_arr_end(struct ob_jw *w) { GEN(w, yajl_gen_array_close(w->gen)); }
void ob_jw_key(struct ob_jw *w, const char *key) { ob_jw_str(w, key); }
void ob_jw_strn(struct ob_jw *w, const char *s, size_t n) {
  GEN(w, yajl_gen_string(w->gen, (const unsigned char *)s, n));
}
void ob_jw_str(struct ob_jw *w, const char *s) {
  if (!s) ob_jw_null(w);
  else ob_jw_strn(w, s, strlen(s));
}
void ob_jw_number(struct ob_jw *w, const char *text) {
  size_t n = strlen(text);
  if (!ob_json_number_valid(text, n)) {
    if (!w->status) w->status = OB_EINVAL;
    return;
  }
  GEN(w, yajl_gen_number(w->gen, text, n));
}
void ob_jw_i64(struct ob_jw *w, int64_t v) {
  char t[24];
  snprintf(t, sizeof(t), "%" PRId64, v);
  ob_jw_number(w, t);
}
void ob_jw_u64(struct ob_jw *w, uint64_t v) {
  char t[24];
  snprintf(t, sizeof(t), "%" PRIu64, v);
  ob_jw_number(w, t);
}
void ob_jw_bool(struct ob_jw *w, bool v) { GEN(w, yajl_gen_bool(w->gen, v)); }
void ob_jw_null(struct ob_jw *w) { GEN(w, yajl_gen_null(w->gen)); }

void ob_jw_value(struct ob_jw *w, const struct ob_json *v) {
  switch (v->type) {
  case OB_JSON_NULL: ob_jw_null(w); break;
  case OB_JSON_BOOL: ob_jw_bool(w, v->b); break;
  case OB_JSON_NUMBER: GEN(w, yajl_gen_number(w->gen, v->str, v->len)); break;
  case OB_JSON_STRING: ob_jw_strn(w, v->str, v->len); break;
  case OB_JSON_ARRAY:
    ob_jw_arr_begin(w);
    for (size_t i = 0; i < v->len; i++) ob_jw_value(w, v->items[i]);
    ob_jw_arr_end(w);
    break;
  case OB_JSON_OBJECT:
    ob_jw_obj_begin(w);
    for (size_t i = 0; i < v->len; i++) {
      ob_jw_key(w, v->keys[i]);
      ob_jw_value(w, v->items[i]);
    }
    ob_jw_obj_end(w);
    break;
  }
}

int ob_json_dump(struct ob_buf *out, const struct ob_json *v) {
  struct ob_jw w;
  if (ob_jw_init(&w, out, false)) return OB_ENOMEM;
  ob_jw_value(&w, v);
  return ob_jw_finish(&w);
}
