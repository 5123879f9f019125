/* Feeds from JSON: one shape in the config and in feed files, every error naming its JSON path. */
#include "ob/oracle/feed.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob/oracle/jsonpath.h"

#define FEEDS_MAX 100000
#define SOURCES_MAX 64
#define HEADERS_MAX 32
#define SOURCE_NAME_MAX 128
#define URL_MAX 2048
#define NAME_MAX_ENV 128

static const char *const feed_keys[] = {"name", "decimals", "quorum", "k", "deviation_bps", "heartbeat_s", "sources"};
static const char *const source_keys[] = {"name", "url", "path", "method", "headers", "multiply",
                                          "divide", "invert", "timeout_ms", "max_bytes", "max_redirects"};

/* Where errors go: the document's name and the JSON path of the value at hand. */
struct at {
  const char *where;
  char path[200];
  struct ob_err *err;
};

static int ferr(const struct at *a, const char *key, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int ferr(const struct at *a, const char *key, int code, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return ob_err_set(a->err, code, "%s: %s%s%s: %s", a->where, a->path, key ? "." : "", key ? key : "", msg);
}

static const char *str_at(const void *ctx, size_t i) { return ((const char *const *)ctx)[i]; }

static int check_keys(const struct at *a, const struct ob_json *obj, const char *const *names, size_t n) {
  for (size_t i = 0; i < obj->len; i++) {
    bool known = false;
    for (size_t k = 0; k < n && !known; k++) known = strcmp(obj->keys[i], names[k]) == 0;
    if (!known) {
      const char *near = ob_str_nearest(obj->keys[i], str_at, names, n);
      char list[300] = "";
      if (near)
        return ob_err_set(a->err, OB_EINVAL, "%s: unknown key %s.%.60s: did you mean %s.%s?", a->where, a->path,
                          obj->keys[i], a->path, near);
      for (size_t k = 0; k < n; k++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? ", " : "", names[k]);
      return ob_err_set(a->err, OB_EINVAL, "%s: unknown key %s.%.60s (expected one of %s)", a->where, a->path,
                        obj->keys[i], list);
    }
  }
  return 0;
}

/* ---- typed fields ---- */

static int get_uint(const struct at *a, const struct ob_json *obj, const char *key, uint64_t min, uint64_t max,
                    const uint64_t *def, uint64_t *out) {
  const struct ob_json *v = ob_json_get(obj, key);
  uint64_t x;
  if (!v) {
    if (!def) return ferr(a, key, OB_EINVAL, "missing (an integer from %" PRIu64 " to %" PRIu64 ")", min, max);
    *out = *def;
    return 0;
  }
  if (v->type != OB_JSON_NUMBER) return ferr(a, key, OB_EINVAL, "expected an integer, got %s", ob_json_type_name(v->type));
  if (ob_json_u64(v, &x, NULL) != 0 || x < min || x > max)
    return ferr(a, key, OB_EINVAL, "expected an integer from %" PRIu64 " to %" PRIu64 ", got %.40s", min, max, v->str);
  *out = x;
  return 0;
}

/* A string without NUL bytes of 1..max bytes (required unless optional; then *out may stay NULL). */
static int get_str(const struct at *a, const struct ob_json *obj, const char *key, size_t max, bool optional,
                   const struct ob_json **out) {
  const struct ob_json *v = ob_json_get(obj, key);
  *out = NULL;
  if (!v) return optional ? 0 : ferr(a, key, OB_EINVAL, "missing (a string)");
  if (v->type != OB_JSON_STRING) return ferr(a, key, OB_EINVAL, "expected a string, got %s", ob_json_type_name(v->type));
  if (v->len == 0 || v->len > max || strlen(v->str) != v->len)
    return ferr(a, key, OB_EINVAL, "expected a string of 1 to %zu bytes without NUL", max);
  *out = v;
  return 0;
}

/* A decimal given as a string or a number ("k", "multiply", "divide"): its text, or NULL if absent. */
static int get_decimal_text(const struct at *a, const struct ob_json *obj, const char *key, const char **out) {
  const struct ob_json *v = ob_json_get(obj, key);
  *out = NULL;
  if (!v) return 0;
  if ((v->type != OB_JSON_STRING && v->type != OB_JSON_NUMBER) || !ob_json_number_valid(v->str, v->len) ||
      strlen(v->str) != v->len)
    return ferr(a, key, OB_EINVAL, "expected a decimal number (a JSON number or a string holding one)");
  *out = v->str;
  return 0;
}

/* ---- sources ---- */

static bool source_name_ok(const char *s) {
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))) return false;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("._:/-", *s)))
      return false;
  return true;
}

