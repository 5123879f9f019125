/* What pinning service clients send: the Pin body and the GET /pins filters. Pure functions over
 * outside bytes (fuzzed by tests/fuzz/fuzz_pinsvc.c); nothing here touches the database. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/util.h"
#include "ob/node/pinsvc.h"

#define ORIGIN_MAX 1024
#define META_KEY_MAX 255
#define META_VALUE_MAX 4096

static int canon_cid(char out[IPFS_CID_TEXT_MAX], const char *what, const char *text, size_t len, struct ob_err *err) {
  struct ipfs_cid c;
  struct ob_err e;
  ob_err_clear(&e);
  if (len == 0 || len >= IPFS_CID_TEXT_MAX || ipfs_cid_parse_n(&c, text, len, &e) != 0)
    return ob_err_set(err, OB_EINVAL, "%s '%.*s' is not a CID%s%s", what, (int)(len > 100 ? 100 : len), text,
                      e.msg[0] ? ": " : "", e.msg);
  ipfs_cid_format(out, IPFS_CID_TEXT_MAX, &c);
  return 0;
}

static bool printable(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f) return false;
  return true;
}

/* A JSON object of string values, within the limits, written compactly into out. */
static int meta_check(const struct ob_json *m, const char *what, struct ob_buf *out, struct ob_err *err) {
  struct ob_jw w;
  if (!ob_json_is(m, OB_JSON_OBJECT)) return ob_err_set(err, OB_EINVAL, "%s must be a JSON object of strings", what);
  if (m->len > PINSVC_MAX_META)
    return ob_err_set(err, OB_EINVAL, "%s has %zu keys; at most %d", what, m->len, PINSVC_MAX_META);
  for (size_t i = 0; i < m->len; i++) {
    const struct ob_json *v = m->items[i];
    if (!ob_json_is(v, OB_JSON_STRING))
      return ob_err_set(err, OB_EINVAL, "%s[\"%.64s\"] must be a string, not %s", what, m->keys[i], ob_json_type_name(v->type));
    if (strlen(m->keys[i]) > META_KEY_MAX)
      return ob_err_set(err, OB_EINVAL, "%s: a key is longer than %d bytes", what, META_KEY_MAX);
    if (v->len > META_VALUE_MAX || strlen(v->str) != v->len)
      return ob_err_set(err, OB_EINVAL, "%s[\"%.64s\"]: at most %d bytes, no NUL", what, m->keys[i], META_VALUE_MAX);
  }
  ob_jw_init(&w, out, false);
  ob_jw_value(&w, m);
  return ob_jw_finish(&w) ? ob_err_set(err, OB_ENOMEM, "out of memory") : 0;
}

static int origins_check(const struct ob_json *a, struct ob_buf *out, struct ob_err *err) {
  struct ob_jw w;
  if (!ob_json_is(a, OB_JSON_ARRAY)) return ob_err_set(err, OB_EINVAL, "origins must be an array of multiaddrs");
  if (a->len > PINSVC_MAX_ORIGINS)
    return ob_err_set(err, OB_EINVAL, "origins has %zu entries; at most %d", a->len, PINSVC_MAX_ORIGINS);
  for (size_t i = 0; i < a->len; i++) {
    const struct ob_json *v = a->items[i];
    if (!ob_json_is(v, OB_JSON_STRING)) return ob_err_set(err, OB_EINVAL, "origins[%zu] must be a string", i);
    if (v->len < 2 || v->len > ORIGIN_MAX || v->str[0] != '/' || !printable(v->str, v->len) ||
        strlen(v->str) != v->len || strchr(v->str, ' '))
      return ob_err_set(err, OB_EINVAL, "origins[%zu] '%.100s' is not a multiaddr (/ip4/…/tcp/…/p2p/…)", i, v->str);
    for (size_t k = 0; k < i; k++)
      if (strcmp(a->items[k]->str, v->str) == 0) return ob_err_set(err, OB_EINVAL, "origins[%zu] repeats origins[%zu]", i, k);
  }
  ob_jw_init(&w, out, false);
  ob_jw_value(&w, a);
  return ob_jw_finish(&w) ? ob_err_set(err, OB_ENOMEM, "out of memory") : 0;
}

static char *detach(struct ob_buf *b, const char *dflt) {
  char *s = b->len ? ob_buf_detach(b, NULL) : ob_strdup(dflt);
  ob_buf_release(b);
  return s;
}

