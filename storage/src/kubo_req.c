/* Kubo replies and requests without a transport: the NDJSON reader, error bodies and
 * X-Stream-Error trailers, query strings. Everything here reads outside bytes, so every limit is
 * explicit and the fuzz harness (tests/fuzz/fuzz_kubo.c) drives it directly. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kubo_int.h"
#include "ob/core/json.h"
#include "ob/core/util.h"

void kubo__reply_init(struct kubo__reply *r) {
  memset(r, 0, sizeof(*r));
  ob_buf_init(&r->line, KUBO__LINE_MAX);
  ob_buf_init(&r->errbody, KUBO__ERRBODY_MAX);
  ob_err_clear(&r->err);
}

void kubo__reply_release(struct kubo__reply *r) {
  ob_buf_release(&r->line);
  ob_buf_release(&r->errbody);
}

static bool header_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen) {
  size_t k = strlen(name);
  if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0) return false;
  line += k + 1;
  n -= k + 1;
  while (n && (*line == ' ' || *line == '\t')) line++, n--;
  while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' ')) n--;
  *val = line;
  *vlen = n;
  return true;
}

void kubo__reply_header(struct kubo__reply *r, const char *line, size_t n) {
  const char *v;
  size_t vn;
  if (n >= 12 && memcmp(line, "HTTP/", 5) == 0) {
    /* "HTTP/1.1 200 OK": a new status line (after a 100 Continue, the final one wins). */
    const char *sp = memchr(line, ' ', n);
    int st = 0;
    if (sp && (size_t)(sp - line) + 4 <= n) {
      for (int i = 1; i <= 3 && sp[i] >= '0' && sp[i] <= '9'; i++) st = st * 10 + (sp[i] - '0');
    }
    r->status = st;
    return;
  }
  if (header_is(line, n, "X-Stream-Error", &v, &vn) && vn > 0) {
    if (vn >= sizeof(r->stream_error)) vn = sizeof(r->stream_error) - 1;
    memcpy(r->stream_error, v, vn);
    r->stream_error[vn] = 0;
  }
}

static bool ok_status(int st) { return st >= 200 && st < 300; }

static int take_line(struct kubo__reply *r, const char *p, size_t n) {
  struct ob_json *v = NULL;
  struct ob_json_limits lim;
  int rc;
  while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
  if (n == 0) return 0;
  ob_json_limits_init(&lim);
  lim.max_bytes = KUBO__LINE_MAX;
  lim.max_depth = 32;
  rc = ob_json_parse(&v, p, n, &lim, &r->err);
  if (rc) return ob_err_prefix(&r->err, rc, "kubo: cannot read reply line %llu",
                               (unsigned long long)r->values + 1);
  r->values++;
  rc = r->on_value ? r->on_value(r->ud, v, &r->err) : 0;
  ob_json_free(v);
  return rc;
}

static int feed_ndjson(struct kubo__reply *r, const char *p, size_t n) {
  while (n) {
    const char *nl = memchr(p, '\n', n);
    size_t k = nl ? (size_t)(nl - p) : n;
    int rc;
    if (!nl) {
      if (ob_buf_add(&r->line, p, k))
        return ob_err_set(&r->err, OB_ELIMIT, "kubo: reply line longer than %zu bytes", KUBO__LINE_MAX);
      return 0;
    }
    if (r->line.len) {
      if (ob_buf_add(&r->line, p, k))
        return ob_err_set(&r->err, OB_ELIMIT, "kubo: reply line longer than %zu bytes", KUBO__LINE_MAX);
      rc = take_line(r, r->line.buf, r->line.len);
      ob_buf_reset(&r->line);
    } else {
      rc = take_line(r, p, k);
    }
    if (rc) return rc;
    p += k + 1;
    n -= k + 1;
  }
  return 0;
}