static int check_url(const struct at *a, const char *url) {
  const char *host;
  size_t hl;
  if (ob_str_starts(url, "https://")) host = url + 8;
  else if (ob_str_starts(url, "http://")) host = url + 7;
  else return ferr(a, "url", OB_EINVAL, "expected an http:// or https:// URL, got '%.80s'", url);
  for (const char *p = url; *p; p++)
    if ((unsigned char)*p <= ' ' || *p == 0x7f) return ferr(a, "url", OB_EINVAL, "URL contains a space or control character");
  hl = strcspn(host, "/?#");
  if (memchr(host, '@', hl)) return ferr(a, "url", OB_EINVAL, "URL has user-info (put credentials in headers from the environment)");
  if (hl == 0 || host[0] == ':') return ferr(a, "url", OB_EINVAL, "URL '%.80s' has no host", url);
  return 0;
}

static bool token_ok(const char *s) { /* RFC 9110 token */
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("!#$%&'*+-.^_`|~", *s)))
      return false;
  return true;
}

static bool env_name_ok(const char *s) {
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return false;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return false;
  return true;
}

static int parse_headers(struct oracle_source *src, const struct at *sa, const struct ob_json *h) {
  struct at a = *sa;
  size_t base;
  if (!h) return 0;
  if (h->type != OB_JSON_OBJECT) return ferr(sa, "headers", OB_EINVAL, "expected an object {\"Name\": {\"env\": \"VAR\"}}");
  if (h->len > HEADERS_MAX) return ferr(sa, "headers", OB_EINVAL, "more than %d headers", HEADERS_MAX);
  if (!(src->headers = ob_calloc(h->len ? h->len : 1, sizeof(*src->headers))))
    return ob_err_set(sa->err, OB_ENOMEM, "out of memory");
  snprintf(a.path + strlen(a.path), sizeof(a.path) - strlen(a.path), ".headers");
  base = strlen(a.path);
  for (size_t i = 0; i < h->len; i++) {
    const struct ob_json *v = h->items[i], *env = ob_json_get(v, "env");
    const char *name = h->keys[i];
    a.path[base] = '\0';
    if (!*name || strlen(name) > 128 || !token_ok(name))
      return ferr(&a, NULL, OB_EINVAL, "header name '%.60s' is not an HTTP token", name);
    snprintf(a.path + base, sizeof(a.path) - base, "[\"%.60s\"]", name);
    if (v->type != OB_JSON_OBJECT || v->len != 1 || !env)
      return ferr(&a, NULL, OB_EINVAL, "a header value is only {\"env\": \"VAR\"} (secrets come from the environment, never from files)");
    if (env->type != OB_JSON_STRING || env->len == 0 || env->len > NAME_MAX_ENV || strlen(env->str) != env->len ||
        !env_name_ok(env->str))
      return ferr(&a, "env", OB_EINVAL, "expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
    src->headers[i].name = ob_strdup(name);
    src->headers[i].env = ob_strdup(env->str);
    src->nheaders = i + 1;
    if (!src->headers[i].name || !src->headers[i].env) return ob_err_set(sa->err, OB_ENOMEM, "out of memory");
  }
  return 0;
}

static int check_factor(const struct at *a, const char *key, const char *text) {
  struct chain_u256 x;
  struct ob_err e;
  int rc;
  if (!text) return 0;
  rc = oracle_value_convert(&x, "1", 1, 0, false, strcmp(key, "multiply") == 0 ? text : NULL,
                            strcmp(key, "divide") == 0 ? text : NULL, key, &e);
  if (rc == OB_EINVAL) return ferr(a, key, OB_EINVAL, "must be positive, got '%.60s'", text);
  if (rc == OB_ELIMIT && strstr(e.msg, "significant digits"))
    return ferr(a, key, OB_EINVAL, "more than %d significant digits", ORACLE_CONVERT_DIGITS_MAX);
  return 0;
}

static int parse_source_numbers(struct oracle_source *s, const struct at *a, const struct ob_json *v) {
  const uint64_t dto = ORACLE_SOURCE_TIMEOUT_MS_DEFAULT, dmax = ORACLE_SOURCE_MAX_BYTES_DEFAULT,
                 dred = ORACLE_SOURCE_REDIRECTS_DEFAULT;
  uint64_t to, maxb, red;
  const struct ob_json *inv = ob_json_get(v, "invert");
  int rc;
  if ((rc = get_uint(a, v, "timeout_ms", 1, 600000, &dto, &to)) ||
      (rc = get_uint(a, v, "max_bytes", 1, (uint64_t)64 << 20, &dmax, &maxb)) ||
      (rc = get_uint(a, v, "max_redirects", 0, 20, &dred, &red)))
    return rc;
  if (inv && inv->type != OB_JSON_BOOL) return ferr(a, "invert", OB_EINVAL, "expected true or false, got %s", ob_json_type_name(inv->type));
  s->invert = inv && inv->b;
  s->timeout_ms = (uint32_t)to;
  s->max_bytes = (size_t)maxb;
  s->max_redirects = (unsigned)red;
  return 0;
}

static int parse_source(struct oracle_source *s, const struct at *a, const struct ob_json *v) {
  const struct ob_json *name, *url, *path, *method;
  const char *mul, *div;
  int rc;
  if (v->type != OB_JSON_OBJECT) return ferr(a, NULL, OB_EINVAL, "expected an object (a source), got %s", ob_json_type_name(v->type));
  if ((rc = check_keys(a, v, source_keys, OB_ARRAY_LEN(source_keys)))) return rc;
  if ((rc = get_str(a, v, "name", SOURCE_NAME_MAX, false, &name))) return rc;
  if (!source_name_ok(name->str))
    return ferr(a, "name", OB_EINVAL, "source name '%.60s': expected [A-Za-z0-9._:/-], starting with a letter or digit", name->str);
  if ((rc = get_str(a, v, "url", URL_MAX, false, &url)) || (rc = check_url(a, url->str))) return rc;
  if ((rc = get_str(a, v, "path", ORACLE_JSONPATH_MAX_TEXT, false, &path))) return rc;
  if ((rc = get_str(a, v, "method", 16, true, &method))) return rc;
  if (method && strcmp(method->str, "GET") != 0) return ferr(a, "method", OB_EINVAL, "only \"GET\" is supported, got '%.16s'", method->str);
  if ((rc = get_decimal_text(a, v, "multiply", &mul)) || (rc = check_factor(a, "multiply", mul)) ||
      (rc = get_decimal_text(a, v, "divide", &div)) || (rc = check_factor(a, "divide", div)))
    return rc;
  if ((rc = parse_source_numbers(s, a, v))) return rc;
  {
    struct ob_err e;
    if (oracle_jsonpath_compile(&s->jp, path->str, &e)) return ferr(a, "path", e.code, "%s", e.msg);
  }
  s->name = ob_strdup(name->str);
  s->url = ob_strdup(url->str);
  s->path = ob_strdup(path->str);
  s->multiply = mul ? ob_strdup(mul) : NULL;
  s->divide = div ? ob_strdup(div) : NULL;
  if (!s->name || !s->url || !s->path || (mul && !s->multiply) || (div && !s->divide))
    return ob_err_set(a->err, OB_ENOMEM, "out of memory");
  return parse_headers(s, a, ob_json_get(v, "headers"));
}

static void source_release(struct oracle_source *s) {
  ob_free(s->name);
  ob_free(s->url);
  ob_free(s->path);
  oracle_jsonpath_free(s->jp);
  ob_free(s->multiply);
  ob_free(s->divide);
  for (size_t i = 0; i < s->nheaders; i++) {
    ob_free(s->headers[i].name);
    ob_free(s->headers[i].env);
  }
  ob_free(s->headers);
  memset(s, 0, sizeof(*s));
}

/* ---- feeds ---- */

static void feed_release(struct oracle_feed *f) {
  for (size_t i = 0; i < f->nsources; i++) source_release(&f->sources[i]);
  ob_free(f->sources);
  ob_free(f->name);
  ob_free(f->origin);
  memset(f, 0, sizeof(*f));
}

static int parse_sources(struct oracle_feed *f, const struct at *fa, const struct ob_json *arr) {
  struct at a = *fa;
  size_t base;
  if (!arr) return ferr(fa, "sources", OB_EINVAL, "missing (an array of 1 to %d sources)", SOURCES_MAX);
  if (arr->type != OB_JSON_ARRAY || arr->len < 1 || arr->len > SOURCES_MAX)
    return ferr(fa, "sources", OB_EINVAL, "expected an array of 1 to %d sources", SOURCES_MAX);
  if (!(f->sources = ob_calloc(arr->len, sizeof(*f->sources)))) return ob_err_set(fa->err, OB_ENOMEM, "out of memory");
  base = strlen(a.path);
  for (size_t i = 0; i < arr->len; i++) {
    int rc;
    snprintf(a.path + base, sizeof(a.path) - base, ".sources[%zu]", i);
    rc = parse_source(&f->sources[i], &a, arr->items[i]);
    f->nsources = i + 1; /* released on error too */
    if (rc) return rc;
    for (size_t k = 0; k < i; k++)
      if (strcmp(f->sources[k].name, f->sources[i].name) == 0)
        return ferr(&a, "name", OB_EINVAL, "source name '%s' is used twice in this feed (also sources[%zu])",
                    f->sources[i].name, k);
  }
  return 0;
}

static int parse_feed_numbers(struct oracle_feed *f, const struct at *a, const struct ob_json *v) {
  const uint64_t dq = ORACLE_QUORUM_DEFAULT, ddev = 0, dhb = 3600;
  uint64_t dec, q, dev, hb;
  const char *k;
  int rc;
  if ((rc = get_uint(a, v, "decimals", 0, ORACLE_DECIMALS_MAX, NULL, &dec)) ||
      (rc = get_uint(a, v, "quorum", 1, SOURCES_MAX, &dq, &q)) ||
      (rc = get_uint(a, v, "deviation_bps", 0, 1000000, &ddev, &dev)) ||
      (rc = get_uint(a, v, "heartbeat_s", 1, 31536000, &dhb, &hb)) || (rc = get_decimal_text(a, v, "k", &k)))
    return rc;
  {
    struct ob_err e;
    if (oracle_k_parse(&f->k, k ? k : ORACLE_K_DEFAULT, &e))
      return ferr(a, "k", OB_EINVAL, "%s", ob_str_starts(e.msg, "k: ") ? e.msg + 3 : e.msg);
  }
  f->decimals = (uint8_t)dec;
  f->quorum = (uint32_t)q;
  f->deviation_bps = (uint32_t)dev;
  f->heartbeat_s = (uint32_t)hb;
  return 0;
}

static int parse_feed(struct oracle_feed *f, const struct at *a, const struct ob_json *v, const char *origin,
                      size_t index) {
  const struct ob_json *name;
  int rc;
  memset(f, 0, sizeof(*f));
  if (v->type != OB_JSON_OBJECT) return ferr(a, NULL, OB_EINVAL, "expected an object (a feed), got %s", ob_json_type_name(v->type));
  if ((rc = check_keys(a, v, feed_keys, OB_ARRAY_LEN(feed_keys)))) return rc;
  if ((rc = get_str(a, v, "name", 1024, false, &name))) return rc;
  {
    struct ob_err e;
    if (oracle_feed_name_check(name->str, name->len, &e)) return ferr(a, "name", OB_EINVAL, "%s", e.msg);
  }
  if ((rc = parse_feed_numbers(f, a, v)) || (rc = parse_sources(f, a, ob_json_get(v, "sources")))) return rc;
  if (f->quorum > f->nsources)
    return ferr(a, "quorum", OB_EINVAL, "quorum %" PRIu32 " is more than the %zu sources", f->quorum, f->nsources);
  f->name = ob_strdup(name->str);
  f->origin = ob_strdup(origin);
  f->index = index;
  if (!f->name || !f->origin) return ob_err_set(a->err, OB_ENOMEM, "out of memory");
  return 0;
}

/* ---- the set ---- */

void oracle_feedset_init(struct oracle_feedset *fs) { memset(fs, 0, sizeof(*fs)); }

static void truncate_to(struct oracle_feedset *fs, size_t n) {
  while (fs->n > n) feed_release(&fs->feeds[--fs->n]);
}

void oracle_feedset_release(struct oracle_feedset *fs) {
  truncate_to(fs, 0);
  ob_free(fs->feeds);
  oracle_feedset_init(fs);
}

const struct oracle_feed *oracle_feedset_find(const struct oracle_feedset *fs, const char *name) {
  for (size_t i = 0; i < fs->n; i++)
    if (strcmp(fs->feeds[i].name, name) == 0) return &fs->feeds[i];
  return NULL;
}

static int reserve(struct oracle_feedset *fs, size_t more, struct ob_err *err) {
  size_t cap;
  struct oracle_feed *nf;
  if (fs->n + more <= fs->cap) return 0;
  if (fs->n + more > FEEDS_MAX) return ob_err_set(err, OB_ELIMIT, "more than %d feeds", FEEDS_MAX);
  cap = fs->cap ? fs->cap : 8;
  while (cap < fs->n + more) cap *= 2;
  if (!(nf = ob_realloc(fs->feeds, cap * sizeof(*nf)))) return ob_err_set(err, OB_ENOMEM, "out of memory");
  fs->feeds = nf;
  fs->cap = cap;
  return 0;
}

/* "feeds[3]" of a file, ".oracle.feeds[3]" of the config array. */
static void feed_path(char *out, size_t cap, bool config, size_t i) {
  snprintf(out, cap, "%sfeeds[%zu]", config ? ".oracle." : "", i);
}

/* Parse feed i of arr and append it to fs (checking its name against the set). */
static int add_one(struct oracle_feedset *fs, const struct ob_json *arr, size_t i, bool config, const char *where,
                   struct ob_err *err) {
  struct at a = {.where = where, .err = err};
  struct oracle_feed *f;
  const struct oracle_feed *dup;
  int rc;
  feed_path(a.path, sizeof(a.path), config, i);
  if ((rc = reserve(fs, 1, err))) return rc;
  f = &fs->feeds[fs->n];
  rc = parse_feed(f, &a, arr->items[i], where, i);
  if (!rc && (dup = oracle_feedset_find(fs, f->name))) {
    char other[200];
    feed_path(other, sizeof(other), strcmp(dup->origin, "config") == 0, dup->index);
    rc = ferr(&a, "name", OB_EINVAL, "feed '%s' is declared twice (also in %s: %s)", f->name, dup->origin, other);
  }
  if (rc) {
    feed_release(f);
    return rc;
  }
  fs->n++;
  return 0;
}

/* The feeds array of a document, or an error naming what is wrong with the document. */
static int doc_feeds(const struct ob_json **arr, bool *config, const struct ob_json *doc, const char *where,
                     struct ob_err *err) {
  *config = doc && doc->type == OB_JSON_ARRAY;
  *arr = doc;
  if (*config) return 0;
  if (!doc || doc->type != OB_JSON_OBJECT)
    return ob_err_set(err, OB_EINVAL, "%s: expected {\"feeds\": [...]} at the top level, got %s", where,
                      doc ? ob_json_type_name(doc->type) : "nothing");
  for (size_t i = 0; i < doc->len; i++)
    if (strcmp(doc->keys[i], "feeds") != 0 && strcmp(doc->keys[i], "$schema") != 0)
      return ob_err_set(err, OB_EINVAL, "%s: unknown key %.60s (expected feeds)", where, doc->keys[i]);
  *arr = ob_json_get(doc, "feeds");
  if (!*arr || (*arr)->type != OB_JSON_ARRAY)
    return ob_err_set(err, OB_EINVAL, "%s: feeds: expected an array of feeds", where);
  return 0;
}

int oracle_feedset_add_json(struct oracle_feedset *fs, const struct ob_json *doc, const char *where,
                            struct ob_err *err) {
  const struct ob_json *arr;
  size_t n0 = fs->n;
  bool config;
  int rc = doc_feeds(&arr, &config, doc, where, err);
  for (size_t i = 0; !rc && i < arr->len; i++) rc = add_one(fs, arr, i, config, where, err);
  if (rc) truncate_to(fs, n0);
  return rc;
}

int oracle_feedset_add_json_all(struct oracle_feedset *fs, const struct ob_json *doc, const char *where,
                                oracle_feed_err_cb cb, void *ud) {
  const struct ob_json *arr;
  struct ob_err e;
  bool config;
  int rc = doc_feeds(&arr, &config, doc, where, &e), first = rc;
  if (rc) {
    cb(ud, &e);
    return rc;
  }
  for (size_t i = 0; i < arr->len; i++) {
    ob_err_clear(&e);
    if ((rc = add_one(fs, arr, i, config, where, &e))) {
      cb(ud, &e);
      if (!first) first = rc;
      if (rc == OB_ENOMEM) break;
    }
  }
  return first;
}

/* ---- feed files ---- */

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The sorted *.json names of dir (owned, free each and the array). */
static int list_dir(char ***out, size_t *n, const char *dir, struct ob_err *err) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **v = NULL;
  size_t cap = 0;
  *out = NULL;
  *n = 0;
  if (!d) {
    int en = errno;
    return ob_err_set(err, en == ENOENT ? OB_ENOENT : OB_EIO, "cannot read the feeds directory '%s': %s", dir, strerror(en));
  }
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || !ob_str_ends(e->d_name, ".json")) continue;
    if (*n == cap) {
      char **nv = ob_realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));
      if (!nv) break;
      v = nv;
    }
    if (!(v[*n] = ob_strdup(e->d_name))) break;
    (*n)++;
  }
  closedir(d);
  if (e) { /* stopped early: out of memory */
    for (size_t i = 0; i < *n; i++) ob_free(v[i]);
    ob_free(v);
    *n = 0;
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  if (*n) qsort(v, *n, sizeof(*v), name_cmp);
  *out = v;
  return 0;
}