int pinsvc_pin_parse(struct pinsvc_pin *out, const char *body, size_t len, struct ob_err *err) {
  struct ob_json_limits lim;
  struct ob_json *doc = NULL;
  const struct ob_json *cid, *name, *origins, *meta;
  struct ob_buf ob, mb;
  int rc;
  memset(out, 0, sizeof(*out));
  ob_json_limits_init(&lim);
  lim.max_bytes = (size_t)4 << 20;
  lim.max_depth = 4;
  lim.max_nodes = 4 * PINSVC_MAX_META;
  ob_buf_init(&ob, (size_t)64 << 10);
  ob_buf_init(&mb, (size_t)8 << 20);
  if (!body || !len) return ob_err_set(err, OB_EINVAL, "the request body must be a Pin object ({\"cid\": …})");
  if ((rc = ob_json_parse(&doc, body, len, &lim, err))) return ob_err_prefix(err, OB_EPARSE, "the body is not JSON");
  if (!ob_json_is(doc, OB_JSON_OBJECT)) {
    rc = ob_err_set(err, OB_EINVAL, "the body must be a Pin object, not %s", ob_json_type_name(doc->type));
    goto out;
  }
  cid = ob_json_get(doc, "cid");
  name = ob_json_get(doc, "name");
  origins = ob_json_get(doc, "origins");
  meta = ob_json_get(doc, "meta");
  if (!cid) {
    rc = ob_err_set(err, OB_EINVAL, "cid is required");
    goto out;
  }
  if (!ob_json_is(cid, OB_JSON_STRING)) {
    rc = ob_err_set(err, OB_EINVAL, "cid must be a string");
    goto out;
  }
  if ((rc = canon_cid(out->cid, "cid", cid->str, cid->len, err))) goto out;
  if (name && !ob_json_is(name, OB_JSON_NULL)) {
    if (!ob_json_is(name, OB_JSON_STRING)) {
      rc = ob_err_set(err, OB_EINVAL, "name must be a string");
      goto out;
    }
    if (name->len > PINSVC_NAME_MAX || strlen(name->str) != name->len) {
      rc = ob_err_set(err, OB_EINVAL, "name: at most %d bytes, no NUL (got %zu)", PINSVC_NAME_MAX, name->len);
      goto out;
    }
    memcpy(out->name, name->str, name->len + 1);
  }
  if (origins && !ob_json_is(origins, OB_JSON_NULL) && (rc = origins_check(origins, &ob, err))) goto out;
  if (meta && !ob_json_is(meta, OB_JSON_NULL) && (rc = meta_check(meta, "meta", &mb, err))) goto out;
  out->origins_json = detach(&ob, "[]");
  out->meta_json = detach(&mb, "{}");
  if (!out->origins_json || !out->meta_json) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
out:
  ob_buf_release(&ob);
  ob_buf_release(&mb);
  ob_json_free(doc);
  return rc;
}

void pinsvc_pin_release(struct pinsvc_pin *p) {
  if (!p) return;
  ob_free(p->origins_json);
  ob_free(p->meta_json);
  p->origins_json = p->meta_json = NULL;
}

/* ---- timestamps ---- */

static bool digits(const char *s, int n, int *v) {
  *v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    *v = *v * 10 + (s[i] - '0');
  }
  return true;
}

bool pinsvc_timestamp_valid(const char *s) {
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y, mo, d, h, mi, sec, oh, om;
  size_t n = strlen(s), i = 19;
  if (n < 20 || n > 35) return false;
  if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
      (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
      s[16] != ':' || !digits(s + 17, 2, &sec))
    return false;
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60) return false;
  if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) return false;
  if (s[i] == '.') {
    size_t f = ++i;
    while (s[i] >= '0' && s[i] <= '9') i++;
    if (i == f || i - f > 9) return false;
  }
  if (s[i] == 'Z' || s[i] == 'z') return i + 1 == n;
  if ((s[i] != '+' && s[i] != '-') || n != i + 6) return false;
  return digits(s + i + 1, 2, &oh) && s[i + 3] == ':' && digits(s + i + 4, 2, &om) && oh <= 23 && om <= 59;
}

/* ---- GET /pins ---- */

static const char *const statuses[] = {"queued", "pinning", "pinned", "failed"};
static const char *const matches[] = {"exact", "iexact", "partial", "ipartial"};

/* Each comma-separated item of each value, through fn. */
static int each_item(const char *const *vals, size_t n, int (*fn)(void *ud, const char *s, size_t len, struct ob_err *err),
                     void *ud, struct ob_err *err) {
  for (size_t i = 0; i < n; i++) {
    const char *p = vals[i];
    for (;;) {
      size_t len = strcspn(p, ",");
      int rc = fn(ud, p, len, err);
      if (rc) return rc;
      if (!p[len]) break;
      p += len + 1;
    }
  }
  return 0;
}

