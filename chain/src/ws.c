/* Websocket transport on libwebsockets, on the node's libuv loop (LWS_SERVER_OPTION_LIBUV with
 * foreign_loops). The only file that includes libwebsockets.h.
 *
 * A struct ws_conn is freed when both lws is done with its wsi (LWS_CALLBACK_WSI_DESTROY) and
 * the client has called chain__ws_close. Messages arrive in rx_buffer_size pieces and are reassembled up
 * to max_message bytes; a larger one is counted, dropped and reported with its first bytes (so
 * the client can still match its id). */
#include <libwebsockets.h>
#include <string.h>

#include "ob/chain/loop.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "loop_int.h"
#include "rpc_int.h"

#define RX_CHUNK 65536
#define OVERSIZE_PREFIX 512

struct chain__ws_ctx {
  struct lws_context *lws;
  struct chain_loop *loop;
};

struct out_msg {
  struct out_msg *next;
  size_t len;
  unsigned char data[]; /* LWS_PRE bytes of headroom, then the message */
};

struct ws_conn {
  struct chain__conn base;
  struct chain__ws_ctx *ctx;
  struct lws *wsi;
  struct chain__conn_cbs cbs;
  void *ud;
  struct chain_timer *connect_timer;
  struct ob_buf rx;
  size_t max_message;
  bool oversize;
  size_t oversize_total;
  char prefix[OVERSIZE_PREFIX];
  size_t prefix_len;
  struct out_msg *qhead, *qtail;
  bool ping_pending;
  bool established;
  bool user_closed; /* chain__ws_close was called: no more callbacks */
  bool notified;    /* on_close was called */
  bool in_connect;  /* inside lws_client_connect_via_info */
  bool destroyed;   /* lws destroyed the wsi while in_connect */
  bool in_destroy;  /* inside LWS_CALLBACK_WSI_DESTROY */
  int in_cb;        /* inside ws_callback for this wsi */
  bool kill_pending; /* close when the callback returns */
  char why[200];    /* our own reason for a kill, if any */
  char tls_why[120]; /* why the server certificate failed verification, if it did */
};

static void queue_free(struct ws_conn *c) {
  struct out_msg *m = c->qhead, *next;
  for (; m; m = next) {
    next = m->next;
    ob_free(m);
  }
  c->qhead = c->qtail = NULL;
}

static void conn_free(struct ws_conn *c) {
  chain_timer_free(c->connect_timer);
  queue_free(c);
  ob_buf_release(&c->rx);
  ob_free(c);
}

static void notify_close(struct ws_conn *c, const char *why) {
  if (c->user_closed || c->notified || c->in_connect) return;
  c->notified = true;
  if (c->why[0]) why = c->why;
  c->cbs.on_close(c->ud, why && *why ? why : "connection closed");
}

/* Close the wsi now. Inside one of its own callbacks that is not allowed: the callback then
 * returns -1 and lws closes it. Either way c may be freed when this returns. */
static void kill_wsi(struct ws_conn *c, const char *why) {
  if (why && !c->why[0]) snprintf(c->why, sizeof(c->why), "%s", why);
  if (!c->wsi) return;
  if (c->in_cb) c->kill_pending = true;
  else lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
}

static void rx_complete(struct ws_conn *c) {
  if (c->oversize) {
    c->oversize = false;
    if (!c->user_closed)
      c->cbs.on_oversize(c->ud, c->prefix, c->prefix_len, c->oversize_total);
  } else if (!c->user_closed) {
    c->cbs.on_message(c->ud, c->rx.buf, c->rx.len);
  }
  c->prefix_len = 0;
  c->oversize_total = 0;
  if (c->rx.alloc > RX_CHUNK * 4) ob_buf_release(&c->rx);
  else ob_buf_reset(&c->rx);
}

