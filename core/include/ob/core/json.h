/* JSON reader and writer on yajl.
 *
 * The reader builds a tree with limits on total size, nesting depth, string length and node count,
 * refuses trailing garbage and duplicate object keys, and keeps every number as its exact source
 * text: decimal values never pass through double. Errors name the byte offset and what was wrong.
 * The writer appends to an ob_buf; numbers are written from their text.
 *
 * Ownership: ob_json_parse returns an owned tree (free with ob_json_free); every pointer got from
 * an accessor is borrowed until the tree is freed. */
#ifndef OB_CORE_JSON_H
#define OB_CORE_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
struct ob_err;
struct ob_buf;

enum ob_json_type { OB_JSON_NULL, OB_JSON_BOOL, OB_JSON_NUMBER, OB_JSON_STRING, OB_JSON_ARRAY, OB_JSON_OBJECT };

struct ob_json {
  enum ob_json_type type;
  bool b;             /* OB_JSON_BOOL */
  char *str;          /* STRING: UTF-8 value (NUL-terminated, may hold NULs); NUMBER: source text */
  size_t len;         /* STRING, NUMBER: bytes in str; ARRAY, OBJECT: number of children */
  struct ob_json **items; /* ARRAY, OBJECT: children */
  char **keys;        /* OBJECT: keys, parallel to items */
};

struct ob_json_limits {
  size_t max_bytes;  /* whole document; default 64 MiB */
  size_t max_depth;  /* nesting; default 64 */
  size_t max_string; /* one string or key; default 16 MiB */
  size_t max_nodes;  /* values in the tree; default 4 M */
};
void ob_json_limits_init(struct ob_json_limits *lim); /* the defaults */

/* Parse exactly one JSON value (whitespace around it allowed). lim may be NULL (defaults).
 * Returns: 0; OB_EPARSE (syntax, trailing garbage, duplicate key, invalid UTF-8);
 *          OB_ELIMIT (a limit, named in the message); OB_ENOMEM. */
int ob_json_parse(struct ob_json **out, const char *text, size_t len,
                  const struct ob_json_limits *lim, struct ob_err *err);
void ob_json_free(struct ob_json *v);

/* Accessors: NULL-safe (a NULL v gives NULL / false). */
const struct ob_json *ob_json_get(const struct ob_json *obj, const char *key); /* NULL if absent */
const struct ob_json *ob_json_at(const struct ob_json *arr, size_t i);
const char *ob_json_type_name(enum ob_json_type t); /* "string", "number", … */
bool ob_json_is(const struct ob_json *v, enum ob_json_type t);
const char *ob_json_string(const struct ob_json *v); /* NULL unless a string */

/* Strict number readers: the text must be a JSON integer (no fraction, no exponent) in range.
 * Return 0, or OB_EPARSE / OB_ELIMIT with a message naming the value. */
int ob_json_u64(const struct ob_json *v, uint64_t *out, struct ob_err *err);
int ob_json_i64(const struct ob_json *v, int64_t *out, struct ob_err *err);

/* Serialise a tree compactly (numbers written as their text). */
int ob_json_dump(struct ob_buf *out, const struct ob_json *v);

/* Writer. Keys and values are appended in order; commas and nesting are tracked for you.
 * Errors are sticky: check the result of ob_jw_finish only. */
struct ob_jw {
  struct ob_buf *out;
  void *gen;       /* yajl_gen */
  int status;      /* 0 or first error */
};
int ob_jw_init(struct ob_jw *w, struct ob_buf *out, bool pretty);
int ob_jw_finish(struct ob_jw *w); /* flushes to out, frees the generator; returns status */
void ob_jw_obj_begin(struct ob_jw *w);
void ob_jw_obj_end(struct ob_jw *w);
void ob_jw_arr_begin(struct ob_jw *w);
void ob_jw_arr_end(struct ob_jw *w);
void ob_jw_key(struct ob_jw *w, const char *key);
void ob_jw_str(struct ob_jw *w, const char *s);     /* NULL writes null */
void ob_jw_strn(struct ob_jw *w, const char *s, size_t n);
void ob_jw_number(struct ob_jw *w, const char *text); /* text must be JSON number grammar */
void ob_jw_i64(struct ob_jw *w, int64_t v);
void ob_jw_u64(struct ob_jw *w, uint64_t v);
void ob_jw_bool(struct ob_jw *w, bool v);
void ob_jw_null(struct ob_jw *w);
void ob_jw_value(struct ob_jw *w, const struct ob_json *v); /* a whole parsed tree */

/* True if s[0..n) is a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
bool ob_json_number_valid(const char *s, size_t n);
#endif