/* "json: at byte 30: …" -> "line 3, column 14: json: …" */
static void where_in_text(struct ob_err *err, const char *text, size_t len) {
  size_t at = 0, line = 1, col = 1;
  int skip = 0;
  char rest[sizeof(err->msg)];
  if (sscanf(err->msg, "json: at byte %zu: %n", &at, &skip) != 1 || skip == 0) return;
  if (at > len) at = len;
  for (size_t i = 0; i < at; i++) {
    if (text[i] == '\n') line++, col = 1;
    else col++;
  }
  snprintf(rest, sizeof(rest), "%s", err->msg + skip);
  ob_err_set(err, err->code, "line %zu, column %zu: json: %s", line, col, rest);
}

static int read_file_doc(struct ob_json **doc, const char *path, struct ob_err *err) {
  struct ob_buf b;
  struct ob_json_limits lim;
  int rc;
  *doc = NULL;
  ob_buf_init(&b, ORACLE_FEEDS_FILE_MAX + 1);
  rc = ob_file_read(path, &b, ORACLE_FEEDS_FILE_MAX, err);
  if (!rc) {
    ob_json_limits_init(&lim);
    lim.max_bytes = ORACLE_FEEDS_FILE_MAX;
    lim.max_depth = 16;
    lim.max_string = 64 * 1024;
    rc = ob_json_parse(doc, b.buf, b.len, &lim, err);
    if (rc) {
      where_in_text(err, b.buf, b.len);
      ob_err_prefix(err, rc == OB_ENOMEM ? rc : OB_EPARSE, "%s", path);
      rc = rc == OB_ENOMEM ? rc : OB_EPARSE;
    }
  }
  ob_buf_release(&b);
  return rc;
}

