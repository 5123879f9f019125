/* The JSON-RPC client: requests, replies matched by id, timeouts, keepalive, reconnect,
 * endpoint health and subscriptions. No third-party header: transports are in ws.c and http.c.
 *
 * Every request not yet answered is in the id hash and in the `all` list; one not yet sent (or
 * to be sent again) is also in the send queue. Callbacks may start new requests; to keep the
 * lists consistent, requests are always taken out of every structure before their callback runs.
 * A periodic tick checks deadlines, keepalive and endpoint health. */
#include <stdio.h>
#include <string.h>

#include "ob/chain/loop.h"
#include "ob/chain/rpc.h"
#include "ob/core/alloc.h"
#include "ob/core/buf.h"
#include "ob/core/err.h"
#include "ob/core/json.h"
#include "ob/core/log.h"
#include "ob/core/util.h"
#include "rpc_int.h"

/* Either kind of connection: queue a message (copied; 0 or OB_ENOMEM / OB_ESTATE), a websocket
 * ping (no-op over HTTP), drop it (no callback follows; NULL is a no-op). */
static void conn_ping(struct chain__conn *conn) {
  if (!conn->http) chain__ws_ping(conn);
}
static int conn_send(struct chain__conn *conn, const char *text, size_t len) {
  return conn->http ? chain__http_send(conn, text, len) : chain__ws_send(conn, text, len);
}
static void conn_close(struct chain__conn *conn) {
  if (!conn) return;
  if (conn->http) chain__http_close(conn);
  else chain__ws_close(conn);
}

#define HASH_BUCKETS 4096
#define TICK_MAX_MS 250

enum req_kind { REQ_USER, REQ_CHAIN_ID, REQ_HEAD, REQ_SUBSCRIBE, REQ_FIRE_AND_FORGET };
enum ep_state { EP_DOWN, EP_CONNECTING, EP_OPEN };

struct endpoint;

struct req {
  struct req *all_next, *all_prev; /* every pending request */
  struct req *q_next, *q_prev;     /* send queue (unsent ones) */
  struct req *h_next;              /* id hash chain */
  struct req *done_next;           /* temporary list of requests to finish */
  bool queued;
  uint64_t id;
  uint64_t batch; /* 0, or the batch's first id: queued members go out as one message */
  enum req_kind kind;
  char *method;
  char *msg; /* the request as sent */
  size_t msg_len;
  unsigned flags;
  uint64_t deadline, sent_at;
  unsigned timeout_ms;
  chain_rpc_cb *cb;
  void *ud;
  struct endpoint *ep;  /* where it was sent; NULL while queued */
  struct endpoint *pin; /* internal requests go to this endpoint only */
  uint64_t sub_handle;
};

struct sub {
  struct sub *next;
  uint64_t handle;
  char *params;
  struct chain_sub_cbs cbs;
  void *ud;
  char *node_id;       /* the node's subscription id, NULL while not subscribed */
  struct endpoint *ep; /* where node_id is valid */
  bool pending;        /* eth_subscribe in flight */
};

struct endpoint {
  struct chain_rpc *c;
  size_t idx;
  char *url;
  bool http;
  struct chain__conn *conn;
  enum ep_state st;
  bool verified; /* chain id checked */
  bool wrong_chain; /* the last chain id it reported was not c->o.chain_id */
  enum chain_health health;
  bool head_known;
  uint64_t head, chain_id_seen, lag;
  uint64_t last_rx, ping_at;
  bool ping_out;
  uint64_t next_health;
  bool health_inflight;
  uint64_t health_sent_at, rtt_ms;
  unsigned backoff_ms;
  struct chain_timer *retry;
  uint64_t reconnects;
  char last_error[200];
};

struct chain_rpc {
  struct chain_loop *loop;
  struct chain_rpc_opts o;
  struct endpoint *eps;
  size_t neps;
  struct endpoint *active;
  struct chain__ws_ctx *ws;
  struct chain__http_ctx *http;
  struct chain_timer *tick;
  unsigned tick_ms;
  struct req *buckets[HASH_BUCKETS];
  struct req *all_head;
  struct req *q_head, *q_tail;
  struct sub *subs;
  uint64_t next_id, next_sub;
  uint64_t rng;
  struct chain_rpc_stats stats;
  bool freeing;
};

/* ------------------------------------------------------------------ small helpers */

static uint64_t now_ms(struct chain_rpc *c) { return chain_loop_now_ms(c->loop); }