static void rx_piece(struct ws_conn *c, const char *in, size_t len) {
  if (c->prefix_len < OVERSIZE_PREFIX) {
    size_t n = OVERSIZE_PREFIX - c->prefix_len < len ? OVERSIZE_PREFIX - c->prefix_len : len;
    memcpy(c->prefix + c->prefix_len, in, n);
    c->prefix_len += n;
  }
  c->oversize_total += len;
  if (!c->oversize && ob_buf_add(&c->rx, in, len) != 0) c->oversize = true; /* buffer now freed */
}

static int write_one(struct ws_conn *c) {
  struct out_msg *m = c->qhead;
  if (c->ping_pending) {
    unsigned char buf[LWS_PRE + 1];
    c->ping_pending = false;
    if (lws_write(c->wsi, buf + LWS_PRE, 0, LWS_WRITE_PING) < 0) return -1;
  } else if (m) {
    c->qhead = m->next;
    if (!c->qhead) c->qtail = NULL;
    if (lws_write(c->wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len) {
      ob_free(m);
      return -1;
    }
    ob_free(m);
  }
  if (c->qhead || c->ping_pending) lws_callback_on_writable(c->wsi);
  return 0;
}

static int handle(struct lws *wsi, enum lws_callback_reasons reason, struct ws_conn *c, void *in,
                  size_t len) {
  switch (reason) {
  case LWS_CALLBACK_CLIENT_ESTABLISHED:
    if (!c) break;
    c->established = true;
    chain_timer_stop(c->connect_timer);
    if (!c->user_closed) c->cbs.on_open(c->ud);
    if (c->qhead || c->ping_pending) lws_callback_on_writable(wsi);
    break;
  case LWS_CALLBACK_CLIENT_RECEIVE:
    if (!c || c->user_closed) break;
    rx_piece(c, in, len);
    c->cbs.on_activity(c->ud);
    if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) rx_complete(c);
    break;
  case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
    if (c && !c->user_closed) c->cbs.on_activity(c->ud);
    break;
  case LWS_CALLBACK_CLIENT_WRITEABLE:
    if (!c || c->user_closed) return -1;
    return write_one(c);
  case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    if (c) {
      char why[200];
      if (c->tls_why[0]) /* lws's own text here is only "connect SSL err 1: error:00000001…" */
        snprintf(why, sizeof(why), "cannot connect: the server certificate could not be verified: %s", c->tls_why);
      else
        snprintf(why, sizeof(why), "cannot connect: %s", in && len ? (const char *)in : "connection failed");
      notify_close(c, why);
    }
    break;
  case LWS_CALLBACK_CLIENT_CLOSED:
    if (c) notify_close(c, "connection closed by peer");
    break;
  case LWS_CALLBACK_WSI_DESTROY:
    if (!c) break;
    c->in_cb--; /* c may be freed below: the caller must not look at it again */
    /* The client always calls chain__ws_close, also after on_close (maybe from inside it):
     * free on the later of the two. */
    c->wsi = NULL;
    if (c->in_connect) {
      c->destroyed = true;
      break;
    }
    c->in_destroy = true;
    notify_close(c, c->established ? "connection closed" : "connection closed before the websocket handshake completed");
    c->in_destroy = false;
    if (c->user_closed) conn_free(c);
    return 1;
  default:
    break;
  }
  return 0;
}

/* OpenSSL's verify callback, passed on by lws with user = the X509_STORE_CTX (not our
 * connection) and len = preverify_ok: note the first failure's reason for the error text. 0 keeps
 * OpenSSL's verdict. */
static int cert_verify(struct lws *wsi, X509_STORE_CTX *store, size_t preverify_ok) {
  struct ws_conn *c = lws_wsi_user(wsi);
  int e;
  if (!c || preverify_ok || !store || c->tls_why[0]) return 0;
  e = X509_STORE_CTX_get_error(store);
  if (e != X509_V_OK) snprintf(c->tls_why, sizeof(c->tls_why), "%s", X509_verify_cert_error_string(e));
  return 0;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len) {
  struct ws_conn *c = user;
  int rc;
  if (reason == LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION) return cert_verify(wsi, user, len);
  if (!c) return 0;
  c->in_cb++;
  rc = handle(wsi, reason, c, in, len);
  if (rc == 1) return 0; /* destroyed */
  c->in_cb--;
  if (rc == 0 && c->kill_pending) rc = -1;
  return rc;
}