/* Each file of dir in order; stop at the first error unless cb collects them. */
static int add_dir(struct oracle_feedset *fs, const char *dir, oracle_feed_err_cb cb, void *ud, struct ob_err *err) {
  char **names;
  size_t n, n0 = fs->n;
  int rc = list_dir(&names, &n, dir, err), first = rc;
  if (rc && cb) cb(ud, err);
  for (size_t i = 0; i < n && (cb || !rc); i++) {
    struct ob_json *doc = NULL;
    char path[4200];
    snprintf(path, sizeof(path), "%s%s%s", dir, ob_str_ends(dir, "/") ? "" : "/", names[i]);
    if (!(rc = read_file_doc(&doc, path, err))) {
      if (cb) rc = oracle_feedset_add_json_all(fs, doc, path, cb, ud);
      else rc = oracle_feedset_add_json(fs, doc, path, err);
    } else if (cb) {
      cb(ud, err);
    }
    if (rc && !first) first = rc;
    ob_json_free(doc);
  }
  for (size_t i = 0; i < n; i++) ob_free(names[i]);
  ob_free(names);
  if (first && !cb) truncate_to(fs, n0);
  return first;
}

int oracle_feedset_add_dir(struct oracle_feedset *fs, const char *dir, struct ob_err *err) {
  return add_dir(fs, dir, NULL, NULL, err);
}

int oracle_feedset_add_dir_all(struct oracle_feedset *fs, const char *dir, oracle_feed_err_cb cb, void *ud) {
  struct ob_err e;
  ob_err_clear(&e);
  return add_dir(fs, dir, cb, ud, &e);
}
