/* The JSONPath subset of jsonpath.h: compile once per source, evaluate on every reply. */
#include "ob/oracle/jsonpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/err.h"
#include "ob/core/json.h"

enum step_kind { STEP_KEY, STEP_INDEX };

struct step {
  enum step_kind kind;
  const char *key; /* STEP_KEY: NUL-terminated, inside the path's block */
  long index;      /* STEP_INDEX: negative counts from the end */
};

struct oracle_jsonpath {
  const char *text;
  size_t nsteps;
  struct step steps[]; /* then the text, then the keys */
};

/* ---- compile ---- */

struct parser {
  const char *text;
  size_t pos;
  struct step steps[ORACLE_JSONPATH_MAX_STEPS];
  size_t nsteps;
  char keys[ORACLE_JSONPATH_MAX_TEXT + 1]; /* keys, each NUL-terminated; never longer than the text */
  size_t keys_len;
  struct ob_err *err;
};

static bool name_byte(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int perr(struct parser *p, const char *what) {
  return ob_err_set(p->err, OB_EPARSE, "path '%s': at byte %zu: %s", p->text, p->pos, what);
}

static int add_step(struct parser *p, enum step_kind kind, size_t key_off, long index) {
  if (p->nsteps == ORACLE_JSONPATH_MAX_STEPS)
    return ob_err_set(p->err, OB_ELIMIT, "path '%s': more than %d steps", p->text, ORACLE_JSONPATH_MAX_STEPS);
  /* key holds an offset into keys[] until the block is built */
  p->steps[p->nsteps++] = (struct step){.kind = kind, .key = (const char *)(uintptr_t)key_off, .index = index};
  return 0;
}

static int parse_dotted(struct parser *p) {
  size_t start = ++p->pos, off = p->keys_len;
  const char *t = p->text;
  if (t[p->pos] == '.') return perr(p, "recursive descent ('..') is not supported");
  if (t[p->pos] == '*') return perr(p, "wildcards are not supported");
  while (name_byte(t[p->pos])) p->pos++;
  if (p->pos == start) return perr(p, "expected a key of [A-Za-z0-9_-] after '.' (other keys go in [\"…\"])");
  memcpy(p->keys + off, t + start, p->pos - start);
  p->keys_len += p->pos - start + 1;
  p->keys[p->keys_len - 1] = '\0';
  return add_step(p, STEP_KEY, off, 0);
}

static int parse_quoted(struct parser *p) {
  const char *t = p->text;
  char q = t[p->pos++];
  size_t off = p->keys_len;
  for (;;) {
    char c = t[p->pos];
    if (c == '\0') return perr(p, "unterminated quoted key");
    if (c == q) break;
    if (c == '\\') {
      c = t[++p->pos];
      if (c != '\\' && c != '"' && c != '\'') return perr(p, "unknown escape (only \\\\, \\\" and \\' are allowed)");
    }
    p->keys[p->keys_len++] = c;
    p->pos++;
  }
  p->pos++;
  p->keys[p->keys_len++] = '\0';
  if (t[p->pos] != ']') return perr(p, "expected ']' after the quoted key");
  p->pos++;
  return add_step(p, STEP_KEY, off, 0);
}

static int parse_index(struct parser *p) {
  const char *t = p->text;
  bool neg = t[p->pos] == '-';
  long v = 0;
  size_t start;
  if (neg) p->pos++;
  start = p->pos;
  while (t[p->pos] >= '0' && t[p->pos] <= '9') {
    if (p->pos - start >= 9) return perr(p, "array index too large");
    v = v * 10 + (t[p->pos++] - '0');
  }
  if (p->pos == start) return perr(p, "expected an array index");
  if (t[start] == '0' && (p->pos - start > 1 || neg)) return perr(p, "array index with a leading zero (or -0)");
  if (t[p->pos] == ':') return perr(p, "slices are not supported");
  if (t[p->pos] != ']') return perr(p, "expected ']' after the array index");
  p->pos++;
  return add_step(p, STEP_INDEX, 0, neg ? -v : v);
}

static int parse_bracket(struct parser *p) {
  char c = p->text[++p->pos];
  if (c == '"' || c == '\'') return parse_quoted(p);
  if (c == '-' || (c >= '0' && c <= '9')) return parse_index(p);
  if (c == '*') return perr(p, "wildcards are not supported");
  if (c == '?') return perr(p, "filters are not supported");
  if (c == ':') return perr(p, "slices are not supported");
  return perr(p, "expected a quoted key or an array index after '['");
}

static struct oracle_jsonpath *build(const struct parser *p, size_t textlen) {
  size_t head = sizeof(struct oracle_jsonpath) + p->nsteps * sizeof(struct step);
  struct oracle_jsonpath *jp = ob_malloc(head + textlen + 1 + p->keys_len);
  char *text, *keys;
  if (!jp) return NULL;
  text = (char *)jp + head;
  keys = text + textlen + 1;
  memcpy(text, p->text, textlen + 1);
  memcpy(keys, p->keys, p->keys_len);
  jp->text = text;
  jp->nsteps = p->nsteps;
  for (size_t i = 0; i < p->nsteps; i++) {
    jp->steps[i] = p->steps[i];
    if (p->steps[i].kind == STEP_KEY) jp->steps[i].key = keys + (uintptr_t)p->steps[i].key;
  }
  return jp;
}

int oracle_jsonpath_compile(struct oracle_jsonpath **out, const char *text, struct ob_err *err) {
  struct parser p = {.text = text, .err = err};
  size_t len = strlen(text);
  int rc = 0;
  *out = NULL;
  if (len > ORACLE_JSONPATH_MAX_TEXT)
    return ob_err_set(err, OB_ELIMIT, "path '%.40s…': longer than %d bytes", text, ORACLE_JSONPATH_MAX_TEXT);
  if (text[0] != '$') return perr(&p, "a path starts with '$'");
  p.pos = 1;
  while (!rc && text[p.pos]) {
    if (text[p.pos] == '.') rc = parse_dotted(&p);
    else if (text[p.pos] == '[') rc = parse_bracket(&p);
    else rc = perr(&p, "expected '.' or '['");
  }
  if (rc) return rc;
  if (!(*out = build(&p, len))) return ob_err_set(err, OB_ENOMEM, "path '%s': out of memory", text);
  return 0;
}

void oracle_jsonpath_free(struct oracle_jsonpath *jp) { ob_free(jp); }

const char *oracle_jsonpath_text(const struct oracle_jsonpath *jp) { return jp->text; }

/* ---- format ---- */

static bool dottable(const char *key) {
  if (!*key) return false;
  for (const char *k = key; *k; k++)
    if (!name_byte(*k)) return false;
  return true;
}

/* Append steps[0..n) to out (cap >= 1); false when it does not fit. */
static bool format_steps(char *out, size_t cap, const struct step *steps, size_t n) {
  size_t len = 1;
  if (cap < 2) return false;
  out[0] = '$';
  out[1] = '\0';
  for (size_t i = 0; i < n; i++) {
    const struct step *s = &steps[i];
    int w;
    if (s->kind == STEP_INDEX) {
      w = snprintf(out + len, cap - len, "[%ld]", s->index);
      if (w < 0 || (size_t)w >= cap - len) return false;
      len += (size_t)w;
    } else if (dottable(s->key)) {
      w = snprintf(out + len, cap - len, ".%s", s->key);
      if (w < 0 || (size_t)w >= cap - len) return false;
      len += (size_t)w;
    } else {
      const char *k = s->key;
      if (len + 2 >= cap) return false;
      out[len++] = '[';
      out[len++] = '"';
      for (; *k; k++) {
        if (len + 2 >= cap) return false;
        if (*k == '"' || *k == '\\') out[len++] = '\\';
        out[len++] = *k;
      }
      if (len + 3 > cap) return false;
      out[len++] = '"';
      out[len++] = ']';
      out[len] = '\0';
    }
  }
  return true;
}

int oracle_jsonpath_format(char *out, size_t cap, const struct oracle_jsonpath *jp) {
  return format_steps(out, cap, jp->steps, jp->nsteps) ? 0 : OB_ESPACE;
}

/* ---- eval ---- */

/* The path up to step n for messages ("$.result"); cut short when it does not fit. */
static const char *where(char *buf, size_t cap, const struct oracle_jsonpath *jp, size_t n) {
  if (!format_steps(buf, cap, jp->steps, n)) snprintf(buf, cap, "%s", "step …");
  return buf;
}

static int step_into(const struct ob_json **cur, const struct oracle_jsonpath *jp, size_t i, struct ob_err *err) {
  const struct step *s = &jp->steps[i];
  const struct ob_json *v = *cur;
  char at[160];
  if (s->kind == STEP_KEY) {
    if (v->type != OB_JSON_OBJECT)
      return ob_err_set(err, OB_ENOENT, "expected an object at %s, got %s", where(at, sizeof(at), jp, i),
                        ob_json_type_name(v->type));
    if (!(*cur = ob_json_get(v, s->key)))
      return ob_err_set(err, OB_ENOENT, "no key '%.80s' in the object at %s", s->key, where(at, sizeof(at), jp, i));
    return 0;
  }
  if (v->type != OB_JSON_ARRAY)
    return ob_err_set(err, OB_ENOENT, "expected an array at %s, got %s", where(at, sizeof(at), jp, i),
                      ob_json_type_name(v->type));
  {
    long idx = s->index < 0 ? (long)v->len + s->index : s->index;
    if (idx < 0 || (size_t)idx >= v->len)
      return ob_err_set(err, OB_ENOENT, "index %ld is past the end of the array at %s (%zu items)", s->index,
                        where(at, sizeof(at), jp, i), v->len);
    *cur = v->items[idx];
  }
  return 0;
}

int oracle_jsonpath_eval(const struct ob_json **out, const struct oracle_jsonpath *jp, const struct ob_json *doc,
                         struct ob_err *err) {
  const struct ob_json *cur = doc;
  *out = NULL;
  if (!doc) return ob_err_set(err, OB_ENOENT, "no document");
  for (size_t i = 0; i < jp->nsteps; i++) {
    int rc = step_into(&cur, jp, i, err);
    if (rc) return rc;
  }
  *out = cur;
  return 0;
}

/* ---- error bodies ---- */

/* Append text to out[0..cap) at *len: control bytes as '?', never splitting a UTF-8 sequence. */
static void quote_add(char *out, size_t cap, size_t *len, const char *s, size_t n) {
  size_t i = 0;
  for (; i < n && *len + 1 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    out[(*len)++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
  }
  if (i < n) { /* cut: drop a partial UTF-8 sequence at the end */
    size_t lead = *len, have;
    while (lead > 0 && ((unsigned char)out[lead - 1] & 0xC0) == 0x80) lead--;
    if (lead > 0 && ((unsigned char)out[lead - 1] & 0xC0) == 0xC0) {
      unsigned char c = (unsigned char)out[lead - 1];
      size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      have = *len - lead + 1;
      if (have < need) *len = lead - 1;
    }
  }
  out[*len] = '\0';
}

static const struct ob_json *nonempty_string(const struct ob_json *v) {
  return ob_json_is(v, OB_JSON_STRING) && v->len ? v : NULL;
}

/* The message field of an object, if any. */
static const struct ob_json *obj_message(const struct ob_json *o) {
  static const char *const keys[] = {"message", "msg", "error_message", "error_description", "detail", "reason"};
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    const struct ob_json *m = nonempty_string(ob_json_get(o, keys[i]));
    if (m) return m;
  }
  return NULL;
}

/* One item of an "error"/"errors" value: a string, or an object's message. */
static const struct ob_json *item_message(const struct ob_json *v) {
  if (ob_json_is(v, OB_JSON_OBJECT)) return obj_message(v);
  return nonempty_string(v);
}

static bool list_messages(char *out, size_t cap, size_t *len, const struct ob_json *v) {
  bool any = false;
  if (ob_json_is(v, OB_JSON_ARRAY)) {
    for (size_t i = 0; i < v->len; i++) {
      const struct ob_json *m = item_message(v->items[i]);
      if (!m) continue;
      if (any) quote_add(out, cap, len, "; ", 2);
      quote_add(out, cap, len, m->str, m->len);
      any = true;
    }
    return any;
  }
  if (!(v = item_message(v))) return false;
  quote_add(out, cap, len, v->str, v->len);
  return true;
}

/* "code -1121: " before a message, when the body has a non-zero code. */
static void code_prefix(char *out, size_t cap, size_t *len, const struct ob_json *doc) {
  const struct ob_json *c = ob_json_get(doc, "code");
  if (!c) c = ob_json_get(doc, "error_code");
  if (!(ob_json_is(c, OB_JSON_NUMBER) || ob_json_is(c, OB_JSON_STRING)) || c->len == 0) return;
  if (c->len == 1 && c->str[0] == '0') return;
  quote_add(out, cap, len, "code ", 5);
  quote_add(out, cap, len, c->str, c->len > 40 ? 40 : c->len);
  quote_add(out, cap, len, ": ", 2);
}

bool oracle_json_error_message(char *out, size_t cap, const struct ob_json *doc) {
  size_t len = 0;
  const struct ob_json *m;
  if (cap == 0) return false;
  out[0] = '\0';
  if (!ob_json_is(doc, OB_JSON_OBJECT)) return false;
  if (list_messages(out, cap, &len, ob_json_get(doc, "error"))) return true;
  if (list_messages(out, cap, &len, ob_json_get(doc, "errors"))) return true;
  if ((m = obj_message(doc)) || (m = obj_message(ob_json_get(doc, "status")))) {
    code_prefix(out, cap, &len, doc);
    quote_add(out, cap, &len, m->str, m->len);
    return true;
  }
  out[0] = '\0';
  return false;
}

int oracle_jsonpath_find_number(const char **raw, size_t *rawlen, const struct oracle_jsonpath *jp,
                                const struct ob_json *doc, struct ob_err *err) {
  const struct ob_json *v;
  char msg[200];
  int rc = oracle_jsonpath_eval(&v, jp, doc, err);
  *raw = NULL;
  *rawlen = 0;
  if (rc) {
    if (oracle_json_error_message(msg, sizeof(msg), doc))
      return ob_err_set(err, OB_EPEER, "the reply is an error: '%s' (path %s absent)", msg, jp->text);
    return ob_err_prefix(err, rc, "path %s absent", jp->text);
  }
  if (v->type == OB_JSON_NUMBER || (v->type == OB_JSON_STRING && ob_json_number_valid(v->str, v->len))) {
    *raw = v->str;
    *rawlen = v->len;
    return 0;
  }
  if (v->type == OB_JSON_STRING) {
    size_t len = 0;
    quote_add(msg, 64, &len, v->str, v->len);
    return ob_err_set(err, OB_EPARSE, "value at %s is not a number: '%s%s'", jp->text, msg, v->len > len ? "…" : "");
  }
  return ob_err_set(err, OB_EPARSE, "value at %s is %s, not a number", jp->text,
                    v->type == OB_JSON_NULL ? "null" : v->type == OB_JSON_ARRAY ? "an array"
                    : v->type == OB_JSON_OBJECT ? "an object" : "a boolean");
}