int kubo__reply_data(struct kubo__reply *r, const void *p, size_t n) {
  if (r->rc) return r->rc;
  if (!ok_status(r->status)) {
    /* Keep the start of an error body; the rest is not needed. */
    size_t room = r->errbody.max - r->errbody.len;
    if (n > room) n = room;
    if (n && ob_buf_add(&r->errbody, p, n)) r->rc = ob_err_set(&r->err, OB_ENOMEM, "kubo: out of memory");
    return r->rc;
  }
  if (r->on_raw) r->rc = r->on_raw(r->ud, p, n, &r->err);
  else r->rc = feed_ndjson(r, p, n);
  return r->rc;
}

/* "kubo: MESSAGE" from an error body; the body itself if it is not the usual JSON. */
static int error_from_body(struct kubo__reply *r, struct ob_err *err) {
  struct ob_json *v = NULL;
  const char *msg = NULL;
  int code = OB_EPEER;
  if (ob_json_parse(&v, r->errbody.buf, r->errbody.len, NULL, NULL) == 0)
    msg = ob_json_string(ob_json_get(v, "Message"));
  /* 4xx: the node refused the request itself (no use retrying it); 5xx: it failed doing it. */
  if (r->status == 404 && !msg) code = OB_EUNSUP;
  else if (r->status >= 400 && r->status < 500) code = OB_EINVAL;
  if (msg && strstr(msg, "timed out")) code = OB_ETIMEDOUT;
  if (msg) ob_err_set(err, code, "kubo: %s (HTTP %d)", msg, r->status);
  else if (r->errbody.len)
    ob_err_set(err, code, "kubo: HTTP %d: %.200s", r->status, r->errbody.buf);
  else ob_err_set(err, code, "kubo: HTTP %d with no message", r->status);
  ob_json_free(v);
  if (err) err->http_status = r->status;
  return code;
}

int kubo__reply_finish(struct kubo__reply *r, struct ob_err *err) {
  if (r->rc) {
    if (err) *err = r->err;
    return r->rc;
  }
  if (r->status == 0) return ob_err_set(err, OB_EPARSE, "kubo: reply without a status line");
  if (!ok_status(r->status)) return error_from_body(r, err);
  if (r->stream_error[0]) {
    int code = strstr(r->stream_error, "timed out") ? OB_ETIMEDOUT : OB_EPEER;
    ob_err_set(err, code, "kubo: %s", r->stream_error);
    if (err) err->http_status = r->status;
    return code;
  }
  if (!r->on_raw && r->line.len) {
    int rc = take_line(r, r->line.buf, r->line.len);
    ob_buf_reset(&r->line);
    if (rc) {
      if (err) *err = r->err;
      return rc;
    }
  }
  return 0;
}

int kubo__json_size(const struct ob_json *v, uint64_t *out) {
  const char *s;
  if (ob_json_is(v, OB_JSON_NUMBER)) return ob_json_u64(v, out, NULL);
  s = ob_json_string(v);
  if (!s) return OB_EPARSE;
  return ob_parse_u64(out, s, "size", NULL);
}

static bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~' || c == '/';
}

int kubo__query_add(struct ob_buf *url, const char *key, const char *value) {
  int rc = ob_buf_addch(url, strchr(url->buf, '?') ? '&' : '?');
  if (!rc) rc = ob_buf_addstr(url, key);
  if (!rc) rc = ob_buf_addch(url, '=');
  return rc ? rc : kubo__escape(url, value);
}

int kubo__escape(struct ob_buf *url, const char *value) {
  static const char hex[] = "0123456789ABCDEF";
  int rc = 0;
  for (const unsigned char *p = (const unsigned char *)value; !rc && *p; p++) {
    if (unreserved(*p)) {
      rc = ob_buf_addch(url, (char)*p);
    } else {
      char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      rc = ob_buf_add(url, e, 3);
    }
  }
  return rc;
}

int kubo__query_addu(struct ob_buf *url, const char *key, uint64_t value) {
  char num[24];
  snprintf(num, sizeof(num), "%llu", (unsigned long long)value);
  return kubo__query_add(url, key, num);
}
