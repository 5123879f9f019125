/* The Pinning Service API's client side (ob/storage/remote.h), over the Kubo transport (http.c):
 * the same timeouts, the same JSON reply reader; a service's error body {"error":{"reason",
 * "details"}} becomes the message. */
#include <stdio.h>
#include <string.h>

#include "kubo_int.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/json.h"
#include "ob/storage/remote.h"

struct ipfs_remote {
  char *url;    /* without a final slash */
  char *auth;   /* "Authorization: Bearer …" */
  struct kubo__http *http;
};

int ipfs_remote_new(struct ipfs_remote **out, const char *url, const char *token, struct ob_err *err) {
  struct ipfs_remote *r;
  size_t n;
  int rc;
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
    return ob_err_set(err, OB_EINVAL, "remote pinning service URL '%.100s' is not http:// or https://", url);
  n = strlen(token) + 32;
  if (!(r = ob_calloc(1, sizeof(*r))) || !(r->url = ob_strdup(url)) || !(r->auth = ob_malloc(n))) {
    ipfs_remote_free(r);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  snprintf(r->auth, n, "Authorization: Bearer %s", token);
  n = strlen(r->url);
  while (n && r->url[n - 1] == '/') r->url[--n] = 0;
  if ((rc = kubo__http_new(&r->http, 10, 30, err))) {
    ipfs_remote_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void ipfs_remote_free(struct ipfs_remote *r) {
  if (!r) return;
  kubo__http_free(r->http);
  if (r->auth) memset(r->auth, 0, strlen(r->auth));
  ob_free(r->auth);
  ob_free(r->url);
  ob_free(r);
}

static void copy(char *out, size_t cap, const char *s) { snprintf(out, cap, "%s", s ? s : ""); }

static int status_value(void *ud, const struct ob_json *v, struct ob_err *err) {
  struct ipfs_remote_status *st = ud;
  const char *id = ob_json_string(ob_json_get(v, "requestid")), *s = ob_json_string(ob_json_get(v, "status"));
  if (!id || !s) return ob_err_set(err, OB_EPARSE, "remote pinning service: a PinStatus without requestid or status");
  if (strcmp(s, "queued") && strcmp(s, "pinning") && strcmp(s, "pinned") && strcmp(s, "failed"))
    return ob_err_set(err, OB_EPARSE, "remote pinning service: unknown status '%.20s'", s);
  copy(st->requestid, sizeof(st->requestid), id);
  copy(st->status, sizeof(st->status), s);
  copy(st->details, sizeof(st->details), ob_json_string(ob_json_get(ob_json_get(v, "info"), "status_details")));
  return 0;
}

/* One call; a non-2xx answer is named by the service's own reason and details when it gave them. */
static int call(struct ipfs_remote *r, const char *method, const char *url, const char *body, size_t len,
                struct ipfs_remote_status *st, struct ob_err *err) {
  const char *hdrs[] = {r->auth, "Accept: application/json", NULL};
  struct kubo__req req = {.url = url, .upload_size = -1, .method = method, .headers = hdrs, .body = body, .body_len = len};
  struct kubo__reply reply;
  int rc;
  memset(st, 0, sizeof(*st));
  kubo__reply_init(&reply);
  reply.on_value = status_value;
  reply.ud = st;
  rc = kubo__http_post(r->http, &req, &reply, err);
  if (rc && reply.status >= 400) {
    struct ob_json *v = NULL;
    const char *reason = NULL, *details = NULL;
    int status = reply.status;
    if (reply.errbody.len && ob_json_parse(&v, reply.errbody.buf, reply.errbody.len, NULL, NULL) == 0) {
      reason = ob_json_string(ob_json_get(ob_json_get(v, "error"), "reason"));
      details = ob_json_string(ob_json_get(ob_json_get(v, "error"), "details"));
    }
    rc = status == 404 ? OB_ENOENT : (status >= 500 || status == 429) ? OB_EPEER : OB_EINVAL;
    ob_err_set(err, rc, "remote pinning service: HTTP %d %s%s%s", status, reason ? reason : "", details ? ": " : "",
               details ? details : "");
    if (err) err->http_status = status;
    ob_json_free(v);
  } else if (!rc && !st->requestid[0]) {
    rc = ob_err_set(err, OB_EPARSE, "remote pinning service: an answer without a PinStatus");
  }
  kubo__reply_release(&reply);
  return rc;
}

int ipfs_remote_add(struct ipfs_remote *r, const char *cid, const char *name, const char *origins_json,
                    struct ipfs_remote_status *st, struct ob_err *err) {
  struct ob_buf url, body;
  struct ob_json *origins = NULL;
  struct ob_jw w;
  int rc;
  ob_buf_init(&url, 8192);
  ob_buf_init(&body, (size_t)1 << 20);
  if (origins_json && ob_json_parse(&origins, origins_json, strlen(origins_json), NULL, NULL) != 0) origins = NULL;
  ob_jw_init(&w, &body, false);
  ob_jw_obj_begin(&w);
  ob_jw_key(&w, "cid");
  ob_jw_str(&w, cid);
  if (name && *name) {
    ob_jw_key(&w, "name");
    ob_jw_str(&w, name);
  }
  if (ob_json_is(origins, OB_JSON_ARRAY) && origins->len) {
    ob_jw_key(&w, "origins");
    ob_jw_value(&w, origins);
  }
  ob_jw_obj_end(&w);
  rc = ob_jw_finish(&w) || ob_buf_addf(&url, "%s/pins", r->url) ? ob_err_set(err, OB_ENOMEM, "out of memory") : 0;
  if (!rc) rc = call(r, "POST", url.buf, body.buf, body.len, st, err);
  ob_json_free(origins);
  ob_buf_release(&url);
  ob_buf_release(&body);
  return rc;
}

int ipfs_remote_get(struct ipfs_remote *r, const char *requestid, struct ipfs_remote_status *st, struct ob_err *err) {
  struct ob_buf url;
  int rc;
  ob_buf_init(&url, 8192);
  rc = ob_buf_addf(&url, "%s/pins/", r->url) || kubo__escape(&url, requestid) ? ob_err_set(err, OB_ENOMEM, "out of memory") : 0;
  if (!rc) rc = call(r, "GET", url.buf, NULL, 0, st, err);
  ob_buf_release(&url);
  return rc;
}
