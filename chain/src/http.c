/* HTTP transport on curl multi, driven by the node's loop through curl_multi_socket_action
 * (chain_poll per socket, one chain_timer for curl's timeout). The only file of chain/ that
 * includes curl.h.
 *
 * Every chain__http_send is one POST of a JSON-RPC message; the reply body comes back through
 * on_message. A transport failure (refused, reset, timeout, an HTTP status without a JSON body)
 * is reported as on_close: the client treats the endpoint as down and decides what to repeat. */
#include <curl/curl.h>
#include <string.h>

#include "ob/chain/loop.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/log.h"
#include "rpc_int.h"

#define OVERSIZE_PREFIX 512

struct chain__http_ctx {
  struct chain_loop *loop;
  CURLM *multi;
  struct chain_timer *timer;
  struct curl_slist *headers;
};

struct http_req;
struct http_conn {
  struct chain__conn base;
  struct chain__http_ctx *ctx;
  char *url;
  struct chain__conn_cbs cbs;
  void *ud;
  size_t max_message;
  unsigned connect_timeout_ms, request_timeout_ms;
  const char *ca_file;
  struct chain_timer *open_timer;
  struct http_req *reqs; /* in flight */
  bool notified;
};

struct http_req {
  struct http_req *next, *prev;
  struct http_conn *conn;
  CURL *easy;
  struct ob_buf body;
  bool oversize;
  size_t total;
  char prefix[OVERSIZE_PREFIX];
  size_t prefix_len;
  char errbuf[CURL_ERROR_SIZE];
};

/* ---- curl multi on the loop ---- */

static void check_done(struct chain__http_ctx *x);

static void on_poll(void *ud, int fd, int events, int status) {
  struct chain__http_ctx *x = ud;
  int flags = 0, running;
  if (events & CHAIN_POLL_IN) flags |= CURL_CSELECT_IN;
  if (events & CHAIN_POLL_OUT) flags |= CURL_CSELECT_OUT;
  if (status < 0) flags |= CURL_CSELECT_ERR;
  curl_multi_socket_action(x->multi, fd, flags, &running);
  check_done(x);
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp) {
  struct chain__http_ctx *x = userp;
  struct chain_poll *p = socketp;
  if (what == CURL_POLL_REMOVE) {
    chain_poll_free(p);
    curl_multi_assign(x->multi, s, NULL);
    return 0;
  }
  if (!p) {
    if (chain_poll_new(&p, x->loop, s, on_poll, x, NULL)) return -1;
    curl_multi_assign(x->multi, s, p);
  }
  chain_poll_set(p, (what & CURL_POLL_IN ? CHAIN_POLL_IN : 0) | (what & CURL_POLL_OUT ? CHAIN_POLL_OUT : 0));
  return 0;
}

static void on_timer(void *ud) {
  struct chain__http_ctx *x = ud;
  int running;
  curl_multi_socket_action(x->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  check_done(x);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
  struct chain__http_ctx *x = userp;
  if (timeout_ms < 0) chain_timer_stop(x->timer);
  else chain_timer_start(x->timer, (uint64_t)timeout_ms, 0);
  return 0;
}

int chain__http_ctx_new(struct chain__http_ctx **out, struct chain_loop *loop, struct ob_err *err) {
  struct chain__http_ctx *x = ob_calloc(1, sizeof(*x));
  int rc;
  if (!x) return ob_err_set(err, OB_ENOMEM, "cannot create the http client: out of memory");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  x->loop = loop;
  x->multi = curl_multi_init();
  x->headers = curl_slist_append(NULL, "Content-Type: application/json");
  rc = chain_timer_new(&x->timer, loop, on_timer, x, err);
  if (!x->multi || !x->headers || rc) {
    chain__http_ctx_free(x);
    return rc ? rc : ob_err_set(err, OB_ENOMEM, "cannot create the http client: out of memory");
  }
  curl_multi_setopt(x->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(x->multi, CURLMOPT_SOCKETDATA, x);
  curl_multi_setopt(x->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(x->multi, CURLMOPT_TIMERDATA, x);
  *out = x;
  return 0;
}

void chain__http_ctx_free(struct chain__http_ctx *x) {
  if (!x) return;
  /* Connections were closed first (their easy handles removed). */
  if (x->multi) curl_multi_cleanup(x->multi);
  curl_slist_free_all(x->headers);
  chain_timer_free(x->timer);
  ob_free(x);
}

/* ---- one POST ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  struct http_req *r = ud;
  size_t len = size * n;
  if (r->prefix_len < OVERSIZE_PREFIX) {
    size_t k = OVERSIZE_PREFIX - r->prefix_len < len ? OVERSIZE_PREFIX - r->prefix_len : len;
    memcpy(r->prefix + r->prefix_len, p, k);
    r->prefix_len += k;
  }
  r->total += len;
  if (ob_buf_add(&r->body, p, len) != 0) {
    r->oversize = true;
    return 0; /* curl stops with CURLE_WRITE_ERROR */
  }
  return len;
}

static void req_unlink(struct http_req *r) {
  struct http_conn *c = r->conn;
  if (r->prev) r->prev->next = r->next;
  else c->reqs = r->next;
  if (r->next) r->next->prev = r->prev;
  r->next = r->prev = NULL;
  curl_multi_remove_handle(c->ctx->multi, r->easy);
}

static void req_destroy(struct http_req *r) {
  curl_easy_cleanup(r->easy);
  ob_buf_release(&r->body);
  ob_free(r);
}

static void req_free(struct http_req *r) {
  req_unlink(r);
  req_destroy(r);
}

static void conn_fail(struct http_conn *c, const char *why) {
  if (c->notified) return;
  c->notified = true;
  c->cbs.on_close(c->ud, why);
}

static void req_done(struct http_req *r, CURLcode res) {
  struct http_conn *c = r->conn;
  long status = 0;
  char why[300];
  curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
  if (r->oversize) {
    c->cbs.on_oversize(c->ud, r->prefix, r->prefix_len, r->total);
  } else if (res != CURLE_OK) {
    snprintf(why, sizeof(why), "http request failed: %s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(res));
    conn_fail(c, why);
  } else if (status == 200 || (r->body.len && (r->body.buf[0] == '{' || r->body.buf[0] == '['))) {
    c->cbs.on_message(c->ud, r->body.buf, r->body.len);
  } else {
    snprintf(why, sizeof(why), "http status %ld: %.120s", status, r->body.buf);
    conn_fail(c, why);
  }
}

static void check_done(struct chain__http_ctx *x) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(x->multi, &left))) {
    struct http_req *r = NULL;
    if (m->msg != CURLMSG_DONE) continue;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
    if (!r) continue;
    /* The callbacks may close the connection, which frees its other requests: take this one
     * out of the connection first, and touch neither afterwards. */
    {
      CURLcode res = m->data.result;
      req_unlink(r);
      req_done(r, res);
      req_destroy(r);
    }
  }
}