static int add_cid(void *ud, const char *s, size_t len, struct ob_err *err) {
  struct pinsvc_query *q = ud;
  char c[IPFS_CID_TEXT_MAX];
  int rc;
  if (++q->cid_items > PINSVC_MAX_CIDS) return ob_err_set(err, OB_EINVAL, "cid: at most %d CIDs", PINSVC_MAX_CIDS);
  if ((rc = canon_cid(c, "cid", s, len, err))) return rc;
  for (size_t i = 0; i < q->ncids; i++)
    if (strcmp(q->cids[i], c) == 0) return 0; /* uniqueItems: a repeat adds nothing */
  memcpy(q->cids[q->ncids++], c, sizeof(c));
  return 0;
}

static int add_status(void *ud, const char *s, size_t len, struct ob_err *err) {
  unsigned *mask = ud;
  for (unsigned i = 0; i < 4; i++)
    if (strlen(statuses[i]) == len && strncmp(statuses[i], s, len) == 0) return *mask |= 1u << i, 0;
  return ob_err_set(err, OB_EINVAL, "status '%.*s' is not one of queued, pinning, pinned, failed", (int)(len > 40 ? 40 : len), s);
}

int pinsvc_query_parse(struct pinsvc_query *q, const struct pinsvc_query_in *in, struct ob_err *err) {
  unsigned mask = 0;
  int rc;
  memset(q, 0, sizeof(*q));
  q->limit = 10;
  if (in->ncid > PINSVC_MAX_CIDS) return ob_err_set(err, OB_EINVAL, "cid: at most %d CIDs", PINSVC_MAX_CIDS);
  if ((rc = each_item(in->cid, in->ncid, add_cid, q, err))) return rc;
  if (in->nstatus > OB_ARRAY_LEN(in->status)) return ob_err_set(err, OB_EINVAL, "status: given too many times");
  if ((rc = each_item(in->status, in->nstatus, add_status, &mask, err))) return rc;
  if (!mask) mask = 1u << 2; /* no status filter: successful pins only, as the spec says */
  for (unsigned i = 0; i < 4; i++)
    if (mask & (1u << i)) snprintf(q->status + strlen(q->status), sizeof(q->status) - strlen(q->status), "%s%s", q->status[0] ? "," : "", statuses[i]);
  if (in->name) {
    size_t n = strlen(in->name);
    if (n > PINSVC_NAME_MAX) return ob_err_set(err, OB_EINVAL, "name: at most %d bytes (got %zu)", PINSVC_NAME_MAX, n);
    memcpy(q->name, in->name, n + 1);
    q->has_name = true;
  }
  if (in->match) {
    size_t i;
    for (i = 0; i < 4 && strcmp(in->match, matches[i]) != 0; i++) {}
    if (i == 4) return ob_err_set(err, OB_EINVAL, "match '%.40s' is not one of exact, iexact, partial, ipartial", in->match);
    q->match = (enum pinsvc_match)i;
  }
  if (in->before) {
    if (!pinsvc_timestamp_valid(in->before)) return ob_err_set(err, OB_EINVAL, "before '%.60s' is not an RFC 3339 timestamp (2020-07-27T17:32:28Z)", in->before);
    snprintf(q->before, sizeof(q->before), "%s", in->before);
  }
  if (in->after) {
    if (!pinsvc_timestamp_valid(in->after)) return ob_err_set(err, OB_EINVAL, "after '%.60s' is not an RFC 3339 timestamp (2020-07-27T17:32:28Z)", in->after);
    snprintf(q->after, sizeof(q->after), "%s", in->after);
  }
  if (in->limit) {
    uint64_t v = 0;
    if (ob_parse_u64(&v, in->limit, "limit", NULL) != 0 || v < 1 || v > 1000)
      return ob_err_set(err, OB_EINVAL, "limit '%.40s' must be an integer from 1 to 1000", in->limit);
    q->limit = (uint32_t)v;
  }
  if (in->meta) {
    struct ob_json_limits lim;
    struct ob_json *m = NULL;
    struct ob_buf b;
    ob_json_limits_init(&lim);
    lim.max_bytes = (size_t)1 << 20;
    lim.max_depth = 3;
    lim.max_nodes = 4 * PINSVC_MAX_META;
    if (ob_json_parse(&m, in->meta, strlen(in->meta), &lim, err) != 0) return ob_err_prefix(err, OB_EINVAL, "meta is not JSON");
    ob_buf_init(&b, (size_t)8 << 20);
    rc = meta_check(m, "meta", &b, err);
    ob_json_free(m);
    if (!rc && !(q->meta_json = detach(&b, "{}"))) rc = ob_err_set(err, OB_ENOMEM, "out of memory");
    ob_buf_release(&b);
    if (rc) return rc;
  }
  return 0;
}

void pinsvc_query_release(struct pinsvc_query *q) {
  if (!q) return;
  ob_free(q->meta_json);
  q->meta_json = NULL;
}