static uint64_t rng_next(struct chain_rpc *c) { /* splitmix64 */
  uint64_t z = (c->rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static bool method_repeatable(const char *m) {
  static const char *const safe[] = {
      "eth_chainId", "eth_blockNumber", "eth_call", "eth_estimateGas", "eth_feeHistory",
      "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_sendRawTransaction", "eth_syncing",
      "net_version", "net_listening", "web3_clientVersion", "web3_sha3", "eth_accounts",
      "eth_protocolVersion", "eth_unsubscribe"};
  if (ob_str_starts(m, "eth_get")) return true;
  for (size_t i = 0; i < OB_ARRAY_LEN(safe); i++)
    if (strcmp(m, safe[i]) == 0) return true;
  return false;
}

static bool req_repeatable(const struct req *r) {
  if (r->flags & CHAIN_RPC_ONCE) return false;
  if (r->flags & CHAIN_RPC_REPEATABLE) return true;
  return method_repeatable(r->method);
}

const char *chain_health_name(enum chain_health h) {
  switch (h) {
  case CHAIN_HEALTH_ALIVE: return "alive";
  case CHAIN_HEALTH_OUT_OF_SYNC: return "out-of-sync";
  case CHAIN_HEALTH_UNREACHABLE: return "unreachable";
  default: return "unknown";
  }
}

/* ------------------------------------------------------------------ request tables */

static struct req **bucket(struct chain_rpc *c, uint64_t id) { return &c->buckets[id & (HASH_BUCKETS - 1)]; }

static struct req *req_find(struct chain_rpc *c, uint64_t id) {
  struct req *r = *bucket(c, id);
  while (r && r->id != id) r = r->h_next;
  return r;
}

static void queue_push_back(struct chain_rpc *c, struct req *r) {
  r->q_next = NULL;
  r->q_prev = c->q_tail;
  if (c->q_tail) c->q_tail->q_next = r;
  else c->q_head = r;
  c->q_tail = r;
  r->queued = true;
}

static void queue_remove(struct chain_rpc *c, struct req *r) {
  if (!r->queued) return;
  if (r->q_prev) r->q_prev->q_next = r->q_next;
  else c->q_head = r->q_next;
  if (r->q_next) r->q_next->q_prev = r->q_prev;
  else c->q_tail = r->q_prev;
  r->q_next = r->q_prev = NULL;
  r->queued = false;
}

/* Back into the queue in id order, so requests are re-sent in the order they were made. */
static void queue_insert_sorted(struct chain_rpc *c, struct req *r) {
  struct req *at = c->q_tail;
  while (at && at->id > r->id) at = at->q_prev;
  if (!at) {
    r->q_prev = NULL;
    r->q_next = c->q_head;
    if (c->q_head) c->q_head->q_prev = r;
    else c->q_tail = r;
    c->q_head = r;
  } else {
    r->q_prev = at;
    r->q_next = at->q_next;
    if (at->q_next) at->q_next->q_prev = r;
    else c->q_tail = r;
    at->q_next = r;
  }
  r->queued = true;
}

static void req_add(struct chain_rpc *c, struct req *r) {
  struct req **b = bucket(c, r->id);
  r->h_next = *b;
  *b = r;
  r->all_prev = NULL;
  r->all_next = c->all_head;
  if (c->all_head) c->all_head->all_prev = r;
  c->all_head = r;
  queue_push_back(c, r);
}

/* Take a request out of every structure; it is then owned by the caller. */
static void req_detach(struct chain_rpc *c, struct req *r) {
  struct req **p = bucket(c, r->id);
  while (*p && *p != r) p = &(*p)->h_next;
  if (*p) *p = r->h_next;
  if (r->all_prev) r->all_prev->all_next = r->all_next;
  else c->all_head = r->all_next;
  if (r->all_next) r->all_next->all_prev = r->all_prev;
  queue_remove(c, r);
}

static void req_free(struct req *r) {
  ob_free(r->method);
  ob_free(r->msg);
  ob_free(r);
}

static void internal_done(struct chain_rpc *c, struct req *r, int rc, const struct ob_json *result,
                          const struct ob_err *err);

/* Call the callback of a detached request, then free it. */
static void req_finish(struct chain_rpc *c, struct req *r, int rc, const struct ob_json *result,
                       const struct ob_err *err) {
  if (r->kind == REQ_USER) {
    if (r->cb) r->cb(r->ud, rc, result, err);
  } else {
    internal_done(c, r, rc, result, err);
  }
  req_free(r);
}

static void req_fail(struct chain_rpc *c, struct req *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void req_fail(struct chain_rpc *c, struct req *r, int code, const char *fmt, ...) {
  struct ob_err err;
  va_list ap;
  ob_err_clear(&err);
  va_start(ap, fmt);
  ob_err_setv(&err, code, fmt, ap);
  va_end(ap);
  req_finish(c, r, code, NULL, &err);
}

static int build_msg(struct req *r, const char *params, struct ob_err *err) {
  struct ob_buf b;
  ob_buf_init(&b, OB_BUF_MAX_DEFAULT);
  if (ob_buf_addf(&b, "{\"jsonrpc\":\"2.0\",\"id\":%llu,\"method\":\"%s\",\"params\":%s}",
                  (unsigned long long)r->id, r->method, params) != 0)
    return ob_err_set(err, OB_ENOMEM, "cannot build the '%s' request: out of memory", r->method);
  r->msg = ob_buf_detach(&b, &r->msg_len);
  return r->msg ? 0 : ob_err_set(err, OB_ENOMEM, "out of memory");
}

static bool method_valid(const char *m) {
  if (!m || !*m || strlen(m) > 64) return false;
  for (; *m; m++)
    if (!((*m >= 'a' && *m <= 'z') || (*m >= 'A' && *m <= 'Z') || (*m >= '0' && *m <= '9') || *m == '_'))
      return false;
  return true;
}

static int params_valid(const char *params, struct ob_err *err) {
  struct ob_json *v = NULL;
  int rc = ob_json_parse(&v, params, strlen(params), NULL, err);
  if (rc) return ob_err_prefix(err, OB_EINVAL, "params");
  if (!ob_json_is(v, OB_JSON_ARRAY) && !ob_json_is(v, OB_JSON_OBJECT)) rc = ob_err_set(err, OB_EINVAL, "params must be a JSON array or object");
  ob_json_free(v);
  return rc;
}

static int req_new(struct chain_rpc *c, struct req **out, const char *method, const char *params,
                   enum req_kind kind, unsigned flags, unsigned timeout_ms, struct ob_err *err) {
  struct req *r;
  int rc;
  if (!method_valid(method)) return ob_err_set(err, OB_EINVAL, "invalid method name '%.64s'", method ? method : "");
  if (!params) params = "[]";
  if (kind == REQ_USER && (rc = params_valid(params, err)) != 0) return rc;
  r = ob_calloc(1, sizeof(*r));
  if (!r || !(r->method = ob_strdup(method))) {
    ob_free(r);
    return ob_err_set(err, OB_ENOMEM, "cannot send '%s': out of memory", method);
  }
  r->id = c->next_id++;
  r->kind = kind;
  r->flags = flags;
  r->timeout_ms = timeout_ms ? timeout_ms : c->o.request_timeout_ms;
  r->deadline = now_ms(c) + r->timeout_ms;
  rc = build_msg(r, params, err);
  if (rc) {
    req_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

/* ------------------------------------------------------------------ sending */

static void ep_lost(struct endpoint *e, const char *why);

/* A batch's members still queued go out as one array message. */
static int send_batch(struct chain_rpc *c, struct req *first, struct endpoint *e) {
  struct ob_buf b;
  struct req *r = first, *next;
  uint64_t batch = first->batch;
  int rc = 0;
  ob_buf_init(&b, OB_BUF_MAX_DEFAULT);
  ob_buf_addch(&b, '[');
  for (; r && r->batch == batch; r = r->q_next) {
    if (r != first) ob_buf_addch(&b, ',');
    ob_buf_add(&b, r->msg, r->msg_len);
  }
  if (ob_buf_addch(&b, ']') != 0) return OB_ENOMEM;
  rc = conn_send(e->conn, b.buf, b.len);
  ob_buf_release(&b);
  if (rc) return rc;
  for (r = first; r && r->batch == batch; r = next) {
    next = r->q_next;
    queue_remove(c, r);
    r->ep = e;
    r->sent_at = now_ms(c);
    c->stats.sent++;
  }
  return 0;
}

static void flush(struct chain_rpc *c) {
  struct req *r = c->q_head, *next;
  while (r) {
    struct endpoint *e = r->pin ? r->pin : c->active;
    int rc;
    next = r->q_next;
    if (r->pin && r->pin->st != EP_OPEN) {
      req_detach(c, r);
      req_fail(c, r, OB_EUNREACH, "endpoint '%s' is not connected", r->pin->url);
      r = c->q_head; /* the callback may have changed the queue */
      continue;
    }
    if (!e) {
      r = next;
      continue;
    }
    if (r->batch) {
      rc = send_batch(c, r, e);
      next = c->q_head; /* members left the queue */
    } else {
      rc = conn_send(e->conn, r->msg, r->msg_len);
      if (!rc) {
        queue_remove(c, r);
        r->ep = e;
        r->sent_at = now_ms(c);
        c->stats.sent++;
      }
    }
    if (rc) {
      ep_lost(e, "cannot queue a message: out of memory");
      return;
    }
    r = next;
  }
}

/* ------------------------------------------------------------------ subscriptions */

static struct sub *sub_find(struct chain_rpc *c, uint64_t handle) {
  struct sub *s = c->subs;
  while (s && s->handle != handle) s = s->next;
  return s;
}

static void sub_send(struct chain_rpc *c, struct sub *s) {
  struct req *r;
  if (!c->active || s->pending || s->node_id) return;
  if (req_new(c, &r, "eth_subscribe", s->params, REQ_SUBSCRIBE, CHAIN_RPC_ONCE, 0, NULL)) return;
  r->pin = c->active;
  r->sub_handle = s->handle;
  s->pending = true;
  req_add(c, r);
}

static void subs_renew(struct chain_rpc *c) {
  for (struct sub *s = c->subs; s; s = s->next) sub_send(c, s);
}

static void sub_lost(struct sub *s, const struct ob_err *err) {
  ob_free(s->node_id);
  s->node_id = NULL;
  s->ep = NULL;
  if (s->cbs.on_state) s->cbs.on_state(s->ud, CHAIN_SUB_LOST, err);
}

static void sub_reply(struct chain_rpc *c, struct req *r, int rc, const struct ob_json *result,
                      const struct ob_err *err) {
  struct sub *s = sub_find(c, r->sub_handle);
  if (!s) return; /* unsubscribed meanwhile */
  s->pending = false;
  if (rc == 0 && ob_json_string(result)) {
    if (r->ep != c->active) return; /* traffic moved while it was in flight: renewed below */
    s->node_id = ob_strdup(ob_json_string(result));
    s->ep = r->ep;
    if (s->cbs.on_state) s->cbs.on_state(s->ud, CHAIN_SUB_READY, NULL);
  } else if (rc == OB_EUNREACH || rc == OB_ETIMEDOUT) {
    sub_send(c, s); /* the connection went; renewed on the next active endpoint */
  } else {
    OB_LOG(OB_LOG_WARN, "chain", "subscription failed", "params", s->params, "error",
           err ? ob_err_msg(err, rc) : "not a subscription id", NULL);
    if (s->cbs.on_state) s->cbs.on_state(s->ud, CHAIN_SUB_LOST, err);
  }
}

/* ------------------------------------------------------------------ endpoint health */

static void select_active(struct chain_rpc *c) {
  uint64_t best = 0;
  bool any = false;
  struct endpoint *prev = c->active, *next = NULL;
  for (size_t i = 0; i < c->neps; i++) {
    struct endpoint *e = &c->eps[i];
    if (e->st == EP_OPEN && e->verified && e->head_known) {
      if (!any || e->head > best) best = e->head;
      any = true;
    }
  }
  for (size_t i = 0; i < c->neps; i++) {
    struct endpoint *e = &c->eps[i];
    if (!(e->st == EP_OPEN && e->verified && e->head_known)) continue;
    e->lag = best - e->head;
    e->health = e->lag > c->o.max_lag_blocks ? CHAIN_HEALTH_OUT_OF_SYNC : CHAIN_HEALTH_ALIVE;
    if (!next && e->health == CHAIN_HEALTH_ALIVE) next = e;
  }
  c->active = next;
  if (prev != next) {
    OB_LOG(prev ? OB_LOG_INFO : OB_LOG_DEBUG, "chain", "active endpoint", "url", next ? next->url : "(none)", "was",
           prev ? prev->url : "(none)", NULL);
    /* Subscriptions follow the traffic. */
    for (struct sub *s = c->subs; s; s = s->next)
      if (s->node_id && s->ep != next) sub_lost(s, NULL);
  }
  if (next) {
    subs_renew(c);
    flush(c);
  }
}

static void ep_send_check(struct endpoint *e, const char *method, enum req_kind kind) {
  struct chain_rpc *c = e->c;
  struct req *r;
  unsigned t = c->o.request_timeout_ms < c->o.health_interval_ms * 2 ? c->o.request_timeout_ms
                                                                       : c->o.health_interval_ms * 2;
  if (req_new(c, &r, method, "[]", kind, CHAIN_RPC_ONCE, t, NULL)) return;
  r->pin = e;
  if (kind == REQ_HEAD) {
    e->health_inflight = true;
    e->health_sent_at = now_ms(c);
  }
  req_add(c, r);
  flush(c);
}

static void ep_chain_id_reply(struct endpoint *e, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct chain_rpc *c = e->c;
  struct ob_err perr;
  uint64_t id = 0;
  if (rc == 0) rc = chain_json_quantity(result, &id, "eth_chainId result", &perr), err = &perr;
  if (rc) {
    if (e->st == EP_OPEN) ep_lost(e, ob_err_msg(err, rc));
    return;
  }
  e->chain_id_seen = id;
  e->wrong_chain = c->o.chain_id && id != c->o.chain_id;
  if (e->wrong_chain) {
    char why[200];
    chain_rpc_chain_id_msg(why, sizeof(why), e->url, id, c->o.chain_id);
    e->backoff_ms = c->o.backoff_max_ms; /* no point in hurrying back */
    ep_lost(e, why);
    return;
  }
  e->verified = true;
  ep_send_check(e, "eth_blockNumber", REQ_HEAD);
}

static void ep_head_reply(struct endpoint *e, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct chain_rpc *c = e->c;
  struct ob_err perr;
  uint64_t head = 0;
  e->health_inflight = false;
  if (rc == 0) rc = chain_json_quantity(result, &head, "eth_blockNumber result", &perr), err = &perr;
  if (rc) {
    if (e->st == EP_OPEN) ep_lost(e, ob_err_msg(err, rc));
    return;
  }
  e->rtt_ms = now_ms(c) - e->health_sent_at;
  e->head = head;
  e->head_known = true;
  e->backoff_ms = c->o.backoff_min_ms; /* a full round trip worked: reset the backoff */
  e->next_health = now_ms(c) + c->o.health_interval_ms;
  select_active(c);
}

static void internal_done(struct chain_rpc *c, struct req *r, int rc, const struct ob_json *result,
                          const struct ob_err *err) {
  if (c->freeing) return;
  switch (r->kind) {
  case REQ_CHAIN_ID: ep_chain_id_reply(r->pin, rc, result, err); break;
  case REQ_HEAD: ep_head_reply(r->pin, rc, result, err); break;
  case REQ_SUBSCRIBE: sub_reply(c, r, rc, result, err); break;
  default: break;
  }
}

/* ------------------------------------------------------------------ connection events */

static void ep_connect(struct endpoint *e);

static void ep_retry_cb(void *ud) { ep_connect(ud); }

static void ep_schedule_retry(struct endpoint *e) {
  struct chain_rpc *c = e->c;
  unsigned b = e->backoff_ms ? e->backoff_ms : c->o.backoff_min_ms;
  /* Equal jitter: somewhere in [b/2, b], so endpoints and nodes do not retry in step. */
  uint64_t delay = b / 2 + rng_next(c) % (b / 2 + 1);
  e->backoff_ms = b * 2 > c->o.backoff_max_ms ? c->o.backoff_max_ms : b * 2;
  chain_timer_start(e->retry, delay, 0);
}

/* The connection is gone: close it, move or fail what was in flight on it, retry later. */
static void ep_lost(struct endpoint *e, const char *why) {
  struct chain_rpc *c = e->c;
  struct req *r, *next, *done = NULL;
  struct ob_err err;
  if (e->st == EP_DOWN) return;
  OB_LOG(OB_LOG_WARN, "chain", "endpoint lost", "url", e->url, "reason", why, NULL);
  snprintf(e->last_error, sizeof(e->last_error), "%s", why);
  conn_close(e->conn);
  e->conn = NULL;
  e->st = EP_DOWN;
  e->verified = false;
  e->health = CHAIN_HEALTH_UNREACHABLE;
  e->health_inflight = false;
  e->ping_out = false;
  c->stats.reconnects++;
  e->reconnects++;
  for (r = c->all_head; r; r = next) {
    next = r->all_next;
    if (r->ep != e && r->pin != e) continue;
    if (r->kind == REQ_USER && !r->pin && req_repeatable(r)) {
      r->ep = NULL;
      queue_insert_sorted(c, r);
      c->stats.resent++;
      continue;
    }
    req_detach(c, r);
    r->done_next = done;
    done = r;
  }
  ob_err_clear(&err);
  ob_err_set(&err, OB_EUNREACH, "connection to '%s' lost: %s", e->url, why);
  for (struct sub *s = c->subs; s; s = s->next)
    if (s->ep == e) sub_lost(s, &err);
  if (c->active == e) c->active = NULL;
  select_active(c);
  ep_schedule_retry(e);
  for (r = done; r; r = next) {
    next = r->done_next;
    if (r->kind == REQ_USER && r->sent_at) {
      c->stats.failed_unsafe++;
      req_fail(c, r, OB_EUNREACH,
               "connection to '%s' lost while '%s' was in flight (%s); not sent again: it may or may not have taken effect",
               e->url, r->method, why);
    } else {
      req_fail(c, r, OB_EUNREACH, "connection to '%s' lost: %s", e->url, why);
    }
  }
}

static void on_open(void *ud) {
  struct endpoint *e = ud;
  struct chain_rpc *c = e->c;
  e->st = EP_OPEN;
  e->last_rx = now_ms(c);
  e->ping_out = false;
  OB_LOG(OB_LOG_DEBUG, "chain", "connected", "url", e->url, NULL);
  if (c->o.chain_id) {
    ep_send_check(e, "eth_chainId", REQ_CHAIN_ID);
  } else {
    e->verified = true;
    ep_send_check(e, "eth_blockNumber", REQ_HEAD);
  }
}

static void dispatch_reply(struct chain_rpc *c, struct endpoint *e, const struct chain_rpc_msg *m) {
  struct req *r = m->has_id ? req_find(c, m->id) : NULL;
  if (!r || r->queued) {
    c->stats.unknown_ids++;
    if (!m->has_id && m->error) {
      OB_LOG(OB_LOG_WARN, "chain", "error reply without id", "url", e->url, "message",
             ob_json_string(ob_json_get(m->error, "message")), NULL);
    } else {
      char id[24];
      snprintf(id, sizeof(id), "%llu", (unsigned long long)m->id);
      OB_LOG(OB_LOG_WARN, "chain", "reply with an unknown id ignored", "url", e->url, "id",
             m->has_id ? id : "(none)", NULL);
    }
    return;
  }
  req_detach(c, r);
  c->stats.replies++;
  if (m->error) {
    struct ob_err err;
    int rc;
    ob_err_clear(&err);
    rc = chain_rpc_error_from_json(m->error, r->method, &err);
    req_finish(c, r, rc, NULL, &err);
  } else {
    req_finish(c, r, 0, m->result, NULL);
  }
}

static void dispatch_notification(struct chain_rpc *c, struct endpoint *e, const struct chain_rpc_msg *m) {
  for (struct sub *s = c->subs; s; s = s->next) {
    if (s->ep == e && s->node_id && strcmp(s->node_id, m->sub_id) == 0) {
      if (s->cbs.on_data) s->cbs.on_data(s->ud, m->sub_result);
      return;
    }
  }
  OB_LOG(OB_LOG_DEBUG, "chain", "notification for an unknown subscription", "url", e->url, "subscription",
         m->sub_id, NULL);
}

static void dispatch_one(void *ud, const struct chain_rpc_msg *m) {
  struct endpoint *e = ud;
  struct chain_rpc *c = e->c;
  if (m->kind == CHAIN_MSG_REPLY) dispatch_reply(c, e, m);
  else if (m->kind == CHAIN_MSG_NOTIFICATION) dispatch_notification(c, e, m);
  else c->stats.bad_messages++;
}

static void on_message(void *ud, const char *text, size_t len) {
  struct endpoint *e = ud;
  struct chain_rpc *c = e->c;
  struct ob_err err;
  int rc;
  e->last_rx = now_ms(c);
  e->ping_out = false;
  ob_err_clear(&err);
  rc = chain_rpc_msg_read(text, len, c->o.max_message, dispatch_one, e, &err);
  if (rc) {
    char why[300];
    c->stats.bad_messages++;
    snprintf(why, sizeof(why), "endpoint sent a message that is not JSON-RPC: %s", ob_err_msg(&err, rc));
    ep_lost(e, why);
  }
}

/* Find `"id":123` in the first bytes of an oversized reply. */
static bool prefix_id(const char *p, size_t n, uint64_t *id) {
  const char *k = memmem(p, n, "\"id\"", 4);
  size_t i;
  uint64_t v = 0;
  if (!k) return false;
  i = (size_t)(k - p) + 4;
  while (i < n && (p[i] == ' ' || p[i] == ':' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) i++;
  if (i >= n || p[i] < '0' || p[i] > '9') return false;
  for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
    if (v > UINT64_MAX / 10) return false;
    v = v * 10 + (uint64_t)(p[i] - '0');
  }
  *id = v;
  return i < n;
}

static void on_oversize(void *ud, const char *prefix, size_t n, size_t total) {
  struct endpoint *e = ud;
  struct chain_rpc *c = e->c;
  uint64_t id;
  struct req *r;
  e->last_rx = now_ms(c);
  c->stats.oversize++;
  if (prefix_id(prefix, n, &id) && (r = req_find(c, id)) && !r->queued) {
    req_detach(c, r);
    req_fail(c, r, OB_ELIMIT, "reply to '%s' from '%s' is larger than the limit of %zu bytes (chain.max_message_mib)",
             r->method, e->url, c->o.max_message);
    return;
  }
  {
    char why[200];
    snprintf(why, sizeof(why), "endpoint sent a message over the limit of %zu bytes (%zu bytes so far) without a readable id",
             c->o.max_message, total);
    ep_lost(e, why);
  }
}

static void on_activity(void *ud) {
  struct endpoint *e = ud;
  e->last_rx = now_ms(e->c);
  e->ping_out = false;
}

static void on_close(void *ud, const char *why) { ep_lost(ud, why); }

static const struct chain__conn_cbs conn_cbs = {on_open, on_message, on_oversize, on_activity, on_close};

static void ep_connect(struct endpoint *e) {
  struct chain_rpc *c = e->c;
  struct chain__conn_opts co = {.url = e->url, .max_message = c->o.max_message,
                                .connect_timeout_ms = c->o.connect_timeout_ms,
                                .request_timeout_ms = c->o.request_timeout_ms, .ca_file = c->o.ca_file};
  struct ob_err err;
  int rc;
  ob_err_clear(&err);
  e->st = EP_CONNECTING;
  if (e->http) rc = chain__http_open(&e->conn, c->http, &co, &conn_cbs, e, &err);
  else rc = chain__ws_open(&e->conn, c->ws, &co, &conn_cbs, e, &err);
  if (rc) {
    e->st = EP_DOWN;
    e->health = CHAIN_HEALTH_UNREACHABLE;
    snprintf(e->last_error, sizeof(e->last_error), "%s", ob_err_msg(&err, rc));
    e->reconnects++;
    ep_schedule_retry(e);
  }
}

/* ------------------------------------------------------------------ the tick */

static void check_deadlines(struct chain_rpc *c, uint64_t now) {
  struct req *r, *next, *done = NULL;
  for (r = c->all_head; r; r = next) {
    next = r->all_next;
    if (now < r->deadline) continue;
    req_detach(c, r);
    r->done_next = done;
    done = r;
  }
  for (r = done; r; r = next) {
    next = r->done_next;
    c->stats.timeouts++;
    if (r->ep)
      req_fail(c, r, OB_ETIMEDOUT, "'%s' got no reply from '%s' within %u ms", r->method, r->ep->url, r->timeout_ms);
    else
      req_fail(c, r, OB_ETIMEDOUT, "'%s' not sent: no usable endpoint within %u ms%s%s", r->method, r->timeout_ms,
               c->neps && c->eps[0].last_error[0] ? "; last error: " : "", c->neps ? c->eps[0].last_error : "");
  }
}

static void check_endpoint(struct chain_rpc *c, struct endpoint *e, uint64_t now) {
  uint64_t ka = c->o.keepalive_ms;
  if (e->st != EP_OPEN) return;
  if (!e->http) {
    uint64_t silent = now - e->last_rx;
    /* A ping after ka of silence, dead at 2 × ka less two ticks: a tick fires at most one tick late
     * on a busy machine, so detection stays within 2 × ka. */
    if (silent + 2 * c->tick_ms >= 2 * ka) {
      char why[120];
      snprintf(why, sizeof(why), "no traffic and no pong for %llu ms (keepalive %llu ms)",
               (unsigned long long)silent, (unsigned long long)ka);
      ep_lost(e, why);
      return;
    }
    if (silent >= ka && (!e->ping_out || now - e->ping_at >= ka / 2)) {
      e->ping_out = true;
      e->ping_at = now;
      conn_ping(e->conn);
    }
  }
  if (e->verified && !e->health_inflight && now >= e->next_health) ep_send_check(e, "eth_blockNumber", REQ_HEAD);
}

static void tick(void *ud) {
  struct chain_rpc *c = ud;
  uint64_t now = now_ms(c);
  check_deadlines(c, now);
  for (size_t i = 0; i < c->neps; i++) check_endpoint(c, &c->eps[i], now);
}

/* ------------------------------------------------------------------ public API */

void chain_rpc_opts_init(struct chain_rpc_opts *o) {
  memset(o, 0, sizeof(*o));
  o->request_timeout_ms = 30000;
  o->connect_timeout_ms = 10000;
  o->keepalive_ms = 15000;
  o->max_message = (size_t)64 << 20;
  o->backoff_min_ms = 100;
  o->backoff_max_ms = 10000;
  o->max_lag_blocks = 5;
}

static int url_kind(const char *url, bool *http) {
  if (ob_str_starts(url, "ws://") || ob_str_starts(url, "wss://")) *http = false;
  else if (ob_str_starts(url, "http://") || ob_str_starts(url, "https://")) *http = true;
  else return OB_EINVAL;
  return 0;
}

static int client_init(struct chain_rpc *c, struct chain_loop *loop, const struct chain_rpc_opts *o,
                       struct ob_err *err) {
  int rc;
  c->loop = loop;
  c->o = *o;
  if (!c->o.health_interval_ms) c->o.health_interval_ms = c->o.keepalive_ms;
  if (c->o.backoff_min_ms < 2) c->o.backoff_min_ms = 2;
  if (c->o.backoff_max_ms < c->o.backoff_min_ms) c->o.backoff_max_ms = c->o.backoff_min_ms;
  c->o.urls = NULL;
  c->tick_ms = c->o.keepalive_ms / 4 < TICK_MAX_MS ? c->o.keepalive_ms / 4 : TICK_MAX_MS;
  if (c->o.health_interval_ms / 2 < c->tick_ms) c->tick_ms = c->o.health_interval_ms / 2;
  if (c->tick_ms < 10) c->tick_ms = 10;
  c->next_id = 1;
  c->next_sub = 1;
  c->rng = o->seed ? o->seed : ob_mono_ns() ^ (uint64_t)(uintptr_t)c;
  c->eps = ob_calloc(o->nurls, sizeof(*c->eps));
  if (!c->eps) return ob_err_set(err, OB_ENOMEM, "out of memory");
  c->neps = o->nurls;
  for (size_t i = 0; i < o->nurls; i++) {
    struct endpoint *e = &c->eps[i];
    e->c = c;
    e->idx = i;
    e->health = CHAIN_HEALTH_UNKNOWN;
    if (url_kind(o->urls[i], &e->http))
      return ob_err_set(err, OB_EINVAL, "endpoint '%s': expected a ws://, wss://, http:// or https:// URL", o->urls[i]);
    if (!(e->url = ob_strdup(o->urls[i]))) return ob_err_set(err, OB_ENOMEM, "out of memory");
    if ((rc = chain_timer_new(&e->retry, loop, ep_retry_cb, e, err)) != 0) return rc;
  }
  {
    bool tls = false;
    for (size_t i = 0; i < c->neps; i++) tls |= ob_str_starts(c->eps[i].url, "wss://");
    if ((rc = chain__ws_ctx_new(&c->ws, loop, tls, c->o.ca_file, err)) != 0) return rc;
  }
  if ((rc = chain__http_ctx_new(&c->http, loop, err)) != 0) return rc;
  if ((rc = chain_timer_new(&c->tick, loop, tick, c, err)) != 0) return rc;
  return 0;
}

int chain_rpc_new(struct chain_rpc **out, struct chain_loop *loop, const struct chain_rpc_opts *o,
                  struct ob_err *err) {
  struct chain_rpc *c;
  int rc;
  if (!o->nurls) return ob_err_set(err, OB_EINVAL, "no chain endpoint configured");
  c = ob_calloc(1, sizeof(*c));
  if (!c) return ob_err_set(err, OB_ENOMEM, "out of memory");
  rc = client_init(c, loop, o, err);
  if (rc) {
    chain_rpc_free(c);
    return rc;
  }
  chain_timer_start(c->tick, c->tick_ms, c->tick_ms);
  for (size_t i = 0; i < c->neps; i++) ep_connect(&c->eps[i]);
  *out = c;
  return 0;
}

void chain_rpc_free(struct chain_rpc *c) {
  struct req *r;
  if (!c) return;
  c->freeing = true;
  while ((r = c->all_head) != NULL) {
    req_detach(c, r);
    req_fail(c, r, OB_ECANCELED, "'%s' canceled: the chain client is shutting down", r->method);
  }
  while (c->subs) {
    struct sub *s = c->subs;
    c->subs = s->next;
    ob_free(s->params);
    ob_free(s->node_id);
    ob_free(s);
  }
  for (size_t i = 0; i < c->neps; i++) {
    conn_close(c->eps[i].conn);
    chain_timer_free(c->eps[i].retry);
    ob_free(c->eps[i].url);
  }
  ob_free(c->eps);
  chain_timer_free(c->tick);
  chain__http_ctx_free(c->http);
  chain__ws_ctx_free(c->ws);
  ob_free(c);
}

int chain_rpc_call(struct chain_rpc *c, const char *method, const char *params_json, unsigned flags,
                   unsigned timeout_ms, chain_rpc_cb *cb, void *ud, uint64_t *id_out, struct ob_err *err) {
  struct req *r;
  int rc = req_new(c, &r, method, params_json, REQ_USER, flags, timeout_ms, err);
  if (rc) return rc;
  r->cb = cb;
  r->ud = ud;
  if (id_out) *id_out = r->id;
  req_add(c, r);
  flush(c);
  return 0;
}

int chain_rpc_cancel(struct chain_rpc *c, uint64_t id) {
  struct req *r = req_find(c, id);
  if (!r || r->kind != REQ_USER) return OB_ENOENT;
  req_detach(c, r);
  req_free(r);
  return 0;
}

int chain_rpc_batch(struct chain_rpc *c, const struct chain_rpc_req *reqs, size_t n, unsigned flags,
                    unsigned timeout_ms, struct ob_err *err) {
  struct req **made;
  int rc = 0;
  size_t i;
  if (!n) return ob_err_set(err, OB_EINVAL, "empty batch");
  made = ob_calloc(n, sizeof(*made));
  if (!made) return ob_err_set(err, OB_ENOMEM, "out of memory");
  for (i = 0; i < n && !rc; i++) rc = req_new(c, &made[i], reqs[i].method, reqs[i].params_json, REQ_USER, flags, timeout_ms, err);
  if (rc) {
    for (i = 0; i < n; i++)
      if (made[i]) req_free(made[i]);
    ob_free(made);
    return rc;
  }
  for (i = 0; i < n; i++) {
    made[i]->cb = reqs[i].cb;
    made[i]->ud = reqs[i].ud;
    made[i]->batch = made[0]->id;
    req_add(c, made[i]);
  }
  ob_free(made);
  flush(c);
  return 0;
}

struct sync_call {
  bool done;
  int rc;
  struct ob_buf *out;
  struct ob_err *err;
};

static void sync_cb(void *ud, int rc, const struct ob_json *result, const struct ob_err *err) {
  struct sync_call *s = ud;
  s->done = true;
  s->rc = rc;
  if (rc == 0 && s->out && ob_json_dump(s->out, result) != 0)
    s->rc = ob_err_set(s->err, OB_ELIMIT, "result does not fit the output buffer");
  else if (rc && s->err && err)
    *s->err = *err;
}

int chain_rpc_call_sync(struct chain_rpc *c, const char *method, const char *params_json,
                        unsigned flags, unsigned timeout_ms, struct ob_buf *result, struct ob_err *err) {
  struct sync_call s = {false, 0, result, err};
  int rc = chain_rpc_call(c, method, params_json, flags, timeout_ms, sync_cb, &s, NULL, err);
  if (rc) return rc;
  if (!chain_loop_run_until(c->loop, &s.done)) return ob_err_set(err, OB_ESTATE, "event loop stopped");
  return s.rc;
}

bool chain_rpc_ready(struct chain_rpc *c) { return c->active != NULL; }

static void describe_endpoints(struct chain_rpc *c, unsigned timeout_ms, struct ob_err *err) {
  struct ob_buf b;
  ob_buf_init(&b, 1000);
  for (size_t i = 0; i < c->neps; i++)
    ob_buf_addf(&b, "%s'%s': %s", i ? "; " : "", c->eps[i].url,
                c->eps[i].last_error[0] ? c->eps[i].last_error : "no answer yet");
  ob_err_set(err, OB_EUNREACH, "no usable chain endpoint within %u ms: %s", timeout_ms, b.buf);
  ob_buf_release(&b);
}

void chain_rpc_chain_id_msg(char *out, size_t cap, const char *url, uint64_t reported, uint64_t expected) {
  snprintf(out, cap, "endpoint %s reports chain id %llu, config says %llu", url, (unsigned long long)reported,
           (unsigned long long)expected);
}

/* How many endpoints reported a wrong chain id (and are not usable since). */
static size_t wrong_chains(const struct chain_rpc *c) {
  size_t n = 0;
  for (size_t i = 0; i < c->neps; i++) n += c->eps[i].wrong_chain;
  return n;
}

/* A wrong chain id is a configuration error: waiting will not fix it. */
static int wrong_chain_error(struct chain_rpc *c, struct ob_err *err) {
  struct ob_buf b;
  char msg[300];
  ob_buf_init(&b, 1000);
  for (size_t i = 0; i < c->neps; i++) {
    const struct endpoint *e = &c->eps[i];
    if (e->wrong_chain) chain_rpc_chain_id_msg(msg, sizeof(msg), e->url, e->chain_id_seen, c->o.chain_id);
    else snprintf(msg, sizeof(msg), "'%s': %s", e->url, e->last_error[0] ? e->last_error : "no answer yet");
    ob_buf_addf(&b, "%s%s", i ? "; " : "", msg);
  }
  ob_err_set(err, OB_EINVAL, "wrong chain: %s", b.buf);
  ob_buf_release(&b);
  return OB_EINVAL;
}

static bool settled(struct chain_rpc *c, enum chain_wait what) {
  for (size_t i = 0; i < c->neps; i++) {
    const struct endpoint *e = &c->eps[i];
    bool done = e->reconnects || (what == CHAIN_WAIT_ALL && e->head_known);
    if (!done) return false;
  }
  return true;
}

/* The tick timer wakes the loop at least every TICK_MAX_MS, so the deadline is kept. */
int chain_rpc_wait(struct chain_rpc *c, enum chain_wait what, unsigned timeout_ms, struct ob_err *err) {
  uint64_t end = ob_mono_ms() + timeout_ms;
  for (;;) {
    if (what == CHAIN_WAIT_ALL ? settled(c, what) : c->active != NULL) return 0;
    if (what != CHAIN_WAIT_ALL && c->neps && wrong_chains(c) == c->neps) return wrong_chain_error(c, err);
    if (what == CHAIN_WAIT_FIRST && settled(c, what)) break;
    if (ob_mono_ms() >= end) break;
    chain_loop_run_once(c->loop);
  }
  if (what == CHAIN_WAIT_ALL) return ob_err_set(err, OB_ETIMEDOUT, "endpoints not all checked within %u ms", timeout_ms);
  if (wrong_chains(c)) return wrong_chain_error(c, err);
  describe_endpoints(c, timeout_ms, err);
  return OB_EUNREACH;
}

int chain_rpc_call_once(const char *url, const char *method, const char *params_json,
                        unsigned timeout_ms, struct ob_buf *result, struct ob_err *err) {
  return chain_rpc_call_once_ca(url, NULL, method, params_json, timeout_ms, result, err);
}

int chain_rpc_call_once_ca(const char *url, const char *ca_file, const char *method, const char *params_json,
                           unsigned timeout_ms, struct ob_buf *result, struct ob_err *err) {
  struct chain_loop *loop = NULL;
  struct chain_rpc *c = NULL;
  struct chain_rpc_opts o;
  const char *urls[1] = {url};
  int rc;
  chain_rpc_opts_init(&o);
  o.urls = urls;
  o.nurls = 1;
  o.ca_file = ca_file;
  if (!timeout_ms) timeout_ms = 10000;
  /* Connection and checks must fail inside the wait, so that the error says why. */
  o.request_timeout_ms = o.connect_timeout_ms = timeout_ms * 3 / 4;
  if ((rc = chain_loop_new(&loop, err)) != 0) return rc;
  if ((rc = chain_rpc_new(&c, loop, &o, err)) != 0) goto out;
  if ((rc = chain_rpc_wait(c, CHAIN_WAIT_FIRST, timeout_ms, err)) != 0) goto out;
  rc = chain_rpc_call_sync(c, method, params_json, 0, timeout_ms, result, err);
out:
  chain_rpc_free(c);
  chain_loop_free(loop);
  return rc;
}

int chain_rpc_subscribe(struct chain_rpc *c, const char *params_json, const struct chain_sub_cbs *cbs,
                        void *ud, uint64_t *handle, struct ob_err *err) {
  struct sub *s;
  int rc = params_valid(params_json, err);
  if (rc) return rc;
  s = ob_calloc(1, sizeof(*s));
  if (!s || !(s->params = ob_strdup(params_json))) {
    ob_free(s);
    return ob_err_set(err, OB_ENOMEM, "out of memory");
  }
  s->handle = c->next_sub++;
  s->cbs = *cbs;
  s->ud = ud;
  s->next = c->subs;
  c->subs = s;
  if (handle) *handle = s->handle;
  sub_send(c, s);
  flush(c);
  return 0;
}

int chain_rpc_unsubscribe(struct chain_rpc *c, uint64_t handle) {
  struct sub **p = &c->subs, *s;
  while (*p && (*p)->handle != handle) p = &(*p)->next;
  if (!(s = *p)) return OB_ENOENT;
  *p = s->next;
  if (s->node_id && s->ep && s->ep->st == EP_OPEN) {
    struct ob_buf b;
    struct req *r;
    ob_buf_init(&b, 300);
    ob_buf_addf(&b, "[\"%s\"]", s->node_id);
    if (req_new(c, &r, "eth_unsubscribe", b.buf, REQ_FIRE_AND_FORGET, CHAIN_RPC_ONCE, 0, NULL) == 0) {
      r->pin = s->ep;
      req_add(c, r);
      flush(c);
    }
    ob_buf_release(&b);
  }
  ob_free(s->params);
  ob_free(s->node_id);
  ob_free(s);
  return 0;
}

size_t chain_rpc_status(struct chain_rpc *c, struct chain_endpoint_status *out, size_t cap) {
  for (size_t i = 0; i < c->neps && i < cap; i++) {
    const struct endpoint *e = &c->eps[i];
    struct chain_endpoint_status *s = &out[i];
    memset(s, 0, sizeof(*s));
    s->url = e->url;
    s->health = e->health;
    s->active = c->active == e;
    s->head_known = e->head_known;
    s->head = e->head;
    s->lag = e->lag;
    s->chain_id = e->chain_id_seen;
    s->wrong_chain_id = e->wrong_chain;
    s->reconnects = e->reconnects;
    s->rtt_ms = e->rtt_ms;
    snprintf(s->last_error, sizeof(s->last_error), "%s", e->last_error);
  }
  return c->neps;
}

void chain_rpc_stats(struct chain_rpc *c, struct chain_rpc_stats *out) { *out = c->stats; }
struct chain_loop *chain__rpc_loop(struct chain_rpc *c) { return c->loop; }