static void open_cb(void *ud) {
  struct http_conn *c = ud;
  c->cbs.on_open(c->ud);
}

int chain__http_open(struct chain__conn **out, struct chain__http_ctx *ctx, const struct chain__conn_opts *o,
                     const struct chain__conn_cbs *cbs, void *ud, struct ob_err *err) {
  struct http_conn *c = ob_calloc(1, sizeof(*c));
  int rc;
  if (!c) return ob_err_set(err, OB_ENOMEM, "cannot open '%s': out of memory", o->url);
  c->base.http = true;
  c->ctx = ctx;
  c->cbs = *cbs;
  c->ud = ud;
  c->max_message = o->max_message;
  c->connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 10000;
  c->request_timeout_ms = o->request_timeout_ms ? o->request_timeout_ms : 60000;
  c->ca_file = o->ca_file;
  c->url = ob_strdup(o->url);
  rc = chain_timer_new(&c->open_timer, ctx->loop, open_cb, c, err);
  if (!c->url || rc) {
    ob_free(c->url);
    ob_free(c);
    return rc ? rc : ob_err_set(err, OB_ENOMEM, "cannot open '%s': out of memory", o->url);
  }
  chain_timer_start(c->open_timer, 0, 0);
  *out = &c->base;
  return 0;
}

int chain__http_send(struct chain__conn *base, const char *text, size_t len) {
  struct http_conn *c = (struct http_conn *)base;
  struct http_req *r = ob_calloc(1, sizeof(*r));
  if (!r) return OB_ENOMEM;
  r->easy = curl_easy_init();
  if (!r->easy) {
    ob_free(r);
    return OB_ENOMEM;
  }
  r->conn = c;
  ob_buf_init(&r->body, c->max_message);
  curl_easy_setopt(r->easy, CURLOPT_URL, c->url);
  curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long)len);
  curl_easy_setopt(r->easy, CURLOPT_COPYPOSTFIELDS, text);
  curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, c->ctx->headers);
  curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(r->easy, CURLOPT_PRIVATE, (char *)r);
  curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
  curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
  curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)c->request_timeout_ms);
  curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
  if (c->ca_file) curl_easy_setopt(r->easy, CURLOPT_CAINFO, c->ca_file);
  r->next = c->reqs;
  if (c->reqs) c->reqs->prev = r;
  c->reqs = r;
  if (curl_multi_add_handle(c->ctx->multi, r->easy) != CURLM_OK) {
    req_free(r);
    return OB_ENOMEM;
  }
  return 0;
}

void chain__http_close(struct chain__conn *base) {
  struct http_conn *c = (struct http_conn *)base;
  while (c->reqs) req_free(c->reqs);
  chain_timer_free(c->open_timer);
  ob_free(c->url);
  ob_free(c);
}