static const struct lws_protocols protocols[] = {
    {"obridge-jsonrpc", ws_callback, 0, RX_CHUNK, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log_emit(int level, const char *line) {
  char buf[512];
  size_t n = strlen(line);
  if (n >= sizeof(buf)) n = sizeof(buf) - 1;
  memcpy(buf, line, n);
  while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
  buf[n] = 0;
  OB_LOG(level == LLL_ERR ? OB_LOG_DEBUG : OB_LOG_TRACE, "lws", buf, NULL);
}

int chain__ws_ctx_new(struct chain__ws_ctx **out, struct chain_loop *loop, bool tls, const char *ca_file,
                     struct ob_err *err) {
  struct lws_context_creation_info info;
  struct chain__ws_ctx *c = ob_calloc(1, sizeof(*c));
  void *loops[1];
  if (!c) return ob_err_set(err, OB_ENOMEM, "cannot create the websocket context: out of memory");
  lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);
  memset(&info, 0, sizeof(info));
  loops[0] = chain__loop_uv(loop);
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = protocols;
  /* TLS (and its trust store) only when some endpoint is wss:// */
  info.options = LWS_SERVER_OPTION_LIBUV | (tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0);
  info.foreign_loops = loops;
  if (tls && ca_file) info.client_ssl_ca_filepath = ca_file; /* else the system trust store */
  info.gid = -1;
  info.uid = -1;
  /* Our own timers bound every wait (connect_timeout_ms the handshake, request timeouts and
   * keepalive after it). lws's defaults (5 s) would close a slow handshake first, and then all we
   * could say is "closed before the websocket handshake completed" instead of "timed out". */
  info.timeout_secs = 3600;
  info.connect_timeout_secs = 3600;
  info.pcontext = &c->lws; /* lws clears it when a destroy on our loop has completed */
  c->lws = lws_create_context(&info);
  if (!c->lws) {
    ob_free(c);
    return ob_err_set(err, OB_EIO, "cannot create the websocket context (libwebsockets on libuv)");
  }
  c->loop = loop;
  *out = c;
  return 0;
}

/* On a foreign loop lws finishes tearing down only as its handles close: turn the loop (without
 * blocking) until it says it is done (*pcontext cleared), so nothing of it is left behind. */
void chain__ws_ctx_free(struct chain__ws_ctx *c) {
  uint64_t end = ob_mono_ms() + 2000;
  if (!c) return;
  /* lws 4.1 on a foreign loop: destroy closes its handles, which takes loop turns (and, for a
   * connection still closing, its timers); destroy again then frees the context. */
  for (int i = 0; c->lws && ob_mono_ms() < end; i++) {
    if (i % 50 == 0) lws_context_destroy(c->lws);
    if (c->lws) chain__loop_run_nowait(c->loop);
    if (i % 50 == 49) ob_sleep_ms(1);
  }
  ob_free(c);
}

static void connect_timeout(void *ud) {
  struct ws_conn *c = ud;
  if (!c->established) kill_wsi(c, "connect timed out (no websocket handshake)");
}

struct url_parts {
  char buf[1024];
  const char *prot, *host, *path;
  int port;
};

static int parse_url(struct url_parts *u, const char *url, struct ob_err *err) {
  const char *p;
  if (snprintf(u->buf, sizeof(u->buf), "%s", url) >= (int)sizeof(u->buf))
    return ob_err_set(err, OB_EINVAL, "url '%.64s…' is too long", url);
  if (lws_parse_uri(u->buf, &u->prot, &u->host, &u->port, &p))
    return ob_err_set(err, OB_EINVAL, "cannot parse url '%s'", url);
  if (strcmp(u->prot, "ws") && strcmp(u->prot, "wss"))
    return ob_err_set(err, OB_EINVAL, "url '%s': expected ws:// or wss://", url);
  u->path = p;
  return 0;
}

int chain__ws_open(struct chain__conn **out, struct chain__ws_ctx *ctx, const struct chain__conn_opts *o,
                   const struct chain__conn_cbs *cbs, void *ud, struct ob_err *err) {
  struct lws_client_connect_info ci;
  struct url_parts u;
  char path[1100];
  struct ws_conn *c;
  struct lws *wsi;
  int rc = parse_url(&u, o->url, err);
  if (rc) return rc;
  /* lws_parse_uri gives "/" for no path, else the path without its leading '/'. */
  snprintf(path, sizeof(path), "%s%s", u.path[0] == '/' ? "" : "/", u.path);
  c = ob_calloc(1, sizeof(*c));
  if (!c) return ob_err_set(err, OB_ENOMEM, "cannot connect to '%s': out of memory", o->url);
  c->ctx = ctx;
  c->cbs = *cbs;
  c->ud = ud;
  c->max_message = o->max_message;
  ob_buf_init(&c->rx, o->max_message);
  rc = chain_timer_new(&c->connect_timer, ctx->loop, connect_timeout, c, err);
  if (rc) {
    ob_free(c);
    return rc;
  }
  memset(&ci, 0, sizeof(ci));
  ci.context = ctx->lws;
  ci.address = u.host;
  ci.port = u.port;
  ci.path = path;
  ci.host = u.host;
  ci.origin = u.host;
  ci.local_protocol_name = protocols[0].name;
  ci.userdata = c;
  ci.ssl_connection = strcmp(u.prot, "wss") == 0 ? LCCSCF_USE_SSL : 0; /* certificates verified */
  ci.pwsi = &c->wsi;
  c->in_connect = true;
  wsi = lws_client_connect_via_info(&ci);
  c->in_connect = false;
  if (!wsi || c->destroyed) {
    conn_free(c);
    return ob_err_set(err, OB_EUNREACH, "cannot connect to '%s'", o->url);
  }
  c->wsi = wsi;
  chain_timer_start(c->connect_timer, o->connect_timeout_ms ? o->connect_timeout_ms : 10000, 0);
  *out = &c->base;
  return 0;
}

int chain__ws_send(struct chain__conn *base, const char *text, size_t len) {
  struct ws_conn *c = (struct ws_conn *)base;
  struct out_msg *m;
  if (c->user_closed || !c->wsi) return OB_ESTATE;
  m = ob_malloc(sizeof(*m) + LWS_PRE + len);
  if (!m) return OB_ENOMEM;
  m->next = NULL;
  m->len = len;
  memcpy(m->data + LWS_PRE, text, len);
  if (c->qtail) c->qtail->next = m;
  else c->qhead = m;
  c->qtail = m;
  if (c->established) lws_callback_on_writable(c->wsi);
  return 0;
}

void chain__ws_ping(struct chain__conn *base) {
  struct ws_conn *c = (struct ws_conn *)base;
  if (c->user_closed || !c->wsi || !c->established) return;
  c->ping_pending = true;
  lws_callback_on_writable(c->wsi);
}

void chain__ws_close(struct chain__conn *base) {
  struct ws_conn *c = (struct ws_conn *)base;
  c->user_closed = true;
  chain_timer_stop(c->connect_timer);
  if (!c->wsi) {
    if (!c->in_destroy) conn_free(c);
    return;
  }
  queue_free(c);
  /* After on_close lws is already tearing the wsi down; WSI_DESTROY follows and frees. */
  if (!c->notified) kill_wsi(c, NULL);
}
